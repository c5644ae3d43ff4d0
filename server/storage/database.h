#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace pqxx {
class connection_base;  // libpqxx 6: the base of every connection type
}

namespace signoff::storage {

struct DatabaseOptions {
  // libpq connection string, e.g. "host=/tmp/pg port=5432 dbname=signoff user=signoff".
  std::string dsn;
  // How long Connect keeps retrying before it gives up with a clear message.
  absl::Duration connect_timeout = absl::Seconds(30);
  // Connections kept open for requests.
  int pool_size = 8;
};

struct MigrationReport {
  int applied = 0;          // migrations this call applied
  int already_applied = 0;  // migrations found recorded before
};

// A small pool of PostgreSQL connections. libpqxx stays behind this header:
// callers see absl::Status, never a pqxx exception.
class Database {
 public:
  // Connects, retrying with back-off until options.connect_timeout passes;
  // UNAVAILABLE with the last libpq error and what to check when it cannot.
  static absl::StatusOr<std::unique_ptr<Database>> Connect(const DatabaseOptions& options);
  ~Database();

  // Applies the embedded migrations not yet recorded in schema_migrations,
  // in order, in one transaction under a PostgreSQL advisory lock: a second
  // process migrating at the same moment waits, then finds nothing to do.
  // A recorded migration whose text has changed is FAILED_PRECONDITION.
  absl::StatusOr<MigrationReport> ApplyMigrations();

  // A round trip to the server; UNAVAILABLE when it does not answer.
  absl::Status Ping();

  // Runs `work` with a pooled connection (blocking while all are busy).
  // A connection found broken is replaced on the next use. Storage-internal.
  absl::Status WithConnection(const std::function<absl::Status(pqxx::connection_base&)>& work);

  const std::string& redacted_dsn() const { return redacted_dsn_; }
  const std::string& dsn() const { return options_.dsn; }

  struct PoolUse {
    int open = 0;  // connections open (idle or in use)
    int idle = 0;
    int size = 0;  // the configured maximum
  };
  PoolUse pool_use() const;

 private:
  struct Pool;  // the libpqxx connections, kept out of this header
  explicit Database(DatabaseOptions options);

  DatabaseOptions options_;
  std::string redacted_dsn_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace signoff::storage
