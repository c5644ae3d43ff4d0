#pragma once

// The narrow interface between the workflow and storage. The workflow owns
// these declarations; server/storage implements them on PostgreSQL. No SQL,
// no libpqxx and no gRPC here.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "signoff/v1/approval.pb.h"
#include "signoff/v1/audit.pb.h"
#include "signoff/v1/decision.pb.h"
#include "signoff/v1/directory.pb.h"
#include "signoff/v1/event.pb.h"

namespace signoff::workflow {

// The operations the workflow performs inside one database transaction.
// Reads with `lock` take a row lock held until commit, so two approvers
// acting on one offer are serialised and the second sees the first's result.
class OfferTransaction {
 public:
  virtual ~OfferTransaction() = default;

  virtual absl::StatusOr<std::optional<v1::OfferRecord>> Latest(const std::string& offer_id,
                                                                bool lock) = 0;
  virtual absl::StatusOr<std::optional<v1::OfferRecord>> Revision(const std::string& offer_id,
                                                                  int64_t revision, bool lock) = 0;
  virtual absl::StatusOr<std::optional<v1::OfferRecord>> ByIdempotencyKey(
      const std::string& submitted_by, const std::string& idempotency_key) = 0;
  // ALREADY_EXISTS when (offer id, revision) or (submitter, key) is taken.
  virtual absl::Status Insert(const v1::OfferRecord& record) = 0;
  // Insert for a record that stays as it is while the transaction lasts: a
  // transaction that holds rows until its commit may keep it, not a copy.
  virtual absl::Status InsertShared(std::shared_ptr<const v1::OfferRecord> record) {
    return Insert(*record);
  }
  // Stores `record` (whose version the caller has incremented) over the
  // stored row; ABORTED when the stored version is not record.version() - 1.
  virtual absl::Status Update(const v1::OfferRecord& record) = 0;
  // Appends to the hash-chained event log; seq and hash are assigned here.
  virtual absl::Status AppendEvents(const std::vector<v1::Event>& events, absl::Time at) = 0;

  // Pending revisions whose open stage's deadline (or whose valid-until) is
  // at or before `at`, locked, skipping rows another replica has locked, so
  // each item is handled exactly once.
  virtual absl::StatusOr<std::vector<v1::OfferRecord>> ClaimPastDeadline(absl::Time at,
                                                                         int limit) = 0;
  virtual absl::StatusOr<std::vector<v1::OfferRecord>> ClaimPastValidUntil(absl::Time at,
                                                                           int limit) = 0;

  virtual absl::Status PutDelegation(const v1::Delegation& delegation) = 0;
  // NOT_FOUND when the delegator has none.
  virtual absl::Status DeleteDelegation(const std::string& delegator_id) = 0;
};

using TransactionWork = std::function<absl::Status(OfferTransaction&)>;
using GroupedDone = std::function<void(absl::Status)>;

// What a grouped work is going to read, so that one batch reads it for all
// its members in one statement. Reads outside it still work (one more round
// trip each). Empty fields ask for nothing.
struct GroupedReads {
  std::string offer_id;  // the offer's newest revision...
  int64_t revision = 0;  // ...and this one
  std::string submitted_by;
  std::string idempotency_key;  // the earlier submission with this key
};

// One pending item in an approver's inbox.
struct InboxEntry {
  std::string offer_id;
  int64_t revision = 0;
  int32_t stage_index = 0;
  std::string level;
  // The approver it is due to; differs from the reader for delegated items.
  std::string approver_id;
  absl::Time since;
  std::optional<absl::Time> deadline;
};

class OfferRepository {
 public:
  virtual ~OfferRepository() = default;

  // Runs `work` in one transaction and commits it. `work` may run more than
  // once when the database asks for a retry (deadlock, serialization), so it
  // must not have effects outside the transaction.
  virtual absl::Status Transact(const TransactionWork& work) = 0;
  // Like Transact, but the work may share one transaction (and one commit)
  // with other concurrent callers — group commit for submissions and the
  // actions on one offer (approve, reject, withdraw). Each caller's work
  // runs in its own savepoint: its failure undoes only its own writes.
  // Queues the work and returns at once; `done` runs exactly once with the
  // outcome after the shared commit is durable (or failed), on a storage
  // thread, so it must not block; or right away on this thread when the
  // work cannot be queued. The work, too, may run more than once.
  virtual void TransactGroupedAsync(GroupedReads reads, TransactionWork work,
                                    GroupedDone done) = 0;
  // TransactGroupedAsync for a caller that can wait: returns after `done`.
  absl::Status TransactGrouped(GroupedReads reads, TransactionWork work);

