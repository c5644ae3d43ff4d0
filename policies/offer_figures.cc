#include "policies/offer_figures.h"

#include <utility>

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

  figures.lines.reserve(offer.lines_size());
  for (int i = 0; i < offer.lines_size(); ++i) {
    LineFigures& line = figures.lines.emplace_back();
    RETURN_IF_ERROR(ComputeLine(offer.lines(i), i, figures.currency_code, figures.minor_digits, line));
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(figures.total, Add(figures.total, line.amount), "total");
    SIGNOFF_ASSIGN_OR_FIELD_ERROR(figures.list_total, Add(figures.list_total, line.list_amount), "total");
    if (line.cost_amount.has_value()) {
      SIGNOFF_ASSIGN_OR_FIELD_ERROR(figures.cost_total, Add(figures.cost_total, *line.cost_amount), "total");
      SIGNOFF_ASSIGN_OR_FIELD_ERROR(figures.costed_revenue, Add(figures.costed_revenue, line.amount), "total");
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
