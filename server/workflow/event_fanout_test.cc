// EventFanout over in-memory fakes of the event log, the offers and the feed:
// one read per commit however many watch, the ring's bounds, the fall-back to
// the database for a cursor older than the ring, filtering, order.

#include "server/workflow/event_fanout.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace signoff::workflow {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

// The event log's read contract: seq assigned densely in commit order;
// Read filters by offer ids and kinds (empty = any), oldest first, limited.
class FakeEventLog : public EventRepository {
 public:
  int64_t Add(const std::string& kind, const std::string& offer_id = "", int64_t revision = 0) {
    std::lock_guard lock(mu_);
    v1::Event event;
    event.set_seq(static_cast<int64_t>(events_.size()) + 1);
    event.set_kind(kind);
    event.set_offer_id(offer_id);
    event.set_revision(revision);
    events_.push_back(event);
    return event.seq();
  }
  int reads() const {
    std::lock_guard lock(mu_);
    return reads_;
  }
  void FailNextReads(int n) {
    std::lock_guard lock(mu_);
    failures_ = n;
  }

  absl::StatusOr<std::vector<v1::Event>> Read(const EventQuery& query) override {
    std::lock_guard lock(mu_);
    ++reads_;
    if (failures_ > 0) {
      --failures_;
      return absl::UnavailableError("connection lost");
    }
    auto in = [](const std::vector<std::string>& list, const std::string& v) {
      return list.empty() || std::find(list.begin(), list.end(), v) != list.end();
    };
    std::vector<v1::Event> out;
    for (const v1::Event& e : events_) {
      if (static_cast<int>(out.size()) >= query.limit) break;
      if (e.seq() > query.after_seq && in(query.offer_ids, e.offer_id()) && in(query.kinds, e.kind())) {
        out.push_back(e);
      }
    }
    return out;
  }
  absl::StatusOr<std::vector<v1::Event>> OfferHistory(const std::string&) override {
    return absl::UnimplementedError("fake");
  }
  absl::StatusOr<AuditLogCheck> Verify() override { return absl::UnimplementedError("fake"); }
  absl::Status Append(const v1::Event&, absl::Time) override { return absl::UnimplementedError("fake"); }

 private:
  mutable std::mutex mu_;
  std::vector<v1::Event> events_;
  int reads_ = 0;
  int failures_ = 0;
};

class FakeOffers : public OfferRepository {
 public:
  void Put(const std::string& offer_id, int64_t revision, const std::string& submitted_by) {
    std::lock_guard lock(mu_);
    v1::OfferRecord record;
    record.mutable_offer()->set_offer_id(offer_id);
    record.mutable_offer()->set_revision(revision);
    record.set_submitted_by(submitted_by);
    records_[{offer_id, revision}] = record;
  }
  int gets() const {
    std::lock_guard lock(mu_);
    return gets_;
  }
  void FailNextGets(int n) {
    std::lock_guard lock(mu_);
    failures_ = n;
  }

  absl::StatusOr<std::optional<v1::OfferRecord>> Get(const std::string& offer_id,
                                                     int64_t revision) override {
    std::lock_guard lock(mu_);
    ++gets_;
    if (failures_ > 0) {
      --failures_;
      return absl::UnavailableError("connection lost");
    }
    auto it = records_.find({offer_id, revision});
    if (it == records_.end()) return std::nullopt;
    return it->second;
  }
  absl::Status Transact(const TransactionWork&) override { return absl::UnimplementedError("fake"); }
  void TransactGroupedAsync(GroupedReads, TransactionWork, GroupedDone done) override {
    done(absl::UnimplementedError("fake"));
  }
  absl::StatusOr<std::vector<InboxEntry>> Inbox(const std::vector<std::string>&, int) override {
    return absl::UnimplementedError("fake");
  }
  absl::StatusOr<std::vector<v1::Delegation>> DelegationsTo(const std::string&, absl::Time) override {
    return absl::UnimplementedError("fake");
  }

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int64_t>, v1::OfferRecord> records_;
  int gets_ = 0;
  int failures_ = 0;
};

// What PgEventFeed does on NOTIFY, driven by the test.
class FakeFeed : public EventFeed {
 public:
  int Subscribe(Listener listener) override {
    std::lock_guard lock(mu_);
    listeners_[next_] = std::move(listener);
    return next_++;
  }
  void Unsubscribe(int id) override {
    std::lock_guard lock(mu_);
    listeners_.erase(id);
  }
  void Publish(int64_t seq) {
    std::lock_guard lock(mu_);
    for (auto& [id, l] : listeners_) l(seq);
  }

 private:
  std::mutex mu_;
  std::map<int, Listener> listeners_;
  int next_ = 1;
};

