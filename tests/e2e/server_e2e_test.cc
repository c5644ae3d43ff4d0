// Starts the real signoffd on a free port against the test PostgreSQL and
// drives it over gRPC, as a front-office system or signoffctl would.

#include <signal.h>

#include <grpcpp/grpcpp.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace signoff {
namespace {

using ::signoff::testing::ChildProcess;
using ::signoff::testing::IsOk;
using ::testing::HasSubstr;
using HealthStatus = grpc::health::v1::HealthCheckResponse;

// Parses "signoffd listening on 127.0.0.1:41234 (plaintext)" → "127.0.0.1:41234".
std::string ListeningAddress(const std::string& line) {
  constexpr absl::string_view kPrefix = "signoffd listening on ";
  if (!absl::StartsWith(line, kPrefix)) return "";
  std::string rest = line.substr(kPrefix.size());
  return rest.substr(0, rest.find(' '));
}

HealthStatus::ServingStatus CheckHealth(const std::string& address) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthStatus response;
  grpc::Status status = stub->Check(&context, {}, &response);
  return status.ok() ? response.status() : HealthStatus::UNKNOWN;
}

class ServerE2eTest : public signoff::testing::WithTestDatabase {
 protected:
  // Starts signoffd on port 0 and returns the address it reports.
  std::string StartServer(std::vector<std::string> extra_args = {}) {
    std::vector<std::string> args = {"--listen=127.0.0.1:0", "--database_dsn=" + test_db_->dsn(),
                                     "--policy_dir=" SIGNOFF_SOURCE_DIR "/policies/default",
                                     "--principals_file=" SIGNOFF_SOURCE_DIR "/deploy/demo/principals.textproto",
                                     "--metrics_listen=127.0.0.1:0", "--health_interval=200ms"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    auto child = ChildProcess::Start(SIGNOFFD_PATH, args);
    EXPECT_THAT(child, IsOk());
    if (!child.ok()) return "";
    server_ = std::move(*child);
    auto line = server_->ReadLine(absl::Seconds(30));
    EXPECT_THAT(line, IsOk());
    return line.ok() ? ListeningAddress(*line) : "";
  }

  HealthStatus::ServingStatus WaitForHealth(const std::string& address,
                                            HealthStatus::ServingStatus wanted) {
    HealthStatus::ServingStatus seen = HealthStatus::UNKNOWN;
    for (int i = 0; i < 300 && seen != wanted; ++i) {
      seen = CheckHealth(address);
      if (seen != wanted) absl::SleepFor(absl::Milliseconds(100));
    }
    return seen;
  }

  std::unique_ptr<ChildProcess> server_;
};

TEST_F(ServerE2eTest, ServesHealthOverGrpcAndStopsCleanlyOnSigterm) {
  std::string address = StartServer();
  ASSERT_FALSE(address.empty());
  EXPECT_THAT(address, ::testing::Not(HasSubstr(":0")));
  EXPECT_EQ(WaitForHealth(address, HealthStatus::SERVING), HealthStatus::SERVING);

  // The thin client sees the same, and says so with its exit code.
  auto ctl = signoff::testing::RunCommand(SIGNOFFCTL_PATH, {"--server=" + address, "health"});
  EXPECT_EQ(ctl.exit_code, 0);
  EXPECT_THAT(ctl.output, HasSubstr("SERVING"));

  server_->Signal(SIGTERM);
  EXPECT_EQ(server_->Wait(absl::Seconds(20)), 0);
  EXPECT_EQ(CheckHealth(address), HealthStatus::UNKNOWN);  // really gone
}

TEST_F(ServerE2eTest, SigintAlsoStopsCleanly) {
  std::string address = StartServer();
  ASSERT_FALSE(address.empty());
  EXPECT_EQ(WaitForHealth(address, HealthStatus::SERVING), HealthStatus::SERVING);
  server_->Signal(SIGINT);
  EXPECT_EQ(server_->Wait(absl::Seconds(20)), 0);
}

TEST_F(ServerE2eTest, UnreachableDatabaseKeepsHealthNotServingThenExitsWithAMessage) {
  test_db_.reset();  // we do not need it; point at nothing instead
  auto child = ChildProcess::Start(
      SIGNOFFD_PATH, {"--listen=127.0.0.1:0", "--metrics_listen=",
                      "--policy_dir=" SIGNOFF_SOURCE_DIR "/policies/default",
                      "--principals_file=" SIGNOFF_SOURCE_DIR "/deploy/demo/principals.textproto",
                      "--database_dsn=host=127.0.0.1 port=1 dbname=x user=x connect_timeout=1",
                      "--db_connect_timeout=3s"});
  ASSERT_THAT(child, IsOk());
  auto line = (*child)->ReadLine(absl::Seconds(10));
  ASSERT_THAT(line, IsOk());
  std::string address = ListeningAddress(*line);
  EXPECT_EQ(CheckHealth(address), HealthStatus::NOT_SERVING);
  EXPECT_EQ((*child)->Wait(absl::Seconds(20)), 1);
}

TEST_F(ServerE2eTest, BadConfigurationStopsAtStartUp) {
  auto no_dsn = signoff::testing::RunCommand(SIGNOFFD_PATH, {"--listen=127.0.0.1:0"});
  EXPECT_EQ(no_dsn.exit_code, 1);
  EXPECT_THAT(no_dsn.output, HasSubstr("--database_dsn"));
  auto public_plaintext = signoff::testing::RunCommand(
      SIGNOFFD_PATH, {"--listen=0.0.0.0:0", "--metrics_listen=",
                      "--policy_dir=" SIGNOFF_SOURCE_DIR "/policies/default",
                      "--principals_file=" SIGNOFF_SOURCE_DIR "/deploy/demo/principals.textproto",
                      "--database_dsn=" + test_db_->dsn()});
  EXPECT_EQ(public_plaintext.exit_code, 1);
  EXPECT_THAT(public_plaintext.output, HasSubstr("not a loopback address"));
}

}  // namespace
}  // namespace signoff
