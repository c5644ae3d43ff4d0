// Audit queries at production scale: one million offer revisions over a year,
// generated in SQL, then a filtered page of 100 (target < 20 ms) and period
// statistics (target < 1 s) through PgAuditRepository — the code the service runs.
//
//   make bench-audit          (starts a throwaway PostgreSQL, see scripts/bench-audit.sh)
//   build/tests/audit_benchmark --dsn="host=/tmp/pg port=5432 user=signoff dbname=postgres"
//
// Flags besides Google Benchmark's: --dsn=ADMIN_DSN (default $SIGNOFF_TEST_PG_DSN),
// --rows=N (default 1000000), --keep_db (leave the database for EXPLAIN in psql).
//
// Each benchmark cycles through many filter values (every manager, every
// rule, ...), because one value repeated would only measure a hot cache
// line; `max_ms` is the slowest single call, `mean_ms` the average.

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/storage/database.h"
#include "server/storage/pg_audit_repository.h"
#include "signoff/v1/approval.pb.h"

namespace signoff::bench {
namespace {

constexpr char kDatabase[] = "signoff_audit_bench";
// The generated year: 2025 (UTC).
const absl::Time kYearStart = absl::FromUnixSeconds(1735689600);  // 2025-01-01
const absl::Time kYearEnd = absl::FromUnixSeconds(1767225600);    // 2026-01-01

// Rule ids in falling frequency; the engine's default set has names like these.
const std::vector<std::string> kRules = {
    "amount.large",          "margin.thin",        "discount.above_limit", "manager.probation",
    "amount.very_large",     "item.custom_work",   "margin.negative",      "item.below_cost",
    "customer.new",          "cost.missing",       "discount.very_high",   "manager.watched",
    "payment.deferred",      "amount.huge",        "currency.foreign",     "item.restricted",
    "delivery.express",      "quantity.unusual",   "validity.long",        "customer.credit_hold"};

// Rows [$2, $3) of the dataset; row i is submitted at 2025-01-01 + i·31.536 s
// (+ up to 30 s jitter), so the year holds a million and the heap is in
// submission order, as an append-mostly table is. Distributions:
//  - ~200 managers and ~20 000 customers, both skewed (a few have many);
//  - outcome 70 % APPROVED, 25 % NEEDS_SIGNOFF, 5 % REJECTED;
//  - NEEDS_SIGNOFF ends APPROVED 70 %, REJECTED 15 %, WITHDRAWN 5 %,
//    EXPIRED 4 %, SUPERSEDED 6 %, or is PENDING in the last week;
//  - 1..2 of 20 rules (skewed) on every routed or rejected row, on 10 % of
//    auto-approved ones; 1..2 of 30 approvers (skewed) on those signed off;
//  - time to decision exponential with a 3 h mean; every tenth offer has
//    three revisions.
// OFFSET 0 keeps each level a separate step, so a random() draw referred to
// twice is one value, not two.
// `record` is one realistic serialized OfferRecord ($1) for every row: the
// queries read it but never look inside.
constexpr char kGenerateSql[] = R"sql(
INSERT INTO offer_revisions (
  offer_id, revision, record, submitted_by, idempotency_key,
  manager_id, customer_id, currency_code, total, margin_percent, outcome, status,
  rule_ids, approver_ids, policy_label, policy_hash, submitted_at, decided_at,
  valid_until, next_deadline, version)
SELECT 'KP-' || lpad((i - rev + 1)::text, 7, '0'), rev, $1::bytea, 'crm', NULL,
       'm' || lpad(manager::text, 3, '0'), 'c' || lpad(customer::text, 5, '0'), 'RUB',
       round((10 ^ (3 + 4 * u_total))::numeric, 2), round((5 + 35 * u_margin)::numeric, 2),
       outcome, status,
       CASE WHEN rules = 0 THEN '{}'::text[]
            WHEN rules = 1 THEN ARRAY[($4::text[])[rule1]]
            ELSE ARRAY[($4::text[])[rule1], ($4::text[])[rule2]] END,
       CASE WHEN approvers = 0 THEN '{}'::text[]
            WHEN approvers = 1 THEN ARRAY['ap' || lpad(approver1::text, 2, '0')]
            ELSE ARRAY['ap' || lpad(approver1::text, 2, '0'), 'ap' || lpad(approver2::text, 2, '0')] END,
       'default', 'sha256:bench', submitted_at,
       CASE WHEN outcome <> 'NEEDS_SIGNOFF' THEN submitted_at
            WHEN status = 'PENDING' THEN NULL
            ELSE submitted_at + make_interval(secs => -ln(1 - u_wait) * 3 * 3600) END,
       submitted_at + interval '30 days',
       CASE WHEN status = 'PENDING' THEN submitted_at + interval '4 hours' END,
       1
FROM (
  SELECT *,
         CASE WHEN outcome = 'NEEDS_SIGNOFF' AND status IN ('APPROVED', 'REJECTED')
                THEN CASE WHEN u_approvers < 0.6 THEN 1 ELSE 2 END
              WHEN status = 'PENDING' AND u_approvers < 0.3 THEN 1
              ELSE 0 END AS approvers
  FROM (
    SELECT *,
           CASE WHEN outcome = 'APPROVED' THEN CASE WHEN u_rules < 0.1 THEN 1 ELSE 0 END
                WHEN u_rules < 0.6 THEN 1 ELSE 2 END AS rules,
           CASE WHEN outcome = 'APPROVED' THEN 'APPROVED'
                WHEN outcome = 'REJECTED' THEN 'REJECTED'
                WHEN submitted_at > $5::timestamptz - interval '7 days' AND u_status < 0.8 THEN 'PENDING'
                WHEN u_status < 0.70 THEN 'APPROVED'
                WHEN u_status < 0.85 THEN 'REJECTED'
                WHEN u_status < 0.90 THEN 'WITHDRAWN'
                WHEN u_status < 0.94 THEN 'EXPIRED'
                ELSE 'SUPERSEDED' END AS status
    FROM (
      SELECT i,
             CASE i % 10 WHEN 8 THEN 2 WHEN 9 THEN 3 ELSE 1 END AS rev,
             $6::timestamptz + make_interval(secs => i * 31.536 + 30 * random()) AS submitted_at,
             1 + floor(200 * random() ^ 1.7)::int AS manager,
             1 + floor(20000 * random() ^ 2)::int AS customer,
             CASE WHEN u_outcome < 0.70 THEN 'APPROVED'
                  WHEN u_outcome < 0.95 THEN 'NEEDS_SIGNOFF'
                  ELSE 'REJECTED' END AS outcome,
             rule1, 1 + (rule1 + floor(19 * random())::int) % 20 AS rule2,
             approver1, 1 + (approver1 + floor(29 * random())::int) % 30 AS approver2,
             random() AS u_status, random() AS u_rules, random() AS u_approvers,
             random() AS u_wait, random() AS u_total, random() AS u_margin
      FROM (
        SELECT i, random() AS u_outcome,
               1 + floor(20 * random() ^ 3)::int AS rule1,
               1 + floor(30 * random() ^ 2)::int AS approver1
        FROM generate_series($2::bigint, $3::bigint - 1) AS i OFFSET 0
      ) AS draws OFFSET 0
    ) AS drawn OFFSET 0
  ) AS with_status
) AS complete
)sql";

std::string ToTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) absl::StrAppend(&out, i ? "," : "", "\"", values[i], "\"");
  return out + "}";
}

