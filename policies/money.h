#pragma once

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "policies/decimal.h"
#include "signoff/v1/money.pb.h"

namespace signoff::policies {

// Digits after the point that an ISO 4217 currency uses on invoices (RUB 2,
// JPY 0, KWD 3), or an error naming the code when we do not know it.
absl::StatusOr<int> CurrencyMinorDigits(absl::string_view currency_code);

// An exact amount in one currency. Arithmetic across currencies is an error,
// never an implicit conversion.
class Money {
 public:
  // Validates the code (a known ISO 4217 currency) and the units/nanos pair.
  static absl::StatusOr<Money> FromProto(const v1::Money& proto);
  static absl::StatusOr<Money> Create(absl::string_view currency_code, Decimal amount);
  // For literals in tests and tools: Money::Parse("RUB", "1500.25").
  static absl::StatusOr<Money> Parse(absl::string_view currency_code, absl::string_view amount);

  const std::string& currency_code() const { return currency_code_; }
  const Decimal& amount() const { return amount_; }
  v1::Money ToProto() const;
  // "1500.25 RUB", with the currency's minor digits.
  std::string ToString() const;

  // Rounded half away from zero to the currency's minor unit (kopecks, cents).
  Money RoundToMinorUnit() const;

  friend bool operator==(const Money&, const Money&) = default;

 private:
  Money(std::string currency_code, Decimal amount, int minor_digits)
      : currency_code_(std::move(currency_code)), amount_(amount), minor_digits_(minor_digits) {}
  std::string currency_code_;
  Decimal amount_;
  int minor_digits_ = 2;
};

// Currency mismatch → INVALID_ARGUMENT naming both codes; overflow → OUT_OF_RANGE.
absl::StatusOr<Money> Add(const Money& a, const Money& b);
absl::StatusOr<Money> Subtract(const Money& a, const Money& b);
// amount × factor (a quantity, a ratio), rounded to 9 fraction digits.
absl::StatusOr<Money> Multiply(const Money& a, Decimal factor);
// Ordering is only defined within one currency.
absl::StatusOr<int> Compare(const Money& a, const Money& b);

}  // namespace signoff::policies
