#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace signoff::transport {

// The one mapping from our absl::Status to the status a gRPC caller sees.
// Codes map one to one; the message is kept as it is.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace signoff::transport
