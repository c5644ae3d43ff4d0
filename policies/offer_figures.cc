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

// Prefixes an arithmetic failure (overflow) with the field it happened on.
template <typename T>
absl::StatusOr<T> At(absl::string_view path, absl::StatusOr<T> value) {
  if (!value.ok()) return FieldError(path, value.status().message());
  return value;
}
template <typename T>
absl::StatusOr<T> AtLine(int index, absl::StatusOr<T> value) {
  if (!value.ok()) return FieldError(LinePath(index, ""), value.status().message());
  return value;
}

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
  ASSIGN_OR_RETURN(Decimal scaled, Multiply(part, Decimal::FromUnits(100)));
  return Divide(scaled, whole);
}

absl::StatusOr<LineFigures> ComputeLine(const v1::OfferLine& line, int i,
                                        absl::string_view currency, int minor_digits) {
  auto path = [i](absl::string_view field) { return [i, field] { return LinePath(i, field); }; };
  LineFigures f;
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
  // One rounding to the minor unit per line amount, as on an invoice; the
  // intermediate products keep nine fraction digits.
  ASSIGN_OR_RETURN(Decimal gross, AtLine(i, Multiply(f.quantity, f.unit_price)));
  f.list_amount = gross.RoundTo(minor_digits);
  if (f.discount_percent.is_zero()) {
    f.amount = f.list_amount;
  } else {
    ASSIGN_OR_RETURN(Decimal kept, AtLine(i, Subtract(Decimal::FromUnits(100), f.discount_percent)));
    ASSIGN_OR_RETURN(Decimal net_scaled, AtLine(i, Multiply(gross, kept)));
    ASSIGN_OR_RETURN(Decimal net, AtLine(i, Divide(net_scaled, Decimal::FromUnits(100))));
    f.amount = net.RoundTo(minor_digits);
  }

  if (line.has_unit_cost()) {
    ASSIGN_OR_RETURN(Decimal cost, OfferMoney(line.unit_cost(), currency, path("unit_cost")));
    if (cost.is_negative()) {
      return FieldError(LinePath(i, "unit_cost"), absl::StrCat("must be >= 0, got ", cost.ToString()));
    }
    f.unit_cost = cost;
    ASSIGN_OR_RETURN(Decimal cost_amount, AtLine(i, Multiply(f.quantity, cost)));
    f.cost_amount = cost_amount.RoundTo(minor_digits);
    if (!f.amount.is_zero()) {
      ASSIGN_OR_RETURN(Decimal profit, AtLine(i, Subtract(f.amount, *f.cost_amount)));
      ASSIGN_OR_RETURN(f.margin_percent, AtLine(i, Percent(profit, f.amount)));
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
  return f;
}

}  // namespace

absl::StatusOr<OfferFigures> ComputeFigures(const v1::Offer& offer) {
  if (offer.offer_id().empty()) return FieldError("offer_id", "is required");
  if (offer.offer_id().size() > kMaxOfferIdLength) {
    return FieldError("offer_id", absl::StrCat("must be at most ", kMaxOfferIdLength, " characters"));
  }
  if (offer.revision() < 1) {
    return FieldError("revision", absl::StrCat("must be >= 1, got ", offer.revision()));
  }
  if (offer.customer().id().empty()) return FieldError("customer.id", "is required");
  if (offer.manager_id().empty()) return FieldError("manager_id", "is required");
  OfferFigures figures;
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
    ASSIGN_OR_RETURN(LineFigures line,
                     ComputeLine(offer.lines(i), i, figures.currency_code, figures.minor_digits));
    ASSIGN_OR_RETURN(figures.total, At("total", Add(figures.total, line.amount)));
    ASSIGN_OR_RETURN(figures.list_total, At("total", Add(figures.list_total, line.list_amount)));
    if (line.cost_amount.has_value()) {
      ASSIGN_OR_RETURN(figures.cost_total, At("total", Add(figures.cost_total, *line.cost_amount)));
      ASSIGN_OR_RETURN(figures.costed_revenue,
                       At("total", Add(figures.costed_revenue, line.amount)));
    } else {
      ++figures.lines_without_cost;
    }
    figures.lines.push_back(std::move(line));
  }
  if (figures.lines_without_cost < offer.lines_size() && !figures.costed_revenue.is_zero()) {
    ASSIGN_OR_RETURN(Decimal profit, At("total", Subtract(figures.costed_revenue, figures.cost_total)));
    ASSIGN_OR_RETURN(figures.margin_percent, At("total", Percent(profit, figures.costed_revenue)));
  }
  if (!figures.list_total.is_zero()) {
    ASSIGN_OR_RETURN(Decimal off, At("total", Subtract(figures.list_total, figures.total)));
    ASSIGN_OR_RETURN(figures.discount_percent, At("total", Percent(off, figures.list_total)));
  }
  if (offer.has_total()) {
    ASSIGN_OR_RETURN(Decimal claimed, OfferMoney(offer.total(), figures.currency_code, [] { return std::string("total"); }));
    if (claimed != figures.total) {
      return FieldError("total", absl::StrCat(claimed.ToFixed(figures.minor_digits),
                                              " disagrees with the sum of the lines ",
                                              figures.total.ToFixed(figures.minor_digits)));
    }
  }
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
