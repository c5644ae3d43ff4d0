#include "client/args.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace signoff::client {

std::string Args::Get(const std::string& name, const std::string& fallback) const {
  auto it = flags.find(name);
  return it == flags.end() || it->second.empty() ? fallback : it->second.back();
}

bool Args::Enabled(const std::string& name) const {
  if (!Has(name)) return false;
  std::string value = absl::AsciiStrToLower(Get(name, "true"));
  return value != "false" && value != "0" && value != "no";
}

bool IsSwitch(const std::string& name) {
  static const std::set<std::string>* switches =
      new std::set<std::string>{"help", "yes", "watch", "clear", "include-inactive", "json"};
  return switches->count(name) > 0;
}

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words) {
  Args args;
  bool flags_done = false;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (flags_done || word.size() < 2 || word[0] != '-') {
      args.positional.push_back(word);
      continue;
    }
    if (word == "--") {
      flags_done = true;
      continue;
    }
    if (word == "-h") {
      args.flags["help"].push_back("true");
      continue;
    }
    if (!absl::StartsWith(word, "--")) {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag \"", word, "\": flags are spelled --name"));
    }
    std::string name = word.substr(2), value;
    bool has_value = false;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    std::replace(name.begin(), name.end(), '_', '-');
    if (name.empty()) return absl::InvalidArgumentError(absl::StrCat("malformed flag \"", word, "\""));
    if (!has_value && IsSwitch(name)) {
      value = "true";
    } else if (!has_value) {
      if (i + 1 >= words.size()) {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
      value = words[++i];
    }
    args.flags[name].push_back(value);
  }
  return args;
}

absl::Status CheckFlags(const Args& args, const std::set<std::string>& allowed) {
  for (const auto& [name, values] : args.flags) {
    if (!allowed.count(name)) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
  }
  return absl::OkStatus();
}

}  // namespace signoff::client
