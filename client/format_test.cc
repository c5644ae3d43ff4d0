#include "client/format.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace signoff::client {
namespace {

using ::testing::HasSubstr;

v1::Money Money(const std::string& currency, int64_t units, int32_t nanos) {
  v1::Money m;
  m.set_currency_code(currency);
  m.set_units(units);
  m.set_nanos(nanos);
  return m;
}

TEST(FormatMoneyTest, TwoDecimalsGroupedWithTheCurrency) {
  EXPECT_EQ(FormatMoney(Money("RUB", 1234567, 890000000)), "1 234 567.89 RUB");
  EXPECT_EQ(FormatMoney(Money("RUB", 500000, 0)), "500 000.00 RUB");
  EXPECT_EQ(FormatMoney(Money("RUB", 999, 0)), "999.00 RUB");
  EXPECT_EQ(FormatMoney(Money("RUB", 0, 50000000)), "0.05 RUB");
  EXPECT_EQ(FormatMoney(Money("USD", 1000, 0)), "1 000.00 USD");
}

TEST(FormatMoneyTest, NegativeAmountsKeepTheSignInFront) {
  EXPECT_EQ(FormatMoney(Money("RUB", -1234, -500000000)), "-1 234.50 RUB");
  EXPECT_EQ(FormatMoney(Money("RUB", 0, -10000000)), "-0.01 RUB");
  EXPECT_EQ(FormatMoney(Money("RUB", -123456, 0)), "-123 456.00 RUB");
}

TEST(FormatMoneyTest, IsExactNeverRoundedThroughADouble) {
  // 0.1 + 0.2 style amounts and sub-kopeck unit prices print exactly.
  EXPECT_EQ(FormatMoney(Money("RUB", 612, 505000000)), "612.505 RUB");
  EXPECT_EQ(FormatMoney(Money("RUB", 9007199254740993, 10000000)), "9 007 199 254 740 993.01 RUB");
  EXPECT_EQ(FormatMoney(Money("RUB", 0, 1)), "0.000000001 RUB");
}

TEST(FormatMoneyTest, CurrencyMinorDigitsAndOddInput) {
  EXPECT_EQ(FormatMoney(Money("JPY", 15000, 0)), "15 000 JPY");
  EXPECT_EQ(FormatMoney(Money("XXQ", 5, 0)), "5.00 XXQ");  // unknown code: two decimals
  EXPECT_EQ(FormatMoney(v1::Money()), "-");
  EXPECT_THAT(FormatMoney(Money("RUB", 1, -5)), HasSubstr("invalid"));  // mixed signs
}

TEST(FormatPercentTest, TwoDecimals) {
  EXPECT_EQ(FormatPercent("12.5"), "12.50 %");
  EXPECT_EQ(FormatPercent("-3.2"), "-3.20 %");
  EXPECT_EQ(FormatPercent("8.005"), "8.01 %");
  EXPECT_EQ(FormatPercent("0"), "0.00 %");
  EXPECT_EQ(FormatPercent(""), "-");
}

TEST(FormatDurationTest, TwoUnitsForPeople) {
  EXPECT_EQ(HumanDuration(absl::Hours(3) + absl::Minutes(12) + absl::Seconds(40)), "3 h 12 min");
  EXPECT_EQ(HumanDuration(absl::Hours(4)), "4 h");
  EXPECT_EQ(HumanDuration(absl::Minutes(12)), "12 min");
  EXPECT_EQ(HumanDuration(absl::Seconds(45)), "45 s");
  EXPECT_EQ(HumanDuration(absl::ZeroDuration()), "0 s");
  EXPECT_EQ(HumanDuration(absl::Hours(52) + absl::Minutes(30)), "2 d 4 h");
  EXPECT_EQ(HumanDuration(absl::Hours(48)), "2 d");
  EXPECT_EQ(HumanDuration(-absl::Minutes(5)), "-5 min");
}

TEST(FormatTimeTest, LocalZoneAndRelative) {
  absl::TimeZone moscow = absl::FixedTimeZone(3 * 3600);
  google::protobuf::Timestamp t = ToProtoTime(absl::FromUnixSeconds(1764356400));  // 2025-11-28 19:00:00 UTC
  EXPECT_EQ(FormatTime(t, moscow), "2025-11-28 22:00");
  EXPECT_EQ(FormatTime(t, absl::UTCTimeZone(), true), "2025-11-28 19:00:00");
  EXPECT_EQ(FormatTime(google::protobuf::Timestamp(), moscow), "-");
  absl::Time now = ToAbslTime(t) - absl::Hours(3) - absl::Minutes(12);
  EXPECT_EQ(FormatTimeFromNow(t, now, moscow), "2025-11-28 22:00 (in 3 h 12 min)");
  EXPECT_EQ(FormatTimeFromNow(t, ToAbslTime(t) + absl::Minutes(5), moscow), "2025-11-28 22:00 (5 min ago)");
}

TEST(ProtoTimeTest, RoundTripsIncludingBeforeTheEpoch) {
  for (absl::Time t : {absl::FromUnixNanos(1764356400123456789), absl::FromUnixNanos(-1500000000)}) {
    EXPECT_EQ(ToAbslTime(ToProtoTime(t)), t);
  }
  EXPECT_GE(ToProtoTime(absl::FromUnixNanos(-1500000000)).nanos(), 0);
}

TEST(ParseWhenTest, DatesTimesAndRelative) {
  absl::TimeZone zone = absl::FixedTimeZone(3 * 3600);
  absl::Time now = absl::FromUnixSeconds(1764356400);
  auto at = [&](const std::string& text, bool end_of_day = false) {
    auto t = ParseWhen(text, zone, now, end_of_day);
    return t.ok() ? absl::FormatTime("%Y-%m-%d %H:%M:%S %z", *t, zone) : std::string(t.status().message());
  };
  EXPECT_EQ(at("2026-12-05"), "2026-12-05 00:00:00 +0300");
  EXPECT_EQ(at("2026-12-05", true), "2026-12-06 00:00:00 +0300");  // --until includes the day
  EXPECT_EQ(at("2026-12-05 18:30"), "2026-12-05 18:30:00 +0300");
  EXPECT_EQ(at("2026-12-05T18:30:15"), "2026-12-05 18:30:15 +0300");
  EXPECT_EQ(at("2026-12-05T18:30:00Z"), "2026-12-05 21:30:00 +0300");
  EXPECT_EQ(at("now"), "2025-11-28 22:00:00 +0300");
  EXPECT_EQ(at("+3d"), "2025-12-01 22:00:00 +0300");
  EXPECT_EQ(at("-90m"), "2025-11-28 20:30:00 +0300");
  EXPECT_THAT(at("tomorrow"), HasSubstr("is not a time"));
  EXPECT_THAT(at("+3x"), HasSubstr("relative time"));
}

TEST(TableTest, AlignsColumnsByDisplayWidth) {
  Table table({{"OFFER"}, {"CUSTOMER"}, {"AMOUNT", Table::Align::kRight}});
  table.AddRow({"KP-1 r1", "ООО Теплострой", "1 000.00 RUB"});
  table.AddRow({"KP-22 r3", "ACME", "5.00 RUB"});
  EXPECT_EQ(table.Render(),
            "OFFER     CUSTOMER              AMOUNT\n"
            "KP-1 r1   ООО Теплострой  1 000.00 RUB\n"
            "KP-22 r3  ACME                5.00 RUB\n");
}

TEST(TableTest, CutsWideCellsAndPadsMissingOnes) {
  Table table({{"A", Table::Align::kLeft, 5}, {"B"}});
  table.AddRow({"abcdefgh"});
  table.AddRow({"Ёжик—", "x"});
  EXPECT_EQ(table.Render(),
            "A      B\n"
            "abcd…\n"
            "Ёжик—  x\n");
  EXPECT_EQ(Table({{"ONLY"}}).Render(), "ONLY\n");
}

TEST(DisplayWidthTest, CountsCodePoints) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("Смирнова"), 8u);
  EXPECT_EQ(DisplayWidth("→ —"), 3u);
}

}  // namespace
}  // namespace signoff::client
