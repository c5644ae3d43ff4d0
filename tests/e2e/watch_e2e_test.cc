// Watch streams end to end: WatchDecisions and WatchInbox deliver every
// event exactly once and in order across a cut and a resume, and a server
// that shuts down ends open streams with UNAVAILABLE saying where to resume.

#include <csignal>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/api_test_util.h"
#include "tests/support/signoffd_fixture.h"
#include "tests/support/status_matchers.h"

namespace signoff {
namespace {

using ::signoff::testing::Ctx;
using ::signoff::testing::GrpcIs;
using ::signoff::testing::GrpcOk;
using ::signoff::testing::IsOk;
using ::signoff::testing::PipeOffer;
using ::signoff::testing::SignoffdProcess;
using ::signoff::testing::StreamReader;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using Code = grpc::StatusCode;

namespace t = ::signoff::testing;

class WatchE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = SignoffdProcess::Start();
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    Connect();
  }

  void Connect() {
    auto channel = server_->Channel();
    offers_ = v1::OfferService::NewStub(channel);
    approvals_ = v1::ApprovalService::NewStub(channel);
    audit_ = v1::AuditService::NewStub(channel);
  }

  void Submit(const v1::Offer& offer) {
    v1::SubmitOfferRequest request;
    *request.mutable_offer() = offer;
    v1::SubmitOfferResponse response;
    ASSERT_THAT(offers_->SubmitOffer(Ctx(t::kCrm).get(), request, &response), GrpcOk());
  }

  void Approve(const std::string& token, const std::string& offer_id) {
    v1::ApproveRequest request;
    request.set_offer_id(offer_id);
    v1::ApproveResponse response;
    ASSERT_THAT(approvals_->Approve(Ctx(token).get(), request, &response), GrpcOk());
  }

  using DecisionStream = StreamReader<v1::DecisionUpdate>;
  std::unique_ptr<DecisionStream> WatchDecisions(const std::string& token, int64_t after_seq,
                                                 std::vector<std::string> offer_ids = {}) {
    v1::WatchDecisionsRequest request;
    request.set_after_seq(after_seq);
    for (const std::string& id : offer_ids) request.add_offer_ids(id);
    // No deadline: a watch stays open until cut.
    auto context = Ctx(token, absl::Hours(1));
    return std::make_unique<DecisionStream>(std::move(context), [this, request](grpc::ClientContext* c) {
      return offers_->WatchDecisions(c, request);
    });
  }

  using InboxStream = StreamReader<v1::InboxUpdate>;
  std::unique_ptr<InboxStream> WatchInbox(const std::string& token, int64_t after_seq) {
    v1::WatchInboxRequest request;
    request.set_after_seq(after_seq);
    return std::make_unique<InboxStream>(Ctx(token, absl::Hours(1)), [this, request](grpc::ClientContext* c) {
      return approvals_->WatchInbox(c, request);
    });
  }

  // The seqs of every event of the given offers, from the audit log: what a
  // watcher of them must have received, in order.
  std::vector<int64_t> LoggedSeqs(const std::vector<std::string>& offer_ids) {
    std::vector<int64_t> seqs;
    for (const std::string& id : offer_ids) {
      v1::GetOfferHistoryRequest request;
      request.set_offer_id(id);
      v1::GetOfferHistoryResponse response;
      EXPECT_THAT(audit_->GetOfferHistory(Ctx(t::kAuditor).get(), request, &response), GrpcOk());
      for (const v1::Event& e : response.events()) seqs.push_back(e.seq());
    }
    std::sort(seqs.begin(), seqs.end());
    return seqs;
  }

  template <typename Update>
  static std::vector<int64_t> Seqs(const std::vector<Update>& updates) {
    std::vector<int64_t> seqs;
    for (const Update& u : updates) seqs.push_back(u.event().seq());
    return seqs;
  }

  std::unique_ptr<SignoffdProcess> server_;
  std::unique_ptr<v1::OfferService::Stub> offers_;
  std::unique_ptr<v1::ApprovalService::Stub> approvals_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
};

