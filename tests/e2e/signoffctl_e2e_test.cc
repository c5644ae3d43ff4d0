// The real signoffctl binary against the real signoffd and the test
// PostgreSQL: every command, the JSON output, wrong credentials, the live
// inbox, and the README's "Try it" story run line by line as written.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "signoff/v1/service.pb.h"
#include "tests/support/process.h"
#include "tests/support/signoffd_fixture.h"
#include "tests/support/status_matchers.h"

extern char** environ;

namespace signoff {
namespace {

using ::signoff::testing::ChildProcess;
using ::signoff::testing::IsOk;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kExamples[] = SIGNOFF_SOURCE_DIR "/policies/default/examples/";

struct CtlRun {
  int exit_code = -1;
  std::string out, err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Splits a README command line into words like a shell would for the
// quoting it uses: "…" and '…'.
std::vector<std::string> ShellWords(const std::string& line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (char c : line) {
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else {
        word.push_back(c);
      }
    } else if (c == '"' || c == '\'') {
      quote = c;
      in_word = true;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word);
      word.clear();
      in_word = false;
    } else {
      word.push_back(c);
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

template <typename Message>
Message ParseJson(const std::string& json) {
  Message message;
  auto status = google::protobuf::util::JsonStringToMessage(json, &message);
  EXPECT_TRUE(status.ok()) << status.ToString() << "\n" << json;
  return message;
}

class SignoffctlE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    home_ = absl::StrCat(::testing::TempDir(), "/signoffctl-home-", getpid(), "-",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(home_);
    std::filesystem::create_directories(home_);
    signoff::testing::SignoffdOptions options;
    options.metrics = false;
    options.extra_args = {"--log_level=warning"};
    auto server = signoff::testing::SignoffdProcess::Start(options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    address_ = server_->address();
  }

  void TearDown() override { std::filesystem::remove_all(home_); }

  // The environment signoffctl sees: ours without SIGNOFF_* settings, HOME
  // in a private folder (no stray config file), the server's address.
  std::vector<std::string> Environment(const std::vector<std::string>& extra) const {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry = *e;
      if (absl::StartsWith(entry, "SIGNOFF_") || absl::StartsWith(entry, "HOME=") ||
          absl::StartsWith(entry, "XDG_CONFIG_HOME=")) {
        continue;
      }
      env.push_back(entry);
    }
    env.push_back("HOME=" + home_);
    env.push_back("SIGNOFF_SERVER=" + address_);
    env.push_back("TZ=Europe/Moscow");
    for (const std::string& e : extra) {
      // A later entry for the same name replaces ours.
      std::string name = e.substr(0, e.find('=') + 1);
      env.erase(std::remove_if(env.begin(), env.end(), [&](const std::string& x) { return absl::StartsWith(x, name); }),
                env.end());
      env.push_back(e);
    }
    return env;
  }

  // Runs signoffctl to completion in the source folder; stdout and stderr apart.
  CtlRun Ctl(const std::vector<std::string>& args, const std::string& input = "",
          const std::vector<std::string>& env = {}) const {
    int out_pipe[2], err_pipe[2], in_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0 || pipe2(in_pipe, O_CLOEXEC) != 0) {
      return {};
    }
    std::vector<std::string> env_storage = Environment(env);
    std::vector<std::string> argv_storage = {SIGNOFFCTL_PATH};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    pid_t pid = fork();
    if (pid == 0) {
      dup2(in_pipe[0], STDIN_FILENO);
      dup2(out_pipe[1], STDOUT_FILENO);
      dup2(err_pipe[1], STDERR_FILENO);
      if (chdir(SIGNOFF_SOURCE_DIR) != 0) _exit(126);
      std::vector<char*> argv, envp;
      for (std::string& a : argv_storage) argv.push_back(a.data());
      argv.push_back(nullptr);
      for (std::string& e : env_storage) envp.push_back(e.data());
      envp.push_back(nullptr);
      execve(SIGNOFFCTL_PATH, argv.data(), envp.data());
      _exit(127);
    }
    close(in_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    if (!input.empty()) (void)!write(in_pipe[1], input.data(), input.size());
    close(in_pipe[1]);
    CtlRun run;
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* sinks[2] = {&run.out, &run.err};
    int open_fds = 2;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (open_fds > 0 && absl::Now() < deadline) {
      if (poll(fds, 2, 200) <= 0) continue;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
        char chunk[4096];
        ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
        if (n > 0) {
          sinks[i]->append(chunk, static_cast<size_t>(n));
        } else {
          close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        }
      }
    }
    if (open_fds > 0) kill(pid, SIGKILL);
    for (pollfd& f : fds) {
      if (f.fd >= 0) close(f.fd);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return run;
  }

  // signoffctl in the background (inbox --watch, watch), stdout on a pipe.
  std::unique_ptr<ChildProcess> Background(const std::vector<std::string>& args) const {
    std::vector<std::string> words = {"-i", "-C", SIGNOFF_SOURCE_DIR};
    for (const std::string& e : Environment({})) words.push_back(e);
    words.push_back(SIGNOFFCTL_PATH);
    words.insert(words.end(), args.begin(), args.end());
    auto child = ChildProcess::Start("/usr/bin/env", words);
    EXPECT_THAT(child, IsOk());
    return child.ok() ? std::move(*child) : nullptr;
  }

  // Reads lines until one contains `text`; everything read is kept in `seen`.
  static bool WaitForLine(ChildProcess& child, const std::string& text, std::string* seen,
                          absl::Duration timeout = absl::Seconds(20)) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      auto line = child.ReadLine(deadline - absl::Now());
      if (!line.ok()) return false;
      absl::StrAppend(seen, *line, "\n");
      if (absl::StrContains(*line, text)) return true;
    }
    return false;
  }

