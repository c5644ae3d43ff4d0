#pragma once

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "policies/policy_set.h"

namespace signoff::policies {

// The policy set in force. Readers take a snapshot (a shared_ptr) and keep
// evaluating against it even while a reload swaps in a new set, so nobody
// ever sees half a set; the old set lives until its last reader lets go.
class ActivePolicy {
 public:
  ActivePolicy() = default;
  explicit ActivePolicy(std::shared_ptr<const PolicySet> initial) : set_(std::move(initial)) {}

  // The current set; nullptr before the first successful Set/Reload.
  std::shared_ptr<const PolicySet> Get() const ABSL_LOCKS_EXCLUDED(mu_);

  // Installs `set` (ignored when null) and returns the one it replaced.
  std::shared_ptr<const PolicySet> Set(std::shared_ptr<const PolicySet> set) ABSL_LOCKS_EXCLUDED(mu_);

  // Loads `dir` and installs it only when it has no issues; otherwise the
  // current set stays in force and the result carries the issues.
  LoadResult Reload(const std::string& dir) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  mutable absl::Mutex mu_;
  std::shared_ptr<const PolicySet> set_ ABSL_GUARDED_BY(mu_);
};

}  // namespace signoff::policies
