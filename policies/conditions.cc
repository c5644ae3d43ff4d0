#include "policies/conditions.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace signoff::policies::internal {
namespace {

const std::string kTrueText = "true";
const std::string kFalseText = "false";

bool Holds(Decimal a, Comparison c, Decimal b) {
  switch (c) {
    case Comparison::kGreater: return a > b;
    case Comparison::kGreaterOrEqual: return a >= b;
    case Comparison::kLess: return a < b;
    case Comparison::kLessOrEqual: return a <= b;
    case Comparison::kEqual: return a == b;
    case Comparison::kNotEqual: return a != b;
    default: return false;
  }
}

Truth FromBool(bool b) { return b ? Truth::kTrue : Truth::kFalse; }

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Pushes a numeric fact comparing `measured` with `threshold` by `tested`,
// recording the relation that holds; returns whether `tested` held.
bool CompareFact(const FactLabel& label, Decimal measured, Comparison tested, Decimal threshold,
                 int line_index, FactList* facts) {
  bool result = Holds(measured, tested, threshold);
  Fact f;
  f.label = &label;
  f.comparison = result ? tested : Opposite(tested);
  f.measured = measured;
  f.threshold = threshold;
  f.line_index = line_index;
  facts->push_back(f);
  return result;
}

void MissingFact(const FactLabel& label, Missing why, int line_index, Decimal measured,
                 FactList* facts) {
  Fact f;
  f.label = &label;
  f.comparison = Comparison::kMissing;
  f.missing = why;
  f.line_index = line_index;
  f.measured = measured;
  f.has_threshold = false;
  facts->push_back(f);
}

void MembershipFact(const FactLabel& label, bool member, const std::string* measured,
                    const std::string* threshold, int line_index, FactList* facts) {
  Fact f;
  f.label = &label;
  f.comparison = member ? Comparison::kIn : Comparison::kNotIn;
  f.measured_text = measured;
  f.threshold_text = threshold;
  f.line_index = line_index;
  facts->push_back(f);
}

class AllNode final : public ConditionNode {
 public:
  explicit AllNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    const size_t start = facts->size();
    bool unknown = false;
    for (const NodePtr& child : children_) {
      const size_t mark = facts->size();
      Truth t = child->Evaluate(in, facts);
      if (t == Truth::kFalse) {
        // The false child alone explains why `all` is false.
        facts->erase(facts->begin() + start, facts->begin() + mark);
        return Truth::kFalse;
      }
      unknown |= t == Truth::kUnknown;
    }
    return unknown ? Truth::kUnknown : Truth::kTrue;
  }

 private:
  std::vector<NodePtr> children_;
};

class AnyNode final : public ConditionNode {
 public:
  explicit AnyNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    const size_t start = facts->size();
    absl::InlinedVector<std::pair<size_t, size_t>, 8> false_ranges;
    bool unknown = false;
    for (const NodePtr& child : children_) {
      const size_t mark = facts->size();
      Truth t = child->Evaluate(in, facts);
      if (t == Truth::kTrue) {
        // The true child alone explains why `any` is true.
        facts->erase(facts->begin() + start, facts->begin() + mark);
        return Truth::kTrue;
      }
      if (t == Truth::kUnknown) {
        unknown = true;
      } else {
        false_ranges.emplace_back(mark, facts->size());
      }
    }
    if (unknown) {
      // What could not be judged explains it; the false children do not.
      for (auto it = false_ranges.rbegin(); it != false_ranges.rend(); ++it) {
        facts->erase(facts->begin() + it->first, facts->begin() + it->second);
      }
      return Truth::kUnknown;
    }
    return Truth::kFalse;
  }

 private:
  std::vector<NodePtr> children_;
};

class NotNode final : public ConditionNode {
 public:
  explicit NotNode(NodePtr child) : child_(std::move(child)) {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    switch (child_->Evaluate(in, facts)) {
      case Truth::kTrue: return Truth::kFalse;
      case Truth::kFalse: return Truth::kTrue;
      default: return Truth::kUnknown;  // not(unknown) must never approve
    }
  }

 private:
  NodePtr child_;
};

