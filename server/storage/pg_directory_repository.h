#pragma once

#include "server/storage/database.h"
#include "server/workflow/repository.h"

namespace signoff::storage {

// The directory of employees on PostgreSQL.
class PgDirectoryRepository : public workflow::DirectoryRepository {
 public:
  explicit PgDirectoryRepository(Database* db) : db_(db) {}

  absl::StatusOr<std::optional<v1::Employee>> Get(const std::string& employee_id) override;
  absl::StatusOr<std::vector<v1::Employee>> List(bool include_inactive) override;
  absl::StatusOr<std::vector<v1::Employee>> HoldersOf(const std::vector<std::string>& levels) override;
  absl::StatusOr<std::vector<v1::Employee>> SupervisorChain(const std::string& employee_id) override;
  absl::Status Upsert(const v1::Employee& employee, const v1::Event& event, absl::Time at) override;
  absl::StatusOr<int> SeedIfEmpty(const v1::Directory& seed, absl::Time at) override;

 private:
  Database* db_;
};

}  // namespace signoff::storage
