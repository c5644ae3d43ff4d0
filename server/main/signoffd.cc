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
#include "policies/active_policy.h"
#include "policies/directory_file.h"
#include "server/log/log.h"
#include "server/main/config.h"
#include "server/storage/database.h"
#include "server/storage/pg_audit_repository.h"
#include "server/storage/pg_directory_repository.h"
#include "server/workflow/directory_cache.h"
#include "server/storage/pg_event_repository.h"
#include "server/storage/pg_offer_repository.h"
#include "server/transport/grpc_server.h"
#include "server/transport/services.h"
#include "server/workflow/event_fanout.h"
#include "server/workflow/json_writer.h"
#include "server/workflow/workflow.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051", "host:port to serve gRPC on (port 0 = any free port)");
ABSL_FLAG(std::string, database_dsn, "", "libpq connection string of the PostgreSQL database (required)");
ABSL_FLAG(std::string, policy_dir, "policies/default", "directory with the policy set to load at start-up");
ABSL_FLAG(std::string, directory_seed, "",
          "directory file loaded into an empty database at first start "
          "(default: <policy_dir>/directory.textproto when it exists)");
ABSL_FLAG(std::string, principals_file, "", "who may call: a signoff.v1.PrincipalsConfig text file (required)");
ABSL_FLAG(std::string, tls_cert_file, "", "PEM server certificate; enables TLS");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file");
ABSL_FLAG(std::string, tls_client_ca_file, "", "PEM CA bundle; requires client certificates (mutual TLS)");
ABSL_FLAG(bool, allow_insecure, false, "accept plaintext on a non-loopback --listen address");
ABSL_FLAG(std::string, metrics_listen, "127.0.0.1:9464", "host:port of the Prometheus /metrics endpoint; empty = off");
ABSL_FLAG(absl::Duration, db_connect_timeout, absl::Seconds(30), "how long to retry reaching PostgreSQL at start-up");
ABSL_FLAG(int, db_pool_size, 8, "PostgreSQL connections kept open");
ABSL_FLAG(int, executor_threads, 64, "threads running blocking request work");
ABSL_FLAG(int, per_caller_limit, 64, "calls one principal may have in flight");
ABSL_FLAG(int, group_commit_writers, 1, "concurrent group-commit transactions for submissions");
ABSL_FLAG(absl::Duration, job_interval, absl::Seconds(30), "how often escalation and expiry run");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10), "how long in-flight calls may run after SIGTERM");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(5), "how often the database is pinged for the health status");
ABSL_FLAG(int, max_threads, 64, "maximum gRPC threads");
ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error");
ABSL_FLAG(bool, migrate_only, false, "apply database migrations and exit");

