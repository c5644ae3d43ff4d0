#include "server/storage/pg_event_repository.h"

#include <pqxx/pqxx>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/time/clock.h"
#include "server/log/log.h"
#include "server/storage/pg_error.h"
#include "server/workflow/proto_time.h"

namespace signoff::storage {
namespace {

constexpr char kLastSeqSql[] = "SELECT last_seq FROM event_chain_head";

v1::Event ToProto(const StoredEvent& stored) {
  v1::Event event;
  event.set_seq(stored.seq);
  *event.mutable_occurred_at() = workflow::ToProtoTime(stored.occurred_at);
  event.set_kind(stored.kind);
  event.set_offer_id(stored.offer_id);
  event.set_revision(stored.revision);
  event.set_actor_id(stored.actor_id);
  event.set_on_behalf_of(stored.on_behalf_of);
  event.set_payload_json(stored.payload_json);
  event.set_hash(absl::BytesToHexString(stored.hash));
  return event;
}

std::vector<v1::Event> ToProto(const std::vector<StoredEvent>& stored) {
  std::vector<v1::Event> events;
  events.reserve(stored.size());
  for (const StoredEvent& e : stored) events.push_back(ToProto(e));
  return events;
}

// Calls `on_notify` with the payload of every NOTIFY on `channel`.
class ChannelReceiver : public pqxx::notification_receiver {
 public:
  ChannelReceiver(pqxx::connection_base& conn, const char* channel,
                  std::function<void(const std::string&)> on_notify)
      : pqxx::notification_receiver(conn, channel), on_notify_(std::move(on_notify)) {}
  void operator()(const std::string& payload, int) override { on_notify_(payload); }

 private:
  std::function<void(const std::string&)> on_notify_;
};

}  // namespace

absl::StatusOr<std::vector<v1::Event>> PgEventRepository::Read(const workflow::EventQuery& query) {
  EventFilter filter;
  filter.after_seq = query.after_seq;
  filter.offer_ids = query.offer_ids;
  filter.kinds = query.kinds;
  filter.limit = query.limit;
  auto stored = log_.Read(filter);
  if (!stored.ok()) return stored.status();
  return ToProto(*stored);
}

absl::StatusOr<std::vector<v1::Event>> PgEventRepository::OfferHistory(const std::string& offer_id) {
  auto stored = log_.OfferHistory(offer_id);
  if (!stored.ok()) return stored.status();
  return ToProto(*stored);
}

absl::StatusOr<workflow::AuditLogCheck> PgEventRepository::Verify() {
  auto verified = log_.Verify();
  if (!verified.ok()) return verified.status();
  workflow::AuditLogCheck check;
  check.intact = verified->intact();
  check.events_checked = verified->events_checked;
  check.last_seq = verified->last_seq;
  check.first_broken_seq = verified->first_broken_seq.value_or(0);
  check.problem = verified->problem;
  return check;
}

absl::Status PgEventRepository::Append(const v1::Event& event, absl::Time at) {
  return log_.Append({internal::ToNewEvent(event)}, at).status();
}

PgEventFeed::PgEventFeed(std::string dsn) : dsn_(std::move(dsn)) {
  thread_ = std::thread([this] { Run(); });
}

PgEventFeed::~PgEventFeed() {
  stopping_ = true;
  thread_.join();
}

int PgEventFeed::Subscribe(Listener listener) {
  std::lock_guard lock(mu_);
  int id = next_id_++;
  listeners_[id] = std::move(listener);
  return id;
}

void PgEventFeed::Unsubscribe(int id) {
  std::lock_guard lock(mu_);
  listeners_.erase(id);
}

void PgEventFeed::Broadcast(int64_t seq) {
  std::lock_guard lock(mu_);
  for (auto& [id, listener] : listeners_) listener(seq);
}

void PgEventFeed::OnDirectoryChanged(std::function<void()> on_change) {
  std::lock_guard lock(mu_);
  directory_listeners_.push_back(std::move(on_change));
}

void PgEventFeed::DirectoryChanged() {
  std::lock_guard lock(mu_);
  for (auto& listener : directory_listeners_) listener();
}

void PgEventFeed::Run() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (!stopping_) {
    try {
      pqxx::connection conn(dsn_);
      ChannelReceiver events(conn, internal::kEventsChannel, [this](const std::string& payload) {
        int64_t seq = 0;
        if (absl::SimpleAtoi(payload, &seq)) Broadcast(seq);
      });
      ChannelReceiver directory(conn, internal::kDirectoryChannel,
                                [this](const std::string&) { DirectoryChanged(); });
      DirectoryChanged();
      {
        // Whatever was committed while we were not listening.
        pqxx::read_transaction tx(conn);
        int64_t seq = tx.exec1(kLastSeqSql)[0].as<int64_t>();
        tx.commit();
        Broadcast(seq);
      }
      backoff = absl::Milliseconds(100);
      while (!stopping_) conn.await_notification(0, 200'000);
    } catch (const std::exception& e) {
      if (stopping_) break;
      log::Warning("event_feed.reconnect", {{"error", e.what()}});
      absl::SleepFor(backoff);
      backoff = std::min(backoff * 2, absl::Seconds(5));
    }
  }
}

}  // namespace signoff::storage
