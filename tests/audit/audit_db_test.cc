// Audit queries over real PostgreSQL: decisions filtered and keyset-paged,
// and period statistics checked against a small dataset computed by hand.
// The data is made by the workflow itself (submit, approve, reject) with the
// fixture's clock, so rows look exactly like production rows.

#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "google/protobuf/util/message_differencer.h"
#include "server/storage/pg_audit_repository.h"
#include "tests/workflow/workflow_fixture.h"

namespace signoff::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

// "KP-3" for revision 1, "KP-3/2" otherwise: compact expectations.
std::string Label(const v1::OfferRecord& record) {
  const v1::Offer& offer = record.offer();
  return offer.revision() == 1 ? offer.offer_id()
                               : absl::StrCat(offer.offer_id(), "/", offer.revision());
}

std::vector<std::string> Labels(const workflow::DecisionPage& page) {
  std::vector<std::string> labels;
  for (const v1::OfferRecord& record : page.records) labels.push_back(Label(record));
  return labels;
}

class AuditTest : public WorkflowTest {
 protected:
  void SetUp() override {
    WorkflowTest::SetUp();
    if (HasFatalFailure()) return;
    audit_ = std::make_unique<storage::PgAuditRepository>(db_.get());
  }

  void SetClock(absl::Time at) {
    std::lock_guard lock(clock_mu_);
    now_ = at;
  }

  void SubmitOk(const std::string& offer_id, int64_t price, int64_t cost,
                const std::string& manager, const std::string& customer, int64_t revision = 1) {
    v1::Offer offer = MakeOffer(offer_id, revision, price, cost, manager);
    offer.mutable_customer()->set_id(customer);
    ASSERT_THAT(Submit(offer), IsOk()) << offer_id;
  }