  // An example offer under another id (and optionally more of each line).
  std::string OfferFile(const std::string& example, const std::string& offer_id, const std::string& ext = ".textproto",
                        int quantity_factor = 1) const {
    v1::Offer offer;
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(Slurp(absl::StrCat(kExamples, example)), &offer));
    offer.set_offer_id(offer_id);
    for (v1::OfferLine& line : *offer.mutable_lines()) {
      int64_t quantity = 0;
      EXPECT_TRUE(absl::SimpleAtoi(line.quantity().value(), &quantity));
      line.mutable_quantity()->set_value(absl::StrCat(quantity * quantity_factor));
    }
    std::string text;
    if (ext == ".json") {
      EXPECT_TRUE(google::protobuf::util::MessageToJsonString(offer, &text).ok());
    } else {
      google::protobuf::TextFormat::PrintToString(offer, &text);
    }
    std::string path = absl::StrCat(home_, "/", offer_id, ext);
    std::ofstream(path) << text;
    return path;
  }

  // Submits an offer of e.novikova (on probation): it waits for team lead.
  void SubmitPending(const std::string& offer_id, int quantity_factor = 1) {
    CtlRun run = Ctl({"--token=demo-crm", "submit", OfferFile("probation.offer.textproto", offer_id, ".textproto",
                                                             quantity_factor)});
    ASSERT_EQ(run.exit_code, 10) << run.out << run.err;
  }

  std::unique_ptr<signoff::testing::SignoffdProcess> server_;
  std::string address_, home_;
};

// The README's "Try it" block, line by line: each `signoffctl` line runs
// exactly as written (only the server address comes from SIGNOFF_SERVER),
// with the exit status "(exit N)" and the text after "→" it promises.
TEST_F(SignoffctlE2eTest, ReadmeDemoStoryRunsAsWritten) {
  std::string readme = Slurp(SIGNOFF_SOURCE_DIR "/README.md");
  size_t start = readme.find("\n## Try it\n");
  ASSERT_NE(start, std::string::npos) << "README.md has no \"## Try it\" section";
  size_t end = readme.find("\n## ", start + 1);
  std::string section = readme.substr(start, end - start);
  size_t block = section.find("```\n");
  ASSERT_NE(block, std::string::npos);
  std::string code = section.substr(block + 4, section.find("```", block + 4) - block - 4);

  int commands = 0;
  for (absl::string_view raw : absl::StrSplit(code, '\n')) {
    std::string line(raw);
    std::string command = line, promise;
    if (size_t hash = line.find("  #"); hash != std::string::npos) {
      command = std::string(absl::StripTrailingAsciiWhitespace(line.substr(0, hash)));
      promise = line.substr(hash + 3);
    }
    if (!absl::StartsWith(command, "signoffctl ")) continue;
    ++commands;
    int expected_exit = 0;
    std::smatch match;
    if (std::regex_search(promise, match, std::regex(R"(\(exit (\d+)\))"))) {
      expected_exit = std::stoi(match[1]);
      promise = match.prefix();
    }
    std::string expected_text;
    if (size_t arrow = promise.find("→"); arrow != std::string::npos) {
      expected_text = std::string(absl::StripAsciiWhitespace(promise.substr(arrow + strlen("→"))));
    }
    std::vector<std::string> words = ShellWords(command);
    CtlRun run = Ctl(std::vector<std::string>(words.begin() + 1, words.end()));
    EXPECT_EQ(run.exit_code, expected_exit) << command << "\n" << run.out << run.err;
    EXPECT_THAT(run.out, HasSubstr(expected_text)) << command;
    EXPECT_EQ(run.err, "") << command;
  }
  EXPECT_GE(commands, 7) << "the story: three submits, inbox, show, approve, history";

  // And the story's end state, seen independently: approved by i.smirnova.
  CtlRun audit = Ctl({"--token=demo-auditor", "--output=json", "audit", "decisions", "--status=approved"});
  ASSERT_EQ(audit.exit_code, 0) << audit.err;
  auto decisions = ParseJson<v1::QueryDecisionsResponse>(audit.out);
  ASSERT_EQ(decisions.records_size(), 2);  // passes + probation
  for (const v1::OfferRecord& record : decisions.records()) {
    if (record.offer().offer_id() != "KP-2026-0303") continue;
    ASSERT_EQ(record.approval().stages_size(), 1);
    EXPECT_EQ(record.approval().stages(0).actions(0).approver_id(), "i.smirnova");
    EXPECT_EQ(record.approval().stages(0).actions(0).comment(), "Prices checked");
  }
}

