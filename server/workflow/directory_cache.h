#pragma once

// The whole directory in memory, so evaluating and routing an offer needs no
// database read. Directories are small (hundreds to a few thousand people),
// so the snapshot is reloaded as a whole whenever anything changed — on this
// replica (Upsert) or another one (Invalidate, from PostgreSQL's NOTIFY).

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "server/workflow/repository.h"

namespace signoff::workflow {

class DirectoryCache : public DirectoryRepository {
 public:
  // `store` holds the directory of record; it must outlive the cache.
  explicit DirectoryCache(DirectoryRepository* store) : store_(store) {}

  // Marks the snapshot stale: the next read loads a fresh one. Cheap and
  // non-blocking, so a notification listener may call it.
  void Invalidate() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  absl::StatusOr<std::optional<v1::Employee>> Get(const std::string& employee_id) override;
  // The snapshot's own entry, no copy; it keeps the snapshot alive.
  absl::StatusOr<std::shared_ptr<const v1::Employee>> Find(const std::string& employee_id) override;
  absl::StatusOr<std::vector<v1::Employee>> List(bool include_inactive) override;
  absl::StatusOr<std::vector<v1::Employee>> HoldersOf(const std::vector<std::string>& levels) override;
  absl::StatusOr<std::vector<v1::Employee>> SupervisorChain(const std::string& employee_id) override;
  // Writes go to the store; the change is visible to the next read here.
  absl::Status Upsert(const v1::Employee& employee, const v1::Event& event, absl::Time at) override;
  absl::StatusOr<int> SeedIfEmpty(const v1::Directory& seed, absl::Time at) override;

 private:
  struct Snapshot {
    std::vector<v1::Employee> employees;  // every one, inactive too, ordered by id
    absl::flat_hash_map<std::string, const v1::Employee*> by_id;
  };

  absl::StatusOr<std::shared_ptr<const Snapshot>> Current();

  DirectoryRepository* store_;
  std::atomic<uint64_t> generation_{1};
  std::mutex load_mu_;  // one loader at a time; held while reading the store
  std::mutex mu_;       // guards the two fields below (held only to copy them)
  std::shared_ptr<const Snapshot> snapshot_;
  uint64_t loaded_generation_ = 0;
};

}  // namespace signoff::workflow
