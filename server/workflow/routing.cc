#include "server/workflow/routing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace signoff::workflow {
namespace {

bool Holds(const v1::Employee& employee, const std::string& level) {
  return std::any_of(employee.approval_levels().begin(), employee.approval_levels().end(),
                     [&](const v1::ApprovalAuthority& a) { return a.level() == level; });
}

int RequiredApprovals(const policies::ApprovalLevel& level, size_t approvers) {
  int available = std::max<int>(1, static_cast<int>(approvers));
  switch (level.quorum) {
    case v1::QUORUM_KIND_ALL:
      return available;
    case v1::QUORUM_KIND_N:
      return std::min(std::max(1, level.quorum_n), available);
    default:
      return 1;
  }
}

// Approvers for `level` in preference order, applying four-eyes and limits.
std::vector<std::string> ApproversFor(const std::string& level, const RoutingFacts& facts,
                                      const std::string& manager_id,
                                      const std::string& submitted_by,
                                      const policies::Money& total) {
  std::vector<std::string> approvers;
  auto consider = [&](const v1::Employee& e) {
    if (!e.active() || e.employee_id() == manager_id || e.employee_id() == submitted_by) return;
    if (!Holds(e, level) || !WithinPersonalLimit(e, level, total)) return;
    if (std::find(approvers.begin(), approvers.end(), e.employee_id()) != approvers.end()) return;
    approvers.push_back(e.employee_id());
  };
  for (const v1::Employee& supervisor : facts.supervisor_chain) consider(supervisor);
  if (auto it = facts.holders.find(level); it != facts.holders.end()) {
    for (const v1::Employee& holder : it->second) consider(holder);
  }
  return approvers;
}

}  // namespace

bool WithinPersonalLimit(const v1::Employee& employee, const std::string& level,
                         const policies::Money& total) {
  for (const v1::ApprovalAuthority& authority : employee.approval_levels()) {
    if (authority.level() != level) continue;
    for (const v1::Money& limit : authority.limits()) {
      if (limit.currency_code() != total.currency_code()) continue;
      auto money = policies::Money::FromProto(limit);
      if (!money.ok()) return false;  // a broken limit grants nothing
      auto compared = policies::Compare(total, *money);
      return compared.ok() && *compared <= 0;
    }
  }
  return true;
}

std::vector<StagePlan> PlanStages(const v1::Decision& decision, const policies::PolicySet& policy,
                                  const RoutingFacts& facts, const std::string& manager_id,
                                  const std::string& submitted_by, const policies::Money& total) {
  std::vector<StagePlan> plans;
  for (const std::string& level_id : decision.required_levels()) {
    const policies::ApprovalLevel* level = policy.FindLevel(level_id);
    if (level == nullptr) continue;  // the engine only names levels of its own set
    StagePlan plan;
    plan.level = level_id;
    plan.sla = level->sla;
    plan.approvers = ApproversFor(level_id, facts, manager_id, submitted_by, total);
    for (const policies::ApprovalLevel& higher : policy.levels()) {
      if (!plan.approvers.empty()) break;
      if (higher.rank <= level->rank) continue;
      plan.approvers = ApproversFor(higher.id, facts, manager_id, submitted_by, total);
    }
    plan.approvals_required = RequiredApprovals(*level, plan.approvers.size());
    plans.push_back(std::move(plan));
  }
  return plans;
}

absl::Status CheckAuthority(const v1::Employee& approver, const policies::ApprovalLevel& level,
                            const policies::PolicySet& policy, const policies::Money& total) {
  if (!approver.active()) {
    return absl::PermissionDeniedError(
        absl::StrCat(approver.employee_id(), " is no longer active in the directory"));
  }
  for (const v1::ApprovalAuthority& authority : approver.approval_levels()) {
    const policies::ApprovalLevel* held = policy.FindLevel(authority.level());
    if (held == nullptr || held->rank < level.rank) continue;
    if (!WithinPersonalLimit(approver, authority.level(), total)) continue;
    if (!held->Covers(total)) continue;
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      approver.employee_id(), " may not sign a ", level.id, " stage for ", total.ToString(),
      ": it needs the ", level.id, " level or higher with a limit covering the total"));
}

}  // namespace signoff::workflow
