#include "policies/case_runner.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace signoff::policies {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::shared_ptr<const PolicySet> Set() {
  LoadResult result = PolicySet::LoadFromFiles({{"p.policy.textproto", R"(label: "runner"
levels { id: "team_lead" sla: "4h" }
rules { id: "new" description: "new customer" when { new_customer {} } effect { require_level: "team_lead" } }
)"}});
  EXPECT_TRUE(result.ok()) << result.IssuesText();
  return result.set;
}

constexpr char kOffer[] = R"(offer { offer_id: "K" revision: 1 customer { id: "c" is_new: true } manager_id: "m.x"
  currency_code: "RUB" lines { sku: "A" quantity { value: "1" } unit_price { units: 10 } } })";

CaseReport RunCases(const std::string& cases) {
  CaseReport report;
  RunCaseText(*Set(), "t.cases.textproto",
              std::string(R"(evaluated_at: "2026-02-02T09:00:00Z" )") + cases, "", &report);
  return report;
}

TEST(CaseRunnerTest, PassesWhenTheDecisionMatches) {
  CaseReport report = RunCases(std::string("cases { name: \"ok\" ") + kOffer +
                          R"( manager { employee_id: "m.x" } expect_outcome: OUTCOME_NEEDS_SIGNOFF
                              expect_levels: "team_lead" expect_rules: "new" expect_text: "The customer is new" })");
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_EQ(report.passed(), 1);
}

TEST(CaseRunnerTest, AWrongExpectationFailsTheRun) {
  CaseReport report = RunCases(std::string("cases { name: \"wrong\" ") + kOffer +
                          R"( manager { employee_id: "m.x" } expect_outcome: OUTCOME_APPROVED
                              expect_rules: "other" expect_fail_safe: "new" expect_text: "nowhere" })");
  EXPECT_FALSE(report.ok());
  ASSERT_THAT(report.cases, SizeIs(1));
  EXPECT_THAT(report.cases[0].failures,
              ElementsAre(HasSubstr("outcome: expected OUTCOME_APPROVED, got OUTCOME_NEEDS_SIGNOFF"),
                          HasSubstr("levels: expected [], got [team_lead]"),
                          HasSubstr("rules: expected [other], got [new]"),
                          HasSubstr("expected a fail-safe reason from new"),
                          HasSubstr("no reason text contains \"nowhere\"")));
  EXPECT_THAT(report.Summary(), HasSubstr("FAIL t.cases.textproto: wrong"));
  EXPECT_THAT(report.Summary(), HasSubstr("0 passed, 1 failed"));
}

TEST(CaseRunnerTest, ErrorExpectationsAreChecked) {
  CaseReport ok = RunCases(R"(cases { name: "bad" offer { revision: 1 } expect_error: "offer_id: is required" })");
  EXPECT_TRUE(ok.ok()) << ok.Summary();
  CaseReport wrong_message = RunCases(R"(cases { name: "bad" offer { revision: 1 } expect_error: "quantity" })");
  EXPECT_FALSE(wrong_message.ok());
  CaseReport no_error = RunCases(std::string("cases { name: \"valid\" ") + kOffer + R"( expect_error: "anything" })");
  EXPECT_FALSE(no_error.ok());
  EXPECT_THAT(no_error.cases[0].failures, ElementsAre(HasSubstr("expected an invalid-offer error")));
}

TEST(CaseRunnerTest, ACaseWithoutExpectationsCannotPass) {
  CaseReport report = RunCases(std::string("cases { name: \"empty\" ") + kOffer + " manager { employee_id: \"m.x\" } }");
  EXPECT_FALSE(report.ok());
  EXPECT_THAT(report.cases[0].failures, ElementsAre(HasSubstr("neither expect_outcome nor expect_error"), HasSubstr("levels"), HasSubstr("rules")));
}

TEST(CaseRunnerTest, BrokenCaseFilesAreIssues) {
  CaseReport report = RunCases("cases { nme: \"typo\" }");
  EXPECT_FALSE(report.ok());
  ASSERT_THAT(report.issues, SizeIs(1));
  EXPECT_EQ(report.issues[0].file, "t.cases.textproto");
  EXPECT_EQ(report.issues[0].line, 1);
  CaseReport no_cases = RunCases("");
  EXPECT_FALSE(no_cases.ok());
  CaseReport bad_time;
  RunCaseText(*Set(), "t.cases.textproto", std::string("cases { name: \"t\" ") + kOffer + " expect_outcome: OUTCOME_APPROVED }", "", &bad_time);
  EXPECT_FALSE(bad_time.ok());
  EXPECT_THAT(bad_time.cases[0].failures, ElementsAre(HasSubstr("evaluated_at")));
}

TEST(CaseRunnerTest, UnknownManagerWithoutDirectory) {
  CaseReport report = RunCases(std::string("cases { name: \"unknown\" ") + kOffer +
                          R"( expect_outcome: OUTCOME_NEEDS_SIGNOFF expect_levels: "team_lead"
                              expect_rules: "new" expect_rules: "engine.unknown_manager" expect_fail_safe: "engine.unknown_manager" })");
  EXPECT_TRUE(report.ok()) << report.Summary();
}

TEST(CaseRunnerTest, DefaultSetCasesPass) {
  CaseReport report = RunPolicyTests(SIGNOFF_DEFAULT_POLICY_DIR);
  EXPECT_TRUE(report.ok()) << report.Summary();
  EXPECT_GE(report.cases.size(), 30u);
  EXPECT_THAT(report.issues, IsEmpty());
}

}  // namespace
}  // namespace signoff::policies
