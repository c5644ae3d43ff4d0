#include "policies/policy_set.h"

#include <thread>

#include "gmock/gmock.h"
#include "google/protobuf/arena.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/support/status_matchers.h"

namespace signoff::policies {
namespace {

using ::signoff::testing::IsOk;
using ::signoff::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kLevels[] = R"(label: "unit"
fail_safe_level: "head_of_sales"
levels { id: "team_lead" limits { currency_code: "RUB" units: 1000000 } sla: "4h" }
levels { id: "head_of_sales" limits { currency_code: "RUB" units: 10000000 } sla: "24h" }
levels { id: "cfo" limits { currency_code: "RUB" units: 100000000 } sla: "48h" }
)";

const absl::Time kAt = absl::FromCivil(absl::CivilSecond(2026, 2, 2, 9, 0, 0), absl::UTCTimeZone());

std::shared_ptr<const PolicySet> Set(const std::string& rules) {
  LoadResult result = PolicySet::LoadFromFiles({{"levels.policy.textproto", kLevels}, {"rules.policy.textproto", rules}});
  EXPECT_TRUE(result.ok()) << result.IssuesText();
  return result.set;
}

template <typename T>
T Parse(const std::string& text) {
  T message;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, &message)) << text;
  return message;
}

// One line: quantity × price with a cost, RUB.
v1::Offer Offer(const std::string& lines, const std::string& extra = "") {
  return Parse<v1::Offer>(R"(offer_id: "KP-1" revision: 1 customer { id: "c-1" } manager_id: "m.ivanova"
                             currency_code: "RUB" )" + lines + extra);
}
std::string Line(const std::string& qty, const std::string& price, const std::string& cost,
                 const std::string& more = "", const std::string& currency = "RUB") {
  std::string cost_text = cost.empty() ? "" : "unit_cost { currency_code: \"" + currency + "\" units: " + cost + " }";
  return "lines { sku: \"S-" + qty + "\" category: \"pipes\" quantity { value: \"" + qty +
         "\" } unit_price { currency_code: \"" + currency + "\" units: " + price + " } " + cost_text + " " + more + " }";
}

v1::Offer NewCustomerOffer(const std::string& lines) {
  v1::Offer offer = Offer(lines);
  offer.mutable_customer()->set_is_new(true);
  return offer;
}

const v1::Employee kManager = Parse<v1::Employee>(
    R"(employee_id: "m.ivanova" hire_date { year: 2021 month: 4 day: 5 } tags: "senior")");

std::vector<std::string> RuleIds(const v1::Decision& d) {
  std::vector<std::string> ids;
  for (const v1::Reason& r : d.reasons()) ids.push_back(r.rule_id());
  return ids;
}

constexpr char kSeverityRules[] = R"(
rules { id: "r.lead" description: "lead" when { line_count_above { count: 0 } } effect { require_level: "team_lead" } }
rules { id: "r.cfo" description: "cfo" when { line_count_above { count: 0 } } effect { require_level: "cfo" } }
rules { id: "r.approve" description: "approve" when { line_count_above { count: 0 } } effect { approve {} } }
rules { id: "r.reject.warn" description: "warn" when { line_count_above { count: 0 } } effect { reject: "no" } mode: RULE_MODE_WARN }
rules { id: "r.hos.shadow" description: "shadow" when { line_count_above { count: 0 } } effect { require_level: "head_of_sales" } mode: RULE_MODE_SHADOW }
rules { id: "r.never" description: "never" when { line_count_above { count: 5 } } effect { reject: "never" } }
)";