TEST_F(WatchE2eTest, WatchDecisionsCutAndResumedDeliversEveryEventOnceInOrder) {
  auto first = WatchDecisions(t::kCrm, 0);
  Submit(PipeOffer("KP-W1", "m.ivanova"));   // approved: 1 event
  Submit(PipeOffer("KP-W2", "e.novikova"));  // pending: submitted, routed
  ASSERT_TRUE(first->WaitFor(3)) << first->messages().size();
  EXPECT_THAT(first->Cancel(), GrpcIs(Code::CANCELLED, ::testing::_));
  std::vector<v1::DecisionUpdate> before = first->messages();
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before[0].event().kind(), "offer.submitted");
  EXPECT_EQ(before[0].record().offer().offer_id(), "KP-W1");
  EXPECT_EQ(before[0].record().status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(before[2].event().kind(), "offer.routed");
  EXPECT_EQ(before[2].record().offer().offer_id(), "KP-W2");
  const int64_t last_seen = before.back().event().seq();

  // While nobody watches: a sign-off, a withdrawal, and a page's worth of
  // submissions more than one fetch (200) and the outbox (256) hold.
  Approve(t::kSmirnova, "KP-W2");
  Submit(PipeOffer("KP-W3", "e.novikova"));
  v1::WithdrawOfferRequest withdraw;
  withdraw.set_offer_id("KP-W3");
  v1::WithdrawOfferResponse withdrawn;
  ASSERT_THAT(offers_->WithdrawOffer(Ctx(t::kCrm).get(), withdraw, &withdrawn), GrpcOk());
  std::vector<std::string> ids = {"KP-W1", "KP-W2", "KP-W3"};
  for (int i = 0; i < 300; ++i) {
    ids.push_back(absl::StrCat("KP-WB-", i));
    Submit(PipeOffer(ids.back(), "m.ivanova"));
  }

  auto second = WatchDecisions(t::kCrm, last_seen);
  // ... and live ones after the resume.
  Submit(PipeOffer("KP-W4", "e.novikova"));
  ids.push_back("KP-W4");
  std::vector<int64_t> expected = LoggedSeqs(ids);
  const size_t expected_after = expected.size() - before.size();
  ASSERT_TRUE(second->WaitFor(expected_after)) << second->messages().size() << " of " << expected_after;
  // Nothing more arrives (no duplicates trailing behind).
  EXPECT_FALSE(second->WaitFor(expected_after + 1, absl::Milliseconds(300)));

  std::vector<int64_t> received = Seqs(before);
  for (int64_t seq : Seqs(second->messages())) received.push_back(seq);
  EXPECT_THAT(received, ElementsAreArray(expected));
  for (const v1::DecisionUpdate& u : second->messages()) {
    EXPECT_EQ(u.record().offer().offer_id(), u.event().offer_id());
    EXPECT_EQ(u.record().submitted_by(), "crm");
  }
  std::vector<v1::DecisionUpdate> after = second->messages();
  EXPECT_EQ(after[0].event().kind(), "stage.approved");
  EXPECT_EQ(after[0].event().actor_id(), "i.smirnova");
  EXPECT_EQ(after[2].event().kind(), "offer.approved");
  EXPECT_EQ(after.back().event().kind(), "offer.routed");
  EXPECT_EQ(after.back().event().offer_id(), "KP-W4");
}

TEST_F(WatchE2eTest, WatchDecisionsOfChosenOffersOnly) {
  Submit(PipeOffer("KP-C1", "m.ivanova"));
  Submit(PipeOffer("KP-C2", "e.novikova"));
  auto watch = WatchDecisions(t::kCrm, 0, {"KP-C2"});
  Approve(t::kSmirnova, "KP-C2");
  Submit(PipeOffer("KP-C3", "m.ivanova"));
  std::vector<int64_t> expected = LoggedSeqs({"KP-C2"});
  ASSERT_EQ(expected.size(), 5u);
  ASSERT_TRUE(watch->WaitFor(5));
  EXPECT_FALSE(watch->WaitFor(6, absl::Milliseconds(300)));
  EXPECT_THAT(Seqs(watch->messages()), ElementsAreArray(expected));
  EXPECT_EQ(watch->messages().back().record().status(), v1::OFFER_STATUS_APPROVED);
}

