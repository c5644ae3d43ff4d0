// A short smoke of the load instruments against the real signoffd on port 0
// and the test PostgreSQL: each mode runs for a second or two and must see
// zero errors and a non-zero rate. Proves the tools work; measures nothing
// (the full run is tests/bench/run.sh).

#include <signal.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace signoff {
namespace {

using ::signoff::testing::ChildProcess;
using ::signoff::testing::IsOk;
using ::signoff::testing::RunCommand;
using ::testing::HasSubstr;

// The first number after "key": in a JSON report (the top-level figures come
// first in signoff-load's reports).
double JsonNumber(const std::string& json, const std::string& key) {
  std::string needle = absl::StrCat("\"", key, "\":");
  size_t at = json.find(needle);
  if (at == std::string::npos) return -1;
  at += needle.size();
  size_t end = json.find_first_of(",}", at);
  double value = -1;
  return absl::SimpleAtod(json.substr(at, end - at), &value) ? value : -1;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Parses "<name> listening on 127.0.0.1:41234 ..." → "127.0.0.1:41234".
std::string ListeningAddress(const std::string& line) {
  size_t at = line.find(" listening on ");
  if (at == std::string::npos) return "";
  std::string rest = line.substr(at + 14);
  return rest.substr(0, rest.find(' '));
}

class SignoffLoadSmokeTest : public signoff::testing::WithTestDatabase {
 protected:
  void StartSignoffd() {
    auto child = ChildProcess::Start(
        SIGNOFFD_PATH, {"--listen=127.0.0.1:0", "--database_dsn=" + test_db_->dsn(), "--metrics_listen=",
                        "--policy_dir=" SIGNOFF_SOURCE_DIR "/policies/default",
                        "--principals_file=" SIGNOFF_SOURCE_DIR "/deploy/demo/principals.textproto",
                        "--log_level=warning"});
    ASSERT_THAT(child, IsOk());
    server_ = std::move(*child);
    auto line = server_->ReadLine(absl::Seconds(30));
    ASSERT_THAT(line, IsOk());
    address_ = ListeningAddress(*line);
    ASSERT_FALSE(address_.empty()) << *line;
    auto ready = RunCommand(SIGNOFF_LOAD_PATH, {"--mode=wait_serving", "--target=" + address_, "--timeout=30s"});
    ASSERT_EQ(ready.exit_code, 0) << ready.output;
    EXPECT_THAT(ready.output, HasSubstr("SERVING"));
  }

  // Runs signoff-load with `args` and returns its JSON report after checking
  // the run succeeded with zero errors and a non-zero rate.
  std::string RunLoad(const std::string& tool, std::vector<std::string> args) {
    std::string json_path = absl::StrCat(::testing::TempDir(), "/load-", getpid(), "-", runs_++, ".json");
    args.push_back("--json=" + json_path);
    auto run = RunCommand(tool, args, absl::Seconds(60));
    std::string json = ReadFile(json_path);
    std::remove(json_path.c_str());
    EXPECT_EQ(run.exit_code, 0) << run.output;
    EXPECT_EQ(JsonNumber(json, "errors"), 0) << run.output << json;
    EXPECT_GT(JsonNumber(json, "calls_per_s"), 0) << run.output << json;
    return json;
  }

  void TearDown() override {
    if (server_) {
      server_->Signal(SIGTERM);
      server_->Wait(absl::Seconds(20));
    }
  }

  std::unique_ptr<ChildProcess> server_;
  std::string address_;
  int runs_ = 0;
};

TEST_F(SignoffLoadSmokeTest, SubmitAndEvaluateRunWithoutErrors) {
  StartSignoffd();
  std::string pid = absl::StrCat("--server_pid=", server_->pid());
  std::string submit = RunLoad(SIGNOFF_LOAD_PATH, {"--mode=submit", "--target=" + address_, "--channels=2",
                                                   "--in_flight=4", "--duration=2s", "--warmup=200ms", pid});
  // Decisions of every kind came back, and the server's memory was read.
  EXPECT_GT(JsonNumber(submit, "APPROVED"), 0) << submit;
  EXPECT_GT(JsonNumber(submit, "NEEDS_SIGNOFF"), 0) << submit;
  EXPECT_GT(JsonNumber(submit, "max"), 0) << submit;  // server RSS, MiB
  std::string evaluate = RunLoad(SIGNOFF_LOAD_PATH, {"--mode=evaluate", "--target=" + address_, "--channels=2",
                                                     "--in_flight=4", "--duration=2s", "--warmup=200ms"});
  EXPECT_GT(JsonNumber(evaluate, "APPROVED"), 0) << evaluate;
}

TEST_F(SignoffLoadSmokeTest, MixApprovesAndWatchDeliversToEveryStream) {
  StartSignoffd();
  // Many pending offers, so approvals run against the group-commit batches.
  std::string mix = RunLoad(SIGNOFF_LOAD_PATH, {"--mode=mix", "--target=" + address_, "--channels=2",
                                                "--in_flight=4", "--duration=1500ms", "--warmup=0s",
                                                "--pending_percent=40", "--approvers_in_flight=4"});
  EXPECT_GT(JsonNumber(mix, "signed_off"), 0) << mix;
  std::string watch = RunLoad(SIGNOFF_LOAD_PATH, {"--mode=watch", "--target=" + address_, "--channels=2",
                                                  "--streams=20", "--watch_submits=3", "--watch_interval=50ms",
                                                  "--watch_timeout=10s"});
  EXPECT_EQ(JsonNumber(watch, "streams_live"), 20) << watch;
  EXPECT_EQ(JsonNumber(watch, "missing_receipts"), 0) << watch;
}

TEST_F(SignoffLoadSmokeTest, BaselinesRun) {
  auto echo = ChildProcess::Start(ECHO_SERVER_PATH, {"--listen=127.0.0.1:0"});
  ASSERT_THAT(echo, IsOk());
  auto line = (*echo)->ReadLine(absl::Seconds(10));
  ASSERT_THAT(line, IsOk());
  RunLoad(SIGNOFF_LOAD_PATH, {"--mode=echo", "--target=" + ListeningAddress(*line), "--channels=2",
                              "--in_flight=4", "--duration=1s", "--warmup=0s"});
  (*echo)->Signal(SIGTERM);
  EXPECT_EQ((*echo)->Wait(absl::Seconds(10)), 0);

  RunLoad(PG_INSERT_BASELINE_PATH,
          {"--dsn=" + test_db_->dsn(), "--connections=4", "--row_bytes=2000", "--duration=1s", "--warmup=0s"});
}

}  // namespace
}  // namespace signoff
