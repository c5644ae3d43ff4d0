// The public gRPC API end to end: the real signoffd on port 0 over a fresh
// database, driven through the generated C++ stubs with the demo principals.
// Covers who may call what, input limits, and the sign-off story from
// submission to decision, delegation, withdrawal and idempotent retries.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

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
using ::testing::_;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using Code = grpc::StatusCode;

namespace t = ::signoff::testing;

class ApiE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The demo principals plus a second front-office system that may submit
    // for one manager only (token "test-crm-spb").
    principals_ = absl::StrCat(::testing::TempDir(), "/principals-", getpid(), ".textproto");
    {
      std::ifstream demo(t::SourceDir() + "/deploy/demo/principals.textproto");
      std::ofstream out(principals_);
      out << demo.rdbuf()
          << "principals { id: \"crm-spb\" roles: ROLE_FRONTOFFICE submit_for: \"r.morozov\"\n"
             "  token_sha256: \"cc129bf0b6cde27234bfaf66337ecdbfc6d15e3020ad217f7213ffe6620275a9\" }\n";
    }
    t::SignoffdOptions options;
    options.principals_file = principals_;
    auto server = SignoffdProcess::Start(options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
    auto channel = server_->Channel();
    offers_ = v1::OfferService::NewStub(channel);
    approvals_ = v1::ApprovalService::NewStub(channel);
    audit_ = v1::AuditService::NewStub(channel);
    admin_ = v1::AdminService::NewStub(channel);
  }

  // Submits as the CRM and expects success.
  v1::OfferRecord Submit(const v1::Offer& offer, const std::string& key = "") {
    v1::SubmitOfferRequest request;
    *request.mutable_offer() = offer;
    request.set_idempotency_key(key);
    v1::SubmitOfferResponse response;
    grpc::Status status = offers_->SubmitOffer(Ctx(t::kCrm).get(), request, &response);
    EXPECT_THAT(status, GrpcOk()) << offer.offer_id();
    return response.record();
  }

  grpc::Status SubmitStatus(const v1::Offer& offer, const std::string& token = t::kCrm) {
    v1::SubmitOfferRequest request;
    *request.mutable_offer() = offer;
    v1::SubmitOfferResponse response;
    return offers_->SubmitOffer(Ctx(token).get(), request, &response);
  }

  grpc::Status Approve(const std::string& token, const std::string& offer_id,
                       v1::OfferRecord* record = nullptr, int64_t revision = 0) {
    v1::ApproveRequest request;
    request.set_offer_id(offer_id);
    request.set_revision(revision);
    request.set_comment("checked the prices");
    v1::ApproveResponse response;
    grpc::Status status = approvals_->Approve(Ctx(token).get(), request, &response);
    if (record != nullptr) *record = response.record();
    return status;
  }

  std::vector<v1::InboxItem> Inbox(const std::string& token, const std::string& approver = "") {
    v1::ListInboxRequest request;
    request.set_approver_id(approver);
    request.set_page_size(1000);
    v1::ListInboxResponse response;
    grpc::Status status = approvals_->ListInbox(Ctx(token).get(), request, &response);
    EXPECT_THAT(status, GrpcOk());
    return {response.items().begin(), response.items().end()};
  }

  static std::vector<std::string> OfferIds(const std::vector<v1::InboxItem>& items) {
    std::vector<std::string> ids;
    for (const v1::InboxItem& item : items) ids.push_back(item.offer_id());
    return ids;
  }

  void TearDown() override {
    server_.reset();
    std::remove(principals_.c_str());
  }

  std::string principals_;
  std::unique_ptr<SignoffdProcess> server_;
  std::unique_ptr<v1::OfferService::Stub> offers_;
  std::unique_ptr<v1::ApprovalService::Stub> approvals_;
  std::unique_ptr<v1::AuditService::Stub> audit_;
  std::unique_ptr<v1::AdminService::Stub> admin_;
};

// ------------------------------------------------------------ credentials

// Every RPC of every service, with an empty request: credentials and role
// are checked before anything else.
struct RpcCase {
  std::string method;
  // A role that may not call it (empty when every role may).
  std::string forbidden_token;
  std::function<grpc::Status(grpc::ClientContext*)> call;
};

template <typename Message>
grpc::Status DrainStream(std::unique_ptr<grpc::ClientReader<Message>> reader) {
  Message message;
  while (reader->Read(&message)) {
  }
  return reader->Finish();
}

