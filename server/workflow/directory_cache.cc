#include "server/workflow/directory_cache.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "policies/status_macros.h"

namespace signoff::workflow {
namespace {

// As deep as a supervisor chain is followed; a directory with a cycle in it
// (a data error) still routes.
constexpr int kMaxChainDepth = 32;

}  // namespace

absl::StatusOr<std::shared_ptr<const DirectoryCache::Snapshot>> DirectoryCache::Current() {
  const uint64_t wanted = generation_.load(std::memory_order_acquire);
  {
    std::lock_guard lock(mu_);
    if (snapshot_ != nullptr && loaded_generation_ == wanted) return snapshot_;
  }
  std::lock_guard loading(load_mu_);
  // Another reader may have loaded it while this one waited.
  const uint64_t generation = generation_.load(std::memory_order_acquire);
  {
    std::lock_guard lock(mu_);
    if (snapshot_ != nullptr && loaded_generation_ == generation) return snapshot_;
  }
  // A change committed after this point bumps the generation again, so the
  // snapshot is never marked newer than what it read.
  ASSIGN_OR_RETURN(std::vector<v1::Employee> employees, store_->List(/*include_inactive=*/true));
  auto fresh = std::make_shared<Snapshot>();
  fresh->employees = std::move(employees);
  std::sort(fresh->employees.begin(), fresh->employees.end(),
            [](const v1::Employee& a, const v1::Employee& b) { return a.employee_id() < b.employee_id(); });
  for (const v1::Employee& e : fresh->employees) fresh->by_id[e.employee_id()] = &e;
  std::lock_guard lock(mu_);
  snapshot_ = std::move(fresh);
  loaded_generation_ = generation;
  return snapshot_;
}

absl::StatusOr<std::optional<v1::Employee>> DirectoryCache::Get(const std::string& employee_id) {
  ASSIGN_OR_RETURN(auto snapshot, Current());
  auto it = snapshot->by_id.find(employee_id);
  if (it == snapshot->by_id.end()) return std::nullopt;
  return std::optional<v1::Employee>(*it->second);
}

absl::StatusOr<std::shared_ptr<const v1::Employee>> DirectoryCache::Find(
    const std::string& employee_id) {
  ASSIGN_OR_RETURN(auto snapshot, Current());
  auto it = snapshot->by_id.find(employee_id);
  if (it == snapshot->by_id.end()) return nullptr;
  return std::shared_ptr<const v1::Employee>(snapshot, it->second);  // aliasing: no copy
}

absl::StatusOr<std::vector<v1::Employee>> DirectoryCache::List(bool include_inactive) {
  ASSIGN_OR_RETURN(auto snapshot, Current());
  std::vector<v1::Employee> out;
  for (const v1::Employee& e : snapshot->employees) {
    if (include_inactive || e.active()) out.push_back(e);
  }
  return out;
}

absl::StatusOr<std::vector<v1::Employee>> DirectoryCache::HoldersOf(
    const std::vector<std::string>& levels) {
  ASSIGN_OR_RETURN(auto snapshot, Current());
  std::vector<v1::Employee> out;
  for (const v1::Employee& e : snapshot->employees) {
    if (!e.active()) continue;
    bool holds = std::any_of(e.approval_levels().begin(), e.approval_levels().end(),
                             [&](const v1::ApprovalAuthority& a) {
                               return std::find(levels.begin(), levels.end(), a.level()) != levels.end();
                             });
    if (holds) out.push_back(e);
  }
  return out;
}

absl::StatusOr<std::vector<v1::Employee>> DirectoryCache::SupervisorChain(
    const std::string& employee_id) {
  ASSIGN_OR_RETURN(auto snapshot, Current());
  std::vector<v1::Employee> chain;
  absl::flat_hash_set<std::string> seen = {employee_id};
  auto it = snapshot->by_id.find(employee_id);
  while (it != snapshot->by_id.end() && static_cast<int>(chain.size()) < kMaxChainDepth) {
    const std::string& boss = it->second->supervisor_id();
    if (boss.empty() || !seen.insert(boss).second) break;
    it = snapshot->by_id.find(boss);
    if (it == snapshot->by_id.end()) break;
    chain.push_back(*it->second);
  }
  return chain;
}

absl::Status DirectoryCache::Upsert(const v1::Employee& employee, const v1::Event& event,
                                    absl::Time at) {
  absl::Status status = store_->Upsert(employee, event, at);
  Invalidate();  // also on failure: the outcome of a failed commit is unknown
  return status;
}

absl::StatusOr<int> DirectoryCache::SeedIfEmpty(const v1::Directory& seed, absl::Time at) {
  absl::StatusOr<int> loaded = store_->SeedIfEmpty(seed, at);
  Invalidate();
  return loaded;
}

}  // namespace signoff::workflow
