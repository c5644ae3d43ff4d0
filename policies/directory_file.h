#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signoff/v1/directory.pb.h"

namespace signoff::policies {

// Reads a signoff.v1.Directory in text format (a directory seed file);
// INVALID_ARGUMENT with file:line on a parse error, NOT_FOUND when missing.
absl::StatusOr<v1::Directory> LoadDirectoryFile(const std::string& path);

// The employee with `employee_id`, or nullptr.
const v1::Employee* FindEmployee(const v1::Directory& directory, absl::string_view employee_id);

}  // namespace signoff::policies