class TotalAboveNode final : public ConditionNode {
 public:
  explicit TotalAboveNode(std::vector<CurrencyAmount> thresholds)
      : thresholds_(std::move(thresholds)), label_{"offer_total", "Offer total", Unit::kCurrency} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    const CurrencyAmount* threshold = FindAmount(thresholds_, in.figures.currency_code);
    if (threshold == nullptr) {
      MissingFact(label_, Missing::kThreshold, -1, in.figures.total, facts);
      return Truth::kUnknown;
    }
    return FromBool(CompareFact(label_, in.figures.total, Comparison::kGreater, threshold->amount,
                                -1, facts));
  }

 private:
  std::vector<CurrencyAmount> thresholds_;
  FactLabel label_;
};

// A percent of the whole offer (discount, margin) against a threshold.
class OfferPercentNode final : public ConditionNode {
 public:
  enum class Figure { kDiscount, kMargin };
  OfferPercentNode(Figure figure, Decimal percent) : figure_(figure), percent_(percent) {
    label_ = figure == Figure::kDiscount
                 ? FactLabel{"offer_discount_percent", "Offer discount", Unit::kPercent}
                 : FactLabel{"offer_margin_percent", "Offer margin", Unit::kPercent};
  }
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    const OfferFigures& f = in.figures;
    if (figure_ == Figure::kDiscount) {
      if (!f.discount_percent.has_value()) {
        MissingFact(label_, Missing::kZeroAmount, -1, Decimal(), facts);
        return Truth::kUnknown;
      }
      return FromBool(CompareFact(label_, *f.discount_percent, Comparison::kGreater, percent_, -1, facts));
    }
    if (!f.margin_percent.has_value()) {
      bool no_costs = f.lines_without_cost == static_cast<int>(f.lines.size());
      MissingFact(label_, no_costs ? Missing::kNoCostedLines : Missing::kZeroAmount, -1, Decimal(), facts);
      return Truth::kUnknown;
    }
    return FromBool(CompareFact(label_, *f.margin_percent, Comparison::kLess, percent_, -1, facts));
  }

 private:
  Figure figure_;
  Decimal percent_;
  FactLabel label_;
};

class LineDiscountAboveNode final : public ConditionNode {
 public:
  LineDiscountAboveNode(Decimal percent, LineFilter filter)
      : percent_(percent), filter_(std::move(filter)),
        label_{"line_discount_percent", "discount", Unit::kPercent} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    int worst = -1;
    for (int i = 0; i < static_cast<int>(in.figures.lines.size()); ++i) {
      if (!filter_.empty() && !filter_.Matches(in.offer.lines(i))) continue;
      if (worst < 0 || in.figures.lines[i].discount_percent > in.figures.lines[worst].discount_percent) {
        worst = i;
      }
    }
    if (worst < 0) return Truth::kFalse;
    return FromBool(CompareFact(label_, in.figures.lines[worst].discount_percent,
                                Comparison::kGreater, percent_, worst, facts));
  }

 private:
  Decimal percent_;
  LineFilter filter_;
  FactLabel label_;
};

class LineMarginBelowNode final : public ConditionNode {
 public:
  LineMarginBelowNode(Decimal percent, LineFilter filter, bool skip_lines_without_cost)
      : percent_(percent), filter_(std::move(filter)), skip_(skip_lines_without_cost),
        label_{"line_margin_percent", "margin", Unit::kPercent} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    int worst = -1, unknown = -1;
    Missing why = Missing::kNone;
    for (int i = 0; i < static_cast<int>(in.figures.lines.size()); ++i) {
      if (!filter_.empty() && !filter_.Matches(in.offer.lines(i))) continue;
      const LineFigures& line = in.figures.lines[i];
      if (line.margin_percent.has_value()) {
        if (worst < 0 || *line.margin_percent < *in.figures.lines[worst].margin_percent) worst = i;
      } else if (unknown < 0) {
        if (!line.unit_cost.has_value()) {
          if (skip_) continue;
          why = Missing::kUnitCost;
        } else {
          why = Missing::kZeroAmount;
        }
        unknown = i;
      }
    }
    if (worst >= 0 && *in.figures.lines[worst].margin_percent < percent_) {
      CompareFact(label_, *in.figures.lines[worst].margin_percent, Comparison::kLess, percent_, worst, facts);
      return Truth::kTrue;
    }
    if (unknown >= 0) {
      MissingFact(label_, why, unknown, Decimal(), facts);
      return Truth::kUnknown;
    }
    if (worst < 0) return Truth::kFalse;
    CompareFact(label_, *in.figures.lines[worst].margin_percent, Comparison::kLess, percent_, worst, facts);
    return Truth::kFalse;
  }

 private:
  Decimal percent_;
  LineFilter filter_;
  bool skip_;
  FactLabel label_;
};

