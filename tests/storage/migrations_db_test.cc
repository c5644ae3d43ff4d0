// Migrations against the real PostgreSQL the harness starts.

#include <pqxx/pqxx>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/storage/database.h"
#include "server/storage/embedded_sql.h"
#include "tests/support/process.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace signoff::storage {
namespace {

using ::signoff::testing::IsOk;
using ::signoff::testing::StatusIs;
using ::testing::HasSubstr;

class MigrationsTest : public signoff::testing::WithTestDatabase {
 protected:
  std::unique_ptr<Database> Connect() {
    DatabaseOptions options;
    options.dsn = test_db_->dsn();
    options.connect_timeout = absl::Seconds(5);
    auto db = Database::Connect(options);
    EXPECT_THAT(db, IsOk());
    return db.ok() ? std::move(*db) : nullptr;
  }

  // A connection to the database once every migration is applied.
  std::unique_ptr<pqxx::connection> Migrated() {
    auto db = Connect();
    if (db == nullptr || !db->ApplyMigrations().ok()) return nullptr;
    return std::make_unique<pqxx::connection>(test_db_->dsn());
  }

  int64_t CountRows(const std::string& table) {
    pqxx::connection conn(test_db_->dsn());
    pqxx::nontransaction tx(conn);
    return tx.exec1("SELECT count(*) FROM " + tx.quote_name(table))[0].as<int64_t>();
  }

  const int kMigrations = static_cast<int>(internal::Migrations().size());
};

TEST_F(MigrationsTest, SecondRunFindsEverythingApplied) {
  ASSERT_GT(kMigrations, 0);
  auto db = Connect();
  ASSERT_NE(db, nullptr);
  auto first = db->ApplyMigrations();
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->applied, kMigrations);
  EXPECT_EQ(first->already_applied, 0);

  auto second = db->ApplyMigrations();
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->applied, 0);
  EXPECT_EQ(second->already_applied, kMigrations);
  EXPECT_EQ(CountRows("schema_migrations"), kMigrations);
  EXPECT_EQ(CountRows("employees"), 0);  // the schema is really there
}

TEST_F(MigrationsTest, ConcurrentMigratorsApplyEachMigrationOnce) {
  auto a = Connect();
  auto b = Connect();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  absl::StatusOr<MigrationReport> report_a, report_b;
  std::thread ta([&] { report_a = a->ApplyMigrations(); });
  std::thread tb([&] { report_b = b->ApplyMigrations(); });
  ta.join();
  tb.join();
  ASSERT_THAT(report_a, IsOk());
  ASSERT_THAT(report_b, IsOk());
  // One wins and applies everything; the other waits on the lock, then finds
  // nothing left to do.
  EXPECT_EQ(report_a->applied + report_b->applied, kMigrations);
  EXPECT_EQ(std::min(report_a->applied, report_b->applied), 0);
  EXPECT_EQ(CountRows("schema_migrations"), kMigrations);
}

TEST_F(MigrationsTest, TwoServerProcessesMigratingAtOnceBothSucceed) {
  std::vector<std::string> args = {"--migrate_only", "--database_dsn=" + test_db_->dsn(),
                                   "--policy_dir="};
  auto first = signoff::testing::ChildProcess::Start(SIGNOFFD_PATH, args);
  auto second = signoff::testing::ChildProcess::Start(SIGNOFFD_PATH, args);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ((*first)->Wait(absl::Seconds(60)), 0);
  EXPECT_EQ((*second)->Wait(absl::Seconds(60)), 0);
  EXPECT_EQ(CountRows("schema_migrations"), kMigrations);
}

TEST_F(MigrationsTest, EditedMigrationStopsStartUp) {
  auto db = Connect();
  ASSERT_NE(db, nullptr);
  ASSERT_THAT(db->ApplyMigrations(), IsOk());
  {
    pqxx::connection conn(test_db_->dsn());
    pqxx::work tx(conn);
    tx.exec("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
    tx.commit();
  }
  EXPECT_THAT(db->ApplyMigrations(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("was edited")));
}

TEST_F(MigrationsTest, EventLogRefusesUpdatesAndDeletes) {
  auto migrated = Migrated();
  ASSERT_NE(migrated, nullptr);
  pqxx::connection& conn = *migrated;
  {
    pqxx::work tx(conn);
    tx.exec(
        "INSERT INTO events (seq, occurred_at, kind, prev_hash, hash) "
        "VALUES (1, now(), 'test', '\\x00', '\\x01')");
    tx.commit();
  }
  for (const char* tamper : {"UPDATE events SET kind = 'forged'", "DELETE FROM events",
                             "TRUNCATE events"}) {
    pqxx::work tx(conn);
    EXPECT_THROW(tx.exec(tamper), pqxx::sql_error) << tamper;
  }
  EXPECT_EQ(CountRows("events"), 1);
}

// V008: a revision of a few kilobytes is stored as it is, not compressed on
// the hot path (PostgreSQL would compress a row this size without it).
TEST_F(MigrationsTest, RevisionRowsUpToAPageAreStoredUncompressed) {
  auto migrated = Migrated();
  ASSERT_NE(migrated, nullptr);
  pqxx::work tx(*migrated);
  tx.exec(
      "INSERT INTO offer_revisions (offer_id, revision, record, submitted_by, manager_id, "
      "customer_id, currency_code, total, outcome, status, policy_label, policy_hash, "
      "submitted_at, version) "
      "SELECT 'KP-1', r, convert_to(repeat('line of an offer ', 200), 'UTF8'), 'crm', 'm', 'c', "
      "'EUR', 1, 'APPROVED', 'APPROVED', 'p', 'h', now(), 1 FROM generate_series(1, 2) r");
  // 3.4 KB, highly compressible: only the table's setting keeps it as it is.
  EXPECT_EQ(tx.exec1("SELECT octet_length(record) FROM offer_revisions WHERE revision = 1")[0]
                .as<int>(),
            3400);
  EXPECT_TRUE(tx.exec1("SELECT pg_column_compression(record) FROM offer_revisions WHERE revision = 1")[0]
                  .is_null());
  // Beyond a page, rows are still compressed.
  tx.exec(
      "UPDATE offer_revisions SET record = convert_to(repeat('line of an offer ', 1000), 'UTF8') "
      "WHERE revision = 2");
  EXPECT_FALSE(tx.exec1("SELECT pg_column_compression(record) FROM offer_revisions WHERE revision = 2")[0]
                   .is_null());
}

TEST(DatabaseConnectTest, UnreachableServerIsUnavailableWithAHint) {
  DatabaseOptions options;
  options.dsn = "host=127.0.0.1 port=1 dbname=nothing user=nobody connect_timeout=1";
  options.connect_timeout = absl::Milliseconds(500);
  EXPECT_THAT(Database::Connect(options),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("cannot connect to PostgreSQL")));
}

}  // namespace
}  // namespace signoff::storage
