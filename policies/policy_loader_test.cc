#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy_set.h"

namespace signoff::policies {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

auto IssueAt(const std::string& file, int line, const std::string& message) {
  return AllOf(Field(&PolicyIssue::file, file), Field(&PolicyIssue::line, line),
               Field(&PolicyIssue::message, HasSubstr(message)));
}

constexpr char kLevels[] = R"(label: "test"
levels { id: "team_lead" limits { currency_code: "RUB" units: 1000000 } sla: "4h" }
levels { id: "head_of_sales" limits { currency_code: "RUB" units: 10000000 } sla: "24h" quorum: QUORUM_KIND_N quorum_n: 2 }
levels { id: "cfo" sla: "48h" quorum: QUORUM_KIND_ALL }
)";

LoadResult LoadRules(const std::string& rules) {
  return PolicySet::LoadFromFiles({{"levels.policy.textproto", kLevels}, {"rules.policy.textproto", rules}});
}

TEST(PolicyLoaderTest, ReportsEveryProblemOfABrokenSetWithFileAndLine) {
  const std::string broken_levels = R"(label: "broken"
levels { id: "team_lead" sla: "4h" }
levels {
  id: "cfo"
  limits { currency_code: "RUB" units: -5 }
  sla: "soon"
}
)";
  const std::string broken_rules = R"(rules {
  id: "a"
  description: "unknown level"
  when { line_count_above { count: 1 } }
  effect { require_level: "ceo" }
}
rules {
  id: "a"
  description: "duplicate id"
  when { line_count_above { count: 1 } }
  effect { approve {} }
}
rules {
  id: "b"
  description: "empty any"
  when { any {} }
  effect { approve {} }
}
rules {
  id: "c"
  description: "negative threshold"
  when {
    total_above { thresholds { currency_code: "RUB" units: -100 } }
  }
  effect { require_level: "team_lead" }
}
)";
  const std::string unknown_field = R"(rules {
  id: "d"
  colour: "red"
}
)";
  const std::string syntax_error = "rules { id: \"e\" \n  description: \"unterminated }\n";
  LoadResult result = PolicySet::LoadFromFiles({{"a_levels.policy.textproto", broken_levels},
                                                {"b_rules.policy.textproto", broken_rules},
                                                {"c_unknown.policy.textproto", unknown_field},
                                                {"d_syntax.policy.textproto", syntax_error}});
  EXPECT_FALSE(result.ok());
  EXPECT_EQ(result.set, nullptr);
  EXPECT_THAT(result.issues, Contains(IssueAt("a_levels.policy.textproto", 5, "negative threshold -5.00 RUB")));
  EXPECT_THAT(result.issues, Contains(IssueAt("a_levels.policy.textproto", 6, "sla \"soon\" is not a positive duration")));
  EXPECT_THAT(result.issues, Contains(IssueAt("b_rules.policy.textproto", 5, "rule \"a\": unknown level \"ceo\" in require_level (levels: team_lead, cfo)")));
  EXPECT_THAT(result.issues, Contains(IssueAt("b_rules.policy.textproto", 8, "duplicate rule id (first defined at b_rules.policy.textproto:2)")));
  EXPECT_THAT(result.issues, Contains(IssueAt("b_rules.policy.textproto", 16, "rule \"b\": empty `any`")));
  EXPECT_THAT(result.issues, Contains(IssueAt("b_rules.policy.textproto", 23, "rule \"c\": total_above.thresholds[0]: negative threshold -100.00 RUB")));
  EXPECT_THAT(result.issues, Contains(IssueAt("c_unknown.policy.textproto", 3, "colour")));
  EXPECT_THAT(result.issues, Contains(Field(&PolicyIssue::file, "d_syntax.policy.textproto")));
  // The syntax error may add a follow-up parser error; nothing else may appear.
  EXPECT_THAT(result.issues.size(), ::testing::AllOf(::testing::Ge(8u), ::testing::Le(9u)));
  EXPECT_THAT(result.IssuesText(), HasSubstr("b_rules.policy.textproto:16: rule \"b\": empty `any`"));
}

