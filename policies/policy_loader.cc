// Loading: policy text files in, a compiled PolicySet or every issue out.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "policies/conditions.h"
#include "policies/policy_set.h"
#include "policies/sha256.h"

namespace signoff::policies {

namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::TextFormat;
using internal::CurrencyAmount;
using internal::NodePtr;

constexpr char kPolicySuffix[] = ".policy.textproto";
constexpr char kSetFile[] = "(policy set)";
// Text-format nesting beyond this is refused by the parser, which bounds
// both compilation and evaluation recursion.
constexpr int kMaxNesting = 64;

class IssueCollector : public google::protobuf::io::ErrorCollector {
 public:
  IssueCollector(std::string file, std::vector<PolicyIssue>* issues)
      : file_(std::move(file)), issues_(issues) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    // The parser counts lines and columns from 0.
    issues_->push_back({file_, line + 1, absl::StrCat("column ", column + 1, ": ", message)});
  }

 private:
  std::string file_;
  std::vector<PolicyIssue>* issues_;
};

// Where a message sits in its file: its parse-info subtree and first line.
struct Where {
  const TextFormat::ParseInfoTree* tree = nullptr;
  int line = 0;

  int LineOf(const Message& m, const char* field, int index = -1) const {
    const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(field);
    if (tree != nullptr && f != nullptr) {
      auto location = tree->GetLocation(f, f->is_repeated() ? index : -1);
      if (location.line >= 0) return location.line + 1;
    }
    return line;
  }
  Where Nested(const Message& m, const char* field, int index = -1) const {
    const FieldDescriptor* f = m.GetDescriptor()->FindFieldByName(field);
    const TextFormat::ParseInfoTree* nested =
        tree != nullptr && f != nullptr ? tree->GetTreeForNested(f, f->is_repeated() ? index : -1) : nullptr;
    return Where{nested, LineOf(m, field, index)};
  }
};

struct ParsedFile {
  std::string name;
  v1::PolicySet content;
  TextFormat::ParseInfoTree tree;
};

bool IsIdentifier(absl::string_view id) {
  return !id.empty() && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
  });
}

}  // namespace

// Validates and compiles parsed files into a PolicySet, collecting every
// issue instead of stopping at the first.
class PolicyCompiler {
 public:
  explicit PolicyCompiler(std::vector<PolicyIssue>* issues) : issues_(issues) {}

  std::shared_ptr<const PolicySet> Compile(std::vector<std::unique_ptr<ParsedFile>>& files) {
    auto set = std::shared_ptr<PolicySet>(new PolicySet());
    set_ = set.get();
    CollectHeader(files);
    for (auto& file : files) CollectLevels(*file);
    if (set_->levels_.empty()) Issue(kSetFile, 0, "the set declares no approval levels");
    ResolveFailSafeLevel();
    for (auto& file : files) CompileRules(*file);
    if (!issues_->empty()) return nullptr;

    // Canonical content: the merged definition, deterministically serialised.
    std::string canonical;
    {
      google::protobuf::io::StringOutputStream stream(&canonical);
      google::protobuf::io::CodedOutputStream coded(&stream);
      coded.SetSerializationDeterministic(true);
      set_->definition_.SerializeToCodedStream(&coded);
    }
    set_->version_.set_label(set_->definition_.label());
    set_->version_.set_content_hash(Sha256Hex(canonical));
    return set;
  }

 private:
  // Issues inside a rule name the rule, so a reader finds it without the line.
  void Issue(const std::string& file, int line, std::string message) {
    if (rule_id_ != nullptr) message = absl::StrCat("rule \"", *rule_id_, "\": ", message);
    issues_->push_back({file, line, std::move(message)});
  }

