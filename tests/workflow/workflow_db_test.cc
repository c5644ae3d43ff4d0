// The approval workflow end to end over real PostgreSQL.

#include <thread>

#include "absl/strings/match.h"
#include "tests/workflow/workflow_fixture.h"

namespace signoff::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> Approvers(const v1::ApprovalStage& stage) {
  return {stage.approvers().begin(), stage.approvers().end()};
}

std::vector<std::string> InboxOffers(workflow::Workflow& wf, const std::string& who) {
  std::vector<std::string> ids;
  auto inbox = wf.Inbox(who);
  EXPECT_THAT(inbox, IsOk());
  if (inbox.ok()) {
    for (const auto& entry : *inbox) ids.push_back(entry.offer_id);
  }
  return ids;
}

TEST_F(WorkflowTest, SmallOfferIsApprovedAtOnce) {
  auto record = Submit(MakeOffer("KP-1", 1, 50'000));
  ASSERT_THAT(record, IsOk());
  EXPECT_EQ(record->status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(record->decision().outcome(), v1::OUTCOME_APPROVED);
  EXPECT_EQ(record->approval().stages_size(), 0);
  EXPECT_TRUE(record->has_decided_at());
  EXPECT_EQ(record->manager_facts().employee_id(), "m.sales");
  auto stored = workflow_->Get("KP-1", 0);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->status(), v1::OFFER_STATUS_APPROVED);
}

TEST_F(WorkflowTest, NegativeMarginIsRejectedByPolicy) {
  auto record = Submit(MakeOffer("KP-1", 1, 50'000, /*cost=*/60'000));
  ASSERT_THAT(record, IsOk());
  EXPECT_EQ(record->status(), v1::OFFER_STATUS_REJECTED);
  EXPECT_EQ(record->decision().reasons(0).rule_id(), "margin.negative");
}

TEST_F(WorkflowTest, InvalidOfferIsAnErrorAndStoresNothing) {
  v1::Offer offer = MakeOffer("KP-1", 1, 50'000);
  offer.mutable_lines(0)->mutable_quantity()->set_value("0");
  EXPECT_THAT(Submit(offer), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("quantity")));
  EXPECT_THAT(workflow_->Get("KP-1", 0), StatusIs(absl::StatusCode::kNotFound, HasSubstr("KP-1")));
}

TEST_F(WorkflowTest, LargeOfferRoutesToTheManagersChainFirst) {
  auto record = Submit(MakeOffer("KP-1", 1, 200'000));
  ASSERT_THAT(record, IsOk());
  EXPECT_EQ(record->status(), v1::OFFER_STATUS_PENDING);
  ASSERT_EQ(record->approval().stages_size(), 1);
  const v1::ApprovalStage& stage = record->approval().stages(0);
  EXPECT_EQ(stage.level(), "team_lead");
  EXPECT_EQ(stage.status(), v1::STAGE_STATUS_OPEN);
  // t.lead supervises m.sales, so comes first; t.lead2 holds the level too.
  EXPECT_THAT(Approvers(stage), ElementsAre("t.lead", "t.lead2"));
  EXPECT_EQ(workflow::FromProtoTime(stage.deadline()) - workflow::FromProtoTime(stage.opened_at()),
            absl::Hours(4));
  EXPECT_THAT(InboxOffers(*workflow_, "t.lead"), ElementsAre("KP-1"));
  EXPECT_THAT(InboxOffers(*workflow_, "t.lead2"), ElementsAre("KP-1"));
  EXPECT_THAT(InboxOffers(*workflow_, "h.sales"), IsEmpty());
  auto history = events_->OfferHistory("KP-1");
  ASSERT_THAT(history, IsOk());
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[0].kind, "offer.submitted");
  EXPECT_EQ((*history)[1].kind, "offer.routed");
  EXPECT_THAT((*history)[1].payload_json, HasSubstr("team_lead:t.lead|t.lead2 need 1"));
}

TEST_F(WorkflowTest, ApprovalCompletesTheStageAndTheOffer) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 200'000)), IsOk());
  auto approved = workflow_->Approve("t.lead", "KP-1", 0, "ok");
  ASSERT_THAT(approved, IsOk());
  EXPECT_EQ(approved->status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(approved->approval().stages(0).status(), v1::STAGE_STATUS_APPROVED);
  EXPECT_EQ(approved->approval().stages(0).actions(0).approver_id(), "t.lead");
  EXPECT_THAT(InboxOffers(*workflow_, "t.lead2"), IsEmpty());
  // Acting again on a decided offer is refused, not silently accepted.
  EXPECT_THAT(workflow_->Approve("t.lead2", "KP-1", 0, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("APPROVED")));
  ExpectChainIntact();
}

TEST_F(WorkflowTest, StagesRunInOrderAndQuorumAllNeedsEveryApprover) {
  auto record = Submit(MakeOffer("KP-1", 1, 600'000));
  ASSERT_THAT(record, IsOk());
  ASSERT_EQ(record->approval().stages_size(), 2);
  EXPECT_EQ(record->approval().stages(1).level(), "head_of_sales");
  EXPECT_EQ(record->approval().stages(1).status(), v1::STAGE_STATUS_WAITING);
  EXPECT_EQ(record->approval().stages(1).approvals_required(), 2);
  // The head of sales cannot act before the team lead stage is done.
  EXPECT_THAT(workflow_->Approve("h.sales", "KP-1", 0, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("not an approver")));

  ASSERT_THAT(workflow_->Approve("t.lead", "KP-1", 0, ""), IsOk());
  EXPECT_THAT(InboxOffers(*workflow_, "h.sales"), ElementsAre("KP-1"));
  auto one = workflow_->Approve("h.sales", "KP-1", 0, "fine");
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(one->status(), v1::OFFER_STATUS_PENDING);
  EXPECT_THAT(workflow_->Approve("h.sales", "KP-1", 0, "again"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("already acted")));
  auto both = workflow_->Approve("h.sales2", "KP-1", 0, "");
  ASSERT_THAT(both, IsOk());
  EXPECT_EQ(both->status(), v1::OFFER_STATUS_APPROVED);
}

TEST_F(WorkflowTest, RejectionNeedsACommentAndRejectsTheOffer) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 600'000)), IsOk());
  EXPECT_THAT(workflow_->Reject("t.lead", "KP-1", 0, "  "),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("comment")));
  auto rejected = workflow_->Reject("t.lead", "KP-1", 0, "price too low for this customer");
  ASSERT_THAT(rejected, IsOk());
  EXPECT_EQ(rejected->status(), v1::OFFER_STATUS_REJECTED);
  EXPECT_EQ(rejected->approval().stages(0).status(), v1::STAGE_STATUS_REJECTED);
  EXPECT_EQ(rejected->approval().stages(1).status(), v1::STAGE_STATUS_CANCELLED);
  EXPECT_THAT(InboxOffers(*workflow_, "t.lead2"), IsEmpty());
}

TEST_F(WorkflowTest, FourEyesKeepsAManagerFromSigningTheirOwnOffer) {
  // t.lead2 sells too: their own offer routes to others, and they cannot sign it.
  auto record = Submit(MakeOffer("KP-1", 1, 200'000, -1, "t.lead2"));
  ASSERT_THAT(record, IsOk());
  EXPECT_THAT(Approvers(record->approval().stages(0)), ElementsAre("t.lead"));
  EXPECT_THAT(workflow_->Approve("t.lead2", "KP-1", 0, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("four-eyes")));
  // Nor can the system that submitted it.
  EXPECT_THAT(workflow_->Approve("crm", "KP-1", 0, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::_));
}

TEST_F(WorkflowTest, AnApproverActsOnlyWithinTheirLimit) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 300'000)), IsOk());
  // After routing, t.lead's personal limit is lowered below the total.
  v1::Employee limited = Person("t.lead", "h.sales", {});
  v1::ApprovalAuthority* authority = limited.add_approval_levels();
  authority->set_level("team_lead");
  authority->add_limits()->set_currency_code("RUB");
  authority->mutable_limits(0)->set_units(250'000);
  ASSERT_THAT(workflow_->UpsertEmployee("admin", limited), IsOk());
  EXPECT_THAT(workflow_->Approve("t.lead", "KP-1", 0, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("limit")));
  EXPECT_THAT(workflow_->Approve("t.lead2", "KP-1", 0, ""), IsOk());
}

TEST_F(WorkflowTest, SameRevisionOrKeyReturnsTheFirstDecision) {
  v1::Offer offer = MakeOffer("KP-1", 1, 200'000);
  auto first = Submit(offer, "key-1");
  ASSERT_THAT(first, IsOk());
  auto again = Submit(offer, "key-1");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->submitted_at().seconds(), first->submitted_at().seconds());
  EXPECT_EQ(again->version(), first->version());
  auto same_revision = Submit(offer, "key-2");
  ASSERT_THAT(same_revision, IsOk());
  EXPECT_EQ(same_revision->idempotency_key(), "key-1");

  v1::Offer changed = MakeOffer("KP-1", 1, 210'000);
  EXPECT_THAT(Submit(changed, "key-3"),
              StatusIs(absl::StatusCode::kAlreadyExists, HasSubstr("different content")));
  v1::Offer other = MakeOffer("KP-2", 1, 210'000);
  EXPECT_THAT(Submit(other, "key-1"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("idempotency_key")));
  // Only one submission event was recorded.
  auto history = events_->OfferHistory("KP-1");
  ASSERT_THAT(history, IsOk());
  EXPECT_EQ(std::count_if(history->begin(), history->end(),
                          [](const auto& e) { return e.kind == "offer.submitted"; }),
            1);
}

TEST_F(WorkflowTest, NoRiskierRevisionSupersedesAndCarriesApprovalsOver) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 600'000)), IsOk());
  ASSERT_THAT(workflow_->Approve("t.lead", "KP-1", 0, "ok"), IsOk());

  auto second = Submit(MakeOffer("KP-1", 2, 550'000));
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->status(), v1::OFFER_STATUS_PENDING);
  EXPECT_EQ(second->approval().stages(0).status(), v1::STAGE_STATUS_APPROVED);
  EXPECT_EQ(second->approval().stages(0).actions(0).carried_over_from_revision(), 1);
  EXPECT_EQ(second->approval().current_stage(), 1);
  ASSERT_EQ(second->notes_size(), 1);
  EXPECT_THAT(second->notes(0), HasSubstr("carried over from revision 1"));
  EXPECT_THAT(second->notes(0), HasSubstr("team_lead by t.lead"));
  auto first = workflow_->Get("KP-1", 1);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->status(), v1::OFFER_STATUS_SUPERSEDED);
  EXPECT_THAT(workflow_->Approve("h.sales", "KP-1", 1, ""),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("superseded")));

  // A larger revision gets no carry-over, and says why.
  auto third = Submit(MakeOffer("KP-1", 3, 700'000));
  ASSERT_THAT(third, IsOk());
  EXPECT_EQ(third->approval().current_stage(), 0);
  ASSERT_EQ(third->notes_size(), 1);
  EXPECT_THAT(third->notes(0), HasSubstr("not carried over"));
  EXPECT_THAT(third->notes(0), HasSubstr("larger"));
  // An older revision cannot come back.
  EXPECT_THAT(Submit(MakeOffer("KP-1", 2, 500'000)),
              StatusIs(absl::StatusCode::kAlreadyExists, ::testing::_));
  ExpectChainIntact();
}

TEST_F(WorkflowTest, AnOlderRevisionIsRefused) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 5, 200'000)), IsOk());
  EXPECT_THAT(Submit(MakeOffer("KP-1", 4, 200'000)),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("older")));
}

TEST_F(WorkflowTest, FullyCarriedOverRevisionIsApprovedAtOnce) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 200'000)), IsOk());
  ASSERT_THAT(workflow_->Approve("t.lead", "KP-1", 0, ""), IsOk());
  auto second = Submit(MakeOffer("KP-1", 2, 190'000));
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->status(), v1::OFFER_STATUS_APPROVED);
  // The approved first revision stays approved: it was, when it was sent.
  EXPECT_EQ(workflow_->Get("KP-1", 1)->status(), v1::OFFER_STATUS_APPROVED);
}

TEST_F(WorkflowTest, WithdrawIsForTheSubmitterWhilePending) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 200'000)), IsOk());
  EXPECT_THAT(workflow_->Withdraw("t.lead", "KP-1"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("withdraw")));
  auto withdrawn = workflow_->Withdraw("crm", "KP-1");
  ASSERT_THAT(withdrawn, IsOk());
  EXPECT_EQ(withdrawn->status(), v1::OFFER_STATUS_WITHDRAWN);
  EXPECT_THAT(InboxOffers(*workflow_, "t.lead"), IsEmpty());
  EXPECT_THAT(workflow_->Withdraw("crm", "KP-1"),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("WITHDRAWN")));
}

TEST_F(WorkflowTest, PendingOfferExpiresWhenItsValidityEnds) {
  v1::Offer offer = MakeOffer("KP-1", 1, 200'000);
  *offer.mutable_valid_until() = workflow::ToProtoTime(Now() + absl::Hours(2));
  ASSERT_THAT(Submit(offer), IsOk());
  EXPECT_EQ(*workflow_->ExpireOutdated(), 0);
  Advance(absl::Hours(3));
  EXPECT_EQ(*workflow_->ExpireOutdated(), 1);
  EXPECT_EQ(workflow_->Get("KP-1", 0)->status(), v1::OFFER_STATUS_EXPIRED);
  EXPECT_EQ(*workflow_->ExpireOutdated(), 0);
  EXPECT_THAT(InboxOffers(*workflow_, "t.lead"), IsEmpty());
}

TEST_F(WorkflowTest, OverdueStageEscalatesToTheApproversSupervisorOnce) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 200'000)), IsOk());
  Advance(absl::Hours(3));
  EXPECT_EQ(*workflow_->EscalateOverdue(), 0);
  Advance(absl::Hours(2));
  EXPECT_EQ(*workflow_->EscalateOverdue(), 1);
  EXPECT_EQ(*workflow_->EscalateOverdue(), 0);  // its clock restarted
  auto record = workflow_->Get("KP-1", 0);
  ASSERT_THAT(record, IsOk());
  const v1::ApprovalStage& stage = record->approval().stages(0);
  EXPECT_EQ(stage.escalations(), 1);
  EXPECT_THAT(Approvers(stage), ElementsAre("t.lead", "t.lead2", "h.sales"));
  EXPECT_THAT(InboxOffers(*workflow_, "h.sales"), ElementsAre("KP-1"));
  auto approved = workflow_->Approve("h.sales", "KP-1", 0, "escalated to me");
  ASSERT_THAT(approved, IsOk());
  EXPECT_EQ(approved->status(), v1::OFFER_STATUS_APPROVED);
  auto history = events_->OfferHistory("KP-1");
  ASSERT_THAT(history, IsOk());
  EXPECT_TRUE(std::any_of(history->begin(), history->end(),
                          [](const auto& e) { return e.kind == "stage.escalated"; }));
}

TEST_F(WorkflowTest, DelegateActsOnBehalfDuringTheWindowOnly) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 200'000)), IsOk());
  ASSERT_THAT(workflow_->SetDelegation("t.lead", "a.deputy", Now() - absl::Hours(1),
                                       Now() + absl::Hours(24)),
              IsOk());
  // A delegate's own delegation does not chain further.
  ASSERT_THAT(workflow_->SetDelegation("a.deputy", "x.other", Now() - absl::Hours(1),
                                       Now() + absl::Hours(24)),
              IsOk());
  EXPECT_THAT(InboxOffers(*workflow_, "a.deputy"), ElementsAre("KP-1"));
  EXPECT_THAT(InboxOffers(*workflow_, "x.other"), IsEmpty());
  EXPECT_THAT(workflow_->Approve("x.other", "KP-1", 0, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::_));

  ASSERT_THAT(Submit(MakeOffer("KP-2", 1, 200'000)), IsOk());
  auto approved = workflow_->Approve("a.deputy", "KP-1", 0, "for t.lead");
  ASSERT_THAT(approved, IsOk());
  const v1::ApprovalAction& action = approved->approval().stages(0).actions(0);
  EXPECT_EQ(action.approver_id(), "a.deputy");
  EXPECT_EQ(action.on_behalf_of(), "t.lead");

  Advance(absl::Hours(25));  // the window closed
  EXPECT_THAT(workflow_->Approve("a.deputy", "KP-2", 0, ""),
              StatusIs(absl::StatusCode::kPermissionDenied, ::testing::_));
  ASSERT_THAT(workflow_->ClearDelegation("t.lead"), IsOk());
  EXPECT_THAT(workflow_->ClearDelegation("t.lead"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("no delegation")));
  EXPECT_THAT(workflow_->SetDelegation("t.lead", "t.lead", Now(), Now() + absl::Hours(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("yourself")));
  EXPECT_THAT(workflow_->SetDelegation("t.lead", "nobody", Now(), Now() + absl::Hours(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("delegate_id")));
}

TEST_F(WorkflowTest, BulkApproveChecksEachItemAlone) {
  ASSERT_THAT(Submit(MakeOffer("KP-1", 1, 200'000)), IsOk());
  ASSERT_THAT(Submit(MakeOffer("KP-2", 1, 50'000)), IsOk());  // approved by policy
  ASSERT_THAT(Submit(MakeOffer("KP-3", 1, 300'000)), IsOk());
  auto results = workflow_->BulkApprove("t.lead", {"KP-1", "KP-2", "KP-3", "KP-404"}, "batch");
  ASSERT_EQ(results.size(), 4u);
  EXPECT_THAT(results[0].status, IsOk());
  EXPECT_EQ(results[0].offer_status, v1::OFFER_STATUS_APPROVED);
  EXPECT_THAT(results[1].status, StatusIs(absl::StatusCode::kFailedPrecondition, ::testing::_));
  EXPECT_THAT(results[2].status, IsOk());
  EXPECT_THAT(results[3].status, StatusIs(absl::StatusCode::kNotFound, HasSubstr("KP-404")));
}

TEST_F(WorkflowTest, ConcurrentApproveAndRejectHaveExactlyOneWinnerEach) {
  constexpr int kOffers = 200;
  for (int i = 0; i < kOffers; ++i) {
    ASSERT_THAT(Submit(MakeOffer(absl::StrCat("RACE-", i), 1, 200'000)), IsOk());
  }
  std::atomic<int> approvals{0}, rejections{0}, refused{0}, unexpected{0};
  auto race = [&](const std::string& who, bool approve) {
    for (int i = 0; i < kOffers; ++i) {
      std::string id = absl::StrCat("RACE-", i);
      auto result = approve ? workflow_->Approve(who, id, 0, "")
                            : workflow_->Reject(who, id, 0, "no");
      if (result.ok()) {
        (approve ? approvals : rejections)++;
      } else if (absl::IsFailedPrecondition(result.status())) {
        refused++;
      } else {
        unexpected++;
      }
    }
  };
  std::thread a(race, "t.lead", true);
  std::thread b(race, "t.lead2", false);
  a.join();
  b.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_EQ(approvals + rejections, kOffers);  // one winner per offer
  EXPECT_EQ(refused.load(), kOffers);          // and one refused loser
  int approved_offers = 0;
  for (int i = 0; i < kOffers; ++i) {
    auto record = workflow_->Get(absl::StrCat("RACE-", i), 0);
    ASSERT_THAT(record, IsOk());
    ASSERT_EQ(record->approval().stages(0).actions_size(), 1);  // never a double transition
    approved_offers += record->status() == v1::OFFER_STATUS_APPROVED;
  }
  EXPECT_EQ(approved_offers, approvals.load());
  ExpectChainIntact();
}

TEST_F(WorkflowTest, ConcurrentSubmissionsShareCommitsAndLoseNothing) {
  constexpr int kThreads = 8, kPerThread = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!Submit(MakeOffer(absl::StrCat("GC-", t, "-", i), 1, 200'000 + i)).ok()) failures++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      EXPECT_THAT(workflow_->Get(absl::StrCat("GC-", t, "-", i), 1), IsOk());
    }
  }
  EXPECT_EQ(InboxOffers(*workflow_, "t.lead").size(), static_cast<size_t>(kThreads * kPerThread));
  ExpectChainIntact();
}

TEST_F(WorkflowTest, HostileTextIsStoredAsDataEverywhere) {
  const std::string evil = "'); DROP TABLE offer_revisions; -- \"quoted\" ; \\ {a,b} NULL Ромашка";
  v1::Offer offer = MakeOffer(absl::StrCat("KP-", evil), 1, 200'000);
  offer.mutable_customer()->set_id(evil);
  offer.mutable_customer()->set_name(evil);
  offer.mutable_lines(0)->set_sku(evil);
  offer.mutable_lines(0)->set_name(evil);
  offer.mutable_lines(0)->set_category(evil);
  (*offer.mutable_attributes())[evil] = evil;
  auto record = workflow_->Submit(offer, "crm", evil);
  ASSERT_THAT(record, IsOk());
  auto rejected = workflow_->Reject("t.lead", offer.offer_id(), 0, evil);
  ASSERT_THAT(rejected, IsOk());
  auto stored = workflow_->Get(offer.offer_id(), 1);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->offer().customer().name(), evil);
  EXPECT_EQ(stored->idempotency_key(), evil);
  EXPECT_EQ(stored->approval().stages(0).actions(0).comment(), evil);
  auto history = events_->OfferHistory(offer.offer_id());
  ASSERT_THAT(history, IsOk());
  EXPECT_GE(history->size(), 3u);
  ExpectChainIntact();
}

TEST_F(WorkflowTest, DirectoryChangesAreValidatedAndRecorded) {
  v1::Employee bad = Person("n.new", "nobody");
  EXPECT_THAT(workflow_->UpsertEmployee("admin", bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("supervisor_id")));
  bad = Person("n.new", "t.lead", {"ceo"});
  EXPECT_THAT(workflow_->UpsertEmployee("admin", bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("approval_levels[0].level")));
  ASSERT_THAT(workflow_->UpsertEmployee("admin", Person("n.new", "t.lead")), IsOk());
  ASSERT_THAT(workflow_->DeactivateEmployee("admin", "t.lead2"), IsOk());
  // A deactivated approver receives no new work.
  auto record = Submit(MakeOffer("KP-1", 1, 200'000));
  ASSERT_THAT(record, IsOk());
  EXPECT_THAT(Approvers(record->approval().stages(0)), ElementsAre("t.lead"));
  storage::EventFilter filter;
  filter.kinds = {"directory.employee_upserted", "directory.employee_deactivated"};
  auto events = events_->Read(filter);
  ASSERT_THAT(events, IsOk());
  EXPECT_EQ(events->size(), 2u);
}

TEST_F(WorkflowTest, DecisionKeepsTheManagerFactsItWasMadeOn) {
  auto record = Submit(MakeOffer("KP-1", 1, 200'000));
  ASSERT_THAT(record, IsOk());
  v1::Employee moved = Person("m.sales", "t.lead2");
  moved.add_tags("watched");
  ASSERT_THAT(workflow_->UpsertEmployee("admin", moved), IsOk());
  auto stored = workflow_->Get("KP-1", 1);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(stored->manager_facts().supervisor_id(), "t.lead");
  EXPECT_EQ(stored->manager_facts().tags_size(), 0);
}

}  // namespace
}  // namespace signoff::testing

namespace signoff::testing {
namespace {

TEST_F(WorkflowTest, DirectorySeedLoadsOnlyIntoAnEmptyDirectory) {
  // SetUp seeded eight employees; a second seed (another replica starting,
  // or a restart) changes nothing, even with different content.
  v1::Directory other;
  *other.add_employees() = Person("z.new", "");
  auto seeded = directory_->SeedIfEmpty(other, Now());
  ASSERT_THAT(seeded, IsOk());
  EXPECT_EQ(*seeded, 0);
  auto everyone = directory_->List(/*include_inactive=*/true);
  ASSERT_THAT(everyone, IsOk());
  EXPECT_EQ(everyone->size(), 8u);
  auto chain = directory_->SupervisorChain("m.sales");
  ASSERT_THAT(chain, IsOk());
  ASSERT_EQ(chain->size(), 3u);  // t.lead → h.sales → cfo
  EXPECT_EQ((*chain)[0].employee_id(), "t.lead");
  EXPECT_EQ((*chain)[2].employee_id(), "cfo");
}

}  // namespace
}  // namespace signoff::testing

namespace signoff::testing {
namespace {

// A member of a shared (group-commit) transaction that fails inside the
// database must undo only itself: the others in its batch still commit.
TEST_F(WorkflowTest, AFailingMemberOfASharedCommitSpoilsNothingElse) {
  ASSERT_THAT(Submit(MakeOffer("DUP", 1, 200'000)), IsOk());
  auto stored = workflow_->Get("DUP", 1);
  ASSERT_THAT(stored, IsOk());
  constexpr int kThreads = 8, kPerThread = 15;
  // Odd calls insert a row that exists (a unique violation in SQL).
  auto bad = [](int, int i) { return i % 2 == 1; };
  ExpectOnlyTheBadCallsFail(kThreads, kPerThread, bad, [&](int t, int i) {
    v1::OfferRecord record = *stored;
    if (!bad(t, i)) record.mutable_offer()->set_offer_id(absl::StrCat("OK-", t, "-", i));
    return offers_->TransactGrouped({}, [&](workflow::OfferTransaction& tx) { return tx.Insert(record); });
  });
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; i += 2) {
      EXPECT_THAT(workflow_->Get(absl::StrCat("OK-", t, "-", i), 1), IsOk());
    }
  }
}

}  // namespace
}  // namespace signoff::testing