TEST_F(WatchE2eTest, WatchInboxShowsEnteredThenLeftAcrossACut) {
  auto first = WatchInbox(t::kSmirnova, 0);
  Submit(PipeOffer("KP-I1", "e.novikova"));  // hers: submitted, routed
  Submit(PipeOffer("KP-I2", "m.ivanova"));   // approved at once: nobody's
  Submit(PipeOffer("KP-I3", "d.sokolov"));   // a St Petersburg team lead's... and hers as a holder
  ASSERT_TRUE(first->WaitFor(2));
  std::vector<v1::InboxUpdate> before = first->messages();
  EXPECT_EQ(before[0].change(), v1::InboxUpdate::CHANGE_ENTERED);
  EXPECT_EQ(before[0].item().offer_id(), "KP-I1");
  EXPECT_EQ(before[0].item().due_to(), "i.smirnova");
  EXPECT_EQ(before[0].item().level(), "team_lead");
  EXPECT_EQ(before[0].item().manager_id(), "e.novikova");
  EXPECT_EQ(before[1].change(), v1::InboxUpdate::CHANGE_ENTERED);
  // Let KP-I3's updates (if any) arrive too, then cut.
  std::vector<int64_t> involved_before = LoggedSeqs({"KP-I1"});
  {
    v1::GetApprovalRequest request;
    request.set_offer_id("KP-I3");
    v1::GetApprovalResponse response;
    ASSERT_THAT(approvals_->GetApproval(Ctx(t::kSmirnova).get(), request, &response), GrpcOk());
    bool hers = false;
    for (const std::string& a : response.record().approval().stages(0).approvers()) {
      hers = hers || a == "i.smirnova";
    }
    if (hers) {
      for (int64_t s : LoggedSeqs({"KP-I3"})) involved_before.push_back(s);
    }
  }
  ASSERT_TRUE(first->WaitFor(involved_before.size()));
  EXPECT_THAT(first->Cancel(), GrpcIs(Code::CANCELLED, ::testing::_));
  before = first->messages();
  EXPECT_THAT(Seqs(before), ElementsAreArray(involved_before));
  const int64_t last_seen = before.back().event().seq();

  Approve(t::kSmirnova, "KP-I1");           // leaves: stage.approved, completed, offer.approved
  Submit(PipeOffer("KP-I4", "e.novikova"));  // enters

  auto second = WatchInbox(t::kSmirnova, last_seen);
  std::vector<int64_t> missed = LoggedSeqs({"KP-I1", "KP-I4"});
  missed.erase(std::remove_if(missed.begin(), missed.end(), [&](int64_t s) { return s <= last_seen; }),
               missed.end());
  ASSERT_EQ(missed.size(), 5u);
  ASSERT_TRUE(second->WaitFor(5));
  std::vector<v1::InboxUpdate> after = second->messages();
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(after[i].item().offer_id(), "KP-I1");
    EXPECT_EQ(after[i].change(), v1::InboxUpdate::CHANGE_LEFT) << i;
  }
  EXPECT_EQ(after[3].item().offer_id(), "KP-I4");
  EXPECT_EQ(after[3].change(), v1::InboxUpdate::CHANGE_ENTERED);

  // Live: the approval takes KP-I4 out again.
  Approve(t::kSmirnova, "KP-I4");
  ASSERT_TRUE(second->WaitFor(8));
  EXPECT_FALSE(second->WaitFor(9, absl::Milliseconds(300)));
  after = second->messages();
  EXPECT_EQ(after[7].item().offer_id(), "KP-I4");
  EXPECT_EQ(after[7].change(), v1::InboxUpdate::CHANGE_LEFT);
  EXPECT_EQ(after[7].event().kind(), "offer.approved");
  std::vector<int64_t> received = Seqs(before);
  for (int64_t seq : Seqs(after)) received.push_back(seq);
  std::vector<int64_t> expected = involved_before;
  for (int64_t seq : LoggedSeqs({"KP-I1", "KP-I4"})) {
    if (seq > last_seen) expected.push_back(seq);
  }
  EXPECT_THAT(received, ElementsAreArray(expected));
}

// "... resume with after_seq=N" → N.
int64_t ResumePoint(const std::string& message) {
  size_t at = message.find("after_seq=");
  if (at == std::string::npos) return -1;
  std::string digits;
  for (size_t i = at + 10; i < message.size() && isdigit(static_cast<unsigned char>(message[i])); ++i) {
    digits.push_back(message[i]);
  }
  int64_t seq = -1;
  return absl::SimpleAtoi(digits, &seq) ? seq : -1;
}

