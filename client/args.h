#pragma once

// signoffctl's command line: positional words and --flags, in any order, so
// that `signoffctl approve KP-1 --comment "ok"` and
// `signoffctl --token=T approve --comment=ok KP-1` mean the same.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace signoff::client {

struct Args {
  std::vector<std::string> positional;
  // Flag name (dashes, no leading "--") → every value given, in order.
  std::map<std::string, std::vector<std::string>> flags;

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  // The last value given, or `fallback` when the flag is absent.
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  // Boolean flags: present and not "false"/"0"/"no".
  bool Enabled(const std::string& name) const;
};

// Flags that take no value; every other flag takes one (`--f=v` or `--f v`).
bool IsSwitch(const std::string& name);

// "--name=value", "--name value", "--switch", "-h"; "--" ends the flags.
// Underscores in names become dashes (--all_below = --all-below).
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words);

// INVALID_ARGUMENT naming the first flag not in `allowed`.
absl::Status CheckFlags(const Args& args, const std::set<std::string>& allowed);

}  // namespace signoff::client