  // Read-only lookups outside any transaction. revision 0 = the latest.
  virtual absl::StatusOr<std::optional<v1::OfferRecord>> Get(const std::string& offer_id,
                                                             int64_t revision) = 0;
  // Items due to any of `approver_ids`, oldest first.
  virtual absl::StatusOr<std::vector<InboxEntry>> Inbox(const std::vector<std::string>& approver_ids,
                                                        int limit) = 0;
  // Delegators whose delegation to `delegate_id` is active at `at`.
  virtual absl::StatusOr<std::vector<v1::Delegation>> DelegationsTo(const std::string& delegate_id,
                                                                    absl::Time at) = 0;
};

class DirectoryRepository {
 public:
  virtual ~DirectoryRepository() = default;

  virtual absl::StatusOr<std::optional<v1::Employee>> Get(const std::string& employee_id) = 0;
  // Like Get, shared instead of copied (nullptr when unknown): an in-memory
  // directory hands out its own entry.
  virtual absl::StatusOr<std::shared_ptr<const v1::Employee>> Find(const std::string& employee_id) {
    absl::StatusOr<std::optional<v1::Employee>> found = Get(employee_id);
    if (!found.ok()) return found.status();
    if (!found->has_value()) return nullptr;
    return std::make_shared<const v1::Employee>(std::move(**found));
  }
  virtual absl::StatusOr<std::vector<v1::Employee>> List(bool include_inactive) = 0;
  // Active employees holding any of `levels`, ordered by id (one read for
  // all the levels a routing needs).
  virtual absl::StatusOr<std::vector<v1::Employee>> HoldersOf(const std::vector<std::string>& levels) = 0;
  // The employee's supervisors, nearest first (cycles cut).
  virtual absl::StatusOr<std::vector<v1::Employee>> SupervisorChain(const std::string& employee_id) = 0;
  // Inserts or replaces, and records an event in the same transaction.
  virtual absl::Status Upsert(const v1::Employee& employee, const v1::Event& event,
                              absl::Time at) = 0;
  // Loads `seed` only when the directory is empty (first start). Returns how
  // many employees were loaded.
  virtual absl::StatusOr<int> SeedIfEmpty(const v1::Directory& seed, absl::Time at) = 0;
};

// Which decisions an auditor wants. Empty / UNSPECIFIED fields do not filter.
struct DecisionQuery {
  // Submission time in [from, to).
  absl::Time from = absl::InfinitePast();
  absl::Time to = absl::InfiniteFuture();
  std::string manager_id;
  std::string customer_id;
  // A rule that matched (any mode).
  std::string rule_id;
  // Someone who approved or rejected a stage of it.
  std::string approver_id;
  v1::OfferStatus status = v1::OFFER_STATUS_UNSPECIFIED;
  v1::Outcome outcome = v1::OUTCOME_UNSPECIFIED;
  // 1..1000.
  int page_size = 100;
  // From the previous page's next_page_token; "" for the first page.
  std::string page_token;
};

struct DecisionPage {
  // Newest submission first; ties broken by offer id, then revision.
  std::vector<v1::OfferRecord> records;
  // "" when this is the last page. Keyset-based: rows inserted while paging
  // never shift or repeat what the next page returns.
  std::string next_page_token;
};

class AuditRepository {
 public:
  virtual ~AuditRepository() = default;
  // INVALID_ARGUMENT naming the field for a bad page size or page token.
  virtual absl::StatusOr<DecisionPage> QueryDecisions(const DecisionQuery& query) = 0;
  // Revisions submitted in [from, to).
  virtual absl::StatusOr<v1::DecisionStatistics> Statistics(absl::Time from, absl::Time to) = 0;
};

struct EventQuery {
  int64_t after_seq = 0;               // exclusive
  std::vector<std::string> offer_ids;  // empty = any
  std::vector<std::string> kinds;      // empty = any
  int limit = 1000;
};

struct AuditLogCheck {
  bool intact = true;
  int64_t events_checked = 0;
  int64_t last_seq = 0;
  int64_t first_broken_seq = 0;
  std::string problem;
};

// The hash-chained event log, read side, plus events that are not about an
// offer (policy changes).
class EventRepository {
 public:
  virtual ~EventRepository() = default;
  // Oldest first.
  virtual absl::StatusOr<std::vector<v1::Event>> Read(const EventQuery& query) = 0;
  virtual absl::StatusOr<std::vector<v1::Event>> OfferHistory(const std::string& offer_id) = 0;
  virtual absl::StatusOr<AuditLogCheck> Verify() = 0;
  virtual absl::Status Append(const v1::Event& event, absl::Time at) = 0;
};

// Wakes watchers when events are committed, on this replica or another
// (PostgreSQL LISTEN/NOTIFY). Callbacks get the newest committed seq and
// must not block.
class EventFeed {
 public:
  virtual ~EventFeed() = default;
  using Listener = std::function<void(int64_t last_seq)>;
  // Returns an id for Unsubscribe.
  virtual int Subscribe(Listener listener) = 0;
  virtual void Unsubscribe(int id) = 0;
};

}  // namespace signoff::workflow
