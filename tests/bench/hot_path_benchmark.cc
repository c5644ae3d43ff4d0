// The pieces of the hot path on their own, single thread, with the offers the
// load tool sends (1–50 lines, the default policy set's mix): request
// parsing (heap and arena), validation, evaluation against the default set,
// serializing the stored record and the response, and hashing an event into
// the chain. The engine alone on a fixed 20-line offer is
// policies/policies_benchmark; whole calls are signoff-load (run.sh).
//
//   cmake --build build --target hot_path_benchmark && build/tests/bench/hot_path_benchmark

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/arena.h"
#include "policies/directory_file.h"
#include "policies/policy_set.h"
#include "server/storage/event_log.h"
#include "server/storage/pg_values.h"
#include "server/transport/request_limits.h"
#include "signoff/v1/service.pb.h"
#include "tests/bench/offer_generator.h"

namespace signoff::bench {
namespace {

const absl::Time kAt = absl::FromUnixSeconds(1770022800);  // 2026-02-02T09:00:00Z
constexpr int kOffers = 256;

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "hot_path_benchmark: %s\n", what.c_str());
  std::exit(1);
}

// Everything the benchmarks share, built once.
struct Fixture {
  std::shared_ptr<const policies::PolicySet> policy;
  std::map<std::string, v1::Employee> directory;
  std::vector<v1::Offer> offers;
  std::vector<std::string> requests;  // serialized SubmitOfferRequest per offer

  Fixture() {
    policies::LoadResult loaded = policies::PolicySet::Load(SIGNOFF_SOURCE_DIR "/policies/default");
    if (!loaded.ok()) Die(loaded.IssuesText());
    policy = loaded.set;
    auto people = policies::LoadDirectoryFile(SIGNOFF_SOURCE_DIR "/policies/default/directory.textproto");
    if (!people.ok()) Die(std::string(people.status().message()));
    for (const v1::Employee& e : people->employees()) directory[e.employee_id()] = e;
    OfferGenerator generator(42, OfferMix{});
    for (GeneratedOffer& g : generator.Pool(kOffers)) {
      g.offer.set_offer_id(absl::StrCat("KP-BENCH-", offers.size()));
      g.offer.set_revision(1);
      v1::SubmitOfferRequest request;
      *request.mutable_offer() = g.offer;
      request.set_idempotency_key(g.offer.offer_id());
      requests.push_back(request.SerializeAsString());
      offers.push_back(std::move(g.offer));
    }
  }

  const v1::Employee* Manager(const v1::Offer& offer) const {
    auto it = directory.find(offer.manager_id());
    return it == directory.end() ? nullptr : &it->second;
  }

  v1::OfferRecord Record(size_t i) const {
    v1::OfferRecord record;
    *record.mutable_offer() = offers[i];
    if (!policy->EvaluateInto(offers[i], Manager(offers[i]), kAt, *record.mutable_decision()).ok()) {
      Die("a generated offer does not evaluate");
    }
    record.set_submitted_by("crm");
    record.set_version(1);
    return record;
  }
};

const Fixture& Shared() {
  static const Fixture* fixture = new Fixture();
  return *fixture;
}

void BM_ParseSubmitRequest_Heap(benchmark::State& state) {
  const Fixture& f = Shared();
  size_t i = 0;
  for (auto _ : state) {
    v1::SubmitOfferRequest request;
    if (!request.ParseFromString(f.requests[i++ % kOffers])) Die("parse");
    benchmark::DoNotOptimize(request);
  }
}
BENCHMARK(BM_ParseSubmitRequest_Heap);

// As signoffd parses EvaluateOffer requests (transport/arena_messages.h).
void BM_ParseSubmitRequest_Arena(benchmark::State& state) {
  const Fixture& f = Shared();
  size_t i = 0;
  alignas(8) static char block[16 * 1024];
  for (auto _ : state) {
    google::protobuf::ArenaOptions options;
    options.initial_block = block;
    options.initial_block_size = sizeof(block);
    google::protobuf::Arena arena(options);
    auto* request = google::protobuf::Arena::CreateMessage<v1::SubmitOfferRequest>(&arena);
    if (!request->ParseFromString(f.requests[i++ % kOffers])) Die("parse");
    benchmark::DoNotOptimize(request);
  }
}
BENCHMARK(BM_ParseSubmitRequest_Arena);

void BM_CheckOfferLimits(benchmark::State& state) {
  const Fixture& f = Shared();
  const transport::RequestLimits limits;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(transport::CheckOfferLimits(f.offers[i++ % kOffers], limits));
  }
}
BENCHMARK(BM_CheckOfferLimits);

void BM_EvaluateGeneratedOffers(benchmark::State& state) {
  const Fixture& f = Shared();
  v1::Decision decision;
  size_t i = 0;
  for (auto _ : state) {
    const v1::Offer& offer = f.offers[i++ % kOffers];
    benchmark::DoNotOptimize(f.policy->EvaluateInto(offer, f.Manager(offer), kAt, decision));
  }
}
BENCHMARK(BM_EvaluateGeneratedOffers);

// What the group commit stores per submission: the record, deterministically.
void BM_SerializeStoredRecord(benchmark::State& state) {
  const Fixture& f = Shared();
  std::vector<v1::OfferRecord> records;
  for (size_t i = 0; i < kOffers; ++i) records.push_back(f.Record(i));
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    std::string out = storage::internal::SerializeDeterministic(records[i++ % kOffers]);
    bytes += out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_SerializeStoredRecord);

void BM_SerializeEvaluateResponse(benchmark::State& state) {
  const Fixture& f = Shared();
  std::vector<v1::EvaluateOfferResponse> responses(kOffers);
  for (size_t i = 0; i < kOffers; ++i) *responses[i].mutable_decision() = f.Record(i).decision();
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(responses[i++ % kOffers].SerializeAsString());
  }
}
BENCHMARK(BM_SerializeEvaluateResponse);

// One link of the audit chain: SHA-256 over the canonical encoding.
void BM_EventHash(benchmark::State& state) {
  storage::StoredEvent event;
  event.seq = 123456;
  event.occurred_at = kAt;
  event.kind = "offer.submitted";
  event.offer_id = "KP-2026-0301";
  event.revision = 1;
  event.actor_id = "crm";
  event.payload_json =
      "{\"outcome\":\"OUTCOME_APPROVED\",\"status\":\"APPROVED\",\"manager_id\":\"m.ivanova\","
      "\"customer_id\":\"crm-100200\",\"total\":\"100440.00 RUB\",\"required_levels\":[],"
      "\"policy\":\"9f2c1e4b7a\"}";
  std::string prev(32, '\x5a');
  for (auto _ : state) {
    prev = storage::internal::EventHash(prev, event);
    benchmark::DoNotOptimize(prev);
  }
}
BENCHMARK(BM_EventHash);

}  // namespace
}  // namespace signoff::bench

BENCHMARK_MAIN();
