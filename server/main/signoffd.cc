// signoffd: the signoff server. Decides whether a commercial offer may go to
// the client as it is or needs sign-off, and runs that sign-off.

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "server/log/log.h"
#include "server/main/config.h"
#include "server/storage/database.h"
#include "server/transport/grpc_server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to serve gRPC on (port 0 = any free port)");
ABSL_FLAG(std::string, database_dsn, "", "libpq connection string of the PostgreSQL database (required)");
ABSL_FLAG(std::string, policy_dir, "policies/default", "directory with the policy set to load at start-up");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM server certificate; enables TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "", "PEM CA bundle; requires client certificates (mutual TLS)");
ABSL_FLAG(bool, allow_insecure, false, "accept plaintext on a non-loopback --listen address");
ABSL_FLAG(absl::Duration, db_connect_timeout, absl::Seconds(30), "how long to retry reaching PostgreSQL at start-up");
ABSL_FLAG(int, db_pool_size, 8, "PostgreSQL connections kept open");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10), "how long in-flight calls may run after SIGTERM");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(5), "how often the database is pinged for the health status");
ABSL_FLAG(int, max_threads, 64, "maximum threads serving RPCs");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(bool, migrate_only, false, "apply database migrations and exit");

namespace signoff {
namespace {

const std::vector<std::string> kEnvironmentFlags = {
    "listen", "database_dsn", "policy_dir", "tls_cert_file", "tls_key_file",
    "tls_client_ca_file", "allow_insecure", "db_connect_timeout", "db_pool_size",
    "shutdown_grace", "health_interval", "max_threads", "log_level"};

// Start-up problems are reported once, clearly, and stop the process.
int Fail(absl::string_view what, const absl::Status& status) {
  log::Error(what, {{"error", std::string(status.message())}});
  std::fprintf(stderr, "signoffd: %s: %s\n", std::string(what).c_str(),
               std::string(status.message()).c_str());
  return 1;
}

absl::StatusOr<std::unique_ptr<storage::Database>> ConnectAndMigrate() {
  storage::DatabaseOptions options;
  options.dsn = absl::GetFlag(FLAGS_database_dsn);
  options.connect_timeout = absl::GetFlag(FLAGS_db_connect_timeout);
  options.pool_size = absl::GetFlag(FLAGS_db_pool_size);
  auto db = storage::Database::Connect(options);
  if (!db.ok()) return db.status();
  log::Info("database.connected", {{"dsn", (*db)->redacted_dsn()}});
  auto report = (*db)->ApplyMigrations();
  if (!report.ok()) return report.status();
  log::Info("database.migrated", {{"applied", absl::StrCat(report->applied)},
                                  {"already_applied", absl::StrCat(report->already_applied)}});
  return db;
}

absl::Status ValidateFlags() {
  if (absl::GetFlag(FLAGS_database_dsn).empty()) {
    return absl::InvalidArgumentError(
        "--database_dsn (or SIGNOFF_DATABASE_DSN) is required, e.g. "
        "\"host=/path/to/socket-dir port=5432 dbname=signoff user=signoff\"");
  }
  if (absl::GetFlag(FLAGS_db_pool_size) < 1) {
    return absl::InvalidArgumentError("--db_pool_size must be at least 1");
  }
  if (absl::GetFlag(FLAGS_max_threads) < 4) {
    return absl::InvalidArgumentError("--max_threads must be at least 4");
  }
  const std::string policy_dir = absl::GetFlag(FLAGS_policy_dir);
  if (!policy_dir.empty() && !std::filesystem::is_directory(policy_dir)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--policy_dir=", policy_dir, " is not a directory"));
  }
  log::Level level;
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return absl::InvalidArgumentError("--log_level must be debug, info, warning or error");
  }
  log::SetMinLevel(level);
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  // Signals are taken by one thread with sigwait, never by a handler that
  // interrupts gRPC or libpq mid-call; block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::SetProgramUsageMessage(
      "signoff server. Flags may also be set as SIGNOFF_<FLAG> environment variables.");
  if (absl::Status env = config::ApplyEnvironment("SIGNOFF_", kEnvironmentFlags); !env.ok()) {
    return Fail("config.invalid", env);
  }
  absl::ParseCommandLine(argc, argv);
  if (absl::Status valid = ValidateFlags(); !valid.ok()) return Fail("config.invalid", valid);

  if (absl::GetFlag(FLAGS_migrate_only)) {
    auto db = ConnectAndMigrate();
    return db.ok() ? 0 : Fail("database.unavailable", db.status());
  }

  transport::ServerOptions server_options;
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  server_options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  server_options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  server_options.allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  server_options.max_threads = absl::GetFlag(FLAGS_max_threads);
  auto running = transport::StartServer(server_options, {});
  if (!running.ok()) return Fail("server.start_failed", running.status());
  grpc::Server& server = *running->server;

  std::string host = server_options.listen_address.substr(0, server_options.listen_address.rfind(':'));
  std::string address = absl::StrCat(host, ":", running->port);
  // The first line on stdout is the contract with scripts and e2e tests.
  std::printf("signoffd listening on %s (%s)\n", address.c_str(),
              running->tls ? "TLS" : "plaintext");
  std::printf("  try: signoffctl --server=%s health\n", address.c_str());
  std::fflush(stdout);

  absl::Notification stop;
  std::thread signal_waiter([&] {
    int signal = 0;
    sigwait(&stop_signals, &signal);
    log::Info("server.stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
    stop.Notify();
  });

  auto db = ConnectAndMigrate();
  if (!db.ok()) {
    server.Shutdown();
    pthread_kill(signal_waiter.native_handle(), SIGTERM);
    signal_waiter.join();
    return Fail("database.unavailable", db.status());
  }
  server.GetHealthCheckService()->SetServingStatus(true);
  log::Info("server.serving", {{"address", address}});

  // Health follows the database: NOT_SERVING while PostgreSQL does not answer.
  std::thread health_watcher([&] {
    bool serving = true;
    while (!stop.WaitForNotificationWithTimeout(absl::GetFlag(FLAGS_health_interval))) {
      bool reachable = (*db)->Ping().ok();
      if (reachable != serving) {
        serving = reachable;
        server.GetHealthCheckService()->SetServingStatus(serving);
        log::Warning("health.changed", {{"serving", serving ? "true" : "false"}});
      }
    }
  });

  stop.WaitForNotification();
  server.GetHealthCheckService()->SetServingStatus(false);
  // In-flight calls may finish within the grace period; then they are cancelled.
  server.Shutdown(std::chrono::system_clock::now() +
                  absl::ToChronoSeconds(absl::GetFlag(FLAGS_shutdown_grace)));
  health_watcher.join();
  signal_waiter.join();
  log::Info("server.stopped");
  return 0;
}

}  // namespace
}  // namespace signoff

int main(int argc, char** argv) { return signoff::Main(argc, argv); }