std::string PgTime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

// A typical stored record: five lines, two reasons, one signed stage.
std::string SampleRecord() {
  v1::OfferRecord record;
  v1::Offer* offer = record.mutable_offer();
  offer->set_offer_id("KP-0000001");
  offer->set_revision(1);
  offer->mutable_customer()->set_id("c00042");
  offer->mutable_customer()->set_name("OOO Romashka");
  offer->set_manager_id("m017");
  offer->set_currency_code("RUB");
  for (int i = 0; i < 5; ++i) {
    v1::OfferLine* line = offer->add_lines();
    line->set_sku(absl::StrCat("PIPE-", 57 + i));
    line->set_name(absl::StrCat("Steel pipe ", 57 + i, "x3.5"));
    line->set_category("pipes");
    line->mutable_quantity()->set_value(absl::StrCat(10 + i));
    line->mutable_unit_price()->set_currency_code("RUB");
    line->mutable_unit_price()->set_units(12000 + 100 * i);
    line->mutable_unit_cost()->set_currency_code("RUB");
    line->mutable_unit_cost()->set_units(9500 + 100 * i);
  }
  v1::Decision* decision = record.mutable_decision();
  decision->set_outcome(v1::OUTCOME_NEEDS_SIGNOFF);
  for (const char* rule : {"amount.large", "margin.thin"}) {
    v1::Reason* reason = decision->add_reasons();
    reason->set_rule_id(rule);
    reason->set_description("Offers above 500 000 RUB need the team lead");
    reason->set_effect(v1::EFFECT_KIND_REQUIRE_LEVEL);
    reason->set_required_level("team_lead");
    reason->set_text("total 612 500.00 RUB is above 500 000.00 RUB");
  }
  decision->add_required_levels("team_lead");
  decision->mutable_policy_version()->set_label("default");
  decision->mutable_policy_version()->set_content_hash(std::string(64, 'a'));
  decision->mutable_figures()->mutable_total()->set_currency_code("RUB");
  decision->mutable_figures()->mutable_total()->set_units(612500);
  decision->mutable_figures()->mutable_margin_percent()->set_value("21.3");
  record.mutable_manager_facts()->set_employee_id("m017");
  record.mutable_manager_facts()->set_display_name("Maria Ivanova");
  record.mutable_manager_facts()->set_supervisor_id("ap03");
  record.set_status(v1::OFFER_STATUS_APPROVED);
  v1::ApprovalStage* stage = record.mutable_approval()->add_stages();
  stage->set_level("team_lead");
  stage->add_approvers("ap03");
  stage->add_approvers("ap07");
  stage->set_approvals_required(1);
  stage->set_status(v1::STAGE_STATUS_APPROVED);
  v1::ApprovalAction* action = stage->add_actions();
  action->set_approver_id("ap03");
  action->set_kind(v1::ACTION_KIND_APPROVE);
  action->set_comment("ok, margin checked");
  record.set_submitted_by("crm");
  record.set_version(2);
  return record.SerializeAsString();
}

