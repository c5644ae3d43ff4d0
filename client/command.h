#pragma once

// The shape every signoffctl command shares: its help text (with an
// example), the flags it accepts, and a Run function over a CommandContext
// that owns the settings, the connection and the output conventions.

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/args.h"
#include "client/connection.h"
#include "google/protobuf/message.h"

namespace signoff::client {

struct FlagHelp {
  std::string name;  // "comment"
  std::string value;  // "TEXT", or "" for a switch
  std::string help;
};

class CommandContext;

struct Command {
  std::string path = {};      // "approve", "audit decisions"
  std::string synopsis = {};  // "OFFER [--comment TEXT]"
  std::string summary = {};   // one line for the command list
  std::string details = {};   // paragraphs for --help
  std::vector<FlagHelp> flags = {};
  std::vector<std::string> examples = {};
  bool needs_server = true;
  std::function<int(CommandContext&)> run = {};
};

class CommandContext {
 public:
  CommandContext(const Command& command, Args args, Settings settings)
      : command_(command), args_(std::move(args)), settings_(std::move(settings)) {}

  const Command& command() const { return command_; }
  const Args& args() const { return args_; }
  const Settings& settings() const { return settings_; }
  bool json() const { return settings_.json; }
  // Positional words after the command path.
  const std::vector<std::string>& operands() const { return args_.positional; }
  absl::TimeZone zone() const { return zone_; }
  absl::Time now() const { return absl::Now(); }

  // The channel, opened on first use (nullptr after reporting a bad setting).
  const Connection* connection();
  void Prepare(grpc::ClientContext* context, bool streaming = false);
  std::shared_ptr<grpc::Channel> channel();

  // "signoffctl <path>: <message> — usage: ..." on stderr; kExitUsage.
  int UsageError(const std::string& message) const;
  // One line on stderr for a failed call; the exit code for it.
  int RpcError(const std::string& what, const grpc::Status& status) const;
  // "signoffctl: <message>" on stderr; returns `code`.
  int Fail(int code, const std::string& message) const;

  // The message in protobuf's JSON mapping: pretty for one reply, one line
  // for stream items (`line` = true, JSON Lines).
  void PrintJson(const google::protobuf::Message& message, bool line = false) const;
  void Print(const std::string& text) const;

 private:
  const Command& command_;
  Args args_;
  Settings settings_;
  absl::TimeZone zone_ = absl::LocalTimeZone();
  std::unique_ptr<Connection> connection_;
  bool connection_failed_ = false;
};

// The command groups, one file each.
std::vector<Command> OfferCommands();     // submit, watch
std::vector<Command> ApprovalCommands();  // inbox, show, approve, reject, delegate
std::vector<Command> AuditCommands();     // audit decisions|history|stats|verify
std::vector<Command> AdminCommands();     // policy info|reload|simulate, employees ...
std::vector<Command> PolicyFileCommands();  // offline policy lint|test|eval
std::vector<Command> HealthCommands();    // health

}  // namespace signoff::client
