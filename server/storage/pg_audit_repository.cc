#include "server/storage/pg_audit_repository.h"

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
  return v1::OfferStatus_Name(status).substr(std::string("OFFER_STATUS_").size());
}

std::string OutcomeFilter(v1::Outcome outcome) {
  if (outcome == v1::OUTCOME_UNSPECIFIED) return "";
  return v1::Outcome_Name(outcome).substr(std::string("OUTCOME_").size());
}

void SetPercentiles(const pqxx::row& row, v1::DurationPercentiles* out) {
  out->set_count(row["waits"].as<int64_t>());
  out->set_p50_seconds(row["p50"].is_null() ? 0 : row["p50"].as<int64_t>());
  out->set_p90_seconds(row["p90"].is_null() ? 0 : row["p90"].as<int64_t>());
}

void SetGroup(const pqxx::row& row, v1::GroupStatistics* group) {
  group->set_key(row["key"].as<std::string>());
  group->set_decisions(row["decisions"].as<int64_t>());
  group->set_approved(row["approved"].as<int64_t>());
  group->set_rejected(row["rejected"].as<int64_t>());
  SetPercentiles(row, group->mutable_time_to_decision());
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

absl::StatusOr<v1::DecisionStatistics> PgAuditRepository::Statistics(absl::Time from,
                                                                     absl::Time to) {
  v1::DecisionStatistics stats;
  stats.set_auto_approval_rate_percent("0.00");
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    try {
      // One statement, so one snapshot: the figures agree with each other.
      pqxx::read_transaction tx(conn);
      // JIT compilation costs ~0.6 s per call here, more than it saves; the
      // sorts of a year's waits fit in 64 MB instead of spilling to disk.
      tx.exec("SET LOCAL jit = off");
      tx.exec("SET LOCAL work_mem = '64MB'");
      for (const pqxx::row& row :
           tx.exec_prepared("audit_statistics", PgTimestamp(from), PgTimestamp(to))) {
        const std::string dimension = row["dimension"].as<std::string>();
        if (dimension == "total") {
          stats.set_total(row["decisions"].as<int64_t>());
          stats.set_auto_approved(row["auto_approved"].as<int64_t>());
          stats.set_auto_approval_rate_percent(row["auto_approval_rate"].as<std::string>());
          SetPercentiles(row, stats.mutable_time_to_decision());
        } else if (dimension == "status") {
          (*stats.mutable_by_status())[row["key"].as<std::string>()] = row["decisions"].as<int64_t>();
        } else if (dimension == "outcome") {
          (*stats.mutable_by_outcome())[row["key"].as<std::string>()] = row["decisions"].as<int64_t>();
        } else if (dimension == "manager") {
          SetGroup(row, stats.add_per_manager());
        } else if (dimension == "rule") {
          SetGroup(row, stats.add_per_rule());
        } else if (dimension == "approver") {
          SetGroup(row, stats.add_per_approver());
        } else {
          return absl::InternalError(absl::StrCat("audit_statistics returned dimension ", dimension));
        }
      }
      return absl::OkStatus();
    } catch (const std::exception& e) {
      return internal::StatusFromException(e, "computing decision statistics");
    }
  });
  if (!status.ok()) return status;
  return stats;
}

}  // namespace signoff::storage