  void CollectHeader(std::vector<std::unique_ptr<ParsedFile>>& files) {
    std::string label_at, fail_safe_at;
    for (auto& file : files) {
      const v1::PolicySet& c = file->content;
      const Where root{&file->tree, 0};
      if (!c.label().empty()) {
        const int line = root.LineOf(c, "label");
        if (!label_at.empty()) {
          Issue(file->name, line, absl::StrCat("label is already set at ", label_at));
        } else {
          label_at = absl::StrCat(file->name, ":", line);
          set_->definition_.set_label(c.label());
        }
      }
      if (!c.fail_safe_level().empty()) {
        const int line = root.LineOf(c, "fail_safe_level");
        if (!fail_safe_at.empty()) {
          Issue(file->name, line, absl::StrCat("fail_safe_level is already set at ", fail_safe_at));
        } else {
          fail_safe_at = absl::StrCat(file->name, ":", line);
          fail_safe_level_ = c.fail_safe_level();
          fail_safe_file_ = file->name;
          fail_safe_line_ = line;
          set_->definition_.set_fail_safe_level(c.fail_safe_level());
        }
      }
    }
    if (label_at.empty() && !files.empty()) Issue(kSetFile, 0, "no file sets the set's label");
  }

  std::optional<std::vector<CurrencyAmount>> Amounts(const google::protobuf::RepeatedPtrField<v1::Money>& list,
                                                     const Message& parent, const char* field, const Where& where,
                                                     const std::string& file, bool required) {
    if (required && list.empty()) {
      Issue(file, where.line, absl::StrCat(field, ": at least one amount is required"));
      return std::nullopt;
    }
    std::vector<CurrencyAmount> amounts;
    bool ok = true;
    for (int i = 0; i < list.size(); ++i) {
      const int line = where.LineOf(parent, field, i);
      absl::StatusOr<Money> money = Money::FromProto(list[i]);
      if (!money.ok()) {
        Issue(file, line, absl::StrCat(field, "[", i, "]: ", money.status().message()));
        ok = false;
        continue;
      }
      if (money->amount().is_negative()) {
        Issue(file, line, absl::StrCat(field, "[", i, "]: negative threshold ", money->ToString()));
        ok = false;
      }
      if (internal::FindAmount(amounts, money->currency_code()) != nullptr) {
        Issue(file, line, absl::StrCat(field, "[", i, "]: a second amount in ", money->currency_code()));
        ok = false;
      }
      amounts.push_back({money->currency_code(), money->amount()});
    }
    if (!ok) return std::nullopt;
    return amounts;
  }

  void CollectLevels(ParsedFile& file) {
    const Where root{&file.tree, 0};
    for (int i = 0; i < file.content.levels_size(); ++i) {
      const v1::ApprovalLevel& proto = file.content.levels(i);
      const Where at = root.Nested(file.content, "levels", i);
      ApprovalLevel level;
      level.id = proto.id();
      level.description = proto.description();
      level.rank = static_cast<int>(set_->levels_.size());
      if (!IsIdentifier(proto.id())) {
        Issue(file.name, at.line, absl::StrCat("level id \"", proto.id(), "\" must be non-empty [a-z0-9_.-]"));
      } else if (auto it = level_lines_.find(proto.id()); it != level_lines_.end()) {
        Issue(file.name, at.line, absl::StrCat("duplicate level id \"", proto.id(), "\" (first at ", it->second, ")"));
      }
      level_lines_.emplace(proto.id(), absl::StrCat(file.name, ":", at.line));
      if (auto amounts = Amounts(proto.limits(), proto, "limits", at, file.name, false); amounts) {
        for (const CurrencyAmount& a : *amounts) level.limits.push_back(Money::Create(a.currency_code, a.amount).value());
      }
      if (proto.sla().empty()) {
        Issue(file.name, at.line, absl::StrCat("level \"", proto.id(), "\": sla is required, e.g. \"24h\""));
      } else if (!absl::ParseDuration(proto.sla(), &level.sla) || level.sla <= absl::ZeroDuration() ||
                 level.sla == absl::InfiniteDuration()) {
        Issue(file.name, at.LineOf(proto, "sla"),
              absl::StrCat("level \"", proto.id(), "\": sla \"", proto.sla(), "\" is not a positive duration such as \"4h\""));
      }
      switch (proto.quorum()) {
        case v1::QUORUM_KIND_UNSPECIFIED:
        case v1::QUORUM_KIND_ANY:
        case v1::QUORUM_KIND_ALL:
          level.quorum = proto.quorum() == v1::QUORUM_KIND_ALL ? v1::QUORUM_KIND_ALL : v1::QUORUM_KIND_ANY;
          if (proto.quorum_n() != 0) {
            Issue(file.name, at.LineOf(proto, "quorum_n"), "quorum_n applies only to quorum QUORUM_KIND_N");
          }
          break;
        case v1::QUORUM_KIND_N:
          level.quorum = v1::QUORUM_KIND_N;
          level.quorum_n = proto.quorum_n();
          if (proto.quorum_n() < 1) {
            Issue(file.name, at.LineOf(proto, "quorum"), "quorum QUORUM_KIND_N needs quorum_n >= 1");
          }
          break;
        default:
          Issue(file.name, at.LineOf(proto, "quorum"), absl::StrCat("unknown quorum kind ", proto.quorum()));
      }
      *set_->definition_.add_levels() = proto;
      set_->levels_.push_back(std::move(level));
    }
  }

