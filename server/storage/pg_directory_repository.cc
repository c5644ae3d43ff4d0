#include "server/storage/pg_directory_repository.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "server/storage/event_log.h"
#include "server/storage/pg_error.h"
#include "server/storage/pg_values.h"

namespace signoff::storage {
namespace {

// Advisory lock taken while seeding, so two replicas starting on an empty
// database do not both load the seed.
constexpr int64_t kSeedLockKey = 0x5349'474e'5345;

std::vector<std::string> Levels(const v1::Employee& employee) {
  std::vector<std::string> levels;
  for (const v1::ApprovalAuthority& authority : employee.approval_levels()) {
    levels.push_back(authority.level());
  }
  return levels;
}

void WriteEmployee(pqxx::transaction_base& tx, const v1::Employee& employee, absl::Time at) {
  tx.exec_prepared("employee_upsert", employee.employee_id(),
                   pqxx::binarystring(internal::SerializeDeterministic(employee)),
                   employee.supervisor_id(), employee.active(),
                   internal::ToTextArray(Levels(employee)), absl::ToUnixMicros(at));
}

// Tells every replica's directory cache (PgEventFeed listens) at commit.
void NotifyDirectoryChanged(pqxx::transaction_base& tx) {
  tx.exec_params("SELECT pg_notify($1, '')", std::string(internal::kDirectoryChannel));
}

// The employees a named query returns, one serialized record per row.
template <typename Argument>
absl::StatusOr<std::vector<v1::Employee>> QueryEmployees(Database* db, const char* query,
                                                         const Argument& argument) {
  std::vector<v1::Employee> employees;
  absl::Status status = db->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::read_transaction tx(conn);
    for (const pqxx::row& row : tx.exec_prepared(query, argument)) {
      auto employee = internal::ParseProto<v1::Employee>(row[0]);
      if (!employee.ok()) return employee.status();
      employees.push_back(std::move(*employee));
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return employees;
}

}  // namespace

absl::StatusOr<std::optional<v1::Employee>> PgDirectoryRepository::Get(const std::string& id) {
  auto found = QueryEmployees(db_, "employee_get", id);
  if (!found.ok()) return found.status();
  if (found->empty()) return std::nullopt;
  return std::optional<v1::Employee>(std::move(found->front()));
}

absl::StatusOr<std::vector<v1::Employee>> PgDirectoryRepository::List(bool include_inactive) {
  return QueryEmployees(db_, "employee_list", include_inactive);
}

absl::StatusOr<std::vector<v1::Employee>> PgDirectoryRepository::HoldersOf(
    const std::vector<std::string>& levels) {
  return QueryEmployees(db_, "employee_holders", internal::ToTextArray(levels));
}

absl::StatusOr<std::vector<v1::Employee>> PgDirectoryRepository::SupervisorChain(
    const std::string& employee_id) {
  return QueryEmployees(db_, "employee_chain", employee_id);
}

absl::Status PgDirectoryRepository::Upsert(const v1::Employee& employee, const v1::Event& event,
                                           absl::Time at) {
  return db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::work tx(conn);
    WriteEmployee(tx, employee, at);
    internal::AppendEvents(tx, at, {internal::ToNewEvent(event)});
    NotifyDirectoryChanged(tx);
    tx.commit();
    return absl::OkStatus();
  });
}

absl::StatusOr<int> PgDirectoryRepository::SeedIfEmpty(const v1::Directory& seed, absl::Time at) {
  int loaded = 0;
  absl::Status status = db_->WithConnection([&](pqxx::connection_base& conn) -> absl::Status {
    pqxx::work tx(conn);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kSeedLockKey);
    if (tx.exec_prepared1("employee_count")[0].as<int64_t>() > 0) return absl::OkStatus();
    for (const v1::Employee& employee : seed.employees()) WriteEmployee(tx, employee, at);
    NewEvent event;
    event.kind = "directory.seeded";
    event.actor_id = "system";
    event.payload_json = absl::StrCat("{\"employees\":", seed.employees_size(), "}");
    internal::AppendEvents(tx, at, {event});
    NotifyDirectoryChanged(tx);
    tx.commit();
    loaded = seed.employees_size();
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return loaded;
}

}  // namespace signoff::storage
