#include "tests/support/test_database.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <random>

#include "absl/strings/str_cat.h"

namespace signoff::testing {

absl::StatusOr<std::unique_ptr<TestDatabase>> TestDatabase::Create() {
  const char* admin = std::getenv("SIGNOFF_TEST_PG_DSN");
  if (admin == nullptr || *admin == '\0') {
    return absl::FailedPreconditionError(
        "SIGNOFF_TEST_PG_DSN is not set: run db and e2e tests through `make test`, which "
        "starts a throwaway PostgreSQL (or run scripts/test-db.sh start and export what it prints)");
  }
  static std::atomic<int> counter{0};
  std::string name = absl::StrCat("signoff_test_", getpid(), "_", counter++, "_",
                                  std::random_device{}() % 100000);
  try {
    pqxx::connection conn(admin);
    pqxx::nontransaction tx(conn);
    tx.exec(absl::StrCat("CREATE DATABASE ", tx.quote_name(name)));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("creating test database: ", e.what()));
  }
  return std::unique_ptr<TestDatabase>(
      new TestDatabase(admin, name, absl::StrCat(admin, " dbname=", name)));
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection conn(admin_dsn_);
    pqxx::nontransaction tx(conn);
    tx.exec(absl::StrCat("DROP DATABASE IF EXISTS ", tx.quote_name(name_), " WITH (FORCE)"));
  } catch (const std::exception&) {
    // The throwaway cluster is deleted after the run anyway.
  }
}

}  // namespace signoff::testing
