#include "policies/active_policy.h"

#include <utility>

namespace signoff::policies {

std::shared_ptr<const PolicySet> ActivePolicy::Get() const {
  absl::MutexLock lock(&mu_);
  return set_;
}

std::shared_ptr<const PolicySet> ActivePolicy::Set(std::shared_ptr<const PolicySet> set) {
  if (set == nullptr) return Get();
  absl::MutexLock lock(&mu_);
  std::swap(set_, set);
  return set;  // released outside the lock when the caller drops it
}

LoadResult ActivePolicy::Reload(const std::string& dir) {
  // Loading and compiling happen outside the lock; only the swap is inside.
  LoadResult result = PolicySet::Load(dir);
  if (result.ok()) Set(result.set);
  return result;
}

}  // namespace signoff::policies
