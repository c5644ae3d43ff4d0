#include "policies/money.h"

#include <cstdint>
#include <limits>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace signoff::policies {
namespace {

using ::signoff::testing::IsOk;
using ::signoff::testing::StatusIs;
using ::testing::HasSubstr;

Decimal D(absl::string_view text) { return Decimal::Parse(text).value(); }
Money M(absl::string_view currency, absl::string_view amount) {
  return Money::Parse(currency, amount).value();
}

TEST(DecimalTest, ParsesAndPrintsExactly) {
  EXPECT_EQ(D("12.5").ToString(), "12.5");
  EXPECT_EQ(D("-0.000000001").ToString(), "-0.000000001");
  EXPECT_EQ(D("+3").ToString(), "3");
  EXPECT_EQ(D(".25").ToString(), "0.25");
  EXPECT_EQ(D("0.1").nanos() * 3, D("0.3").nanos());  // the classic double trap
}

TEST(DecimalTest, PrintsTheWholeRangeAndAppends) {
  // Beyond 2^64 billionths the digits come from 128-bit division.
  EXPECT_EQ(D("9223372036854775807.999999999").ToString(), "9223372036854775807.999999999");
  EXPECT_EQ(D("-9223372036854775807.000000001").ToString(), "-9223372036854775807.000000001");
  EXPECT_EQ(D("18446744073.709551616").ToString(), "18446744073.709551616");
  EXPECT_EQ(D("-18446744073.709551615").ToFixed(3), "-18446744073.710");
  EXPECT_EQ(D("0").ToString(), "0");
  EXPECT_EQ(D("100.10").ToString(), "100.1");
  EXPECT_EQ(D("-0.004").ToFixed(2), "0.00");  // rounds to zero: no sign
  EXPECT_EQ(D("0.5").ToFixed(12), "0.500000000");  // at most nine digits
  std::string text = "total ";
  D("1500.25").AppendFixed(2, &text);
  text += ", margin ";
  D("-3.2").AppendTo(&text);
  EXPECT_EQ(text, "total 1500.25, margin -3.2");
}

TEST(DecimalTest, RejectsMalformedText) {
  EXPECT_THAT(Decimal::Parse(""), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(Decimal::Parse("1e5"), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1e5")));
  EXPECT_THAT(Decimal::Parse("1.2.3"), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(Decimal::Parse("-"), StatusIs(absl::StatusCode::kInvalidArgument, ::testing::_));
  EXPECT_THAT(Decimal::Parse("0.0000000001"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("9 digits")));
}

TEST(DecimalTest, RoundsHalfAwayFromZero) {
  EXPECT_EQ(D("2.345").RoundTo(2), D("2.35"));
  EXPECT_EQ(D("2.344999999").RoundTo(2), D("2.34"));
  EXPECT_EQ(D("-2.345").RoundTo(2), D("-2.35"));
  EXPECT_EQ(D("0.5").RoundTo(0), D("1"));
  EXPECT_EQ(D("-0.5").RoundTo(0), D("-1"));
  EXPECT_EQ(D("3.205").ToFixed(2), "3.21");
  EXPECT_EQ(D("-3.2").ToFixed(2), "-3.20");
  EXPECT_EQ(D("7").ToFixed(0), "7");
}

TEST(DecimalTest, MultiplyAndDivideRoundToNanos) {
  EXPECT_EQ(Multiply(D("12.5"), D("1500.25")).value(), D("18753.125"));
  EXPECT_EQ(Divide(D("1"), D("3")).value(), D("0.333333333"));
  EXPECT_EQ(Divide(D("2"), D("3")).value(), D("0.666666667"));
  EXPECT_EQ(Divide(D("-2"), D("3")).value(), D("-0.666666667"));
  EXPECT_EQ(Divide(D("2"), D("-3")).value(), D("-0.666666667"));
  EXPECT_THAT(Divide(D("1"), D("0")), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("zero")));
}

TEST(DecimalTest, MultiplyDivideRoundsOnce) {
  EXPECT_EQ(MultiplyDivide(D("3"), D("0.335"), D("1"), 2).value(), D("1.01"));  // 1.005
  EXPECT_EQ(MultiplyDivide(D("-3"), D("0.335"), D("1"), 2).value(), D("-1.01"));
  EXPECT_EQ(MultiplyDivide(D("1"), D("100"), D("3")).value(), D("33.333333333"));
  EXPECT_EQ(MultiplyDivide(D("2"), D("100"), D("-3")).value(), D("-66.666666667"));
  // Rounded once: 0.0049999999996 must not become 0.005 then 0.01.
  EXPECT_EQ(MultiplyDivide(D("0.000000001"), D("4999999.9996"), D("1"), 2).value(), D("0"));
  EXPECT_EQ(MultiplyDivide(D("12.5"), D("1500.25"), D("1"), 0).value(), D("18753"));
  EXPECT_THAT(MultiplyDivide(D("1"), D("1"), D("0")), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("zero")));
  const Decimal big = Decimal::FromUnits(std::numeric_limits<int64_t>::max());
  EXPECT_THAT(MultiplyDivide(big, big, D("1")), StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
  EXPECT_THAT(MultiplyDivide(big, D("2"), D("1")), StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
}

TEST(DecimalTest, OverflowIsAnErrorNotAWrap) {
  const int64_t max = std::numeric_limits<int64_t>::max();
  Decimal big = Decimal::FromUnits(max);
  EXPECT_THAT(Add(big, D("1")), StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("overflow")));
  EXPECT_THAT(Subtract(Negate(big), D("1")), StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
  EXPECT_THAT(Multiply(big, D("2")), StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
  EXPECT_THAT(Multiply(big, big), StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
  EXPECT_THAT(Decimal::Parse("99999999999999999999"),
              StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
  EXPECT_THAT(Add(big, D("0.999999999")), IsOk());
}

TEST(MoneyTest, ProtoRoundTripKeepsUnitsAndNanos) {
  v1::Money proto;
  proto.set_currency_code("RUB");
  proto.set_units(-1500);
  proto.set_nanos(-250000000);
  absl::StatusOr<Money> money = Money::FromProto(proto);
  ASSERT_THAT(money, IsOk());
  EXPECT_EQ(money->ToString(), "-1500.25 RUB");
  EXPECT_EQ(money->ToProto().units(), -1500);
  EXPECT_EQ(money->ToProto().nanos(), -250000000);
}

TEST(MoneyTest, RejectsInconsistentProto) {
  v1::Money proto;
  proto.set_currency_code("RUB");
  proto.set_units(5);
  proto.set_nanos(-1);
  EXPECT_THAT(Money::FromProto(proto), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("same sign")));
  proto.set_nanos(1'000'000'000);
  EXPECT_THAT(Money::FromProto(proto), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nanos")));
  proto.set_nanos(0);
  proto.set_currency_code("rub");
  EXPECT_THAT(Money::FromProto(proto), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"rub\"")));
}

TEST(MoneyTest, CurrencyMismatchIsAnError) {
  EXPECT_THAT(Add(M("RUB", "1"), M("USD", "1")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RUB and USD")));
  EXPECT_THAT(Subtract(M("EUR", "1"), M("RUB", "1")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mismatch")));
  EXPECT_THAT(Compare(M("EUR", "1"), M("RUB", "1")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("mismatch")));
}

TEST(MoneyTest, RoundsToTheCurrencyMinorUnit) {
  EXPECT_EQ(M("RUB", "10.005").RoundToMinorUnit(), M("RUB", "10.01"));
  EXPECT_EQ(M("RUB", "-10.005").RoundToMinorUnit(), M("RUB", "-10.01"));
  EXPECT_EQ(M("JPY", "100.5").RoundToMinorUnit(), M("JPY", "101"));
  EXPECT_EQ(M("KWD", "1.2345").RoundToMinorUnit(), M("KWD", "1.235"));
  EXPECT_EQ(M("JPY", "100").ToString(), "100 JPY");
}

TEST(MoneyTest, LineArithmeticIsExact) {
  // 3 × 0.10 RUB is exactly 0.30, where doubles give 0.30000000000000004.
  Money line = Multiply(M("RUB", "0.10"), D("3")).value();
  EXPECT_EQ(line, M("RUB", "0.30"));
  Money total = Add(line, M("RUB", "999999.70")).value();
  EXPECT_EQ(total.ToString(), "1000000.00 RUB");
  EXPECT_EQ(Compare(total, M("RUB", "1000000")).value(), 0);
  EXPECT_EQ(Compare(line, total).value(), -1);
}

TEST(MoneyTest, OverflowIsAnError) {
  Money big = Money::Create("RUB", Decimal::FromUnits(std::numeric_limits<int64_t>::max())).value();
  EXPECT_THAT(Add(big, M("RUB", "1")), StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
  EXPECT_THAT(Multiply(big, D("1.5")), StatusIs(absl::StatusCode::kOutOfRange, ::testing::_));
}

}  // namespace
}  // namespace signoff::policies
