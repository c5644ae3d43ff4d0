#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace signoff::config {

// Sets each named flag from the environment variable `<prefix><FLAG NAME IN
// UPPER CASE>` (e.g. SIGNOFF_DATABASE_DSN for --database_dsn) when that
// variable is set. Call before absl::ParseCommandLine so that an explicit
// command-line flag still wins. An unparsable value is INVALID_ARGUMENT
// naming the variable.
absl::Status ApplyEnvironment(const std::string& prefix, const std::vector<std::string>& flags);

}  // namespace signoff::config