  // The hand-computed dataset (minutes after t0_):
  //   0  KP-1 50k m.sales cust-1          auto-approved
  //   0  KP-2 60k at a loss m.sales       rejected by policy (margin.negative)
  //   0  KP-3 200k m.sales                amount.large; t.lead approves at 60
  //   0  KP-4 300k a.deputy cust-2        amount.large; t.lead2 rejects at 120
  //   0  KP-5 600k x.other                amount.large + very_large; t.lead at 60,
  //                                       h.sales at 120, h.sales2 at 240 → approved
  //  10  KP-6 150k x.other                amount.large; left pending
  //  10  KP-7 40k a.deputy cust-2         auto-approved
  //  10  KP-8 250k m.sales                amount.large; t.lead approves at 40
  //  2 days  KP-9 45k m.sales             auto-approved (outside the first day)
  // Waits of the signed-off ones: KP-8 1800 s, KP-3 3600, KP-4 7200, KP-5 14400.
  void BuildDataset() {
    SetClock(t0_);
    SubmitOk("KP-1", 50'000, -1, "m.sales", "cust-1");
    SubmitOk("KP-2", 60'000, 70'000, "m.sales", "cust-1");
    SubmitOk("KP-3", 200'000, -1, "m.sales", "cust-1");
    SubmitOk("KP-4", 300'000, -1, "a.deputy", "cust-2");
    SubmitOk("KP-5", 600'000, -1, "x.other", "cust-1");
    SetClock(t0_ + absl::Minutes(10));
    SubmitOk("KP-6", 150'000, -1, "x.other", "cust-1");
    SubmitOk("KP-7", 40'000, -1, "a.deputy", "cust-2");
    SubmitOk("KP-8", 250'000, -1, "m.sales", "cust-1");
    SetClock(t0_ + absl::Minutes(40));
    ASSERT_THAT(workflow_->Approve("t.lead", "KP-8", 0, "ok"), IsOk());
    SetClock(t0_ + absl::Minutes(60));
    ASSERT_THAT(workflow_->Approve("t.lead", "KP-3", 0, "ok"), IsOk());
    ASSERT_THAT(workflow_->Approve("t.lead", "KP-5", 0, "ok"), IsOk());
    SetClock(t0_ + absl::Minutes(120));
    ASSERT_THAT(workflow_->Reject("t.lead2", "KP-4", 0, "too cheap"), IsOk());
    ASSERT_THAT(workflow_->Approve("h.sales", "KP-5", 0, "ok"), IsOk());
    SetClock(t0_ + absl::Minutes(240));
    auto kp5 = workflow_->Approve("h.sales2", "KP-5", 0, "ok");
    ASSERT_THAT(kp5, IsOk());
    ASSERT_EQ(kp5->status(), v1::OFFER_STATUS_APPROVED);
    SetClock(t0_ + absl::Hours(48));
    SubmitOk("KP-9", 45'000, -1, "m.sales", "cust-1");
  }

  absl::StatusOr<workflow::DecisionPage> Query(workflow::DecisionQuery query) {
    return audit_->QueryDecisions(query);
  }

  std::vector<std::string> QueryLabels(const workflow::DecisionQuery& query) {
    auto page = audit_->QueryDecisions(query);
    EXPECT_THAT(page, IsOk());
    if (!page.ok()) return {};
    EXPECT_EQ(page->next_page_token, "") << "expected everything on one page";
    return Labels(*page);
  }

  // Every page of `query` in turn; fails the test on an error or a loop.
  std::vector<std::string> AllPages(workflow::DecisionQuery query, int* pages = nullptr) {
    std::vector<std::string> labels;
    int count = 0;
    do {
      auto page = audit_->QueryDecisions(query);
      EXPECT_THAT(page, IsOk());
      if (!page.ok() || ++count > 100) break;
      EXPECT_LE(static_cast<int>(page->records.size()), query.page_size);
      if (!page->next_page_token.empty()) {
        EXPECT_EQ(static_cast<int>(page->records.size()), query.page_size)
            << "only the last page may be short";
      }
      for (const v1::OfferRecord& record : page->records) labels.push_back(Label(record));
      query.page_token = page->next_page_token;
    } while (!query.page_token.empty());
    if (pages != nullptr) *pages = count;
    return labels;
  }

  const absl::Time t0_ = absl::FromCivil(absl::CivilSecond(2026, 11, 2, 10, 0, 0), absl::UTCTimeZone());
  std::unique_ptr<storage::PgAuditRepository> audit_;
};

const std::vector<std::string> kNewestFirst = {"KP-9", "KP-6", "KP-7", "KP-8", "KP-1",
                                               "KP-2", "KP-3", "KP-4", "KP-5"};

TEST_F(AuditTest, WithoutFiltersListsEverythingNewestFirstTiesByOfferId) {
  BuildDataset();
  EXPECT_THAT(QueryLabels({}), ElementsAreArray(kNewestFirst));
}

TEST_F(AuditTest, ReturnsTheStoredRecords) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.manager_id = "x.other";
  auto page = Query(query);
  ASSERT_THAT(page, IsOk());
  ASSERT_THAT(Labels(*page), ElementsAre("KP-6", "KP-5"));
  auto stored = workflow_->Get("KP-5", 1);
  ASSERT_THAT(stored, IsOk());
  EXPECT_EQ(page->records[1].SerializeAsString(), stored->SerializeAsString());
  EXPECT_EQ(page->records[1].status(), v1::OFFER_STATUS_APPROVED);
  EXPECT_EQ(page->records[0].status(), v1::OFFER_STATUS_PENDING);
}

TEST_F(AuditTest, PeriodIsHalfOpen) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.from = t0_;
  query.to = t0_ + absl::Minutes(10);
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-1", "KP-2", "KP-3", "KP-4", "KP-5"));
  query.from = t0_ + absl::Minutes(10);
  query.to = t0_ + absl::Hours(24);
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-6", "KP-7", "KP-8"));
  // A bound a fraction of a microsecond after a row excludes it from `from`.
  query.from = t0_ + absl::Minutes(10) + absl::Nanoseconds(1);
  query.to = absl::InfiniteFuture();
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-9"));
  query.from = absl::InfinitePast();
  query.to = t0_;
  EXPECT_THAT(QueryLabels(query), IsEmpty());
  query.from = t0_ + absl::Hours(1);
  query.to = t0_;  // reversed: nothing, not an error
  EXPECT_THAT(QueryLabels(query), IsEmpty());
}

TEST_F(AuditTest, FiltersByManager) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.manager_id = "m.sales";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-9", "KP-8", "KP-1", "KP-2", "KP-3"));
  query.manager_id = "a.deputy";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-7", "KP-4"));
  query.manager_id = "nobody";
  EXPECT_THAT(QueryLabels(query), IsEmpty());
}

TEST_F(AuditTest, FiltersByCustomer) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.customer_id = "cust-2";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-7", "KP-4"));
}

TEST_F(AuditTest, FiltersByMatchedRule) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.rule_id = "amount.large";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-6", "KP-8", "KP-3", "KP-4", "KP-5"));
  query.rule_id = "amount.very_large";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-5"));
  query.rule_id = "margin.negative";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-2"));
  query.rule_id = "amount";  // whole ids only, not prefixes
  EXPECT_THAT(QueryLabels(query), IsEmpty());
}

TEST_F(AuditTest, FiltersByApproverWhoActed) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.approver_id = "t.lead";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-8", "KP-3", "KP-5"));
  query.approver_id = "t.lead2";  // rejected KP-4; was also an approver of KP-3 but did not act
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-4"));
  query.approver_id = "h.sales2";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-5"));
  query.approver_id = "cfo";
  EXPECT_THAT(QueryLabels(query), IsEmpty());
}

TEST_F(AuditTest, FiltersByStatus) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.status = v1::OFFER_STATUS_PENDING;
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-6"));
  query.status = v1::OFFER_STATUS_REJECTED;
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-2", "KP-4"));
  query.status = v1::OFFER_STATUS_APPROVED;
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-9", "KP-7", "KP-8", "KP-1", "KP-3", "KP-5"));
  query.status = v1::OFFER_STATUS_WITHDRAWN;
  EXPECT_THAT(QueryLabels(query), IsEmpty());
}

TEST_F(AuditTest, FiltersByOutcome) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.outcome = v1::OUTCOME_NEEDS_SIGNOFF;
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-6", "KP-8", "KP-3", "KP-4", "KP-5"));
  query.outcome = v1::OUTCOME_REJECTED;
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-2"));
  query.outcome = v1::OUTCOME_APPROVED;
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-9", "KP-7", "KP-1"));
}

