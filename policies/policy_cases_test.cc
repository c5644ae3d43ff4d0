// Runs the table-driven cases of a policy directory (default: the shipped
// default set) through the same runner as `signoffctl policy test`; exits
// non-zero when a case fails or a file does not load.

#include <cstdio>

#include "policies/case_runner.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s POLICY_DIR\n", argv[0]);
    return 2;
  }
  signoff::policies::CaseReport report = signoff::policies::RunPolicyTests(argv[1]);
  std::fputs(report.Summary().c_str(), stdout);
  return report.ok() ? 0 : 1;
}