TEST(PolicyLoaderTest, ChecksRuleShape) {
  LoadResult result = LoadRules(R"(
rules { id: "no-desc" when { new_customer {} } effect { approve {} } }
rules { id: "no-when" description: "d" effect { approve {} } }
rules { id: "no-effect" description: "d" when { new_customer {} } }
rules { id: "empty-reject" description: "d" when { new_customer {} } effect { reject: "" } }
rules { id: "empty-condition" description: "d" when { all { of {} } } effect { approve {} } }
rules { id: "bad-percent" description: "d" when { offer_margin_below { percent: "ten" } } effect { approve {} } }
rules { id: "discount-range" description: "d" when { any_line_discount_above { percent: "150" } } effect { approve {} } }
rules { id: "no-tags" description: "d" when { manager_has_tag {} } effect { approve {} } }
rules { id: "no-items" description: "d" when { has_items { quantity_above: "3" } } effect { approve {} } }
rules { id: "tenure" description: "d" when { manager_tenure_below { days: 0 } } effect { approve {} } }
rules { id: "agg" description: "d" when { aggregate { function: SUM field: AMOUNT comparison: GREATER value: "5" } } effect { approve {} } }
rules { id: "agg-nofn" description: "d" when { aggregate { field: QUANTITY comparison: GREATER value: "5" } } effect { approve {} } }
rules { id: "fs" description: "d" when { new_customer {} } effect { approve {} } fail_safe_level: "nobody" }
rules { id: "" description: "d" when { new_customer {} } effect { approve {} } }
rules { id: "dup-ccy" description: "d" when { total_above { thresholds { currency_code: "RUB" units: 1 } thresholds { currency_code: "RUB" units: 2 } } } effect { approve {} } }
rules { id: "bad-ccy" description: "d" when { total_above { thresholds { currency_code: "XXX" units: 1 } } } effect { approve {} } }
rules { id: "offer-cats" description: "d" when { offer_margin_below { percent: "1" categories: "x" } } effect { approve {} } }
)");
  ASSERT_FALSE(result.ok());
  const std::string f = "rules.policy.textproto";
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 2, "description is required")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 3, "when (the condition) is required")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 4, "effect is required")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 5, "reject needs a message")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 6, "empty condition")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 7, "offer_margin_below.percent: \"ten\" is not a decimal")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 8, "within 0..100")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 9, "manager_has_tag: at least one value")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 10, "at least one SKU or category")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 11, "days must be > 0")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 12, "money fields take money_values")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 13, "function is required")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 14, "unknown level \"nobody\" in fail_safe_level")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 15, "id must be non-empty")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 16, "a second amount in RUB")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 17, "unknown currency code \"XXX\"")));
  EXPECT_THAT(result.issues, Contains(IssueAt(f, 18, "apply only to line predicates")));
}

TEST(PolicyLoaderTest, ChecksTheSetAsAWhole) {
  LoadResult no_levels = PolicySet::LoadFromFiles({{"x.policy.textproto", "label: \"x\""}});
  EXPECT_THAT(no_levels.issues, Contains(Field(&PolicyIssue::message, HasSubstr("no approval levels"))));
  LoadResult no_label = PolicySet::LoadFromFiles({{"x.policy.textproto", "levels { id: \"a\" sla: \"1h\" }"}});
  EXPECT_THAT(no_label.issues, Contains(Field(&PolicyIssue::message, HasSubstr("no file sets the set's label"))));
  LoadResult two_labels = PolicySet::LoadFromFiles({{"a.policy.textproto", kLevels}, {"b.policy.textproto", "\nlabel: \"y\""}});
  EXPECT_THAT(two_labels.issues, Contains(IssueAt("b.policy.textproto", 2, "label is already set at a.policy.textproto:1")));
  LoadResult duplicate_level = PolicySet::LoadFromFiles({{"a.policy.textproto", kLevels}, {"b.policy.textproto", "levels { id: \"cfo\" sla: \"1h\" }"}});
  EXPECT_THAT(duplicate_level.issues, Contains(IssueAt("b.policy.textproto", 1, "duplicate level id \"cfo\" (first at a.policy.textproto:4)")));
  LoadResult bad_quorum = PolicySet::LoadFromFiles({{"a.policy.textproto", "label: \"q\" levels { id: \"a\" sla: \"1h\" quorum: QUORUM_KIND_N }"}});
  EXPECT_THAT(bad_quorum.issues, Contains(Field(&PolicyIssue::message, HasSubstr("needs quorum_n >= 1"))));
  EXPECT_THAT(PolicySet::LoadFromFiles({}).issues, SizeIs(1));
}

