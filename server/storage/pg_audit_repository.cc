#include "server/storage/pg_audit_repository.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <pqxx/pqxx>
#include <tuple>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "server/storage/pg_error.h"
#include "server/storage/pg_values.h"

namespace signoff::storage {
namespace {

constexpr int kMaxPageSize = 1000;
constexpr char kTokenPrefix[] = "d1";

// PostgreSQL's timestamptz runs from 4713 BC; we keep to years 1..9999,
// which absl formats plainly, and map anything outside to ±infinity (which
// compares exactly like the out-of-range instant would).
const absl::Time kEarliest = absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
const absl::Time kLatest = absl::FromCivil(absl::CivilSecond(9999, 12, 31, 23, 59, 59),
                                           absl::UTCTimeZone());

// A timestamptz literal for a bound. Stored times have whole microseconds,
// so a bound with a fraction of one is rounded up: for a stored m,
// m >= t ⇔ m >= ceil(t) and m < t ⇔ m < ceil(t).
std::string PgTimestamp(absl::Time t) {
  if (t < kEarliest) return "-infinity";
  if (t > kLatest) return "infinity";
  int64_t micros = absl::ToUnixMicros(t);
  if (absl::FromUnixMicros(micros) < t) ++micros;
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

std::string StatusFilter(v1::OfferStatus status) {
  if (status == v1::OFFER_STATUS_UNSPECIFIED) return "";
  return internal::StatusColumn(status);
}

std::string OutcomeFilter(v1::Outcome outcome) {
  if (outcome == v1::OUTCOME_UNSPECIFIED) return "";
  return internal::OutcomeColumn(outcome);
}

}  // namespace

namespace internal {

std::string EncodePageToken(const DecisionPosition& position) {
  // The offer id goes last: it may hold any character, ':' included.
  return absl::WebSafeBase64Escape(absl::StrCat(kTokenPrefix, ":", position.submitted_at_micros,
                                                ":", position.revision, ":", position.offer_id));
}

absl::StatusOr<DecisionPosition> DecodePageToken(const std::string& token) {
  const auto bad = absl::InvalidArgumentError(
      "page_token: not a token from a previous page of this query; start again with an empty "
      "page_token");
  std::string raw;
  if (!absl::WebSafeBase64Unescape(token, &raw)) return bad;
  std::vector<std::string> parts = absl::StrSplit(raw, absl::MaxSplits(':', 3));
  DecisionPosition position;
  if (parts.size() != 4 || parts[0] != kTokenPrefix ||
      !absl::SimpleAtoi(parts[1], &position.submitted_at_micros) ||
      !absl::SimpleAtoi(parts[2], &position.revision) || position.revision < 0) {
    return bad;
  }
  absl::Time at = absl::FromUnixMicros(position.submitted_at_micros);
  if (at < kEarliest || at > kLatest) return bad;
  position.offer_id = std::move(parts[3]);
  return position;
}

}  // namespace internal

absl::StatusOr<workflow::DecisionPage> PgAuditRepository::QueryDecisions(
    const workflow::DecisionQuery& query) {
  if (query.page_size < 1 || query.page_size > kMaxPageSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_size: must be between 1 and ", kMaxPageSize, ", got ", query.page_size));
  }
  if (!v1::OfferStatus_IsValid(query.status)) {
    return absl::InvalidArgumentError(absl::StrCat("status: unknown value ", query.status));
  }
  if (!v1::Outcome_IsValid(query.outcome)) {
    return absl::InvalidArgumentError(absl::StrCat("outcome: unknown value ", query.outcome));
  }
  // Before the first page: after a row later than any, so nothing is skipped.
  std::string after_at = "infinity";
  internal::DecisionPosition after;
  if (!query.page_token.empty()) {
    absl::StatusOr<internal::DecisionPosition> decoded = internal::DecodePageToken(query.page_token);
    if (!decoded.ok()) return decoded.status();
    after = std::move(*decoded);
    after_at = PgTimestamp(absl::FromUnixMicros(after.submitted_at_micros));
  }

  workflow::DecisionPage page;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    try {
      pqxx::read_transaction tx(conn);
      // Plan every execution with its actual filter values (see audit_decisions.sql);
      // a generic plan would have to serve all filter combinations with one index.
      tx.exec("SET LOCAL plan_cache_mode = force_custom_plan");
      // One row more than asked tells whether another page follows.
      pqxx::result rows = tx.exec_prepared(
          "audit_decisions", PgTimestamp(query.from), PgTimestamp(query.to), after_at,
          after.offer_id, after.revision, query.manager_id, query.customer_id, query.rule_id,
          query.approver_id, StatusFilter(query.status), OutcomeFilter(query.outcome),
          static_cast<int64_t>(query.page_size) + 1);
      const int returned = std::min<int>(static_cast<int>(rows.size()), query.page_size);
      page.records.reserve(returned);
      for (int i = 0; i < returned; ++i) {
        auto record = internal::ParseProto<v1::OfferRecord>(rows[i][0]);
        if (!record.ok()) return record.status();
        page.records.push_back(std::move(*record));
      }
      if (static_cast<int>(rows.size()) > query.page_size) {
        const pqxx::row last = rows[returned - 1];
        page.next_page_token = internal::EncodePageToken(
            {last[1].as<int64_t>(), last[2].as<std::string>(), last[3].as<int64_t>()});
      }
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, "querying decisions");
    }
  });
  if (!status.ok()) return status;
  return page;
}

