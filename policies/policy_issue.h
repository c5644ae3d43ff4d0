#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace signoff::policies {

// One problem in a policy directory, pointing at the file and line (1-based;
// 0 when the problem is about the file or the set as a whole).
struct PolicyIssue {
  std::string file;
  int line = 0;
  std::string message;

  // "amount.policy.textproto:12: unknown level \"ceo\"".
  std::string ToString() const {
    return line > 0 ? absl::StrCat(file, ":", line, ": ", message) : absl::StrCat(file, ": ", message);
  }
  friend bool operator==(const PolicyIssue&, const PolicyIssue&) = default;
  friend std::ostream& operator<<(std::ostream& out, const PolicyIssue& issue) {
    return out << issue.ToString();
  }
};

}  // namespace signoff::policies
