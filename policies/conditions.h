#pragma once

// The compiled, immutable form of a rule's condition tree. Internal to the
// engine: the loader builds it from policy.proto after validating it, the
// evaluator walks it. Nodes never allocate while evaluating; what they
// measured is recorded as Facts that point into the node and the offer, and
// becomes text only for rules that matched.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "policies/decimal.h"
#include "policies/offer_figures.h"
#include "signoff/v1/directory.pb.h"
#include "signoff/v1/offer.pb.h"

namespace signoff::policies::internal {

// Three-valued logic: kUnknown is "the policy cannot judge this offer".
enum class Truth : uint8_t { kFalse, kTrue, kUnknown };

enum class Unit : uint8_t { kNone, kCurrency, kPercent, kDays, kLines };

// The relation that holds between a measured value and its threshold.
enum class Comparison : uint8_t {
  kGreater, kGreaterOrEqual, kLess, kLessOrEqual, kEqual, kNotEqual, kIn, kNotIn, kMissing
};

// Why a fact could not be measured.
enum class Missing : uint8_t {
  kNone, kManager, kHireDate, kUnitCost, kNoCostedLines, kZeroAmount, kThreshold, kOverflow
};

// What a predicate measures; owned by the compiled node.
struct FactLabel {
  FactLabel() = default;
  FactLabel(std::string quantity, std::string subject, Unit unit, std::string yes_sentence = "",
            std::string no_sentence = "")
      : quantity(std::move(quantity)), subject(std::move(subject)), unit(unit),
        yes_sentence(std::move(yes_sentence)), no_sentence(std::move(no_sentence)) {}

  std::string quantity;  // Measurement.quantity, e.g. "offer_margin_percent"
  std::string subject;   // sentence subject, e.g. "Offer margin", "discount"
  Unit unit = Unit::kNone;
  // For yes/no facts (customer is new): the sentences for each answer.
  std::string yes_sentence;
  std::string no_sentence;
};

// One measurement behind a predicate's truth value. It states the relation
// that actually holds ("total <= threshold" when a total_above is false), so
// `not` needs no rewriting and a fact is true wherever it is reported.
struct Fact {
  const FactLabel* label = nullptr;
  Comparison comparison = Comparison::kGreater;
  Missing missing = Missing::kNone;
  int line_index = -1;
  Decimal measured;
  Decimal threshold;
  // Set instead of the decimals for text facts (tags, ids, categories).
  const std::string* measured_text = nullptr;
  const std::string* threshold_text = nullptr;
  // Set for kMissing threshold facts: the threshold exists, but not here.
  bool has_threshold = true;
};

// Facts of one rule evaluation; inline storage keeps evaluation free of
// heap allocations in the common case.
using FactList = absl::InlinedVector<Fact, 16>;

// The relation that holds when `tested` does not: > becomes <=, in: not in.
Comparison Opposite(Comparison tested);

// Everything a condition may look at; built once per evaluation.
struct EvalInput {
  const v1::Offer& offer;
  const OfferFigures& figures;
  const v1::Employee* manager;  // nullptr: unknown manager
  std::optional<int64_t> tenure_days;
};

class ConditionNode {
 public:
  virtual ~ConditionNode() = default;
  // Appends facts that explain the result (whatever it is); parents discard
  // the ones they do not need.
  virtual Truth Evaluate(const EvalInput& in, FactList* facts) const = 0;
};

using NodePtr = std::unique_ptr<const ConditionNode>;

// A threshold for one currency.
struct CurrencyAmount {
  std::string currency_code;
  Decimal amount;
};

// The amount for `currency`, or nullptr.
const CurrencyAmount* FindAmount(const std::vector<CurrencyAmount>& amounts,
                                 const std::string& currency);

// Which lines a line predicate looks at: by SKU or category; empty = all.
class LineFilter {
 public:
  LineFilter() = default;
  LineFilter(std::vector<std::string> skus, std::vector<std::string> categories);

  bool Matches(const v1::OfferLine& line) const {
    return MatchesSku(line.sku()) || MatchesCategory(line.category());
  }
  bool MatchesSku(const std::string& sku) const {
    return (sku_lengths_ & LengthBit(sku.size())) != 0 && Contains(skus_, sku);
  }
  bool MatchesCategory(const std::string& category) const {
    return (category_lengths_ & LengthBit(category.size())) != 0 && Contains(categories_, category);
  }
  bool empty() const { return skus_.empty() && categories_.empty(); }
  const std::vector<std::string>& skus() const { return skus_; }
  const std::vector<std::string>& categories() const { return categories_; }

 private:
  // Every filter is tried on every line of every offer, and a line's SKU or
  // category rarely has the length of a listed value: a bit per length (63:
  // longer) turns most tries into one test instead of string comparisons.
  static uint64_t LengthBit(size_t length) { return uint64_t{1} << (length < 63 ? length : 63); }
  static uint64_t Lengths(const std::vector<std::string>& values);
  static bool Contains(const std::vector<std::string>& values, const std::string& value);

  std::vector<std::string> skus_;
  std::vector<std::string> categories_;
  uint64_t sku_lengths_ = 0;
  uint64_t category_lengths_ = 0;
};

NodePtr MakeAll(std::vector<NodePtr> children);
NodePtr MakeAny(std::vector<NodePtr> children);
NodePtr MakeNot(NodePtr child);

NodePtr MakeTotalAbove(std::vector<CurrencyAmount> thresholds);
NodePtr MakeOfferDiscountAbove(Decimal percent);
NodePtr MakeOfferMarginBelow(Decimal percent);
NodePtr MakeLineDiscountAbove(Decimal percent, LineFilter filter);
NodePtr MakeLineMarginBelow(Decimal percent, LineFilter filter, bool skip_lines_without_cost);
NodePtr MakeLinesWithoutCost(LineFilter filter);
// Lines matching `filter` (with quantity and amount above, when given).
NodePtr MakeHasItems(LineFilter filter, std::optional<Decimal> quantity_above,
                     std::vector<CurrencyAmount> amount_above);
NodePtr MakeLineCountAbove(int count);
NodePtr MakeTenureBelow(int days);
NodePtr MakeManagerHasTag(std::vector<std::string> tags);
NodePtr MakeManagerIn(std::vector<std::string> ids);
NodePtr MakeNewCustomer();
NodePtr MakeCustomerIn(std::vector<std::string> ids);
NodePtr MakeOfferAttribute(std::string key, std::vector<std::string> values);

enum class AggregateFunction : uint8_t { kSum, kMax, kMin, kCount };
enum class AggregateField : uint8_t { kQuantity, kAmount, kListAmount, kDiscountPercent, kMarginPercent };
struct AggregateSpec {
  AggregateFunction function = AggregateFunction::kSum;
  AggregateField field = AggregateField::kQuantity;
  Comparison comparison = Comparison::kGreater;  // one of the four orderings
  Decimal value;                                 // non-money thresholds
  std::vector<CurrencyAmount> money_values;      // money thresholds
  LineFilter filter;
};
NodePtr MakeAggregate(AggregateSpec spec);

}  // namespace signoff::policies::internal
