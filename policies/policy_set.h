#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "policies/compiled_rule.h"
#include "policies/money.h"
#include "policies/policy_issue.h"
#include "signoff/v1/decision.pb.h"
#include "signoff/v1/directory.pb.h"
#include "signoff/v1/offer.pb.h"
#include "signoff/v1/policy.pb.h"

namespace signoff::policies {

// Reason.rule_id of what the engine itself adds to a decision.
inline constexpr char kUnknownManagerRuleId[] = "engine.unknown_manager";
inline constexpr char kLevelLimitRuleId[] = "engine.level_limit";

// An approval level of a loaded set, ordered by rank (0 = lowest).
struct ApprovalLevel {
  std::string id;
  std::string description;
  int rank = 0;
  // Empty: unlimited. Otherwise one per currency.
  std::vector<Money> limits;
  absl::Duration sla;
  v1::QuorumKind quorum = v1::QUORUM_KIND_ANY;
  // Approvers needed: 1 for ANY, quorum_n for N; unused for ALL.
  int quorum_n = 1;

  // The limit in `currency_code`, or nullptr (none set for that currency).
  const Money* LimitFor(absl::string_view currency_code) const;
  bool unlimited() const { return limits.empty(); }
  // Whether this level may sign off an offer of `total`: unlimited, or a
  // limit in that currency that is not exceeded. No limit in the currency:
  // false (fail safe).
  bool Covers(const Money& total) const;
};

// A policy file's name (for issues) and text.
struct PolicyFile {
  std::string name;
  std::string content;
};

class PolicySet;

// The outcome of loading: a set, or every problem found. Never both.
struct LoadResult {
  std::shared_ptr<const PolicySet> set;
  std::vector<PolicyIssue> issues;

  bool ok() const { return set != nullptr; }
  // One issue per line, "file:line: message".
  std::string IssuesText() const;
};

// A compiled, immutable policy set. Evaluate is a pure function of its
// arguments and the set, safe to call from many threads at once.
class PolicySet {
 public:
  // Loads every `*.policy.textproto` of `dir` in file-name order (other
  // files, such as case files and the directory seed, are ignored).
  static LoadResult Load(const std::string& dir);
  // The same from in-memory files, for tests and tools.
  static LoadResult LoadFromFiles(const std::vector<PolicyFile>& files);

  PolicySet(const PolicySet&) = delete;
  PolicySet& operator=(const PolicySet&) = delete;
  ~PolicySet();

  // The decision for `offer`. `manager` is the manager's directory entry, or
  // nullptr when unknown (the offer then routes to sign-off to fail safe).
  // `at` fixes "now" (tenure) and is recorded in the decision. An invalid
  // offer is INVALID_ARGUMENT naming the field, never a decision.
  absl::StatusOr<v1::Decision> Evaluate(const v1::Offer& offer, const v1::Employee* manager,
                                        absl::Time at) const;
  // The same, written into `decision` (cleared first; on an error it holds
  // nothing useful): lets a server build it straight into its response,
  // which may live on an arena.
  absl::Status EvaluateInto(const v1::Offer& offer, const v1::Employee* manager, absl::Time at,
                            v1::Decision& decision) const;

  // Lowest first.
  const std::vector<ApprovalLevel>& levels() const { return levels_; }
  const ApprovalLevel* FindLevel(absl::string_view id) const;
  // Label and SHA-256 of the merged set's canonical (deterministic binary)
  // serialization: comments and layout do not change it, any rule does.
  const v1::PolicyVersion& version() const { return version_; }
  size_t rule_count() const { return rules_.size(); }
  // The merged policy as loaded.
  const v1::PolicySet& definition() const { return definition_; }

 private:
  friend class PolicyCompiler;
  PolicySet() = default;

  v1::PolicySet definition_;
  v1::PolicyVersion version_;
  std::vector<ApprovalLevel> levels_;
  std::vector<internal::CompiledRule> rules_;
  int fail_safe_rank_ = 0;
};

}  // namespace signoff::policies