struct Setup {
  std::string admin_dsn;
  int64_t rows = 1'000'000;
  bool keep_db = false;
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::PgAuditRepository> audit;
};

Setup& Global() {
  static Setup* setup = new Setup;
  return *setup;
}

void Check(const absl::Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "audit_benchmark: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

void AdminExec(const std::string& sql) {
  try {
    pqxx::connection conn(Global().admin_dsn);
    pqxx::nontransaction tx(conn);
    tx.exec(sql);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "audit_benchmark: %s: %s\n", sql.c_str(), e.what());
    std::exit(1);
  }
}

void Prepare() {
  Setup& s = Global();
  AdminExec(absl::StrCat("DROP DATABASE IF EXISTS ", kDatabase, " WITH (FORCE)"));
  AdminExec(absl::StrCat("CREATE DATABASE ", kDatabase));
  const std::string dsn = absl::StrCat(s.admin_dsn, " dbname=", kDatabase);
  storage::DatabaseOptions options;
  options.dsn = dsn;
  options.pool_size = 2;
  auto db = storage::Database::Connect(options);
  Check(db.status(), "connecting");
  s.db = std::move(*db);
  Check(s.db->ApplyMigrations().status(), "migrating");

  const absl::Time started = absl::Now();
  try {
    pqxx::connection conn(dsn);
    {
      pqxx::nontransaction tx(conn);
      tx.exec("SELECT setseed(0.17)");  // the same data every run
    }
    const pqxx::binarystring record(SampleRecord());
    const int64_t chunk = 100'000;
    {
      // A bulk load: the statistics rollups are rebuilt once at the end
      // instead of row by row (the trigger is for live writes).
      pqxx::nontransaction tx(conn);
      tx.exec("ALTER TABLE offer_revisions DISABLE TRIGGER USER");
    }
    for (int64_t from = 0; from < s.rows; from += chunk) {
      pqxx::work tx(conn);
      tx.exec_params(kGenerateSql, record, from, std::min(s.rows, from + chunk),
                     ToTextArray(kRules), PgTime(kYearEnd), PgTime(kYearStart));
      tx.commit();
    }
    {
      pqxx::work tx(conn);
      tx.exec("SELECT stats_rebuild()");
      tx.exec("ALTER TABLE offer_revisions ENABLE TRIGGER USER");
      tx.commit();
    }
    const absl::Time generated = absl::Now();
    {
      pqxx::nontransaction tx(conn);
      tx.exec("VACUUM (ANALYZE) offer_revisions");
      tx.exec("VACUUM (ANALYZE) stats_daily_counts");
      tx.exec("VACUUM (ANALYZE) stats_monthly_counts");
    }
    const absl::Time analyzed = absl::Now();
    pqxx::nontransaction tx(conn);
    pqxx::row size = tx.exec1(
        "SELECT count(*), pg_size_pretty(pg_table_size('offer_revisions')), "
        "pg_size_pretty(pg_indexes_size('offer_revisions')) FROM offer_revisions");
    std::printf(
        "generated %s rows in %.1f s, VACUUM ANALYZE %.1f s; table %s, indexes %s\n",
        size[0].c_str(), absl::ToDoubleSeconds(generated - started),
        absl::ToDoubleSeconds(analyzed - generated), size[1].c_str(), size[2].c_str());
    for (const pqxx::row& row : tx.exec(
             "SELECT outcome, status, count(*) FROM offer_revisions GROUP BY 1, 2 ORDER BY 1, 2")) {
      std::printf("  %-14s %-11s %8s\n", row[0].c_str(), row[1].c_str(), row[2].c_str());
    }
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "audit_benchmark: generating data: %s\n", e.what());
    std::exit(1);
  }
  s.audit = std::make_unique<storage::PgAuditRepository>(s.db.get());
}

