#include "server/storage/pg_offer_repository.h"

#include <algorithm>
#include <pqxx/pqxx>
#include <set>

#include "absl/strings/str_cat.h"
#include "policies/decimal.h"
#include "server/log/log.h"
#include "server/storage/event_log.h"
#include "server/storage/offer_batch.h"
#include "server/storage/offer_rows.h"
#include "server/storage/pg_error.h"
#include "server/storage/pg_values.h"
#include "server/workflow/approval_flow.h"
#include "server/workflow/proto_time.h"

namespace signoff::storage {
namespace {

using internal::ApproverIds;
using internal::Guarded;
using internal::DecimalText;
using internal::NextDeadlineMicros;
using internal::OptionalMicros;
using internal::OutcomeColumn;
using internal::RuleIds;
using internal::StatusColumn;
using workflow::OpenStage;
using workflow::ProtoTimeMicros;

constexpr int kMaxRetries = 3;

absl::StatusOr<std::optional<v1::OfferRecord>> FirstRecord(const pqxx::result& rows) {
  if (rows.empty()) return std::nullopt;
  auto record = internal::ParseProto<v1::OfferRecord>(rows[0][0]);
  if (!record.ok()) return record.status();
  return std::optional<v1::OfferRecord>(std::move(*record));
}

absl::StatusOr<std::vector<v1::OfferRecord>> AllRecords(const pqxx::result& rows) {
  std::vector<v1::OfferRecord> records;
  for (const pqxx::row& row : rows) {
    auto record = internal::ParseProto<v1::OfferRecord>(row[0]);
    if (!record.ok()) return record.status();
    records.push_back(std::move(*record));
  }
  return records;
}

v1::Delegation DelegationFromRow(const pqxx::row& row) {
  v1::Delegation delegation;
  delegation.set_delegator_id(row[0].as<std::string>());
  delegation.set_delegate_id(row[1].as<std::string>());
  *delegation.mutable_starts_at() = workflow::ToProtoTime(absl::FromUnixMicros(row[2].as<int64_t>()));
  *delegation.mutable_ends_at() = workflow::ToProtoTime(absl::FromUnixMicros(row[3].as<int64_t>()));
  return delegation;
}

// The workflow's transaction, on one libpqxx transaction (or savepoint).
class PgOfferTransaction : public workflow::OfferTransaction {
 public:
  explicit PgOfferTransaction(pqxx::transaction_base& tx) : tx_(tx) {}

  absl::StatusOr<std::optional<v1::OfferRecord>> Latest(const std::string& offer_id,
                                                        bool lock) override {
    return Guarded("reading offer", [&]() -> absl::StatusOr<std::optional<v1::OfferRecord>> {
      return FirstRecord(
          tx_.exec_prepared(lock ? "offer_latest_for_update" : "offer_latest", offer_id));
    });
  }

  absl::StatusOr<std::optional<v1::OfferRecord>> Revision(const std::string& offer_id,
                                                          int64_t revision, bool lock) override {
    return Guarded("reading offer revision", [&]() -> absl::StatusOr<std::optional<v1::OfferRecord>> {
      return FirstRecord(tx_.exec_prepared(
          lock ? "offer_revision_for_update" : "offer_revision", offer_id, revision));
    });
  }

  absl::StatusOr<std::optional<v1::OfferRecord>> ByIdempotencyKey(
      const std::string& submitted_by, const std::string& key) override {
    return Guarded("reading idempotency key", [&]() -> absl::StatusOr<std::optional<v1::OfferRecord>> {
      return FirstRecord(tx_.exec_prepared("offer_by_idempotency_key", submitted_by, key));
    });
  }

  absl::Status Insert(const v1::OfferRecord& record) override {
    return Guarded("storing offer", [&]() -> absl::Status {
      const v1::Offer& offer = record.offer();
      const v1::OfferFigures& figures = record.decision().figures();
      std::string margin = figures.has_margin_percent() ? figures.margin_percent().value() : "";
      tx_.exec_prepared(
          "offer_insert", offer.offer_id(), offer.revision(),
          pqxx::binarystring(internal::SerializeDeterministic(record)), record.submitted_by(),
          record.idempotency_key(), offer.manager_id(), offer.customer().id(),
          offer.currency_code(), DecimalText(figures.total().units(), figures.total().nanos()),
          margin, OutcomeColumn(record.decision().outcome()), StatusColumn(record.status()),
          internal::ToTextArray(RuleIds(record)), internal::ToTextArray(ApproverIds(record)),
          record.decision().policy_version().label(),
          record.decision().policy_version().content_hash(),
          ProtoTimeMicros(record.submitted_at()),
          OptionalMicros(record.has_decided_at(), record.decided_at()),
          OptionalMicros(offer.has_valid_until(), offer.valid_until()), NextDeadlineMicros(record),
          record.version());
      return RefreshInbox(record, /*stored=*/false);
    });
  }

