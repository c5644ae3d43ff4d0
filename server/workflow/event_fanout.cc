#include "server/workflow/event_fanout.h"

#include <algorithm>
#include <string>
#include <utility>

#include "policies/status_macros.h"

namespace signoff::workflow {
namespace {

// The same filter as the event log's query (EventRepository::Read).
bool Matches(const EventQuery& query, const v1::Event& event) {
  auto in = [](const std::vector<std::string>& list, const std::string& value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return in(query.offer_ids, event.offer_id()) && in(query.kinds, event.kind());
}

}  // namespace

EventFanout::EventFanout(EventRepository* events, OfferRepository* offers, EventFeed* source,
                         EventFanoutOptions options)
    : events_(events), offers_(offers), source_(source), options_(std::move(options)) {
  reader_ = std::thread([this] { Run(); });
  // The source's thread must not block: note the head, let the reader read.
  source_subscription_ = source_->Subscribe([this](int64_t seq) {
    std::lock_guard lock(mu_);
    if (seq > head_) {
      head_ = seq;
      wake_.notify_all();
    }
  });
}

EventFanout::~EventFanout() {
  source_->Unsubscribe(source_subscription_);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    wake_.notify_all();
  }
  reader_.join();
}

int EventFanout::Subscribe(Listener listener) {
  int id;
  {
    std::lock_guard lock(listeners_mu_);
    id = next_id_++;
    listeners_[id] = std::move(listener);
  }
  std::lock_guard lock(mu_);
  if (++watchers_ == 1) wake_.notify_all();
  return id;
}

void EventFanout::Unsubscribe(int id) {
  {
    std::unique_lock lock(listeners_mu_);
    // After this returns the listener is never called again: wait out a call
    // in progress (the caller may be about to delete what it refers to).
    listener_done_.wait(lock, [&] { return running_ != id; });
    if (listeners_.erase(id) == 0) return;
  }
  std::lock_guard lock(mu_);
  // Nobody watches: stop reading and give the memory back. The next watcher
  // starts a fresh ring at the head of the log.
  if (--watchers_ == 0) {
    ring_.clear();
    valid_ = false;
  }
}

std::optional<EventPage> EventFanout::ReadRecent(const EventQuery& query) const {
  std::shared_lock lock(mu_);
  if (!valid_ || query.after_seq < from_) return std::nullopt;
  EventPage page;
  auto it = std::upper_bound(ring_.begin(), ring_.end(), query.after_seq,
                             [](int64_t seq, const EventWithRecord& item) { return seq < item.event->seq(); });
  for (; it != ring_.end(); ++it) {
    if (!Matches(query, *it->event)) continue;
    page.items.push_back(*it);
    if (static_cast<int>(page.items.size()) >= query.limit) {
      page.cursor = it->event->seq();
      page.caught_up = false;
      return page;
    }
  }
  // Every event up to to_ was examined; a cursor ahead of the ring stays put
  // (the events after it are not read yet, and the reader wakes us then).
  page.cursor = std::max(query.after_seq, to_);
  return page;
}

absl::StatusOr<EventPage> EventFanout::Read(const EventQuery& query) {
  if (std::optional<EventPage> recent = ReadRecent(query)) return *std::move(recent);
  EventPage page;
  ASSIGN_OR_RETURN(page.items, ReadLog(query));
  page.cursor = page.items.empty() ? query.after_seq : page.items.back().event->seq();
  page.caught_up = static_cast<int>(page.items.size()) < query.limit;
  return page;
}

absl::StatusOr<std::vector<EventWithRecord>> EventFanout::ReadLog(const EventQuery& query) {
  ASSIGN_OR_RETURN(std::vector<v1::Event> events, events_->Read(query));
  // One read per offer revision, however many of its events there are.
  std::map<std::pair<std::string, int64_t>, std::shared_ptr<const v1::OfferRecord>> records;
  std::vector<EventWithRecord> items;
  items.reserve(events.size());
  for (v1::Event& event : events) {
    EventWithRecord item;
    if (!event.offer_id().empty()) {
      auto key = std::make_pair(event.offer_id(), event.revision());
      auto it = records.find(key);
      if (it == records.end()) {
        ASSIGN_OR_RETURN(std::optional<v1::OfferRecord> record,
                         offers_->Get(event.offer_id(), event.revision()));
        it = records
                 .emplace(key, record ? std::make_shared<const v1::OfferRecord>(*std::move(record))
                                      : nullptr)
                 .first;
      }
      item.record = it->second;
    }
    item.event = std::make_shared<const v1::Event>(std::move(event));
    items.push_back(std::move(item));
  }
  return items;
}

void EventFanout::ResetLocked(int64_t seq) {
  ring_.clear();
  valid_ = true;
  from_ = to_ = seq;
}

void EventFanout::Notify(int64_t seq) {
  std::unique_lock lock(listeners_mu_);
  // In id order; map nodes stay put, and the one being called is not erased.
  for (auto it = listeners_.begin(); it != listeners_.end();) {
    const int id = running_ = it->first;
    Listener& listener = it->second;
    lock.unlock();
    listener(seq);
    lock.lock();
    running_ = 0;
    listener_done_.notify_all();
    it = listeners_.upper_bound(id);
  }
}

void EventFanout::Run() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [this] {
      return stopping_ || (watchers_ > 0 && head_ >= 0 && (!valid_ || head_ > to_));
    });
    if (stopping_) return;
    // A first watcher, or a backlog the ring could not hold anyway: start at
    // the head. Streams behind it read the database until they reach it.
    if (!valid_ || head_ - to_ > static_cast<int64_t>(options_.capacity)) {
      ResetLocked(head_);
      int64_t reached = to_;
      lock.unlock();
      Notify(reached);
      lock.lock();
      continue;
    }
    EventQuery query;
    query.after_seq = to_;
    query.limit = options_.read_limit;
    const int64_t head = head_;
    lock.unlock();
    absl::StatusOr<std::vector<EventWithRecord>> read = ReadLog(query);
    if (!read.ok() && options_.on_read_error) options_.on_read_error(read.status());
    lock.lock();
    if (!read.ok()) {
      wake_.wait_for(lock, absl::ToChronoNanoseconds(options_.retry_after), [this] { return stopping_; });
      continue;
    }
    // Nobody watched for a moment and the ring was dropped: so is this read.
    if (!valid_) continue;
    if (!read->empty()) to_ = read->back().event->seq();
    // A short read saw everything committed when it began, which includes
    // every seq up to the head notified before it.
    if (static_cast<int>(read->size()) < query.limit) to_ = std::max(to_, head);
    for (EventWithRecord& item : *read) ring_.push_back(std::move(item));
    while (ring_.size() > options_.capacity) {
      from_ = ring_.front().event->seq();
      ring_.pop_front();
    }
    int64_t reached = to_;
    lock.unlock();
    Notify(reached);
    lock.lock();
  }
}

}  // namespace signoff::workflow
