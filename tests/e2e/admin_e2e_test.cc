// Operating signoffd end to end: policy reloads (RPC and SIGHUP) that keep
// the active set when the new one is broken, SimulatePolicy over stored
// offers, and the Prometheus endpoint checked against the RPCs just made and
// against the text exposition format.

#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/api_test_util.h"
#include "tests/support/signoffd_fixture.h"
#include "tests/support/status_matchers.h"

namespace signoff {
namespace {

namespace fs = std::filesystem;
namespace t = ::signoff::testing;

using ::signoff::testing::Ctx;
using ::signoff::testing::GrpcIs;
using ::signoff::testing::GrpcOk;
using ::signoff::testing::IsOk;
using ::signoff::testing::PipeOffer;
using ::signoff::testing::SignoffdProcess;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::UnorderedElementsAre;

constexpr char kDefaultLabel[] = "2026-02 default (RU B2B distributor)";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream(path, std::ios::trunc) << text;
}

int LineCount(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// A private copy of policies/default that a test may break and fix.
class PolicyDir {
 public:
  PolicyDir() {
    path_ = fs::path(::testing::TempDir()) /
            absl::StrCat("signoff-policies-", getpid(), "-", std::random_device{}());
    fs::create_directories(path_);
    for (const fs::directory_entry& entry : fs::directory_iterator(t::SourceDir() + "/policies/default")) {
      if (entry.is_regular_file()) fs::copy_file(entry.path(), path_ / entry.path().filename());
    }
  }
  ~PolicyDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  std::string Read(const std::string& name) const { return ReadFile(path_ / name); }
  void Write(const std::string& name, const std::string& text) const { WriteFile(path_ / name, text); }
  // Every *.policy.textproto, as SimulatePolicy takes a candidate set.
  std::vector<v1::PolicyFileContent> PolicyFiles() const {
    std::vector<v1::PolicyFileContent> files;
    for (const fs::directory_entry& entry : fs::directory_iterator(path_)) {
      std::string name = entry.path().filename().string();
      if (!absl::EndsWith(name, ".policy.textproto")) continue;
      v1::PolicyFileContent file;
      file.set_name(name);
      file.set_content(ReadFile(entry.path()));
      files.push_back(std::move(file));
    }
    return files;
  }

 private:
  fs::path path_;
};

class AdminE2eTest : public ::testing::Test {
 protected:
  void StartServer(const std::string& policy_dir = "") {
    t::SignoffdOptions options;
    options.policy_dir = policy_dir;
    auto server = SignoffdProcess::Start(options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    auto channel = server_->Channel();
    offers_ = v1::OfferService::NewStub(channel);
    approvals_ = v1::ApprovalService::NewStub(channel);
    admin_ = v1::AdminService::NewStub(channel);
  }

  v1::OfferRecord Submit(const v1::Offer& offer, const std::string& token = t::kCrm) {
    v1::SubmitOfferRequest request;
    *request.mutable_offer() = offer;
    v1::SubmitOfferResponse response;
    EXPECT_THAT(offers_->SubmitOffer(Ctx(token).get(), request, &response), GrpcOk());
    return response.record();
  }

  v1::GetPolicyInfoResponse PolicyInfo() {
    v1::GetPolicyInfoResponse info;
    EXPECT_THAT(admin_->GetPolicyInfo(Ctx(t::kAdmin).get(), {}, &info), GrpcOk());
    return info;
  }

  v1::ReloadPoliciesResponse Reload() {
    v1::ReloadPoliciesResponse response;
    EXPECT_THAT(admin_->ReloadPolicies(Ctx(t::kAdmin).get(), {}, &response), GrpcOk());
    return response;
  }

  std::unique_ptr<SignoffdProcess> server_;
  std::unique_ptr<v1::OfferService::Stub> offers_;
  std::unique_ptr<v1::ApprovalService::Stub> approvals_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

// ------------------------------------------------------------ reloads

TEST_F(AdminE2eTest, ABrokenPolicyDirectoryIsRefusedWithEveryProblemAndTheOldSetKeepsServing) {
  PolicyDir dir;
  StartServer(dir.path().string());
  const v1::PolicyVersion before = PolicyInfo().version();
  ASSERT_EQ(before.label(), kDefaultLabel);

  // Two files broken in two ways: a syntax error and a level nobody defines.
  const std::string margin = dir.Read("margin.policy.textproto");
  const std::string amount = dir.Read("amount.policy.textproto");
  dir.Write("margin.policy.textproto", margin + "rules { id: \"margin.broken\" when {\n");
  dir.Write("amount.policy.textproto",
            amount + "rules {\n  id: \"amount.ceo\"\n  description: \"Needs a level that does not exist\"\n"
                     "  when { total_above { thresholds { currency_code: \"RUB\" units: 1 } } }\n"
                     "  effect { require_level: \"ceo\" }\n}\n");
  v1::ReloadPoliciesResponse refused = Reload();
  EXPECT_FALSE(refused.activated());
  EXPECT_EQ(refused.active_version().content_hash(), before.content_hash());
  std::map<std::string, std::vector<int>> lines;  // file → lines with problems
  for (const v1::PolicyProblem& p : refused.problems()) {
    EXPECT_THAT(p.message(), Not(IsEmpty()));
    lines[fs::path(p.file()).filename().string()].push_back(p.line());
  }
  ASSERT_TRUE(lines.count("margin.policy.textproto")) << refused.DebugString();
  ASSERT_TRUE(lines.count("amount.policy.textproto")) << refused.DebugString();
  // The syntax error is reported at or after the truncated rule's first line;
  // the unknown level at its effect line.
  EXPECT_GE(lines["margin.policy.textproto"][0], LineCount(margin) + 1);
  EXPECT_THAT(lines["amount.policy.textproto"], ::testing::Contains(LineCount(amount) + 5))
      << refused.DebugString();

  // Still the old set, still deciding.
  EXPECT_EQ(PolicyInfo().version().content_hash(), before.content_hash());
  v1::OfferRecord record = Submit(PipeOffer("KP-R1", "e.novikova"));
  EXPECT_EQ(record.decision().policy_version().content_hash(), before.content_hash());
  EXPECT_EQ(record.decision().outcome(), v1::OUTCOME_NEEDS_SIGNOFF);

  // Fixed (and relabelled): the new set is active and decides.
  dir.Write("margin.policy.textproto", margin);
  dir.Write("amount.policy.textproto", amount);
  std::string levels = dir.Read("levels.policy.textproto");
  dir.Write("levels.policy.textproto",
            absl::StrReplaceAll(levels, {{kDefaultLabel, "e2e reload"}}));
  v1::ReloadPoliciesResponse accepted = Reload();
  EXPECT_TRUE(accepted.activated());
  EXPECT_EQ(accepted.problems_size(), 0) << accepted.DebugString();
  EXPECT_EQ(accepted.active_version().label(), "e2e reload");
  EXPECT_NE(accepted.active_version().content_hash(), before.content_hash());
  EXPECT_EQ(PolicyInfo().version().label(), "e2e reload");
  EXPECT_EQ(Submit(PipeOffer("KP-R2", "e.novikova")).decision().policy_version().label(), "e2e reload");
}

TEST_F(AdminE2eTest, SighupReloadsAndKeepsTheOldSetWhenBroken) {
  PolicyDir dir;
  StartServer(dir.path().string());
  const std::string levels = dir.Read("levels.policy.textproto");
  auto wait_for_label = [&](const std::string& label) {
    absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (absl::Now() < deadline) {
      if (PolicyInfo().version().label() == label) return true;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return false;
  };

  dir.Write("levels.policy.textproto", absl::StrReplaceAll(levels, {{kDefaultLabel, "e2e sighup"}}));
  server_->Signal(SIGHUP);
  ASSERT_TRUE(wait_for_label("e2e sighup"));

  // Broken: refused (it says so in the log), the last good set stays.
  const int seen = server_->LogLines();
  dir.Write("levels.policy.textproto", "label: \"broken\" levels { id: \"\" }\n");
  server_->Signal(SIGHUP);
  ASSERT_TRUE(server_->WaitForLog("policy.reload_refused", absl::Seconds(10), seen));
  EXPECT_EQ(PolicyInfo().version().label(), "e2e sighup");
  dir.Write("levels.policy.textproto", absl::StrReplaceAll(levels, {{kDefaultLabel, "e2e sighup 2"}}));
  server_->Signal(SIGHUP);
  ASSERT_TRUE(wait_for_label("e2e sighup 2"));
  EXPECT_EQ(Submit(PipeOffer("KP-H1", "m.ivanova")).decision().policy_version().label(), "e2e sighup 2");
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
}

// ------------------------------------------------------------ simulation

TEST_F(AdminE2eTest, SimulatePolicyReportsExactlyTheDecisionsAThresholdChangeWouldChange) {
  StartServer();
  // Under the default set (team lead above 500 000 RUB; small repeat
  // offers below 150 000 pass):
  Submit(PipeOffer("KP-S-10K", "m.ivanova", "10"));      // approved
  Submit(PipeOffer("KP-S-120K", "m.ivanova", "120"));    // approved
  Submit(PipeOffer("KP-S-200K", "m.ivanova", "200"));    // approved
  Submit(PipeOffer("KP-S-600K", "m.ivanova", "600"));    // team lead (amount)
  Submit(PipeOffer("KP-S-PROB", "e.novikova", "200"));   // team lead (probation)
  Submit(PipeOffer("KP-S-LOSS", "m.ivanova", "200", 1000, 1200));  // rejected
  ASSERT_EQ(Submit(PipeOffer("KP-S-200K", "m.ivanova", "200")).status(), v1::OFFER_STATUS_APPROVED);

  // The candidate lowers the team lead's amount threshold to 100 000 RUB.
  PolicyDir dir;
  std::string amount = dir.Read("amount.policy.textproto");
  ASSERT_THAT(amount, HasSubstr("units: 500000"));
  dir.Write("amount.policy.textproto", absl::StrReplaceAll(amount, {{"units: 500000", "units: 100000"}}));
  v1::SimulatePolicyRequest request;
  for (v1::PolicyFileContent& file : dir.PolicyFiles()) *request.add_files() = std::move(file);
  v1::SimulatePolicyResponse response;
  ASSERT_THAT(admin_->SimulatePolicy(Ctx(t::kAdmin).get(), request, &response), GrpcOk());
  EXPECT_EQ(response.problems_size(), 0) << response.DebugString();
  EXPECT_EQ(response.candidate_version().label(), kDefaultLabel);
  EXPECT_NE(response.candidate_version().content_hash(), PolicyInfo().version().content_hash());
  EXPECT_EQ(response.offers_evaluated(), 6);
  EXPECT_EQ(response.decisions_changed(), 2);
  std::vector<std::string> changed;
  for (const v1::SimulatedChange& c : response.changes()) {
    changed.push_back(c.offer_id());
    EXPECT_EQ(c.revision(), 1);
    EXPECT_EQ(c.stored_outcome(), v1::OUTCOME_APPROVED);
    EXPECT_EQ(c.simulated_outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
    EXPECT_THAT(c.stored_levels(), IsEmpty());
    EXPECT_THAT(c.simulated_levels(), ElementsAre("team_lead"));
  }
  EXPECT_THAT(changed, UnorderedElementsAre("KP-S-120K", "KP-S-200K"));

  // max_changes bounds the list, not the count.
  request.set_max_changes(1);
  ASSERT_THAT(admin_->SimulatePolicy(Ctx(t::kAdmin).get(), request, &response), GrpcOk());
  EXPECT_EQ(response.decisions_changed(), 2);
  EXPECT_EQ(response.changes_size(), 1);

  // A period before any submission holds nothing.
  request.set_max_changes(0);
  request.mutable_to()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
  ASSERT_THAT(admin_->SimulatePolicy(Ctx(t::kAdmin).get(), request, &response), GrpcOk());
  EXPECT_EQ(response.offers_evaluated(), 0);
  EXPECT_EQ(response.decisions_changed(), 0);

  // A candidate that does not load: its problems, nothing simulated.
  request.clear_to();
  request.mutable_files(0)->set_content("rules { id: ");
  ASSERT_THAT(admin_->SimulatePolicy(Ctx(t::kAdmin).get(), request, &response), GrpcOk());
  ASSERT_GT(response.problems_size(), 0);
  EXPECT_EQ(response.problems(0).file(), request.files(0).name());
  EXPECT_GE(response.problems(0).line(), 1);
  EXPECT_EQ(response.offers_evaluated(), 0);
  EXPECT_EQ(response.changes_size(), 0);
}

// ------------------------------------------------------------ metrics

// Checks a Prometheus text exposition (format 0.0.4) the way a scraper
// parses it; returns the problems and fills `samples` ("name{labels}" → value).
std::vector<std::string> CheckExposition(const std::string& text,
                                         std::map<std::string, double>* samples) {
  std::vector<std::string> problems;
  auto problem = [&](int line, const std::string& what) {
    problems.push_back(absl::StrCat("line ", line, ": ", what));
  };
  auto valid_name = [](absl::string_view name) {
    if (name.empty() || isdigit(static_cast<unsigned char>(name[0]))) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
      return isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
    });
  };
  std::map<std::string, std::string> types;  // family → type
  std::set<std::string> helped, finished_families;
  std::string current_family;
  // Histogram bookkeeping: series (labels without le) → cumulative counts.
  std::map<std::string, std::vector<std::pair<double, double>>> buckets;
  std::map<std::string, double> counts;
  if (text.empty() || text.back() != '\n') problem(0, "must end with a newline");
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (line.empty()) continue;
    if (absl::StartsWith(line, "#")) {
      std::vector<std::string> parts = absl::StrSplit(line, absl::MaxSplits(' ', 3));
      if (parts.size() < 3 || (parts[1] != "HELP" && parts[1] != "TYPE")) continue;  // a comment
      const std::string& family = parts[2];
      if (!valid_name(family)) problem(number, absl::StrCat("bad metric name ", family));
      if (parts[1] == "TYPE") {
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary", "untyped"};
        if (parts.size() != 4 || !kTypes.count(parts[3])) problem(number, "bad TYPE");
        if (types.count(family)) problem(number, absl::StrCat("second TYPE for ", family));
        types[family] = parts.size() == 4 ? parts[3] : "";
      } else if (!helped.insert(family).second) {
        problem(number, absl::StrCat("second HELP for ", family));
      }
      if (family != current_family) {
        if (finished_families.count(family)) problem(number, absl::StrCat(family, " is split"));
        if (!current_family.empty()) finished_families.insert(current_family);
        current_family = family;
      }
      continue;
    }
    // name{label="value",...} value
    size_t name_end = line.find_first_of("{ ");
    if (name_end == absl::string_view::npos) {
      problem(number, "no value");
      continue;
    }
    std::string name(line.substr(0, name_end));
    std::string series_labels;  // without le
    std::string le;
    size_t rest = name_end;
    if (line[name_end] == '{') {
      size_t i = name_end + 1;
      bool first = true;
      while (i < line.size() && line[i] != '}') {
        if (!first) {
          if (line[i] != ',') break;
          ++i;
        }
        first = false;
        size_t eq = line.find('=', i);
        if (eq == absl::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') break;
        std::string label(line.substr(i, eq - i));
        if (!valid_name(label)) problem(number, absl::StrCat("bad label name ", label));
        std::string value;
        size_t j = eq + 2;
        bool closed = false;
        for (; j < line.size(); ++j) {
          if (line[j] == '\\') {
            if (j + 1 >= line.size() || (line[j + 1] != '\\' && line[j + 1] != '"' && line[j + 1] != 'n')) {
              problem(number, "bad escape in a label value");
            }
            value.push_back(line[++j]);
          } else if (line[j] == '"') {
            closed = true;
            break;
          } else {
            value.push_back(line[j]);
          }
        }
        if (!closed) {
          problem(number, "unterminated label value");
          break;
        }
        if (label == "le") {
          le = value;
        } else {
          absl::StrAppend(&series_labels, label, "=", value, ";");
        }
        i = j + 1;
      }
      if (i >= line.size() || line[i] != '}') {
        problem(number, "malformed labels");
        continue;
      }
      rest = i + 1;
    }
    if (rest >= line.size() || line[rest] != ' ') {
      problem(number, "no space before the value");
      continue;
    }
    std::string value_text(line.substr(rest + 1));
    double value = 0;
    if (value_text == "+Inf") {
      value = HUGE_VAL;
    } else if (!absl::SimpleAtod(value_text, &value)) {
      problem(number, absl::StrCat("bad value ", value_text));
    }
    std::string family = name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (absl::EndsWith(name, suffix) && types.count(name.substr(0, name.size() - strlen(suffix))) &&
          types[name.substr(0, name.size() - strlen(suffix))] == "histogram") {
        family = name.substr(0, name.size() - strlen(suffix));
      }
    }
    if (!types.count(family)) problem(number, absl::StrCat(name, " has no TYPE before it"));
    if (family != current_family) problem(number, absl::StrCat(name, " is outside its family's block"));
    if (!valid_name(name)) problem(number, absl::StrCat("bad metric name ", name));
    std::string key = absl::StrCat(std::string(line.substr(0, rest)));
    if (samples->count(key)) problem(number, absl::StrCat("duplicate series ", key));
    (*samples)[key] = value;
    if (types[family] == "histogram") {
      std::string series = absl::StrCat(family, "|", series_labels);
      if (absl::EndsWith(name, "_bucket")) {
        double bound = 0;
        if (le == "+Inf") {
          bound = HUGE_VAL;
        } else if (!absl::SimpleAtod(le, &bound)) {
          problem(number, "bucket without a numeric le");
        }
        buckets[series].push_back({bound, value});
      } else if (absl::EndsWith(name, "_count")) {
        counts[series] = value;
      }
    }
    if (types[family] == "counter" && value < 0) problem(number, "negative counter");
  }
  for (const auto& [series, list] : buckets) {
    for (size_t i = 1; i < list.size(); ++i) {
      if (list[i].first <= list[i - 1].first) problems.push_back(series + ": le not increasing");
      if (list[i].second < list[i - 1].second) problems.push_back(series + ": buckets not cumulative");
    }
    if (list.empty() || list.back().first != HUGE_VAL) {
      problems.push_back(series + ": no +Inf bucket");
    } else if (!counts.count(series) || counts[series] != list.back().second) {
      problems.push_back(series + ": +Inf bucket differs from _count");
    }
  }
  return problems;
}

TEST(ExpositionCheckTest, CatchesWhatAScraperRejects) {
  std::map<std::string, double> samples;
  EXPECT_THAT(CheckExposition("# HELP a A.\n# TYPE a counter\na{x=\"1\"} 2\n", &samples), IsEmpty());
  EXPECT_THAT(CheckExposition("# TYPE a counter\na{x=\"1\"\"} 2\n", &samples), Not(IsEmpty()));
  EXPECT_THAT(CheckExposition("a 1\n", &samples), Not(IsEmpty()));
  EXPECT_THAT(CheckExposition("# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\n"
                              "h_sum 1\nh_count 1\n",
                              &samples),
              Not(IsEmpty()));
}

TEST_F(AdminE2eTest, MetricsCountTheRpcsJustMadeInValidPrometheusText) {
  StartServer();
  for (int i = 0; i < 3; ++i) Submit(PipeOffer(absl::StrCat("KP-M", i), "m.ivanova"));
  Submit(PipeOffer("KP-M-PENDING", "e.novikova"));
  v1::SubmitOfferRequest request;
  *request.mutable_offer() = PipeOffer("KP-M-X", "m.ivanova");
  v1::SubmitOfferResponse response;
  EXPECT_THAT(offers_->SubmitOffer(Ctx("wrong-token").get(), request, &response),
              GrpcIs(grpc::StatusCode::UNAUTHENTICATED, ::testing::_));
  v1::ListInboxResponse inbox;
  EXPECT_THAT(approvals_->ListInbox(Ctx(t::kSmirnova).get(), {}, &inbox), GrpcOk());

  auto text = t::FetchMetrics(server_->metrics_port());
  ASSERT_THAT(text, IsOk());
  std::map<std::string, double> samples;
  EXPECT_THAT(CheckExposition(*text, &samples), IsEmpty()) << *text;
  auto sample = [&](const std::string& key) {
    auto it = samples.find(key);
    return it == samples.end() ? -1.0 : it->second;
  };
  EXPECT_EQ(sample(R"(signoff_rpc_total{method="OfferService.SubmitOffer",code="OK"})"), 4) << *text;
  EXPECT_EQ(sample(R"(signoff_rpc_total{method="OfferService.SubmitOffer",code="UNAUTHENTICATED"})"), 1);
  EXPECT_EQ(sample(R"(signoff_rpc_total{method="ApprovalService.ListInbox",code="OK"})"), 1);
  EXPECT_EQ(sample(R"(signoff_rpc_duration_seconds_count{method="OfferService.SubmitOffer"})"), 5);
  EXPECT_EQ(sample(R"(signoff_rpc_duration_seconds_bucket{method="OfferService.SubmitOffer",le="+Inf"})"), 5);
  EXPECT_EQ(sample(R"(signoff_decisions_total{outcome="OUTCOME_APPROVED"})"), 3);
  EXPECT_EQ(sample(R"(signoff_decisions_total{outcome="OUTCOME_NEEDS_SIGNOFF"})"), 1);
  EXPECT_GE(sample("signoff_group_commit_batch_size_count"), 1);
  EXPECT_GE(sample("signoff_inbox_items"), 1);
  EXPECT_EQ(sample("signoff_watch_streams"), 0);
  EXPECT_GE(sample(R"(signoff_db_pool_connections{state="max"})"), 1);
  EXPECT_THAT(*text, HasSubstr(absl::StrCat("signoff_policy_info{label=\"", kDefaultLabel, "\"")));
}

TEST_F(AdminE2eTest, AnyPolicyLabelKeepsTheMetricsParseable) {
  // A label is free text in a policy file: quotes and backslashes included.
  PolicyDir dir;
  std::string levels = dir.Read("levels.policy.textproto");
  dir.Write("levels.policy.textproto",
            absl::StrReplaceAll(levels, {{absl::StrCat("\"", kDefaultLabel, "\""),
                                          R"("2026-03 \"strict\" C:\\ set")"}}));
  StartServer(dir.path().string());
  ASSERT_EQ(PolicyInfo().version().label(), R"(2026-03 "strict" C:\ set)");
  auto text = t::FetchMetrics(server_->metrics_port());
  ASSERT_THAT(text, IsOk());
  std::map<std::string, double> samples;
  EXPECT_THAT(CheckExposition(*text, &samples), IsEmpty()) << *text;
  EXPECT_THAT(*text, HasSubstr(R"(signoff_policy_info{label="2026-03 \"strict\" C:\\ set",hash=")"));

  // The event recording the activation carries the label as valid JSON.
  try {
    pqxx::connection conn(server_->dsn());
    pqxx::read_transaction tx(conn);
    pqxx::result labels =
        tx.exec("SELECT payload::jsonb->>'label' FROM events WHERE kind = 'policy.activated'");
    ASSERT_EQ(labels.size(), 1u);
    EXPECT_EQ(labels[0][0].as<std::string>(), R"(2026-03 "strict" C:\ set)");
  } catch (const std::exception& e) {
    ADD_FAILURE() << "policy.activated payload: " << e.what();
  }
}

}  // namespace
}  // namespace signoff
