#pragma once

// Where signoffd is and who we are: settings from flags, environment and a
// small config file, the gRPC channel they describe, and one-line error
// reports that say what failed and what to do about it.

#include <functional>
#include <map>
#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/args.h"

namespace signoff::client {

// Exit statuses of signoffctl (documented in `signoffctl --help`).
enum ExitCode : int {
  kExitOk = 0,
  kExitNegative = 1,     // done, but the outcome is negative (rejected, broken, problems)
  kExitUsage = 2,        // bad command line or unreadable input file
  kExitUnreachable = 3,  // no server, or no answer in time
  kExitDenied = 4,       // not authenticated or not permitted
  kExitRefused = 5,      // the server refused the request (not found, invalid, wrong state)
  kExitPending = 10,     // submit / watch: the offer waits for sign-off
};

struct Settings {
  std::string server = "127.0.0.1:50051";
  std::string token;
  std::string ca_file, cert_file, key_file;
  absl::Duration timeout = absl::Seconds(10);
  bool json = false;
  // Where server and token came from, for error hints: "--server",
  // "SIGNOFF_SERVER", "~/.config/signoff/signoffctl.conf", "default".
  std::string server_source = "default";
  std::string token_source;
};

using Environment = std::function<const char*(const char*)>;

// key = value lines; "#" starts a comment; keys: server, token, ca, cert,
// key, timeout, output. Errors name the line.
absl::StatusOr<std::map<std::string, std::string>> ParseConfigFile(const std::string& text,
                                                                   const std::string& file_name);

// $SIGNOFF_CONFIG, else $XDG_CONFIG_HOME/signoff/signoffctl.conf, else
// $HOME/.config/signoff/signoffctl.conf.
std::string DefaultConfigPath(const Environment& env);

// Flags win over environment variables (SIGNOFF_SERVER, SIGNOFF_TOKEN,
// SIGNOFF_CA, SIGNOFF_CERT, SIGNOFF_KEY, SIGNOFF_TIMEOUT, SIGNOFF_OUTPUT),
// which win over the config file (--config or DefaultConfigPath; a missing
// default file is fine), which wins over the defaults.
absl::StatusOr<Settings> ResolveSettings(const Args& args, const Environment& env);

// A channel plus the per-call metadata (bearer token) and deadline.
class Connection {
 public:
  // Reads the PEM files; TLS when any of ca/cert/key is set.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const Settings& settings);

  const std::shared_ptr<grpc::Channel>& channel() const { return channel_; }
  // Sets the token metadata, and the --timeout deadline unless streaming.
  void Prepare(grpc::ClientContext* context, bool streaming = false) const;

 private:
  Connection(Settings settings, std::shared_ptr<grpc::Channel> channel)
      : settings_(std::move(settings)), channel_(std::move(channel)) {}
  Settings settings_;
  std::shared_ptr<grpc::Channel> channel_;
};

// "<what> failed: <server's message>. <what to do>" — one line.
std::string DescribeRpcError(const Settings& settings, const std::string& what, const grpc::Status& status);
// The exit code for a failed call.
ExitCode ExitCodeFor(const grpc::Status& status);

}  // namespace signoff::client
