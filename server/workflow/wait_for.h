#pragma once

#include <utility>

#include "absl/synchronization/notification.h"

namespace signoff::workflow {

// For a caller that can wait on an operation that answers through a
// callback: `start(done)` begins it, and this returns what `done` was given.
template <typename Result, typename Start>
Result WaitFor(Start start) {
  absl::Notification finished;
  Result result;
  start([&](Result answer) {
    result = std::move(answer);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

}  // namespace signoff::workflow