class LinesWithoutCostNode final : public ConditionNode {
 public:
  explicit LinesWithoutCostNode(LineFilter filter)
      : filter_(std::move(filter)), label_{"lines_without_cost", "Lines without a unit cost", Unit::kLines} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    int count = 0, first = -1;
    for (int i = 0; i < static_cast<int>(in.figures.lines.size()); ++i) {
      if (in.figures.lines[i].unit_cost.has_value()) continue;
      if (!filter_.empty() && !filter_.Matches(in.offer.lines(i))) continue;
      if (count++ == 0) first = i;
    }
    if (count == 0) {
      CompareFact(label_, Decimal(), Comparison::kEqual, Decimal(), -1, facts);
      return Truth::kFalse;
    }
    // A match, but one that says the offer cannot be judged: fail safe.
    MissingFact(label_, Missing::kUnitCost, first, Decimal::FromUnits(count), facts);
    return Truth::kTrue;
  }

 private:
  LineFilter filter_;
  FactLabel label_;
};

class HasItemsNode final : public ConditionNode {
 public:
  HasItemsNode(LineFilter filter, std::optional<Decimal> quantity_above,
               std::vector<CurrencyAmount> amount_above)
      : filter_(std::move(filter)), quantity_above_(quantity_above),
        amount_above_(std::move(amount_above)),
        sku_label_{"line_sku", "SKU", Unit::kNone},
        category_label_{"line_category", "category", Unit::kNone},
        quantity_label_{"line_quantity", "quantity", Unit::kNone},
        amount_label_{"line_amount", "amount", Unit::kCurrency} {
    skus_text_ = absl::StrJoin(filter_.skus(), ", ");
    categories_text_ = absl::StrJoin(filter_.categories(), ", ");
    count_label_ = FactLabel{"matching_lines",
                             absl::StrCat("Lines with ", ListText()), Unit::kLines};
  }
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    const CurrencyAmount* amount_threshold =
        amount_above_.empty() ? nullptr : FindAmount(amount_above_, in.figures.currency_code);
    int unknown = -1;
    for (int i = 0; i < static_cast<int>(in.figures.lines.size()); ++i) {
      const v1::OfferLine& line = in.offer.lines(i);
      const LineFigures& figures = in.figures.lines[i];
      bool by_sku = filter_.MatchesSku(line.sku());
      if (!by_sku && !filter_.MatchesCategory(line.category())) continue;
      if (quantity_above_.has_value() && !(figures.quantity > *quantity_above_)) continue;
      if (!amount_above_.empty()) {
        if (amount_threshold == nullptr) {
          if (unknown < 0) unknown = i;
          continue;
        }
        if (!(figures.amount > amount_threshold->amount)) continue;
      }
      if (by_sku) {
        MembershipFact(sku_label_, true, &line.sku(), &skus_text_, i, facts);
      } else {
        MembershipFact(category_label_, true, &line.category(), &categories_text_, i, facts);
      }
      if (quantity_above_.has_value()) {
        CompareFact(quantity_label_, figures.quantity, Comparison::kGreater, *quantity_above_, i, facts);
      }
      if (amount_threshold != nullptr) {
        CompareFact(amount_label_, figures.amount, Comparison::kGreater, amount_threshold->amount, i, facts);
      }
      return Truth::kTrue;
    }
    if (unknown >= 0) {
      MissingFact(amount_label_, Missing::kThreshold, unknown, in.figures.lines[unknown].amount, facts);
      return Truth::kUnknown;
    }
    CompareFact(count_label_, Decimal(), Comparison::kEqual, Decimal(), -1, facts);
    return Truth::kFalse;
  }

 private:
  std::string ListText() const {
    std::string text;
    if (!filter_.skus().empty()) absl::StrAppend(&text, "SKU in [", skus_text_, "]");
    if (!filter_.categories().empty()) {
      absl::StrAppend(&text, text.empty() ? "" : " or ", "category in [", categories_text_, "]");
    }
    if (quantity_above_.has_value()) absl::StrAppend(&text, " and quantity above ", quantity_above_->ToString());
    if (!amount_above_.empty()) absl::StrAppend(&text, " and amount above the threshold");
    return text;
  }

  LineFilter filter_;
  std::optional<Decimal> quantity_above_;
  std::vector<CurrencyAmount> amount_above_;
  std::string skus_text_, categories_text_;
  FactLabel sku_label_, category_label_, quantity_label_, amount_label_, count_label_;
};

