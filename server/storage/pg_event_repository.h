#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "server/storage/database.h"
#include "server/storage/event_log.h"
#include "server/workflow/repository.h"

namespace signoff::storage {

// The event log behind the workflow's EventRepository interface.
class PgEventRepository : public workflow::EventRepository {
 public:
  explicit PgEventRepository(Database* db) : log_(db) {}

  absl::StatusOr<std::vector<v1::Event>> Read(const workflow::EventQuery& query) override;
  absl::StatusOr<std::vector<v1::Event>> OfferHistory(const std::string& offer_id) override;
  absl::StatusOr<workflow::AuditLogCheck> Verify() override;
  absl::Status Append(const v1::Event& event, absl::Time at) override;

 private:
  EventLog log_;
};

// LISTENs on the event channel over its own connection and tells
// subscribers the newest committed seq. Reconnects with back-off when the
// connection drops, and then reports the current seq so nothing committed
// meanwhile goes unnoticed.
class PgEventFeed : public workflow::EventFeed {
 public:
  // Starts listening at once.
  explicit PgEventFeed(std::string dsn);
  ~PgEventFeed() override;

  int Subscribe(Listener listener) override;
  void Unsubscribe(int id) override;
  // `on_change` runs (on the feed's thread; must not block) when the
  // directory of employees changed on any replica, and after every
  // (re)connect, since changes may have been missed meanwhile.
  void OnDirectoryChanged(std::function<void()> on_change);

 private:
  void Run();
  void Broadcast(int64_t seq);
  void DirectoryChanged();

  std::string dsn_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::map<int, Listener> listeners_;
  std::vector<std::function<void()>> directory_listeners_;
  int next_id_ = 1;
  std::thread thread_;
};

}  // namespace signoff::storage
