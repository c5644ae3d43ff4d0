#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace signoff::testing {

// A child process (the real signoffd or signoffctl) with its stdout on a pipe.
// The destructor kills it if it is still running.
class ChildProcess {
 public:
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::string& path, const std::vector<std::string>& args,
      const std::vector<std::string>& extra_env = {}, bool merge_stderr = false,
      const std::string& stderr_path = "");  // append stderr to this file
  ~ChildProcess();

  // The next line of stdout, or DEADLINE_EXCEEDED / the end of output.
  absl::StatusOr<std::string> ReadLine(absl::Duration timeout);
  // Everything left on stdout until the process closes it.
  std::string ReadAll(absl::Duration timeout);
  void Signal(int signal);
  // The exit code (or 128 + signal) once the process ends, or nullopt on timeout.
  std::optional<int> Wait(absl::Duration timeout);
  pid_t pid() const { return pid_; }

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  pid_t pid_;
  int stdout_fd_;
  std::string buffer_;
  std::optional<int> exit_code_;
};

// Runs a command to completion and returns {exit code, stdout + stderr}.
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& path, const std::vector<std::string>& args,
                         absl::Duration timeout = absl::Seconds(30));

}  // namespace signoff::testing
