// echo_server: the transport baseline. A bare gRPC callback server built like
// signoffd (same library, same API, same resource quota) whose Echo returns its
// request from the gRPC thread, with no work of its own. signoff-load
// --mode=echo drives it; EvaluateOffer's rate is reported as a ratio of it.
//
// Prints "echo_server listening on HOST:PORT" as its first stdout line and
// serves until SIGTERM or SIGINT.

#include <csignal>
#include <cstdio>
#include <string>

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "tests/bench/echo.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "host:port to serve on (port 0 = any free port)");
ABSL_FLAG(int, max_threads, 64, "maximum gRPC threads (as signoffd's --max_threads)");

namespace signoff::bench {
namespace {

class EchoServiceImpl final : public EchoService::CallbackService {
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context, const EchoMessage* request,
                                 EchoMessage* response) override {
    *response = *request;
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

int Main(int argc, char** argv) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // As signoffd: Abseil's deadlock detection would tax every gRPC call.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);

  EchoServiceImpl service;
  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("echo_server");
  quota.SetMaxThreads(absl::GetFlag(FLAGS_max_threads));
  builder.SetResourceQuota(quota);
  int port = 0;
  std::string listen = absl::GetFlag(FLAGS_listen);
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "echo_server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::printf("echo_server listening on %s:%d\n", listen.substr(0, listen.rfind(':')).c_str(), port);
  std::fflush(stdout);
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  return 0;
}

}  // namespace
}  // namespace signoff::bench

int main(int argc, char** argv) { return signoff::bench::Main(argc, argv); }
