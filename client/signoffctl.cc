// signoffctl: the thin client for supervisors, auditors and administrators.
// Finds the command, answers --help, resolves the connection settings and
// runs it; the commands live in one file per group.

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/args.h"
#include "client/command.h"
#include "client/connection.h"

namespace signoff::client {
namespace {

const std::vector<FlagHelp>& GlobalFlags() {
  static const auto* flags = new std::vector<FlagHelp>{
      {"server", "HOST:PORT", "signoffd address (default 127.0.0.1:50051; env SIGNOFF_SERVER)"},
      {"token", "TOKEN", "bearer token (env SIGNOFF_TOKEN)"},
      {"ca", "FILE", "PEM CA of the server certificate; enables TLS (env SIGNOFF_CA)"},
      {"cert", "FILE", "PEM client certificate for mutual TLS (env SIGNOFF_CERT)"},
      {"key", "FILE", "PEM key of the client certificate (env SIGNOFF_KEY)"},
      {"timeout", "DURATION", "deadline of each call, e.g. 10s (env SIGNOFF_TIMEOUT)"},
      {"output", "FORMAT", "table (default) or json: protobuf's JSON mapping (env SIGNOFF_OUTPUT)"},
      {"config", "FILE", "config file (default ~/.config/signoff/signoffctl.conf; env SIGNOFF_CONFIG)"},
      {"help", "", "this help, or a command's help with an example"},
  };
  return *flags;
}

const std::vector<Command>& Commands() {
  static const auto* commands = [] {
    auto* all = new std::vector<Command>;
    for (auto group : {ApprovalCommands, OfferCommands, AuditCommands, AdminCommands, PolicyFileCommands,
                       HealthCommands}) {
      for (Command& c : group()) all->push_back(std::move(c));
    }
    // Keep a group's subcommands together (online and offline policy ones).
    auto first_word = [](const Command& c) { return c.path.substr(0, c.path.find(' ')); };
    std::vector<std::string> order;
    for (const Command& c : *all) {
      if (std::find(order.begin(), order.end(), first_word(c)) == order.end()) order.push_back(first_word(c));
    }
    std::stable_sort(all->begin(), all->end(), [&](const Command& a, const Command& b) {
      return std::find(order.begin(), order.end(), first_word(a)) < std::find(order.begin(), order.end(), first_word(b));
    });
    return all;
  }();
  return *commands;
}

const Command* Find(const std::string& path) {
  for (const Command& c : Commands()) {
    if (c.path == path) return &c;
  }
  return nullptr;
}

std::string FlagLines(const std::vector<FlagHelp>& flags) {
  std::string out;
  for (const FlagHelp& f : flags) {
    std::string name = absl::StrCat("--", f.name, f.value.empty() ? "" : " ", f.value);
    absl::StrAppend(&out, "  ", name, std::string(name.size() < 22 ? 22 - name.size() : 1, ' '), f.help, "\n");
  }
  return out;
}

std::string CommandList(const std::string& group) {
  std::string out;
  for (const Command& c : Commands()) {
    if (!group.empty() && c.path.rfind(group + " ", 0) != 0) continue;
    std::string name = c.path;
    absl::StrAppend(&out, "  ", name, std::string(name.size() < 22 ? 22 - name.size() : 1, ' '), c.summary, "\n");
  }
  return out;
}

std::string MainHelp() {
  return absl::StrCat(
      "signoffctl — the signoff thin client: approval inbox, offers, audit, administration.\n\n"
      "Usage: signoffctl [flags] COMMAND [arguments] [flags]\n\nCommands:\n",
      CommandList(""),
      "\nFlags (any command; settings also come from the environment and from key = value lines —\n"
      "server, token, ca, cert, key, timeout, output — in ~/.config/signoff/signoffctl.conf;\n"
      "a flag wins over the environment, which wins over the file):\n",
      FlagLines(GlobalFlags()),
      "\nExit status: 0 done; 1 done, but the outcome is negative (offer rejected, audit log\n"
      "broken, policy problems, a bulk item not approved); 2 bad command line or input file;\n"
      "3 server unreachable or too slow; 4 not authenticated or not permitted; 5 request refused\n"
      "(not found, invalid, wrong state); 10 submit/watch: the offer waits for sign-off.\n\n"
      "Example:\n  signoffctl --token=demo-smirnova inbox\n\n"
      "`signoffctl COMMAND --help` shows a command's flags and an example.\n");
}

std::string CommandHelp(const Command& c) {
  std::string out = absl::StrCat("Usage: signoffctl ", c.path, c.synopsis.empty() ? "" : " ", c.synopsis, "\n\n",
                                 c.summary, ".\n");
  if (!c.details.empty()) absl::StrAppend(&out, "\n", c.details, "\n");
  if (!c.flags.empty()) absl::StrAppend(&out, "\nFlags:\n", FlagLines(c.flags));
  if (c.needs_server) {
    absl::StrAppend(&out, "\nConnection: --server, --token, --ca, --cert, --key, --timeout, --output json "
                          "(see signoffctl --help)\n");
  }
  absl::StrAppend(&out, "\nExample", c.examples.size() > 1 ? "s" : "", ":\n");
  for (const std::string& e : c.examples) absl::StrAppend(&out, "  ", e, "\n");
  return out;
}

int Main(int argc, char** argv) {
  absl::StatusOr<Args> parsed = ParseArgs(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok()) {
    std::fprintf(stderr, "signoffctl: %s (see signoffctl --help)\n", std::string(parsed.status().message()).c_str());
    return kExitUsage;
  }
  Args args = *std::move(parsed);
  std::vector<std::string>& words = args.positional;
  if (!words.empty() && words[0] == "help") {
    words.erase(words.begin());
    args.flags["help"].push_back("true");
  }
  if (words.empty()) {
    std::fputs(MainHelp().c_str(), args.Enabled("help") ? stdout : stderr);
    return args.Enabled("help") ? kExitOk : kExitUsage;
  }
  const Command* command = nullptr;
  size_t path_words = 0;
  if (words.size() >= 2) command = Find(words[0] + " " + words[1]), path_words = 2;
  if (command == nullptr) command = Find(words[0]), path_words = 1;
  if (command == nullptr) {
    std::string group = CommandList(words[0]);
    if (!group.empty()) {
      // "signoffctl audit": the group's commands.
      const bool help = args.Enabled("help") || words.size() == 1;
      std::string text = absl::StrCat(
          words.size() > 1 && !args.Enabled("help")
              ? absl::StrCat("signoffctl: unknown command \"", words[0], " ", words[1], "\"\n")
              : "",
          "Usage: signoffctl ", words[0], " SUBCOMMAND ...\n\n", group,
          "\n`signoffctl ", words[0], " SUBCOMMAND --help` shows its flags and an example.\n");
      std::fputs(text.c_str(), help && args.Enabled("help") ? stdout : stderr);
      return args.Enabled("help") ? kExitOk : kExitUsage;
    }
    std::fprintf(stderr, "signoffctl: unknown command \"%s\" (see signoffctl --help for the list)\n",
                 words[0].c_str());
    return kExitUsage;
  }
  words.erase(words.begin(), words.begin() + static_cast<long>(path_words));
  if (args.Enabled("help")) {
    std::fputs(CommandHelp(*command).c_str(), stdout);
    return kExitOk;
  }
  std::set<std::string> allowed = {"tls-ca-file", "json"};
  for (const FlagHelp& f : GlobalFlags()) allowed.insert(f.name);
  for (const FlagHelp& f : command->flags) allowed.insert(f.name);
  if (absl::Status s = CheckFlags(args, allowed); !s.ok()) {
    std::fprintf(stderr, "signoffctl %s: %s (see signoffctl %s --help)\n", command->path.c_str(),
                 std::string(s.message()).c_str(), command->path.c_str());
    return kExitUsage;
  }
  absl::StatusOr<Settings> settings = ResolveSettings(args, [](const char* name) { return std::getenv(name); });
  if (!settings.ok()) {
    std::fprintf(stderr, "signoffctl: %s\n", std::string(settings.status().message()).c_str());
    return kExitUsage;
  }
  CommandContext context(*command, std::move(args), *std::move(settings));
  return command->run(context);
}

}  // namespace
}  // namespace signoff::client

int main(int argc, char** argv) { return signoff::client::Main(argc, argv); }