class LineCountAboveNode final : public ConditionNode {
 public:
  explicit LineCountAboveNode(int count)
      : count_(Decimal::FromUnits(count)), label_{"line_count", "Number of lines", Unit::kLines} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    return FromBool(CompareFact(label_, Decimal::FromUnits(in.offer.lines_size()), Comparison::kGreater,
                                count_, -1, facts));
  }

 private:
  Decimal count_;
  FactLabel label_;
};

class TenureBelowNode final : public ConditionNode {
 public:
  explicit TenureBelowNode(int days)
      : days_(Decimal::FromUnits(days)), label_{"manager_tenure_days", "Manager tenure", Unit::kDays} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    if (in.manager == nullptr || !in.tenure_days.has_value()) {
      MissingFact(label_, in.manager == nullptr ? Missing::kManager : Missing::kHireDate, -1, Decimal(),
                  facts);
      return Truth::kUnknown;
    }
    return FromBool(CompareFact(label_, Decimal::FromUnits(*in.tenure_days), Comparison::kLess, days_, -1,
                                facts));
  }

 private:
  Decimal days_;
  FactLabel label_;
};

class ManagerHasTagNode final : public ConditionNode {
 public:
  explicit ManagerHasTagNode(std::vector<std::string> tags)
      : tags_(std::move(tags)), tags_text_(absl::StrJoin(tags_, ", ")),
        label_{"manager_tag", "Manager tag", Unit::kNone} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    if (in.manager == nullptr) {
      MissingFact(label_, Missing::kManager, -1, Decimal(), facts);
      return Truth::kUnknown;
    }
    for (const std::string& tag : in.manager->tags()) {
      if (Contains(tags_, tag)) {
        MembershipFact(label_, true, &tag, &tags_text_, -1, facts);
        return Truth::kTrue;
      }
    }
    MembershipFact(label_, false, nullptr, &tags_text_, -1, facts);
    return Truth::kFalse;
  }

 private:
  std::vector<std::string> tags_;
  std::string tags_text_;
  FactLabel label_;
};

// Membership of one offer field (manager id, customer id, an attribute).
class FieldInNode final : public ConditionNode {
 public:
  using Getter = const std::string* (*)(const v1::Offer&, const std::string& key);
  FieldInNode(Getter getter, std::string key, std::vector<std::string> values, FactLabel label)
      : getter_(getter), key_(std::move(key)), values_(std::move(values)),
        values_text_(absl::StrJoin(values_, ", ")), label_(std::move(label)) {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    const std::string* value = getter_(in.offer, key_);
    bool member = value != nullptr && Contains(values_, *value);
    MembershipFact(label_, member, value, &values_text_, -1, facts);
    return FromBool(member);
  }

 private:
  Getter getter_;
  std::string key_;
  std::vector<std::string> values_;
  std::string values_text_;
  FactLabel label_;
};

class NewCustomerNode final : public ConditionNode {
 public:
  NewCustomerNode()
      : label_{"customer_is_new", "Customer is new", Unit::kNone, "The customer is new",
               "The customer is not new"} {}
  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    bool is_new = in.offer.customer().is_new();
    Fact f;
    f.label = &label_;
    // The relation that holds: "is_new = true" or "is_new != true".
    f.comparison = is_new ? Comparison::kEqual : Comparison::kNotEqual;
    f.measured_text = is_new ? &kTrueText : &kFalseText;
    f.threshold_text = &kTrueText;
    facts->push_back(f);
    return FromBool(is_new);
  }

 private:
  FactLabel label_;
};

class AggregateNode final : public ConditionNode {
 public:
  explicit AggregateNode(AggregateSpec spec) : spec_(std::move(spec)) {
    static constexpr const char* kFunctions[] = {"sum", "max", "min", "count"};
    static constexpr const char* kFields[] = {"quantity", "amount", "list_amount", "discount_percent",
                                              "margin_percent"};
    const char* function = kFunctions[static_cast<int>(spec_.function)];
    std::string over = spec_.filter.empty() ? "" : absl::StrCat(" over lines with ", FilterText());
    if (spec_.function == AggregateFunction::kCount) {
      label_ = FactLabel{"count_lines", absl::StrCat("Number of lines", over), Unit::kLines};
    } else {
      const char* field = kFields[static_cast<int>(spec_.field)];
      Unit unit = Unit::kNone;
      if (spec_.field == AggregateField::kAmount || spec_.field == AggregateField::kListAmount) {
        unit = Unit::kCurrency;
      } else if (spec_.field == AggregateField::kDiscountPercent ||
                 spec_.field == AggregateField::kMarginPercent) {
        unit = Unit::kPercent;
      }
      label_ = FactLabel{absl::StrCat(function, "_", field),
                         absl::StrCat(function == std::string("sum") ? "Sum" : function == std::string("max") ? "Max" : "Min",
                                      " of ", field, over),
                         unit};
    }
  }

