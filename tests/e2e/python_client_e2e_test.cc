// The API from a second language: tests/e2e/python_client.py, run with
// Debian's python3 and python3-grpcio against stubs the build generated
// from proto/signoff/v1, talks to a real signoffd started here.

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/process.h"
#include "tests/support/signoffd_fixture.h"
#include "tests/support/status_matchers.h"

namespace signoff {
namespace {

using ::signoff::testing::IsOk;
using ::testing::HasSubstr;

TEST(PythonClientE2eTest, SubmitsAnOfferAndReadsTheDecision) {
  auto server = signoff::testing::SignoffdProcess::Start();
  ASSERT_THAT(server, IsOk());
  // Debian's python, not whatever python3 comes first on PATH: that is where
  // python3-grpcio is installed.
  signoff::testing::CommandResult run = signoff::testing::RunCommand(
      "/usr/bin/python3", {SIGNOFF_SOURCE_DIR "/tests/e2e/python_client.py",
                           "--address=" + (*server)->address(), "--stubs=" SIGNOFF_PYTHON_STUBS},
      absl::Seconds(60));
  EXPECT_EQ(run.exit_code, 0) << run.output;
  EXPECT_THAT(run.output, HasSubstr("python client: submitted, decided, approved"));
}

}  // namespace
}  // namespace signoff
