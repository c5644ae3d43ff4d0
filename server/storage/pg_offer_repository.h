#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "server/storage/database.h"
#include "server/workflow/repository.h"

namespace signoff::storage {

struct GroupCommitOptions {
  // Threads that each run one shared transaction at a time.
  int writers = 1;
  // Most submissions one shared transaction carries.
  int max_batch = 128;
  // Batches up to this size are answered by the writer itself; larger ones
  // by the finisher thread, so the writer can start the next batch.
  int answer_inline = 8;
  // Told the size of every committed batch (for metrics); may be empty.
  std::function<void(int)> on_batch;
};

// Offers, approvals, inbox and delegations on PostgreSQL.
class PgOfferRepository : public workflow::OfferRepository {
 public:
  PgOfferRepository(Database* db, GroupCommitOptions options = {});
  ~PgOfferRepository() override;

  absl::Status Transact(const workflow::TransactionWork& work) override;
  // Runs a batch as internal::OfferBatch does: a few statements for all.
  void TransactGroupedAsync(workflow::GroupedReads reads, workflow::TransactionWork work,
                            workflow::GroupedDone done) override;
  absl::StatusOr<std::optional<v1::OfferRecord>> Get(const std::string& offer_id,
                                                     int64_t revision) override;
  absl::StatusOr<std::vector<workflow::InboxEntry>> Inbox(
      const std::vector<std::string>& approver_ids, int limit) override;
  absl::StatusOr<std::vector<v1::Delegation>> DelegationsTo(const std::string& delegate_id,
                                                            absl::Time at) override;

  // Items waiting in all inboxes (a gauge for metrics).
  absl::StatusOr<int64_t> InboxItemCount();

 private:
  struct PendingWork;
  void WriterLoop();
  // Runs the finished batches' `done` callbacks, so that answering callers
  // (a gRPC reply each) is off the writer's thread and one wake-up serves a
  // whole batch.
  void FinisherLoop();
  // Runs each item's `done` with its result and frees it.
  static void Answer(const std::vector<PendingWork*>& finished);
  void RunBatch(const std::vector<PendingWork*>& batch);
  // Reads for all members at once, writes for all at once. `committing` is
  // set once COMMIT was sent (its outcome is then unknown on failure).
  absl::Status RunBatchTogether(const std::vector<PendingWork*>& batch, bool& committing);
  // The slow path: each member's statements in its own savepoint.
  void RunBatchMemberByMember(const std::vector<PendingWork*>& batch);

  Database* db_;
  GroupCommitOptions options_;
  std::mutex mu_;
  std::condition_variable queued_;
  std::deque<PendingWork*> queue_;
  bool stopping_ = false;
  std::vector<std::thread> writers_;

  std::mutex finished_mu_;
  std::condition_variable finished_cv_;
  std::vector<PendingWork*> finished_;  // in commit order
  bool writers_gone_ = false;
  std::thread finisher_;
};

}  // namespace signoff::storage
