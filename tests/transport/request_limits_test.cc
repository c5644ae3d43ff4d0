// Size limits on an offer: each refusal names the field, with the limit and
// the size found; a valid offer passes (without building any of the names).

#include "server/transport/request_limits.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace signoff::transport {
namespace {

using ::signoff::testing::IsOk;
using ::signoff::testing::StatusIs;
using ::testing::HasSubstr;

v1::Offer ThreeLines() {
  v1::Offer offer;
  offer.set_offer_id("KP-1");
  offer.set_manager_id("m.one");
  offer.mutable_customer()->set_id("c-1");
  offer.mutable_customer()->set_name("OOO Romashka");
  (*offer.mutable_attributes())["payment_terms"] = "prepay";
  for (int i = 0; i < 3; ++i) {
    v1::OfferLine* line = offer.add_lines();
    line->set_sku("PIPE-57");
    line->set_name("Steel pipe");
    line->set_category("pipes");
    line->mutable_quantity()->set_value("10");
    (*line->mutable_attributes())["color"] = "grey";
  }
  return offer;
}

TEST(RequestLimitsTest, AValidOfferPasses) {
  EXPECT_THAT(CheckOfferLimits(ThreeLines(), RequestLimits{}), IsOk());
}

TEST(RequestLimitsTest, EachRefusalNamesTheFieldTheLimitAndTheSize) {
  const RequestLimits limits;
  v1::Offer offer = ThreeLines();
  offer.mutable_lines(2)->set_sku(std::string(129, 'x'));
  EXPECT_THAT(CheckOfferLimits(offer, limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offer.lines[2].sku: at most 128 bytes, got 129")));

  offer = ThreeLines();
  offer.mutable_lines(1)->mutable_discount_percent()->set_value(std::string(65, '1'));
  EXPECT_THAT(CheckOfferLimits(offer, limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offer.lines[1].discount_percent: at most 64 bytes, got 65")));

  offer = ThreeLines();
  (*offer.mutable_lines(0)->mutable_attributes())["color"] = std::string(1001, 'g');
  EXPECT_THAT(CheckOfferLimits(offer, limits),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("offer.lines[0].attributes[color]: at most 1000 bytes, got 1001")));

  offer = ThreeLines();
  const std::string long_key(129, 'k');
  offer.mutable_attributes()->insert({long_key, std::string("v")});
  EXPECT_THAT(CheckOfferLimits(offer, limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offer.attributes key: at most 128")));

  offer = ThreeLines();
  offer.mutable_customer()->set_name(std::string(1001, 'n'));
  EXPECT_THAT(CheckOfferLimits(offer, limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offer.customer.name: at most 1000")));
}

TEST(RequestLimitsTest, TooManyLinesIsRefusedWithTheCount) {
  RequestLimits limits;
  limits.max_lines = 2;
  EXPECT_THAT(CheckOfferLimits(ThreeLines(), limits),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offer.lines: at most 2 lines, got 3")));
}

}  // namespace
}  // namespace signoff::transport