TEST_F(ApiE2eTest, EveryRpcRefusesMissingAndWrongCredentialsAndWrongRoles) {
  v1::OfferService::Stub& o = *offers_;
  v1::ApprovalService::Stub& a = *approvals_;
  v1::AuditService::Stub& u = *audit_;
  v1::AdminService::Stub& d = *admin_;
  // Each lambda makes one call with an empty request.
#define SIGNOFF_UNARY(stub, Method, Req, Resp)  \
  [&stub](grpc::ClientContext* c) {               \
    v1::Req req;                                  \
    v1::Resp resp;                                \
    return stub.Method(c, req, &resp);            \
  }
  std::vector<RpcCase> cases = {
      {"OfferService.SubmitOffer", t::kSmirnova,
       SIGNOFF_UNARY(o, SubmitOffer, SubmitOfferRequest, SubmitOfferResponse)},
      {"OfferService.EvaluateOffer", t::kAuditor,
       SIGNOFF_UNARY(o, EvaluateOffer, EvaluateOfferRequest, EvaluateOfferResponse)},
      {"OfferService.GetDecision", "",  // every role may read a decision
       SIGNOFF_UNARY(o, GetDecision, GetDecisionRequest, GetDecisionResponse)},
      {"OfferService.WithdrawOffer", t::kAuditor,
       SIGNOFF_UNARY(o, WithdrawOffer, WithdrawOfferRequest, WithdrawOfferResponse)},
      {"OfferService.WatchDecisions", t::kSmirnova,
       [&o](grpc::ClientContext* c) { return DrainStream(o.WatchDecisions(c, {})); }},
      {"ApprovalService.ListInbox", t::kCrm,
       SIGNOFF_UNARY(a, ListInbox, ListInboxRequest, ListInboxResponse)},
      {"ApprovalService.GetApproval", t::kCrm,
       SIGNOFF_UNARY(a, GetApproval, GetApprovalRequest, GetApprovalResponse)},
      {"ApprovalService.Approve", t::kAdmin, SIGNOFF_UNARY(a, Approve, ApproveRequest, ApproveResponse)},
      {"ApprovalService.Reject", t::kAuditor, SIGNOFF_UNARY(a, Reject, RejectRequest, RejectResponse)},
      {"ApprovalService.BulkApprove", t::kCrm,
       SIGNOFF_UNARY(a, BulkApprove, BulkApproveRequest, BulkApproveResponse)},
      {"ApprovalService.SetDelegation", t::kAdmin,
       SIGNOFF_UNARY(a, SetDelegation, SetDelegationRequest, SetDelegationResponse)},
      {"ApprovalService.ClearDelegation", t::kCrm,
       SIGNOFF_UNARY(a, ClearDelegation, ClearDelegationRequest, ClearDelegationResponse)},
      {"ApprovalService.WatchInbox", t::kAuditor,
       [&a](grpc::ClientContext* c) { return DrainStream(a.WatchInbox(c, {})); }},
      {"AuditService.QueryDecisions", t::kSmirnova,
       SIGNOFF_UNARY(u, QueryDecisions, QueryDecisionsRequest, QueryDecisionsResponse)},
      {"AuditService.GetOfferHistory", t::kCrm,
       SIGNOFF_UNARY(u, GetOfferHistory, GetOfferHistoryRequest, GetOfferHistoryResponse)},
      {"AuditService.GetStatistics", t::kCrm,
       SIGNOFF_UNARY(u, GetStatistics, GetStatisticsRequest, GetStatisticsResponse)},
      {"AuditService.VerifyAuditLog", t::kVolkov,
       SIGNOFF_UNARY(u, VerifyAuditLog, VerifyAuditLogRequest, VerifyAuditLogResponse)},
      {"AdminService.GetPolicyInfo", t::kCrm,
       SIGNOFF_UNARY(d, GetPolicyInfo, GetPolicyInfoRequest, GetPolicyInfoResponse)},
      {"AdminService.ReloadPolicies", t::kAuditor,
       SIGNOFF_UNARY(d, ReloadPolicies, ReloadPoliciesRequest, ReloadPoliciesResponse)},
      {"AdminService.SimulatePolicy", t::kAuditor,
       SIGNOFF_UNARY(d, SimulatePolicy, SimulatePolicyRequest, SimulatePolicyResponse)},
      {"AdminService.UpsertEmployee", t::kAuditor,
       SIGNOFF_UNARY(d, UpsertEmployee, UpsertEmployeeRequest, UpsertEmployeeResponse)},
      {"AdminService.DeactivateEmployee", t::kOrlova,
       SIGNOFF_UNARY(d, DeactivateEmployee, DeactivateEmployeeRequest, DeactivateEmployeeResponse)},
      {"AdminService.ListEmployees", t::kCrm,
       SIGNOFF_UNARY(d, ListEmployees, ListEmployeesRequest, ListEmployeesResponse)},
  };
#undef SIGNOFF_UNARY
  for (const RpcCase& rpc : cases) {
    SCOPED_TRACE(rpc.method);
    EXPECT_THAT(rpc.call(Ctx("").get()), GrpcIs(Code::UNAUTHENTICATED, HasSubstr("credentials")));
    EXPECT_THAT(rpc.call(Ctx("demo-nobody").get()), GrpcIs(Code::UNAUTHENTICATED, _));
    // A known token under the wrong scheme is no credential either.
    auto basic = Ctx("");
    basic->AddMetadata("authorization", "Basic demo-crm");
    EXPECT_THAT(rpc.call(basic.get()), GrpcIs(Code::UNAUTHENTICATED, _));
    if (!rpc.forbidden_token.empty()) {
      EXPECT_THAT(rpc.call(Ctx(rpc.forbidden_token).get()),
                  GrpcIs(Code::PERMISSION_DENIED, AllOf(HasSubstr(rpc.method), HasSubstr("role"))));
    }
  }
}

TEST_F(ApiE2eTest, AnApproverMayNotReadAnotherApproversInboxButAnAdminMay) {
  v1::OfferRecord pending = Submit(PipeOffer("KP-INBOX-1", "e.novikova"));
  ASSERT_EQ(pending.status(), v1::OFFER_STATUS_PENDING);

  v1::ListInboxRequest request;
  request.set_approver_id("i.smirnova");
  v1::ListInboxResponse response;
  EXPECT_THAT(approvals_->ListInbox(Ctx(t::kKuznetsov).get(), request, &response),
              GrpcIs(Code::PERMISSION_DENIED, HasSubstr("inbox of i.smirnova")));
  EXPECT_THAT(OfferIds(Inbox(t::kAdmin, "i.smirnova")), ElementsAre("KP-INBOX-1"));
  // Naming yourself is the same as naming nobody.
  EXPECT_THAT(OfferIds(Inbox(t::kSmirnova, "i.smirnova")), ElementsAre("KP-INBOX-1"));
}

