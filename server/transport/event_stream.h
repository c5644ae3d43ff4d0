#pragma once

// A resumable server stream fed by the event log: messages computed from the
// events after a cursor, then live as new events commit (the EventFeed wakes
// it). What can be served from memory (workflow::EventFanout's ring) is
// served at once on the thread that wakes the stream, since a hop to the
// executor would cost more than the work; reads that may block run on the
// executor, never on gRPC's threads.

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/transport/call.h"
#include "server/workflow/repository.h"

namespace signoff::transport {

// The open streams of the server, so shutdown can end each of them with a
// status that says where to resume.
class StreamRegistry {
 public:
  int Add(std::function<void()> shutdown) {
    std::lock_guard lock(mu_);
    if (closed_) return -1;
    entries_[next_] = std::move(shutdown);
    return next_++;
  }
  void Remove(int id) {
    std::lock_guard lock(mu_);
    entries_.erase(id);
  }
  // Ends every open stream; later streams are refused. Runs the callbacks
  // under the lock, so a stream cannot be destroyed (Remove) meanwhile.
  void ShutdownAll() {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [id, shutdown] : entries_) shutdown();
  }
  bool closed() const {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  mutable std::mutex mu_;
  std::map<int, std::function<void()>> entries_;
  int next_ = 0;
  bool closed_ = false;
};

template <typename Message>
struct StreamBatch {
  // Shared and never modified once built: streams that send the same update
  // can send one object (gRPC only reads it).
  std::vector<std::shared_ptr<const Message>> messages;
  // The seq of the last event examined; the stream resumes after it.
  int64_t cursor = 0;
  // False when more events may be waiting right now.
  bool caught_up = true;
};

template <typename Message>
class EventStream : public grpc::ServerWriteReactor<Message> {
 public:
  // Reads what follows `cursor`; runs on the executor.
  using Fetch = std::function<absl::StatusOr<StreamBatch<Message>>(int64_t cursor)>;
  // The same from memory alone, without blocking; nullopt when it would need
  // the database (then `Fetch` runs on the executor). Runs under the
  // stream's lock on whichever thread wakes the stream.
  using MemoryFetch = std::function<std::optional<StreamBatch<Message>>(int64_t cursor)>;

  // Starts the stream: registers, subscribes, and fetches at once.
  // `memory_fetch` may be empty.
  static EventStream* Start(const CallDeps& deps, workflow::EventFeed* feed,
                            StreamRegistry* registry, const char* method, Principal principal,
                            int64_t after_seq, Fetch fetch, MemoryFetch memory_fetch = nullptr) {
    auto* stream = new EventStream(deps, feed, registry, method, std::move(principal), after_seq,
                                   std::move(fetch), std::move(memory_fetch));
    stream->Begin();
    return stream;
  }

  // A stream refused before it started.
  static grpc::ServerWriteReactor<Message>* Refuse(const absl::Status& status) {
    struct Refused : grpc::ServerWriteReactor<Message> {
      explicit Refused(const absl::Status& s) { this->Finish(ToGrpcStatus(s)); }
      void OnDone() override { delete this; }
    };
    return new Refused(status);
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard lock(mu_);
    outbox_.pop_front();
    writing_ = false;
    if (!ok) {
      FinishLocked(absl::CancelledError("the client went away"));
      return;
    }
    if (shutting_down_) {
      FinishLocked(ResumeStatusLocked());
      return;
    }
    WriteLocked();
    FetchLocked();
  }

  void OnCancel() override {
    std::lock_guard lock(mu_);
    FinishLocked(absl::CancelledError("cancelled by the client"));
  }

  void OnDone() override {
    // After these return, neither the feed nor shutdown can call into us.
    feed_->Unsubscribe(subscription_);
    registry_->Remove(registration_);
    deps_.metrics->RecordWatchers(-1);
    bool delete_now;
    {
      std::lock_guard lock(mu_);
      done_ = true;
      delete_now = !fetching_;  // else the running fetch deletes us
    }
    if (delete_now) delete this;
  }

