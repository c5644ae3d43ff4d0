#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace signoff::policies {

// Lower-case hex SHA-256 of `data` (OpenSSL's libcrypto does the hashing).
std::string Sha256Hex(absl::string_view data);

}  // namespace signoff::policies
