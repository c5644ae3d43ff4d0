#pragma once

#include "server/storage/database.h"
#include "server/workflow/repository.h"

namespace signoff::storage {

// Audit queries on PostgreSQL: keyset-paged decisions and period statistics
// over offer_revisions (see queries/audit_*.sql and migration V003).
class PgAuditRepository : public workflow::AuditRepository {
 public:
  explicit PgAuditRepository(Database* db) : db_(db) {}

  absl::StatusOr<workflow::DecisionPage> QueryDecisions(
      const workflow::DecisionQuery& query) override;
  absl::StatusOr<v1::DecisionStatistics> Statistics(absl::Time from, absl::Time to) override;

 private:
  Database* db_;
};

namespace internal {

// Where a page ends: the last row returned. The token handed to callers is
// an opaque, URL-safe encoding of it.
struct DecisionPosition {
  int64_t submitted_at_micros = 0;
  std::string offer_id;
  int64_t revision = 0;
};
std::string EncodePageToken(const DecisionPosition& position);
// INVALID_ARGUMENT "page_token: ..." for anything EncodePageToken did not make.
absl::StatusOr<DecisionPosition> DecodePageToken(const std::string& token);

}  // namespace internal
}  // namespace signoff::storage
