#pragma once

// The real signoffd, started for a test on port 0 against a fresh database
// of the test PostgreSQL (SIGNOFF_TEST_PG_DSN), as front-office systems,
// signoffctl and operators would meet it:
//
//   auto server = SignoffdProcess::Start();            // waits until SERVING
//   ASSERT_THAT(server, IsOk());
//   auto stub = v1::OfferService::NewStub((*server)->Channel());
//   ...
//   EXPECT_EQ((*server)->Stop(SIGTERM), 0);             // exit code
//   ASSERT_THAT((*server)->Restart(), IsOk());          // same database, same port
//
// Demo principals (deploy/demo/principals.textproto) and the default policy
// set are used unless options say otherwise; their bearer tokens are
// "demo-crm", "demo-smirnova", ... (see that file).

#include <csignal>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/support/process.h"
#include "tests/support/test_database.h"

namespace signoff::testing {

// Where the build put things (set by tests/CMakeLists.txt).
std::string SignoffdPath();
std::string SourceDir();

struct SignoffdOptions {
  // Appended after the defaults below, so they override them (the last
  // occurrence of a flag wins), e.g. {"--policy_dir=/tmp/x", "--job_interval=1s"}.
  std::vector<std::string> extra_args;
  // Defaults: <source>/policies/default and the demo principals.
  std::string policy_dir;
  std::string principals_file;
  // Serve Prometheus metrics on a free loopback port.
  bool metrics = true;
  // How the fixture itself talks to the server (health checks, Channel()):
  // plaintext unless a TLS test sets credentials (and the name the server
  // certificate carries, when the address does not match it).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  std::string tls_target_name;
  // Extra environment for the child ("NAME=value").
  std::vector<std::string> environment;
  absl::Duration start_timeout = absl::Seconds(30);
};

class SignoffdProcess {
 public:
  // Creates a fresh database and starts signoffd on it; returns once the
  // health service says SERVING (the database is reached and migrated).
  static absl::StatusOr<std::unique_ptr<SignoffdProcess>> Start(SignoffdOptions options = {});
  // The same on an existing database (which the caller keeps alive).
  static absl::StatusOr<std::unique_ptr<SignoffdProcess>> StartOn(std::string dsn,
                                                                  SignoffdOptions options = {});
  ~SignoffdProcess();

  // signoffd's first line, e.g. "signoffd listening on 127.0.0.1:PORT (TLS)".
  const std::string& banner() const { return banner_; }
  // "127.0.0.1:PORT" as signoffd printed it.
  const std::string& address() const { return address_; }
  int port() const { return port_; }
  // 0 when metrics are off.
  int metrics_port() const { return metrics_port_; }
  const std::string& dsn() const { return dsn_; }
  ChildProcess& process() { return *process_; }

  // A new channel to the server with the fixture's credentials.
  std::shared_ptr<grpc::Channel> Channel() const;

  void Signal(int signal) { process_->Signal(signal); }
  // Sends `signal` and waits for the exit; the exit code (128 + signal when
  // killed), or nullopt when the process did not end within `timeout`.
  std::optional<int> Stop(int signal = SIGTERM, absl::Duration timeout = absl::Seconds(20));
  // Stops (SIGTERM) if still running, then starts again on the same database
  // and, by default, the same gRPC and metrics ports, so open channels
  // reconnect. Waits for SERVING like Start.
  absl::Status Restart(bool same_ports = true);

  // signoffd's log (its stderr, one line per event, across restarts). It is
  // printed to the test's output when the test has failed.
  std::string Log() const;
  // Waits until the log has a line containing `text` after the first
  // `skip_lines` lines; false on timeout.
  bool WaitForLog(const std::string& text, absl::Duration timeout = absl::Seconds(10),
                  int skip_lines = 0) const;
  int LogLines() const;

  // Blocks until the health service reports SERVING or the timeout passes.
  absl::Status WaitUntilServing(absl::Duration timeout) const;

 private:
  SignoffdProcess(std::unique_ptr<TestDatabase> db, std::string dsn, SignoffdOptions options)
      : db_(std::move(db)), dsn_(std::move(dsn)), options_(std::move(options)) {}
  absl::Status Launch(const std::string& listen, const std::string& metrics_listen);

  std::unique_ptr<TestDatabase> db_;  // null when StartOn was given a DSN
  std::string log_path_;
  std::string dsn_;
  SignoffdOptions options_;
  std::unique_ptr<ChildProcess> process_;
  std::string banner_;
  std::string address_;
  int port_ = 0;
  int metrics_port_ = 0;
};

// GET /metrics over a plain socket; the body, or an error.
absl::StatusOr<std::string> FetchMetrics(int port, absl::Duration timeout = absl::Seconds(5));

}  // namespace signoff::testing
