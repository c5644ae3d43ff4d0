// The group-commit batch (internal::OfferBatch) against the real PostgreSQL:
// members of one batch see each other's writes, a failing member is undone
// alone, and one failing row in the shared statements fails only its member.

#include "server/storage/offer_batch.h"

#include <pqxx/pqxx>

#include <atomic>

#include "policies/status_macros.h"
#include "tests/workflow/workflow_fixture.h"

namespace signoff::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class OfferBatchTest : public WorkflowTest {
 protected:
  void SetUp() override {
    WorkflowTest::SetUp();
    if (HasFatalFailure()) return;
    auto pending = Submit(MakeOffer("TEMPLATE", 1, 200'000));  // needs the team lead
    ASSERT_THAT(pending, IsOk());
    ASSERT_EQ(pending->status(), v1::OFFER_STATUS_PENDING);
    template_ = *pending;
  }

  v1::OfferRecord Record(const std::string& offer_id, int64_t revision, const std::string& key = "") {
    v1::OfferRecord record = template_;
    record.mutable_offer()->set_offer_id(offer_id);
    record.mutable_offer()->set_revision(revision);
    record.set_idempotency_key(key);
    return record;
  }

  static std::vector<v1::Event> Said(const v1::OfferRecord& record, const std::string& kind) {
    v1::Event event;
    event.set_kind(kind);
    event.set_offer_id(record.offer().offer_id());
    event.set_revision(record.offer().revision());
    event.set_actor_id("crm");
    return {event};
  }

  std::vector<std::string> EventKinds(const std::string& offer_id) {
    std::vector<std::string> kinds;
    auto events = events_->OfferHistory(offer_id);
    EXPECT_THAT(events, IsOk());
    if (events.ok()) {
      for (const auto& e : *events) kinds.push_back(e.kind);
    }
    return kinds;
  }

  v1::OfferRecord template_;
};

TEST_F(OfferBatchTest, MembersSeeEachOthersWritesAndAFailedMemberIsUndoneAlone) {
  using Reads = workflow::GroupedReads;
  Reads a1{"A", 1, "crm", "k1"}, a2{"A", 2, "crm", ""}, b1{"B", 1, "crm", "k1"}, c1{"C", 1, "crm", ""};
  absl::Status done = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::work tx(conn);
    storage::internal::OfferBatch batch(
        tx, storage::internal::ReadChainHead(tx.exec_prepared1("event_chain_lock")));
    batch.Prefetch({&a1, &a2, &b1, &c1});
    auto member = [&](auto work) {
      batch.BeginMember();
      absl::Status status = work();
      batch.EndMember(status.ok());
      return status;
    };
    // 1: A/1, pending, with key k1.
    EXPECT_THAT(member([&] {
      RETURN_IF_ERROR(batch.Insert(Record("A", 1, "k1")));
      return batch.AppendEvents(Said(Record("A", 1), "offer.submitted"), Now());
    }), IsOk());
    // 2: sees A/1, supersedes it with A/2.
    EXPECT_THAT(member([&]() -> absl::Status {
      ASSIGN_OR_RETURN(auto latest, batch.Latest("A", true));
      if (!latest || latest->offer().revision() != 1) return absl::InternalError("A/1 not seen");
      ASSIGN_OR_RETURN(auto by_key, batch.ByIdempotencyKey("crm", "k1"));
      if (!by_key || by_key->offer().offer_id() != "A") return absl::InternalError("k1 not seen");
      v1::OfferRecord superseded = *latest;
      superseded.set_status(v1::OFFER_STATUS_SUPERSEDED);
      superseded.clear_approval();
      superseded.set_version(2);
      RETURN_IF_ERROR(batch.Update(superseded));
      RETURN_IF_ERROR(batch.Insert(Record("A", 2)));
      return batch.AppendEvents(Said(Record("A", 2), "offer.submitted"), Now());
    }), IsOk());
    // 3: A/2 again, 4: key k1 again: both taken inside this very batch.
    EXPECT_THAT(member([&] { return batch.Insert(Record("A", 2)); }),
                StatusIs(absl::StatusCode::kAlreadyExists, ::testing::_));
    EXPECT_THAT(member([&] { return batch.Insert(Record("B", 1, "k1")); }),
                StatusIs(absl::StatusCode::kAlreadyExists, ::testing::_));
    // 5: writes, then fails: nothing of it may remain.
    EXPECT_THAT(member([&]() -> absl::Status {
      RETURN_IF_ERROR(batch.Insert(Record("C", 1)));
      RETURN_IF_ERROR(batch.AppendEvents(Said(Record("C", 1), "offer.submitted"), Now()));
      return absl::FailedPreconditionError("changed its mind");
    }), StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::_));
    // 6: an update from a stale read (A/1 is at version 2 now).
    v1::OfferRecord stale = Record("A", 1);
    stale.set_version(2);
    EXPECT_THAT(member([&] { return batch.Update(stale); }), StatusIs(absl::StatusCode::kAborted, ::testing::_));
    // After 5 was undone, C/1 is free again within the batch.
    ASSIGN_OR_RETURN(auto c, batch.Revision("C", 1, false));
    EXPECT_FALSE(c.has_value());
    batch.Flush();
    tx.commit();
    return absl::OkStatus();
  });
  ASSERT_THAT(done, IsOk());

  auto a1_stored = workflow_->Get("A", 1);
  ASSERT_THAT(a1_stored, IsOk());
  EXPECT_EQ(a1_stored->status(), v1::OFFER_STATUS_SUPERSEDED);
  EXPECT_EQ(a1_stored->version(), 2);
  EXPECT_EQ(a1_stored->idempotency_key(), "k1");
  auto a2_stored = workflow_->Get("A", 2);
  ASSERT_THAT(a2_stored, IsOk());
  EXPECT_EQ(a2_stored->status(), v1::OFFER_STATUS_PENDING);
  EXPECT_THAT(workflow_->Get("B", 1), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(workflow_->Get("C", 1), StatusIs(absl::StatusCode::kNotFound, ::testing::_));
  EXPECT_THAT(EventKinds("A"), ElementsAre("offer.submitted", "offer.submitted"));
  EXPECT_THAT(EventKinds("C"), IsEmpty());
  // The inbox follows the rows: A/2 waits for the team lead, A/1 no longer.
  auto inbox = offers_->Inbox({"t.lead"}, 100);
  ASSERT_THAT(inbox, IsOk());
  std::vector<std::string> items;
  for (const auto& item : *inbox) items.push_back(absl::StrCat(item.offer_id, "/", item.revision));
  EXPECT_THAT(items, ::testing::UnorderedElementsAre("TEMPLATE/1", "A/2"));
  ExpectChainIntact();
  // The statistics rollup (one trigger run for the batch's INSERT and one
  // for its UPDATE) counts what is stored.
  absl::Status counted = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    constexpr char kDirect[] =
        "SELECT (submitted_at AT TIME ZONE 'UTC')::date, manager_id, status, outcome, count(*)"
        " FROM offer_revisions GROUP BY 1, 2, 3, 4";
    constexpr char kRollup[] =
        "SELECT day, key, status, outcome, n FROM stats_daily_counts"
        " WHERE dimension = 'manager' AND n <> 0";
    EXPECT_EQ(tx.exec1(absl::StrCat("SELECT count(*) FROM ((", kDirect, " EXCEPT ", kRollup,
                                    ") UNION ALL (", kRollup, " EXCEPT ", kDirect, ")) AS diff"))[0]
                  .as<int>(),
              0);
    EXPECT_EQ(tx.exec1("SELECT count(*) FROM offer_revisions")[0].as<int>(), 3);
    return absl::OkStatus();
  });
  EXPECT_THAT(counted, IsOk());
}

