#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace signoff::transport {

// Runs blocking work (libpqxx calls) on our own threads, never on gRPC's
// callback threads, which must not block.
class Executor {
 public:
  explicit Executor(int threads);
  ~Executor();  // runs what is queued, then joins

  void Submit(std::function<void()> task);
  size_t queued() const;

 private:
  void Loop();
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

// Bounds the calls one principal has in flight, so one client cannot take
// every executor thread and database connection from the others.
class CallerLimits {
 public:
  explicit CallerLimits(int per_caller) : per_caller_(per_caller) {}

  // Released when the returned slot is destroyed. RESOURCE_EXHAUSTED when
  // the caller already has per_caller calls in flight.
  absl::StatusOr<std::shared_ptr<void>> Acquire(const std::string& principal);

 private:
  const int per_caller_;
  mutable std::mutex mu_;
  std::map<std::string, int> in_flight_;
};

}  // namespace signoff::transport
