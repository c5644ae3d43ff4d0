#include "client/format.h"

#include <algorithm>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "policies/decimal.h"
#include "policies/money.h"

namespace signoff::client {
namespace {

// "1234567" → "1 234 567" (the sign, if any, stays in front).
std::string GroupThousands(const std::string& digits) {
  size_t start = (!digits.empty() && digits[0] == '-') ? 1 : 0;
  std::string out = digits.substr(0, start);
  const size_t n = digits.size() - start;
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out.push_back(' ');
    out.push_back(digits[start + i]);
  }
  return out;
}

// Exact decimal text with at least `min_fraction` digits after the point.
std::string WithMinimumFraction(const std::string& exact, int min_fraction) {
  std::string integer = exact, fraction;
  if (size_t dot = exact.find('.'); dot != std::string::npos) {
    integer = exact.substr(0, dot);
    fraction = exact.substr(dot + 1);
  }
  if (static_cast<int>(fraction.size()) < min_fraction) fraction.append(min_fraction - fraction.size(), '0');
  std::string out = GroupThousands(integer);
  if (!fraction.empty()) absl::StrAppend(&out, ".", fraction);
  return out;
}

// Cuts `text` to `width` display columns, ending in "…" when cut.
std::string Truncate(const std::string& text, size_t width) {
  if (DisplayWidth(text) <= width || width == 0) return text;
  std::string out;
  size_t columns = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const bool starts_code_point = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_code_point && ++columns > width - 1) break;
    out.push_back(text[i]);
  }
  return out + "…";
}

}  // namespace

std::string FormatMoney(const v1::Money& money) {
  if (money.currency_code().empty() && money.units() == 0 && money.nanos() == 0) return "-";
  absl::StatusOr<policies::Decimal> amount = policies::Decimal::FromUnitsAndNanos(money.units(), money.nanos());
  if (!amount.ok()) {
    return absl::StrCat(money.units(), " + ", money.nanos(), "e-9 ", money.currency_code(), " (invalid)");
  }
  int minor_digits = 2;
  if (absl::StatusOr<int> digits = policies::CurrencyMinorDigits(money.currency_code()); digits.ok()) {
    minor_digits = *digits;
  }
  std::string number = WithMinimumFraction(amount->ToString(), minor_digits);
  return money.currency_code().empty() ? number : absl::StrCat(number, " ", money.currency_code());
}

std::string FormatPercent(const std::string& decimal_text) {
  if (decimal_text.empty()) return "-";
  absl::StatusOr<policies::Decimal> value = policies::Decimal::Parse(decimal_text);
  if (!value.ok()) return absl::StrCat(decimal_text, " %");
  return absl::StrCat(value->ToFixed(2), " %");
}

std::string HumanDuration(absl::Duration duration) {
  if (duration < absl::ZeroDuration()) return absl::StrCat("-", HumanDuration(-duration));
  const int64_t seconds = absl::ToInt64Seconds(duration);
  const int64_t days = seconds / 86400, hours = seconds % 86400 / 3600, minutes = seconds % 3600 / 60;
  if (days > 0) return hours > 0 ? absl::StrCat(days, " d ", hours, " h") : absl::StrCat(days, " d");
  if (hours > 0) return minutes > 0 ? absl::StrCat(hours, " h ", minutes, " min") : absl::StrCat(hours, " h");
  if (minutes > 0) return absl::StrCat(minutes, " min");
  return absl::StrCat(seconds, " s");
}

absl::StatusOr<absl::Time> ParseWhen(const std::string& text, absl::TimeZone zone, absl::Time now,
                                     bool end_of_day) {
  if (text == "now") return now;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    absl::Duration duration;
    std::string spec = text.substr(1);
    int64_t days = 0;
    if (!spec.empty() && spec.back() == 'd' && absl::SimpleAtoi(spec.substr(0, spec.size() - 1), &days)) {
      duration = absl::Hours(24 * days);
    } else if (!absl::ParseDuration(spec, &duration)) {
      return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not a relative time such as +3d, +12h, -30m"));
    }
    return text[0] == '+' ? now + duration : now - duration;
  }
  absl::Time time;
  std::string error;
  if (absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return time;
  for (const char* format : {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"}) {
    if (absl::ParseTime(format, text, zone, &time, &error)) return time;
  }
  if (absl::ParseTime("%Y-%m-%d", text, zone, &time, &error)) {
    if (!end_of_day) return time;
    absl::CivilDay day = absl::ToCivilDay(time, zone);
    return absl::FromCivil(day + 1, zone);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", text, "\" is not a time: use 2026-12-05, \"2026-12-05 18:00\", RFC 3339, now, or +3d / -12h"));
}

absl::Time ToAbslTime(const google::protobuf::Timestamp& time) {
  return absl::FromUnixSeconds(time.seconds()) + absl::Nanoseconds(time.nanos());
}

google::protobuf::Timestamp ToProtoTime(absl::Time time) {
  google::protobuf::Timestamp out;
  const int64_t nanos = absl::ToUnixNanos(time);
  int64_t seconds = nanos / 1'000'000'000;
  int64_t rest = nanos % 1'000'000'000;
  if (rest < 0) {
    rest += 1'000'000'000;
    --seconds;
  }
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rest));
  return out;
}

std::string FormatTime(const google::protobuf::Timestamp& time, absl::TimeZone zone, bool with_seconds) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  return absl::FormatTime(with_seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", ToAbslTime(time), zone);
}

std::string FormatTimeFromNow(const google::protobuf::Timestamp& time, absl::Time now, absl::TimeZone zone) {
  if (time.seconds() == 0 && time.nanos() == 0) return "-";
  absl::Duration delta = ToAbslTime(time) - now;
  std::string relative = delta >= absl::ZeroDuration() ? absl::StrCat("in ", HumanDuration(delta))
                                                       : absl::StrCat(HumanDuration(-delta), " ago");
  return absl::StrCat(FormatTime(time, zone), " (", relative, ")");
}

size_t DisplayWidth(const std::string& text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> header;
  for (const Column& column : columns_) header.push_back(column.header);
  lines.push_back(std::move(header));
  for (const auto& row : rows_) {
    std::vector<std::string> cut;
    for (size_t c = 0; c < columns_.size(); ++c) cut.push_back(Truncate(row[c], columns_[c].max_width));
    lines.push_back(std::move(cut));
  }
  std::vector<size_t> widths(columns_.size(), 0);
  for (const auto& line : lines) {
    for (size_t c = 0; c < line.size(); ++c) widths[c] = std::max(widths[c], DisplayWidth(line[c]));
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      const size_t pad = widths[c] - DisplayWidth(line[c]);
      if (c > 0) text += "  ";
      if (columns_[c].align == Align::kRight) {
        text.append(pad, ' ');
        text += line[c];
      } else {
        text += line[c];
        text.append(pad, ' ');
      }
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    absl::StrAppend(&out, text, "\n");
  }
  return out;
}

}  // namespace signoff::client