// Runs `call(i)` once per iteration with i = 0, 1, 2, ... and reports the
// mean and the slowest call in milliseconds.
void Measure(benchmark::State& state, const std::function<absl::Status(int64_t)>& call) {
  double max_ms = 0, total_ms = 0;
  int64_t i = 0;
  for (auto _ : state) {
    auto start = std::chrono::steady_clock::now();
    absl::Status status = call(i++);
    std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      return;
    }
    state.SetIterationTime(took.count() / 1000);
    max_ms = std::max(max_ms, took.count());
    total_ms += took.count();
  }
  state.counters["mean_ms"] = i > 0 ? total_ms / static_cast<double>(i) : 0;
  state.counters["max_ms"] = max_ms;
}

std::string Manager(int64_t i) { return absl::StrFormat("m%03d", 1 + i % 200); }
// Spread over popular and rare customers (ids are skewed towards low numbers).
std::string Customer(int64_t i) { return absl::StrFormat("c%05d", 1 + (i * 7919) % 20000); }
std::string Approver(int64_t i) { return absl::StrFormat("ap%02d", 1 + i % 30); }
const std::string& Rule(int64_t i) { return kRules[i % kRules.size()]; }
const v1::OfferStatus kStatuses[] = {v1::OFFER_STATUS_PENDING,   v1::OFFER_STATUS_APPROVED,
                                     v1::OFFER_STATUS_REJECTED,  v1::OFFER_STATUS_WITHDRAWN,
                                     v1::OFFER_STATUS_EXPIRED,   v1::OFFER_STATUS_SUPERSEDED};
// Month m (0..11) of the year, approximately.
absl::Time MonthStart(int64_t m) { return kYearStart + absl::Hours(24 * 365 * (m % 12) / 12); }

// A page of 100 for the query `make(i)` builds.
void RegisterPage(const std::string& name,
                  std::function<workflow::DecisionQuery(int64_t)> make) {
  benchmark::RegisterBenchmark(name.c_str(), [make](benchmark::State& state) {
    Measure(state, [&](int64_t i) -> absl::Status {
      workflow::DecisionQuery query = make(i);
      query.page_size = 100;
      auto page = Global().audit->QueryDecisions(query);
      if (!page.ok()) return page.status();
      benchmark::DoNotOptimize(page->records.data());
      return absl::OkStatus();
    });
  })->UseManualTime()->Unit(benchmark::kMillisecond);
}

