#pragma once

// Following a resumable server stream (WatchInbox, WatchDecisions): every
// update carries the event seq; when the connection drops (UNAVAILABLE, e.g.
// the server restarts) we reconnect and ask for events after the last seq we
// saw, so nothing is missed and nothing is applied twice.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "client/command.h"

namespace signoff::client {

template <typename Update>
struct StreamFollower {
  // Opens the stream from `after_seq`.
  std::function<std::unique_ptr<grpc::ClientReader<Update>>(grpc::ClientContext*, int64_t after_seq)> open;
  // Handles one update; returns false to stop following (the command is done).
  std::function<bool(const Update&)> on_update;
  // Optional: called after each message and when a reconnect starts, so a
  // live view can redraw.
  std::function<int64_t(const Update&)> seq_of;

  // Returns kExitOk when on_update stopped it, or the exit code of a
  // non-retryable error (reported on stderr with `what`).
  int Run(CommandContext& ctx, const std::string& what, int64_t after_seq = 0) {
    bool connected_once = false;
    for (;;) {
      grpc::ClientContext call;
      ctx.Prepare(&call, /*streaming=*/true);
      // After a drop, wait for the server to come back instead of failing fast.
      if (connected_once) call.set_wait_for_ready(true);
      const auto started = std::chrono::steady_clock::now();
      std::unique_ptr<grpc::ClientReader<Update>> reader = open(&call, after_seq);
      Update update;
      bool received = false;
      while (reader->Read(&update)) {
        received = true;
        after_seq = std::max(after_seq, seq_of(update));
        if (!on_update(update)) {
          call.TryCancel();
          reader->Finish();
          return kExitOk;
        }
      }
      grpc::Status status = reader->Finish();
      const bool lasted = std::chrono::steady_clock::now() - started > std::chrono::seconds(2);
      connected_once = connected_once || received || lasted;
      const bool retryable = status.ok() || status.error_code() == grpc::StatusCode::UNAVAILABLE;
      if (!retryable || !connected_once) return ctx.RpcError(what, status);
      std::fprintf(stderr, "signoffctl: connection to %s lost (%s); reconnecting, resuming after event %lld\n",
                   ctx.settings().server.c_str(),
                   status.ok() ? "stream ended" : status.error_message().c_str(),
                   static_cast<long long>(after_seq));
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
};

}  // namespace signoff::client
