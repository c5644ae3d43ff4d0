#include "tests/support/signoffd_fixture.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"

namespace signoff::testing {
namespace {

// "signoffd listening on 127.0.0.1:41234 (plaintext)" → "127.0.0.1:41234".
std::string ListeningAddress(const std::string& line) {
  constexpr absl::string_view kPrefix = "signoffd listening on ";
  if (!absl::StartsWith(line, kPrefix)) return "";
  std::string rest = line.substr(kPrefix.size());
  return rest.substr(0, rest.find(' '));
}

int PortOf(const std::string& address) {
  int port = 0;
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(address.substr(colon + 1), &port)) return 0;
  return port;
}

// A client process with no call in flight polls its connections only from
// gRPC's backup poller, every 5 s by default: it would answer a stopping
// server's GOAWAY that late, and every SIGTERM in a test would wait that
// long for idle test channels to close. Poll often instead (before gRPC
// initialises; an explicit setting in the environment wins).
[[maybe_unused]] const bool kFastBackupPoll = [] {
  setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "50", /*overwrite=*/0);
  return true;
}();

}  // namespace

std::string SignoffdPath() { return SIGNOFFD_PATH; }
std::string SourceDir() { return SIGNOFF_SOURCE_DIR; }

absl::StatusOr<std::unique_ptr<SignoffdProcess>> SignoffdProcess::Start(SignoffdOptions options) {
  auto db = TestDatabase::Create();
  if (!db.ok()) return db.status();
  std::string dsn = (*db)->dsn();
  auto server = std::unique_ptr<SignoffdProcess>(
      new SignoffdProcess(std::move(*db), std::move(dsn), std::move(options)));
  if (absl::Status s = server->Launch("127.0.0.1:0", "127.0.0.1:0"); !s.ok()) return s;
  return server;
}

absl::StatusOr<std::unique_ptr<SignoffdProcess>> SignoffdProcess::StartOn(std::string dsn,
                                                                          SignoffdOptions options) {
  auto server = std::unique_ptr<SignoffdProcess>(
      new SignoffdProcess(nullptr, std::move(dsn), std::move(options)));
  if (absl::Status s = server->Launch("127.0.0.1:0", "127.0.0.1:0"); !s.ok()) return s;
  return server;
}

SignoffdProcess::~SignoffdProcess() {
  // Stop the server before its database is dropped.
  if (process_ != nullptr && !process_->Wait(absl::ZeroDuration()).has_value()) {
    Stop(SIGTERM, absl::Seconds(10));
  }
  process_.reset();
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "---- signoffd log (%s) ----\n%s---- end of signoffd log ----\n",
                 log_path_.c_str(), Log().c_str());
  }
  std::remove(log_path_.c_str());
}

std::string SignoffdProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int SignoffdProcess::LogLines() const {
  std::string log = Log();
  return static_cast<int>(std::count(log.begin(), log.end(), '\n'));
}

