#include "policies/decimal.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace signoff::policies {
namespace {

constexpr int64_t kPowersOf10[] = {1,         10,         100,         1000,
                                   10000,     100000,     1000000,     10000000,
                                   100000000, 1000000000};

// n is 0..9 everywhere it is used.
__int128 Pow10(int n) { return kPowersOf10[n]; }

constexpr int64_t kFractionScale[] = {1'000'000'000, 100'000'000, 10'000'000, 1'000'000, 100'000,
                                      10'000,        1'000,       100,        10,        1};

}  // namespace

namespace internal {

// Every evaluation divides a few times per offer line, and the generic
// 128-bit division (__divmodti4) dominated the profile, so the common shapes
// take shortcuts: both operands within 64 bits, or (on x86-64) a 64-bit
// divisor with a quotient that fits 64 bits, which one `divq` computes.
__int128 DivideRounded(__int128 numerator, __int128 divisor) {
  if (divisor <= std::numeric_limits<int64_t>::max()) {
    const uint64_t d = static_cast<uint64_t>(divisor);
    const bool negative = numerator < 0;
    const unsigned __int128 u =
        negative ? -static_cast<unsigned __int128>(numerator) : static_cast<unsigned __int128>(numerator);
    const uint64_t hi = static_cast<uint64_t>(u >> 64), lo = static_cast<uint64_t>(u);
    uint64_t q = 0, r = 0;
    bool done = false;
    if (hi == 0) {
      q = lo / d;
      r = lo % d;
      done = true;
    }
#if defined(__x86_64__)
    else if (hi < d) {
      __asm__("divq %4" : "=a"(q), "=d"(r) : "a"(lo), "d"(hi), "rm"(d));
      done = true;
    }
#endif
    if (done) {
      unsigned __int128 rounded = q;
      if (r >= d - r) rounded += 1;  // r >= d/2 without overflowing 2r
      return negative ? -static_cast<__int128>(rounded) : static_cast<__int128>(rounded);
    }
  }
  __int128 q = numerator / divisor;
  __int128 r = numerator % divisor;
  if (r < 0) r = -r;
  if (2 * r >= divisor) q += numerator < 0 ? -1 : 1;
  return q;
}

// Nearly every quantity and discount has this shape: one pass, and no room
// for overflow (at most 999999999.999999999).
std::optional<int64_t> ParsePlainNanos(absl::string_view s) {
  auto digit = [](char c) { return static_cast<unsigned>(c - '0') < 10; };
  size_t i = 0;
  int64_t whole = 0;
  // At most ten digits are read: a tenth means "too long for this path",
  // and reading on could overflow `whole`.
  for (; i < s.size() && i < 10 && digit(s[i]); ++i) whole = whole * 10 + (s[i] - '0');
  if (i == 0 || i > 9) return std::nullopt;
  if (i == s.size()) return whole * Decimal::kNanosPerUnit;
  const size_t frac_digits = s.size() - i - 1;
  if (s[i] != '.' || frac_digits == 0 || frac_digits > 9) return std::nullopt;
  int64_t frac = 0;
  for (++i; i < s.size(); ++i) {
    if (!digit(s[i])) return std::nullopt;
    frac = frac * 10 + (s[i] - '0');
  }
  return whole * Decimal::kNanosPerUnit + frac * kFractionScale[frac_digits];
}

}  // namespace internal