  void ResolveFailSafeLevel() {
    if (set_->levels_.empty()) return;
    set_->fail_safe_rank_ = static_cast<int>(set_->levels_.size()) - 1;
    if (fail_safe_level_.empty()) return;
    if (const ApprovalLevel* level = set_->FindLevel(fail_safe_level_)) {
      set_->fail_safe_rank_ = level->rank;
    } else {
      Issue(fail_safe_file_, fail_safe_line_, absl::StrCat("unknown level \"", fail_safe_level_, "\" in fail_safe_level"));
    }
  }

  // The rank of a level a rule names, or -1 with an issue.
  int LevelRank(const std::string& id, const std::string& file, int line, const char* what) {
    if (const ApprovalLevel* level = set_->FindLevel(id)) return level->rank;
    std::vector<std::string> known;
    for (const ApprovalLevel& l : set_->levels_) known.push_back(l.id);
    Issue(file, line, absl::StrCat("unknown level \"", id, "\" in ", what, " (levels: ", absl::StrJoin(known, ", "), ")"));
    return -1;
  }

  void CompileRules(ParsedFile& file) {
    const Where root{&file.tree, 0};
    for (int i = 0; i < file.content.rules_size(); ++i) {
      const v1::Rule& proto = file.content.rules(i);
      const Where at = root.Nested(file.content, "rules", i);
      file_ = &file.name;
      bool ok = true;
      rule_id_ = &proto.id();
      auto fail = [&](int line, std::string message) {
        Issue(file.name, line, std::move(message));
        ok = false;
      };
      internal::CompiledRule rule;
      rule.id = proto.id();
      rule.description = proto.description();
      if (!IsIdentifier(proto.id())) {
        fail(at.LineOf(proto, "id"), "id must be non-empty [a-z0-9_.-]");
      } else if (auto it = rule_lines_.find(proto.id()); it != rule_lines_.end()) {
        fail(at.LineOf(proto, "id"), absl::StrCat("duplicate rule id (first defined at ", it->second, ")"));
      } else {
        rule_lines_.emplace(proto.id(), absl::StrCat(file.name, ":", at.LineOf(proto, "id")));
      }
      if (proto.description().empty()) fail(at.line, "description is required");
      switch (proto.mode()) {
        case v1::RULE_MODE_UNSPECIFIED:
        case v1::RULE_MODE_ENFORCE: rule.mode = v1::RULE_MODE_ENFORCE; break;
        case v1::RULE_MODE_WARN:
        case v1::RULE_MODE_SHADOW: rule.mode = proto.mode(); break;
        default: fail(at.LineOf(proto, "mode"), absl::StrCat("unknown mode ", proto.mode()));
      }
      const int effect_line = at.LineOf(proto, "effect");
      switch (proto.effect().kind_case()) {
        case v1::Effect::kApprove: rule.effect = v1::EFFECT_KIND_APPROVE; break;
        case v1::Effect::kRequireLevel:
          rule.effect = v1::EFFECT_KIND_REQUIRE_LEVEL;
          rule.level_rank = LevelRank(proto.effect().require_level(), file.name, effect_line, "require_level");
          ok &= rule.level_rank >= 0;
          break;
        case v1::Effect::kReject:
          rule.effect = v1::EFFECT_KIND_REJECT;
          rule.reject_message = proto.effect().reject();
          if (rule.reject_message.empty()) fail(effect_line, "reject needs a message for the manager");
          break;
        default: fail(effect_line, "effect is required (approve, require_level or reject)");
      }
      if (!proto.fail_safe_level().empty()) {
        rule.fail_safe_rank = LevelRank(proto.fail_safe_level(), file.name, at.LineOf(proto, "fail_safe_level"),
                                        "fail_safe_level");
        ok &= rule.fail_safe_rank >= 0;
      } else {
        rule.fail_safe_rank = rule.level_rank >= 0 ? rule.level_rank : set_->fail_safe_rank_;
      }
      if (!proto.has_when()) {
        fail(at.line, "when (the condition) is required");
      } else {
        rule.condition = CompileCondition(proto.when(), at.Nested(proto, "when"), 0);
        ok &= rule.condition != nullptr;
      }
      *set_->definition_.add_rules() = proto;
      if (ok) set_->rules_.push_back(std::move(rule));
      rule_id_ = nullptr;
    }
  }