// A row the database refuses (here: a margin that is not a number) fails
// the batch's shared INSERT; the batch is then redone member by member, so
// only that submission fails and every other one is stored.
TEST_F(OfferBatchTest, ARowTheDatabaseRefusesFailsOnlyItsOwnSubmission) {
  constexpr int kThreads = 8, kPerThread = 12;
  auto bad = [](int, int i) { return i % 4 == 3; };
  ExpectOnlyTheBadCallsFail(kThreads, kPerThread, bad, [&](int t, int i) {
    v1::OfferRecord record = Record(absl::StrCat("R-", t, "-", i), 1);
    if (bad(t, i)) record.mutable_decision()->mutable_figures()->mutable_margin_percent()->set_value("n/a");
    workflow::GroupedReads reads{record.offer().offer_id(), 1, "crm", ""};
    return offers_->TransactGrouped(reads, [&](workflow::OfferTransaction& tx) {
      RETURN_IF_ERROR(tx.Insert(record));
      return tx.AppendEvents(Said(record, "offer.submitted"), Now());
    });
  });
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      EXPECT_EQ(workflow_->Get(absl::StrCat("R-", t, "-", i), 1).ok(), i % 4 != 3) << t << "/" << i;
    }
  }
  ExpectChainIntact();
}

// Work queued without waiting is stored and answered exactly once, even when
// the repository is destroyed right after it was queued: the writer drains
// the queue and the finisher answers every item before they stop.
TEST_F(OfferBatchTest, QueuedWorkIsCommittedAndAnsweredBeforeTheRepositoryGoes) {
  constexpr int kWorks = 200;
  std::atomic<int> answered{0}, stored{0};
  const absl::Time now = Now();
  {
    storage::GroupCommitOptions options;
    options.answer_inline = 0;  // every batch answered by the finisher
    storage::PgOfferRepository repository(db_.get(), options);
    for (int i = 0; i < kWorks; ++i) {
      v1::OfferRecord record = Record(absl::StrCat("Q-", i), 1);
      workflow::GroupedReads reads{record.offer().offer_id(), 1, "crm", ""};
      repository.TransactGroupedAsync(
          std::move(reads),
          [record, now](workflow::OfferTransaction& tx) {
            RETURN_IF_ERROR(tx.Insert(record));
            return tx.AppendEvents(Said(record, "offer.submitted"), now);
          },
          [&](absl::Status status) {
            // The first answer holds the finisher up, so the destructor
            // meets batches committed but not yet answered.
            if (answered.fetch_add(1) == 0) absl::SleepFor(absl::Milliseconds(200));
            if (status.ok()) stored.fetch_add(1);
          });
    }
  }
  EXPECT_EQ(answered.load(), kWorks);
  EXPECT_EQ(stored.load(), kWorks);
  for (int i = 0; i < kWorks; ++i) EXPECT_THAT(workflow_->Get(absl::StrCat("Q-", i), 1), IsOk()) << i;
  ExpectChainIntact();
}

}  // namespace
}  // namespace signoff::testing