  absl::Status Update(const v1::OfferRecord& record) override {
    return Guarded("updating offer", [&]() -> absl::Status {
      pqxx::result updated = tx_.exec_prepared(
          "offer_update", record.offer().offer_id(), record.offer().revision(),
          pqxx::binarystring(internal::SerializeDeterministic(record)), StatusColumn(record.status()),
          internal::ToTextArray(ApproverIds(record)),
          OptionalMicros(record.has_decided_at(), record.decided_at()), NextDeadlineMicros(record),
          record.version());
      if (updated.affected_rows() != 1) {
        return absl::AbortedError(absl::StrCat(
            "offer ", record.offer().offer_id(), " revision ", record.offer().revision(),
            " changed concurrently (expected version ", record.version() - 1,
            "); reload it and try again"));
      }
      return RefreshInbox(record);
    });
  }

  absl::Status AppendEvents(const std::vector<v1::Event>& events, absl::Time at) override {
    return Guarded("appending events", [&]() -> absl::Status {
      std::vector<NewEvent> rows;
      rows.reserve(events.size());
      for (const v1::Event& event : events) rows.push_back(internal::ToNewEvent(event));
      internal::AppendEvents(tx_, at, rows);
      return absl::OkStatus();
    });
  }

  absl::StatusOr<std::vector<v1::OfferRecord>> ClaimPastDeadline(absl::Time at, int limit) override {
    return Guarded("claiming overdue stages", [&]() -> absl::StatusOr<std::vector<v1::OfferRecord>> {
      return AllRecords(tx_.exec_prepared("offers_past_deadline", absl::ToUnixMicros(at), limit));
    });
  }

  absl::StatusOr<std::vector<v1::OfferRecord>> ClaimPastValidUntil(absl::Time at, int limit) override {
    return Guarded("claiming expired offers", [&]() -> absl::StatusOr<std::vector<v1::OfferRecord>> {
      return AllRecords(tx_.exec_prepared("offers_past_valid_until", absl::ToUnixMicros(at), limit));
    });
  }

  absl::Status PutDelegation(const v1::Delegation& d) override {
    return Guarded("storing delegation", [&]() -> absl::Status {
      tx_.exec_prepared("delegation_put", d.delegator_id(), d.delegate_id(),
                        ProtoTimeMicros(d.starts_at()), ProtoTimeMicros(d.ends_at()));
      return absl::OkStatus();
    });
  }

  absl::Status DeleteDelegation(const std::string& delegator_id) override {
    return Guarded("clearing delegation", [&]() -> absl::Status {
      if (tx_.exec_prepared("delegation_delete", delegator_id).affected_rows() == 0) {
        return absl::NotFoundError(absl::StrCat(delegator_id, " has no delegation to clear"));
      }
      return absl::OkStatus();
    });
  }

 private:
  // The inbox is derived from the record: rewritten on every change.
  // A new row (`stored` false) has no items to clear yet.
  absl::Status RefreshInbox(const v1::OfferRecord& record, bool stored = true) {
    const v1::Offer& offer = record.offer();
    if (stored) tx_.exec_prepared("inbox_clear", offer.offer_id(), offer.revision());
    std::vector<std::string> waiting = internal::WaitingApprovers(record);
    if (waiting.empty()) return absl::OkStatus();
    const v1::ApprovalStage* stage = OpenStage(record);
    tx_.exec_prepared("inbox_add", internal::ToTextArray(waiting), offer.offer_id(),
                      offer.revision(), stage->index(), stage->level(),
                      ProtoTimeMicros(stage->opened_at()),
                      OptionalMicros(stage->has_deadline(), stage->deadline()));
    return absl::OkStatus();
  }

