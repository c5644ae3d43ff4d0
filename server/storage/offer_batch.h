#pragma once

// One group-commit batch of submissions done with a handful of statements
// for the whole batch instead of a dozen round trips per member:
//   1. Prefetch reads what every member said it will read, in one statement;
//   2. the members run one after another against that in-memory view, their
//      writes held back (a member that fails is undone in memory alone);
//   3. Flush writes every row, inbox item and event with one multi-row
//      statement each.
// It runs under the event chain lock, like every transaction that changes
// offers, so nothing else changes offers between the reads and the writes.
// A read the prefetch did not cover goes to the database, so any work is
// served correctly, only slower. Storage-internal.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/pqxx>

#include "server/storage/event_log.h"
#include "server/workflow/repository.h"

namespace signoff::storage::internal {

class OfferBatch : public workflow::OfferTransaction {
 public:
  // `head`: the chain head `tx` locked (event_chain_lock).
  OfferBatch(pqxx::transaction_base& tx, ChainHead head) : tx_(tx), head_(std::move(head)) {}

  // Reads everything in `reads` with one statement.
  void Prefetch(const std::vector<const workflow::GroupedReads*>& reads);
  // Brackets one member's work; EndMember(false) undoes all it did here.
  void BeginMember();
  void EndMember(bool keep);
  // Writes what the kept members did. Throws like any libpqxx statement;
  // std::runtime_error when a row changed although the chain lock was held.
  void Flush();

  absl::StatusOr<std::optional<v1::OfferRecord>> Latest(const std::string& offer_id,
                                                        bool lock) override;
  absl::StatusOr<std::optional<v1::OfferRecord>> Revision(const std::string& offer_id,
                                                          int64_t revision, bool lock) override;
  absl::StatusOr<std::optional<v1::OfferRecord>> ByIdempotencyKey(
      const std::string& submitted_by, const std::string& idempotency_key) override;
  absl::Status Insert(const v1::OfferRecord& record) override;
  absl::Status InsertShared(std::shared_ptr<const v1::OfferRecord> record) override;
  absl::Status Update(const v1::OfferRecord& record) override;
  absl::Status AppendEvents(const std::vector<v1::Event>& events, absl::Time at) override;
  // Not part of a submission: refused with INTERNAL (use Transact).
  absl::StatusOr<std::vector<v1::OfferRecord>> ClaimPastDeadline(absl::Time at, int limit) override;
  absl::StatusOr<std::vector<v1::OfferRecord>> ClaimPastValidUntil(absl::Time at, int limit) override;
  absl::Status PutDelegation(const v1::Delegation& delegation) override;
  absl::Status DeleteDelegation(const std::string& delegator_id) override;

 private:
  using RowKey = std::pair<std::string, int64_t>;          // (offer id, revision)
  using KeyOfSubmitter = std::pair<std::string, std::string>;  // (submitted_by, key)

  struct Row {
    // Shared, never changed in place: a write replaces it, so the undo log
    // keeps the old one for the price of a pointer, and a submission's
    // record is not copied on the writer's thread.
    std::shared_ptr<const v1::OfferRecord> record;
    bool inserted = false;     // written by this batch as a new row
    bool updated = false;      // an existing row this batch changes
    int64_t read_version = 0;  // its version in the database, for the update
  };

  // Remembers what a stored row says; used for prefetched and looked-up rows.
  void Learn(v1::OfferRecord record);
  // Makes the newest revision of `offer_id` known (one query if it is not).
  void KnowLatest(const std::string& offer_id);
  // The newest revision of `offer_id` among rows_, 0 when none.
  int64_t NewestKnown(const std::string& offer_id) const;
  template <typename Map, typename Key>
  void Remember(Map& map, const Key& key);

  pqxx::transaction_base& tx_;
  ChainHead head_;
  std::map<RowKey, Row> rows_;                 // stored or written by this batch
  std::set<RowKey> absent_;                    // known not to be stored
  std::map<std::string, int64_t> latest_;      // newest revision per offer (0: none)
  std::map<KeyOfSubmitter, std::optional<RowKey>> keys_;
  std::vector<RowKey> written_;                // rows to write, in member order
  std::vector<NewEvent> events_;
  std::vector<absl::Time> event_times_;

  // Undo log of the member running now.
  bool in_member_ = false;
  std::vector<std::function<void()>> undo_;
  size_t written_mark_ = 0, events_mark_ = 0;
};

}  // namespace signoff::storage::internal