namespace {

// "2026-11-28", or ±infinity beyond the range we format.
std::string PgDate(absl::CivilDay day) {
  if (day.year() < 1) return "-infinity";
  if (day.year() > 9999) return "infinity";
  return absl::FormatCivilTime(day);
}

// How a period splits: whole UTC months (monthly rollup), the whole days
// left at either end (daily rollup), and the partial days at the edges
// (read from the revisions). Empty ranges are [x, x).
struct PeriodSplit {
  std::string month_from = "infinity", month_to = "infinity";
  std::string days1_from = "infinity", days1_to = "infinity";
  std::string days2_from = "infinity", days2_to = "infinity";
  std::string edge1_from, edge1_to, edge2_from, edge2_to;
};

absl::CivilDay FirstOfMonth(absl::CivilDay day) {
  return absl::CivilDay(absl::CivilMonth(day));
}

PeriodSplit SplitPeriod(absl::Time from, absl::Time to) {
  const absl::TimeZone utc = absl::UTCTimeZone();
  PeriodSplit split;
  split.edge1_from = PgTimestamp(from);
  split.edge1_to = PgTimestamp(to);
  split.edge2_from = split.edge2_to = split.edge1_to;  // empty
  const bool open_start = from < kEarliest, open_end = to > kLatest;
  absl::CivilDay first = open_start ? absl::CivilDay(0, 1, 1) : absl::ToCivilDay(from, utc);
  if (!open_start && absl::FromCivil(first, utc) < from) first += 1;
  absl::CivilDay end = open_end ? absl::CivilDay(10000, 1, 1) : absl::ToCivilDay(to, utc);
  if (first >= end) return split;  // no whole day: read the period directly
  split.edge1_to = open_start ? split.edge1_from : PgTimestamp(absl::FromCivil(first, utc));
  split.edge2_from = open_end ? split.edge2_to : PgTimestamp(absl::FromCivil(end, utc));
  absl::CivilDay first_month = FirstOfMonth(first);
  if (first_month < first) first_month = absl::CivilDay(absl::CivilMonth(first) + 1);
  const absl::CivilDay end_month = FirstOfMonth(end);
  if (first_month >= end_month) {  // no whole month: whole days only
    split.days1_from = PgDate(first);
    split.days1_to = PgDate(end);
    return split;
  }
  split.month_from = PgDate(first_month);
  split.month_to = PgDate(end_month);
  split.days1_from = PgDate(first);
  split.days1_to = PgDate(first_month);
  split.days2_from = PgDate(end_month);
  split.days2_to = PgDate(end);
  return split;
}

// percentile_cont: linear interpolation between the closest ranks, then
// rounded half away from zero to whole seconds. `sorted` is not empty.
int64_t PercentileSeconds(const std::vector<int64_t>& sorted, long double p) {
  long double position = p * static_cast<long double>(sorted.size() - 1);
  size_t lower = static_cast<size_t>(position);
  size_t upper = std::min(lower + 1, sorted.size() - 1);
  long double fraction = position - static_cast<long double>(lower);
  long double micros = sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
  return static_cast<int64_t>(std::llround(micros / 1'000'000.0L));
}

void SetWaits(std::vector<int64_t>& waits, v1::DurationPercentiles* out) {
  out->set_count(static_cast<int64_t>(waits.size()));
  if (waits.empty()) return;
  std::sort(waits.begin(), waits.end());
  out->set_p50_seconds(PercentileSeconds(waits, 0.5L));
  out->set_p90_seconds(PercentileSeconds(waits, 0.9L));
}

struct GroupFigures {
  int64_t decisions = 0, approved = 0, rejected = 0;
  std::vector<int64_t> waits;
};

std::vector<std::string> TextArray(const pqxx::field& field) {
  std::vector<std::string> values;
  pqxx::array_parser parser = field.as_array();
  for (auto [juncture, value] = parser.get_next(); juncture != pqxx::array_parser::juncture::done;
       std::tie(juncture, value) = parser.get_next()) {
    if (juncture == pqxx::array_parser::juncture::string_value) values.push_back(std::move(value));
  }
  return values;
}

// "83.25": 100 × part / whole rounded half away from zero to two decimals,
// in integers (no floating point near a figure people read as exact).
std::string Percent(int64_t part, int64_t whole) {
  if (whole == 0) return "0.00";
  __int128 hundredths = (__int128(part) * 20000 + whole) / (__int128(whole) * 2);
  int64_t h = static_cast<int64_t>(hundredths);
  return absl::StrCat(h / 100, ".", h % 100 < 10 ? "0" : "", h % 100);
}

}  // namespace

