#include "policies/offer_figures.h"

#include <utility>

#include "absl/base/attributes.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "policies/money.h"
#include "policies/status_macros.h"

namespace signoff::policies {
namespace {

constexpr size_t kMaxOfferIdLength = 128;
// Bounds the work one request can cause; real offers have tens of lines.
constexpr int kMaxLines = 10000;

absl::Status FieldError(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

// The path of a line field, built only on the error path: validation runs on
// every submission and must not allocate per field.
std::string LinePath(int index, absl::string_view field) {
  return field.empty() ? absl::StrCat("lines[", index, "]")
                       : absl::StrCat("lines[", index, "].", field);
}

// Like ASSIGN_OR_RETURN, but an arithmetic failure (overflow) is prefixed
// with the field it happened on; the path is built only on failure.
#define SIGNOFF_ASSIGN_OR_FIELD_ERROR(lhs, expr, path) \
  SIGNOFF_INTERNAL_ASSIGN_OR_FIELD_ERROR(SIGNOFF_INTERNAL_CONCAT(_figure_, __LINE__), lhs, expr, path)
#define SIGNOFF_INTERNAL_ASSIGN_OR_FIELD_ERROR(result, lhs, expr, path) \
  auto result = (expr);                                               \
  if (!result.ok()) return FieldError(path, result.status().message()); \
  lhs = *result

// A money field: in the offer's (already validated) currency, exact.
absl::StatusOr<Decimal> OfferMoney(const v1::Money& money, absl::string_view currency,
                                   absl::FunctionRef<std::string()> path) {
  if (money.currency_code() != currency) {
    return FieldError(absl::StrCat(path(), ".currency_code"),
                      absl::StrCat("\"", money.currency_code(),
                                   "\" differs from the offer currency \"", currency, "\""));
  }
  absl::StatusOr<Decimal> amount = Decimal::FromUnitsAndNanos(money.units(), money.nanos());
  if (!amount.ok()) return FieldError(path(), amount.status().message());
  return *amount;
}

absl::StatusOr<Decimal> ParseDecimal(const v1::Decimal& value,
                                     absl::FunctionRef<std::string()> path) {
  absl::StatusOr<Decimal> parsed = Decimal::Parse(value.value());
  if (!parsed.ok()) return FieldError(path(), parsed.status().message());
  return *parsed;
}

// part / whole × 100, keeping nine fraction digits.
absl::StatusOr<Decimal> Percent(Decimal part, Decimal whole) {
  return MultiplyDivide(part, Decimal::FromUnits(100), whole);
}

// Fills `f` in place: LineFigures is large and this runs for every line.
absl::Status ComputeLine(const v1::OfferLine& line, int i, absl::string_view currency, int minor_digits,
                         LineFigures& f) {
  auto path = [i](absl::string_view field) { return [i, field] { return LinePath(i, field); }; };
  if (line.sku().empty()) return FieldError(LinePath(i, "sku"), "is required");
  if (!line.has_quantity()) return FieldError(LinePath(i, "quantity"), "is required");
  ASSIGN_OR_RETURN(f.quantity, ParseDecimal(line.quantity(), path("quantity")));
  if (f.quantity <= Decimal()) {
    return FieldError(LinePath(i, "quantity"),
                      absl::StrCat("must be > 0, got ", f.quantity.ToString()));
  }
  if (!line.has_unit_price()) return FieldError(LinePath(i, "unit_price"), "is required");
  ASSIGN_OR_RETURN(f.unit_price, OfferMoney(line.unit_price(), currency, path("unit_price")));
  if (f.unit_price.is_negative()) {
    return FieldError(LinePath(i, "unit_price"),
                      absl::StrCat("must be >= 0, got ", f.unit_price.ToString()));
  }
  if (line.has_discount_percent()) {
    ASSIGN_OR_RETURN(f.discount_percent,
                     ParseDecimal(line.discount_percent(), path("discount_percent")));
    if (f.discount_percent.is_negative() || f.discount_percent > Decimal::FromUnits(100)) {
      return FieldError(LinePath(i, "discount_percent"),
                        absl::StrCat("must be within 0..100, got ", f.discount_percent.ToString()));
    }
  }
  // One rounding to the minor unit per amount, as on an invoice. With a
  // discount, quantity × price keeps nine fraction digits before the discount
  // applies (exact for any realistic quantity and price).
  const Decimal one = Decimal::FromUnits(1), hundred = Decimal::FromUnits(100);
  SIGNOFF_ASSIGN_OR_FIELD_ERROR(f.list_amount, MultiplyDivide(f.quantity, f.unit_price, one, minor_digits),
                                LinePath(i, ""));
  if (f.discount_percent.is_zero()) {
    f.amount = f.list_amount;
  } else {
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(Decimal gross, Multiply(f.quantity, f.unit_price), LinePath(i, ""));
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(Decimal kept, Subtract(hundred, f.discount_percent), LinePath(i, ""));
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(f.amount, MultiplyDivide(gross, kept, hundred, minor_digits), LinePath(i, ""));
  }

  if (line.has_unit_cost()) {
    ASSIGN_OR_RETURN(Decimal cost, OfferMoney(line.unit_cost(), currency, path("unit_cost")));
    if (cost.is_negative()) {
      return FieldError(LinePath(i, "unit_cost"), absl::StrCat("must be >= 0, got ", cost.ToString()));
    }
    f.unit_cost = cost;
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(f.cost_amount, MultiplyDivide(f.quantity, cost, one, minor_digits),
                                  LinePath(i, ""));
    if (!f.amount.is_zero()) {
      SIGNOFF_ASSIGN_OR_FIELD_ERROR(Decimal profit, Subtract(f.amount, *f.cost_amount), LinePath(i, ""));
      SIGNOFF_ASSIGN_OR_FIELD_ERROR(f.margin_percent, Percent(profit, f.amount), LinePath(i, ""));
    }
  }
  if (line.has_amount()) {
    ASSIGN_OR_RETURN(Decimal claimed, OfferMoney(line.amount(), currency, path("amount")));
    if (claimed != f.amount) {
      return FieldError(LinePath(i, "amount"),
                        absl::StrCat(claimed.ToFixed(minor_digits),
                                     " disagrees with quantity × price × (1 − discount/100) = ",
                                     f.amount.ToFixed(minor_digits)));
    }
  }
  return absl::OkStatus();
}

// A money field in the offer currency with units and nanos both within
// 0..10^9 − 1, as billionths; false for anything else.
bool SmallMoneyNanos(const v1::Money& money, absl::string_view currency, int64_t& nanos) {
  constexpr int64_t kUnit = Decimal::kNanosPerUnit;
  if (money.units() < 0 || money.units() >= kUnit || money.nanos() < 0 || money.nanos() >= kUnit ||
      money.currency_code() != currency) {
    return false;
  }
  nanos = money.units() * kUnit + money.nanos();
  return true;
}

// The common line — plain quantity and discount (internal::ParsePlainNanos),
// price and cost below 10^9 units — computed like ComputeLine but in
// billionths, without a StatusOr per step: each StatusOr<Decimal> result
// made a round trip through memory that the CPU cannot forward, which cost
// about a fifth of a 20-line evaluation's time. Within these bounds every check of
// ComputeLine passes and no intermediate reaches 10^38 < 2^127, so the
// figures are exactly ComputeLine's. Returns false, leaving `f` alone, for
// any other line: ComputeLine then computes it or names the problem.
// `minor_unit` is the billionths in one minor unit (10^7 for kopecks).
bool ComputeCommonLine(const v1::OfferLine& line, absl::string_view currency, int64_t minor_unit,
                       LineFigures& f) {
  using internal::DivideRounded;
  constexpr int64_t kUnit = Decimal::kNanosPerUnit, kHundred = 100 * kUnit;
  if (line.sku().empty() || !line.has_quantity() || !line.has_unit_price()) return false;
  const std::optional<int64_t> quantity = internal::ParsePlainNanos(line.quantity().value());
  if (!quantity.has_value() || *quantity == 0) return false;
  int64_t price = 0, discount = 0, cost = 0;
  if (!SmallMoneyNanos(line.unit_price(), currency, price)) return false;
  if (line.has_discount_percent()) {
    const std::optional<int64_t> percent = internal::ParsePlainNanos(line.discount_percent().value());
    if (!percent.has_value() || *percent > kHundred) return false;
    discount = *percent;
  }
  const bool has_cost = line.has_unit_cost();
  if (has_cost && !SmallMoneyNanos(line.unit_cost(), currency, cost)) return false;

  // quantity × price with 18 fraction digits (< 10^36), then each figure
  // rounded once, as MultiplyDivide does in ComputeLine.
  const __int128 gross = __int128(*quantity) * price;
  const __int128 list_amount = DivideRounded(gross, __int128(kUnit) * minor_unit) * minor_unit;
  __int128 amount = list_amount;
  if (discount != 0) {
    amount = DivideRounded(DivideRounded(gross, kUnit) * (kHundred - discount), __int128(kHundred) * minor_unit) *
             minor_unit;
  }
  if (line.has_amount()) {
    int64_t claimed = 0;
    if (!SmallMoneyNanos(line.amount(), currency, claimed) || claimed != amount) return false;
  }
  __int128 cost_amount = 0, margin = 0;
  if (has_cost) {
    cost_amount = DivideRounded(__int128(*quantity) * cost, __int128(kUnit) * minor_unit) * minor_unit;
    if (amount != 0) {
      margin = DivideRounded((amount - cost_amount) * kHundred, amount);
      // A huge margin on a tiny amount: ComputeLine reports it.
      if (margin > Decimal::kMaxNanos || margin < -Decimal::kMaxNanos) return false;
    }
  }

  using internal::BoundedDecimal;
  f.quantity = BoundedDecimal(*quantity);
  f.unit_price = BoundedDecimal(price);
  f.discount_percent = BoundedDecimal(discount);
  f.list_amount = BoundedDecimal(list_amount);
  f.amount = BoundedDecimal(amount);
  f.unit_cost.reset();
  f.cost_amount.reset();
  f.margin_percent.reset();
  if (has_cost) {
    f.unit_cost = BoundedDecimal(cost);
    f.cost_amount = BoundedDecimal(cost_amount);
    if (amount != 0) f.margin_percent = BoundedDecimal(margin);
  }
  return true;
}

// Out of line: the loop below stays small enough to inline AddToTotal.
ABSL_ATTRIBUTE_NOINLINE absl::Status TotalOverflow(Decimal sum, Decimal term) {
  return FieldError("total", Add(sum, term).status().message());
}

// sum += term for the offer's sums, which grow by a term per line: in place,
// without a StatusOr per step (see ComputeCommonLine). Overflow is the
// "total" error Add reports.
absl::Status AddToTotal(Decimal& sum, Decimal term) {
  const __int128 nanos = sum.nanos() + term.nanos();  // both in range: no wrap
  if (nanos > Decimal::kMaxNanos || nanos < -Decimal::kMaxNanos) return TotalOverflow(sum, term);
  sum = internal::BoundedDecimal(nanos);
  return absl::OkStatus();
}

}  // namespace

absl::Status ComputeFiguresInto(const v1::Offer& offer, OfferFigures& figures) {
  figures.lines.clear();
  figures.total = figures.list_total = figures.cost_total = figures.costed_revenue = Decimal();
  figures.margin_percent.reset();
  figures.discount_percent.reset();
  figures.lines_without_cost = 0;
  if (offer.offer_id().empty()) return FieldError("offer_id", "is required");
  if (offer.offer_id().size() > kMaxOfferIdLength) {
    return FieldError("offer_id", absl::StrCat("must be at most ", kMaxOfferIdLength, " characters"));
  }
  if (offer.revision() < 1) {
    return FieldError("revision", absl::StrCat("must be >= 1, got ", offer.revision()));
  }
  if (offer.customer().id().empty()) return FieldError("customer.id", "is required");
  if (offer.manager_id().empty()) return FieldError("manager_id", "is required");
  absl::StatusOr<int> digits = CurrencyMinorDigits(offer.currency_code());
  if (!digits.ok()) return FieldError("currency_code", digits.status().message());
  figures.currency_code = offer.currency_code();
  figures.minor_digits = *digits;
  if (offer.lines().empty()) return FieldError("lines", "an offer needs at least one line");
  if (offer.lines_size() > kMaxLines) {
    return FieldError("lines", absl::StrCat("at most ", kMaxLines, " lines, got ", offer.lines_size()));
  }

  int64_t minor_unit = 1;  // billionths in one minor unit
  for (int d = figures.minor_digits; d < Decimal::kFractionDigits; ++d) minor_unit *= 10;
  figures.lines.reserve(offer.lines_size());
  for (int i = 0; i < offer.lines_size(); ++i) {
    LineFigures& line = figures.lines.emplace_back();
    if (!ComputeCommonLine(offer.lines(i), figures.currency_code, minor_unit, line)) {
      RETURN_IF_ERROR(ComputeLine(offer.lines(i), i, figures.currency_code, figures.minor_digits, line));
    }
    RETURN_IF_ERROR(AddToTotal(figures.total, line.amount));
    RETURN_IF_ERROR(AddToTotal(figures.list_total, line.list_amount));
    if (line.cost_amount.has_value()) {
      RETURN_IF_ERROR(AddToTotal(figures.cost_total, *line.cost_amount));
      RETURN_IF_ERROR(AddToTotal(figures.costed_revenue, line.amount));
    } else {
      ++figures.lines_without_cost;
    }
  }
  if (figures.lines_without_cost < offer.lines_size() && !figures.costed_revenue.is_zero()) {
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(Decimal profit, Subtract(figures.costed_revenue, figures.cost_total), "total");
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(figures.margin_percent, Percent(profit, figures.costed_revenue), "total");
  }
  if (!figures.list_total.is_zero()) {
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(Decimal off, Subtract(figures.list_total, figures.total), "total");
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(figures.discount_percent, Percent(off, figures.list_total), "total");
  }
  if (offer.has_total()) {
    ASSIGN_OR_RETURN(Decimal claimed, OfferMoney(offer.total(), figures.currency_code, [] { return std::string("total"); }));
    if (claimed != figures.total) {
      return FieldError("total", absl::StrCat(claimed.ToFixed(figures.minor_digits),
                                              " disagrees with the sum of the lines ",
                                              figures.total.ToFixed(figures.minor_digits)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<OfferFigures> ComputeFigures(const v1::Offer& offer) {
  OfferFigures figures;
  RETURN_IF_ERROR(ComputeFiguresInto(offer, figures));
  return figures;
}

absl::Status ValidateOffer(const v1::Offer& offer) { return ComputeFigures(offer).status(); }

v1::OfferFigures OfferFigures::ToProto() const {
  auto money = [this](Decimal amount) {
    v1::Money m;
    m.set_currency_code(currency_code);
    m.set_units(amount.units());
    m.set_nanos(amount.fractional_nanos());
    return m;
  };
  v1::OfferFigures proto;
  *proto.mutable_total() = money(total);
  *proto.mutable_list_total() = money(list_total);
  *proto.mutable_cost_total() = money(cost_total);
  if (margin_percent.has_value()) proto.mutable_margin_percent()->set_value(margin_percent->ToString());
  if (discount_percent.has_value()) {
    proto.mutable_discount_percent()->set_value(discount_percent->ToString());
  }
  proto.set_lines_without_cost(lines_without_cost);
  return proto;
}

}  // namespace signoff::policies
