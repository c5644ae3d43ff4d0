// Evaluation: an offer, manager facts and a time in; a decision out.

#include "policies/policy_set.h"

#include <optional>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "policies/explain.h"
#include "policies/offer_figures.h"
#include "policies/status_macros.h"

namespace signoff::policies {
namespace {

using internal::CompiledRule;
using internal::EvalInput;
using internal::Fact;
using internal::Truth;

enum Severity { kApprove = 0, kSignoff = 1, kReject = 2 };

// Whole days from the hire date to `at`, both as UTC calendar days; nullopt
// without a valid hire date.
std::optional<int64_t> TenureDays(const v1::Employee* manager, absl::Time at) {
  if (manager == nullptr || !manager->has_hire_date()) return std::nullopt;
  const v1::Date& d = manager->hire_date();
  if (d.year() < 1 || d.year() > 9999 || d.month() < 1 || d.month() > 12 || d.day() < 1 || d.day() > 31) {
    return std::nullopt;
  }
  const absl::CivilDay hired(d.year(), d.month(), d.day());
  if (hired.day() != d.day()) return std::nullopt;  // e.g. 31 April normalised away
  // Days since the epoch by floor division: the same as converting `at` to a
  // UTC civil day, without a time-zone lookup on every evaluation.
  const int64_t seconds = absl::ToUnixSeconds(at);
  const int64_t today = seconds / 86400 - (seconds % 86400 < 0 ? 1 : 0);
  return today - (hired - absl::CivilDay(1970, 1, 1));
}

const char* ModeSuffix(v1::RuleMode mode) {
  switch (mode) {
    case v1::RULE_MODE_WARN: return " (warning only, not enforced)";
    case v1::RULE_MODE_SHADOW: return " (shadow rule, recorded for audit only)";
    default: return "";
  }
}

}  // namespace

const Money* ApprovalLevel::LimitFor(absl::string_view currency_code) const {
  for (const Money& limit : limits) {
    if (limit.currency_code() == currency_code) return &limit;
  }
  return nullptr;
}

bool ApprovalLevel::Covers(const Money& total) const {
  if (unlimited()) return true;
  const Money* limit = LimitFor(total.currency_code());
  return limit != nullptr && total.amount() <= limit->amount();
}

std::string LoadResult::IssuesText() const {
  return absl::StrJoin(issues, "\n", [](std::string* out, const PolicyIssue& issue) {
    absl::StrAppend(out, issue.ToString());
  });
}

PolicySet::~PolicySet() = default;

const ApprovalLevel* PolicySet::FindLevel(absl::string_view id) const {
  for (const ApprovalLevel& level : levels_) {
    if (level.id == id) return &level;
  }
  return nullptr;
}

absl::StatusOr<v1::Decision> PolicySet::Evaluate(const v1::Offer& offer, const v1::Employee* manager,
                                                 absl::Time at) const {
  v1::Decision decision;
  RETURN_IF_ERROR(EvaluateInto(offer, manager, at, decision));
  return decision;
}

absl::Status PolicySet::EvaluateInto(const v1::Offer& offer, const v1::Employee* manager,
                                     absl::Time at, v1::Decision& decision) const {
  // Per-thread scratch: Evaluate never re-enters itself, and reusing the
  // line storage spares an allocation (and glibc's fastbin consolidation
  // that large allocations trigger) on every submission.
  thread_local OfferFigures figures;
  RETURN_IF_ERROR(ComputeFiguresInto(offer, figures));
  const EvalInput in{offer, figures, manager, TenureDays(manager, at)};

  decision.Clear();
  Severity severity = kApprove;
  // Required levels by rank; a handful of levels, so a flat vector.
  absl::InlinedVector<char, 8> required(levels_.size(), 0);
  internal::FactList facts;

  auto require = [&](int rank) {
    severity = std::max(severity, kSignoff);
    required[rank] = 1;
  };

  for (const CompiledRule& rule : rules_) {
    facts.clear();
    const Truth truth = rule.condition->Evaluate(in, &facts);
    if (truth == Truth::kFalse) continue;
    // An approve never lowers the outcome, so one that cannot judge the
    // offer has nothing to fail safe from.
    if (truth == Truth::kUnknown && rule.effect == v1::EFFECT_KIND_APPROVE) continue;

    v1::Reason* reason = decision.add_reasons();
    reason->set_rule_id(rule.id);
    reason->set_description(rule.description);
    reason->set_mode(rule.mode);
    bool fail_safe = truth == Truth::kUnknown;
    // The sentence is written straight into the reason: no temporaries.
    std::string* text = reason->mutable_text();
    text->reserve(128);
    for (const Fact& fact : facts) {
      internal::FillMeasurement(fact, in, reason->add_measurements());
      fail_safe |= fact.missing != internal::Missing::kNone;
      if (!text->empty()) text->append("; ");
      internal::AppendFactSentence(fact, in, text);
    }
    if (text->empty()) text->append(rule.description);
    reason->set_fail_safe(fail_safe);

    int rank = -1;
    if (truth == Truth::kUnknown) {
      rank = rule.fail_safe_rank;
      reason->set_effect(v1::EFFECT_KIND_REQUIRE_LEVEL);
      absl::StrAppend(text, " — the rule cannot judge the offer, so it needs sign-off by ", levels_[rank].id,
                      " (fail safe)");
    } else {
      reason->set_effect(rule.effect);
      switch (rule.effect) {
        case v1::EFFECT_KIND_REQUIRE_LEVEL:
          rank = rule.level_rank;
          absl::StrAppend(text, " — needs sign-off by ", levels_[rank].id);
          break;
        case v1::EFFECT_KIND_REJECT:
          reason->set_reject_message(rule.reject_message);
          absl::StrAppend(text, " — rejected: ", rule.reject_message);
          break;
        default:
          text->append(" — approved");
          break;
      }
    }
    if (rank >= 0) reason->set_required_level(levels_[rank].id);
    text->append(ModeSuffix(rule.mode));

    if (rule.mode == v1::RULE_MODE_WARN || rule.mode == v1::RULE_MODE_SHADOW) continue;
    if (truth == Truth::kTrue && rule.effect == v1::EFFECT_KIND_REJECT) {
      severity = kReject;
    } else if (rank >= 0) {
      require(rank);
    }
  }

  if (manager == nullptr) {
    v1::Reason* reason = decision.add_reasons();
    reason->set_rule_id(kUnknownManagerRuleId);
    reason->set_description("The offer's manager is not in the directory");
    reason->set_mode(v1::RULE_MODE_ENFORCE);
    reason->set_effect(v1::EFFECT_KIND_REQUIRE_LEVEL);
    reason->set_required_level(levels_[fail_safe_rank_].id);
    reason->set_fail_safe(true);
    v1::Measurement* m = reason->add_measurements();
    m->set_quantity("manager_id");
    m->set_measured(offer.manager_id());
    m->set_comparison("missing");
    m->set_line_index(-1);
    reason->set_text(absl::StrCat("Manager \"", offer.manager_id(),
                                  "\" is not in the directory — needs sign-off by ",
                                  levels_[fail_safe_rank_].id, " (fail safe)"));
    require(fail_safe_rank_);
  }

  if (severity == kSignoff) {
    // A level may only sign what its limit covers: raise to the lowest higher
    // level that covers the total; a currency without limits is fail safe.
    const Money total = Money::Create(figures.currency_code, figures.total).value();
    const int top = static_cast<int>(levels_.size()) - 1;
    // A level reached by raising is already explained by the raise's reason.
    absl::InlinedVector<char, 8> raised_into(levels_.size(), 0);
    for (int rank = 0; rank <= top; ++rank) {
      if (!required[rank] || raised_into[rank] || levels_[rank].Covers(total)) continue;
      int target = rank + 1;
      while (target <= top && !levels_[target].Covers(total)) ++target;
      const bool none_covers = target > top;
      if (none_covers) target = top;
      const ApprovalLevel& level = levels_[rank];
      const Money* limit = level.LimitFor(figures.currency_code);

      v1::Reason* reason = decision.add_reasons();
      reason->set_rule_id(kLevelLimitRuleId);
      reason->set_description("The offer total is beyond the approval limit of a required level");
      reason->set_mode(v1::RULE_MODE_ENFORCE);
      reason->set_effect(v1::EFFECT_KIND_REQUIRE_LEVEL);
      reason->set_required_level(levels_[target].id);
      reason->set_fail_safe(limit == nullptr);
      v1::Measurement* m = reason->add_measurements();
      m->set_quantity("offer_total");
      m->set_measured(figures.total.ToString());
      m->set_unit(figures.currency_code);
      m->set_line_index(-1);
      std::string text;
      if (limit != nullptr) {
        m->set_threshold(limit->amount().ToString());
        m->set_comparison(">");
        text = absl::StrCat("Offer total ", total.ToString(), " is above ", level.id, "'s limit ",
                            limit->ToString());
      } else {
        m->set_comparison("missing");
        text = absl::StrCat("Offer total ", total.ToString(), " cannot be judged: ", level.id,
                            " has no limit in ", figures.currency_code);
      }
      if (none_covers && target == rank) {
        absl::StrAppend(&text, " and no level covers it — the highest level, ", levels_[target].id,
                        ", signs off");
      } else if (none_covers) {
        absl::StrAppend(&text, " and no level covers it — raised to the highest level, ", levels_[target].id);
      } else {
        absl::StrAppend(&text, " — raised to ", levels_[target].id);
      }
      if (limit == nullptr) absl::StrAppend(&text, " (fail safe)");
      reason->set_text(std::move(text));
      required[rank] = 0;
      required[target] = 1;
      raised_into[target] = 1;
    }
  }

  switch (severity) {
    case kReject:
      decision.set_outcome(v1::OUTCOME_REJECTED);
      break;
    case kSignoff:
      decision.set_outcome(v1::OUTCOME_NEEDS_SIGNOFF);
      for (size_t rank = 0; rank < levels_.size(); ++rank) {
        if (required[rank]) decision.add_required_levels(levels_[rank].id);
      }
      break;
    case kApprove:
      decision.set_outcome(v1::OUTCOME_APPROVED);
      break;
  }
  *decision.mutable_policy_version() = version_;
  *decision.mutable_figures() = figures.ToProto();
  const int64_t seconds = absl::ToUnixSeconds(at);  // floors, as Timestamp wants
  decision.mutable_evaluated_at()->set_seconds(seconds);
  decision.mutable_evaluated_at()->set_nanos(
      static_cast<int32_t>((at - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
  return absl::OkStatus();
}

}  // namespace signoff::policies