// A watch stream's subscription: remembers the newest seq it was told of.
class Watcher {
 public:
  explicit Watcher(EventFanout* fanout) : fanout_(fanout) {
    id_ = fanout_->Subscribe([this](int64_t seq) {
      std::lock_guard lock(mu_);
      seen_ = std::max(seen_, seq);
      changed_.notify_all();
    });
  }
  ~Watcher() { fanout_->Unsubscribe(id_); }
  // True once told the ring holds `seq`.
  bool WaitFor(int64_t seq) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5), [&] { return seen_ >= seq; });
  }

 private:
  EventFanout* fanout_;
  int id_;
  std::mutex mu_;
  std::condition_variable changed_;
  int64_t seen_ = -1;
};

EventQuery After(int64_t seq, int limit = 200) {
  EventQuery query;
  query.after_seq = seq;
  query.limit = limit;
  return query;
}

std::vector<int64_t> Seqs(const EventPage& page) {
  std::vector<int64_t> seqs;
  for (const EventWithRecord& item : page.items) seqs.push_back(item.event->seq());
  return seqs;
}

class EventFanoutTest : public ::testing::Test {
 protected:
  void Start(EventFanoutOptions options = {}) {
    options.retry_after = absl::Milliseconds(1);
    options.on_read_error = [this](const absl::Status&) { ++read_errors_; };
    fanout_ = std::make_unique<EventFanout>(&log_, &offers_, &feed_, options);
  }
  // Appends an event of offer `id` revision 1 (submitted by crm) and tells the feed.
  int64_t Commit(const std::string& kind, const std::string& id) {
    offers_.Put(id, 1, "crm");
    int64_t seq = log_.Add(kind, id, 1);
    feed_.Publish(seq);
    return seq;
  }

  FakeEventLog log_;
  FakeOffers offers_;
  FakeFeed feed_;
  std::atomic<int> read_errors_{0};
  std::unique_ptr<EventFanout> fanout_;
};

TEST_F(EventFanoutTest, OneReadPerCommitServesEveryWatcherFromMemory) {
  log_.Add("policy.activated");
  Start();
  feed_.Publish(1);
  Watcher watcher(fanout_.get());
  ASSERT_TRUE(watcher.WaitFor(1));  // the ring starts at the head

  offers_.Put("A", 1, "crm");
  offers_.Put("B", 1, "ops");
  log_.Add("offer.submitted", "A", 1);
  log_.Add("offer.routed", "A", 1);
  log_.Add("offer.submitted", "B", 1);
  log_.Add("offer.withdrawn", "GONE", 1);  // a revision the offers do not know
  feed_.Publish(4);
  feed_.Publish(5);
  ASSERT_TRUE(watcher.WaitFor(5));
  EXPECT_EQ(log_.reads(), 1);
  EXPECT_EQ(offers_.gets(), 3);  // A once for both of its events, B, GONE

  for (int stream = 0; stream < 1000; ++stream) {
    std::optional<EventPage> page = fanout_->ReadRecent(After(1));
    ASSERT_TRUE(page.has_value());
    ASSERT_THAT(Seqs(*page), ElementsAre(2, 3, 4, 5));
    EXPECT_EQ(page->cursor, 5);
    EXPECT_TRUE(page->caught_up);
    EXPECT_EQ(page->items[0].record->submitted_by(), "crm");
    EXPECT_EQ(page->items[0].record.get(), page->items[1].record.get());  // shared, read once
    EXPECT_EQ(page->items[2].record->submitted_by(), "ops");
    EXPECT_EQ(page->items[3].record.get(), nullptr);
  }
  EXPECT_EQ(log_.reads(), 1);
  EXPECT_EQ(offers_.gets(), 3);
}

TEST_F(EventFanoutTest, FiltersByOfferAndKindAndPagesInOrderLikeTheDatabase) {
  Start();
  feed_.Publish(0);
  Watcher watcher(fanout_.get());
  ASSERT_TRUE(watcher.WaitFor(0));
  for (int i = 0; i < 6; ++i) {
    for (const char* id : {"A", "B", "C"}) {
      Commit(i % 2 == 0 ? "offer.submitted" : "offer.routed", id);
    }
  }
  log_.Add("policy.activated");
  feed_.Publish(19);
  ASSERT_TRUE(watcher.WaitFor(19));

  EventQuery query = After(0, 2);
  query.offer_ids = {"A", "C"};
  query.kinds = {"offer.routed"};
  std::vector<int64_t> from_memory;
  std::vector<EventPage> pages;
  while (true) {
    std::optional<EventPage> page = fanout_->ReadRecent(query);
    ASSERT_TRUE(page.has_value());
    for (const EventWithRecord& item : page->items) {
      EXPECT_THAT(item.event->offer_id(), ::testing::AnyOf("A", "C"));
      EXPECT_EQ(item.event->kind(), "offer.routed");
      EXPECT_EQ(item.record->offer().offer_id(), item.event->offer_id());
      from_memory.push_back(item.event->seq());
    }
    pages.push_back(*page);
    query.after_seq = page->cursor;
    if (page->caught_up) break;
  }
  // A and C are seqs 3k+1 and 3k+3; routed in the odd rounds (k = 1, 3, 5).
  EXPECT_THAT(from_memory, ElementsAre(4, 6, 10, 12, 16, 18));
  EXPECT_EQ(pages.size(), 4u);  // three full pages, then the rest of the ring
  EXPECT_EQ(pages[0].cursor, 6);
  EXPECT_FALSE(pages[0].caught_up);
  EXPECT_EQ(pages.back().cursor, 19);  // examined to the ring's end

  auto from_log = log_.Read([&] {
    EventQuery q = After(0, 200);
    q.offer_ids = {"A", "C"};
    q.kinds = {"offer.routed"};
    return q;
  }());
  ASSERT_TRUE(from_log.ok());
  std::vector<int64_t> expected;
  for (const v1::Event& e : *from_log) expected.push_back(e.seq());
  EXPECT_THAT(from_memory, ElementsAreArray(expected));
}

