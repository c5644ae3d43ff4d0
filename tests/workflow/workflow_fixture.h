#pragma once

// A workflow over real PostgreSQL repositories, a small policy set and a
// directory, with a clock the test moves.

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy_set.h"
#include "server/storage/database.h"
#include "server/storage/event_log.h"
#include "server/storage/pg_directory_repository.h"
#include "server/storage/pg_offer_repository.h"
#include "server/workflow/directory_cache.h"
#include "server/workflow/proto_time.h"
#include "server/workflow/workflow.h"
#include "tests/support/status_matchers.h"
#include "tests/support/test_database.h"

namespace signoff::testing {

// team_lead (limit 1M RUB, 4h) < head_of_sales (10M RUB, 8h, all must sign) < cfo.
inline constexpr char kWorkflowPolicy[] = R"pb(
  label: "workflow-test"
  levels {
    id: "team_lead"
    limits { currency_code: "RUB" units: 1000000 }
    sla: "4h"
  }
  levels {
    id: "head_of_sales"
    limits { currency_code: "RUB" units: 10000000 }
    sla: "8h"
    quorum: QUORUM_KIND_ALL
  }
  levels { id: "cfo" sla: "24h" }
  rules {
    id: "amount.large"
    description: "Offers above 100 000 RUB need the team lead"
    when { total_above { thresholds { currency_code: "RUB" units: 100000 } } }
    effect { require_level: "team_lead" }
  }
  rules {
    id: "amount.very_large"
    description: "Offers above 500 000 RUB need the head of sales"
    when { total_above { thresholds { currency_code: "RUB" units: 500000 } } }
    effect { require_level: "head_of_sales" }
  }
  rules {
    id: "margin.negative"
    description: "An offer that loses money is not sent"
    when { offer_margin_below { percent: "0" } }
    effect { reject: "The offer loses money: check purchase prices" }
  }
)pb";

inline v1::Employee Person(const std::string& id, const std::string& supervisor,
                           std::vector<std::string> levels = {}) {
  v1::Employee e;
  e.set_employee_id(id);
  e.set_display_name(absl::StrCat("Person ", id));
  e.set_supervisor_id(supervisor);
  e.set_active(true);
  e.mutable_hire_date()->set_year(2020);
  e.mutable_hire_date()->set_month(1);
  e.mutable_hire_date()->set_day(15);
  for (const std::string& level : levels) e.add_approval_levels()->set_level(level);
  return e;
}

// An offer of one line: `quantity` × `price` RUB at `cost` RUB each.
inline v1::Offer MakeOffer(const std::string& offer_id, int64_t revision, int64_t price,
                           int64_t cost = -1, const std::string& manager = "m.sales",
                           int64_t quantity = 1) {
  v1::Offer offer;
  offer.set_offer_id(offer_id);
  offer.set_revision(revision);
  offer.mutable_customer()->set_id("cust-1");
  offer.mutable_customer()->set_name("OOO Romashka");
  offer.set_manager_id(manager);
  offer.set_currency_code("RUB");
  v1::OfferLine* line = offer.add_lines();
  line->set_sku("PIPE-57");
  line->set_name("Steel pipe 57x3.5");
  line->set_category("pipes");
  line->mutable_quantity()->set_value(absl::StrCat(quantity));
  line->mutable_unit_price()->set_currency_code("RUB");
  line->mutable_unit_price()->set_units(price);
  if (cost < 0) cost = price * 8 / 10;  // 20 % margin by default
  line->mutable_unit_cost()->set_currency_code("RUB");
  line->mutable_unit_cost()->set_units(cost);
  return offer;
}

