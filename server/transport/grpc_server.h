#pragma once

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"

namespace signoff::transport {

struct ServerOptions {
  // host:port; port 0 picks a free port (reported in RunningServer::port).
  std::string listen_address = "127.0.0.1:50051";
  // PEM files. With cert+key the server speaks TLS; with a client CA as well,
  // it requires and verifies client certificates (mutual TLS).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  // Plaintext is accepted on loopback addresses only unless this is set.
  bool allow_insecure = false;
  // Upper bound on threads serving synchronous RPCs (libpqxx blocks, so
  // handlers are synchronous; the bound keeps a burst from exhausting memory).
  int max_threads = 64;
  int max_message_bytes = 4 << 20;
};

struct RunningServer {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  bool tls = false;
};

// Validates the options (TLS files readable, plaintext only where allowed),
// registers `services`, the standard health service (starting NOT_SERVING)
// and server reflection, and starts listening.
absl::StatusOr<RunningServer> StartServer(const ServerOptions& options,
                                          const std::vector<grpc::Service*>& services);

// True for 127.0.0.0/8, [::1] and localhost.
bool IsLoopbackAddress(const std::string& listen_address);

}  // namespace signoff::transport