TEST_F(EventFanoutTest, ACursorOlderThanTheRingReadsTheDatabase) {
  EventFanoutOptions options;
  options.capacity = 4;
  Start(options);
  feed_.Publish(0);
  Watcher watcher(fanout_.get());
  ASSERT_TRUE(watcher.WaitFor(0));
  for (int i = 1; i <= 10; ++i) {
    Commit("offer.submitted", absl::StrCat("O", i));
    ASSERT_TRUE(watcher.WaitFor(i));
  }
  // The ring holds 7..10: a cursor of 6 or later is served from memory.
  std::optional<EventPage> recent = fanout_->ReadRecent(After(6));
  ASSERT_TRUE(recent.has_value());
  EXPECT_THAT(Seqs(*recent), ElementsAre(7, 8, 9, 10));
  EXPECT_FALSE(fanout_->ReadRecent(After(5)).has_value());
  EXPECT_FALSE(fanout_->ReadRecent(After(0)).has_value());

  const int reads = log_.reads();
  absl::StatusOr<EventPage> old = fanout_->Read(After(2, 3));
  ASSERT_TRUE(old.ok());
  EXPECT_THAT(Seqs(*old), ElementsAre(3, 4, 5));
  EXPECT_EQ(old->cursor, 5);
  EXPECT_FALSE(old->caught_up);
  EXPECT_EQ(old->items[0].record->offer().offer_id(), "O3");
  EXPECT_EQ(log_.reads(), reads + 1);
  // ... and once the cursor is back inside the ring, memory again.
  absl::StatusOr<EventPage> next = fanout_->Read(After(old->cursor, 3));
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(log_.reads(), reads + 2);  // 5 is still older than the ring
  EXPECT_THAT(Seqs(*next), ElementsAre(6, 7, 8));
  absl::StatusOr<EventPage> last = fanout_->Read(After(next->cursor, 3));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(log_.reads(), reads + 2);
  EXPECT_THAT(Seqs(*last), ElementsAre(9, 10));
  EXPECT_TRUE(last->caught_up);
}

TEST_F(EventFanoutTest, ABacklogLongerThanTheRingIsSkippedNotRead) {
  EventFanoutOptions options;
  options.capacity = 4;
  Start(options);
  feed_.Publish(0);
  Watcher watcher(fanout_.get());
  ASSERT_TRUE(watcher.WaitFor(0));
  for (int i = 1; i <= 10; ++i) log_.Add("offer.submitted", "O", 1);
  feed_.Publish(10);
  ASSERT_TRUE(watcher.WaitFor(10));
  EXPECT_EQ(log_.reads(), 0);
  EXPECT_FALSE(fanout_->ReadRecent(After(9)).has_value());
  std::optional<EventPage> at_head = fanout_->ReadRecent(After(10));
  ASSERT_TRUE(at_head.has_value());
  EXPECT_TRUE(at_head->items.empty());
  absl::StatusOr<EventPage> behind = fanout_->Read(After(8));
  ASSERT_TRUE(behind.ok());
  EXPECT_THAT(Seqs(*behind), ElementsAre(9, 10));
}

TEST_F(EventFanoutTest, ACursorAheadOfTheRingStaysWhereItIs) {
  Start();
  feed_.Publish(0);
  Watcher watcher(fanout_.get());
  Commit("offer.submitted", "A");
  ASSERT_TRUE(watcher.WaitFor(1));
  std::optional<EventPage> page = fanout_->ReadRecent(After(7));
  ASSERT_TRUE(page.has_value());
  EXPECT_TRUE(page->items.empty());
  EXPECT_EQ(page->cursor, 7);
  EXPECT_TRUE(page->caught_up);
}

