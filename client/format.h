#pragma once

// Rendering for people: exact money, percentages, local times, human
// durations and aligned tables. Pure functions, no I/O, so they are unit
// tested without a server.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"
#include "signoff/v1/money.pb.h"

namespace signoff::client {

// "1 234 567.89 RUB": thousands grouped by spaces, at least the currency's
// minor digits (two for RUB, zero for JPY; two when the code is unknown),
// more when the amount has them — an amount is never rounded for display.
// Empty currency: the number alone. Unset money: "-".
std::string FormatMoney(const v1::Money& money);

// "12.5" → "12.50 %" (two decimals, rounded half away from zero); "" → "-".
std::string FormatPercent(const std::string& decimal_text);

// "3 h 12 min", "2 d 4 h", "45 s", "12 min"; negative durations get a
// leading "-". Two units at most: the finer ones do not help a person.
std::string HumanDuration(absl::Duration duration);

// "2026-11-28 22:09" in `zone` (seconds too when `with_seconds`); unset → "-".
std::string FormatTime(const google::protobuf::Timestamp& time, absl::TimeZone zone,
                       bool with_seconds = false);

// "2026-11-29 02:09 (in 4 h)" / "(5 min ago)" relative to `now`.
std::string FormatTimeFromNow(const google::protobuf::Timestamp& time, absl::Time now,
                              absl::TimeZone zone);

// A time typed by a person, in `zone` unless it carries an offset:
// "2026-12-05" (midnight; with `end_of_day` the next midnight, so that
// "--until 2026-12-05" includes that day), "2026-12-05 18:00",
// "2026-12-05T18:00:00", RFC 3339 "2026-12-05T18:00:00+03:00", "now",
// and relative "+3d", "-2h", "+90m" from `now`.
absl::StatusOr<absl::Time> ParseWhen(const std::string& text, absl::TimeZone zone, absl::Time now,
                                     bool end_of_day = false);

absl::Time ToAbslTime(const google::protobuf::Timestamp& time);
google::protobuf::Timestamp ToProtoTime(absl::Time time);

// Display width in terminal columns: code points, not bytes (names are often
// Cyrillic, and reasons contain "—").
size_t DisplayWidth(const std::string& text);

// An aligned text table: a header row, then rows, columns separated by two
// spaces, no trailing blanks. Cells wider than `max_width` are cut with "…".
class Table {
 public:
  enum class Align { kLeft, kRight };
  struct Column {
    std::string header;
    Align align = Align::kLeft;
    size_t max_width = 60;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  // Missing cells are blank; extra cells are an error in the caller, dropped.
  void AddRow(std::vector<std::string> cells);
  size_t rows() const { return rows_.size(); }
  std::string Render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace signoff::client