TEST_F(SignoffctlE2eTest, SubmitPrintsTheDecisionWithExactMoneyAndExitsByOutcome) {
  CtlRun passes = Ctl({"--token=demo-crm", "submit", OfferFile("passes.offer.textproto", "T-PASS")});
  EXPECT_EQ(passes.exit_code, 0) << passes.err;
  EXPECT_THAT(passes.out, AllOf(HasSubstr("T-PASS r1: APPROVED by policy"), HasSubstr("100 440.00 RUB"),
                                HasSubstr("18.70 %"), HasSubstr("customer.repeat_small")));

  CtlRun rejected = Ctl({"--token=demo-crm", "submit", OfferFile("negative_margin.offer.textproto", "T-NEG")});
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_THAT(rejected.out, AllOf(HasSubstr("REJECTED"), HasSubstr("margin.negative"), HasSubstr("-4.49 %")));

  // JSON in (by the .json extension), JSON out; both protobuf's mapping.
  CtlRun pending = Ctl({"--token=demo-crm", "--output", "json", "submit",
                     OfferFile("probation.offer.textproto", "T-JSON", ".json")});
  EXPECT_EQ(pending.exit_code, 10) << pending.err;
  auto response = ParseJson<v1::SubmitOfferResponse>(pending.out);
  EXPECT_EQ(response.record().status(), v1::OFFER_STATUS_PENDING);
  EXPECT_EQ(response.record().decision().required_levels(0), "team_lead");
  EXPECT_EQ(response.record().decision().figures().total().units(), 375997);
  EXPECT_EQ(response.record().decision().figures().total().nanos(), 500000000);

  // The same offer again: the first decision, same exit status.
  CtlRun again = Ctl({"--token=demo-crm", "submit", OfferFile("probation.offer.textproto", "T-JSON")});
  EXPECT_EQ(again.exit_code, 10);

  CtlRun bad_file = Ctl({"--token=demo-crm", "submit", "/nonexistent/offer.textproto"});
  EXPECT_EQ(bad_file.exit_code, 2);
  EXPECT_THAT(bad_file.err, HasSubstr("cannot open /nonexistent/offer.textproto"));
  std::string garbage = absl::StrCat(home_, "/garbage.textproto");
  std::ofstream(garbage) << "offer_id: \"X\"\nnot_a_field: 3\n";
  CtlRun bad_text = Ctl({"--token=demo-crm", "submit", garbage});
  EXPECT_EQ(bad_text.exit_code, 2);
  EXPECT_THAT(bad_text.err, HasSubstr("garbage.textproto:2:"));
}