TEST_F(EventFanoutTest, ReadsNothingWhileNobodyWatches) {
  Start();
  for (int i = 0; i < 3; ++i) Commit("offer.submitted", "A");
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(log_.reads(), 0);
  EXPECT_EQ(offers_.gets(), 0);
  EXPECT_FALSE(fanout_->ReadRecent(After(3)).has_value());
  {
    Watcher watcher(fanout_.get());
    ASSERT_TRUE(watcher.WaitFor(3));
    EXPECT_TRUE(fanout_->ReadRecent(After(3)).has_value());
    EXPECT_FALSE(fanout_->ReadRecent(After(2)).has_value());
  }
  // The last watcher gone, the ring is dropped.
  EXPECT_FALSE(fanout_->ReadRecent(After(3)).has_value());
  EXPECT_EQ(log_.reads(), 0);
}

TEST_F(EventFanoutTest, AFailedReadIsRetriedWithoutLosingEvents) {
  Start();
  feed_.Publish(0);
  Watcher watcher(fanout_.get());
  ASSERT_TRUE(watcher.WaitFor(0));
  log_.FailNextReads(2);
  offers_.FailNextGets(1);
  Commit("offer.submitted", "A");
  Commit("offer.submitted", "B");
  ASSERT_TRUE(watcher.WaitFor(2));
  EXPECT_EQ(read_errors_.load(), 3);
  std::optional<EventPage> page = fanout_->ReadRecent(After(0));
  ASSERT_TRUE(page.has_value());
  EXPECT_THAT(Seqs(*page), ElementsAre(1, 2));
  EXPECT_NE(page->items[0].record.get(), nullptr);
}

// Serving streams happens inside their listeners; a round over many of them
// must not hold up a stream that opens or closes meanwhile.
TEST_F(EventFanoutTest, UnsubscribeWaitsOnlyForItsOwnListenerToReturn) {
  Start();
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  std::atomic<bool> returned{false};
  int slow = fanout_->Subscribe([&, once = std::make_shared<std::once_flag>()](int64_t) {
    std::call_once(*once, [&] {
      entered.set_value();
      released.wait();
      returned = true;
    });
  });
  int other = fanout_->Subscribe([](int64_t) {});
  feed_.Publish(0);
  ASSERT_EQ(entered.get_future().wait_for(std::chrono::seconds(5)), std::future_status::ready);

  auto other_gone = std::async(std::launch::async, [&] { fanout_->Unsubscribe(other); });
  bool prompt = other_gone.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  auto slow_gone = std::async(std::launch::async, [&] { fanout_->Unsubscribe(slow); });
  bool waited = slow_gone.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout;
  release.set_value();
  slow_gone.wait();
  other_gone.wait();
  EXPECT_TRUE(prompt) << "unsubscribing waited for another stream's listener";
  EXPECT_TRUE(waited) << "unsubscribing returned while its listener was running";
  EXPECT_TRUE(returned);
}

// A stream paging as EventStream does while events commit in bursts, with a
// ring small enough that it keeps falling back to the database: every event
// once, in order.
TEST_F(EventFanoutTest, APagingStreamGetsEveryEventOnceInOrderAcrossRingAndDatabase) {
  EventFanoutOptions options;
  options.capacity = 8;
  options.read_limit = 3;
  Start(options);
  feed_.Publish(0);
  Watcher watcher(fanout_.get());
  constexpr int kEvents = 2000;
  std::thread writer([&] {
    for (int i = 1; i <= kEvents; ++i) {
      offers_.Put(absl::StrCat("O", i % 7), 1, "crm");
      log_.Add("offer.submitted", absl::StrCat("O", i % 7), 1);
      if (i % 5 == 0 || i == kEvents) feed_.Publish(i);
      if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  std::vector<int64_t> received;
  int64_t cursor = 0;
  int from_memory = 0;
  absl::Time give_up = absl::Now() + absl::Seconds(20);
  while (cursor < kEvents && absl::Now() < give_up) {
    std::optional<EventPage> page = fanout_->ReadRecent(After(cursor, 4));
    if (page) {
      ++from_memory;
    } else {
      absl::StatusOr<EventPage> read = fanout_->Read(After(cursor, 4));
      ASSERT_TRUE(read.ok());
      page = *read;
    }
    for (const EventWithRecord& item : page->items) received.push_back(item.event->seq());
    cursor = page->cursor;
    if (page->caught_up) std::this_thread::yield();
  }
  writer.join();
  std::vector<int64_t> expected(kEvents);
  for (int i = 0; i < kEvents; ++i) expected[i] = i + 1;
  EXPECT_THAT(received, ElementsAreArray(expected));
  EXPECT_GT(from_memory, 0);
}

}  // namespace
}  // namespace signoff::workflow
