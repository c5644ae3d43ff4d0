#pragma once

#include "absl/strings/string_view.h"
#include <string>
#include <vector>

namespace signoff::storage {

// A SQL file compiled into the binary (see cmake/embed_sql.cmake): `name` is
// the file name without extension, e.g. "V001__init".
struct EmbeddedSql {
  absl::string_view name;
  absl::string_view sql;
};

}  // namespace signoff::storage

namespace signoff::storage::internal {
// Migrations from server/storage/migrations, sorted by name.
const std::vector<EmbeddedSql>& Migrations();
// Named queries from server/storage/queries, one per file; every connection
// prepares them under their names (lazily, on first use).
const std::vector<EmbeddedSql>& Queries();
// The text of the named query, to run it unprepared (exec_params): then
// PostgreSQL plans it for its actual arguments every time, where a prepared
// statement may switch to a generic plan that is slow for them. Throws
// std::out_of_range for an unknown name.
const std::string& QueryText(absl::string_view name);
}  // namespace signoff::storage::internal
