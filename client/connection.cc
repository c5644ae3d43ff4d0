#include "client/connection.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace signoff::client {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", what, " ", path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::StatusOr<absl::Duration> ParseTimeout(const std::string& text, const std::string& where) {
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) || duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": timeout \"", text, "\" is not a positive duration such as 10s or 2m"));
  }
  return duration;
}

}  // namespace

absl::StatusOr<std::map<std::string, std::string>> ParseConfigFile(const std::string& text,
                                                                   const std::string& file_name) {
  static const char* const kKeys[] = {"server", "token", "ca", "cert", "key", "timeout", "output"};
  std::map<std::string, std::string> values;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number, ": expected key = value, got \"", line, "\""));
    }
    std::string key(absl::StripAsciiWhitespace(line.substr(0, eq)));
    std::string value(absl::StripAsciiWhitespace(line.substr(eq + 1)));
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_name, ":", line_number, ": unknown key \"", key,
          "\" (known: server, token, ca, cert, key, timeout, output)"));
    }
    values[key] = value;
  }
  return values;
}

std::string DefaultConfigPath(const Environment& env) {
  if (const char* explicit_path = env("SIGNOFF_CONFIG"); explicit_path != nullptr && *explicit_path) {
    return explicit_path;
  }
  if (const char* xdg = env("XDG_CONFIG_HOME"); xdg != nullptr && *xdg) {
    return absl::StrCat(xdg, "/signoff/signoffctl.conf");
  }
  const char* home = env("HOME");
  return absl::StrCat(home != nullptr ? home : "", "/.config/signoff/signoffctl.conf");
}

absl::StatusOr<Settings> ResolveSettings(const Args& args, const Environment& env) {
  Settings settings;
  // The config file: explicit (--config, SIGNOFF_CONFIG) must exist.
  const bool explicit_config = args.Has("config") || (env("SIGNOFF_CONFIG") && *env("SIGNOFF_CONFIG"));
  std::string config_path = args.Has("config") ? args.Get("config") : DefaultConfigPath(env);
  std::map<std::string, std::string> file;
  {
    std::ifstream probe(config_path);
    if (probe || explicit_config) {
      auto text = ReadFile(config_path, "config file");
      if (!text.ok()) return text.status();
      auto parsed = ParseConfigFile(*text, config_path);
      if (!parsed.ok()) return parsed.status();
      file = *std::move(parsed);
    }
  }
  // One setting: flag, else environment, else file; remembers the source.
  auto pick = [&](const std::string& flag, const char* variable, const std::string& key,
                  std::string* out, std::string* source) {
    if (args.Has(flag)) {
      *out = args.Get(flag);
      if (source) *source = "--" + flag;
    } else if (const char* value = env(variable); value != nullptr && *value) {
      *out = value;
      if (source) *source = variable;
    } else if (auto it = file.find(key); it != file.end()) {
      *out = it->second;
      if (source) *source = config_path;
    }
  };
  pick("server", "SIGNOFF_SERVER", "server", &settings.server, &settings.server_source);
  pick("token", "SIGNOFF_TOKEN", "token", &settings.token, &settings.token_source);
  pick("ca", "SIGNOFF_CA", "ca", &settings.ca_file, nullptr);
  if (settings.ca_file.empty()) settings.ca_file = args.Get("tls-ca-file");  // older spelling
  pick("cert", "SIGNOFF_CERT", "cert", &settings.cert_file, nullptr);
  pick("key", "SIGNOFF_KEY", "key", &settings.key_file, nullptr);
  std::string timeout, timeout_source = "default";
  pick("timeout", "SIGNOFF_TIMEOUT", "timeout", &timeout, &timeout_source);
  if (!timeout.empty()) {
    auto parsed = ParseTimeout(timeout, timeout_source);
    if (!parsed.ok()) return parsed.status();
    settings.timeout = *parsed;
  }
  std::string output = "table", output_source = "default";
  pick("output", "SIGNOFF_OUTPUT", "output", &output, &output_source);
  if (args.Enabled("json")) output = "json";
  if (output != "table" && output != "json") {
    return absl::InvalidArgumentError(
        absl::StrCat(output_source, ": output \"", output, "\" is not one of table, json"));
  }
  settings.json = output == "json";
  if (settings.cert_file.empty() != settings.key_file.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together: a client certificate needs its key");
  }
  return settings;
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const Settings& settings) {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!settings.ca_file.empty() || !settings.cert_file.empty()) {
    grpc::SslCredentialsOptions ssl;
    if (!settings.ca_file.empty()) {
      auto ca = ReadFile(settings.ca_file, "CA file (--ca)");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
    }
    if (!settings.cert_file.empty()) {
      auto cert = ReadFile(settings.cert_file, "client certificate (--cert)");
      if (!cert.ok()) return cert.status();
      auto key = ReadFile(settings.key_file, "client key (--key)");
      if (!key.ok()) return key.status();
      ssl.pem_cert_chain = *cert;
      ssl.pem_private_key = *key;
    }
    credentials = grpc::SslCredentials(ssl);
  }
  grpc::ChannelArguments channel_args;
  // Streams stay open for hours; keepalive notices a dead peer.
  channel_args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30000);
  channel_args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  return std::unique_ptr<Connection>(
      new Connection(settings, grpc::CreateCustomChannel(settings.server, credentials, channel_args)));
}

