#pragma once

// Runs table-driven policy cases (`*.cases.textproto`, signoff.v1.PolicyTestFile):
// each case's offer is evaluated and the decision compared with what the case
// expects. `signoffctl policy test` and the ctest suite both use this.

#include <string>
#include <vector>

#include "policies/policy_issue.h"
#include "policies/policy_set.h"
#include "signoff/v1/directory.pb.h"
#include "signoff/v1/policy.pb.h"

namespace signoff::policies {

struct CaseResult {
  std::string file;
  std::string name;
  // Empty when the case passed.
  std::vector<std::string> failures;
  bool passed() const { return failures.empty(); }
};

struct CaseReport {
  // Problems that stop cases from running at all: the policy set or a case
  // file that does not load.
  std::vector<PolicyIssue> issues;
  std::vector<CaseResult> cases;

  int passed() const;
  int failed() const;
  // No issues, at least one case, and every case passed.
  bool ok() const;
  // One line per case ("PASS file: name" / "FAIL ..." with reasons) and a total.
  std::string Summary() const;
};

// The failures of one case against `set` (empty = pass). `directory` resolves
// the manager when the case has no inline manager; it may be null.
std::vector<std::string> RunCase(const PolicySet& set, const v1::PolicyTestCase& test_case,
                                 absl::string_view default_evaluated_at, const v1::Directory* directory);

// Runs the cases of one file's text; `name` labels issues and results,
// `base_dir` resolves the file's directory seed.
void RunCaseText(const PolicySet& set, const std::string& name, const std::string& text,
                 const std::string& base_dir, CaseReport* report);

// Loads the policy set of `dir` and runs every `*.cases.textproto` in it.
CaseReport RunPolicyTests(const std::string& dir);

}  // namespace signoff::policies