  pqxx::transaction_base& tx_;
};

}  // namespace

struct PgOfferRepository::PendingWork {
  workflow::GroupedReads reads;
  workflow::TransactionWork work;
  workflow::GroupedDone done;
  absl::Status result;
  int attempts = 0;
};

PgOfferRepository::PgOfferRepository(Database* db, GroupCommitOptions options)
    : db_(db), options_(options) {
  for (int i = 0; i < std::max(1, options_.writers); ++i) {
    writers_.emplace_back([this] { WriterLoop(); });
  }
  finisher_ = std::thread([this] { FinisherLoop(); });
}

PgOfferRepository::~PgOfferRepository() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_all();
  for (std::thread& writer : writers_) writer.join();  // they drain the queue first
  {
    std::lock_guard lock(finished_mu_);
    writers_gone_ = true;
  }
  finished_cv_.notify_one();
  finisher_.join();
}

absl::Status PgOfferRepository::Transact(const workflow::TransactionWork& work) {
  absl::Status status;
  for (int attempt = 1; attempt <= kMaxRetries; ++attempt) {
    status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
      return Guarded("transaction", [&]() -> absl::Status {
        pqxx::work tx(conn);
        tx.exec_prepared("event_chain_lock");
        PgOfferTransaction otx(tx);
        absl::Status result = work(otx);
        if (!result.ok()) return result;  // tx rolls back on destruction
        tx.commit();
        return absl::OkStatus();
      });
    });
    if (!absl::IsAborted(status)) return status;
  }
  return status;
}

void PgOfferRepository::TransactGroupedAsync(workflow::GroupedReads reads,
                                             workflow::TransactionWork work,
                                             workflow::GroupedDone done) {
  auto item = std::make_unique<PendingWork>();
  item->reads = std::move(reads);
  item->work = std::move(work);
  item->done = std::move(done);
  {
    std::lock_guard lock(mu_);
    if (!stopping_) {
      queue_.push_back(item.release());
      queued_.notify_one();
      return;
    }
  }
  item->done(absl::UnavailableError("storage is shutting down"));
}

void PgOfferRepository::WriterLoop() {
  while (true) {
    std::vector<PendingWork*> batch;
    {
      std::unique_lock lock(mu_);
      queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      while (!queue_.empty() && static_cast<int>(batch.size()) < options_.max_batch) {
        batch.push_back(queue_.front());
        queue_.pop_front();
      }
    }
    RunBatch(batch);
    if (options_.on_batch) options_.on_batch(static_cast<int>(batch.size()));
    std::vector<PendingWork*> finished;
    {
      std::lock_guard lock(mu_);
      for (PendingWork* item : batch) {
        // A member chosen as a deadlock or serialization victim was rolled
        // back alone; it runs again in the next batch, as Transact would.
        if (absl::IsAborted(item->result) && ++item->attempts < kMaxRetries && !stopping_) {
          item->result = absl::OkStatus();
          queue_.push_front(item);
          continue;
        }
        finished.push_back(item);
      }
    }
    queued_.notify_one();
    if (static_cast<int>(finished.size()) <= options_.answer_inline) {
      // A small batch (a quiet moment): answering here takes microseconds,
      // while the finisher would first have to get a core.
      Answer(finished);
    } else {
      {
        std::lock_guard lock(finished_mu_);
        finished_.insert(finished_.end(), finished.begin(), finished.end());
      }
      finished_cv_.notify_one();
    }
  }
}

void PgOfferRepository::FinisherLoop() {
  while (true) {
    std::vector<PendingWork*> finished;
    {
      std::unique_lock lock(finished_mu_);
      finished_cv_.wait(lock, [&] { return writers_gone_ || !finished_.empty(); });
      if (finished_.empty()) return;  // the writers are gone and all is answered
      finished.swap(finished_);
    }
    Answer(finished);
  }
}

void PgOfferRepository::Answer(const std::vector<PendingWork*>& finished) {
  for (PendingWork* item : finished) {
    std::unique_ptr<PendingWork> owned(item);
    owned->done(std::move(owned->result));
  }
}

void PgOfferRepository::RunBatch(const std::vector<PendingWork*>& batch) {
  bool committing = false;
  absl::Status together = RunBatchTogether(batch, committing);
  if (together.ok()) return;
  if (committing) {
    // The commit's outcome is unknown: no member may report success.
    for (PendingWork* item : batch) {
      if (item->result.ok()) item->result = together;
    }
    return;
  }
  // A shared statement failed (a conflict the in-memory view could not
  // foresee, or a database error): nothing was written. Run the members
  // again one by one in savepoints, so only the one at fault fails.
  log::Warning("group_commit.fallback", {{"members", absl::StrCat(batch.size())},
                                         {"error", std::string(together.message())}});
  for (PendingWork* item : batch) item->result = absl::OkStatus();
  RunBatchMemberByMember(batch);
}