TEST_F(AuditTest, CombinedFiltersMustAllMatch) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.manager_id = "m.sales";
  query.outcome = v1::OUTCOME_NEEDS_SIGNOFF;
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-8", "KP-3"));
  query.approver_id = "t.lead";
  query.rule_id = "amount.large";
  query.status = v1::OFFER_STATUS_APPROVED;
  query.customer_id = "cust-1";
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-8", "KP-3"));
  query.from = t0_;
  query.to = t0_ + absl::Minutes(5);
  EXPECT_THAT(QueryLabels(query), ElementsAre("KP-3"));
  query.customer_id = "cust-2";
  EXPECT_THAT(QueryLabels(query), IsEmpty());

  workflow::DecisionQuery rejected;
  rejected.customer_id = "cust-2";
  rejected.status = v1::OFFER_STATUS_REJECTED;
  rejected.approver_id = "t.lead2";
  EXPECT_THAT(QueryLabels(rejected), ElementsAre("KP-4"));
  rejected.rule_id = "amount.very_large";
  EXPECT_THAT(QueryLabels(rejected), IsEmpty());
}

TEST_F(AuditTest, FilterValuesAreDataNotSql) {
  BuildDataset();
  const std::vector<std::string> hostile = {
      "' OR '1'='1", "x'); DROP TABLE offer_revisions; --", "{a,b}", "\"", "\\", "NULL"};
  for (const std::string& evil : hostile) {
    workflow::DecisionQuery query;
    query.manager_id = evil;
    EXPECT_THAT(QueryLabels(query), IsEmpty()) << evil;
    query = {};
    query.rule_id = evil;
    EXPECT_THAT(QueryLabels(query), IsEmpty()) << evil;
    query = {};
    query.approver_id = evil;
    EXPECT_THAT(QueryLabels(query), IsEmpty()) << evil;
  }
  EXPECT_THAT(QueryLabels({}), ElementsAreArray(kNewestFirst));
}