  std::optional<Decimal> ParsePercent(const std::string& text, const char* predicate, int line, bool discount) {
    absl::StatusOr<Decimal> value = Decimal::Parse(text);
    if (!value.ok()) {
      Issue(*file_, line, absl::StrCat(predicate, ".percent: ", value.status().message()));
      return std::nullopt;
    }
    if (discount && (value->is_negative() || *value > Decimal::FromUnits(100))) {
      Issue(*file_, line, absl::StrCat(predicate, ".percent: a discount threshold must be within 0..100, got ",
                                       value->ToString()));
      return std::nullopt;
    }
    return *value;
  }

  std::optional<std::vector<std::string>> Values(const google::protobuf::RepeatedPtrField<std::string>& values,
                                                 const char* what, int line) {
    if (values.empty()) {
      Issue(*file_, line, absl::StrCat(what, ": at least one value is required"));
      return std::nullopt;
    }
    for (const std::string& v : values) {
      if (v.empty()) {
        Issue(*file_, line, absl::StrCat(what, ": empty value"));
        return std::nullopt;
      }
    }
    return std::vector<std::string>(values.begin(), values.end());
  }

  NodePtr CompileList(const v1::ConditionList& list, const Where& at, const char* name, int depth) {
    if (list.of().empty()) {
      Issue(*file_, at.line, absl::StrCat("empty `", name, "`: it needs at least one condition in `of`"));
      return nullptr;
    }
    std::vector<NodePtr> children;
    bool ok = true;
    for (int i = 0; i < list.of_size(); ++i) {
      NodePtr child = CompileCondition(list.of(i), at.Nested(list, "of", i), depth + 1);
      ok &= child != nullptr;
      children.push_back(std::move(child));
    }
    if (!ok) return nullptr;
    return std::string(name) == "all" ? internal::MakeAll(std::move(children)) : internal::MakeAny(std::move(children));
  }