absl::Status PgOfferRepository::RunBatchTogether(const std::vector<PendingWork*>& batch,
                                                 bool& committing) {
  return db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    return Guarded("group commit", [&]() -> absl::Status {
      pqxx::work tx(conn);
      internal::OfferBatch otx(tx, internal::ReadChainHead(tx.exec_prepared1("event_chain_lock")));
      std::vector<const workflow::GroupedReads*> reads;
      for (PendingWork* item : batch) reads.push_back(&item->reads);
      otx.Prefetch(reads);
      for (PendingWork* item : batch) {
        otx.BeginMember();
        try {
          item->result = item->work(otx);
        } catch (const std::exception& e) {
          item->result = internal::StatusFromException(e, "submission");
        }
        otx.EndMember(item->result.ok());
      }
      otx.Flush();
      committing = true;
      tx.commit();
      return absl::OkStatus();
    });
  });
}

void PgOfferRepository::RunBatchMemberByMember(const std::vector<PendingWork*>& batch) {
  absl::Status commit = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    return Guarded("group commit", [&]() -> absl::Status {
      pqxx::work tx(conn);
      tx.exec_prepared("event_chain_lock");
      PgOfferTransaction otx(tx);
      for (PendingWork* item : batch) {
        // Each member in its own savepoint: a failing member undoes only
        // itself. The savepoint statements are ours, not pqxx::subtransaction:
        // libpqxx 6.4 opens a subtransaction lazily on exec() only, so its
        // exec_params/exec_prepared ran outside the savepoint and one failing
        // member aborted the whole batch.
        tx.exec0("SAVEPOINT member");
        try {
          item->result = item->work(otx);
        } catch (const std::exception& e) {
          item->result = internal::StatusFromException(e, "submission");
        }
        tx.exec0(item->result.ok() ? "RELEASE SAVEPOINT member" : "ROLLBACK TO SAVEPOINT member");
      }
      tx.commit();
      return absl::OkStatus();
    });
  });
  if (!commit.ok()) {
    // Nothing of the batch is durable: no member may report success.
    for (PendingWork* item : batch) {
      if (item->result.ok()) item->result = commit;
    }
  }
}

absl::StatusOr<std::optional<v1::OfferRecord>> PgOfferRepository::Get(const std::string& offer_id,
                                                                      int64_t revision) {
  absl::StatusOr<std::optional<v1::OfferRecord>> out = std::nullopt;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    out = revision == 0 ? FirstRecord(tx.exec_prepared("offer_latest", offer_id))
                        : FirstRecord(tx.exec_prepared("offer_revision", offer_id, revision));
    return out.status();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<workflow::InboxEntry>> PgOfferRepository::Inbox(
    const std::vector<std::string>& approver_ids, int limit) {
  std::vector<workflow::InboxEntry> entries;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    for (const pqxx::row& row :
         tx.exec_prepared("inbox_for", internal::ToTextArray(approver_ids), limit)) {
      workflow::InboxEntry entry;
      entry.approver_id = row[0].as<std::string>();
      entry.offer_id = row[1].as<std::string>();
      entry.revision = row[2].as<int64_t>();
      entry.stage_index = row[3].as<int32_t>();
      entry.level = row[4].as<std::string>();
      entry.since = absl::FromUnixMicros(row[5].as<int64_t>());
      if (int64_t deadline = row[6].as<int64_t>(); deadline != 0) {
        entry.deadline = absl::FromUnixMicros(deadline);
      }
      entries.push_back(std::move(entry));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return entries;
}

absl::StatusOr<std::vector<v1::Delegation>> PgOfferRepository::DelegationsTo(
    const std::string& delegate_id, absl::Time at) {
  std::vector<v1::Delegation> out;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    for (const pqxx::row& row :
         tx.exec_prepared("delegations_to", delegate_id, absl::ToUnixMicros(at))) {
      out.push_back(DelegationFromRow(row));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int64_t> PgOfferRepository::InboxItemCount() {
  int64_t count = 0;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    count = tx.exec1("SELECT count(*) FROM inbox_items")[0].as<int64_t>();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return count;
}

}  // namespace signoff::storage