namespace signoff {
namespace {

const std::vector<std::string> kEnvironmentFlags = {
    "listen", "database_dsn", "policy_dir", "directory_seed", "principals_file", "tls_cert_file",
    "tls_key_file", "tls_client_ca_file", "allow_insecure", "metrics_listen", "db_connect_timeout",
    "db_pool_size", "executor_threads", "per_caller_limit", "group_commit_writers", "job_interval",
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

absl::Status ValidateFlags(bool migrate_only) {
  if (absl::GetFlag(FLAGS_database_dsn).empty()) {
    return absl::InvalidArgumentError(
        "--database_dsn (or SIGNOFF_DATABASE_DSN) is required, e.g. "
        "\"host=/path/to/socket-dir port=5432 dbname=signoff user=signoff\"");
  }
  auto at_least = [](const char* flag, int value, int min) {
    return value >= min ? absl::OkStatus()
                        : absl::InvalidArgumentError(absl::StrCat("--", flag, " must be at least ", min));
  };
  for (absl::Status s : {at_least("db_pool_size", absl::GetFlag(FLAGS_db_pool_size), 1),
                         at_least("max_threads", absl::GetFlag(FLAGS_max_threads), 4),
                         at_least("executor_threads", absl::GetFlag(FLAGS_executor_threads), 1),
                         at_least("per_caller_limit", absl::GetFlag(FLAGS_per_caller_limit), 1),
                         at_least("group_commit_writers", absl::GetFlag(FLAGS_group_commit_writers), 1)}) {
    if (!s.ok()) return s;
  }
  if (absl::GetFlag(FLAGS_job_interval) < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--job_interval must be at least 1s");
  }
  log::Level level;
  if (!log::ParseLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return absl::InvalidArgumentError("--log_level must be debug, info, warning or error");
  }
  log::SetMinLevel(level);
  if (migrate_only) return absl::OkStatus();
  if (absl::GetFlag(FLAGS_principals_file).empty()) {
    return absl::InvalidArgumentError(
        "--principals_file (or SIGNOFF_PRINCIPALS_FILE) is required: it says who may call "
        "(see deploy/demo/principals.textproto)");
  }
  if (!std::filesystem::is_directory(absl::GetFlag(FLAGS_policy_dir))) {
    return absl::InvalidArgumentError(
        absl::StrCat("--policy_dir=", absl::GetFlag(FLAGS_policy_dir), " is not a directory"));
  }
  return absl::OkStatus();
}

std::string SeedPath() {
  std::string seed = absl::GetFlag(FLAGS_directory_seed);
  if (!seed.empty()) return seed;
  std::string fallback = absl::GetFlag(FLAGS_policy_dir) + "/directory.textproto";
  return std::filesystem::exists(fallback) ? fallback : "";
}

int Main(int argc, char** argv) {
  // Signals are taken by one thread with sigwait, never by a handler that
  // interrupts gRPC or libpq mid-call; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // gRPC calls would pay for Abseil's deadlock detection on every mutex.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  absl::SetProgramUsageMessage(
      "signoff server. Flags may also be set as SIGNOFF_<FLAG> environment variables.");
  if (absl::Status env = config::ApplyEnvironment("SIGNOFF_", kEnvironmentFlags); !env.ok()) {
    return Fail("config.invalid", env);
  }
  absl::ParseCommandLine(argc, argv);
  const bool migrate_only = absl::GetFlag(FLAGS_migrate_only);
  if (absl::Status valid = ValidateFlags(migrate_only); !valid.ok()) return Fail("config.invalid", valid);

  if (migrate_only) {
    auto db = ConnectAndMigrate();
    return db.ok() ? 0 : Fail("database.unavailable", db.status());
  }

  // Everything a request needs; filled in as start-up proceeds.
  std::atomic<bool> ready{false};
  transport::Metrics metrics;
  transport::StreamRegistry streams;
  policies::ActivePolicy policy;
  transport::ServiceEnv env;
  env.policy = &policy;
  env.policy_dir = absl::GetFlag(FLAGS_policy_dir);
  env.streams = &streams;
  env.clock = [] { return absl::Now(); };
  env.call.ready = &ready;
  env.call.metrics = &metrics;

  // Configuration first: a bad policy set or principals file stops us here.
  policies::LoadResult loaded = policy.Reload(env.policy_dir);
  if (!loaded.ok()) {
    return Fail("policy.invalid", absl::InvalidArgumentError(absl::StrCat(
                                      "the policy set in ", env.policy_dir, " has problems:\n",
                                      loaded.IssuesText())));
  }
  auto authenticator = transport::Authenticator::Load(absl::GetFlag(FLAGS_principals_file));
  if (!authenticator.ok()) return Fail("config.invalid", authenticator.status());
  env.call.auth = authenticator->get();
  v1::Directory seed;
  if (std::string seed_path = SeedPath(); !seed_path.empty()) {
    auto parsed = policies::LoadDirectoryFile(seed_path);
    if (!parsed.ok()) return Fail("config.invalid", parsed.status());
    seed = std::move(*parsed);
  }

  transport::ServerOptions server_options;
  server_options.listen_address = absl::GetFlag(FLAGS_listen);
  server_options.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  server_options.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  server_options.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  server_options.allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  server_options.max_threads = absl::GetFlag(FLAGS_max_threads);
  transport::OfferServiceImpl offer_service(env);
  transport::ApprovalServiceImpl approval_service(env);
  transport::AuditServiceImpl audit_service(env);
  transport::AdminServiceImpl admin_service(env);
  auto running = transport::StartServer(
      server_options, {&offer_service, &approval_service, &audit_service, &admin_service});
  if (!running.ok()) return Fail("server.start_failed", running.status());
  grpc::Server& server = *running->server;

  transport::MetricsHttpServer metrics_http;
  int metrics_port = 0;
  if (std::string address = absl::GetFlag(FLAGS_metrics_listen); !address.empty()) {
    std::string error;
    metrics_port = metrics_http.Start(address, &metrics, &error);
    if (metrics_port == 0) {
      server.Shutdown();
      return Fail("config.invalid", absl::InvalidArgumentError(error));
    }
  }

  std::string host = server_options.listen_address.substr(0, server_options.listen_address.rfind(':'));
  std::string address = absl::StrCat(host, ":", running->port);
  // The first line on stdout is the contract with scripts and e2e tests.
  std::printf("signoffd listening on %s (%s)\n", address.c_str(), running->tls ? "TLS" : "plaintext");
  if (metrics_port != 0) std::printf("  metrics: http://127.0.0.1:%d/metrics\n", metrics_port);
  std::printf("  try: signoffctl --server=%s health\n", address.c_str());
  std::fflush(stdout);

  absl::Notification stop;
  std::thread signal_waiter([&] {
    while (true) {
      int signal = 0;
      sigwait(&signals, &signal);
      if (signal == SIGHUP && ready.load()) {
        policies::LoadResult result = transport::ReloadPolicySet(env, "signal");
        if (!result.ok()) log::Warning("policy.reload_refused", {{"problems", result.IssuesText()}});
        continue;
      }
      if (signal == SIGHUP) continue;
      log::Info("server.stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
      stop.Notify();
      return;
    }
  });
  auto stop_signal_waiter = [&] {
    if (!stop.HasBeenNotified()) pthread_kill(signal_waiter.native_handle(), SIGTERM);
    signal_waiter.join();
  };

  auto db = ConnectAndMigrate();
  if (!db.ok()) {
    server.Shutdown();
    stop_signal_waiter();
    return Fail("database.unavailable", db.status());
  }
  storage::GroupCommitOptions group_commit;
  group_commit.writers = absl::GetFlag(FLAGS_group_commit_writers);
  group_commit.on_batch = [&metrics](int size) { metrics.RecordBatch(size); };
  storage::PgOfferRepository offers(db->get(), group_commit);
  storage::PgDirectoryRepository directory(db->get());
  storage::PgAuditRepository audit(db->get());
  storage::PgEventRepository events(db->get());
  storage::PgEventFeed feed((*db)->dsn());
  workflow::DirectoryCache cached_directory(&directory);
  feed.OnDirectoryChanged([&cached_directory] { cached_directory.Invalidate(); });
  workflow::Workflow workflow(&offers, &cached_directory, [&policy] { return policy.Get(); },
                              [] { return absl::Now(); });
  if (auto seeded = cached_directory.SeedIfEmpty(seed, absl::Now()); !seeded.ok()) {
    server.Shutdown();
    stop_signal_waiter();
    return Fail("directory.seed_failed", seeded.status());
  } else if (*seeded > 0) {
    log::Info("directory.seeded", {{"employees", absl::StrCat(*seeded)}});
  }
  // Watch streams read new events from here: one read per commit, not one per stream.
  workflow::EventFanoutOptions fanout_options;
  fanout_options.on_read_error = [](const absl::Status& s) {
    log::Warning("event_fanout.read_failed", {{"error", std::string(s.message())}});
  };
  workflow::EventFanout fanout(&events, &offers, &feed, fanout_options);
  transport::Executor executor(absl::GetFlag(FLAGS_executor_threads));
  transport::CallerLimits limits(absl::GetFlag(FLAGS_per_caller_limit));
  env.workflow = &workflow;
  env.offers = &offers;
  env.directory = &cached_directory;
  env.audit = &audit;
  env.events = &events;
  env.fanout = &fanout;
  env.call.executor = &executor;
  env.call.limits = &limits;
  {
    const v1::PolicyVersion& version = policy.Get()->version();
    v1::Event activated;
    activated.set_kind("policy.activated");
    activated.set_actor_id("system");
    activated.set_payload_json(workflow::JsonObject()
                                   .Add("label", version.label())
                                   .Add("content_hash", version.content_hash())
                                   .str());
    if (absl::Status s = events.Append(activated, absl::Now()); !s.ok()) {
      log::Warning("policy.event_failed", {{"error", std::string(s.message())}});
    }
  }
  storage::Database* database = db->get();
  metrics.AddGauge("signoff_db_pool_connections", "PostgreSQL connections, by state.", [database] {
    storage::Database::PoolUse use = database->pool_use();
    return std::vector<std::pair<std::string, double>>{
        {"state=\"in_use\"", use.open - use.idle}, {"state=\"idle\"", use.idle}, {"state=\"max\"", use.size}};
  });
  metrics.AddGauge("signoff_policy_info", "The active policy set (value 1).", [&policy] {
    auto set = policy.Get();
    if (!set) return std::vector<std::pair<std::string, double>>{};
    return std::vector<std::pair<std::string, double>>{
        {absl::StrCat("label=\"", transport::Metrics::LabelValue(set->version().label()), "\",hash=\"",
                      transport::Metrics::LabelValue(set->version().content_hash()), "\""),
         1}};
  });
  metrics.AddGauge("signoff_inbox_items", "Items waiting in approvers' inboxes.", [&offers] {
    auto count = offers.InboxItemCount();
    return std::vector<std::pair<std::string, double>>{{"", count.ok() ? static_cast<double>(*count) : -1}};
  });
  metrics.AddGauge("signoff_executor_queue", "Requests waiting for an executor thread.", [&executor] {
    return std::vector<std::pair<std::string, double>>{{"", static_cast<double>(executor.queued())}};
  });

  ready.store(true, std::memory_order_release);
  server.GetHealthCheckService()->SetServingStatus(true);
  log::Info("server.serving", {{"address", address}, {"policy", policy.Get()->version().label()}});

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
  // Escalation and expiry; SKIP LOCKED lets every replica run this safely.
  std::thread jobs([&] {
    while (!stop.WaitForNotificationWithTimeout(absl::GetFlag(FLAGS_job_interval))) {
      for (absl::StatusOr<int> handled : {workflow.EscalateOverdue(), workflow.ExpireOutdated()}) {
        if (!handled.ok()) {
          log::Warning("job.failed", {{"error", std::string(handled.status().message())}});
        } else if (*handled > 0) {
          log::Info("job.done", {{"handled", absl::StrCat(*handled)}});
        }
      }
    }
  });

  stop.WaitForNotification();
  server.GetHealthCheckService()->SetServingStatus(false);
  // Open streams end with UNAVAILABLE and the seq to resume after.
  streams.ShutdownAll();
  // In-flight calls may finish within the grace period; then they are cancelled.
  server.Shutdown(std::chrono::system_clock::now() +
                  absl::ToChronoSeconds(absl::GetFlag(FLAGS_shutdown_grace)));
  health_watcher.join();
  jobs.join();
  signal_waiter.join();
  metrics_http.Stop();
  log::Info("server.stopped");
  return 0;
}

}  // namespace
}  // namespace signoff

int main(int argc, char** argv) { return signoff::Main(argc, argv); }
