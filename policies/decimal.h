#pragma once

#include <compare>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"

namespace signoff::policies {

class Decimal;
namespace internal {
Decimal BoundedDecimal(__int128 nanos);
}  // namespace internal

// An exact decimal number with 9 fractional digits (fixed point, stored as a
// count of billionths). Quantities, percentages and money amounts are all
// Decimals, so no value the service judges ever passes through a double.
//
// The magnitude is bounded by what fits a protobuf Money (int64 units): any
// operation that would leave that range fails with OUT_OF_RANGE instead of
// wrapping around.
class Decimal {
 public:
  static constexpr int kFractionDigits = 9;
  static constexpr int64_t kNanosPerUnit = 1'000'000'000;
  // Largest magnitude a Decimal may hold: what a protobuf Money can carry.
  static constexpr __int128 kMaxNanos = __int128(INT64_MAX) * kNanosPerUnit + (kNanosPerUnit - 1);

  constexpr Decimal() = default;

  // Parses "12", "-0.5", "+3.125", "1e" is rejected; at most 9 fraction digits.
  static absl::StatusOr<Decimal> Parse(absl::string_view text);
  // Whole units plus billionths; both must carry the same sign (or be zero).
  static absl::StatusOr<Decimal> FromUnitsAndNanos(int64_t units, int32_t nanos);
  static Decimal FromUnits(int64_t units) { return Decimal(__int128(units) * kNanosPerUnit); }
  // Inline, as are Add and Subtract: aggregates and figures add a value per line.
  static absl::StatusOr<Decimal> FromNanos(__int128 nanos) {
    if (nanos > kMaxNanos || nanos < -kMaxNanos) return OutOfRange("value");
    return Decimal(nanos);
  }

  __int128 nanos() const { return nanos_; }
  int64_t units() const { return static_cast<int64_t>(nanos_ / kNanosPerUnit); }
  int32_t fractional_nanos() const { return static_cast<int32_t>(nanos_ % kNanosPerUnit); }
  bool is_zero() const { return nanos_ == 0; }
  bool is_negative() const { return nanos_ < 0; }

  // Shortest exact text: "12.5", "-3", "0.000000001".
  std::string ToString() const;
  // Rounded (half away from zero) to `digits` fraction digits, always showing
  // them: ToFixed(2) of 3.205 is "3.21". For display only.
  std::string ToFixed(int digits) const;
  // ToString and ToFixed appended to `out`: sentences and measurements are
  // built without a temporary string per number.
  void AppendTo(std::string* out) const;
  void AppendFixed(int digits, std::string* out) const;

  // Rounds half away from zero to `digits` fraction digits (0..9) — the
  // commercial rounding used on invoices.
  Decimal RoundTo(int digits) const;

  friend auto operator<=>(const Decimal&, const Decimal&) = default;
  friend bool operator==(const Decimal&, const Decimal&) = default;

 private:
  explicit constexpr Decimal(__int128 nanos) : nanos_(nanos) {}
  // "<what> overflows the exact decimal range ...".
  static absl::Status OutOfRange(absl::string_view what);
  __int128 nanos_ = 0;

  friend absl::StatusOr<Decimal> Add(Decimal, Decimal);
  friend absl::StatusOr<Decimal> Subtract(Decimal, Decimal);
  friend absl::StatusOr<Decimal> Multiply(Decimal, Decimal);
  friend absl::StatusOr<Decimal> Divide(Decimal, Decimal);
  friend Decimal Negate(Decimal);
  friend absl::StatusOr<Decimal> MultiplyDivide(Decimal, Decimal, Decimal, int);
  friend Decimal internal::BoundedDecimal(__int128);
};

inline absl::StatusOr<Decimal> Add(Decimal a, Decimal b) {
  return Decimal::FromNanos(a.nanos_ + b.nanos_);  // both < 2^127 / 2: no wrap
}
inline absl::StatusOr<Decimal> Subtract(Decimal a, Decimal b) {
  return Decimal::FromNanos(a.nanos_ - b.nanos_);
}
// Exact product rounded half away from zero to 9 fraction digits.
absl::StatusOr<Decimal> Multiply(Decimal a, Decimal b);
// Quotient rounded half away from zero to 9 fraction digits; b must be non-zero.
absl::StatusOr<Decimal> Divide(Decimal a, Decimal b);
Decimal Negate(Decimal a);
// a × b / c computed exactly and rounded once, half away from zero, to
// `digits` fraction digits (0..9): a line amount, quantity × price rounded
// to kopecks, or a percentage part × 100 / whole. c must be non-zero.
absl::StatusOr<Decimal> MultiplyDivide(Decimal a, Decimal b, Decimal c,
                                       int digits = Decimal::kFractionDigits);

namespace internal {

// The integer core of the Decimal arithmetic, for the loop that keeps values
// in billionths (offer line figures, offer_figures.cc): a StatusOr per step
// costs more there than the arithmetic itself.

// Billionths of a plain "12" or "10.5" (at most 9 digits either side of the
// point; no sign, spaces or exponent), as Decimal::Parse reads it; nullopt
// for any other text.
std::optional<int64_t> ParsePlainNanos(absl::string_view text);

// numerator / divisor rounded half away from zero; divisor > 0.
__int128 DivideRounded(__int128 numerator, __int128 divisor);

// A Decimal of billionths that the caller has already bounded to the range,
// without a StatusOr to unwrap. Out of range is a bug in the caller: aborts.
inline Decimal BoundedDecimal(__int128 nanos) {
  if (nanos > Decimal::kMaxNanos || nanos < -Decimal::kMaxNanos) std::abort();
  return Decimal(nanos);
}

}  // namespace internal
}  // namespace signoff::policies
