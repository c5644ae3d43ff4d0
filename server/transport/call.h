#pragma once

// The one path every unary RPC takes: authenticate, authorise, bound the
// caller's concurrency, run the work (blocking work on our executor; a
// submission's storage answers by itself), map the status, log one line,
// record metrics, finish.

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/log/log.h"
#include "server/transport/auth.h"
#include "server/transport/executor.h"
#include "server/transport/metrics.h"
#include "server/transport/status_mapping.h"

namespace signoff::transport {

struct CallDeps {
  // Set once everything below and the database are ready; until then every
  // call is UNAVAILABLE (the server listens early so health can say so).
  const std::atomic<bool>* ready = nullptr;
  const Authenticator* auth = nullptr;
  Executor* executor = nullptr;
  CallerLimits* limits = nullptr;
  Metrics* metrics = nullptr;
};

// What a handler knows about its call.
struct Call {
  const Principal& principal;
  grpc::CallbackServerContext* context;
  // True once the client gave up or the deadline passed: stop working.
  bool Expired() const {
    return context->IsCancelled() || std::chrono::system_clock::now() > context->deadline();
  }
};

// The status code's name, e.g. "NOT_FOUND"; no string built per call.
inline absl::string_view CodeName(const absl::Status& status) {
  static const auto* names = [] {
    auto* all = new std::vector<std::string>;
    for (int code = 0; code <= 16; ++code) {
      all->push_back(absl::StatusCodeToString(static_cast<absl::StatusCode>(code)));
    }
    return all;
  }();
  const int code = static_cast<int>(status.code());
  return code >= 0 && code < static_cast<int>(names->size()) ? absl::string_view((*names)[code])
                                                              : absl::string_view("UNKNOWN");
}

inline void Finished(const CallDeps& deps, const char* method, const std::string& principal,
                     absl::Time start, const absl::Status& status) {
  absl::Duration latency = absl::Now() - start;
  deps.metrics->RecordRpc(method, CodeName(status), latency);
  const log::Level level = status.ok() || absl::IsNotFound(status) ||
                                   absl::IsInvalidArgument(status) ||
                                   absl::IsFailedPrecondition(status) || absl::IsAlreadyExists(status)
                               ? log::Level::kInfo
                               : log::Level::kWarning;
  if (!log::Enabled(level)) return;  // the fields cost allocations on every call
  log::Fields fields = {{"method", method},
                        {"principal", principal},
                        {"code", std::string(CodeName(status))},
                        {"latency_ms", absl::StrCat(absl::ToDoubleMilliseconds(latency))}};
  if (!status.ok()) fields.emplace_back("error", std::string(status.message()));
  log::Write(level, "rpc", fields);
}

// Authenticates and authorises the caller of `context` for `method`.
inline absl::StatusOr<Principal> Admit(const CallDeps& deps, const grpc::ServerContextBase& context,
                                       const char* method) {
  if (deps.ready == nullptr || !deps.ready->load(std::memory_order_acquire)) {
    return absl::UnavailableError("signoffd is starting up (waiting for its database); retry shortly");
  }
  absl::StatusOr<Principal> principal = deps.auth->Authenticate(context);
  if (!principal.ok()) return principal.status();
  if (absl::Status allowed = Authorize(*principal, method); !allowed.ok()) return allowed;
  return principal;
}

// Answers a unary call: once, from any thread.
using Reply = std::function<void(absl::Status)>;

// An admitted call: who is calling, and the one way to answer (Answer, once),
// which also gives back the caller's concurrency slot and logs the call.
struct Admitted {
  Principal principal;
  CallDeps deps;
  grpc::ServerUnaryReactor* reactor;
  const char* method;
  absl::Time start;
  std::shared_ptr<void> slot;

  void Answer(const absl::Status& status) {
    slot.reset();
    Finished(deps, method, principal.id, start, status);
    reactor->Finish(ToGrpcStatus(status));
  }
};

// Authenticates, authorises and takes a per-caller slot; on refusal answers
// the call itself and returns nullopt.
inline std::optional<Admitted> AdmitUnary(const CallDeps& deps, grpc::CallbackServerContext* context,
                                          grpc::ServerUnaryReactor* reactor, const char* method) {
  const absl::Time start = absl::Now();
  absl::StatusOr<Principal> principal = Admit(deps, *context, method);
  if (!principal.ok()) {
    Finished(deps, method, "-", start, principal.status());
    reactor->Finish(ToGrpcStatus(principal.status()));
    return std::nullopt;
  }
  absl::StatusOr<std::shared_ptr<void>> slot = deps.limits->Acquire(principal->id);
  if (!slot.ok()) {
    Finished(deps, method, principal->id, start, slot.status());
    reactor->Finish(ToGrpcStatus(slot.status()));
    return std::nullopt;
  }
  return Admitted{std::move(*principal), deps, reactor, method, start, std::move(*slot)};
}

inline absl::Status DeadlinePassed() {
  return absl::DeadlineExceededError("the deadline passed before the work could start");
}

// Where a handler's work runs.
enum class WorkKind {
  // May block (database, locks): on our executor, off gRPC's threads.
  kBlocking,
  // Microseconds of CPU, nothing that waits: right on gRPC's thread, which
  // saves two thread hand-offs per call.
  kCpuOnly,
};

// `work(const Call&) -> absl::Status` fills the response.
template <typename Work>
grpc::ServerUnaryReactor* RunUnary(const CallDeps& deps, grpc::CallbackServerContext* context,
                                   const char* method, Work work,
                                   WorkKind kind = WorkKind::kBlocking) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Admitted> admitted = AdmitUnary(deps, context, reactor, method);
  if (!admitted) return reactor;
  auto run = [context, work = std::move(work), admitted = std::move(*admitted)]() mutable {
    Call call{admitted.principal, context};
    admitted.Answer(call.Expired() ? DeadlinePassed() : work(call));
  };
  if (kind == WorkKind::kCpuOnly) {
    run();
  } else {
    deps.executor->Submit(std::move(run));
  }
  return reactor;
}

// For work that waits on storage without holding a thread:
// `work(const Call&, Reply)` starts on gRPC's thread (it must not block; the
// response must be filled before the reply) and replies when done, from
// whatever thread finishes it. The per-caller slot is held until then.
template <typename Work>
grpc::ServerUnaryReactor* RunUnaryAsync(const CallDeps& deps, grpc::CallbackServerContext* context,
                                        const char* method, Work work) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::optional<Admitted> admitted = AdmitUnary(deps, context, reactor, method);
  if (!admitted) return reactor;
  // Shared with the reply, which may run on another thread after this returns.
  auto call_state = std::make_shared<Admitted>(std::move(*admitted));
  Call call{call_state->principal, context};
  if (call.Expired()) {
    call_state->Answer(DeadlinePassed());
  } else {
    work(call, [call_state](absl::Status status) { call_state->Answer(status); });
  }
  return reactor;
}

}  // namespace signoff::transport
