#pragma once

// Every WatchDecisions stream that receives an event sends the same message:
// the event and its offer record. Built once per event and shared, instead of
// once per stream, it saves a copy of the record (and freeing it again) per
// stream and event, which was most of the CPU of a fan-out to 1,000 streams.
// gRPC only reads the message (protobuf serialises a const message safely from
// several threads at once).

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "server/workflow/event_fanout.h"
#include "signoff/v1/service.pb.h"

namespace signoff::transport {

class DecisionUpdates {
 public:
  // The update of `item`, the same object for every caller asking for the
  // same event and record while it is among the most recent ones asked for.
  std::shared_ptr<const v1::DecisionUpdate> For(const workflow::EventWithRecord& item) {
    std::lock_guard lock(mu_);
    Entry& entry = by_seq_[item.event->seq()];
    // Keyed by the objects, not the seq alone: a page read from the database
    // carries the record as read then, and gets an update of its own.
    if (entry.update == nullptr || entry.event != item.event || entry.record != item.record) {
      auto update = std::make_shared<v1::DecisionUpdate>();
      *update->mutable_event() = *item.event;
      if (item.record != nullptr) *update->mutable_record() = *item.record;
      entry = Entry{item.event, item.record, std::move(update)};
    }
    std::shared_ptr<const v1::DecisionUpdate> update = entry.update;
    if (by_seq_.size() > kKept) by_seq_.erase(by_seq_.begin());
    return update;
  }

 private:
  // Live fan-out asks for the newest events; a few hundred cover any burst
  // the streams take in one round, at a few KiB each.
  static constexpr size_t kKept = 512;

  struct Entry {
    std::shared_ptr<const v1::Event> event;
    std::shared_ptr<const v1::OfferRecord> record;
    std::shared_ptr<const v1::DecisionUpdate> update;
  };
  std::mutex mu_;
  std::map<int64_t, Entry> by_seq_;
};

}  // namespace signoff::transport
