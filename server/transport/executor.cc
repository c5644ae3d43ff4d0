#include "server/transport/executor.h"

#include "absl/strings/str_cat.h"

namespace signoff::transport {

Executor::Executor(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { Loop(); });
}

Executor::~Executor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void Executor::Submit(std::function<void()> task) {
  {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
}

size_t Executor::queued() const {
  std::lock_guard lock(mu_);
  return tasks_.size();
}

void Executor::Loop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
}

absl::StatusOr<std::shared_ptr<void>> CallerLimits::Acquire(const std::string& principal) {
  std::lock_guard lock(mu_);
  int& count = in_flight_[principal];
  if (count >= per_caller_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        principal, " already has ", count, " calls in flight (the limit per caller); retry later"));
  }
  ++count;
  return std::shared_ptr<void>(nullptr, [this, principal](void*) {
    std::lock_guard lock(mu_);
    if (--in_flight_[principal] == 0) in_flight_.erase(principal);
  });
}

}  // namespace signoff::transport
