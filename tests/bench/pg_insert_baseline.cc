// pg_insert_baseline: what a naive storage layer reaches. C connections, each
// inserting single rows of about the size signoffd stores per submission, one
// transaction (one durable commit) per row, for a duration. SubmitOffer's rate
// is reported as a ratio of this one at the same concurrency.
//
//   pg_insert_baseline --dsn="host=/tmp/pg port=5432 dbname=bench user=signoff"
//       --connections=64 --row_bytes=3000 --duration=10s --json=naive.json
//
// The rows are serialized generated offers (so they compress like the real
// records do), in a table of their own that is created if missing.

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <pqxx/pqxx>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "tests/bench/load_stats.h"
#include "tests/bench/offer_generator.h"

ABSL_FLAG(std::string, dsn, "", "libpq connection string (required)");
ABSL_FLAG(int, connections, 64, "connections, each inserting one row per transaction");
ABSL_FLAG(int, row_bytes, 3000, "payload bytes per row (signoff-load reports stored_bytes)");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "how long to insert (after --warmup)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "rows started before this are not measured");
ABSL_FLAG(int64_t, max_rows, 50'000'000, "stop after this many rows, whichever comes first");
ABSL_FLAG(std::string, table, "bench_naive_insert", "table to insert into (created if missing)");
ABSL_FLAG(std::string, json, "", "also write the figures as JSON to this file");
ABSL_FLAG(std::string, label, "", "free text copied into the JSON report");

namespace signoff::bench {
namespace {

// Payloads made of serialized offers, cut to `bytes`: real records' entropy.
std::vector<std::string> Payloads(int bytes, int count) {
  OfferGenerator generator(7, OfferMix{});
  std::vector<std::string> payloads;
  for (int i = 0; i < count; ++i) {
    std::string payload;
    while (static_cast<int>(payload.size()) < bytes) {
      std::string piece;
      generator.Next().offer.SerializeToString(&piece);
      payload += piece;
    }
    payload.resize(static_cast<size_t>(bytes));
    payloads.push_back(std::move(payload));
  }
  return payloads;
}

int Main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::ParseCommandLine(argc, argv);
  const std::string dsn = absl::GetFlag(FLAGS_dsn);
  const std::string table = absl::GetFlag(FLAGS_table);
  const int connections = std::max(1, absl::GetFlag(FLAGS_connections));
  if (dsn.empty()) {
    std::fprintf(stderr, "pg_insert_baseline: --dsn is required\n");
    return 2;
  }
  try {
    pqxx::connection conn(dsn);
    pqxx::work tx(conn);
    // Shaped like a naive offers table: a text key, a few columns, the record.
    tx.exec(absl::StrCat("CREATE TABLE IF NOT EXISTS ", tx.quote_name(table),
                         " (offer_id text PRIMARY KEY, manager_id text NOT NULL, outcome text NOT NULL,"
                         " submitted_at timestamptz NOT NULL DEFAULT now(), record bytea NOT NULL)"));
    tx.commit();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pg_insert_baseline: cannot prepare table %s: %s\n", table.c_str(), e.what());
    return 1;
  }

  const std::vector<std::string> payloads = Payloads(absl::GetFlag(FLAGS_row_bytes), 64);
  const std::string run_id = absl::StrFormat("naive-%x-%d", absl::ToUnixMillis(absl::Now()), getpid());
  const Clock::time_point start = Clock::now();
  const Clock::time_point measure_from = start + absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_warmup));
  const Clock::time_point stop_at = measure_from + absl::ToChronoNanoseconds(absl::GetFlag(FLAGS_duration));
  const int64_t max_rows = absl::GetFlag(FLAGS_max_rows);
  std::atomic<int64_t> issued{0};
  std::atomic<uint64_t> ok{0};
  std::atomic<int64_t> last_ns{0};
  LatencyHistogram latency;
  ErrorCounts errors;

  std::vector<std::thread> workers;
  for (int c = 0; c < connections; ++c) {
    workers.emplace_back([&, c] {
      std::unique_ptr<pqxx::connection> conn;
      try {
        conn = std::make_unique<pqxx::connection>(dsn);
        conn->prepare("insert", absl::StrCat("INSERT INTO ", conn->quote_name(table),
                                             " (offer_id, manager_id, outcome, record) VALUES ($1, $2, $3, $4)"));
      } catch (const std::exception& e) {
        errors.Add("CONNECT", e.what());
        return;
      }
      for (int64_t n = 0; Clock::now() < stop_at && issued.fetch_add(1) < max_rows; ++n) {
        const std::string& payload = payloads[static_cast<size_t>(n + c) % payloads.size()];
        Clock::time_point started = Clock::now();
        try {
          pqxx::work tx(*conn);
          tx.exec_prepared("insert", absl::StrCat(run_id, "-", c, "-", n), "m.ivanova", "APPROVED",
                           pqxx::binarystring(payload.data(), payload.size()));
          tx.commit();
        } catch (const pqxx::broken_connection& e) {
          errors.Add("BROKEN_CONNECTION", e.what());
          return;
        } catch (const std::exception& e) {
          if (started >= measure_from) errors.Add("SQL_ERROR", e.what());
          continue;
        }
        Clock::time_point done = Clock::now();
        if (started < measure_from) continue;
        ok.fetch_add(1, std::memory_order_relaxed);
        latency.Record(done - started);
        int64_t ns = (done - measure_from).count();
        int64_t seen = last_ns.load();
        while (ns > seen && !last_ns.compare_exchange_weak(seen, ns)) {
        }
      }
    });
  }
  for (std::thread& t : workers) t.join();

  const double seconds = last_ns.load() / 1e9;
  const double rate = seconds > 0 ? static_cast<double>(ok.load()) / seconds : 0;
  std::printf("pg_insert_baseline connections=%d row_bytes=%d (one row, one commit each)\n", connections,
              absl::GetFlag(FLAGS_row_bytes));
  std::printf("  INSERT+COMMIT  %10llu ok in %.2f s = %9.1f rows/s  errors %llu\n",
              static_cast<unsigned long long>(ok.load()), seconds, rate,
              static_cast<unsigned long long>(errors.total()));
  std::printf("  %-14s latency %s\n", "", LatencyLine(latency).c_str());
  auto first = errors.first_messages();
  for (const auto& [code, count] : errors.by_code()) {
    std::printf("    %s x%llu (e.g. \"%s\")\n", code.c_str(), static_cast<unsigned long long>(count),
                first[code].c_str());
  }
  std::fflush(stdout);
  if (std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    JsonWriter json;
    json.Begin().Field("mode", "pg_insert").Field("label", absl::GetFlag(FLAGS_label));
    json.Field("connections", connections).Field("row_bytes", absl::GetFlag(FLAGS_row_bytes));
    json.Field("measured_seconds", seconds).Field("ok", ok.load()).Field("calls_per_s", rate);
    WriteLatency(json, latency);
    json.Field("errors", errors.total());
    json.End();
    if (!WriteFile(path, json.str())) return 2;
  }
  return errors.total() == 0 && ok.load() > 0 ? 0 : 1;
}

}  // namespace
}  // namespace signoff::bench

int main(int argc, char** argv) { return signoff::bench::Main(argc, argv); }