absl::StatusOr<v1::DecisionStatistics> PgAuditRepository::Statistics(absl::Time from,
                                                                     absl::Time to) {
  v1::DecisionStatistics stats;
  stats.set_auto_approval_rate_percent("0.00");
  const PeriodSplit split = SplitPeriod(from, to);
  // dimension → key → figures; std::map keeps the groups sorted by key.
  std::map<std::string, std::map<std::string, GroupFigures>> groups;
  std::vector<int64_t> all_waits;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    try {
      // Both reads see one snapshot, so the figures agree with each other.
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
      tx.exec("SET LOCAL jit = off");  // compiling costs more than these queries
      tx.exec("SET LOCAL work_mem = '64MB'");  // hash the rollup rows, do not sort them
      for (const pqxx::row& row :
           tx.exec_prepared("audit_statistics_counts", split.month_from, split.month_to,
                            split.days1_from, split.days1_to, split.days2_from, split.days2_to,
                            split.edge1_from, split.edge1_to, split.edge2_from, split.edge2_to)) {
        const std::string dimension = row["dimension"].as<std::string>();
        const std::string state = row["status"].as<std::string>();
        const std::string outcome = row["outcome"].as<std::string>();
        const int64_t n = row["n"].as<int64_t>();
        GroupFigures& group = groups[dimension][row["key"].as<std::string>()];
        group.decisions += n;
        if (state == "APPROVED") group.approved += n;
        if (state == "REJECTED") group.rejected += n;
        // Every revision has exactly one manager: the manager rows are the totals.
        if (dimension == "manager") {
          stats.set_total(stats.total() + n);
          (*stats.mutable_by_status())[state] += n;
          (*stats.mutable_by_outcome())[outcome] += n;
          if (outcome == "APPROVED") stats.set_auto_approved(stats.auto_approved() + n);
        }
      }
      for (const pqxx::row& row : tx.exec_prepared("audit_statistics_waits", PgTimestamp(from),
                                                   PgTimestamp(to))) {
        const int64_t wait = row["wait_micros"].as<int64_t>();
        all_waits.push_back(wait);
        groups["manager"][row["manager_id"].as<std::string>()].waits.push_back(wait);
        for (const std::string& rule : TextArray(row["rule_ids"])) {
          groups["rule"][rule].waits.push_back(wait);
        }
        for (const std::string& approver : TextArray(row["approver_ids"])) {
          groups["approver"][approver].waits.push_back(wait);
        }
      }
      tx.commit();
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, "computing decision statistics");
    }
  });
  if (!status.ok()) return status;
  stats.set_auto_approval_rate_percent(Percent(stats.auto_approved(), stats.total()));
  SetWaits(all_waits, stats.mutable_time_to_decision());
  for (auto& [dimension, by_key] : groups) {
    for (auto& [key, figures] : by_key) {
      v1::GroupStatistics* group = dimension == "manager" ? stats.add_per_manager()
                                   : dimension == "rule"  ? stats.add_per_rule()
                                                          : stats.add_per_approver();
      group->set_key(key);
      group->set_decisions(figures.decisions);
      group->set_approved(figures.approved);
      group->set_rejected(figures.rejected);
      SetWaits(figures.waits, group->mutable_time_to_decision());
    }
  }
  return stats;
}

}  // namespace signoff::storage
