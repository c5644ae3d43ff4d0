#include "server/main/config.h"

#include <cstdlib>

#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace signoff::config {

absl::Status ApplyEnvironment(const std::string& prefix, const std::vector<std::string>& flags) {
  for (const std::string& name : flags) {
    std::string variable = absl::StrCat(prefix, absl::AsciiStrToUpper(name));
    const char* value = std::getenv(variable.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      return absl::InternalError(absl::StrCat("no flag --", name, " for ", variable));
    }
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      return absl::InvalidArgumentError(
          absl::StrCat(variable, "=\"", value, "\" is not a valid --", name, ": ", error));
    }
  }
  return absl::OkStatus();
}

}  // namespace signoff::config
