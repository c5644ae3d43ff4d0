#include "policies/explain.h"

#include "absl/strings/str_cat.h"

namespace signoff::policies::internal {
namespace {

const char* ComparisonWords(Comparison c) {
  switch (c) {
    case Comparison::kGreater: return "is above";
    case Comparison::kGreaterOrEqual: return "is at least";
    case Comparison::kLess: return "is below";
    case Comparison::kLessOrEqual: return "is at most";
    case Comparison::kEqual: return "is";
    case Comparison::kNotEqual: return "is not";
    case Comparison::kIn: return "is one of";
    case Comparison::kNotIn: return "is not one of";
    case Comparison::kMissing: return "cannot be judged";
  }
  return "";
}

const char* UnitText(Unit unit) {
  switch (unit) {
    case Unit::kPercent: return "%";
    case Unit::kDays: return "days";
    case Unit::kLines: return "lines";
    default: return "";
  }
}

void AppendSubject(const Fact& fact, const EvalInput& in, std::string* out) {
  if (fact.line_index < 0 || fact.line_index >= in.offer.lines_size()) {
    out->append(fact.label->subject);
    return;
  }
  // People count lines from 1; the measurement keeps the 0-based index.
  absl::StrAppend(out, "Line ", fact.line_index + 1, " (", in.offer.lines(fact.line_index).sku(), ") ",
                  fact.label->subject);
}

void AppendMissingSentence(const Fact& fact, const EvalInput& in, std::string* out) {
  if (fact.missing == Missing::kUnitCost && fact.label->quantity == "lines_without_cost") {
    fact.measured.AppendTo(out);
    absl::StrAppend(out, " line(s) without a unit cost (first: line ", fact.line_index + 1, " ",
                    in.offer.lines(fact.line_index).sku(), "): the margin cannot be proven");
    return;
  }
  AppendSubject(fact, in, out);
  switch (fact.missing) {
    case Missing::kManager:
      absl::StrAppend(out, " cannot be judged: manager \"", in.offer.manager_id(), "\" is not in the directory");
      return;
    case Missing::kHireDate:
      out->append(" cannot be judged: the manager has no valid hire date");
      return;
    case Missing::kUnitCost:
      out->append(" cannot be judged: no unit cost");
      return;
    case Missing::kNoCostedLines:
      out->append(" cannot be judged: no line has a unit cost");
      return;
    case Missing::kZeroAmount:
      out->append(" cannot be judged: the amount is zero");
      return;
    case Missing::kThreshold:
      out->push_back(' ');
      AppendValue(fact.measured, fact.label->unit, in.figures, out);
      absl::StrAppend(out, " cannot be judged: the policy has no threshold for ", in.figures.currency_code);
      return;
    case Missing::kOverflow:
      out->append(" cannot be judged: out of range");
      return;
    case Missing::kNone:
      break;
  }
  out->append(" cannot be judged");
}

}  // namespace

const char* ComparisonSymbol(Comparison c) {
  switch (c) {
    case Comparison::kGreater: return ">";
    case Comparison::kGreaterOrEqual: return ">=";
    case Comparison::kLess: return "<";
    case Comparison::kLessOrEqual: return "<=";
    case Comparison::kEqual: return "=";
    case Comparison::kNotEqual: return "!=";
    case Comparison::kIn: return "in";
    case Comparison::kNotIn: return "not in";
    case Comparison::kMissing: return "missing";
  }
  return "";
}

void AppendValue(Decimal value, Unit unit, const OfferFigures& figures, std::string* out) {
  switch (unit) {
    case Unit::kCurrency:
      value.AppendFixed(figures.minor_digits, out);
      out->push_back(' ');
      out->append(figures.currency_code);
      return;
    case Unit::kPercent:
      value.AppendFixed(2, out);
      out->append(" %");
      return;
    case Unit::kDays:
      value.AppendTo(out);
      out->append(" days");
      return;
    case Unit::kLines:
    case Unit::kNone:
      value.AppendTo(out);
      return;
  }
}

std::string FormatValue(Decimal value, Unit unit, const OfferFigures& figures) {
  std::string text;
  AppendValue(value, unit, figures, &text);
  return text;
}

void AppendFactSentence(const Fact& fact, const EvalInput& in, std::string* out) {
  if (fact.comparison == Comparison::kMissing) {
    AppendMissingSentence(fact, in, out);
    return;
  }
  if (!fact.label->yes_sentence.empty()) {
    out->append(fact.measured_text != nullptr && *fact.measured_text == "true" ? fact.label->yes_sentence
                                                                               : fact.label->no_sentence);
    return;
  }
  AppendSubject(fact, in, out);
  if (fact.threshold_text != nullptr) {  // membership
    if (fact.measured_text == nullptr) {
      out->append(" (none) ");
    } else {
      absl::StrAppend(out, " \"", *fact.measured_text, "\" ");
    }
    absl::StrAppend(out, ComparisonWords(fact.comparison), " [", *fact.threshold_text, "]");
    return;
  }
  out->push_back(' ');
  AppendValue(fact.measured, fact.label->unit, in.figures, out);
  absl::StrAppend(out, " ", ComparisonWords(fact.comparison), " ");
  AppendValue(fact.threshold, fact.label->unit, in.figures, out);
}

std::string FactSentence(const Fact& fact, const EvalInput& in) {
  std::string sentence;
  AppendFactSentence(fact, in, &sentence);
  return sentence;
}

void FillMeasurement(const Fact& fact, const EvalInput& in, v1::Measurement* out) {
  out->set_quantity(fact.label->quantity);
  if (fact.threshold_text != nullptr || fact.measured_text != nullptr) {
    if (fact.measured_text != nullptr) out->set_measured(*fact.measured_text);
    if (fact.threshold_text != nullptr) out->set_threshold(*fact.threshold_text);
  } else if (fact.comparison != Comparison::kMissing || fact.missing == Missing::kThreshold ||
             fact.missing == Missing::kUnitCost) {
    // Missing facts carry a value only when one was measured (the total
    // without a threshold, the count of lines without a cost).
    fact.measured.AppendTo(out->mutable_measured());
    if (fact.has_threshold) fact.threshold.AppendTo(out->mutable_threshold());
  }
  out->set_unit(fact.label->unit == Unit::kCurrency ? in.figures.currency_code : UnitText(fact.label->unit));
  out->set_comparison(ComparisonSymbol(fact.comparison));
  out->set_line_index(fact.line_index);
}

}  // namespace signoff::policies::internal