TEST(EvaluateTest, CollectsEnforcedLevelsAscendingAndReportsEveryMatchInPolicyOrder) {
  auto set = Set(kSeverityRules);
  auto decision = set->Evaluate(Offer(Line("1", "100", "50")), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  EXPECT_THAT(decision->required_levels(), ElementsAre("team_lead", "cfo"));
  EXPECT_THAT(RuleIds(*decision), ElementsAre("r.lead", "r.cfo", "r.approve", "r.reject.warn", "r.hos.shadow"));
  EXPECT_EQ(decision->reasons(3).mode(), v1::RULE_MODE_WARN);
  EXPECT_EQ(decision->reasons(3).effect(), v1::EFFECT_KIND_REJECT);
  EXPECT_THAT(decision->reasons(3).text(), HasSubstr("warning only, not enforced"));
  EXPECT_EQ(decision->reasons(4).mode(), v1::RULE_MODE_SHADOW);
  EXPECT_EQ(decision->reasons(2).effect(), v1::EFFECT_KIND_APPROVE);
  EXPECT_EQ(decision->policy_version().label(), "unit");
  EXPECT_EQ(decision->policy_version().content_hash(), set->version().content_hash());
  EXPECT_EQ(decision->evaluated_at().seconds(), absl::ToUnixSeconds(kAt));
  EXPECT_EQ(decision->figures().total().units(), 100);
}

// EvaluateInto writes the same decision into a message the caller owns —
// one reused, and one on an arena, as the server's response is — replacing
// whatever it held.
TEST(EvaluateTest, EvaluateIntoWritesTheSameDecisionIntoAReusedOrArenaMessage) {
  auto set = Set(kSeverityRules);
  const v1::Offer offer = Offer(Line("1", "100", "50"));
  auto expected = set->Evaluate(offer, &kManager, kAt);
  ASSERT_THAT(expected, IsOk());
  v1::Decision reused;
  ASSERT_THAT(set->EvaluateInto(NewCustomerOffer(Line("1", "100", "50")), nullptr, kAt, reused), IsOk());
  ASSERT_THAT(set->EvaluateInto(offer, &kManager, kAt, reused), IsOk());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(reused, *expected))
      << reused.DebugString();
  google::protobuf::Arena arena;
  auto* on_arena = google::protobuf::Arena::CreateMessage<v1::Decision>(&arena);
  ASSERT_THAT(set->EvaluateInto(offer, &kManager, kAt, *on_arena), IsOk());
  EXPECT_EQ(on_arena->SerializeAsString(), expected->SerializeAsString());
}

TEST(EvaluateTest, RejectBeatsSignOffAndClearsLevels) {
  auto set = Set(std::string(kSeverityRules) +
                 R"(rules { id: "r.reject" description: "x" when { new_customer {} } effect { reject: "Stop" } })");
  auto decision = set->Evaluate(NewCustomerOffer(Line("1", "100", "50")), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->outcome(), v1::OUTCOME_REJECTED);
  EXPECT_THAT(decision->required_levels(), IsEmpty());
  EXPECT_EQ(decision->reasons().rbegin()->reject_message(), "Stop");
}

TEST(EvaluateTest, ApprovesWhenNothingEnforcedMatches) {
  auto set = Set(R"(rules { id: "w" description: "w" when { new_customer {} } effect { reject: "x" } mode: RULE_MODE_WARN })");
  auto decision = set->Evaluate(NewCustomerOffer(Line("1", "100", "50")), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->outcome(), v1::OUTCOME_APPROVED);
  EXPECT_THAT(RuleIds(*decision), ElementsAre("w"));
}

