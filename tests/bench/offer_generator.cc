#include "tests/bench/offer_generator.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace signoff::bench {
namespace {

struct CatalogItem {
  const char* sku;
  const char* name;
  const char* category;
  const char* unit;
  int64_t price_minor;  // kopecks
  bool fractional;      // sold by the metre: quantities like "12.5"
};

// A distributor's everyday range (no restricted goods: they go to the head of sales).
constexpr CatalogItem kCatalog[] = {
    {"PIPE-ST-57x3.5", "Steel pipe 57x3.5", "pipes", "m", 61250, true},
    {"PIPE-ST-76x4", "Steel pipe 76x4", "pipes", "m", 89000, true},
    {"PIPE-ST-108x4", "Steel pipe 108x4", "pipes", "m", 135000, true},
    {"PIPE-PE-110", "PE pipe SDR17 110 mm", "pipes", "m", 42000, true},
    {"PIPE-PP-32", "PP-R pipe 32 mm", "pipes", "m", 9500, true},
    {"FIT-EL-90-57", "Elbow 90° 57 mm", "fittings", "pcs", 18000, false},
    {"FIT-TEE-57", "Tee 57 mm", "fittings", "pcs", 24000, false},
    {"FIT-FL-57", "Flange 57 mm PN16", "fittings", "pcs", 31000, false},
    {"FIT-RED-76-57", "Reducer 76x57", "fittings", "pcs", 20500, false},
    {"CABLE-VVG-3x2.5", "Cable VVGng-LS 3x2.5", "cable", "m", 8500, true},
    {"CABLE-VVG-5x4", "Cable VVGng-LS 5x4", "cable", "m", 24000, true},
    {"CABLE-AVVG-4x16", "Cable AVVG 4x16", "cable", "m", 31000, true},
    {"VALVE-BALL-50", "Ball valve DN50", "valves", "pcs", 240000, false},
    {"VALVE-GATE-100", "Gate valve DN100", "valves", "pcs", 1180000, false},
    {"INS-MW-50", "Mineral wool insulation 50 mm", "insulation", "m2", 32000, true},
};
constexpr int kCatalogSize = sizeof(kCatalog) / sizeof(kCatalog[0]);

// Managers whose offers the default policies judge on the offer alone.
constexpr const char* kPlainManagers[] = {"m.ivanova", "s.popov", "r.morozov", "o.fedorova"};
// On probation (e.novikova) or individually watched (d.sokolov): always the team lead.
constexpr const char* kCheckedManagers[] = {"e.novikova", "d.sokolov"};

void SetMoney(v1::Money* money, int64_t minor) {
  money->set_currency_code("RUB");
  money->set_units(minor / 100);
  money->set_nanos(static_cast<int32_t>(minor % 100) * 10'000'000);
}

// Quantity text in tenths, e.g. 125 → "12.5".
std::string Tenths(int64_t tenths) {
  return tenths % 10 == 0 ? absl::StrCat(tenths / 10) : absl::StrFormat("%d.%d", tenths / 10, tenths % 10);
}

}  // namespace

OfferGenerator::OfferGenerator(uint64_t seed, OfferMix mix) : rng_(seed), mix_(mix) {}

int OfferGenerator::Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }

// One line worth at most about `budget_minor` after discount; margins of
// 15–40 % and discounts of at most 7 % keep it within the managers' rights.
void OfferGenerator::AddLine(v1::Offer& offer, int index, int64_t budget_minor, bool with_cost,
                             bool fill) {
  const CatalogItem& item = kCatalog[(index * 7 + Uniform(0, kCatalogSize - 1)) % kCatalogSize];
  v1::OfferLine* line = offer.add_lines();
  line->set_sku(item.sku);
  line->set_name(item.name);
  line->set_category(item.category);
  line->set_unit_of_measure(item.unit);
  int64_t max_tenths = std::max<int64_t>(10, budget_minor * 10 / item.price_minor);
  int64_t tenths = fill ? max_tenths : std::min<int64_t>(max_tenths, Uniform(10, 2000));
  if (!item.fractional) tenths = std::max<int64_t>(10, tenths / 10 * 10);
  line->mutable_quantity()->set_value(Tenths(tenths));
  SetMoney(line->mutable_unit_price(), item.price_minor);
  if (with_cost) SetMoney(line->mutable_unit_cost(), item.price_minor * Uniform(55, 78) / 100);
  static constexpr const char* kDiscounts[] = {"0", "0", "0", "2", "2.5", "3", "5", "7"};
  line->mutable_discount_percent()->set_value(kDiscounts[Uniform(0, 7)]);
  if (Uniform(0, 9) == 0) (*line->mutable_attributes())["delivery"] = "warehouse_moscow";
}

v1::Offer OfferGenerator::Base(const std::string& manager_id, int lines, int64_t budget_minor,
                               bool with_costs, bool fill) {
  v1::Offer offer;
  offer.set_revision(1);
  uint64_t customer = 100000 + (customers_++ * 7919) % 800000;
  offer.mutable_customer()->set_id(absl::StrCat("crm-", customer));
  offer.mutable_customer()->set_name(absl::StrCat("OOO Customer ", customer));
  offer.mutable_customer()->set_tax_id(absl::StrCat(7700000000ULL + customer));
  offer.set_manager_id(manager_id);
  offer.set_currency_code("RUB");
  for (int i = 0; i < lines; ++i) AddLine(offer, i, budget_minor / lines, with_costs, fill);
  static constexpr const char* kTerms[] = {"prepay", "prepay", "postpay_30", "postpay_60"};
  (*offer.mutable_attributes())["payment_terms"] = kTerms[Uniform(0, 3)];
  (*offer.mutable_attributes())["channel"] = Uniform(0, 9) == 0 ? "tender" : "direct";
  return offer;
}

