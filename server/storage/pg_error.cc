#include "server/storage/pg_error.h"

#include <string>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"

namespace signoff::storage::internal {

absl::Status StatusFromException(const std::exception& e, absl::string_view context) {
  std::string message = absl::StrCat(context, ": ", e.what());
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (dynamic_cast<const pqxx::unique_violation*>(&e)) return absl::AlreadyExistsError(message);
  if (dynamic_cast<const pqxx::serialization_failure*>(&e) ||
      dynamic_cast<const pqxx::deadlock_detected*>(&e)) {
    return absl::AbortedError(message);
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e)) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

std::string RedactDsn(absl::string_view dsn) {
  std::string out(dsn);
  // URI form: postgresql://user:secret@host/db
  if (size_t scheme = out.find("://"); scheme != std::string::npos) {
    size_t at = out.find('@', scheme);
    size_t colon = out.find(':', scheme + 3);
    if (at != std::string::npos && colon != std::string::npos && colon < at) {
      out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // key=value form: password=secret
  for (size_t pos = out.find("password="); pos != std::string::npos;
       pos = out.find("password=", pos + 1)) {
    size_t start = pos + 9;
    size_t end = out.find(' ', start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "***");
  }
  return out;
}

}  // namespace signoff::storage::internal