TEST_F(WatchE2eTest, SigtermEndsOpenStreamsWithWhereToResumeAndExitsZero) {
  auto decisions = WatchDecisions(t::kAuditor, 0);
  auto inbox = WatchInbox(t::kSmirnova, 0);
  Submit(PipeOffer("KP-S1", "e.novikova"));
  Submit(PipeOffer("KP-S2", "m.ivanova"));
  ASSERT_TRUE(decisions->WaitFor(3));
  ASSERT_TRUE(inbox->WaitFor(2));

  absl::Time signalled = absl::Now();
  server_->Signal(SIGTERM);
  std::optional<grpc::Status> ended = decisions->WaitForEnd();
  ASSERT_TRUE(ended.has_value());
  EXPECT_THAT(*ended, GrpcIs(Code::UNAVAILABLE, HasSubstr("after_seq=")));
  // The resume point is what this client last received (every event is an
  // offer's here, so exactly that).
  EXPECT_EQ(ResumePoint(ended->error_message()), decisions->messages().back().event().seq())
      << ended->error_message();
  std::optional<grpc::Status> inbox_ended = inbox->WaitForEnd();
  ASSERT_TRUE(inbox_ended.has_value());
  EXPECT_THAT(*inbox_ended, GrpcIs(Code::UNAVAILABLE, HasSubstr("after_seq=")));
  EXPECT_GE(ResumePoint(inbox_ended->error_message()), inbox->messages().back().event().seq());
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
  // Open streams do not hold the process for the whole grace period (5s).
  EXPECT_LT(absl::Now() - signalled, absl::Seconds(4));

  // A new server on the same database: resuming where the old one said
  // misses nothing and repeats nothing.
  const int64_t resume = ResumePoint(ended->error_message());
  ASSERT_THAT(server_->Restart(), IsOk());
  Connect();
  Approve(t::kSmirnova, "KP-S1");
  auto resumed = WatchDecisions(t::kAuditor, resume);
  std::vector<int64_t> expected;
  for (int64_t seq : LoggedSeqs({"KP-S1", "KP-S2"})) {
    if (seq > resume) expected.push_back(seq);
  }
  ASSERT_EQ(expected.size(), 3u);
  ASSERT_TRUE(resumed->WaitFor(3));
  EXPECT_FALSE(resumed->WaitFor(4, absl::Milliseconds(300)));
  EXPECT_THAT(Seqs(resumed->messages()), ElementsAreArray(expected));
  EXPECT_EQ(resumed->messages()[0].event().kind(), "stage.approved");
  EXPECT_EQ(resumed->messages()[2].event().kind(), "offer.approved");
}

TEST_F(WatchE2eTest, SigtermWithABacklogTellsASlowClientExactlyWhereToResume) {
  // Big updates (offers of 100 lines) so that what the server fetched does
  // not fit into the transport's windows while the client does not read.
  std::vector<std::string> ids;
  for (int i = 0; i < 150; ++i) {
    v1::Offer offer = PipeOffer(absl::StrCat("KP-BIG-", i), "m.ivanova");
    for (int l = 0; l < 99; ++l) t::AddLine(&offer, "1", 1000, 800);
    ids.push_back(offer.offer_id());
    Submit(offer);
  }
  std::vector<int64_t> logged = LoggedSeqs(ids);
  ASSERT_GE(logged.size(), 150u);

  auto context = Ctx(t::kAuditor, absl::Hours(1));
  v1::WatchDecisionsRequest request;
  std::unique_ptr<grpc::ClientReader<v1::DecisionUpdate>> reader =
      offers_->WatchDecisions(context.get(), request);
  v1::DecisionUpdate update;
  std::vector<int64_t> received;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(reader->Read(&update));
    received.push_back(update.event().seq());
  }
  // The client stalls; the server stops meanwhile.
  server_->Signal(SIGTERM);
  while (reader->Read(&update)) received.push_back(update.event().seq());
  grpc::Status status = reader->Finish();
  ASSERT_THAT(status, GrpcIs(Code::UNAVAILABLE, HasSubstr("after_seq=")));
  const int64_t resume = ResumePoint(status.error_message());
  EXPECT_EQ(resume, received.back()) << status.error_message() << "; received " << received.size();
  // Received so far plus everything after the resume point is the whole log,
  // each event once.
  for (int64_t seq : logged) {
    if (seq > resume) received.push_back(seq);
  }
  EXPECT_THAT(received, ElementsAreArray(logged));
  EXPECT_EQ(server_->Stop(SIGTERM), 0);
}

}  // namespace
}  // namespace signoff
