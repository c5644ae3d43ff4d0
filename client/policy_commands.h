#pragma once

// Offline policy tooling: `signoffctl policy lint|test|eval`. Uses the policy
// engine directly; no server is involved.

#include <string>
#include <vector>

namespace signoff::client {

// `args` are the words after "policy" (e.g. {"lint", "policies/default"}).
// Returns the process exit code: 0 success, 1 issues / failed cases /
// invalid offer, 2 usage errors.
int RunPolicyCommand(const std::vector<std::string>& args);

// The usage lines of the policy commands, for signoffctl's help text.
extern const char kPolicyUsage[];

}  // namespace signoff::client