class WorkflowTest : public WithTestDatabase {
 protected:
  void SetUp() override {
    WithTestDatabase::SetUp();
    if (HasFatalFailure()) return;
    storage::DatabaseOptions options;
    options.dsn = test_db_->dsn();
    options.pool_size = 8;
    auto db = storage::Database::Connect(options);
    ASSERT_THAT(db, IsOk());
    db_ = std::move(*db);
    ASSERT_THAT(db_->ApplyMigrations(), IsOk());

    policies::LoadResult loaded = policies::PolicySet::LoadFromFiles({{"test.policy.textproto", kWorkflowPolicy}});
    ASSERT_TRUE(loaded.ok()) << loaded.IssuesText();
    policy_ = loaded.set;

    offers_ = std::make_unique<storage::PgOfferRepository>(db_.get());
    directory_ = std::make_unique<storage::PgDirectoryRepository>(db_.get());
    // As signoffd runs it: the workflow reads the directory from memory.
    cached_directory_ = std::make_unique<workflow::DirectoryCache>(directory_.get());
    events_ = std::make_unique<storage::EventLog>(db_.get());
    workflow_ = std::make_unique<workflow::Workflow>(
        offers_.get(), cached_directory_.get(), [this] { return policy_; },
        [this] {
          std::lock_guard lock(clock_mu_);
          return now_;
        });

    v1::Directory seed;
    *seed.add_employees() = Person("cfo", "", {"cfo"});
    *seed.add_employees() = Person("h.sales", "cfo", {"head_of_sales"});
    *seed.add_employees() = Person("h.sales2", "cfo", {"head_of_sales"});
    *seed.add_employees() = Person("t.lead", "h.sales", {"team_lead"});
    *seed.add_employees() = Person("t.lead2", "h.sales", {"team_lead"});
    *seed.add_employees() = Person("m.sales", "t.lead");
    *seed.add_employees() = Person("a.deputy", "t.lead");
    *seed.add_employees() = Person("x.other", "t.lead");
    ASSERT_THAT(directory_->SeedIfEmpty(seed, now_), IsOk());
  }

  void Advance(absl::Duration d) {
    std::lock_guard lock(clock_mu_);
    now_ += d;
  }
  absl::Time Now() {
    std::lock_guard lock(clock_mu_);
    return now_;
  }

  absl::StatusOr<v1::OfferRecord> Submit(const v1::Offer& offer, const std::string& key = "") {
    return workflow_->Submit(offer, "crm", key);
  }

  void ExpectChainIntact() {
    auto verified = events_->Verify();
    ASSERT_THAT(verified, IsOk());
    EXPECT_TRUE(verified->intact()) << verified->problem;
  }

  // Runs call(t, i) for i < per_thread on each of `threads` threads at once,
  // so the calls share group commits, and expects exactly the calls for
  // which bad(t, i) holds to fail.
  static void ExpectOnlyTheBadCallsFail(int threads, int per_thread,
                                        const std::function<bool(int, int)>& bad,
                                        const std::function<absl::Status(int, int)>& call) {
    std::atomic<int> good_failed{0}, bad_succeeded{0};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (int i = 0; i < per_thread; ++i) {
          absl::Status status = call(t, i);
          if (bad(t, i) && status.ok()) bad_succeeded++;
          if (!bad(t, i) && !status.ok()) {
            good_failed++;
            ADD_FAILURE() << status;
          }
        }
      });
    }
    for (std::thread& worker : workers) worker.join();
    EXPECT_EQ(bad_succeeded.load(), 0);
    EXPECT_EQ(good_failed.load(), 0);
  }

  std::mutex clock_mu_;
  absl::Time now_ = absl::FromCivil(absl::CivilSecond(2026, 11, 2, 10, 0, 0), absl::UTCTimeZone());
  std::unique_ptr<storage::Database> db_;
  std::shared_ptr<const policies::PolicySet> policy_;
  std::unique_ptr<storage::PgOfferRepository> offers_;
  std::unique_ptr<storage::PgDirectoryRepository> directory_;
  std::unique_ptr<workflow::DirectoryCache> cached_directory_;
  std::unique_ptr<storage::EventLog> events_;
  std::unique_ptr<workflow::Workflow> workflow_;
};

}  // namespace signoff::testing