TEST_F(AuditTest, PagingReturnsEveryRecordOnceInOrderForEveryPageSize) {
  BuildDataset();
  for (int size = 1; size <= 10; ++size) {
    workflow::DecisionQuery query;
    query.page_size = size;
    int pages = 0;
    EXPECT_THAT(AllPages(query, &pages), ElementsAreArray(kNewestFirst)) << "page size " << size;
    EXPECT_EQ(pages, (9 + size - 1) / size) << "page size " << size;
  }
  workflow::DecisionQuery filtered;
  filtered.page_size = 2;
  filtered.rule_id = "amount.large";
  EXPECT_THAT(AllPages(filtered), ElementsAre("KP-6", "KP-8", "KP-3", "KP-4", "KP-5"));
}

TEST_F(AuditTest, TiesAreOrderedByOfferIdThenRevisionAcrossPages) {
  SetClock(t0_);
  const std::string evil = "Z-'); DROP TABLE offer_revisions; --:1:Ромашка";
  SubmitOk("Z-b", 10'000, -1, "m.sales", "cust-1");
  SubmitOk("Z-a", 10'000, -1, "m.sales", "cust-1");
  SubmitOk("Z-a", 20'000, -1, "m.sales", "cust-1", /*revision=*/2);
  SubmitOk("Z-a", 30'000, -1, "m.sales", "cust-1", /*revision=*/10);
  SubmitOk(evil, 10'000, -1, "m.sales", "cust-1");
  SubmitOk("Z-c", 10'000, -1, "m.sales", "cust-1");
  SetClock(t0_ - absl::Microseconds(1));
  SubmitOk("Y", 10'000, -1, "m.sales", "cust-1");

  // Byte order of the ids (the test cluster uses the C.UTF-8 collation).
  const std::vector<std::string> expected = {evil, "Z-a", "Z-a/2", "Z-a/10", "Z-b", "Z-c", "Y"};
  EXPECT_THAT(QueryLabels({}), ElementsAreArray(expected));
  for (int size : {1, 2, 3}) {
    workflow::DecisionQuery query;
    query.page_size = size;
    EXPECT_THAT(AllPages(query), ElementsAreArray(expected)) << "page size " << size;
  }
}

TEST_F(AuditTest, PagesStayStableWhileRowsAreInserted) {
  BuildDataset();
  workflow::DecisionQuery query;
  query.page_size = 3;
  auto first = Query(query);
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(Labels(*first), ElementsAre("KP-9", "KP-6", "KP-7"));

  // Newer than anything paged so far, and at the last row's instant but
  // sorting before it: both are behind the reader and must not reappear.
  SetClock(t0_ + absl::Hours(72));
  SubmitOk("KP-10", 10'000, -1, "m.sales", "cust-1");
  SetClock(t0_ + absl::Minutes(10));
  SubmitOk("KP-60", 10'000, -1, "m.sales", "cust-1");
  // Ahead of the reader: each appears once, in its place.
  SubmitOk("KP-75", 10'000, -1, "m.sales", "cust-1");
  SetClock(t0_ - absl::Hours(1));
  SubmitOk("KP-0", 10'000, -1, "m.sales", "cust-1");

  query.page_token = first->next_page_token;
  auto second = Query(query);
  ASSERT_THAT(second, IsOk());
  EXPECT_THAT(Labels(*second), ElementsAre("KP-75", "KP-8", "KP-1"));

  // More arrive between the second and third page, some behind, one ahead.
  SetClock(t0_ + absl::Hours(96));
  SubmitOk("KP-11", 10'000, -1, "m.sales", "cust-1");
  SetClock(t0_);
  SubmitOk("KP-0a", 10'000, -1, "m.sales", "cust-1");  // sorts before KP-1: behind
  SubmitOk("KP-2a", 10'000, -1, "m.sales", "cust-1");  // sorts after KP-2: ahead

  query.page_token = second->next_page_token;
  std::vector<std::string> rest = AllPages(query);
  EXPECT_THAT(rest, ElementsAre("KP-2", "KP-2a", "KP-3", "KP-4", "KP-5", "KP-0"));
}

TEST_F(AuditTest, RejectsBadPageSize) {
  BuildDataset();
  for (int size : {0, -1, 1001, 1'000'000}) {
    workflow::DecisionQuery query;
    query.page_size = size;
    EXPECT_THAT(Query(query), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_size")))
        << size;
  }
  for (int size : {1, 1000}) {
    workflow::DecisionQuery query;
    query.page_size = size;
    EXPECT_THAT(Query(query), IsOk()) << size;
  }
}

TEST_F(AuditTest, RejectsMalformedPageTokens) {
  BuildDataset();
  const std::vector<std::string> bad = {
      "garbage!!",
      "not base64 at all",
      absl::WebSafeBase64Escape("d1:abc:1:KP-1"),
      absl::WebSafeBase64Escape("d1:1:-1:KP-1"),
      absl::WebSafeBase64Escape("d2:1:1:KP-1"),
      absl::WebSafeBase64Escape("d1:1:1"),
      absl::WebSafeBase64Escape("d1:99999999999999999999:1:KP-1"),
      absl::WebSafeBase64Escape("d1:9223372036854775807:1:KP-1"),  // far beyond year 9999
  };
  for (const std::string& token : bad) {
    workflow::DecisionQuery query;
    query.page_token = token;
    EXPECT_THAT(Query(query), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")))
        << token;
  }
  workflow::DecisionQuery bad_enum;
  bad_enum.status = static_cast<v1::OfferStatus>(77);
  EXPECT_THAT(Query(bad_enum), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("status")));
}

TEST(PageTokenTest, RoundTripsAnyOfferId) {
  storage::internal::DecisionPosition position{1'793'613'600'123'456, "KP-1:2:'; x \"é", 7};
  std::string token = storage::internal::EncodePageToken(position);
  EXPECT_EQ(token.find_first_of("+/= :'"), std::string::npos) << token;
  auto decoded = storage::internal::DecodePageToken(token);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(decoded->submitted_at_micros, position.submitted_at_micros);
  EXPECT_EQ(decoded->offer_id, position.offer_id);
  EXPECT_EQ(decoded->revision, position.revision);
}

MATCHER_P5(Group, key, decisions, approved, rejected, waits_p50_p90, "") {
  const auto& [count, p50, p90] = waits_p50_p90;
  *result_listener << arg.ShortDebugString();
  return arg.key() == key && arg.decisions() == decisions && arg.approved() == approved &&
         arg.rejected() == rejected && arg.time_to_decision().count() == count &&
         arg.time_to_decision().p50_seconds() == p50 && arg.time_to_decision().p90_seconds() == p90;
}

std::tuple<int64_t, int64_t, int64_t> Waits(int64_t count, int64_t p50, int64_t p90) {
  return {count, p50, p90};
}

TEST_F(AuditTest, StatisticsOfTheFirstDayMatchTheHandComputedFigures) {
  BuildDataset();
  auto stats = audit_->Statistics(t0_, t0_ + absl::Hours(24));
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->total(), 8);
  EXPECT_THAT(stats->by_outcome(),
              UnorderedElementsAre(Pair("APPROVED", 2), Pair("NEEDS_SIGNOFF", 5), Pair("REJECTED", 1)));
  EXPECT_THAT(stats->by_status(),
              UnorderedElementsAre(Pair("APPROVED", 5), Pair("REJECTED", 2), Pair("PENDING", 1)));
  EXPECT_EQ(stats->auto_approved(), 2);
  EXPECT_EQ(stats->auto_approval_rate_percent(), "25.00");
  // Waits 1800, 3600, 7200, 14400 s; interpolated: p50 = 3600 + .5·3600,
  // p90 = 7200 + .7·7200.
  EXPECT_EQ(stats->time_to_decision().count(), 4);
  EXPECT_EQ(stats->time_to_decision().p50_seconds(), 5400);
  EXPECT_EQ(stats->time_to_decision().p90_seconds(), 12240);

  EXPECT_THAT(stats->per_approver(),
              ElementsAre(Group("h.sales", 1, 1, 0, Waits(1, 14400, 14400)),
                          Group("h.sales2", 1, 1, 0, Waits(1, 14400, 14400)),
                          // 1800, 3600, 14400: p90 = 3600 + .8·10800
                          Group("t.lead", 3, 3, 0, Waits(3, 3600, 12240)),
                          Group("t.lead2", 1, 0, 1, Waits(1, 7200, 7200))));
  EXPECT_THAT(stats->per_rule(),
              ElementsAre(Group("amount.large", 5, 3, 1, Waits(4, 5400, 12240)),
                          Group("amount.very_large", 1, 1, 0, Waits(1, 14400, 14400)),
                          Group("margin.negative", 1, 0, 1, Waits(0, 0, 0))));
  EXPECT_THAT(stats->per_manager(),
              ElementsAre(Group("a.deputy", 2, 1, 1, Waits(1, 7200, 7200)),
                          // 1800, 3600: p50 = 2700, p90 = 1800 + .9·1800
                          Group("m.sales", 4, 3, 1, Waits(2, 2700, 3420)),
                          Group("x.other", 2, 1, 0, Waits(1, 14400, 14400))));
}

// Whole days come from the daily rollup the trigger keeps, partial days from
// the revisions themselves: any split of the same revisions must give the
// same figures, including after approvals changed their status.
TEST_F(AuditTest, StatisticsFromTheDailyRollupEqualThoseReadDirectly) {
  BuildDataset();
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::Time nov2 = absl::FromCivil(absl::CivilDay(2026, 11, 2), utc);
  const absl::Time nov3 = absl::FromCivil(absl::CivilDay(2026, 11, 3), utc);
  // The first day read directly (a partial day) against the whole of Nov 2
  // read from the rollup: the same eight revisions.
  auto direct = audit_->Statistics(t0_, t0_ + absl::Hours(24));
  auto rollup = audit_->Statistics(nov2, nov3);
  ASSERT_THAT(direct, IsOk());
  ASSERT_THAT(rollup, IsOk());
  EXPECT_EQ(rollup->total(), 8);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*direct, *rollup))
      << "direct: " << direct->DebugString() << "\nrollup: " << rollup->DebugString();
  // Rollup days with partial edges on both sides against everything.
  auto mixed = audit_->Statistics(nov2 - absl::Hours(12), t0_ + absl::Hours(49));
  auto all = audit_->Statistics(absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_THAT(mixed, IsOk());
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->total(), 9);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*mixed, *all))
      << "mixed: " << mixed->DebugString() << "\nall: " << all->DebugString();
  // Whole months from the monthly rollup, whole days around them, partial
  // days at the edges — and a period that starts exactly on a month.
  for (auto [from, to] : {std::pair{nov2 - absl::Hours(18 * 24 + 5), nov2 + absl::Hours(48 * 24 + 7)},
                          std::pair{absl::FromCivil(absl::CivilDay(2026, 11, 1), utc),
                                    absl::FromCivil(absl::CivilDay(2027, 1, 1), utc)},
                          std::pair{absl::InfinitePast(), nov3 + absl::Hours(60)}}) {
    auto months = audit_->Statistics(from, to);
    ASSERT_THAT(months, IsOk());
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*months, *all))
        << absl::FormatTime(from) << " .. " << absl::FormatTime(to) << ": " << months->DebugString();
  }
  // A later status change moves the counts between rows of the rollup.
  ASSERT_THAT(workflow_->Approve("t.lead", "KP-6", 0, "late"), IsOk());
  auto after = audit_->Statistics(nov2, nov3);
  ASSERT_THAT(after, IsOk());
  EXPECT_THAT(after->by_status(), UnorderedElementsAre(Pair("APPROVED", 6), Pair("REJECTED", 2)));
}

TEST_F(AuditTest, StatisticsRateHasTwoDecimalsAndPeriodsAreHalfOpen) {
  BuildDataset();
  // KP-6, KP-7, KP-8: one auto-approval in three.
  auto later = audit_->Statistics(t0_ + absl::Minutes(10), t0_ + absl::Hours(24));
  ASSERT_THAT(later, IsOk());
  EXPECT_EQ(later->total(), 3);
  EXPECT_EQ(later->auto_approval_rate_percent(), "33.33");
  EXPECT_EQ(later->time_to_decision().count(), 1);
  EXPECT_EQ(later->time_to_decision().p50_seconds(), 1800);
  // KP-1..KP-5: one in five.
  auto first = audit_->Statistics(t0_, t0_ + absl::Minutes(10));
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->total(), 5);
  EXPECT_EQ(first->auto_approval_rate_percent(), "20.00");
  // Everything: three in nine; two in three rounds up.
  auto all = audit_->Statistics(absl::InfinitePast(), absl::InfiniteFuture());
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->total(), 9);
  EXPECT_EQ(all->auto_approval_rate_percent(), "33.33");
  SetClock(t0_ + absl::Hours(48));
  SubmitOk("KP-10", 10'000, -1, "m.sales", "cust-1");
  auto third_day = audit_->Statistics(t0_ + absl::Hours(48), t0_ + absl::Hours(72));
  ASSERT_THAT(third_day, IsOk());
  EXPECT_EQ(third_day->total(), 2);
  EXPECT_EQ(third_day->auto_approval_rate_percent(), "100.00");
}

TEST_F(AuditTest, StatisticsRoundTwoThirdsUp) {
  SetClock(t0_);
  SubmitOk("KP-1", 10'000, -1, "m.sales", "cust-1");
  SubmitOk("KP-2", 10'000, -1, "m.sales", "cust-1");
  SubmitOk("KP-3", 200'000, -1, "m.sales", "cust-1");
  auto stats = audit_->Statistics(t0_, t0_ + absl::Hours(1));
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->auto_approval_rate_percent(), "66.67");
}

TEST_F(AuditTest, StatisticsOfAnEmptyPeriodAreZeros) {
  BuildDataset();
  auto stats = audit_->Statistics(t0_ - absl::Hours(240), t0_ - absl::Hours(24));
  ASSERT_THAT(stats, IsOk());
  EXPECT_EQ(stats->total(), 0);
  EXPECT_EQ(stats->auto_approved(), 0);
  EXPECT_EQ(stats->auto_approval_rate_percent(), "0.00");
  EXPECT_THAT(stats->by_status(), IsEmpty());
  EXPECT_THAT(stats->by_outcome(), IsEmpty());
  EXPECT_EQ(stats->time_to_decision().count(), 0);
  EXPECT_EQ(stats->time_to_decision().p50_seconds(), 0);
  EXPECT_EQ(stats->time_to_decision().p90_seconds(), 0);
  EXPECT_THAT(stats->per_approver(), IsEmpty());
  EXPECT_THAT(stats->per_rule(), IsEmpty());
  EXPECT_THAT(stats->per_manager(), IsEmpty());
}

}  // namespace
}  // namespace signoff::testing