namespace {

// Appends "-" for a negative value and the digits of its whole part, and
// fills `fraction` with the nine fraction digits; returns the fraction in
// billionths. Written straight into the caller's string: decimal text is
// built for every reported measurement and sentence.
int64_t AppendWholePart(__int128 nanos, std::string* out, char (&fraction)[Decimal::kFractionDigits]) {
  if (nanos < 0) out->push_back('-');
  const unsigned __int128 magnitude =
      nanos < 0 ? -static_cast<unsigned __int128>(nanos) : static_cast<unsigned __int128>(nanos);
  // The whole part fits 64 bits (the range ends at 2^63 units); dividing the
  // magnitude itself needs 128 bits only beyond 2^64 billionths.
  uint64_t whole, frac;
  if (magnitude <= std::numeric_limits<uint64_t>::max()) {
    whole = static_cast<uint64_t>(magnitude) / Decimal::kNanosPerUnit;
    frac = static_cast<uint64_t>(magnitude) % Decimal::kNanosPerUnit;
  } else {
    whole = static_cast<uint64_t>(magnitude / Decimal::kNanosPerUnit);
    frac = static_cast<uint64_t>(magnitude % Decimal::kNanosPerUnit);
  }
  char digits[20];
  char* const end = digits + sizeof(digits);
  char* first = end;
  do {
    *--first = static_cast<char>('0' + whole % 10);
    whole /= 10;
  } while (whole != 0);
  out->append(first, end);
  for (int i = Decimal::kFractionDigits - 1, rest = static_cast<int>(frac); i >= 0; --i, rest /= 10) {
    fraction[i] = static_cast<char>('0' + rest % 10);
  }
  return static_cast<int64_t>(frac);
}

}  // namespace

absl::Status Decimal::OutOfRange(absl::string_view what) {
  return absl::OutOfRangeError(
      absl::StrCat(what, " overflows the exact decimal range (|value| < 9.2e18)"));
}

absl::StatusOr<Decimal> Decimal::FromUnitsAndNanos(int64_t units, int32_t nanos) {
  if (nanos <= -kNanosPerUnit || nanos >= kNanosPerUnit) {
    return absl::InvalidArgumentError(
        absl::StrCat("nanos must be within ±999999999, got ", nanos));
  }
  if ((units > 0 && nanos < 0) || (units < 0 && nanos > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("units (", units, ") and nanos (", nanos, ") must have the same sign"));
  }
  return Decimal(__int128(units) * kNanosPerUnit + nanos);
}

absl::StatusOr<Decimal> Decimal::Parse(absl::string_view text) {
  if (std::optional<int64_t> nanos = internal::ParsePlainNanos(text)) return Decimal(*nanos);
  absl::string_view s = absl::StripAsciiWhitespace(text);
  if (s.empty()) return absl::InvalidArgumentError("empty number");
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  // Every quantity and discount of every offer passes here: one pass in
  // 64-bit arithmetic for up to 18 whole digits (which cannot overflow);
  // longer numbers take the general path below.
  {
    uint64_t whole = 0, frac = 0;
    int whole_digits = 0, frac_digits = 0;
    bool dot = false, fast = true;
    for (char c : s) {
      if (c == '.' && !dot) {
        dot = true;
        continue;
      }
      if (c < '0' || c > '9') {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", text, "\" is not a decimal number (expected e.g. 12.5)"));
      }
      if (dot) {
        if (++frac_digits > kFractionDigits) {
          return absl::InvalidArgumentError(
              absl::StrCat("\"", text, "\" has more than 9 digits after the point"));
        }
        frac = frac * 10 + static_cast<uint64_t>(c - '0');
      } else if (++whole_digits > 18) {
        fast = false;
        break;
      } else {
        whole = whole * 10 + static_cast<uint64_t>(c - '0');
      }
    }
    if (fast) {
      if (whole_digits == 0 && frac_digits == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"", text, "\" is not a decimal number (expected e.g. 12.5)"));
      }
      const __int128 value = __int128(whole) * kNanosPerUnit +
                             __int128(frac) * kFractionScale[frac_digits];
      return Decimal(negative ? -value : value);
    }
  }
  absl::string_view whole = s, fraction;
  if (size_t dot = s.find('.'); dot != absl::string_view::npos) {
    whole = s.substr(0, dot);
    fraction = s.substr(dot + 1);
  }
  auto all_digits = [](absl::string_view p) {
    return std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if ((whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction)) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" is not a decimal number (expected e.g. 12.5)"));
  }
  if (fraction.size() > kFractionDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", text, "\" has more than 9 digits after the point"));
  }
  __int128 value = 0;
  for (char c : whole) {
    value = value * 10 + (c - '0');
    if (value > kMaxNanos) return OutOfRange(absl::StrCat("\"", text, "\""));
  }
  value *= kNanosPerUnit;
  __int128 frac = 0;
  for (char c : fraction) frac = frac * 10 + (c - '0');
  value += frac * Pow10(kFractionDigits - static_cast<int>(fraction.size()));
  if (value > kMaxNanos) return OutOfRange(absl::StrCat("\"", text, "\""));
  return Decimal(negative ? -value : value);
}

