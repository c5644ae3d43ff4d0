#pragma once

#include <exception>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"

namespace signoff::storage::internal {

// The one place where libpqxx exceptions become absl::Status: unique
// violation → ALREADY_EXISTS, serialization failure / deadlock → ABORTED
// (retry), broken connection → UNAVAILABLE, anything else → INTERNAL.
// `context` says what we were doing, e.g. "applying migration V002".
absl::Status StatusFromException(const std::exception& e, absl::string_view context);

// Runs `body` (returning a Status or StatusOr), turning any exception it
// throws into a status as StatusFromException does.
template <typename Body>
auto Guarded(const char* context, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const std::exception& e) {
    return StatusFromException(e, context);
  }
}

// Strips a password from a libpq DSN (key=value or URI form) so it can be logged.
std::string RedactDsn(absl::string_view dsn);

}  // namespace signoff::storage::internal