 private:
  EventStream(const CallDeps& deps, workflow::EventFeed* feed, StreamRegistry* registry,
              const char* method, Principal principal, int64_t after_seq, Fetch fetch,
              MemoryFetch memory_fetch)
      : deps_(deps),
        feed_(feed),
        registry_(registry),
        method_(method),
        principal_(std::move(principal)),
        cursor_(after_seq),
        fetch_(std::move(fetch)),
        memory_fetch_(std::move(memory_fetch)),
        start_(absl::Now()) {}

  void Begin() {
    deps_.metrics->RecordWatchers(+1);
    registration_ = registry_->Add([this] {
      std::lock_guard lock(mu_);
      // A message being written still reaches the client (the status
      // follows it); the rest of the outbox does not. Finish once that
      // write is done, so the resume point is exactly what was delivered.
      shutting_down_ = true;
      if (!writing_) FinishLocked(ResumeStatusLocked());
    });
    subscription_ = feed_->Subscribe([this](int64_t) {
      std::lock_guard lock(mu_);
      dirty_ = true;
      FetchLocked();
    });
    std::lock_guard lock(mu_);
    if (registration_ < 0) {
      FinishLocked(absl::UnavailableError("the server is shutting down; reconnect elsewhere"));
      return;
    }
    FetchLocked();
  }

  // Everything up to this seq reached the client or was not for it:
  // fetched messages still in the outbox were not delivered.
  int64_t DeliveredLocked() const {
    return outbox_.empty() ? cursor_ : outbox_.front()->event().seq() - 1;
  }

  absl::Status ResumeStatusLocked() const {
    return absl::UnavailableError(absl::StrCat(
        "the server is shutting down; reconnect and resume with after_seq=", DeliveredLocked()));
  }

  bool MayFetchLocked() const {
    return !finished_ && !shutting_down_ && !fetching_ && dirty_ && outbox_.size() < kMaxOutbox;
  }

  void FetchLocked() {
    while (memory_fetch_ && MayFetchLocked()) {
      std::optional<StreamBatch<Message>> batch = memory_fetch_(cursor_);
      if (!batch) break;
      dirty_ = false;
      TakeLocked(*std::move(batch));
    }
    if (!MayFetchLocked()) return;
    dirty_ = false;
    fetching_ = true;
    deps_.executor->Submit([this] {
      int64_t cursor;
      {
        std::lock_guard lock(mu_);
        cursor = cursor_;
      }
      absl::StatusOr<StreamBatch<Message>> batch = fetch_(cursor);
      std::unique_lock lock(mu_);
      fetching_ = false;
      if (done_) {
        lock.unlock();
        delete this;
        return;
      }
      if (!batch.ok()) {
        FinishLocked(batch.status());
        return;
      }
      TakeLocked(*std::move(batch));
      FetchLocked();
    });
  }

  void TakeLocked(StreamBatch<Message> batch) {
    cursor_ = batch.cursor;
    if (!batch.caught_up) dirty_ = true;
    for (std::shared_ptr<const Message>& m : batch.messages) outbox_.push_back(std::move(m));
    WriteLocked();
  }

  void WriteLocked() {
    if (finished_ || shutting_down_ || writing_ || outbox_.empty()) return;
    writing_ = true;
    this->StartWrite(outbox_.front().get());
  }

  void FinishLocked(const absl::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finished(deps_, method_, principal_.id, start_, status);
    this->Finish(ToGrpcStatus(status));
  }

  static constexpr size_t kMaxOutbox = 256;

  CallDeps deps_;
  workflow::EventFeed* feed_;
  StreamRegistry* registry_;
  const char* method_;
  Principal principal_;
  int subscription_ = 0;
  int registration_ = 0;

  std::mutex mu_;
  int64_t cursor_;
  Fetch fetch_;
  MemoryFetch memory_fetch_;
  absl::Time start_;
  std::deque<std::shared_ptr<const Message>> outbox_;
  bool writing_ = false;
  bool fetching_ = false;
  bool dirty_ = true;
  bool finished_ = false;
  bool shutting_down_ = false;
  bool done_ = false;
};

}  // namespace signoff::transport