void RegisterAll() {
  using workflow::DecisionQuery;
  RegisterPage("page/no_filter", [](int64_t) { return DecisionQuery{}; });
  RegisterPage("page/month", [](int64_t i) {
    DecisionQuery q;
    q.from = MonthStart(i);
    q.to = q.from + absl::Hours(24 * 30);
    return q;
  });
  RegisterPage("page/manager", [](int64_t i) {
    DecisionQuery q;
    q.manager_id = Manager(i);
    return q;
  });
  RegisterPage("page/customer", [](int64_t i) {
    DecisionQuery q;
    q.customer_id = Customer(i);
    return q;
  });
  RegisterPage("page/rule", [](int64_t i) {
    DecisionQuery q;
    q.rule_id = Rule(i);
    return q;
  });
  RegisterPage("page/approver", [](int64_t i) {
    DecisionQuery q;
    q.approver_id = Approver(i);
    return q;
  });
  RegisterPage("page/status", [](int64_t i) {
    DecisionQuery q;
    q.status = kStatuses[i % 6];
    return q;
  });
  RegisterPage("page/outcome", [](int64_t i) {
    DecisionQuery q;
    q.outcome = static_cast<v1::Outcome>(1 + i % 3);
    return q;
  });
  RegisterPage("page/manager+status", [](int64_t i) {
    DecisionQuery q;
    q.manager_id = Manager(i);
    q.status = kStatuses[i % 6];
    return q;
  });
  RegisterPage("page/rule+approver+month", [](int64_t i) {
    DecisionQuery q;
    q.rule_id = Rule(i);
    q.approver_id = Approver(i / 20);
    q.from = MonthStart(i);
    q.to = q.from + absl::Hours(24 * 30);
    return q;
  });
  RegisterPage("page/customer+outcome", [](int64_t i) {
    DecisionQuery q;
    q.customer_id = Customer(i);
    q.outcome = v1::OUTCOME_NEEDS_SIGNOFF;
    return q;
  });
  RegisterPage("page/manager+rule+month", [](int64_t i) {
    DecisionQuery q;
    q.manager_id = Manager(i);
    q.rule_id = Rule(i / 7);
    q.from = MonthStart(i);
    q.to = q.from + absl::Hours(24 * 30);
    return q;
  });
  // Deep in the result: the page after a position in the middle of the year.
  benchmark::RegisterBenchmark("page/next_page_mid_year", [](benchmark::State& state) {
    std::vector<std::string> tokens;
    for (int64_t m = 0; m < 12; ++m) {
      DecisionQuery q;
      q.to = MonthStart(m) + absl::Hours(24 * 15);
      q.page_size = 1;
      auto page = Global().audit->QueryDecisions(q);
      Check(page.status(), "finding a mid-year position");
      tokens.push_back(page->next_page_token);
    }
    Measure(state, [&](int64_t i) -> absl::Status {
      DecisionQuery q;
      q.page_token = tokens[i % tokens.size()];
      return Global().audit->QueryDecisions(q).status();
    });
  })->UseManualTime()->Unit(benchmark::kMillisecond);

  benchmark::RegisterBenchmark("stats/month", [](benchmark::State& state) {
    Measure(state, [](int64_t i) {
      return Global().audit->Statistics(MonthStart(i), MonthStart(i) + absl::Hours(24 * 30)).status();
    });
  })->UseManualTime()->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("stats/year", [](benchmark::State& state) {
    Measure(state, [](int64_t) { return Global().audit->Statistics(kYearStart, kYearEnd).status(); });
  })->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);
}

}  // namespace
}  // namespace signoff::bench

int main(int argc, char** argv) {
  using signoff::bench::Global;
  // Our flags first; the rest go to Google Benchmark.
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, "--dsn=")) {
      Global().admin_dsn = std::string(arg.data(), arg.size());
    } else if (absl::ConsumePrefix(&arg, "--rows=")) {
      if (!absl::SimpleAtoi(arg, &Global().rows) || Global().rows < 1) {
        std::fprintf(stderr, "audit_benchmark: --rows wants a positive number\n");
        return 2;
      }
    } else if (arg == "--keep_db") {
      Global().keep_db = true;
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (Global().admin_dsn.empty()) {
    const char* env = std::getenv("SIGNOFF_TEST_PG_DSN");
    if (env == nullptr || *env == '\0') {
      std::fprintf(stderr,
                   "audit_benchmark: give --dsn=ADMIN_DSN or set SIGNOFF_TEST_PG_DSN "
                   "(make bench-audit does both for you)\n");
      return 2;
    }
    Global().admin_dsn = env;
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  if (benchmark::ReportUnrecognizedArguments(rest_argc, rest.data())) return 2;

  signoff::bench::Prepare();
  signoff::bench::RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  Global().audit.reset();
  Global().db.reset();
  if (!Global().keep_db) {
    signoff::bench::AdminExec(
        absl::StrCat("DROP DATABASE IF EXISTS ", signoff::bench::kDatabase, " WITH (FORCE)"));
  }
  return 0;
}