  Truth Evaluate(const EvalInput& in, FactList* facts) const override {
    Decimal result;
    int count = 0, extreme_line = -1, skipped = 0;
    for (int i = 0; i < static_cast<int>(in.figures.lines.size()); ++i) {
      if (!spec_.filter.empty() && !spec_.filter.Matches(in.offer.lines(i))) continue;
      if (spec_.function == AggregateFunction::kCount) {
        ++count;
        continue;
      }
      std::optional<Decimal> value = FieldOf(in.figures.lines[i]);
      if (!value.has_value()) {
        ++skipped;
        continue;
      }
      if (spec_.function == AggregateFunction::kSum) {
        absl::StatusOr<Decimal> sum = Add(result, *value);
        if (!sum.ok()) {
          MissingFact(label_, Missing::kOverflow, -1, Decimal(), facts);
          return Truth::kUnknown;
        }
        result = *sum;
      } else if (count == 0 || (spec_.function == AggregateFunction::kMax ? *value > result : *value < result)) {
        result = *value;
        extreme_line = i;
      }
      ++count;
    }
    if (spec_.function == AggregateFunction::kCount) {
      result = Decimal::FromUnits(count);
    } else if (count == 0) {
      if (skipped > 0) {  // lines were there, but none could be measured
        MissingFact(label_, Missing::kUnitCost, -1, Decimal(), facts);
        return Truth::kUnknown;
      }
      // No line to measure: nothing for the policy to judge.
      if (spec_.function != AggregateFunction::kSum || IsMoney()) return Truth::kFalse;
    }
    Decimal threshold = spec_.value;
    if (IsMoney()) {
      const CurrencyAmount* t = FindAmount(spec_.money_values, in.figures.currency_code);
      if (t == nullptr) {
        MissingFact(label_, Missing::kThreshold, -1, result, facts);
        return Truth::kUnknown;
      }
      threshold = t->amount;
    }
    return FromBool(CompareFact(label_, result, spec_.comparison, threshold, extreme_line, facts));
  }

 private:
  bool IsMoney() const {
    return spec_.function != AggregateFunction::kCount &&
           (spec_.field == AggregateField::kAmount || spec_.field == AggregateField::kListAmount);
  }
  std::optional<Decimal> FieldOf(const LineFigures& line) const {
    switch (spec_.field) {
      case AggregateField::kQuantity: return line.quantity;
      case AggregateField::kAmount: return line.amount;
      case AggregateField::kListAmount: return line.list_amount;
      case AggregateField::kDiscountPercent: return line.discount_percent;
      case AggregateField::kMarginPercent: return line.margin_percent;
    }
    return std::nullopt;
  }
  std::string FilterText() const {
    std::string text;
    if (!spec_.filter.skus().empty()) absl::StrAppend(&text, "SKU in [", absl::StrJoin(spec_.filter.skus(), ", "), "]");
    if (!spec_.filter.categories().empty()) {
      absl::StrAppend(&text, text.empty() ? "" : " or ", "category in [",
                      absl::StrJoin(spec_.filter.categories(), ", "), "]");
    }
    return text;
  }

  AggregateSpec spec_;
  FactLabel label_;
};

const std::string* ManagerIdOf(const v1::Offer& offer, const std::string&) { return &offer.manager_id(); }
const std::string* CustomerIdOf(const v1::Offer& offer, const std::string&) { return &offer.customer().id(); }
const std::string* AttributeOf(const v1::Offer& offer, const std::string& key) {
  auto it = offer.attributes().find(key);
  return it == offer.attributes().end() ? nullptr : &it->second;
}

}  // namespace

