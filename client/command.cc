#include "client/command.h"

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace signoff::client {

const Connection* CommandContext::connection() {
  if (connection_ == nullptr && !connection_failed_) {
    auto opened = Connection::Open(settings_);
    if (!opened.ok()) {
      connection_failed_ = true;
      Fail(kExitUsage, std::string(opened.status().message()));
      return nullptr;
    }
    connection_ = *std::move(opened);
  }
  return connection_.get();
}

std::shared_ptr<grpc::Channel> CommandContext::channel() {
  const Connection* c = connection();
  return c == nullptr ? nullptr : c->channel();
}

void CommandContext::Prepare(grpc::ClientContext* context, bool streaming) {
  if (const Connection* c = connection()) c->Prepare(context, streaming);
}

int CommandContext::UsageError(const std::string& message) const {
  std::fprintf(stderr, "signoffctl %s: %s — usage: signoffctl %s %s (see signoffctl %s --help)\n",
               command_.path.c_str(), message.c_str(), command_.path.c_str(), command_.synopsis.c_str(),
               command_.path.c_str());
  return kExitUsage;
}

int CommandContext::RpcError(const std::string& what, const grpc::Status& status) const {
  std::fprintf(stderr, "signoffctl: %s\n", DescribeRpcError(settings_, what, status).c_str());
  return ExitCodeFor(status);
}

int CommandContext::Fail(int code, const std::string& message) const {
  std::fprintf(stderr, "signoffctl: %s\n", message.c_str());
  return code;
}

void CommandContext::PrintJson(const google::protobuf::Message& message, bool line) const {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = !line;
  std::string text;
  if (auto status = google::protobuf::util::MessageToJsonString(message, &text, options); !status.ok()) {
    Fail(kExitRefused, absl::StrCat("cannot print as JSON: ", std::string(status.message())));
    return;
  }
  if (text.empty() || text.back() != '\n') text.push_back('\n');
  Print(text);
}

void CommandContext::Print(const std::string& text) const {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);  // watchers read us through a pipe
}

}  // namespace signoff::client