  NodePtr CompileCondition(const v1::Condition& c, const Where& at, int depth) {
    if (depth > kMaxNesting) {
      Issue(*file_, at.line, absl::StrCat("conditions nest deeper than ", kMaxNesting, " levels"));
      return nullptr;
    }
    using C = v1::Condition;
    auto line_of = [&](const char* field) { return at.LineOf(c, field); };
    switch (c.kind_case()) {
      case C::kAll: return CompileList(c.all(), at.Nested(c, "all"), "all", depth);
      case C::kAny: return CompileList(c.any(), at.Nested(c, "any"), "any", depth);
      case C::kNot: {
        NodePtr child = CompileCondition(c.not_(), at.Nested(c, "not"), depth + 1);
        return child ? internal::MakeNot(std::move(child)) : nullptr;
      }
      case C::kTotalAbove: {
        auto amounts = Amounts(c.total_above().thresholds(), c.total_above(), "total_above.thresholds",
                               at.Nested(c, "total_above"), *file_, true);
        return amounts ? internal::MakeTotalAbove(std::move(*amounts)) : nullptr;
      }
      case C::kOfferDiscountAbove:
      case C::kOfferMarginBelow: {
        const bool discount = c.kind_case() == C::kOfferDiscountAbove;
        const char* name = discount ? "offer_discount_above" : "offer_margin_below";
        const v1::PercentThreshold& p = discount ? c.offer_discount_above() : c.offer_margin_below();
        if (!p.categories().empty() || p.skip_lines_without_cost()) {
          Issue(*file_, line_of(name), absl::StrCat(name, ": categories and skip_lines_without_cost apply only to line predicates"));
          return nullptr;
        }
        auto percent = ParsePercent(p.percent(), name, line_of(name), discount);
        if (!percent) return nullptr;
        return discount ? internal::MakeOfferDiscountAbove(*percent) : internal::MakeOfferMarginBelow(*percent);
      }
      case C::kAnyLineDiscountAbove: {
        const v1::PercentThreshold& p = c.any_line_discount_above();
        if (p.skip_lines_without_cost()) {
          Issue(*file_, line_of("any_line_discount_above"), "any_line_discount_above: skip_lines_without_cost applies only to any_line_margin_below");
          return nullptr;
        }
        auto percent = ParsePercent(p.percent(), "any_line_discount_above", line_of("any_line_discount_above"), true);
        if (!percent) return nullptr;
        return internal::MakeLineDiscountAbove(*percent, Filter({}, p.categories()));
      }
      case C::kAnyLineMarginBelow: {
        const v1::PercentThreshold& p = c.any_line_margin_below();
        auto percent = ParsePercent(p.percent(), "any_line_margin_below", line_of("any_line_margin_below"), false);
        if (!percent) return nullptr;
        return internal::MakeLineMarginBelow(*percent, Filter({}, p.categories()), p.skip_lines_without_cost());
      }
      case C::kLinesWithoutCost:
        return internal::MakeLinesWithoutCost(Filter({}, c.lines_without_cost().categories()));
      case C::kHasItems: {
        const v1::ItemMatch& m = c.has_items();
        const int line = line_of("has_items");
        if (m.skus().empty() && m.categories().empty()) {
          Issue(*file_, line, "has_items: at least one SKU or category is required");
          return nullptr;
        }
        std::optional<Decimal> quantity;
        if (!m.quantity_above().empty()) {
          absl::StatusOr<Decimal> q = Decimal::Parse(m.quantity_above());
          if (!q.ok() || q->is_negative()) {
            Issue(*file_, line, absl::StrCat("has_items.quantity_above: ",
                                             q.ok() ? "negative threshold " + q->ToString() : std::string(q.status().message())));
            return nullptr;
          }
          quantity = *q;
        }
        auto amounts = Amounts(m.amount_above(), m, "has_items.amount_above", at.Nested(c, "has_items"), *file_, false);
        if (!amounts) return nullptr;
        return internal::MakeHasItems(Filter(m.skus(), m.categories()), quantity, std::move(*amounts));
      }
      case C::kLineCountAbove:
        if (c.line_count_above().count() < 0) {
          Issue(*file_, line_of("line_count_above"), absl::StrCat("line_count_above: negative threshold ", c.line_count_above().count()));
          return nullptr;
        }
        return internal::MakeLineCountAbove(c.line_count_above().count());
      case C::kManagerTenureBelow:
        if (c.manager_tenure_below().days() <= 0) {
          Issue(*file_, line_of("manager_tenure_below"),
                absl::StrCat("manager_tenure_below: days must be > 0, got ", c.manager_tenure_below().days()));
          return nullptr;
        }
        return internal::MakeTenureBelow(c.manager_tenure_below().days());
      case C::kManagerHasTag: {
        auto v = Values(c.manager_has_tag().values(), "manager_has_tag", line_of("manager_has_tag"));
        return v ? internal::MakeManagerHasTag(std::move(*v)) : nullptr;
      }
      case C::kManagerIn: {
        auto v = Values(c.manager_in().values(), "manager_in", line_of("manager_in"));
        return v ? internal::MakeManagerIn(std::move(*v)) : nullptr;
      }
      case C::kNewCustomer: return internal::MakeNewCustomer();
      case C::kCustomerIn: {
        auto v = Values(c.customer_in().values(), "customer_in", line_of("customer_in"));
        return v ? internal::MakeCustomerIn(std::move(*v)) : nullptr;
      }
      case C::kOfferAttribute: {
        const int line = line_of("offer_attribute");
        if (c.offer_attribute().key().empty()) {
          Issue(*file_, line, "offer_attribute: key is required");
          return nullptr;
        }
        auto v = Values(c.offer_attribute().values(), "offer_attribute", line);
        return v ? internal::MakeOfferAttribute(c.offer_attribute().key(), std::move(*v)) : nullptr;
      }
      case C::kAggregate: return CompileAggregate(c.aggregate(), at.Nested(c, "aggregate"));
      case C::KIND_NOT_SET: break;
    }
    Issue(*file_, at.line, "empty condition: set one of all, any, not or a predicate");
    return nullptr;
  }

