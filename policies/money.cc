#include "policies/money.h"

#include <array>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace signoff::policies {
namespace {

struct CurrencyInfo {
  absl::string_view code;
  int minor_digits;
};

// The currencies a Russian B2B distributor meets in practice. Adding one is a
// one-line change; an unknown code is rejected rather than guessed at.
constexpr std::array kCurrencies = {
    CurrencyInfo{"AED", 2}, CurrencyInfo{"AMD", 2}, CurrencyInfo{"BYN", 2},
    CurrencyInfo{"CHF", 2}, CurrencyInfo{"CNY", 2}, CurrencyInfo{"EUR", 2},
    CurrencyInfo{"GBP", 2}, CurrencyInfo{"INR", 2}, CurrencyInfo{"JPY", 0},
    CurrencyInfo{"KGS", 2}, CurrencyInfo{"KRW", 0}, CurrencyInfo{"KWD", 3},
    CurrencyInfo{"KZT", 2}, CurrencyInfo{"RUB", 2}, CurrencyInfo{"TRY", 2},
    CurrencyInfo{"UAH", 2}, CurrencyInfo{"USD", 2}, CurrencyInfo{"UZS", 2},
};

absl::Status Mismatch(const Money& a, const Money& b) {
  return absl::InvalidArgumentError(absl::StrCat(
      "currency mismatch: ", a.currency_code(), " and ", b.currency_code(),
      " cannot be combined without an explicit conversion"));
}

}  // namespace

absl::StatusOr<int> CurrencyMinorDigits(absl::string_view currency_code) {
  for (const CurrencyInfo& c : kCurrencies) {
    if (c.code == currency_code) return c.minor_digits;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown currency code \"", currency_code, "\" (expected an ISO 4217 code such as RUB)"));
}

absl::StatusOr<Money> Money::Create(absl::string_view currency_code, Decimal amount) {
  absl::StatusOr<int> digits = CurrencyMinorDigits(currency_code);
  if (!digits.ok()) return digits.status();
  return Money(std::string(currency_code), amount, *digits);
}

absl::StatusOr<Money> Money::FromProto(const v1::Money& proto) {
  absl::StatusOr<Decimal> amount = Decimal::FromUnitsAndNanos(proto.units(), proto.nanos());
  if (!amount.ok()) return amount.status();
  return Create(proto.currency_code(), *amount);
}

absl::StatusOr<Money> Money::Parse(absl::string_view currency_code, absl::string_view amount) {
  absl::StatusOr<Decimal> value = Decimal::Parse(amount);
  if (!value.ok()) return value.status();
  return Create(currency_code, *value);
}

v1::Money Money::ToProto() const {
  v1::Money proto;
  proto.set_currency_code(currency_code_);
  proto.set_units(amount_.units());
  proto.set_nanos(amount_.fractional_nanos());
  return proto;
}

std::string Money::ToString() const {
  return absl::StrCat(amount_.ToFixed(minor_digits_), " ", currency_code_);
}

Money Money::RoundToMinorUnit() const {
  return Money(currency_code_, amount_.RoundTo(minor_digits_), minor_digits_);
}

absl::StatusOr<Money> Add(const Money& a, const Money& b) {
  if (a.currency_code() != b.currency_code()) return Mismatch(a, b);
  absl::StatusOr<Decimal> sum = Add(a.amount(), b.amount());
  if (!sum.ok()) return sum.status();
  return Money::Create(a.currency_code(), *sum);
}

absl::StatusOr<Money> Subtract(const Money& a, const Money& b) {
  if (a.currency_code() != b.currency_code()) return Mismatch(a, b);
  absl::StatusOr<Decimal> difference = Subtract(a.amount(), b.amount());
  if (!difference.ok()) return difference.status();
  return Money::Create(a.currency_code(), *difference);
}

absl::StatusOr<Money> Multiply(const Money& a, Decimal factor) {
  absl::StatusOr<Decimal> product = Multiply(a.amount(), factor);
  if (!product.ok()) return product.status();
  return Money::Create(a.currency_code(), *product);
}

absl::StatusOr<int> Compare(const Money& a, const Money& b) {
  if (a.currency_code() != b.currency_code()) return Mismatch(a, b);
  if (a.amount() < b.amount()) return -1;
  return a.amount() == b.amount() ? 0 : 1;
}

}  // namespace signoff::policies
