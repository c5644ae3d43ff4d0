#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace signoff::testing {

// A fresh, empty database on the PostgreSQL cluster that `make test` starts
// (its admin DSN is in SIGNOFF_TEST_PG_DSN), dropped again on destruction,
// so every test starts from nothing and tests never see each other's rows.
class TestDatabase {
 public:
  // FAILED_PRECONDITION explaining how to run db tests when the variable is
  // unset: a db test never silently passes without a database.
  static absl::StatusOr<std::unique_ptr<TestDatabase>> Create();
  ~TestDatabase();

  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }

 private:
  TestDatabase(std::string admin_dsn, std::string name, std::string dsn)
      : admin_dsn_(std::move(admin_dsn)), name_(std::move(name)), dsn_(std::move(dsn)) {}
  std::string admin_dsn_, name_, dsn_;
};

// A test with a fresh database of its own, test_db_, made in SetUp (failing
// the test when it cannot be). A fixture with more to set up calls this
// SetUp first and returns if HasFatalFailure().
class WithTestDatabase : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = TestDatabase::Create();
    ASSERT_TRUE(db.ok()) << db.status();
    test_db_ = std::move(*db);
  }

  std::unique_ptr<TestDatabase> test_db_;
};

}  // namespace signoff::testing
