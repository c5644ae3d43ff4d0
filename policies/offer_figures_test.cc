#include "policies/offer_figures.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace signoff::policies {
namespace {

using ::signoff::testing::IsOk;
using ::signoff::testing::StatusIs;
using ::testing::HasSubstr;

v1::Offer ParseOffer(const std::string& text) {
  v1::Offer offer;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &offer)) << text;
  return offer;
}

constexpr char kHeader[] = R"(
  offer_id: "KP-1" revision: 1 customer { id: "c-1" } manager_id: "m.ivanova" currency_code: "RUB"
)";

v1::Offer OfferWithLines(const std::string& lines) { return ParseOffer(std::string(kHeader) + lines); }

Decimal D(absl::string_view text) { return Decimal::Parse(text).value(); }

TEST(OfferFiguresTest, LineAmountIsQuantityTimesPriceLessDiscountRoundedToKopecks) {
  // 3 × 0.335 × (1 − 0.075) = 0.9296250 → 0.93
  auto figures = ComputeFigures(OfferWithLines(R"(
    lines { sku: "A" quantity { value: "3" } unit_price { currency_code: "RUB" nanos: 335000000 }
            discount_percent { value: "7.5" } })"));
  ASSERT_THAT(figures, IsOk());
  EXPECT_EQ(figures->lines[0].amount, D("0.93"));
  EXPECT_EQ(figures->lines[0].list_amount, D("1.01"));  // 1.005 rounds half away from zero
  EXPECT_EQ(figures->total, D("0.93"));
}

TEST(OfferFiguresTest, MarginAndDiscountOverLinesWithCost) {
  auto figures = ComputeFigures(OfferWithLines(R"(
    lines { sku: "A" quantity { value: "100" } unit_price { currency_code: "RUB" units: 1000 }
            unit_cost { currency_code: "RUB" units: 1032 } }
    lines { sku: "B" quantity { value: "1" } unit_price { currency_code: "RUB" units: 5000 }
            discount_percent { value: "50" } })"));
  ASSERT_THAT(figures, IsOk());
  EXPECT_EQ(figures->total, D("102500"));
  EXPECT_EQ(figures->list_total, D("105000"));
  EXPECT_EQ(figures->cost_total, D("103200"));
  EXPECT_EQ(figures->costed_revenue, D("100000"));
  EXPECT_EQ(*figures->margin_percent, D("-3.2"));
  EXPECT_EQ(*figures->lines[0].margin_percent, D("-3.2"));
  EXPECT_FALSE(figures->lines[1].margin_percent.has_value());
  EXPECT_EQ(*figures->discount_percent, D("2.380952381"));
  EXPECT_EQ(figures->lines_without_cost, 1);

  v1::OfferFigures proto = figures->ToProto();
  EXPECT_EQ(proto.total().units(), 102500);
  EXPECT_EQ(proto.total().currency_code(), "RUB");
  EXPECT_EQ(proto.margin_percent().value(), "-3.2");
  EXPECT_EQ(proto.lines_without_cost(), 1);
}

TEST(OfferFiguresTest, NoCostMeansNoMarginAndZeroListMeansNoDiscount) {
  auto figures = ComputeFigures(OfferWithLines(R"(
    lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" } })"));
  ASSERT_THAT(figures, IsOk());
  EXPECT_FALSE(figures->margin_percent.has_value());
  EXPECT_FALSE(figures->discount_percent.has_value());
  EXPECT_FALSE(figures->ToProto().has_margin_percent());
}

TEST(OfferFiguresTest, MinorUnitsFollowTheCurrency) {
  v1::Offer offer = ParseOffer(R"(
    offer_id: "KP-1" revision: 1 customer { id: "c" } manager_id: "m" currency_code: "JPY"
    lines { sku: "A" quantity { value: "1.5" } unit_price { currency_code: "JPY" units: 101 } })");
  auto figures = ComputeFigures(offer);
  ASSERT_THAT(figures, IsOk());
  EXPECT_EQ(figures->total, D("152"));  // 151.5 → 152 yen
}

struct InvalidCase {
  std::string name;
  std::string offer_text;
  std::string message;
};

class InvalidOfferTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(InvalidOfferTest, NamesTheField) {
  EXPECT_THAT(ValidateOffer(ParseOffer(GetParam().offer_text)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().message)));
}

constexpr char kLine[] =
    R"(lines { sku: "A" quantity { value: "2" } unit_price { currency_code: "RUB" units: 10 } })";

INSTANTIATE_TEST_SUITE_P(
    Offers, InvalidOfferTest,
    ::testing::Values(
        InvalidCase{"NoOfferId", std::string(R"(revision: 1 customer { id: "c" } manager_id: "m" currency_code: "RUB" )") + kLine, "offer_id: is required"},
        InvalidCase{"LongOfferId", "offer_id: \"" + std::string(129, 'x') + "\" revision: 1 customer { id: \"c\" } manager_id: \"m\" currency_code: \"RUB\" " + kLine, "offer_id: must be at most 128"},
        InvalidCase{"NoRevision", std::string(R"(offer_id: "K" customer { id: "c" } manager_id: "m" currency_code: "RUB" )") + kLine, "revision: must be >= 1"},
        InvalidCase{"NoCustomer", std::string(R"(offer_id: "K" revision: 1 manager_id: "m" currency_code: "RUB" )") + kLine, "customer.id: is required"},
        InvalidCase{"NoManager", std::string(R"(offer_id: "K" revision: 1 customer { id: "c" } currency_code: "RUB" )") + kLine, "manager_id: is required"},
        InvalidCase{"UnknownCurrency", std::string(R"(offer_id: "K" revision: 1 customer { id: "c" } manager_id: "m" currency_code: "RUR" )") + kLine, "currency_code: unknown currency code \"RUR\""},
        InvalidCase{"NoLines", kHeader, "lines: an offer needs at least one line"},
        InvalidCase{"NoSku", std::string(kHeader) + kLine + R"(lines { quantity { value: "1" } unit_price { currency_code: "RUB" } })", "lines[1].sku: is required"},
        InvalidCase{"NoQuantity", std::string(kHeader) + R"(lines { sku: "A" unit_price { currency_code: "RUB" } })", "lines[0].quantity: is required"},
        InvalidCase{"BadQuantity", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1,5" } unit_price { currency_code: "RUB" } })", "lines[0].quantity: \"1,5\" is not a decimal"},
        InvalidCase{"ZeroQuantity", std::string(kHeader) + kLine + kLine + R"(lines { sku: "A" quantity { value: "0" } unit_price { currency_code: "RUB" } })", "lines[2].quantity: must be > 0"},
        InvalidCase{"NegativeQuantity", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "-1" } unit_price { currency_code: "RUB" } })", "lines[0].quantity: must be > 0"},
        InvalidCase{"NoPrice", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } })", "lines[0].unit_price: is required"},
        InvalidCase{"NegativePrice", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" units: -1 } })", "lines[0].unit_price: must be >= 0"},
        InvalidCase{"MixedSignPrice", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" units: 1 nanos: -5 } })", "lines[0].unit_price: units (1) and nanos (-5)"},
        InvalidCase{"NegativeCost", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" } unit_cost { currency_code: "RUB" units: -3 } })", "lines[0].unit_cost: must be >= 0"},
        InvalidCase{"CurrencyMismatch", std::string(kHeader) + kLine + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "EUR" units: 1 } })", "lines[1].unit_price.currency_code: \"EUR\" differs from the offer currency \"RUB\""},
        InvalidCase{"CostCurrencyMismatch", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" } unit_cost { currency_code: "USD" } })", "lines[0].unit_cost.currency_code"},
        InvalidCase{"DiscountAbove100", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" } discount_percent { value: "100.01" } })", "lines[0].discount_percent: must be within 0..100"},
        InvalidCase{"NegativeDiscount", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" } discount_percent { value: "-1" } })", "lines[0].discount_percent: must be within 0..100"},
        InvalidCase{"LineAmountDisagrees", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "2" } unit_price { currency_code: "RUB" units: 10 } amount { currency_code: "RUB" units: 21 } })", "lines[0].amount: 21.00 disagrees"},
        InvalidCase{"TotalDisagrees", std::string(kHeader) + kLine + R"(total { currency_code: "RUB" units: 19 })", "total: 19.00 disagrees with the sum of the lines 20.00"},
        InvalidCase{"Overflow", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "9000000000000000000" } unit_price { currency_code: "RUB" units: 9000000000000000000 } })", "lines[0]: product overflows"},
        InvalidCase{"TotalOverflow", std::string(kHeader) + R"(lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "RUB" units: 5000000000000000000 } } lines { sku: "B" quantity { value: "1" } unit_price { currency_code: "RUB" units: 5000000000000000000 } })", "total: value overflows"},
        InvalidCase{"MarginOverflow", std::string(R"(offer_id: "K" revision: 1 customer { id: "c" } manager_id: "m" currency_code: "KWD" lines { sku: "A" quantity { value: "1000000" } unit_price { currency_code: "KWD" nanos: 1 } unit_cost { currency_code: "KWD" units: 999999999 } })"), "lines[0]: value overflows"}),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.name; });

