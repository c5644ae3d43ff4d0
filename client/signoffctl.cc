// signoffctl: the thin client for supervisors, auditors and administrators.

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/policy_commands.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051", "signoffd address, host:port (env SIGNOFF_SERVER)");
ABSL_FLAG(std::string, tls_ca_file, "", "PEM CA that signed the server certificate; enables TLS");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");

namespace signoff::client {
namespace {

constexpr char kUsage[] = R"(signoffctl — the signoff thin client.

Usage: signoffctl [flags] COMMAND [args]

Commands:
  health     check that the server is up and its database reachable
             (exit 0 when SERVING, 1 otherwise)

Flags: --server=host:port (env SIGNOFF_SERVER), --tls_ca_file=PEM, --timeout=10s)";

// The policy commands document themselves beside their code.
const std::string& Usage() {
  static const std::string* usage =
      new std::string(absl::StrCat(kUsage, "\n\nOffline policy commands (no server needed):\n", kPolicyUsage));
  return *usage;
}

std::string ServerAddress() {
  // An explicit --server wins over the environment.
  std::string flag = absl::GetFlag(FLAGS_server);
  const char* env = std::getenv("SIGNOFF_SERVER");
  if (env != nullptr && flag == "127.0.0.1:50051") return env;
  return flag;
}

std::shared_ptr<grpc::Channel> OpenChannel() {
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (std::string ca = absl::GetFlag(FLAGS_tls_ca_file); !ca.empty()) {
    std::ifstream in(ca);
    std::stringstream pem;
    pem << in.rdbuf();
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateChannel(ServerAddress(), credentials);
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() +
                        absl::ToChronoMilliseconds(absl::GetFlag(FLAGS_timeout)));
}

int PrintError(const grpc::Status& status) {
  std::fprintf(stderr, "signoffctl: %s: %s\n",
               status.error_code() == grpc::StatusCode::UNAVAILABLE
                   ? absl::StrCat("server ", ServerAddress(), " unavailable").c_str()
                   : absl::StrCat("error ", status.error_code()).c_str(),
               status.error_message().c_str());
  return 2;
}

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(OpenChannel());
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return PrintError(status);
  std::printf("%s\n", grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()).c_str());
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(Usage());
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::fprintf(stderr, "%s\n", Usage().c_str());
    return 2;
  }
  std::string command = args[1];
  if (command == "health") return Health();
  if (command == "policy") return RunPolicyCommand(std::vector<std::string>(args.begin() + 2, args.end()));
  std::fprintf(stderr, "signoffctl: unknown command \"%s\"\n\n%s\n", command.c_str(), Usage().c_str());
  return 2;
}

}  // namespace
}  // namespace signoff::client

int main(int argc, char** argv) { return signoff::client::Main(argc, argv); }
