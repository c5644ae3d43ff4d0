#pragma once

// One read of the event log per commit, shared by every watch stream.
//
// A watch stream that reads the log (and the offer record of each event) for
// itself after every commit costs one read per stream per event: 1,000 open
// streams made ~2,000 read transactions out of each submission, queued on 8
// connections, and delivery latency grew with the number of streams. Here one
// reader thread follows the EventFeed, reads each new event once together
// with the record of the offer revision it is about, and keeps the most recent
// ones in a bounded ring. Streams subscribe here instead of to the raw feed,
// so they are woken only once the ring holds what was committed, and serve
// themselves from memory. A stream whose cursor is older than the ring (a
// resume after a long gap, a slow client, a reader that fell behind) reads the
// database as before.
//
// The ring relies on what the event log guarantees: an event is appended
// under the chain-head lock held until commit, so when seq N is committed
// (and notified) every event before it is too, and a read "after S" never
// skips one that commits later.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/workflow/repository.h"
#include "signoff/v1/decision.pb.h"
#include "signoff/v1/event.pb.h"

namespace signoff::workflow {

struct EventWithRecord {
  std::shared_ptr<const v1::Event> event;
  // The record of (event.offer_id, event.revision), read after the event
  // committed; null when the event is not about an offer or the revision is
  // unknown. Shared by the events of one revision read together.
  std::shared_ptr<const v1::OfferRecord> record;
};

struct EventPage {
  // The events after the query's after_seq that match it, oldest first.
  std::vector<EventWithRecord> items;
  // The last seq examined (matching or not): page on after it.
  int64_t cursor = 0;
  // False when more events may be waiting right now.
  bool caught_up = true;
};

struct EventFanoutOptions {
  // Events kept in memory. Older ones are read from the database again.
  size_t capacity = 2048;
  // Events per read of the log by the ring's reader.
  int read_limit = 500;
  // Pause after a failed read before the reader tries again.
  absl::Duration retry_after = absl::Milliseconds(200);
  // Told about failed reads (the module does not log); may be empty.
  std::function<void(const absl::Status&)> on_read_error;
};

class EventFanout : public EventFeed {
 public:
  // Subscribes to `source` at once and learns the head of the log from its
  // next notification (until then streams read the database). Reads only
  // while someone subscribes here.
  EventFanout(EventRepository* events, OfferRepository* offers, EventFeed* source,
              EventFanoutOptions options = {});
  ~EventFanout() override;

  // Listeners get the newest seq the ring holds, once it holds it, on the
  // reader thread, one after another; they must not block. Unsubscribe waits
  // for a call of its own listener in progress (so a listener must not
  // unsubscribe itself), not for the others.
  int Subscribe(Listener listener) override;
  void Unsubscribe(int id) override;

  // The page after query.after_seq from memory alone; nullopt when the ring
  // does not reach back to query.after_seq. Never waits for the database.
  std::optional<EventPage> ReadRecent(const EventQuery& query) const;
  // ReadRecent, else the database: the same events either way.
  absl::StatusOr<EventPage> Read(const EventQuery& query);

 private:
  // Events after `query.after_seq` with their records, from the database.
  absl::StatusOr<std::vector<EventWithRecord>> ReadLog(const EventQuery& query);
  void Run();
  // Empties the ring and starts it at `seq`: a cursor at or after it is served.
  void ResetLocked(int64_t seq);
  void Notify(int64_t seq);

  EventRepository* const events_;
  OfferRepository* const offers_;
  EventFeed* const source_;
  const EventFanoutOptions options_;
  int source_subscription_ = 0;

  // The ring: the events with seq in (from_, to_], all of them, oldest first.
  mutable std::shared_mutex mu_;
  std::deque<EventWithRecord> ring_;
  bool valid_ = false;  // else the ring covers nothing
  int64_t from_ = 0;
  int64_t to_ = 0;
  int64_t head_ = -1;  // newest committed seq the source told of; -1 = none yet
  int watchers_ = 0;
  bool stopping_ = false;
  std::condition_variable_any wake_;

  // Listeners run one at a time without this lock held: serving a stream from
  // memory happens inside its listener, and a whole round over 1,000 streams
  // must not keep gRPC threads that open or close a stream waiting. Never
  // held together with mu_.
  std::mutex listeners_mu_;
  std::condition_variable listener_done_;
  std::map<int, Listener> listeners_;
  int running_ = 0;  // the id of the listener being called, 0 = none
  int next_id_ = 1;

  std::thread reader_;
};

}  // namespace signoff::workflow