  NodePtr CompileAggregate(const v1::Aggregate& a, const Where& at) {
    internal::AggregateSpec spec;
    bool ok = true;
    auto fail = [&](std::string message) {
      Issue(*file_, at.line, absl::StrCat("aggregate: ", message));
      ok = false;
    };
    switch (a.function()) {
      case v1::Aggregate::SUM: spec.function = internal::AggregateFunction::kSum; break;
      case v1::Aggregate::MAX: spec.function = internal::AggregateFunction::kMax; break;
      case v1::Aggregate::MIN: spec.function = internal::AggregateFunction::kMin; break;
      case v1::Aggregate::COUNT: spec.function = internal::AggregateFunction::kCount; break;
      default: fail("function is required (SUM, MAX, MIN or COUNT)");
    }
    switch (a.field()) {
      case v1::Aggregate::QUANTITY: spec.field = internal::AggregateField::kQuantity; break;
      case v1::Aggregate::AMOUNT: spec.field = internal::AggregateField::kAmount; break;
      case v1::Aggregate::LIST_AMOUNT: spec.field = internal::AggregateField::kListAmount; break;
      case v1::Aggregate::DISCOUNT_PERCENT: spec.field = internal::AggregateField::kDiscountPercent; break;
      case v1::Aggregate::MARGIN_PERCENT: spec.field = internal::AggregateField::kMarginPercent; break;
      default:
        if (a.function() != v1::Aggregate::COUNT) fail("field is required unless the function is COUNT");
    }
    switch (a.comparison()) {
      case v1::Aggregate::GREATER: spec.comparison = internal::Comparison::kGreater; break;
      case v1::Aggregate::GREATER_OR_EQUAL: spec.comparison = internal::Comparison::kGreaterOrEqual; break;
      case v1::Aggregate::LESS: spec.comparison = internal::Comparison::kLess; break;
      case v1::Aggregate::LESS_OR_EQUAL: spec.comparison = internal::Comparison::kLessOrEqual; break;
      default: fail("comparison is required (GREATER, GREATER_OR_EQUAL, LESS or LESS_OR_EQUAL)");
    }
    if (!ok) return nullptr;
    const bool money = spec.function != internal::AggregateFunction::kCount &&
                       (spec.field == internal::AggregateField::kAmount ||
                        spec.field == internal::AggregateField::kListAmount);
    if (money) {
      if (!a.value().empty()) fail("money fields take money_values, not value");
      auto amounts = Amounts(a.money_values(), a, "aggregate.money_values", at, *file_, true);
      if (!amounts) return nullptr;
      spec.money_values = std::move(*amounts);
    } else {
      if (!a.money_values().empty()) fail("money_values apply only to AMOUNT and LIST_AMOUNT");
      absl::StatusOr<Decimal> value = Decimal::Parse(a.value());
      if (!value.ok()) {
        fail(absl::StrCat("value: ", value.status().message()));
      } else if (value->is_negative() && (spec.function == internal::AggregateFunction::kCount ||
                                          spec.field == internal::AggregateField::kQuantity)) {
        fail(absl::StrCat("negative threshold ", value->ToString()));
      } else {
        spec.value = *value;
      }
    }
    if (!ok) return nullptr;
    spec.filter = Filter(a.skus(), a.categories());
    return internal::MakeAggregate(std::move(spec));
  }