TEST_F(ApiE2eTest, FrontOfficeSeesOnlyWhatItSubmittedAndOnlyForItsManagers) {
  constexpr char kSpb[] = "test-crm-spb";
  Submit(PipeOffer("KP-OWN-1", "m.ivanova"));
  // crm-spb may submit for r.morozov only.
  EXPECT_THAT(SubmitStatus(PipeOffer("KP-OWN-2", "m.ivanova"), kSpb),
              GrpcIs(Code::PERMISSION_DENIED, HasSubstr("m.ivanova")));
  EXPECT_THAT(SubmitStatus(PipeOffer("KP-OWN-3", "r.morozov"), kSpb), GrpcOk());

  v1::GetDecisionRequest get;
  get.set_offer_id("KP-OWN-1");
  v1::GetDecisionResponse got;
  ASSERT_THAT(offers_->GetDecision(Ctx(t::kCrm).get(), get, &got), GrpcOk());
  EXPECT_EQ(got.record().submitted_by(), "crm");
  // Another front-office system does not read crm's offers; readers do.
  EXPECT_THAT(offers_->GetDecision(Ctx(kSpb).get(), get, &got),
              GrpcIs(Code::PERMISSION_DENIED, HasSubstr("did not submit")));
  EXPECT_THAT(offers_->GetDecision(Ctx(t::kAuditor).get(), get, &got), GrpcOk());
  EXPECT_THAT(offers_->GetDecision(Ctx(t::kSmirnova).get(), get, &got), GrpcOk());
  // Nor withdraws them.
  Submit(PipeOffer("KP-OWN-4", "e.novikova"));
  v1::WithdrawOfferRequest withdraw;
  withdraw.set_offer_id("KP-OWN-4");
  v1::WithdrawOfferResponse withdrawn;
  EXPECT_THAT(offers_->WithdrawOffer(Ctx(kSpb).get(), withdraw, &withdrawn),
              GrpcIs(Code::PERMISSION_DENIED, _));
  get.set_offer_id("KP-NOPE");
  EXPECT_THAT(offers_->GetDecision(Ctx(t::kCrm).get(), get, &got),
              GrpcIs(Code::NOT_FOUND, HasSubstr("KP-NOPE")));
}

// ------------------------------------------------------------ bad input

TEST_F(ApiE2eTest, BadInputIsInvalidArgumentNamingTheField) {
  v1::Offer zero = PipeOffer("KP-BAD-1", "m.ivanova", "0");
  EXPECT_THAT(SubmitStatus(zero), GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("quantity")));

  v1::Offer many = PipeOffer("KP-BAD-2", "m.ivanova");
  for (int i = 0; i < 1000; ++i) t::AddLine(&many, "1", 10, 8);
  EXPECT_THAT(SubmitStatus(many),
              GrpcIs(Code::INVALID_ARGUMENT, AllOf(HasSubstr("offer.lines"), HasSubstr("1001"))));

  v1::Offer long_id = PipeOffer(std::string(129, 'K'), "m.ivanova");
  EXPECT_THAT(SubmitStatus(long_id), GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("offer_id")));

  v1::Offer no_id = PipeOffer("", "m.ivanova");
  EXPECT_THAT(SubmitStatus(no_id), GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("offer_id")));

  v1::Offer wrong_total = PipeOffer("KP-BAD-3", "m.ivanova");
  wrong_total.mutable_total()->set_currency_code("RUB");
  wrong_total.mutable_total()->set_units(1);
  EXPECT_THAT(SubmitStatus(wrong_total), GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("total")));

  v1::SubmitOfferRequest long_key;
  *long_key.mutable_offer() = PipeOffer("KP-BAD-4", "m.ivanova");
  long_key.set_idempotency_key(std::string(200, 'x'));
  v1::SubmitOfferResponse submitted;
  EXPECT_THAT(offers_->SubmitOffer(Ctx(t::kCrm).get(), long_key, &submitted),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("idempotency_key")));

  v1::ListInboxRequest big_page;
  big_page.set_page_size(1001);
  v1::ListInboxResponse inbox;
  EXPECT_THAT(approvals_->ListInbox(Ctx(t::kSmirnova).get(), big_page, &inbox),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("page_size")));
  v1::ListInboxRequest bad_token;
  bad_token.set_page_token("not-a-token");
  EXPECT_THAT(approvals_->ListInbox(Ctx(t::kSmirnova).get(), bad_token, &inbox),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("page_token")));

  v1::QueryDecisionsRequest negative_page;
  negative_page.set_page_size(-1);
  v1::QueryDecisionsResponse decisions;
  EXPECT_THAT(audit_->QueryDecisions(Ctx(t::kAuditor).get(), negative_page, &decisions),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("page_size")));
  v1::QueryDecisionsRequest garbage_token;
  garbage_token.set_page_token("garbage!");
  EXPECT_THAT(audit_->QueryDecisions(Ctx(t::kAuditor).get(), garbage_token, &decisions),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("page_token")));
  v1::QueryDecisionsRequest backwards;
  backwards.mutable_from()->set_seconds(2000000000);
  backwards.mutable_to()->set_seconds(1000000000);
  EXPECT_THAT(audit_->QueryDecisions(Ctx(t::kAuditor).get(), backwards, &decisions),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("to")));

  v1::BulkApproveRequest too_many;
  for (int i = 0; i < 501; ++i) too_many.add_offer_ids(absl::StrCat("KP-", i));
  v1::BulkApproveResponse bulk;
  EXPECT_THAT(approvals_->BulkApprove(Ctx(t::kSmirnova).get(), too_many, &bulk),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("offer_ids")));

  v1::RejectRequest no_comment;
  no_comment.set_offer_id("KP-BAD-1");
  v1::RejectResponse rejected;
  EXPECT_THAT(approvals_->Reject(Ctx(t::kSmirnova).get(), no_comment, &rejected),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("comment")));

  v1::SetDelegationRequest no_end;
  no_end.set_delegate_id("k.orlova");
  v1::SetDelegationResponse delegation;
  EXPECT_THAT(approvals_->SetDelegation(Ctx(t::kSmirnova).get(), no_end, &delegation),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("ends_at")));

  v1::WatchDecisionsRequest negative_seq;
  negative_seq.set_after_seq(-1);
  auto watch = Ctx(t::kCrm);
  EXPECT_THAT(DrainStream(offers_->WatchDecisions(watch.get(), negative_seq)),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("after_seq")));

  v1::SimulatePolicyRequest no_files;
  v1::SimulatePolicyResponse simulated;
  EXPECT_THAT(admin_->SimulatePolicy(Ctx(t::kAdmin).get(), no_files, &simulated),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("files")));

  // Nothing of the above was stored.
  v1::QueryDecisionsRequest all;
  EXPECT_THAT(audit_->QueryDecisions(Ctx(t::kAuditor).get(), all, &decisions), GrpcOk());
  EXPECT_THAT(decisions.records(), IsEmpty());
}