GeneratedOffer OfferGenerator::Approvable() {
  // Mostly short offers; never above 30 lines (more needs the team lead).
  int max = std::min(30, mix_.max_lines);
  int lines = Uniform(0, 3) == 0 ? Uniform(std::min(11, max), max) : Uniform(mix_.min_lines, std::min(10, max));
  const char* manager = kPlainManagers[Uniform(0, 3)];
  int64_t budget = int64_t{100} * Uniform(20'000, 450'000);  // under 500 000 RUB
  return {Base(manager, lines, budget, true), OfferIntent::kApprove, "within every limit"};
}

GeneratedOffer OfferGenerator::SignOff() {
  int lines = Uniform(mix_.min_lines, std::min(20, mix_.max_lines));
  const char* manager = kPlainManagers[Uniform(0, 3)];
  int64_t budget = int64_t{100} * Uniform(20'000, 400'000);
  switch (Uniform(0, 6)) {
    case 0:
      return {Base(kCheckedManagers[Uniform(0, 1)], lines, budget, true), OfferIntent::kSignOff,
              "probation or watched manager"};
    case 1:  // 530–680 k RUB after discounts: the team lead, within every team lead's own limit
      return {Base(manager, Uniform(1, 4), int64_t{100} * Uniform(620'000, 680'000), true, true),
              OfferIntent::kSignOff, "above 500 000 RUB"};
    case 2: {
      v1::Offer offer = Base(manager, lines, budget, true);
      offer.mutable_lines(0)->clear_unit_cost();
      return {offer, OfferIntent::kSignOff, "a line without cost"};
    }
    case 3: {
      v1::Offer offer = Base(manager, lines, budget, true);
      offer.mutable_lines(0)->mutable_discount_percent()->set_value("17.5");
      return {offer, OfferIntent::kSignOff, "line discount above the manager's 15 %"};
    }
    case 4: {
      v1::Offer offer = Base(manager, lines, budget, true);
      v1::OfferLine* line = offer.mutable_lines(0);
      line->set_sku("CUSTOM-FRAME-01");
      line->set_name("Welded support frame to drawing");
      line->set_category("custom_manufacturing");
      line->mutable_discount_percent()->set_value("0");
      return {offer, OfferIntent::kSignOff, "custom manufacturing"};
    }
    case 5: {
      int many = Uniform(31, std::max(31, mix_.max_lines));
      return {Base(manager, many, budget, true), OfferIntent::kSignOff, "more than 30 lines"};
    }
    default:  // 3.1–4 M RUB after discounts: the head of sales
      return {Base(manager, Uniform(1, 4), int64_t{100} * Uniform(3'400'000, 4'000'000), true, true),
              OfferIntent::kSignOff, "above 3 000 000 RUB"};
  }
}

GeneratedOffer OfferGenerator::Reject() {
  int lines = Uniform(mix_.min_lines, std::min(15, mix_.max_lines));
  const char* manager = kPlainManagers[Uniform(0, 3)];
  int64_t budget = int64_t{100} * Uniform(20'000, 400'000);
  v1::Offer offer = Base(manager, lines, budget, true);
  switch (Uniform(0, 2)) {
    case 0:  // purchase prices went up: every line sells below cost
      for (v1::OfferLine& line : *offer.mutable_lines()) {
        int64_t price = line.unit_price().units() * 100 + line.unit_price().nanos() / 10'000'000;
        SetMoney(line.mutable_unit_cost(), price * Uniform(105, 120) / 100);
      }
      return {offer, OfferIntent::kReject, "negative margin"};
    case 1:
      offer.mutable_lines(0)->set_sku("PIPE-ST-OLD-76");
      return {offer, OfferIntent::kReject, "discontinued item"};
    default:
      offer.mutable_customer()->set_id("crm-000666");
      return {offer, OfferIntent::kReject, "customer on the stop list"};
  }
}

GeneratedOffer OfferGenerator::Next() {
  int roll = Uniform(0, 99);
  if (roll < mix_.rejected_percent) return Reject();
  if (roll < mix_.rejected_percent + mix_.pending_percent) return SignOff();
  return Approvable();
}

std::vector<GeneratedOffer> OfferGenerator::Pool(int count) {
  std::vector<GeneratedOffer> pool;
  pool.reserve(count);
  int rejected = count * mix_.rejected_percent / 100;
  int pending = count * mix_.pending_percent / 100;
  for (int i = 0; i < count; ++i) {
    pool.push_back(i < rejected ? Reject() : i < rejected + pending ? SignOff() : Approvable());
  }
  std::shuffle(pool.begin(), pool.end(), rng_);
  return pool;
}

std::string DemoApproverToken(const std::string& approver_id) {
  if (approver_id == "i.smirnova") return "demo-smirnova";
  if (approver_id == "p.kuznetsov") return "demo-kuznetsov";
  if (approver_id == "a.volkov") return "demo-volkov";
  if (approver_id == "k.orlova") return "demo-orlova";
  return "";
}

}  // namespace signoff::bench
