#pragma once

// Who signs what: resolving a decision's required levels into stages with
// approvers, and checking that a person may sign a stage. Pure functions
// over directory facts the caller has loaded.

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "policies/money.h"
#include "policies/policy_set.h"
#include "server/workflow/approval_flow.h"
#include "signoff/v1/decision.pb.h"
#include "signoff/v1/directory.pb.h"

namespace signoff::workflow {

struct RoutingFacts {
  // The manager's supervisors, nearest first.
  std::vector<v1::Employee> supervisor_chain;
  // Active holders of each level id.
  std::map<std::string, std::vector<v1::Employee>> holders;
};

// One stage per required level, lowest first. Approvers of a stage: the
// manager's supervisors holding the level (nearest first), then everyone
// else holding it; never the manager or the submitter (four-eyes), never
// someone whose personal limit is below the total. A level nobody can sign
// falls back to the holders of the next higher levels, so no stage is left
// without anyone to act on it while someone senior could.
std::vector<StagePlan> PlanStages(const v1::Decision& decision, const policies::PolicySet& policy,
                                  const RoutingFacts& facts, const std::string& manager_id,
                                  const std::string& submitted_by, const policies::Money& total);

// OK when `approver` holds `level` or a higher one and the offer total is
// within their limit for it (their personal limit in that currency, else the
// level's). PERMISSION_DENIED saying which rule stops them otherwise.
absl::Status CheckAuthority(const v1::Employee& approver, const policies::ApprovalLevel& level,
                            const policies::PolicySet& policy, const policies::Money& total);

// The employee's personal limit at `level` in the total's currency: OK when
// the total is within it or they have none there (the level's limit rules).
bool WithinPersonalLimit(const v1::Employee& employee, const std::string& level,
                         const policies::Money& total);

}  // namespace signoff::workflow
