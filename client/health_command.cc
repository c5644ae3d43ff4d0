// signoffctl health: is the server up and its database reachable?

#include "client/command.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace signoff::client {
namespace {

int Health(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("takes no arguments");
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&call, grpc::health::v1::HealthCheckRequest(), &response);
  if (!status.ok()) return ctx.RpcError("health check", status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else {
    ctx.Print(grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status()) + "\n");
  }
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING ? kExitOk : kExitNegative;
}

}  // namespace

std::vector<Command> HealthCommands() {
  return {{.path = "health",
           .synopsis = "",
           .summary = "is the server up and its database reachable? (exit 0 when SERVING)",
           .details = "The standard gRPC health check; needs no token.",
           .examples = {"signoffctl --server=127.0.0.1:50051 health"},
           .run = Health}};
}

}  // namespace signoff::client
