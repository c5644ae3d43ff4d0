// Evaluation speed: a 20-line offer against the default set and against a
// generated set of 500 rules, single thread. Targets (Release): < 5 µs per
// evaluation for the default set, < 100 µs for 500 rules.
//
//   cmake --build build --target policies_benchmark && build/policies/policies_benchmark

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "policies/offer_figures.h"
#include "policies/policy_set.h"

namespace signoff::policies {
namespace {

const absl::Time kAt = absl::FromUnixSeconds(1770022800);  // 2026-02-02T09:00:00Z

v1::Employee Manager() {
  v1::Employee manager;
  manager.set_employee_id("m.ivanova");
  manager.mutable_hire_date()->set_year(2021);
  manager.mutable_hire_date()->set_month(4);
  manager.mutable_hire_date()->set_day(5);
  manager.add_tags("senior");
  return manager;
}

// 20 lines of pipes, fittings and cable with costs and small discounts:
// total ≈ 430 000 RUB, margin ≈ 20 %. `risky` adds a thin-margin line with a
// big discount and no cost, so several rules match and reasons are built.
v1::Offer Offer(bool risky) {
  static const char* const kCategories[] = {"pipes", "fittings", "cable", "valves"};
  v1::Offer offer;
  offer.set_offer_id("KP-2026-0001");
  offer.set_revision(1);
  offer.mutable_customer()->set_id("crm-100200");
  offer.set_manager_id("m.ivanova");
  offer.set_currency_code("RUB");
  (*offer.mutable_attributes())["payment_terms"] = "prepay";
  for (int i = 0; i < 20; ++i) {
    v1::OfferLine* line = offer.add_lines();
    line->set_sku(absl::StrCat("SKU-", 1000 + i));
    line->set_category(kCategories[i % 4]);
    line->mutable_quantity()->set_value(absl::StrCat(10 + i, ".5"));
    line->mutable_unit_price()->set_currency_code("RUB");
    line->mutable_unit_price()->set_units(1000 + 37 * i);
    line->mutable_unit_price()->set_nanos(250000000);
    if (!(risky && i == 19)) {
      line->mutable_unit_cost()->set_currency_code("RUB");
      line->mutable_unit_cost()->set_units(780 + 30 * i);
    }
    line->mutable_discount_percent()->set_value(risky && i == 19 ? "30" : absl::StrCat(i % 5));
  }
  return offer;
}

std::shared_ptr<const PolicySet> DefaultSet() {
  static std::shared_ptr<const PolicySet> set = [] {
    LoadResult result = PolicySet::Load(SIGNOFF_DEFAULT_POLICY_DIR);
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.IssuesText().c_str());
      std::abort();
    }
    return result.set;
  }();
  return set;
}

// 500 rules cycling through every predicate and combinator, thresholds
// spread so that a few match a typical offer, as in a large real set.
std::shared_ptr<const PolicySet> GeneratedSet() {
  static std::shared_ptr<const PolicySet> set = [] {
    std::string text = R"(label: "generated-500"
levels { id: "team_lead" limits { currency_code: "RUB" units: 1000000 } sla: "4h" }
levels { id: "head_of_sales" limits { currency_code: "RUB" units: 10000000 } sla: "24h" }
levels { id: "cfo" sla: "48h" }
)";
    static const char* const kLevels[] = {"team_lead", "head_of_sales", "cfo"};
    for (int i = 0; i < 500; ++i) {
      std::string when;
      const int n = i / 10;
      switch (i % 10) {
        case 0: when = absl::StrCat("total_above { thresholds { currency_code: \"RUB\" units: ", 300000 + 10000 * n, " } thresholds { currency_code: \"CNY\" units: 50000 } }"); break;
        case 1: when = absl::StrCat("any_line_discount_above { percent: \"", 5 + n % 40, "\" categories: \"pipes\" categories: \"cable\" }"); break;
        case 2: when = absl::StrCat("offer_margin_below { percent: \"", n % 20, "\" }"); break;
        case 3: when = absl::StrCat("has_items { skus: \"SKU-", 2000 + n, "\" categories: \"cat-", n, "\" }"); break;
        case 4: when = absl::StrCat("all { of { manager_has_tag { values: \"tag-", n, "\" } } of { manager_tenure_below { days: ", 30 + n, " } } }"); break;
        case 5: when = absl::StrCat("aggregate { function: SUM field: QUANTITY comparison: GREATER value: \"", 300 + n, "\" categories: \"valves\" }"); break;
        case 6: when = absl::StrCat("any { of { customer_in { values: \"crm-", n, "\" } } of { offer_attribute { key: \"channel\" values: \"ch-", n, "\" } } }"); break;
        case 7: when = absl::StrCat("not { any_line_margin_below { percent: \"", 60 + n, "\" skip_lines_without_cost: true } }"); break;
        case 8: when = absl::StrCat("aggregate { function: MAX field: AMOUNT comparison: GREATER money_values { currency_code: \"RUB\" units: ", 30000 + 1000 * n, " } }"); break;
        default: when = absl::StrCat("all { of { new_customer {} } of { line_count_above { count: ", n % 30, " } } }"); break;
      }
      absl::StrAppend(&text, "rules { id: \"gen.", i, "\" description: \"generated rule ", i, "\" when { ", when,
                      " } effect { require_level: \"", kLevels[i % 3], "\" } ", i % 17 == 0 ? "mode: RULE_MODE_WARN " : "", "}\n");
    }
    LoadResult result = PolicySet::LoadFromFiles({{"generated.policy.textproto", text}});
    if (!result.ok()) {
      std::fprintf(stderr, "%s\n", result.IssuesText().c_str());
      std::abort();
    }
    return result.set;
  }();
  return set;
}

void Evaluate(benchmark::State& state, const PolicySet& set, const v1::Offer& offer) {
  const v1::Employee manager = Manager();
  size_t reasons = 0;
  for (auto _ : state) {
    absl::StatusOr<v1::Decision> decision = set.Evaluate(offer, &manager, kAt);
    if (!decision.ok()) state.SkipWithError(std::string(decision.status().message()).c_str());
    reasons = decision->reasons_size();
    benchmark::DoNotOptimize(decision);
  }
  state.counters["reasons"] = static_cast<double>(reasons);
}

void BM_DefaultSet_20Lines_Approved(benchmark::State& state) { Evaluate(state, *DefaultSet(), Offer(false)); }
void BM_DefaultSet_20Lines_NeedsSignoff(benchmark::State& state) { Evaluate(state, *DefaultSet(), Offer(true)); }
void BM_Generated500Rules_20Lines(benchmark::State& state) { Evaluate(state, *GeneratedSet(), Offer(false)); }
void BM_Generated500Rules_20Lines_Risky(benchmark::State& state) { Evaluate(state, *GeneratedSet(), Offer(true)); }

// Validation and figures alone: the floor under every evaluation.
void BM_ComputeFigures_20Lines(benchmark::State& state) {
  const v1::Offer offer = Offer(false);
  for (auto _ : state) benchmark::DoNotOptimize(ComputeFigures(offer));
}

BENCHMARK(BM_DefaultSet_20Lines_Approved);
BENCHMARK(BM_DefaultSet_20Lines_NeedsSignoff);
BENCHMARK(BM_Generated500Rules_20Lines);
BENCHMARK(BM_Generated500Rules_20Lines_Risky);
BENCHMARK(BM_ComputeFigures_20Lines);

}  // namespace
}  // namespace signoff::policies

BENCHMARK_MAIN();