TEST_F(SignoffctlE2eTest, InboxShowApproveRejectAsTheTeamLead) {
  SubmitPending("T-A");
  SubmitPending("T-B");
  CtlRun inbox = Ctl({"--token=demo-smirnova", "inbox"});
  ASSERT_EQ(inbox.exit_code, 0) << inbox.err;
  EXPECT_THAT(inbox.out, AllOf(HasSubstr("OFFER"), HasSubstr("WAITING SINCE"), HasSubstr("DEADLINE"),
                               HasSubstr("T-A r1"), HasSubstr("T-B r1"), HasSubstr("375 997.50 RUB"),
                               HasSubstr("16.41 %"), HasSubstr("team_lead"), HasSubstr("e.novikova"),
                               HasSubstr("(in 3 h ")));
  // Columns line up: the header and every row put AMOUNT's last digit in one place.
  std::vector<std::string> lines = absl::StrSplit(inbox.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 3u);
  size_t amount_end = lines[0].find("AMOUNT") + strlen("AMOUNT");
  for (size_t i = 1; i < lines.size(); ++i) EXPECT_EQ(lines[i].find(" RUB") + 4, amount_end) << lines[i];

  CtlRun json = Ctl({"--token=demo-smirnova", "inbox", "--output=json"});
  ASSERT_EQ(json.exit_code, 0);
  auto items = ParseJson<v1::ListInboxResponse>(json.out);
  ASSERT_EQ(items.items_size(), 2);
  EXPECT_EQ(items.items(0).due_to(), "i.smirnova");

  CtlRun show = Ctl({"--token=demo-smirnova", "show", "T-A"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, AllOf(HasSubstr("T-A r1: PENDING — waiting for team_lead"), HasSubstr("Elena Novikova"),
                              HasSubstr("PIPE-ST-108x4"), HasSubstr("1 450.00 RUB"), HasSubstr("[manager.probation]"),
                              HasSubstr("manager_tag: probation in probation"), HasSubstr("Sign-off:"),
                              HasSubstr("History:"), HasSubstr("offer.submitted")));
  CtlRun show_json = Ctl({"--token=demo-auditor", "show", "T-A", "--output", "json"});
  ASSERT_EQ(show_json.exit_code, 0);
  EXPECT_GE(ParseJson<v1::GetApprovalResponse>(show_json.out).history_size(), 2);
  // A front-office token may not read approvals but still sees the decision.
  CtlRun show_crm = Ctl({"--token=demo-crm", "show", "T-A"});
  EXPECT_EQ(show_crm.exit_code, 0) << show_crm.err;
  EXPECT_THAT(show_crm.out, HasSubstr("manager.probation"));

  CtlRun no_comment = Ctl({"--token=demo-smirnova", "reject", "T-B"});
  EXPECT_EQ(no_comment.exit_code, 2);
  EXPECT_THAT(no_comment.err, HasSubstr("--comment is required"));
  CtlRun reject = Ctl({"--token=demo-smirnova", "reject", "T-B", "--comment", "Customer asked for a new quote"});
  EXPECT_EQ(reject.exit_code, 0) << reject.err;
  EXPECT_THAT(reject.out, HasSubstr("T-B r1: REJECTED"));

  // Flags after the operand, as people type them.
  CtlRun approve = Ctl({"--token=demo-smirnova", "approve", "T-A", "--comment", "ok", "--revision", "1"});
  EXPECT_EQ(approve.exit_code, 0) << approve.err;
  EXPECT_THAT(approve.out, HasSubstr("T-A r1: APPROVED — signed off"));

  CtlRun twice = Ctl({"--token=demo-smirnova", "approve", "T-A"});
  EXPECT_EQ(twice.exit_code, 5);
  EXPECT_THAT(twice.err, AllOf(HasSubstr("approve T-A failed"), HasSubstr("signoffctl show")));
  EXPECT_EQ(std::count(twice.err.begin(), twice.err.end(), '\n'), 1);

  CtlRun empty = Ctl({"--token=demo-smirnova", "inbox"});
  EXPECT_THAT(empty.out, HasSubstr("Inbox empty"));
  CtlRun missing = Ctl({"--token=demo-smirnova", "show", "NO-SUCH-OFFER"});
  EXPECT_EQ(missing.exit_code, 5);
  EXPECT_THAT(missing.err, HasSubstr("Check the id"));
}

TEST_F(SignoffctlE2eTest, ApproveAllBelowAsksFirstUnlessYes) {
  SubmitPending("T-SMALL");        // 375 997.50 RUB
  SubmitPending("T-BIG", 2);       // 751 995.00 RUB
  SubmitPending("T-SMALL-2");

  CtlRun declined = Ctl({"--token=demo-smirnova", "approve", "--all-below", "400000 RUB", "--comment", "bulk"}, "n\n");
  EXPECT_EQ(declined.exit_code, 1);
  EXPECT_THAT(declined.err, AllOf(HasSubstr("T-SMALL r1"), HasSubstr("Approve these 2 offer(s) below 400000 RUB?"),
                                  HasSubstr("not confirmed")));
  EXPECT_THAT(declined.err, Not(HasSubstr("T-BIG")));
  EXPECT_EQ(ParseJson<v1::ListInboxResponse>(Ctl({"--token=demo-smirnova", "inbox", "--output=json"}).out).items_size(),
            3);

  CtlRun confirmed = Ctl({"--token=demo-smirnova", "approve", "--all-below", "400000", "--comment", "bulk"}, "y\n");
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.err;
  EXPECT_THAT(confirmed.out, AllOf(HasSubstr("T-SMALL"), HasSubstr("T-SMALL-2"), HasSubstr("2 approved, 0 not")));
  auto left = ParseJson<v1::ListInboxResponse>(Ctl({"--token=demo-smirnova", "inbox", "--output=json"}).out);
  ASSERT_EQ(left.items_size(), 1);
  EXPECT_EQ(left.items(0).offer_id(), "T-BIG");

  CtlRun yes = Ctl({"--token=demo-smirnova", "approve", "--all_below=1000000", "--yes", "--output=json"});
  EXPECT_EQ(yes.exit_code, 0) << yes.err;
  auto results = ParseJson<v1::BulkApproveResponse>(yes.out);
  ASSERT_EQ(results.results_size(), 1);
  EXPECT_EQ(results.results(0).status(), v1::OFFER_STATUS_APPROVED);

  CtlRun nothing = Ctl({"--token=demo-smirnova", "approve", "--all-below", "1000000", "--yes"});
  EXPECT_EQ(nothing.exit_code, 0);
  EXPECT_THAT(nothing.out, HasSubstr("Nothing in your inbox is below 1000000"));
  CtlRun bad = Ctl({"--token=demo-smirnova", "approve", "--all-below", "lots", "--yes"});
  EXPECT_EQ(bad.exit_code, 2);
}

TEST_F(SignoffctlE2eTest, DelegateSendsItemsElsewhereUntilCleared) {
  CtlRun set = Ctl({"--token=demo-smirnova", "delegate", "k.orlova", "--until", "+3d"});
  ASSERT_EQ(set.exit_code, 0) << set.err;
  EXPECT_THAT(set.out, HasSubstr("Items due to i.smirnova go to k.orlova from "));
  SubmitPending("T-DELEGATED");
  // The CFO holds no team-lead level: the item is hers only by delegation.
  auto orlova = ParseJson<v1::ListInboxResponse>(Ctl({"--token=demo-orlova", "inbox", "--output=json"}).out);
  ASSERT_EQ(orlova.items_size(), 1);
  EXPECT_EQ(orlova.items(0).due_to(), "i.smirnova");

  CtlRun json = Ctl({"--token=demo-smirnova", "delegate", "k.orlova", "--until", "2099-12-31", "--output=json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(ParseJson<v1::SetDelegationResponse>(json.out).delegation().delegate_id(), "k.orlova");

  CtlRun clear = Ctl({"--token=demo-smirnova", "delegate", "--clear"});
  EXPECT_EQ(clear.exit_code, 0) << clear.err;
  EXPECT_THAT(clear.out, HasSubstr("Delegation cleared"));
  EXPECT_EQ(ParseJson<v1::ListInboxResponse>(Ctl({"--token=demo-orlova", "inbox", "--output=json"}).out).items_size(),
            0);

  EXPECT_EQ(Ctl({"--token=demo-smirnova", "delegate", "k.orlova"}).exit_code, 2);  // no --until
  CtlRun bad_date = Ctl({"--token=demo-smirnova", "delegate", "k.orlova", "--until", "next week"});
  EXPECT_EQ(bad_date.exit_code, 2);
  EXPECT_THAT(bad_date.err, HasSubstr("is not a time"));
}

TEST_F(SignoffctlE2eTest, WatchFollowsAnOfferUntilItIsDecided) {
  SubmitPending("T-WATCHED");
  auto watcher = Background({"--token=demo-crm", "watch", "T-WATCHED"});
  ASSERT_NE(watcher, nullptr);
  std::string seen;
  ASSERT_TRUE(WaitForLine(*watcher, "offer.routed", &seen)) << seen;
  ASSERT_EQ(Ctl({"--token=demo-smirnova", "approve", "T-WATCHED", "--comment", "fine"}).exit_code, 0);
  ASSERT_TRUE(WaitForLine(*watcher, "T-WATCHED r1: APPROVED", &seen)) << seen;
  EXPECT_THAT(seen, HasSubstr("stage.approved by i.smirnova"));
  EXPECT_EQ(watcher->Wait(absl::Seconds(10)), 0);

  // A decided offer: one line, exit status by outcome, no waiting.
  CtlRun decided = Ctl({"--token=demo-crm", "watch", "T-WATCHED"});
  EXPECT_EQ(decided.exit_code, 0);
  Ctl({"--token=demo-crm", "submit", OfferFile("negative_margin.offer.textproto", "T-NEG")});
  EXPECT_EQ(Ctl({"--token=demo-crm", "watch", "T-NEG"}).exit_code, 1);
}

TEST_F(SignoffctlE2eTest, InboxWatchKeepsTheTableLiveAndSurvivesAServerRestart) {
  auto watcher = Background({"--token=demo-smirnova", "inbox", "--watch"});
  ASSERT_NE(watcher, nullptr);
  std::string seen;
  ASSERT_TRUE(WaitForLine(*watcher, "Inbox empty", &seen)) << seen;

  SubmitPending("T-LIVE");
  ASSERT_TRUE(WaitForLine(*watcher, "T-LIVE r1 entered", &seen)) << seen;
  ASSERT_TRUE(WaitForLine(*watcher, "375 997.50 RUB", &seen)) << seen;

  // The server goes away and comes back on the same address: the watcher
  // reconnects after the last event it saw and misses nothing.
  ASSERT_THAT(server_->Restart(), IsOk());
  ASSERT_EQ(server_->address(), address_);
  ASSERT_EQ(Ctl({"--token=demo-smirnova", "approve", "T-LIVE"}).exit_code, 0);
  ASSERT_TRUE(WaitForLine(*watcher, "T-LIVE r1 left (stage.approved by i.smirnova)", &seen, absl::Seconds(40)))
      << seen;
  ASSERT_TRUE(WaitForLine(*watcher, "Inbox empty", &seen)) << seen;

  watcher->Signal(SIGINT);
  EXPECT_EQ(watcher->Wait(absl::Seconds(10)), 128 + SIGINT);

  // For scripts: one InboxUpdate per line in protobuf JSON.
  auto json_watcher = Background({"--token=demo-smirnova", "inbox", "--watch", "--output=json"});
  SubmitPending("T-LIVE-JSON");
  std::string json;
  ASSERT_TRUE(WaitForLine(*json_watcher, "T-LIVE-JSON", &json)) << json;
  std::string last = json.substr(json.rfind('\n', json.size() - 2) + 1);
  auto update = ParseJson<v1::InboxUpdate>(last);
  EXPECT_EQ(update.item().offer_id(), "T-LIVE-JSON");
  EXPECT_GT(update.event().seq(), 0);
  json_watcher->Signal(SIGTERM);
  json_watcher->Wait(absl::Seconds(10));
}

TEST_F(SignoffctlE2eTest, AuditDecisionsHistoryStatsVerify) {
  Ctl({"--token=demo-crm", "submit", OfferFile("passes.offer.textproto", "T-OK")});
  Ctl({"--token=demo-crm", "submit", OfferFile("negative_margin.offer.textproto", "T-NEG")});
  SubmitPending("T-PEND");
  ASSERT_EQ(Ctl({"--token=demo-smirnova", "approve", "T-PEND", "--comment", "checked"}).exit_code, 0);

  CtlRun all = Ctl({"--token=demo-auditor", "audit", "decisions"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_THAT(all.out, AllOf(HasSubstr("T-OK r1"), HasSubstr("T-NEG r1"), HasSubstr("T-PEND r1"),
                             HasSubstr("NEEDS SIGN-OFF"), HasSubstr("margin.negative"), HasSubstr("3 decision(s)")));
  CtlRun rejected = Ctl({"--token=demo-auditor", "audit", "decisions", "--outcome", "rejected", "--output=json"});
  ASSERT_EQ(rejected.exit_code, 0) << rejected.err;
  auto only = ParseJson<v1::QueryDecisionsResponse>(rejected.out);
  ASSERT_EQ(only.records_size(), 1);
  EXPECT_EQ(only.records(0).offer().offer_id(), "T-NEG");
  CtlRun by_rule = Ctl({"--token=demo-auditor", "audit", "decisions", "--rule=manager.probation", "--manager",
                     "e.novikova", "--from", "-1d", "--to", "+1d"});
  EXPECT_THAT(by_rule.out, AllOf(HasSubstr("T-PEND"), Not(HasSubstr("T-OK")), HasSubstr("1 decision(s)")));
  CtlRun limited = Ctl({"--token=demo-auditor", "audit", "decisions", "--limit", "2"});
  EXPECT_THAT(limited.out, HasSubstr("2 decision(s); more match"));
  EXPECT_EQ(Ctl({"--token=demo-auditor", "audit", "decisions", "--outcome", "maybe"}).exit_code, 2);

  CtlRun history = Ctl({"--token=demo-auditor", "audit", "history", "T-PEND"});
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_THAT(history.out, AllOf(HasSubstr("offer.submitted"), HasSubstr("offer.routed"), HasSubstr("stage.approved"),
                                 HasSubstr("i.smirnova"), HasSubstr("comment=checked"), HasSubstr("offer.approved")));
  auto events = ParseJson<v1::GetOfferHistoryResponse>(
      Ctl({"--token=demo-auditor", "audit", "history", "T-PEND", "--output=json"}).out);
  EXPECT_GE(events.events_size(), 4);

  CtlRun stats = Ctl({"--token=demo-auditor", "audit", "stats"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  EXPECT_THAT(stats.out, AllOf(HasSubstr("Offer revisions:   3"), HasSubstr("Auto-approved:     1 (33.33 %)"),
                               HasSubstr("Per approver"), HasSubstr("i.smirnova"), HasSubstr("Per rule")));
  auto figures = ParseJson<v1::GetStatisticsResponse>(
      Ctl({"--token=demo-auditor", "audit", "stats", "--from", "2020-01-01", "--output", "json"}).out);
  EXPECT_EQ(figures.statistics().total(), 3);

  CtlRun verify = Ctl({"--token=demo-auditor", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.err;
  EXPECT_THAT(verify.out, HasSubstr("Audit log intact"));
  EXPECT_TRUE(ParseJson<v1::VerifyAuditLogResponse>(
                  Ctl({"--token=demo-auditor", "audit", "verify", "--output=json"}).out)
                  .intact());
}

TEST_F(SignoffctlE2eTest, PolicyCommandsOnlineAndOffline) {
  CtlRun info = Ctl({"--token=demo-admin", "policy", "info"});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_THAT(info.out, AllOf(HasSubstr("team_lead → head_of_sales → cfo"), HasSubstr("margin.negative")));
  auto version = ParseJson<v1::GetPolicyInfoResponse>(Ctl({"--token=demo-admin", "policy", "info", "--output=json"}).out);
  EXPECT_EQ(version.levels_size(), 3);

  CtlRun reload = Ctl({"--token=demo-admin", "policy", "reload"});
  EXPECT_EQ(reload.exit_code, 0) << reload.err;
  EXPECT_THAT(reload.out, HasSubstr("is active"));

  // A candidate where the team lead checks offers above 50 000 RUB (not
  // 500 000): the routine offer that passed would now wait for sign-off.
  Ctl({"--token=demo-crm", "submit", OfferFile("passes.offer.textproto", "T-OK")});
  std::string candidate = home_ + "/candidate";
  std::filesystem::copy(SIGNOFF_SOURCE_DIR "/policies/default", candidate);
  std::string amount = Slurp(candidate + "/amount.policy.textproto");
  std::ofstream(candidate + "/amount.policy.textproto")
      << std::regex_replace(amount, std::regex(R"(units: 500000 )"), "units: 50000 ");
  CtlRun simulate = Ctl({"--token=demo-admin", "policy", "simulate", candidate, "--from", "2020-01-01", "--to", "+1d"});
  ASSERT_EQ(simulate.exit_code, 0) << simulate.err;
  EXPECT_THAT(simulate.out, AllOf(HasSubstr("1 offer revision(s) evaluated, 1 decision(s) would change"),
                                  HasSubstr("T-OK r1"), HasSubstr("NEEDS SIGN-OFF by team_lead")));
  std::ofstream(candidate + "/levels.policy.textproto") << "levels { id: ";
  CtlRun broken = Ctl({"--token=demo-admin", "policy", "simulate", candidate});
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_THAT(broken.out, HasSubstr("levels.policy.textproto:"));

  // Offline: no server, no token.
  CtlRun lint = Ctl({"policy", "lint", "policies/default"});
  EXPECT_EQ(lint.exit_code, 0) << lint.err;
  EXPECT_THAT(lint.out, HasSubstr("OK policies/default"));
  EXPECT_EQ(Ctl({"policy", "lint", candidate}).exit_code, 1);
  CtlRun test = Ctl({"policy", "test", "policies/default"});
  EXPECT_EQ(test.exit_code, 0) << test.out;
  CtlRun eval = Ctl({"policy", "eval", "policies/default",
                  "policies/default/examples/probation_negative_margin.offer.textproto", "--at=2026-02-02T09:00:00Z"});
  EXPECT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_THAT(eval.out, AllOf(HasSubstr("REJECTED"), HasSubstr("manager.probation")));
  auto decision = ParseJson<v1::Decision>(
      Ctl({"policy", "eval", "policies/default", "policies/default/examples/passes.offer.textproto", "--output=json"})
          .out);
  EXPECT_EQ(decision.outcome(), v1::OUTCOME_APPROVED);
}

TEST_F(SignoffctlE2eTest, EmployeesListUpsertDeactivate) {
  CtlRun list = Ctl({"--token=demo-admin", "employees", "list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_THAT(list.out, AllOf(HasSubstr("e.novikova"), HasSubstr("probation"), HasSubstr("team_lead ≤ 700 000.00 RUB"),
                              Not(HasSubstr("n.lebedev"))));
  EXPECT_THAT(Ctl({"--token=demo-admin", "employees", "list", "--include-inactive"}).out, HasSubstr("n.lebedev"));

  CtlRun add = Ctl({"--token=demo-admin", "employees", "upsert", "t.belov", "--name", "Timur Belov", "--team",
                 "sales-moscow", "--supervisor", "i.smirnova", "--hired", "2026-11-20", "--tags", "probation"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  EXPECT_THAT(add.out, HasSubstr("Saved t.belov: Timur Belov"));
  // Flags change only what they name: e.novikova keeps her team and supervisor.
  CtlRun off_probation = Ctl({"--token=demo-admin", "employees", "upsert", "e.novikova", "--tags", "", "--output=json"});
  ASSERT_EQ(off_probation.exit_code, 0) << off_probation.err;
  auto novikova = ParseJson<v1::UpsertEmployeeResponse>(off_probation.out).employee();
  EXPECT_EQ(novikova.tags_size(), 0);
  EXPECT_EQ(novikova.supervisor_id(), "i.smirnova");
  EXPECT_EQ(novikova.hire_date().year(), 2025);

  CtlRun deactivate = Ctl({"--token=demo-admin", "employees", "deactivate", "t.belov"});
  EXPECT_EQ(deactivate.exit_code, 0) << deactivate.err;
  auto active = ParseJson<v1::ListEmployeesResponse>(Ctl({"--token=demo-admin", "employees", "list", "--output=json"}).out);
  for (const v1::Employee& e : active.employees()) EXPECT_NE(e.employee_id(), "t.belov");
  EXPECT_EQ(Ctl({"--token=demo-smirnova", "employees", "deactivate", "m.ivanova"}).exit_code, 4);
}

TEST_F(SignoffctlE2eTest, WrongTokenOrNoServerIsOneClearLineAndANonZeroExit) {
  CtlRun wrong = Ctl({"--token=not-a-token", "inbox"});
  EXPECT_EQ(wrong.exit_code, 4);
  EXPECT_EQ(wrong.out, "");
  EXPECT_EQ(std::count(wrong.err.begin(), wrong.err.end(), '\n'), 1) << wrong.err;
  EXPECT_THAT(wrong.err, AllOf(HasSubstr("signoffctl: inbox failed:"), HasSubstr("Check the token (it came from --token)")));

  CtlRun none = Ctl({"audit", "verify"});
  EXPECT_EQ(none.exit_code, 4);
  EXPECT_THAT(none.err, HasSubstr("pass --token"));

  CtlRun wrong_role = Ctl({"--token=demo-crm", "audit", "verify"});
  EXPECT_EQ(wrong_role.exit_code, 4);
  EXPECT_THAT(wrong_role.err, HasSubstr("lacks the role"));

  CtlRun no_server = Ctl({"--token=demo-smirnova", "inbox"}, "", {"SIGNOFF_SERVER=127.0.0.1:1"});
  EXPECT_EQ(no_server.exit_code, 3);
  EXPECT_EQ(std::count(no_server.err.begin(), no_server.err.end(), '\n'), 1) << no_server.err;
  EXPECT_THAT(no_server.err, HasSubstr("Is signoffd running at 127.0.0.1:1 (from SIGNOFF_SERVER)?"));

  CtlRun unknown = Ctl({"frobnicate"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("unknown command \"frobnicate\""));
  CtlRun unknown_flag = Ctl({"inbox", "--colour=red"});
  EXPECT_EQ(unknown_flag.exit_code, 2);
  EXPECT_THAT(unknown_flag.err, HasSubstr("unknown flag --colour"));
}

// Makes a CA, a server certificate for 127.0.0.1 and a client certificate
// named `client_name` in `dir` with the openssl command.
bool MakeCertificates(const std::string& dir, const std::string& client_name) {
  std::string script = absl::StrCat(
      "cd '", dir, "' && exec 2>openssl.log && ",
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=signoff-test-ca && ",
      "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost && ",
      "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && ",
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 "
      "-extfile san.ext && ",
      "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=", client_name, " && ",
      "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2");
  return std::system(script.c_str()) == 0;
}

TEST_F(SignoffctlE2eTest, MutualTlsWithCaCertAndKeyFromFlagsOrEnvironment) {
  const std::string dir = home_ + "/tls";
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(MakeCertificates(dir, "smirnova-laptop")) << Slurp(dir + "/openssl.log");
  std::ofstream(dir + "/principals.textproto")
      << "principals { id: \"i.smirnova\" roles: ROLE_APPROVER certificate_names: \"smirnova-laptop\" }\n";
  signoff::testing::SignoffdOptions options;
  options.metrics = false;
  options.principals_file = dir + "/principals.textproto";
  options.extra_args = {"--tls_cert_file=" + dir + "/server.pem", "--tls_key_file=" + dir + "/server.key",
                        "--tls_client_ca_file=" + dir + "/ca.pem", "--log_level=warning"};
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = Slurp(dir + "/ca.pem");
  ssl.pem_cert_chain = Slurp(dir + "/client.pem");
  ssl.pem_private_key = Slurp(dir + "/client.key");
  options.credentials = grpc::SslCredentials(ssl);
  auto tls_server = signoff::testing::SignoffdProcess::Start(options);
  ASSERT_THAT(tls_server, IsOk());
  const std::string server = "SIGNOFF_SERVER=" + (*tls_server)->address();

  // The certificate says who we are: no token needed.
  CtlRun flags = Ctl({"--ca", dir + "/ca.pem", "--cert", dir + "/client.pem", "--key", dir + "/client.key", "inbox"},
                     "", {server});
  EXPECT_EQ(flags.exit_code, 0) << flags.err;
  EXPECT_THAT(flags.out, HasSubstr("Inbox empty"));
  CtlRun env = Ctl({"inbox", "--output=json"}, "",
                   {server, "SIGNOFF_CA=" + dir + "/ca.pem", "SIGNOFF_CERT=" + dir + "/client.pem",
                    "SIGNOFF_KEY=" + dir + "/client.key"});
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_EQ(ParseJson<v1::ListInboxResponse>(env.out).items_size(), 0);

  // Without a client certificate the server refuses the handshake; without
  // the CA we do not even speak TLS. Either way: one line, a non-zero exit.
  CtlRun no_cert = Ctl({"--ca", dir + "/ca.pem", "inbox"}, "", {server});
  EXPECT_NE(no_cert.exit_code, 0);
  EXPECT_EQ(std::count(no_cert.err.begin(), no_cert.err.end(), '\n'), 1) << no_cert.err;
  CtlRun plaintext = Ctl({"--token=demo-smirnova", "inbox"}, "", {server});
  EXPECT_EQ(plaintext.exit_code, 3);
  CtlRun half = Ctl({"--ca", dir + "/ca.pem", "--cert", dir + "/client.pem", "inbox"}, "", {server});
  EXPECT_EQ(half.exit_code, 2);
  EXPECT_THAT(half.err, HasSubstr("--cert and --key go together"));
}

TEST_F(SignoffctlE2eTest, SettingsComeFromTheConfigFileAndTheEnvironment) {
  std::filesystem::create_directories(home_ + "/.config/signoff");
  std::ofstream(home_ + "/.config/signoff/signoffctl.conf")
      << "# written by the test\nserver = " << address_ << "\ntoken = demo-auditor\n";
  CtlRun from_file = Ctl({"audit", "verify"}, "", {"SIGNOFF_SERVER="});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;
  // The environment wins over the file, a flag over both.
  CtlRun env_token = Ctl({"audit", "verify"}, "", {"SIGNOFF_TOKEN=demo-crm"});
  EXPECT_EQ(env_token.exit_code, 4);
  EXPECT_EQ(Ctl({"--token", "demo-admin", "audit", "verify"}, "", {"SIGNOFF_TOKEN=demo-crm"}).exit_code, 0);
  std::ofstream(home_ + "/.config/signoff/signoffctl.conf") << "sever = typo\n";
  CtlRun typo = Ctl({"audit", "verify"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_THAT(typo.err, HasSubstr("signoffctl.conf:1: unknown key \"sever\""));
}

TEST_F(SignoffctlE2eTest, EveryCommandHasHelpWithAnExample) {
  CtlRun help = Ctl({"--help"});
  ASSERT_EQ(help.exit_code, 0);
  int commands = 0;
  bool in_list = false;
  for (absl::string_view line : absl::StrSplit(help.out, '\n')) {
    if (line == "Commands:") {
      in_list = true;
      continue;
    }
    if (!in_list) continue;
    if (line.empty()) break;
    std::vector<std::string> words = absl::StrSplit(absl::StripAsciiWhitespace(line), ' ', absl::SkipEmpty());
    std::vector<std::string> path = {words[0]};
    if (words[0] == "audit" || words[0] == "policy" || words[0] == "employees") path.push_back(words[1]);
    path.push_back("--help");
    CtlRun command_help = Ctl(path);
    EXPECT_EQ(command_help.exit_code, 0) << line;
    EXPECT_THAT(command_help.out, AllOf(HasSubstr("Usage: signoffctl "), HasSubstr("Example"))) << line;
    ++commands;
  }
  EXPECT_EQ(commands, 21);
  EXPECT_THAT(Ctl({"help", "approve"}).out, HasSubstr("--all-below AMOUNT"));
  EXPECT_THAT(Ctl({"audit", "--help"}).out, HasSubstr("audit stats"));
  EXPECT_EQ(Ctl({}).exit_code, 2);
}

}  // namespace
}  // namespace signoff