void Connection::Prepare(grpc::ClientContext* context, bool streaming) const {
  if (!settings_.token.empty()) context->AddMetadata("authorization", "Bearer " + settings_.token);
  if (!streaming) {
    context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(settings_.timeout));
  }
}

ExitCode ExitCodeFor(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::OK: return kExitOk;
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return kExitUnreachable;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED: return kExitDenied;
    default: return kExitRefused;
  }
}

std::string DescribeRpcError(const Settings& settings, const std::string& what, const grpc::Status& status) {
  std::string message = absl::StrReplaceAll(status.error_message(), {{"\n", "; "}, {"\r", ""}});
  std::string from = settings.server_source == "default" ? "" : absl::StrCat(" (from ", settings.server_source, ")");
  std::string hint;
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      hint = absl::StrCat("Is signoffd running at ", settings.server, from,
                          "? Start it with `make run`, or point --server / SIGNOFF_SERVER at it.");
      break;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      hint = absl::StrCat("No answer from ", settings.server, " within ", absl::FormatDuration(settings.timeout),
                          ": check the server, or raise --timeout.");
      break;
    case grpc::StatusCode::UNAUTHENTICATED:
      hint = settings.token.empty()
                 ? "No credentials were sent: pass --token (or set SIGNOFF_TOKEN, or token= in the config file)."
                 : absl::StrCat("Check the token (it came from ", settings.token_source,
                                ") or the client certificate.");
      break;
    case grpc::StatusCode::PERMISSION_DENIED:
      hint = "Your principal lacks the role or right for this: use the token of someone who has it.";
      break;
    case grpc::StatusCode::NOT_FOUND:
      hint = "Check the id: `signoffctl inbox` and `signoffctl audit decisions` list existing offers.";
      break;
    case grpc::StatusCode::INVALID_ARGUMENT:
      hint = "Fix the named field and run the command again.";
      break;
    case grpc::StatusCode::FAILED_PRECONDITION:
      hint = "The offer is not in a state that allows this: look at it with `signoffctl show OFFER`.";
      break;
    case grpc::StatusCode::ALREADY_EXISTS:
      hint = "It exists already; nothing was changed.";
      break;
    case grpc::StatusCode::ABORTED:
      hint = "It changed concurrently: run the command again.";
      break;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      hint = "The server is busy or the request too large: retry later, or ask for less.";
      break;
    case grpc::StatusCode::UNIMPLEMENTED:
      hint = "The server does not offer this call: is it an older signoffd?";
      break;
    default:
      hint = "This is a server-side problem: see the signoffd log.";
  }
  if (message.empty()) message = absl::StrCat("status ", static_cast<int>(status.error_code()));
  if (!message.empty() && message.back() == '.') message.pop_back();
  return absl::StrCat(what, " failed: ", message, ". ", hint);
}

}  // namespace signoff::client