  static internal::LineFilter Filter(const google::protobuf::RepeatedPtrField<std::string>& skus,
                                     const google::protobuf::RepeatedPtrField<std::string>& categories) {
    return internal::LineFilter(std::vector<std::string>(skus.begin(), skus.end()),
                                std::vector<std::string>(categories.begin(), categories.end()));
  }

  std::vector<PolicyIssue>* issues_;
  PolicySet* set_ = nullptr;
  const std::string* file_ = nullptr;
  const std::string* rule_id_ = nullptr;  // while compiling a rule
  std::map<std::string, std::string> level_lines_;
  std::map<std::string, std::string> rule_lines_;
  std::string fail_safe_level_, fail_safe_file_;
  int fail_safe_line_ = 0;
};

LoadResult PolicySet::LoadFromFiles(const std::vector<PolicyFile>& files) {
  LoadResult result;
  if (files.empty()) {
    result.issues.push_back({kSetFile, 0, absl::StrCat("no policy files (*", kPolicySuffix, ")")});
    return result;
  }
  std::vector<std::unique_ptr<ParsedFile>> parsed;
  bool parse_failed = false;
  for (const PolicyFile& file : files) {
    auto p = std::make_unique<ParsedFile>();
    p->name = file.name;
    IssueCollector collector(file.name, &result.issues);
    TextFormat::Parser parser;
    parser.RecordErrorsTo(&collector);
    parser.WriteLocationsTo(&p->tree);
    parser.SetRecursionLimit(kMaxNesting * 3);
    if (!parser.ParseFromString(file.content, &p->content)) {
      // The parser reports its first error; a file that does not parse
      // cannot be checked further, but the other files still are.
      if (result.issues.empty() || result.issues.back().file != file.name) {
        result.issues.push_back({file.name, 0, "cannot be parsed"});
      }
      parse_failed = true;
      continue;
    }
    parsed.push_back(std::move(p));
  }
  PolicyCompiler compiler(&result.issues);
  std::shared_ptr<const PolicySet> set = compiler.Compile(parsed);
  if (!parse_failed && result.issues.empty()) result.set = std::move(set);
  return result;
}

LoadResult PolicySet::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  LoadResult result;
  std::error_code error;
  std::vector<fs::path> paths;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    const fs::path& path = it->path();
    if (absl::EndsWith(path.filename().string(), kPolicySuffix) && it->is_regular_file()) paths.push_back(path);
  }
  if (error) {
    result.issues.push_back({dir, 0, absl::StrCat("cannot read the policy directory: ", error.message())});
    return result;
  }
  std::sort(paths.begin(), paths.end());
  std::vector<PolicyFile> files;
  for (const fs::path& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream content;
    content << in.rdbuf();
    if (!in) {
      result.issues.push_back({path.filename().string(), 0, "cannot be read"});
      continue;
    }
    files.push_back({path.filename().string(), content.str()});
  }
  if (!result.issues.empty()) return result;
  return LoadFromFiles(files);
}

}  // namespace signoff::policies