TEST(PolicyLoaderTest, CompilesLevelsInOrder) {
  LoadResult result = LoadRules("");
  ASSERT_TRUE(result.ok()) << result.IssuesText();
  const PolicySet& set = *result.set;
  ASSERT_THAT(set.levels(), SizeIs(3));
  EXPECT_EQ(set.levels()[0].id, "team_lead");
  EXPECT_EQ(set.levels()[0].rank, 0);
  EXPECT_EQ(set.levels()[0].sla, absl::Hours(4));
  EXPECT_EQ(set.levels()[0].quorum, v1::QUORUM_KIND_ANY);
  EXPECT_EQ(set.levels()[1].quorum, v1::QUORUM_KIND_N);
  EXPECT_EQ(set.levels()[1].quorum_n, 2);
  EXPECT_EQ(set.levels()[2].quorum, v1::QUORUM_KIND_ALL);
  EXPECT_TRUE(set.levels()[2].unlimited());
  ASSERT_NE(set.levels()[0].LimitFor("RUB"), nullptr);
  EXPECT_EQ(set.levels()[0].LimitFor("RUB")->ToString(), "1000000.00 RUB");
  EXPECT_EQ(set.levels()[0].LimitFor("USD"), nullptr);
  EXPECT_TRUE(set.levels()[0].Covers(Money::Parse("RUB", "1000000").value()));
  EXPECT_FALSE(set.levels()[0].Covers(Money::Parse("RUB", "1000000.01").value()));
  EXPECT_FALSE(set.levels()[0].Covers(Money::Parse("USD", "1").value()));
  EXPECT_TRUE(set.levels()[2].Covers(Money::Parse("USD", "1000000000").value()));
  EXPECT_EQ(set.FindLevel("cfo"), &set.levels()[2]);
  EXPECT_EQ(set.FindLevel("ceo"), nullptr);
  EXPECT_EQ(set.version().label(), "test");
  EXPECT_THAT(set.version().content_hash(), SizeIs(64));
}

TEST(PolicyLoaderTest, ContentHashIgnoresLayoutButNotContent) {
  const std::string rule = R"(rules { id: "r" description: "d" when { new_customer {} } effect { approve {} } })";
  LoadResult a = LoadRules(rule);
  LoadResult b = LoadRules("# a comment\n\n" + std::string(R"(rules {
    id: "r"
    description: "d"
    when { new_customer {} }
    effect { approve {} }
  })"));
  LoadResult c = LoadRules(R"(rules { id: "r" description: "d2" when { new_customer {} } effect { approve {} } })");
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a.set->version().content_hash(), b.set->version().content_hash());
  EXPECT_NE(a.set->version().content_hash(), c.set->version().content_hash());
}

TEST(PolicyLoaderTest, LoadsOnlyPolicyFilesOfADirectoryInNameOrder) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "policy_loader_test_dir";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "b.policy.textproto") << R"(rules { id: "second" description: "d" when { new_customer {} } effect { approve {} } })";
  std::ofstream(dir / "a.policy.textproto") << kLevels
      << R"(rules { id: "first" description: "d" when { new_customer {} } effect { approve {} } })";
  std::ofstream(dir / "x.cases.textproto") << "this is not a policy file";
  std::ofstream(dir / "notes.txt") << "ignored";
  LoadResult result = PolicySet::Load(dir.string());
  ASSERT_TRUE(result.ok()) << result.IssuesText();
  ASSERT_EQ(result.set->rule_count(), 2u);
  EXPECT_EQ(result.set->definition().rules(0).id(), "first");
  EXPECT_EQ(result.set->definition().rules(1).id(), "second");

  LoadResult missing = PolicySet::Load((dir / "nope").string());
  EXPECT_FALSE(missing.ok());
  EXPECT_THAT(missing.issues[0].message, HasSubstr("cannot read the policy directory"));
}

TEST(PolicyLoaderTest, DefaultSetLoadsCleanly) {
  LoadResult result = PolicySet::Load(SIGNOFF_DEFAULT_POLICY_DIR);
  ASSERT_TRUE(result.ok()) << result.IssuesText();
  EXPECT_THAT(result.issues, IsEmpty());
  ASSERT_THAT(result.set->levels(), SizeIs(3));
  EXPECT_EQ(result.set->levels()[0].id, "team_lead");
  EXPECT_EQ(result.set->levels()[1].id, "head_of_sales");
  EXPECT_EQ(result.set->levels()[2].id, "cfo");
  EXPECT_NE(result.set->levels()[2].LimitFor("CNY"), nullptr);
}

}  // namespace
}  // namespace signoff::policies