Comparison Opposite(Comparison tested) {
  switch (tested) {
    case Comparison::kGreater: return Comparison::kLessOrEqual;
    case Comparison::kGreaterOrEqual: return Comparison::kLess;
    case Comparison::kLess: return Comparison::kGreaterOrEqual;
    case Comparison::kLessOrEqual: return Comparison::kGreater;
    case Comparison::kEqual: return Comparison::kNotEqual;
    case Comparison::kNotEqual: return Comparison::kEqual;
    case Comparison::kIn: return Comparison::kNotIn;
    case Comparison::kNotIn: return Comparison::kIn;
    default: return tested;
  }
}

const CurrencyAmount* FindAmount(const std::vector<CurrencyAmount>& amounts, const std::string& currency) {
  for (const CurrencyAmount& a : amounts) {
    if (a.currency_code == currency) return &a;
  }
  return nullptr;
}

LineFilter::LineFilter(std::vector<std::string> skus, std::vector<std::string> categories)
    : skus_(std::move(skus)), categories_(std::move(categories)), sku_lengths_(Lengths(skus_)),
      category_lengths_(Lengths(categories_)) {}

uint64_t LineFilter::Lengths(const std::vector<std::string>& values) {
  uint64_t lengths = 0;
  for (const std::string& value : values) lengths |= LengthBit(value.size());
  return lengths;
}

bool LineFilter::Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

NodePtr MakeAll(std::vector<NodePtr> children) { return std::make_unique<AllNode>(std::move(children)); }
NodePtr MakeAny(std::vector<NodePtr> children) { return std::make_unique<AnyNode>(std::move(children)); }
NodePtr MakeNot(NodePtr child) { return std::make_unique<NotNode>(std::move(child)); }
NodePtr MakeTotalAbove(std::vector<CurrencyAmount> thresholds) {
  return std::make_unique<TotalAboveNode>(std::move(thresholds));
}
NodePtr MakeOfferDiscountAbove(Decimal percent) {
  return std::make_unique<OfferPercentNode>(OfferPercentNode::Figure::kDiscount, percent);
}
NodePtr MakeOfferMarginBelow(Decimal percent) {
  return std::make_unique<OfferPercentNode>(OfferPercentNode::Figure::kMargin, percent);
}
NodePtr MakeLineDiscountAbove(Decimal percent, LineFilter filter) {
  return std::make_unique<LineDiscountAboveNode>(percent, std::move(filter));
}
NodePtr MakeLineMarginBelow(Decimal percent, LineFilter filter, bool skip_lines_without_cost) {
  return std::make_unique<LineMarginBelowNode>(percent, std::move(filter), skip_lines_without_cost);
}
NodePtr MakeLinesWithoutCost(LineFilter filter) {
  return std::make_unique<LinesWithoutCostNode>(std::move(filter));
}
NodePtr MakeHasItems(LineFilter filter, std::optional<Decimal> quantity_above,
                     std::vector<CurrencyAmount> amount_above) {
  return std::make_unique<HasItemsNode>(std::move(filter), quantity_above, std::move(amount_above));
}
NodePtr MakeLineCountAbove(int count) { return std::make_unique<LineCountAboveNode>(count); }
NodePtr MakeTenureBelow(int days) { return std::make_unique<TenureBelowNode>(days); }
NodePtr MakeManagerHasTag(std::vector<std::string> tags) {
  return std::make_unique<ManagerHasTagNode>(std::move(tags));
}
NodePtr MakeManagerIn(std::vector<std::string> ids) {
  return std::make_unique<FieldInNode>(&ManagerIdOf, "", std::move(ids),
                                       FactLabel{"manager_id", "Manager", Unit::kNone});
}
NodePtr MakeNewCustomer() { return std::make_unique<NewCustomerNode>(); }
NodePtr MakeCustomerIn(std::vector<std::string> ids) {
  return std::make_unique<FieldInNode>(&CustomerIdOf, "", std::move(ids),
                                       FactLabel{"customer_id", "Customer", Unit::kNone});
}
NodePtr MakeOfferAttribute(std::string key, std::vector<std::string> values) {
  FactLabel label{absl::StrCat("offer_attribute.", key), absl::StrCat("Offer attribute ", key), Unit::kNone};
  return std::make_unique<FieldInNode>(&AttributeOf, std::move(key), std::move(values), std::move(label));
}
NodePtr MakeAggregate(AggregateSpec spec) { return std::make_unique<AggregateNode>(std::move(spec)); }

}  // namespace signoff::policies::internal