// Plain lines take a shortcut (ComputeCommonLine in offer_figures.cc); a "+"
// on the quantity sends the same line the general way. Both must agree.
TEST(OfferFiguresTest, PlainLinesGiveTheSameFiguresAsTheGeneralPath) {
  const char* const kQuantities[] = {"1", "2.5", "0.001", "0.000000001", "10.5", "999999999.999999999", "7"};
  const char* const kDiscounts[] = {"", "0", "7.5", "33.333333333", "99.999999999", "100"};
  const char* const kMoney[] = {"", "units: 0", "nanos: 335000000", "units: 1000 nanos: 250000000",
                                "units: 3 nanos: 333333333", "units: 999999999 nanos: 999999999"};
  for (const char* currency : {"RUB", "JPY", "KWD"}) {
    for (const char* quantity : kQuantities) {
      for (const char* discount : kDiscounts) {
        for (const char* price : kMoney) {
          for (const char* cost : kMoney) {
            auto offer = [&](absl::string_view sign) {
              std::string line = absl::StrCat("lines { sku: \"A\" quantity { value: \"", sign, quantity,
                                              "\" } unit_price { currency_code: \"", currency, "\" ", price, " }");
              if (*discount) absl::StrAppend(&line, " discount_percent { value: \"", discount, "\" }");
              if (*cost) absl::StrAppend(&line, " unit_cost { currency_code: \"", currency, "\" ", cost, " }");
              return ParseOffer(absl::StrCat(R"(offer_id: "K" revision: 1 customer { id: "c" } manager_id: "m" )",
                                             "currency_code: \"", currency, "\" ", line, " }"));
            };
            auto plain = ComputeFigures(offer("")), general = ComputeFigures(offer("+"));
            const std::string where = absl::StrCat(currency, " ", quantity, " ", discount, " [", price, "] [", cost, "]");
            ASSERT_EQ(plain.ok(), general.ok()) << where;
            if (!plain.ok()) {
              EXPECT_EQ(plain.status(), general.status()) << where;
              continue;
            }
            const LineFigures &a = plain->lines[0], &b = general->lines[0];
            EXPECT_EQ(a.quantity, b.quantity) << where;
            EXPECT_EQ(a.unit_price, b.unit_price) << where;
            EXPECT_EQ(a.discount_percent, b.discount_percent) << where;
            EXPECT_EQ(a.list_amount, b.list_amount) << where;
            EXPECT_EQ(a.amount, b.amount) << where;
            EXPECT_EQ(a.unit_cost, b.unit_cost) << where;
            EXPECT_EQ(a.cost_amount, b.cost_amount) << where;
            EXPECT_EQ(a.margin_percent, b.margin_percent) << where;
            EXPECT_EQ(plain->total, general->total) << where;
            EXPECT_EQ(plain->margin_percent, general->margin_percent) << where;
          }
        }
      }
    }
  }
}

TEST(OfferFiguresTest, CallerTotalsThatAgreeAreAccepted) {
  EXPECT_THAT(ValidateOffer(OfferWithLines(std::string(kLine) + R"(total { currency_code: "RUB" units: 20 })")), IsOk());
}

}  // namespace
}  // namespace signoff::policies
