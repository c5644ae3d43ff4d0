// The in-memory directory against the PostgreSQL one it caches: the same
// answers, the caller's own writes visible at once, another replica's writes
// visible after PostgreSQL's notification — and no database read otherwise.

#include <thread>

#include "absl/time/clock.h"
#include "server/storage/pg_event_repository.h"
#include "tests/workflow/workflow_fixture.h"

namespace signoff::testing {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> Ids(const std::vector<v1::Employee>& employees) {
  std::vector<std::string> ids;
  for (const v1::Employee& e : employees) ids.push_back(e.employee_id());
  return ids;
}

v1::Event Changed(const std::string& what) {
  v1::Event event;
  event.set_kind("directory.employee_upserted");
  event.set_actor_id("test");
  event.set_payload_json(absl::StrCat("{\"employee_id\":\"", what, "\"}"));
  return event;
}

class DirectoryCacheTest : public WorkflowTest {
 protected:
  void SetUp() override {
    WorkflowTest::SetUp();
    if (HasFatalFailure()) return;
    // Beside the fixture's tree: an inactive head, a dangling supervisor, a cycle.
    v1::Employee gone = Person("h.gone", "cfo", {"head_of_sales"});
    gone.set_active(false);
    for (const v1::Employee& e : {gone, Person("m.orphan", "nobody"), Person("c.one", "c.two"),
                                  Person("c.two", "c.one", {"team_lead"})}) {
      ASSERT_THAT(directory_->Upsert(e, Changed(e.employee_id()), Now()), IsOk());
    }
    cached_directory_->Invalidate();
  }
};

TEST_F(DirectoryCacheTest, AnswersAsTheDatabaseDoes) {
  workflow::DirectoryRepository& db = *directory_;
  workflow::DirectoryRepository& cache = *cached_directory_;
  for (bool inactive : {false, true}) {
    auto a = db.List(inactive), b = cache.List(inactive);
    ASSERT_THAT(a, IsOk());
    ASSERT_THAT(b, IsOk());
    EXPECT_EQ(Ids(*a), Ids(*b)) << "include_inactive=" << inactive;
  }
  for (const std::vector<std::string>& levels :
       std::vector<std::vector<std::string>>{{"team_lead"}, {"head_of_sales", "cfo"}, {"nope"}, {}}) {
    auto a = db.HoldersOf(levels), b = cache.HoldersOf(levels);
    ASSERT_THAT(a, IsOk());
    ASSERT_THAT(b, IsOk());
    EXPECT_EQ(Ids(*a), Ids(*b)) << levels.size();
  }
  for (const char* id : {"m.sales", "t.lead", "cfo", "m.orphan", "unknown", "h.gone"}) {
    auto a = db.SupervisorChain(id), b = cache.SupervisorChain(id);
    ASSERT_THAT(a, IsOk());
    ASSERT_THAT(b, IsOk());
    EXPECT_EQ(Ids(*a), Ids(*b)) << id;
    auto x = db.Get(id), y = cache.Get(id);
    ASSERT_THAT(x, IsOk());
    ASSERT_THAT(y, IsOk());
    ASSERT_EQ(x->has_value(), y->has_value()) << id;
    if (x->has_value()) {
      EXPECT_EQ((*x)->SerializeAsString(), (*y)->SerializeAsString()) << id;
    }
    // Find shares the snapshot's entry instead of copying it.
    auto shared = cached_directory_->Find(id);
    ASSERT_THAT(shared, IsOk());
    ASSERT_EQ(*shared != nullptr, x->has_value()) << id;
    if (*shared != nullptr) {
      EXPECT_EQ((*shared)->SerializeAsString(), (*x)->SerializeAsString()) << id;
    }
  }
  // The database repeats a cycle up to its depth limit; the cache cuts it
  // at the first repeat (the interface promises "cycles cut").
  auto cycle = cache.SupervisorChain("c.one");
  ASSERT_THAT(cycle, IsOk());
  EXPECT_THAT(Ids(*cycle), ElementsAre("c.two"));
}

TEST_F(DirectoryCacheTest, ServesFromMemoryUntilInvalidated) {
  ASSERT_THAT(cached_directory_->Get("m.sales"), IsOk());  // loaded
  // Another replica renames m.sales behind this cache's back (no feed here).
  v1::Employee renamed = Person("m.sales", "t.lead");
  renamed.set_display_name("Renamed elsewhere");
  ASSERT_THAT(directory_->Upsert(renamed, Changed("m.sales"), Now()), IsOk());
  auto stale = cached_directory_->Get("m.sales");
  ASSERT_THAT(stale, IsOk());
  EXPECT_EQ((*stale)->display_name(), "Person m.sales");  // no database read
  cached_directory_->Invalidate();
  auto fresh = cached_directory_->Get("m.sales");
  ASSERT_THAT(fresh, IsOk());
  EXPECT_EQ((*fresh)->display_name(), "Renamed elsewhere");
}

TEST_F(DirectoryCacheTest, OwnWritesAreVisibleAtOnce) {
  ASSERT_THAT(cached_directory_->Get("m.sales"), IsOk());
  ASSERT_THAT(workflow_->UpsertEmployee("admin", Person("n.new", "t.lead")), IsOk());
  auto found = cached_directory_->Get("n.new");
  ASSERT_THAT(found, IsOk());
  EXPECT_TRUE(found->has_value());
  ASSERT_THAT(workflow_->DeactivateEmployee("admin", "n.new"), IsOk());
  auto holders = cached_directory_->List(/*include_inactive=*/false);
  ASSERT_THAT(holders, IsOk());
  EXPECT_THAT(Ids(*holders), ::testing::Not(::testing::Contains("n.new")));
}

TEST_F(DirectoryCacheTest, AnotherReplicasChangeArrivesByNotification) {
  storage::PgEventFeed feed(test_db_->dsn());
  std::atomic<int> calls{0};
  feed.OnDirectoryChanged([this, &calls] {
    cached_directory_->Invalidate();
    ++calls;
  });
  // The feed reports once when it has connected; only after that can the
  // change below have reached the cache by notification alone.
  for (int i = 0; i < 500 && calls == 0; ++i) absl::SleepFor(absl::Milliseconds(10));
  ASSERT_GT(calls, 0) << "the feed never connected";
  ASSERT_THAT(cached_directory_->Get("m.sales"), IsOk());
  // The other replica: its own repository on the same database.
  storage::PgDirectoryRepository other(db_.get());
  ASSERT_THAT(other.Upsert(Person("r.remote", "t.lead"), Changed("r.remote"), Now()), IsOk());
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  bool seen = false;
  while (!seen && absl::Now() < give_up) {
    auto found = cached_directory_->Get("r.remote");
    ASSERT_THAT(found, IsOk());
    seen = found->has_value();
    if (!seen) absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_TRUE(seen) << "the notification of another replica's upsert never reached the cache";
}

TEST_F(DirectoryCacheTest, ReadersDuringReloadsAlwaysSeeAWholeDirectory) {
  std::atomic<bool> stop{false};
  std::thread invalidator([&] {
    while (!stop) {
      cached_directory_->Invalidate();
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < 200; ++i) {
    auto everyone = cached_directory_->List(/*include_inactive=*/true);
    ASSERT_THAT(everyone, IsOk());
    ASSERT_EQ(everyone->size(), 12u);
  }
  stop = true;
  invalidator.join();
}

}  // namespace
}  // namespace signoff::testing