std::string Decimal::ToString() const {
  std::string out;
  AppendTo(&out);
  return out;
}

std::string Decimal::ToFixed(int digits) const {
  std::string out;
  AppendFixed(digits, &out);
  return out;
}

void Decimal::AppendTo(std::string* out) const {
  char fraction[kFractionDigits];
  int length = kFractionDigits;
  if (AppendWholePart(nanos_, out, fraction) == 0) return;
  while (fraction[length - 1] == '0') --length;
  out->push_back('.');
  out->append(fraction, length);
}

void Decimal::AppendFixed(int digits, std::string* out) const {
  digits = std::clamp(digits, 0, kFractionDigits);
  char fraction[kFractionDigits];
  AppendWholePart(RoundTo(digits).nanos_, out, fraction);
  if (digits == 0) return;
  out->push_back('.');
  out->append(fraction, digits);
}

Decimal Decimal::RoundTo(int digits) const {
  digits = std::clamp(digits, 0, kFractionDigits);
  __int128 step = Pow10(kFractionDigits - digits);
  // Rounding can add at most one step; the range leaves room for it except at
  // the very edge, where we clamp instead of overflowing.
  __int128 rounded = internal::DivideRounded(nanos_, step) * step;
  if (rounded > kMaxNanos) rounded -= step;
  if (rounded < -kMaxNanos) rounded += step;
  return Decimal(rounded);
}

absl::StatusOr<Decimal> Multiply(Decimal a, Decimal b) {
  __int128 product;
  if (__builtin_mul_overflow(a.nanos_, b.nanos_, &product)) return Decimal::OutOfRange("product");
  return Decimal::FromNanos(internal::DivideRounded(product, Decimal::kNanosPerUnit));
}

absl::StatusOr<Decimal> Divide(Decimal a, Decimal b) {
  if (b.nanos_ == 0) return absl::InvalidArgumentError("division by zero");
  __int128 numerator;
  if (__builtin_mul_overflow(a.nanos_, __int128(Decimal::kNanosPerUnit), &numerator)) {
    return Decimal::OutOfRange("quotient");
  }
  __int128 divisor = b.nanos_;
  if (divisor < 0) {
    divisor = -divisor;
    numerator = -numerator;
  }
  return Decimal::FromNanos(internal::DivideRounded(numerator, divisor));
}

Decimal Negate(Decimal a) { return Decimal(-a.nanos_); }

absl::StatusOr<Decimal> MultiplyDivide(Decimal a, Decimal b, Decimal c, int digits) {
  if (c.nanos_ == 0) return absl::InvalidArgumentError("division by zero");
  digits = std::clamp(digits, 0, Decimal::kFractionDigits);
  // a.n × b.n carries 18 fraction digits and c.n nine: dividing by
  // c.n × 10^(9 − digits) leaves `digits` of them in a single rounding.
  __int128 numerator;
  if (__builtin_mul_overflow(a.nanos_, b.nanos_, &numerator)) return Decimal::OutOfRange("product");
  const __int128 step = Pow10(Decimal::kFractionDigits - digits);
  __int128 divisor = c.nanos_ * step;  // |c| < 9.3e27, step <= 1e9: fits
  if (divisor < 0) {
    divisor = -divisor;
    numerator = -numerator;
  }
  __int128 quotient = internal::DivideRounded(numerator, divisor);
  __int128 result;
  if (__builtin_mul_overflow(quotient, step, &result)) return Decimal::OutOfRange("quotient");
  return Decimal::FromNanos(result);
}

}  // namespace signoff::policies