// ------------------------------------------------------------ the story

TEST_F(ApiE2eTest, SubmitDecidesAtOnceAndRoutesToTheTeamLeadWhoApproves) {
  // A small offer to an existing customer passes.
  v1::OfferRecord small = Submit(PipeOffer("KP-1001", "m.ivanova"));
  EXPECT_EQ(small.status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(small.decision().outcome(), v1::OUTCOME_APPROVED);
  EXPECT_EQ(small.decision().figures().total().units(), 10000);
  EXPECT_EQ(small.decision().figures().margin_percent().value(), "20");
  EXPECT_EQ(small.decision().policy_version().label(), "2026-02 default (RU B2B distributor)");
  EXPECT_EQ(small.submitted_by(), "crm");

  // Selling below cost is rejected with the rule's message.
  v1::OfferRecord loss = Submit(PipeOffer("KP-1002", "m.ivanova", "10", 1000, 1200));
  EXPECT_EQ(loss.status(), v1::OFFER_STATUS_REJECTED);
  ASSERT_EQ(loss.decision().outcome(), v1::OUTCOME_REJECTED);
  std::set<std::string> loss_rules;
  for (const v1::Reason& r : loss.decision().reasons()) loss_rules.insert(r.rule_id());
  EXPECT_THAT(loss_rules, Contains("margin.negative"));

  // A manager on probation: pending for her team lead.
  v1::OfferRecord pending = Submit(PipeOffer("KP-1003", "e.novikova", "200"));
  ASSERT_EQ(pending.status(), v1::OFFER_STATUS_PENDING);
  EXPECT_EQ(pending.decision().outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  EXPECT_THAT(pending.decision().required_levels(), ElementsAre("team_lead"));
  ASSERT_EQ(pending.approval().stages_size(), 1);
  EXPECT_EQ(pending.approval().stages(0).approvers(0), "i.smirnova");  // her supervisor first

  // The dry run says the same and stores nothing.
  v1::EvaluateOfferRequest evaluate;
  *evaluate.mutable_offer() = PipeOffer("KP-1004", "e.novikova", "200");
  v1::EvaluateOfferResponse evaluated;
  ASSERT_THAT(offers_->EvaluateOffer(Ctx(t::kCrm).get(), evaluate, &evaluated), GrpcOk());
  EXPECT_EQ(evaluated.decision().outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  EXPECT_EQ(evaluated.decision().reasons(0).rule_id(), "manager.probation");
  v1::GetDecisionRequest get;
  get.set_offer_id("KP-1004");
  v1::GetDecisionResponse got;
  EXPECT_THAT(offers_->GetDecision(Ctx(t::kCrm).get(), get, &got), GrpcIs(Code::NOT_FOUND, _));

  // The team lead's inbox shows it with its summary.
  std::vector<v1::InboxItem> inbox = Inbox(t::kSmirnova);
  ASSERT_THAT(inbox, SizeIs(1));
  EXPECT_EQ(inbox[0].offer_id(), "KP-1003");
  EXPECT_EQ(inbox[0].level(), "team_lead");
  EXPECT_EQ(inbox[0].due_to(), "i.smirnova");
  EXPECT_EQ(inbox[0].manager_id(), "e.novikova");
  EXPECT_EQ(inbox[0].customer_name(), "OOO Stroymontazh");
  EXPECT_EQ(inbox[0].total().units(), 200000);
  EXPECT_TRUE(inbox[0].has_deadline());
  // The CFO holds no team-lead level: not hers.
  EXPECT_THAT(Inbox(t::kOrlova), IsEmpty());

  // Opening it shows the reasons and the history so far.
  v1::GetApprovalRequest open;
  open.set_offer_id("KP-1003");
  v1::GetApprovalResponse opened;
  ASSERT_THAT(approvals_->GetApproval(Ctx(t::kSmirnova).get(), open, &opened), GrpcOk());
  ASSERT_GE(opened.record().decision().reasons_size(), 1);
  EXPECT_EQ(opened.record().decision().reasons(0).rule_id(), "manager.probation");
  EXPECT_THAT(opened.record().decision().reasons(0).text(), HasSubstr("probation"));
  EXPECT_EQ(opened.record().offer().lines_size(), 1);
  std::vector<std::string> kinds;
  for (const v1::Event& e : opened.history()) kinds.push_back(e.kind());
  EXPECT_THAT(kinds, ElementsAre("offer.submitted", "offer.routed"));

  // Not the CFO's stage; the team lead approves.
  EXPECT_THAT(Approve(t::kOrlova, "KP-1003"),
              GrpcIs(Code::PERMISSION_DENIED, HasSubstr("not an approver")));
  v1::OfferRecord approved;
  ASSERT_THAT(Approve(t::kSmirnova, "KP-1003", &approved), GrpcOk());
  EXPECT_EQ(approved.status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(approved.approval().stages(0).actions(0).approver_id(), "i.smirnova");
  EXPECT_EQ(approved.approval().stages(0).actions(0).comment(), "checked the prices");
  // Twice is not a second signature.
  EXPECT_THAT(Approve(t::kSmirnova, "KP-1003"),
              GrpcIs(Code::FAILED_PRECONDITION, HasSubstr("APPROVED")));
  EXPECT_THAT(Inbox(t::kSmirnova), IsEmpty());

  // The front office reads the outcome.
  get.set_offer_id("KP-1003");
  ASSERT_THAT(offers_->GetDecision(Ctx(t::kCrm).get(), get, &got), GrpcOk());
  EXPECT_EQ(got.record().status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_TRUE(got.record().has_decided_at());

  ASSERT_THAT(approvals_->GetApproval(Ctx(t::kAuditor).get(), open, &opened), GrpcOk());
  kinds.clear();
  for (const v1::Event& e : opened.history()) kinds.push_back(e.kind());
  EXPECT_THAT(kinds, ElementsAre("offer.submitted", "offer.routed", "stage.approved",
                                 "stage.completed", "offer.approved"));
}

TEST_F(ApiE2eTest, FourEyesAndLimitsHoldOverTheApi) {
  // i.smirnova's own offer (no unit cost: routed to a team lead) is never hers to sign.
  v1::OfferRecord own = Submit(PipeOffer("KP-2001", "i.smirnova", "10", 1000, -1));
  ASSERT_EQ(own.status(), v1::OFFER_STATUS_PENDING);
  EXPECT_THAT(Approve(t::kSmirnova, "KP-2001"), GrpcIs(Code::PERMISSION_DENIED, HasSubstr("four-eyes")));
  EXPECT_THAT(OfferIds(Inbox(t::kSmirnova)), Not(Contains("KP-2001")));

  // 800 000 RUB by a watched manager of p.kuznetsov, whose personal limit is
  // 700 000: he is not on the stage; the head of sales signs.
  v1::OfferRecord big = Submit(PipeOffer("KP-2002", "d.sokolov", "800"));
  ASSERT_EQ(big.status(), v1::OFFER_STATUS_PENDING);
  EXPECT_THAT(OfferIds(Inbox(t::kKuznetsov)), Not(Contains("KP-2002")));
  EXPECT_THAT(Approve(t::kKuznetsov, "KP-2002"), GrpcIs(Code::PERMISSION_DENIED, _));
  v1::OfferRecord approved;
  ASSERT_THAT(Approve(t::kVolkov, "KP-2002", &approved), GrpcOk());
  EXPECT_EQ(approved.status(), v1::OFFER_STATUS_APPROVED);

  // A rejection ends it, with the comment on record.
  Submit(PipeOffer("KP-2003", "e.novikova"));
  v1::RejectRequest reject;
  reject.set_offer_id("KP-2003");
  reject.set_comment("price list is outdated");
  v1::RejectResponse rejected;
  ASSERT_THAT(approvals_->Reject(Ctx(t::kSmirnova).get(), reject, &rejected), GrpcOk());
  EXPECT_EQ(rejected.record().status(), v1::OFFER_STATUS_REJECTED);
  EXPECT_EQ(rejected.record().approval().stages(0).actions(0).comment(), "price list is outdated");
  EXPECT_THAT(Approve(t::kVolkov, "KP-2003"), GrpcIs(Code::FAILED_PRECONDITION, _));
}

TEST_F(ApiE2eTest, BulkApproveReportsEachItem) {
  Submit(PipeOffer("KP-3001", "e.novikova"));
  Submit(PipeOffer("KP-3002", "e.novikova"));
  Submit(PipeOffer("KP-3003", "m.ivanova"));  // approved at once
  Submit(PipeOffer("KP-3004", "i.smirnova", "10", 1000, -1));  // her own
  v1::BulkApproveRequest request;
  for (const char* id : {"KP-3001", "KP-3002", "KP-3003", "KP-3004", "KP-NONE"}) {
    request.add_offer_ids(id);
  }
  request.set_comment("bulk");
  v1::BulkApproveResponse response;
  ASSERT_THAT(approvals_->BulkApprove(Ctx(t::kSmirnova).get(), request, &response), GrpcOk());
  ASSERT_EQ(response.results_size(), 5);
  auto code = [&](int i) { return static_cast<Code>(response.results(i).code()); };
  EXPECT_EQ(response.results(0).offer_id(), "KP-3001");
  EXPECT_EQ(code(0), Code::OK);
  EXPECT_EQ(response.results(0).status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(code(1), Code::OK);
  EXPECT_EQ(response.results(1).status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(code(2), Code::FAILED_PRECONDITION);
  EXPECT_THAT(response.results(2).message(), HasSubstr("APPROVED"));
  EXPECT_EQ(code(3), Code::PERMISSION_DENIED);
  EXPECT_THAT(response.results(3).message(), HasSubstr("four-eyes"));
  EXPECT_EQ(code(4), Code::NOT_FOUND);
  EXPECT_EQ(response.results(4).offer_id(), "KP-NONE");
  EXPECT_THAT(OfferIds(Inbox(t::kSmirnova)), IsEmpty());
}

TEST_F(ApiE2eTest, DelegationLetsTheDelegateSeeAndApproveUntilCleared) {
  Submit(PipeOffer("KP-4001", "e.novikova"));
  // The CFO is no team lead: not on the stage.
  EXPECT_THAT(Inbox(t::kOrlova), IsEmpty());
  EXPECT_THAT(Approve(t::kOrlova, "KP-4001"), GrpcIs(Code::PERMISSION_DENIED, _));

  v1::SetDelegationRequest delegate;
  delegate.set_delegate_id("k.orlova");
  delegate.mutable_ends_at()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(2)));
  v1::SetDelegationResponse delegated;
  ASSERT_THAT(approvals_->SetDelegation(Ctx(t::kSmirnova).get(), delegate, &delegated), GrpcOk());
  EXPECT_EQ(delegated.delegation().delegator_id(), "i.smirnova");  // from the credentials
  EXPECT_EQ(delegated.delegation().delegate_id(), "k.orlova");
  EXPECT_TRUE(delegated.delegation().has_starts_at());

  std::vector<v1::InboxItem> inbox = Inbox(t::kOrlova);
  ASSERT_THAT(inbox, SizeIs(1));
  EXPECT_EQ(inbox[0].offer_id(), "KP-4001");
  EXPECT_EQ(inbox[0].due_to(), "i.smirnova");
  v1::OfferRecord approved;
  ASSERT_THAT(Approve(t::kOrlova, "KP-4001", &approved), GrpcOk());
  EXPECT_EQ(approved.status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(approved.approval().stages(0).actions(0).approver_id(), "k.orlova");
  EXPECT_EQ(approved.approval().stages(0).actions(0).on_behalf_of(), "i.smirnova");

  v1::ClearDelegationResponse cleared;
  ASSERT_THAT(approvals_->ClearDelegation(Ctx(t::kSmirnova).get(), {}, &cleared), GrpcOk());
  Submit(PipeOffer("KP-4002", "e.novikova"));
  EXPECT_THAT(Inbox(t::kOrlova), IsEmpty());
  EXPECT_THAT(Approve(t::kOrlova, "KP-4002"), GrpcIs(Code::PERMISSION_DENIED, _));
  EXPECT_THAT(OfferIds(Inbox(t::kSmirnova)), ElementsAre("KP-4002"));

  // Nobody delegates to themselves.
  delegate.set_delegate_id("i.smirnova");
  EXPECT_THAT(approvals_->SetDelegation(Ctx(t::kSmirnova).get(), delegate, &delegated),
              GrpcIs(Code::INVALID_ARGUMENT, HasSubstr("delegate_id")));
}

TEST_F(ApiE2eTest, WithdrawTakesAPendingOfferOutOfEveryInbox) {
  Submit(PipeOffer("KP-5001", "e.novikova"));
  ASSERT_THAT(OfferIds(Inbox(t::kSmirnova)), ElementsAre("KP-5001"));
  v1::WithdrawOfferRequest withdraw;
  withdraw.set_offer_id("KP-5001");
  v1::WithdrawOfferResponse withdrawn;
  ASSERT_THAT(offers_->WithdrawOffer(Ctx(t::kCrm).get(), withdraw, &withdrawn), GrpcOk());
  EXPECT_EQ(withdrawn.record().status(), v1::OFFER_STATUS_WITHDRAWN);
  EXPECT_THAT(Inbox(t::kSmirnova), IsEmpty());
  EXPECT_THAT(offers_->WithdrawOffer(Ctx(t::kCrm).get(), withdraw, &withdrawn),
              GrpcIs(Code::FAILED_PRECONDITION, HasSubstr("WITHDRAWN")));
  EXPECT_THAT(Approve(t::kSmirnova, "KP-5001"), GrpcIs(Code::FAILED_PRECONDITION, _));
  withdraw.set_offer_id("KP-NONE");
  EXPECT_THAT(offers_->WithdrawOffer(Ctx(t::kCrm).get(), withdraw, &withdrawn),
              GrpcIs(Code::NOT_FOUND, _));
}

TEST_F(ApiE2eTest, RetriesReturnTheFirstDecision) {
  v1::Offer offer = PipeOffer("KP-6001", "e.novikova");
  v1::OfferRecord first = Submit(offer, "retry-key-1");
  ASSERT_EQ(first.status(), v1::OFFER_STATUS_PENDING);
  v1::OfferRecord again = Submit(offer, "retry-key-1");
  EXPECT_EQ(again.submitted_at().seconds(), first.submitted_at().seconds());
  EXPECT_EQ(again.submitted_at().nanos(), first.submitted_at().nanos());
  EXPECT_EQ(again.decision().evaluated_at().nanos(), first.decision().evaluated_at().nanos());
  // The same (offer, revision) without a key is the same submission too.
  v1::OfferRecord same_revision = Submit(offer);
  EXPECT_EQ(same_revision.submitted_at().nanos(), first.submitted_at().nanos());
  EXPECT_EQ(same_revision.idempotency_key(), "retry-key-1");
  // Even after it was decided.
  ASSERT_THAT(Approve(t::kSmirnova, "KP-6001"), GrpcOk());
  v1::OfferRecord after = Submit(offer, "retry-key-1");
  EXPECT_EQ(after.status(), v1::OFFER_STATUS_APPROVED);

  // The key names one request: another body under it is refused, and so is
  // other content under the same revision.
  v1::SubmitOfferRequest reuse;
  *reuse.mutable_offer() = PipeOffer("KP-6002", "m.ivanova");
  reuse.set_idempotency_key("retry-key-1");
  v1::SubmitOfferResponse response;
  EXPECT_THAT(offers_->SubmitOffer(Ctx(t::kCrm).get(), reuse, &response),
              GrpcIs(Code::FAILED_PRECONDITION, HasSubstr("idempotency_key")));
  v1::Offer changed = PipeOffer("KP-6001", "e.novikova", "11");
  EXPECT_THAT(SubmitStatus(changed), GrpcIs(Code::ALREADY_EXISTS, HasSubstr("new revision")));

  // Exactly one submission event for KP-6001.
  v1::GetOfferHistoryRequest history;
  history.set_offer_id("KP-6001");
  v1::GetOfferHistoryResponse events;
  ASSERT_THAT(audit_->GetOfferHistory(Ctx(t::kAuditor).get(), history, &events), GrpcOk());
  int submitted = 0;
  for (const v1::Event& e : events.events()) submitted += e.kind() == "offer.submitted";
  EXPECT_EQ(submitted, 1);
}

TEST_F(ApiE2eTest, ANewRevisionSupersedesThePendingOne) {
  Submit(PipeOffer("KP-6101", "e.novikova"));
  v1::Offer second = PipeOffer("KP-6101", "e.novikova", "20");
  second.set_revision(2);
  v1::OfferRecord record = Submit(second);
  EXPECT_EQ(record.status(), v1::OFFER_STATUS_PENDING);
  EXPECT_THAT(Approve(t::kSmirnova, "KP-6101", nullptr, 1),
              GrpcIs(Code::FAILED_PRECONDITION, HasSubstr("superseded")));
  v1::GetDecisionRequest get;
  get.set_offer_id("KP-6101");
  get.set_revision(1);
  v1::GetDecisionResponse got;
  ASSERT_THAT(offers_->GetDecision(Ctx(t::kCrm).get(), get, &got), GrpcOk());
  EXPECT_EQ(got.record().status(), v1::OFFER_STATUS_SUPERSEDED);
  ASSERT_THAT(Approve(t::kSmirnova, "KP-6101", nullptr, 2), GrpcOk());
}

// ------------------------------------------------------------ audit, admin

TEST_F(ApiE2eTest, AuditQueriesPagesStatisticsAndTheChain) {
  Submit(PipeOffer("KP-7001", "m.ivanova"));
  Submit(PipeOffer("KP-7002", "m.ivanova", "10", 1000, 1200));
  Submit(PipeOffer("KP-7003", "e.novikova"));
  ASSERT_THAT(Approve(t::kSmirnova, "KP-7003"), GrpcOk());

  v1::QueryDecisionsRequest by_manager;
  by_manager.set_manager_id("m.ivanova");
  v1::QueryDecisionsResponse page;
  ASSERT_THAT(audit_->QueryDecisions(Ctx(t::kAuditor).get(), by_manager, &page), GrpcOk());
  std::set<std::string> ids;
  for (const v1::OfferRecord& r : page.records()) ids.insert(r.offer().offer_id());
  EXPECT_THAT(ids, ElementsAre("KP-7001", "KP-7002"));

  v1::QueryDecisionsRequest rejected;
  rejected.set_outcome(v1::OUTCOME_REJECTED);
  ASSERT_THAT(audit_->QueryDecisions(Ctx(t::kAdmin).get(), rejected, &page), GrpcOk());
  ASSERT_EQ(page.records_size(), 1);
  EXPECT_EQ(page.records(0).offer().offer_id(), "KP-7002");

  v1::QueryDecisionsRequest by_approver;
  by_approver.set_approver_id("i.smirnova");
  ASSERT_THAT(audit_->QueryDecisions(Ctx(t::kAuditor).get(), by_approver, &page), GrpcOk());
  ASSERT_EQ(page.records_size(), 1);
  EXPECT_EQ(page.records(0).offer().offer_id(), "KP-7003");

  // One record per page, three pages, every offer once.
  v1::QueryDecisionsRequest paged;
  paged.set_page_size(1);
  std::set<std::string> seen;
  int pages = 0;
  do {
    ASSERT_THAT(audit_->QueryDecisions(Ctx(t::kAuditor).get(), paged, &page), GrpcOk());
    ASSERT_LE(page.records_size(), 1);
    for (const v1::OfferRecord& r : page.records()) EXPECT_TRUE(seen.insert(r.offer().offer_id()).second);
    paged.set_page_token(page.next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!page.next_page_token().empty());
  EXPECT_THAT(seen, SizeIs(3));

  v1::GetOfferHistoryRequest history;
  history.set_offer_id("KP-7003");
  v1::GetOfferHistoryResponse events;
  ASSERT_THAT(audit_->GetOfferHistory(Ctx(t::kAuditor).get(), history, &events), GrpcOk());
  ASSERT_GE(events.events_size(), 3);
  EXPECT_EQ(events.events(0).kind(), "offer.submitted");
  EXPECT_EQ(events.events(0).actor_id(), "crm");
  for (int i = 1; i < events.events_size(); ++i) {
    EXPECT_GT(events.events(i).seq(), events.events(i - 1).seq());
  }
  EXPECT_EQ(events.events(events.events_size() - 1).kind(), "offer.approved");
  history.set_offer_id("KP-NONE");
  EXPECT_THAT(audit_->GetOfferHistory(Ctx(t::kAuditor).get(), history, &events),
              GrpcIs(Code::NOT_FOUND, _));

  v1::GetStatisticsResponse stats;
  ASSERT_THAT(audit_->GetStatistics(Ctx(t::kAuditor).get(), {}, &stats), GrpcOk());
  EXPECT_EQ(stats.statistics().total(), 3);
  EXPECT_EQ(stats.statistics().auto_approved(), 1);
  EXPECT_EQ(stats.statistics().by_outcome().at("REJECTED"), 1);
  EXPECT_EQ(stats.statistics().by_status().at("APPROVED"), 2);
  EXPECT_EQ(stats.statistics().by_status().at("REJECTED"), 1);

  v1::VerifyAuditLogResponse verified;
  ASSERT_THAT(audit_->VerifyAuditLog(Ctx(t::kAuditor).get(), {}, &verified), GrpcOk());
  EXPECT_TRUE(verified.intact()) << verified.problem();
  EXPECT_GE(verified.events_checked(), 8);
  EXPECT_EQ(verified.last_seq(), verified.events_checked());
}

TEST_F(ApiE2eTest, AdminReadsPolicyAndMaintainsTheDirectory) {
  v1::GetPolicyInfoResponse info;
  ASSERT_THAT(admin_->GetPolicyInfo(Ctx(t::kAdmin).get(), {}, &info), GrpcOk());
  EXPECT_EQ(info.version().label(), "2026-02 default (RU B2B distributor)");
  EXPECT_EQ(info.version().content_hash().size(), 64u);
  EXPECT_THAT(info.levels(), ElementsAre("team_lead", "head_of_sales", "cfo"));
  std::map<std::string, v1::RuleMode> modes;
  for (const v1::RuleInfo& rule : info.rules()) modes[rule.id()] = rule.mode();
  EXPECT_EQ(modes["manager.probation"], v1::RULE_MODE_ENFORCE);
  EXPECT_EQ(modes["customer.tender"], v1::RULE_MODE_WARN);
  EXPECT_EQ(modes["items.pipes_volume"], v1::RULE_MODE_SHADOW);
  ASSERT_THAT(admin_->GetPolicyInfo(Ctx(t::kAuditor).get(), {}, &info), GrpcOk());

  v1::ListEmployeesResponse staff;
  ASSERT_THAT(admin_->ListEmployees(Ctx(t::kAdmin).get(), {}, &staff), GrpcOk());
  std::set<std::string> active;
  for (const v1::Employee& e : staff.employees()) active.insert(e.employee_id());
  EXPECT_THAT(active, AllOf(Contains("e.novikova"), Contains("i.smirnova"), Not(Contains("n.lebedev"))));

  // A new team lead for Moscow juniors; their offers now also reach her.
  v1::UpsertEmployeeRequest upsert;
  v1::Employee* hire = upsert.mutable_employee();
  hire->set_employee_id("t.zaitseva");
  hire->set_display_name("Tatiana Zaitseva");
  hire->set_team("sales-moscow");
  hire->set_supervisor_id("a.volkov");
  hire->set_active(true);
  hire->add_approval_levels()->set_level("team_lead");
  v1::UpsertEmployeeResponse upserted;
  ASSERT_THAT(admin_->UpsertEmployee(Ctx(t::kAdmin).get(), upsert, &upserted), GrpcOk());
  EXPECT_EQ(upserted.employee().employee_id(), "t.zaitseva");
  v1::OfferRecord routed = Submit(PipeOffer("KP-8001", "e.novikova"));
  EXPECT_THAT(routed.approval().stages(0).approvers(), Contains("t.zaitseva"));

  // Deactivated, a manager is judged as unknown: fail safe, never auto-approved.
  v1::DeactivateEmployeeRequest deactivate;
  deactivate.set_employee_id("m.ivanova");
  v1::DeactivateEmployeeResponse deactivated;
  ASSERT_THAT(admin_->DeactivateEmployee(Ctx(t::kAdmin).get(), deactivate, &deactivated), GrpcOk());
  v1::OfferRecord unknown = Submit(PipeOffer("KP-8002", "m.ivanova"));
  EXPECT_EQ(unknown.decision().outcome(), v1::OUTCOME_NEEDS_SIGNOFF);
  v1::ListEmployeesRequest everyone;
  everyone.set_include_inactive(true);
  ASSERT_THAT(admin_->ListEmployees(Ctx(t::kAuditor).get(), everyone, &staff), GrpcOk());
  bool found_inactive = false;
  for (const v1::Employee& e : staff.employees()) {
    if (e.employee_id() == "m.ivanova") found_inactive = !e.active();
  }
  EXPECT_TRUE(found_inactive);
}

TEST_F(ApiE2eTest, ACallPastItsDeadlineStopsItsWork) {
  constexpr int kOffers = 300;
  v1::BulkApproveRequest bulk;
  for (int i = 0; i < kOffers; ++i) {
    std::string id = absl::StrCat("KP-DL-", i);
    Submit(PipeOffer(id, "e.novikova"));
    bulk.add_offer_ids(id);
  }
  ASSERT_THAT(Inbox(t::kSmirnova), SizeIs(kOffers));
  // Paged, the inbox is the same items once each, oldest first.
  v1::ListInboxRequest page_request;
  page_request.set_page_size(120);
  std::vector<std::string> paged;
  std::vector<int> page_sizes;
  do {
    v1::ListInboxResponse page;
    ASSERT_THAT(approvals_->ListInbox(Ctx(t::kSmirnova).get(), page_request, &page), GrpcOk());
    page_sizes.push_back(page.items_size());
    for (const v1::InboxItem& item : page.items()) paged.push_back(item.offer_id());
    page_request.set_page_token(page.next_page_token());
  } while (!page_request.page_token().empty() && page_sizes.size() < 10);
  EXPECT_THAT(page_sizes, ElementsAre(120, 120, 60));
  EXPECT_EQ(paged, std::vector<std::string>(bulk.offer_ids().begin(), bulk.offer_ids().end()));
  // Each approval is a transaction of its own: 300 take far longer than 100 ms.
  const int log_lines = server_->LogLines();
  v1::BulkApproveResponse response;
  EXPECT_THAT(approvals_->BulkApprove(Ctx(t::kSmirnova, absl::Milliseconds(100)).get(), bulk, &response),
              GrpcIs(Code::DEADLINE_EXCEEDED, _));
  // The server notices and stops approving (it logs the call when it ends).
  ASSERT_TRUE(server_->WaitForLog("method=ApprovalService.BulkApprove", absl::Seconds(20), log_lines));
  size_t left = Inbox(t::kSmirnova).size();
  EXPECT_GT(left, 0u);
  // Nothing keeps approving behind the caller's back.
  EXPECT_EQ(Inbox(t::kSmirnova).size(), left);
}

// ------------------------------------------------------------ fairness

TEST(ApiLimitsE2eTest, OneCallerCannotTakeEveryCallSlotFromTheOthers) {
  t::SignoffdOptions options;
  options.extra_args = {"--per_caller_limit=1"};
  auto server = SignoffdProcess::Start(options);
  ASSERT_THAT(server, IsOk());
  auto offers = v1::OfferService::NewStub((*server)->Channel());
  auto approvals = v1::ApprovalService::NewStub((*server)->Channel());

  // 32 submissions at once from one front-office system, one slot.
  constexpr int kCalls = 32;
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      v1::SubmitOfferRequest request;
      *request.mutable_offer() = PipeOffer(absl::StrCat("KP-FAIR-", i), "m.ivanova");
      v1::SubmitOfferResponse response;
      statuses[i] = offers->SubmitOffer(Ctx(t::kCrm).get(), request, &response);
    });
  }
  // Meanwhile another caller is served.
  v1::ListInboxResponse inbox;
  EXPECT_THAT(approvals->ListInbox(Ctx(t::kSmirnova).get(), {}, &inbox), GrpcOk());
  for (std::thread& thread : threads) thread.join();
  int ok = 0, exhausted = 0;
  for (const grpc::Status& status : statuses) {
    if (status.ok()) {
      ++ok;
    } else {
      EXPECT_THAT(status, GrpcIs(Code::RESOURCE_EXHAUSTED, HasSubstr("in flight")));
      ++exhausted;
    }
  }
  EXPECT_GE(ok, 1);
  EXPECT_GE(exhausted, 1);
  // Every slot came back: the caller is served again, one call at a time.
  for (int i = 0; i < 3; ++i) {
    EXPECT_THAT(
        [&] {
          v1::SubmitOfferRequest request;
          *request.mutable_offer() = PipeOffer(absl::StrCat("KP-FAIR-AFTER-", i), "m.ivanova");
          v1::SubmitOfferResponse response;
          return offers->SubmitOffer(Ctx(t::kCrm).get(), request, &response);
        }(),
        GrpcOk());
  }
}

}  // namespace
}  // namespace signoff
