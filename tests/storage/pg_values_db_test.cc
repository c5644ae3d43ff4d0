// What pg_values passes to PostgreSQL, read back by PostgreSQL itself.

#include "server/storage/pg_values.h"

#include <pqxx/pqxx>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_database.h"

namespace signoff::storage::internal {
namespace {

using PgValuesTest = signoff::testing::WithTestDatabase;

TEST_F(PgValuesTest, ByteaArrayArrivesByteForByte) {
  std::string every_byte;
  for (int b = 0; b < 256; ++b) every_byte.push_back(static_cast<char>(b));
  const std::vector<std::string> values = {every_byte, "", std::string(70'000, '\xff'), "{\"a\",\\}"};
  pqxx::connection conn(test_db_->dsn());
  pqxx::work tx(conn);
  pqxx::result rows = tx.exec_params(
      "SELECT ord, length(v), encode(sha256(v), 'hex') FROM unnest($1::bytea[]) WITH ORDINALITY AS t(v, ord) "
      "ORDER BY ord",
      ToByteaArray(values));
  ASSERT_EQ(rows.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rows[i][1].as<size_t>(), values[i].size());
    std::string expected = tx.exec_params1("SELECT encode(sha256($1), 'hex')",
                                           pqxx::binarystring(values[i]))[0].as<std::string>();
    EXPECT_EQ(rows[i][2].as<std::string>(), expected);
  }
}

TEST_F(PgValuesTest, EmptyByteaArrayIsAnEmptyArray) {
  pqxx::connection conn(test_db_->dsn());
  pqxx::work tx(conn);
  pqxx::row row = tx.exec_params1("SELECT cardinality($1::bytea[]), $1::bytea[] = '{}'::bytea[]",
                                  ToByteaArray({}));
  EXPECT_EQ(row[0].as<int>(), 0);
  EXPECT_TRUE(row[1].as<bool>());
}

TEST_F(PgValuesTest, TextAndBigintArraysKeepQuotesAndBackslashes) {
  pqxx::connection conn(test_db_->dsn());
  pqxx::work tx(conn);
  pqxx::row row = tx.exec_params1("SELECT ($1::text[])[2], ($1::text[])[3], ($2::bigint[])[2]",
                                  ToTextArray({"a", "b \"c\"", "d\\e,{f}"}),
                                  ToBigintArray({1, -9'223'372'036'854'775'807LL}));
  EXPECT_EQ(row[0].as<std::string>(), "b \"c\"");
  EXPECT_EQ(row[1].as<std::string>(), "d\\e,{f}");
  EXPECT_EQ(row[2].as<int64_t>(), -9'223'372'036'854'775'807LL);
}

}  // namespace
}  // namespace signoff::storage::internal