bool SignoffdProcess::WaitForLog(const std::string& text, absl::Duration timeout,
                                 int skip_lines) const {
  absl::Time deadline = absl::Now() + timeout;
  while (true) {
    std::string log = Log();
    size_t from = 0;
    for (int i = 0; i < skip_lines && from != std::string::npos; ++i) {
      from = log.find('\n', from);
      if (from != std::string::npos) ++from;
    }
    if (from != std::string::npos && log.find(text, from) != std::string::npos) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::Status SignoffdProcess::Launch(const std::string& listen, const std::string& metrics_listen) {
  std::string policy_dir =
      options_.policy_dir.empty() ? SourceDir() + "/policies/default" : options_.policy_dir;
  std::string principals = options_.principals_file.empty()
                               ? SourceDir() + "/deploy/demo/principals.textproto"
                               : options_.principals_file;
  std::vector<std::string> args = {
      "--listen=" + listen,
      "--database_dsn=" + dsn_,
      "--policy_dir=" + policy_dir,
      "--principals_file=" + principals,
      "--metrics_listen=" + (options_.metrics ? metrics_listen : std::string()),
      "--health_interval=200ms",
      "--shutdown_grace=5s",
  };
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  if (log_path_.empty()) {
    static std::atomic<int> counter{0};
    log_path_ = absl::StrCat(::testing::TempDir(), "/signoffd-", getpid(), "-", counter++, ".log");
    std::remove(log_path_.c_str());
  }
  auto child = ChildProcess::Start(SignoffdPath(), args, options_.environment,
                                   /*merge_stderr=*/false, log_path_);
  if (!child.ok()) return child.status();
  process_ = std::move(*child);

  absl::Time deadline = absl::Now() + options_.start_timeout;
  auto line = process_->ReadLine(options_.start_timeout);
  if (!line.ok()) {
    return absl::UnavailableError(absl::StrCat("signoffd printed no address: ",
                                               line.status().message(), " (see its stderr)"));
  }
  banner_ = *line;
  address_ = ListeningAddress(*line);
  port_ = PortOf(address_);
  if (port_ == 0) return absl::InternalError(absl::StrCat("unexpected first line: ", *line));
  metrics_port_ = 0;
  if (options_.metrics) {
    auto metrics_line = process_->ReadLine(deadline - absl::Now());
    if (!metrics_line.ok()) return metrics_line.status();
    // "  metrics: http://127.0.0.1:PORT/metrics"
    std::string text = *metrics_line;
    size_t colon = text.rfind(':');
    size_t slash = text.rfind('/');
    if (colon == std::string::npos || slash == std::string::npos || slash < colon ||
        !absl::SimpleAtoi(text.substr(colon + 1, slash - colon - 1), &metrics_port_)) {
      return absl::InternalError(absl::StrCat("unexpected metrics line: ", text));
    }
  }
  return WaitUntilServing(deadline - absl::Now());
}

std::shared_ptr<grpc::Channel> SignoffdProcess::Channel() const {
  grpc::ChannelArguments args;
  if (!options_.tls_target_name.empty()) {
    args.SetSslTargetNameOverride(options_.tls_target_name);
  }
  // A fresh connection per channel: tests that restart the server want
  // their own subchannels.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(
      address_, options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials(),
      args);
}

absl::Status SignoffdProcess::WaitUntilServing(absl::Duration timeout) const {
  absl::Time deadline = absl::Now() + timeout;
  auto stub = grpc::health::v1::Health::NewStub(Channel());
  std::string last = "no answer";
  while (absl::Now() < deadline) {
    if (std::optional<int> code = process_->Wait(absl::ZeroDuration())) {
      return absl::UnavailableError(absl::StrCat("signoffd exited with ", *code, " while starting"));
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(2));
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, {}, &response);
    if (status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      return absl::OkStatus();
    }
    last = status.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
                       : status.error_message();
    absl::SleepFor(absl::Milliseconds(50));
  }
  return absl::DeadlineExceededError(absl::StrCat("signoffd at ", address_,
                                                  " is not SERVING; last answer: ", last));
}

std::optional<int> SignoffdProcess::Stop(int signal, absl::Duration timeout) {
  if (std::optional<int> code = process_->Wait(absl::ZeroDuration())) return code;
  process_->Signal(signal);
  return process_->Wait(timeout);
}

absl::Status SignoffdProcess::Restart(bool same_ports) {
  if (!Stop(SIGTERM).has_value()) {
    Stop(SIGKILL);
  }
  std::string listen = same_ports ? address_ : "127.0.0.1:0";
  std::string metrics = same_ports && metrics_port_ != 0 ? absl::StrCat("127.0.0.1:", metrics_port_)
                                                         : "127.0.0.1:0";
  process_.reset();
  return Launch(listen, metrics);
}

absl::StatusOr<std::string> FetchMetrics(int port, absl::Duration timeout) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to 127.0.0.1:", port));
  }
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("short write");
  }
  std::string response;
  absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    pollfd pfd{fd, POLLIN, 0};
    if (poll(&pfd, 1, 100) <= 0) continue;
    char chunk[8192];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    response.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  size_t body = response.find("\r\n\r\n");
  if (!absl::StartsWith(response, "HTTP/1.0 200") || body == std::string::npos) {
    return absl::UnavailableError(absl::StrCat("unexpected answer: ", response.substr(0, 200)));
  }
  return response.substr(body + 4);
}

}  // namespace signoff::testing