TEST(EvaluateTest, YesNoFactUnderNotStatesTheRelationThatHolds) {
  auto set = Set(R"(rules { id: "r" description: "repeat" when { not { new_customer {} } } effect { require_level: "team_lead" } })");
  auto decision = set->Evaluate(Offer(Line("1", "100", "50")), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  ASSERT_EQ(decision->reasons_size(), 1);
  const v1::Measurement& m = decision->reasons(0).measurements(0);
  EXPECT_EQ(m.quantity(), "customer_is_new");
  EXPECT_EQ(m.measured(), "false");
  EXPECT_EQ(m.comparison(), "!=");
  EXPECT_EQ(m.threshold(), "true");
  EXPECT_EQ(decision->reasons(0).text().rfind("The customer is not new", 0), 0u);
}

TEST(EvaluateTest, ReasonsCarryMeasurementsAndASentence) {
  auto set = Set(R"(rules { id: "m" description: "neg" when { offer_margin_below { percent: "0" } } effect { reject: "Below cost" } })");
  auto decision = set->Evaluate(Offer(Line("100", "1000", "1032")), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  ASSERT_EQ(decision->reasons_size(), 1);
  const v1::Reason& r = decision->reasons(0);
  EXPECT_EQ(r.description(), "neg");
  ASSERT_EQ(r.measurements_size(), 1);
  EXPECT_EQ(r.measurements(0).quantity(), "offer_margin_percent");
  EXPECT_EQ(r.measurements(0).measured(), "-3.2");
  EXPECT_EQ(r.measurements(0).threshold(), "0");
  EXPECT_EQ(r.measurements(0).unit(), "%");
  EXPECT_EQ(r.measurements(0).comparison(), "<");
  EXPECT_EQ(r.measurements(0).line_index(), -1);
  EXPECT_EQ(r.text(), "Offer margin -3.20 % is below 0.00 % — rejected: Below cost");
  EXPECT_FALSE(r.fail_safe());
}

TEST(EvaluateTest, TenureIsCountedAtTheEvaluationTime) {
  auto set = Set(R"(rules { id: "t" description: "t" when { manager_tenure_below { days: 90 } } effect { require_level: "team_lead" } })");
  v1::Employee fresh = Parse<v1::Employee>(R"(employee_id: "m.ivanova" hire_date { year: 2026 month: 1 day: 21 })");
  auto early = set->Evaluate(Offer(Line("1", "100", "50")), &fresh, kAt);
  ASSERT_THAT(early, IsOk());
  EXPECT_EQ(early->outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  EXPECT_EQ(early->reasons(0).measurements(0).measured(), "12");
  EXPECT_EQ(early->reasons(0).measurements(0).unit(), "days");
  EXPECT_THAT(early->reasons(0).text(), HasSubstr("Manager tenure 12 days is below 90 days"));
  auto later = set->Evaluate(Offer(Line("1", "100", "50")), &fresh, kAt + absl::Hours(24 * 78));
  ASSERT_THAT(later, IsOk());
  EXPECT_EQ(later->outcome(), v1::OUTCOME_APPROVED);
}

TEST(EvaluateTest, UnknownManagerFailsSafe) {
  auto set = Set(R"(rules { id: "tag" description: "t" when { not { manager_has_tag { values: "senior" } } } effect { require_level: "team_lead" } })");
  auto decision = set->Evaluate(Offer(Line("1", "100", "50")), nullptr, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  // not(unknown) stays unknown: the rule fails safe instead of passing.
  EXPECT_THAT(RuleIds(*decision), ElementsAre("tag", kUnknownManagerRuleId));
  EXPECT_TRUE(decision->reasons(0).fail_safe());
  EXPECT_EQ(decision->reasons(0).measurements(0).comparison(), "missing");
  EXPECT_TRUE(decision->reasons(1).fail_safe());
  EXPECT_THAT(decision->required_levels(), ElementsAre("team_lead", "head_of_sales"));
}

TEST(EvaluateTest, UnknownManagerFailsSafeEvenWithoutManagerRules) {
  auto set = Set("");
  auto decision = set->Evaluate(Offer(Line("1", "100", "50")), nullptr, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  EXPECT_THAT(decision->required_levels(), ElementsAre("head_of_sales"));
}

TEST(EvaluateTest, RaisesALevelWhoseLimitTheTotalExceeds) {
  auto set = Set(R"(rules { id: "lead" description: "l" when { line_count_above { count: 0 } } effect { require_level: "team_lead" } })");
  auto within = set->Evaluate(Offer(Line("1000", "1000", "500")), &kManager, kAt);  // exactly 1 000 000
  ASSERT_THAT(within, IsOk());
  EXPECT_THAT(within->required_levels(), ElementsAre("team_lead"));
  auto above = set->Evaluate(Offer(Line("2000", "1000", "500")), &kManager, kAt);
  ASSERT_THAT(above, IsOk());
  EXPECT_THAT(above->required_levels(), ElementsAre("head_of_sales"));
  EXPECT_THAT(RuleIds(*above), ElementsAre("lead", kLevelLimitRuleId));
  EXPECT_EQ(above->reasons(1).required_level(), "head_of_sales");
  EXPECT_EQ(above->reasons(1).measurements(0).threshold(), "1000000");
  EXPECT_THAT(above->reasons(1).text(),
              HasSubstr("Offer total 2000000.00 RUB is above team_lead's limit 1000000.00 RUB — raised to head_of_sales"));
  auto huge = set->Evaluate(Offer(Line("200000", "1000", "500")), &kManager, kAt);  // 200 000 000
  ASSERT_THAT(huge, IsOk());
  EXPECT_THAT(huge->required_levels(), ElementsAre("cfo"));
  EXPECT_THAT(huge->reasons(1).text(), HasSubstr("no level covers it"));
}

TEST(EvaluateTest, CurrencyWithoutThresholdOrLimitFailsSafeToTheTop) {
  auto set = Set(R"(rules { id: "big" description: "b" when { total_above { thresholds { currency_code: "RUB" units: 500000 } } } effect { require_level: "team_lead" } })");
  auto decision = set->Evaluate(Parse<v1::Offer>(R"(offer_id: "K" revision: 1 customer { id: "c" } manager_id: "m"
      currency_code: "EUR" lines { sku: "A" quantity { value: "1" } unit_price { currency_code: "EUR" units: 5 }
      unit_cost { currency_code: "EUR" units: 1 } })"), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_EQ(decision->outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  EXPECT_THAT(RuleIds(*decision), ElementsAre("big", kLevelLimitRuleId));
  EXPECT_TRUE(decision->reasons(0).fail_safe());
  EXPECT_THAT(decision->reasons(0).text(), HasSubstr("the policy has no threshold for EUR"));
  EXPECT_TRUE(decision->reasons(1).fail_safe());
  EXPECT_THAT(decision->required_levels(), ElementsAre("cfo"));
}

TEST(EvaluateTest, KleeneLogicInCombinators) {
  // any(true, unknown) = true; all(false, unknown) = false; all(true, unknown) = unknown.
  auto set = Set(R"(
rules { id: "any" description: "a" when { any { of { line_count_above { count: 0 } } of { manager_has_tag { values: "x" } } } } effect { require_level: "team_lead" } }
rules { id: "all_false" description: "f" when { all { of { line_count_above { count: 9 } } of { manager_has_tag { values: "x" } } } } effect { require_level: "cfo" } }
rules { id: "all_unknown" description: "u" when { all { of { line_count_above { count: 0 } } of { manager_has_tag { values: "x" } } } } effect { reject: "x" } }
)");
  auto decision = set->Evaluate(Offer(Line("1", "100", "50")), nullptr, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_THAT(RuleIds(*decision), ElementsAre("any", "all_unknown", kUnknownManagerRuleId));
  EXPECT_FALSE(decision->reasons(0).fail_safe());
  EXPECT_EQ(decision->reasons(0).measurements_size(), 1);  // only the true child explains `any`
  EXPECT_TRUE(decision->reasons(1).fail_safe());
  // A reject that cannot judge routes to the set's fail-safe level instead.
  EXPECT_EQ(decision->reasons(1).effect(), v1::EFFECT_KIND_REQUIRE_LEVEL);
  EXPECT_EQ(decision->reasons(1).required_level(), "head_of_sales");
  EXPECT_EQ(decision->outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
}

TEST(EvaluateTest, NotReportsTheRelationThatHolds) {
  auto set = Set(R"(rules { id: "small" description: "s" when { not { total_above { thresholds { currency_code: "RUB" units: 500 } } } } effect { approve {} } })");
  auto decision = set->Evaluate(Offer(Line("1", "100", "50")), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  ASSERT_EQ(decision->reasons_size(), 1);
  EXPECT_EQ(decision->reasons(0).measurements(0).comparison(), "<=");
  EXPECT_THAT(decision->reasons(0).text(), HasSubstr("Offer total 100.00 RUB is at most 500.00 RUB — approved"));
}

TEST(EvaluateTest, LinePredicatesReportTheWorstLine) {
  auto set = Set(R"(
rules { id: "disc" description: "d" when { any_line_discount_above { percent: "15" } } effect { require_level: "team_lead" } }
rules { id: "cat" description: "c" when { any_line_discount_above { percent: "15" categories: "fittings" } } effect { require_level: "cfo" } }
rules { id: "margin" description: "m" when { any_line_margin_below { percent: "10" } } effect { require_level: "team_lead" } }
)");
  auto decision = set->Evaluate(
      Offer(Line("1", "100", "50", "discount_percent { value: \"20\" }") + Line("2", "100", "95", "discount_percent { value: \"30\" }")),
      &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_THAT(RuleIds(*decision), ElementsAre("disc", "margin"));
  EXPECT_EQ(decision->reasons(0).measurements(0).line_index(), 1);
  EXPECT_EQ(decision->reasons(0).measurements(0).measured(), "30");
  EXPECT_THAT(decision->reasons(0).text(), HasSubstr("Line 2 (S-2) discount 30.00 % is above 15.00 %"));
  EXPECT_EQ(decision->reasons(1).measurements(0).line_index(), 1);  // 70 vs 95: margin < 0
}

TEST(EvaluateTest, LineMarginWithoutCostIsUnknownUnlessSkipped) {
  auto set = Set(R"(
rules { id: "strict" description: "s" when { any_line_margin_below { percent: "0" } } effect { require_level: "team_lead" } }
rules { id: "skip" description: "k" when { any_line_margin_below { percent: "0" skip_lines_without_cost: true } } effect { require_level: "cfo" } }
rules { id: "nocost" description: "n" when { lines_without_cost {} } effect { require_level: "team_lead" } }
)");
  auto decision = set->Evaluate(Offer(Line("1", "100", "50") + Line("2", "100", "")), &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_THAT(RuleIds(*decision), ElementsAre("strict", "nocost"));
  EXPECT_TRUE(decision->reasons(0).fail_safe());
  EXPECT_TRUE(decision->reasons(1).fail_safe());
  EXPECT_EQ(decision->reasons(1).measurements(0).measured(), "1");
  EXPECT_EQ(decision->reasons(1).measurements(0).line_index(), 1);
}

TEST(EvaluateTest, ItemsCustomersAttributesAndAggregates) {
  auto set = Set(R"(
rules { id: "sku" description: "s" when { has_items { skus: "S-3" } } effect { require_level: "team_lead" } }
rules { id: "qty" description: "q" when { has_items { categories: "pipes" quantity_above: "2" } } effect { require_level: "team_lead" } }
rules { id: "amount" description: "a" when { has_items { categories: "pipes" amount_above { currency_code: "RUB" units: 250 } } } effect { require_level: "team_lead" } }
rules { id: "customer" description: "c" when { customer_in { values: "c-1" } } effect { require_level: "team_lead" } }
rules { id: "manager" description: "m" when { manager_in { values: "m.ivanova" } } effect { require_level: "team_lead" } }
rules { id: "attr" description: "t" when { offer_attribute { key: "channel" values: "tender" } } effect { require_level: "team_lead" } }
rules { id: "attr_absent" description: "t" when { offer_attribute { key: "nope" values: "x" } } effect { require_level: "team_lead" } }
rules { id: "sum" description: "s" when { aggregate { function: SUM field: QUANTITY comparison: GREATER_OR_EQUAL value: "6" } } effect { require_level: "team_lead" } }
rules { id: "min" description: "m" when { aggregate { function: MIN field: MARGIN_PERCENT comparison: LESS value: "40" } } effect { require_level: "team_lead" } }
rules { id: "count" description: "c" when { aggregate { function: COUNT comparison: LESS_OR_EQUAL value: "1" categories: "pipes" } } effect { require_level: "team_lead" } }
rules { id: "max_amount" description: "x" when { aggregate { function: MAX field: LIST_AMOUNT comparison: GREATER money_values { currency_code: "RUB" units: 299 } } } effect { require_level: "team_lead" } }
rules { id: "lines" description: "l" when { line_count_above { count: 3 } } effect { require_level: "team_lead" } }
)");
  auto decision = set->Evaluate(
      Offer(Line("1", "100", "50") + Line("2", "100", "50") + Line("3", "100", "70"), R"(attributes { key: "channel" value: "tender" })"),
      &kManager, kAt);
  ASSERT_THAT(decision, IsOk());
  EXPECT_THAT(RuleIds(*decision), ElementsAre("sku", "qty", "amount", "customer", "manager", "attr", "sum", "min", "max_amount"));
  EXPECT_EQ(decision->reasons(2).measurements_size(), 2);  // category + amount
  EXPECT_EQ(decision->reasons(7).measurements(0).measured(), "30");
  EXPECT_EQ(decision->reasons(7).measurements(0).line_index(), 2);
}

// Line filters skip values by length before comparing (63 and more share a
// bucket): equal lengths, long values and the empty string must still match
// exactly.
TEST(EvaluateTest, LineFiltersMatchWholeValuesOfAnyLength) {
  const std::string long_a(70, 'a'), long_b = std::string(69, 'a') + "b", longer(100, 'a');
  auto set = Set(R"(
rules { id: "long" description: "l" when { has_items { categories: ")" + long_a + R"(" } } effect { require_level: "team_lead" } }
rules { id: "same_length" description: "s" when { has_items { categories: "valve" skus: "S-9" } } effect { require_level: "team_lead" } }
rules { id: "empty" description: "e" when { aggregate { function: COUNT comparison: GREATER value: "0" categories: "" } } effect { require_level: "team_lead" } }
)");
  auto categorised = [&](const std::string& category) {
    return Offer(R"(lines { sku: "S-1" category: ")" + category +
                 R"(" quantity { value: "1" } unit_price { currency_code: "RUB" units: 1 } })");
  };
  auto ids = [&](const v1::Offer& offer) {
    auto decision = set->Evaluate(offer, &kManager, kAt);
    EXPECT_THAT(decision, IsOk());
    return decision.ok() ? RuleIds(*decision) : std::vector<std::string>{};
  };
  EXPECT_THAT(ids(categorised(long_a)), ElementsAre("long"));
  EXPECT_THAT(ids(categorised(long_b)), IsEmpty());
  EXPECT_THAT(ids(categorised(longer)), IsEmpty());
  EXPECT_THAT(ids(categorised("valve")), ElementsAre("same_length"));
  EXPECT_THAT(ids(categorised("pipes")), IsEmpty());
  EXPECT_THAT(ids(categorised("")), ElementsAre("empty"));
}

TEST(EvaluateTest, InvalidOfferIsAnErrorNotADecision) {
  auto set = Set(kSeverityRules);
  EXPECT_THAT(set->Evaluate(Offer(Line("0", "100", "50")), &kManager, kAt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lines[0].quantity: must be > 0")));
  EXPECT_THAT(set->Evaluate(Offer(""), &kManager, kAt),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lines")));
}

TEST(EvaluateTest, IsDeterministicAndThreadSafe) {
  LoadResult loaded = PolicySet::Load(SIGNOFF_DEFAULT_POLICY_DIR);
  ASSERT_TRUE(loaded.ok()) << loaded.IssuesText();
  const v1::Offer offer = Offer(Line("700", "1000", "990", "discount_percent { value: \"12\" }") + Line("3", "10", ""));
  auto first = loaded.set->Evaluate(offer, &kManager, kAt);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->outcome(), v1::OUTCOME_REJECTED);
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        auto again = loaded.set->Evaluate(offer, &kManager, kAt);
        if (!again.ok() || !google::protobuf::util::MessageDifferencer::Equals(*again, *first)) ++mismatches;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace signoff::policies
