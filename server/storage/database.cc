#include "server/storage/database.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <pqxx/pqxx>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/log/log.h"
#include "server/storage/embedded_sql.h"
#include "server/storage/pg_error.h"

namespace signoff::storage {
namespace {

// Arbitrary but fixed: every signoffd replica takes this advisory lock to migrate.
constexpr int64_t kMigrationLockKey = 0x5149'4e4f'4646;  // "SIGNOFF"-ish

// "V012__add_index" → 12.
absl::StatusOr<int> MigrationVersion(absl::string_view name) {
  size_t sep = name.find("__");
  int version = 0;
  if (name.size() < 2 || name[0] != 'V' || sep == absl::string_view::npos ||
      !absl::SimpleAtoi(name.substr(1, sep - 1), &version) || version <= 0) {
    return absl::InternalError(absl::StrCat(
        "migration file \"", name, "\" is not named V<number>__<what>.sql"));
  }
  return version;
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Open(const std::string& dsn,
                                                       const std::string& redacted_dsn) {
  try {
    auto conn = std::make_unique<pqxx::connection>(dsn);
    for (const EmbeddedSql& query : internal::Queries()) {
      conn->prepare(std::string(query.name), std::string(query.sql));
    }
    return conn;
  } catch (const std::exception& e) {
    return internal::StatusFromException(e, absl::StrCat("connecting to ", redacted_dsn));
  }
}

}  // namespace

namespace internal {
const std::string& QueryText(absl::string_view name) {
  static const auto* texts = [] {
    auto* map = new std::map<std::string, std::string, std::less<>>;
    for (const EmbeddedSql& query : Queries()) map->emplace(std::string(query.name), std::string(query.sql));
    return map;
  }();
  auto it = texts->find(name);
  if (it == texts->end()) throw std::out_of_range(absl::StrCat("no query named ", name));
  return it->second;
}
}  // namespace internal

struct Database::Pool {
  std::mutex mu;
  std::condition_variable available;
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  int open = 0;  // connections handed out or idle
};

Database::Database(DatabaseOptions options)
    : options_(std::move(options)),
      redacted_dsn_(internal::RedactDsn(options_.dsn)),
      pool_(std::make_unique<Pool>()) {}

Database::~Database() = default;

Database::PoolUse Database::pool_use() const {
  std::lock_guard lock(pool_->mu);
  return {pool_->open, static_cast<int>(pool_->idle.size()), options_.pool_size};
}

absl::StatusOr<std::unique_ptr<Database>> Database::Connect(const DatabaseOptions& options) {
  std::unique_ptr<Database> db(new Database(options));
  const absl::Time give_up = absl::Now() + options.connect_timeout;
  absl::Duration backoff = absl::Milliseconds(100);
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = Open(options.dsn, db->redacted_dsn_);
    if (conn.ok()) {
      std::lock_guard lock(db->pool_->mu);
      db->pool_->idle.push_back(std::move(*conn));
      db->pool_->open = 1;
      return db;
    }
    if (absl::Now() + backoff > give_up) {
      return absl::UnavailableError(absl::StrCat(
          "cannot connect to PostgreSQL at \"", db->redacted_dsn_, "\" after ", attempt,
          " attempts in ", absl::FormatDuration(options.connect_timeout), ": ",
          conn.status().message(),
          ". Check that the server is running (make db) and that --database_dsn is right."));
    }
    log::Warning("database.connect_retry",
                 {{"attempt", absl::StrCat(attempt)},
                  {"dsn", db->redacted_dsn_},
                  {"error", std::string(conn.status().message())}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(2));
  }
}

absl::Status Database::WithConnection(
    const std::function<absl::Status(pqxx::connection_base&)>& work) {
  std::unique_ptr<pqxx::connection> conn;
  {
    std::unique_lock lock(pool_->mu);
    pool_->available.wait(
        lock, [&] { return !pool_->idle.empty() || pool_->open < options_.pool_size; });
    if (!pool_->idle.empty()) {
      conn = std::move(pool_->idle.back());
      pool_->idle.pop_back();
    } else {
      ++pool_->open;
    }
  }
  auto give_back = [&](bool healthy) {
    std::lock_guard lock(pool_->mu);
    if (healthy && conn) {
      pool_->idle.push_back(std::move(conn));
    } else {
      --pool_->open;
    }
    pool_->available.notify_one();
  };
  if (!conn || !conn->is_open()) {
    absl::StatusOr<std::unique_ptr<pqxx::connection>> fresh = Open(options_.dsn, redacted_dsn_);
    if (!fresh.ok()) {
      conn.reset();
      give_back(false);
      return fresh.status();
    }
    conn = std::move(*fresh);
  }
  absl::Status status;
  try {
    status = work(*conn);
  } catch (const std::exception& e) {
    status = internal::StatusFromException(e, "database work");
  }
  give_back(conn->is_open() && !absl::IsUnavailable(status));
  return status;
}

absl::Status Database::Ping() {
  return WithConnection([](pqxx::connection_base& conn) {
    pqxx::nontransaction tx(conn);
    tx.exec("SELECT 1");
    return absl::OkStatus();
  });
}

absl::StatusOr<MigrationReport> Database::ApplyMigrations() {
  MigrationReport report;
  absl::Status status = WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    std::string current;
    try {
      pqxx::work tx(conn);
      // Transaction-scoped: released at commit or rollback, even if we crash.
      tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLockKey);
      tx.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY,"
          " name text NOT NULL,"
          " checksum text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
      for (const EmbeddedSql& migration : internal::Migrations()) {
        current = std::string(migration.name);
        absl::StatusOr<int> version = MigrationVersion(migration.name);
        if (!version.ok()) return version.status();
        pqxx::result recorded = tx.exec_params(
            "SELECT checksum = md5($2) FROM schema_migrations WHERE version = $1",
            *version, std::string(migration.sql));
        if (!recorded.empty()) {
          if (!recorded[0][0].as<bool>()) {
            return absl::FailedPreconditionError(absl::StrCat(
                "migration ", migration.name,
                " was edited after it was applied (its checksum differs). Migrations are "
                "append-only: restore the file and add a new V<next>__... migration instead."));
          }
          ++report.already_applied;
          continue;
        }
        tx.exec(std::string(migration.sql));
        tx.exec_params(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, md5($3))",
            *version, std::string(migration.name), std::string(migration.sql));
        ++report.applied;
      }
      tx.commit();
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, absl::StrCat("applying migration ", current));
    }
  });
  if (!status.ok()) return status;
  return report;
}

}  // namespace signoff::storage
