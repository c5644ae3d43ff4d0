// signoff-load: a closed-loop load generator for signoffd (and for the echo
// baseline), built on the gRPC callback client API.
//
// N channels (separate TCP connections) × M calls in flight on each, for a
// duration (and at most --max_calls). Every reply's status is checked: a
// failed call counts as an error, listed by code, never as a request served.
// Prints throughput, latency percentiles, errors, the outcome mix seen and
// the server's RSS (--server_pid); --json FILE writes the same figures.
//
//   signoff-load --target=127.0.0.1:50051 --mode=submit --channels=4 --in_flight=16 --duration=10s
//
// Modes:
//   submit    SubmitOffer with generated offers (durable writes)
//   evaluate  EvaluateOffer with the same offers (no storage), serialized
//             in advance like echo's requests
//   mix       SubmitOffer, and every pending offer approved stage by stage
//             with the approvers' demo tokens (--approvers_in_flight calls)
//   watch     --streams WatchDecisions streams, then --watch_submits
//             submissions one at a time: latency from the submission's
//             acknowledgement to its receipt on every stream
//   echo      EchoService.Echo on tests/bench/echo_server with a payload the
//             size of a serialized SubmitOfferRequest
//   wait_serving  polls grpc.health.v1 until SERVING; reports the time since
//             --since_unix_ns (when the server was started)

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iostream>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "signoff/v1/service.grpc.pb.h"
#include "tests/bench/echo.grpc.pb.h"
#include "tests/bench/load_stats.h"
#include "tests/bench/offer_generator.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051", "host:port of signoffd (or of echo_server for --mode=echo)");
ABSL_FLAG(std::string, mode, "submit", "submit, evaluate, mix, watch, echo or wait_serving");
ABSL_FLAG(int, channels, 4, "gRPC channels, each its own TCP connection");
ABSL_FLAG(int, in_flight, 16, "calls in flight on each channel");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(10), "how long to issue calls (after --warmup)");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1), "calls started before this are not measured");
ABSL_FLAG(int64_t, max_calls, 50'000'000, "stop issuing after this many calls, whichever comes first");
ABSL_FLAG(absl::Duration, call_deadline, absl::Seconds(10), "deadline of every call");
ABSL_FLAG(std::string, token, "demo-crm", "bearer token of the front-office caller");
ABSL_FLAG(std::string, auditor_token, "demo-auditor", "bearer token used to read the event log (watch)");
ABSL_FLAG(std::string, run_id, "", "prefix of this run's offer ids (default: derived from time and pid)");
ABSL_FLAG(uint64_t, seed, 1, "seed of the generated offers");
ABSL_FLAG(int, pool, 2000, "distinct generated offers, sent round-robin with fresh ids");
ABSL_FLAG(int, pending_percent, 12, "percent of offers built to need sign-off");
ABSL_FLAG(int, rejected_percent, 4, "percent of offers built to be rejected");
ABSL_FLAG(int, max_lines, 50, "most lines in an offer (at least 1)");
ABSL_FLAG(int, payload_bytes, 0, "echo payload size; 0 = mean serialized SubmitOfferRequest of the pool");
ABSL_FLAG(int, approvers_in_flight, 8, "mix: Approve calls in flight");
ABSL_FLAG(int, streams, 1000, "watch: WatchDecisions streams to hold open");
ABSL_FLAG(int, watch_submits, 20, "watch: submissions whose delivery is measured");
ABSL_FLAG(absl::Duration, watch_interval, absl::Milliseconds(200), "watch: pause between submissions");
ABSL_FLAG(absl::Duration, watch_timeout, absl::Seconds(30), "watch: longest wait for streams / one delivery");
ABSL_FLAG(int64_t, since_unix_ns, 0, "wait_serving: when the server was started (unix ns)");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "wait_serving: give up after this");
ABSL_FLAG(int, server_pid, 0, "read the server's RSS from /proc/<pid>/status");
ABSL_FLAG(absl::Duration, rss_interval, absl::Seconds(1), "how often to sample the server's RSS");
ABSL_FLAG(std::string, json, "", "also write the figures as JSON to this file");
ABSL_FLAG(std::string, label, "", "free text copied into the JSON report");

namespace signoff::bench {
namespace {

using v1::ApprovalService;
using v1::OfferService;

std::string CodeName(grpc::StatusCode code) {
  static const char* const kNames[] = {
      "OK",        "CANCELLED",         "UNKNOWN",           "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS",    "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",      "UNIMPLEMENTED",     "INTERNAL",         "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  int i = static_cast<int>(code);
  return i >= 0 && i < 17 ? kNames[i] : absl::StrCat("CODE_", i);
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Separate channel args give each channel its own subchannel, so its own TCP
// connection (gRPC would otherwise share one connection per target).
std::vector<std::shared_ptr<grpc::Channel>> MakeChannels(const std::string& target, int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("signoff_load.channel_id", i);
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    args.SetMaxReceiveMessageSize(64 << 20);
    channels.push_back(grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args));
  }
  for (auto& channel : channels) {
    channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10));
  }
  return channels;
}

// One method's figures.
struct MethodStats {
  explicit MethodStats(std::string n) : name(std::move(n)) {}
  std::string name;
  std::atomic<uint64_t> ok{0};
  LatencyHistogram latency;
  ErrorCounts errors;
};

// Bounds a run by time and count, and says which calls are measured.
class RunClock {
 public:
  RunClock(absl::Duration warmup, absl::Duration duration, int64_t max_calls)
      : start_(Clock::now()),
        measure_from_(start_ + absl::ToChronoNanoseconds(warmup)),
        stop_at_(measure_from_ + absl::ToChronoNanoseconds(duration)),
        max_calls_(static_cast<uint64_t>(max_calls)) {}

  bool TakeTicket() {
    if (Clock::now() >= stop_at_) return false;
    return issued_.fetch_add(1, std::memory_order_relaxed) < max_calls_;
  }
  bool Stopped() const { return Clock::now() >= stop_at_; }

  void Record(MethodStats& stats, Clock::time_point started, const grpc::Status& status) {
    Clock::time_point now = Clock::now();
    completed_.fetch_add(1, std::memory_order_relaxed);
    if (started < measure_from_) return;
    int64_t now_ns = (now - measure_from_).count();
    int64_t seen = last_ns_.load(std::memory_order_relaxed);
    while (now_ns > seen && !last_ns_.compare_exchange_weak(seen, now_ns)) {
    }
    if (status.ok()) {
      stats.ok.fetch_add(1, std::memory_order_relaxed);
      stats.latency.Record(now - started);
    } else {
      stats.errors.Add(CodeName(status.error_code()), status.error_message());
    }
  }

  // From the first measured call to the last measured completion.
  double MeasuredSeconds() const { return last_ns_.load() / 1e9; }
  Clock::time_point stop_at() const { return stop_at_; }
  // Every call completed, warm-up included.
  uint64_t completed() const { return completed_.load(); }

 private:
  Clock::time_point start_, measure_from_, stop_at_;
  uint64_t max_calls_;
  std::atomic<uint64_t> issued_{0};
  std::atomic<int64_t> last_ns_{0};
  std::atomic<uint64_t> completed_{0};
};

// CPU seconds the server and this process spend over a run, per call: the
// transport's cost is in these, not in the wall-clock rate alone.
class CpuMeter {
 public:
  explicit CpuMeter(pid_t server) : server_(server) {
    server_start_ = server_ > 0 ? ReadCpuSeconds(server_) : -1;
    self_start_ = ReadCpuSeconds(0);
  }
  // Adds "server_cpu_us_per_call" and "client_cpu_us_per_call" to `report`.
  void Finish(uint64_t calls, std::vector<std::pair<std::string, double>>* extra,
              std::vector<std::string>* lines) {
    if (calls == 0) return;
    double self = ReadCpuSeconds(0) - self_start_;
    double server = server_start_ >= 0 ? ReadCpuSeconds(server_) - server_start_ : -1;
    std::string line = absl::StrFormat("CPU per call: client %.1f us", 1e6 * self / calls);
    extra->emplace_back("client_cpu_us_per_call", 1e6 * self / calls);
    if (server >= 0) {
      line += absl::StrFormat(", server %.1f us", 1e6 * server / calls);
      extra->emplace_back("server_cpu_us_per_call", 1e6 * server / calls);
    }
    lines->push_back(line + absl::StrFormat(" (%llu calls, warm-up included)", static_cast<unsigned long long>(calls)));
  }

 private:
  pid_t server_;
  double server_start_, self_start_;
};

// Counts calls in flight so the run can wait for the last one.
class InFlight {
 public:
  void Add() {
    std::lock_guard lock(mu_);
    ++count_;
  }
  void Done() {
    std::lock_guard lock(mu_);
    if (--count_ == 0) zero_.notify_all();
  }
  bool WaitZero(std::chrono::seconds timeout) { return WaitZeroUntil(Clock::now() + timeout); }
  bool WaitZeroUntil(Clock::time_point deadline) {
    std::unique_lock lock(mu_);
    return zero_.wait_until(lock, deadline, [&] { return count_ == 0; });
  }
  int count() {
    std::lock_guard lock(mu_);
    return count_;
  }

 private:
  std::mutex mu_;
  std::condition_variable zero_;
  int count_ = 0;
};

// Outcomes and statuses of the decisions seen.
struct OutcomeCounts {
  std::array<std::atomic<uint64_t>, 4> outcome{};
  std::array<std::atomic<uint64_t>, 8> status{};
  std::atomic<uint64_t> sampled_bytes{0};
  std::atomic<uint64_t> samples{0};
  void Add(v1::Outcome o) { outcome[std::clamp(static_cast<int>(o), 0, 3)].fetch_add(1); }
  void AddStatus(v1::OfferStatus s) { status[std::clamp(static_cast<int>(s), 0, 7)].fetch_add(1); }
};

// A reusable unary call: the state of one of the M calls a channel keeps in
// flight. Each completion records itself and starts the next call.
template <typename Request, typename Response>
struct UnarySlot {
  std::unique_ptr<grpc::ClientContext> context;
  Request request;
  Response response;
  Clock::time_point started;
};

struct Options {
  std::string target;
  int channels, in_flight;
  std::string token;
  std::string run_id;
  absl::Duration call_deadline;
};

std::unique_ptr<grpc::ClientContext> NewContext(const std::string& token, absl::Duration deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoNanoseconds(deadline));
  return context;
}

// `message` serialized once, to be sent as it is by every call.
grpc::ByteBuffer Serialized(const google::protobuf::Message& message) {
  std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

// A unary call of `method` with a request serialized in advance: the load
// generator then pays per call only for what every client pays (the call
// and parsing the reply), the same in every mode, so the modes' rates
// compare the servers rather than the generator's message building.
void CallSerialized(grpc::GenericStub& stub, const std::string& method,
                    UnarySlot<grpc::ByteBuffer, grpc::ByteBuffer>* slot, const grpc::ByteBuffer& request,
                    std::function<void(grpc::Status)> done) {
  slot->request = request;  // shares the slices, copies no bytes
  slot->response.Clear();
  stub.UnaryCall(slot->context.get(), method, grpc::StubOptions(), &slot->request, &slot->response,
                 std::move(done));
}

// Parses a reply received as bytes; false (and a counted error) when it is not one.
template <typename Message>
bool ParseReply(grpc::ByteBuffer& bytes, Message& message) {
  grpc::ProtoBufferReader reader(&bytes);
  return message.ParseFromZeroCopyStream(&reader);
}

// The offers a run sends: a fixed pool, each call with a fresh id.
class OfferSource {
 public:
  OfferSource(const std::string& run_id, int pool_size) : run_id_(run_id) {
    OfferMix mix;
    mix.pending_percent = absl::GetFlag(FLAGS_pending_percent);
    mix.rejected_percent = absl::GetFlag(FLAGS_rejected_percent);
    mix.max_lines = std::max(1, absl::GetFlag(FLAGS_max_lines));
    OfferGenerator generator(absl::GetFlag(FLAGS_seed), mix);
    pool_ = generator.Pool(std::max(1, pool_size));
    uint64_t bytes = 0, lines = 0;
    for (const GeneratedOffer& g : pool_) {
      v1::SubmitOfferRequest request;
      *request.mutable_offer() = g.offer;
      request.mutable_offer()->set_offer_id(absl::StrCat(run_id_, "-", 1000000));
      request.set_idempotency_key(request.offer().offer_id());
      bytes += request.ByteSizeLong();
      lines += g.offer.lines_size();
    }
    mean_request_bytes_ = static_cast<int>(bytes / pool_.size());
    mean_lines_ = static_cast<double>(lines) / static_cast<double>(pool_.size());
  }

  // Fills `offer` with the next pool entry under a new id.
  std::string Fill(v1::Offer* offer) {
    uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    *offer = pool_[n % pool_.size()].offer;
    std::string id = absl::StrCat(run_id_, "-", n);
    offer->set_offer_id(id);
    return id;
  }
  // The pool's offers as serialized EvaluateOfferRequests, for calls that
  // store nothing and so need no fresh id.
  std::vector<grpc::ByteBuffer> SerializedEvaluateRequests() const {
    std::vector<grpc::ByteBuffer> requests;
    for (const GeneratedOffer& g : pool_) {
      v1::EvaluateOfferRequest request;
      *request.mutable_offer() = g.offer;
      request.mutable_offer()->set_offer_id(absl::StrCat(run_id_, "-", requests.size()));
      requests.push_back(Serialized(request));
    }
    return requests;
  }
  // The next pool entry as a serialized SubmitOfferRequest under a new id
  // (also its idempotency key): the pool's requests are serialized once
  // with a fixed-width id, and each call copies one and writes its number
  // into the id's digits, so every call sends a different offer without the
  // generator building and serializing a message per call.
  grpc::ByteBuffer NextSubmitRequest() {
    std::call_once(templates_built_, [this] { BuildSubmitTemplates(); });
    uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    const SubmitTemplate& t = templates_[n % templates_.size()];
    grpc::Slice slice(t.bytes.size());
    char* bytes = reinterpret_cast<char*>(const_cast<uint8_t*>(slice.begin()));
    std::memcpy(bytes, t.bytes.data(), t.bytes.size());
    for (size_t at : t.id_digits) {
      uint64_t v = n;
      for (int i = kIdDigits - 1; i >= 0; --i, v /= 10) bytes[at + i] = static_cast<char>('0' + v % 10);
    }
    return grpc::ByteBuffer(&slice, 1);
  }
  int mean_request_bytes() const { return mean_request_bytes_; }
  double mean_lines() const { return mean_lines_; }
  size_t size() const { return pool_.size(); }

 private:
  static constexpr int kIdDigits = 12;
  struct SubmitTemplate {
    std::string bytes;
    std::vector<size_t> id_digits;  // where the id's digits start: offer_id and idempotency_key
  };
  void BuildSubmitTemplates() {
    const std::string id = absl::StrCat(run_id_, "-", std::string(kIdDigits, '0'));
    for (const GeneratedOffer& g : pool_) {
      v1::SubmitOfferRequest request;
      *request.mutable_offer() = g.offer;
      request.mutable_offer()->set_offer_id(id);
      request.set_idempotency_key(id);
      SubmitTemplate t;
      t.bytes = request.SerializeAsString();
      for (size_t at = t.bytes.find(id); at != std::string::npos; at = t.bytes.find(id, at + 1)) {
        t.id_digits.push_back(at + id.size() - kIdDigits);
      }
      if (t.id_digits.size() != 2) {
        std::cerr << "signoff-load: the offer id occurs " << t.id_digits.size()
                  << " times in a serialized request, not 2; use another --run_id\n";
        std::exit(2);
      }
      templates_.push_back(std::move(t));
    }
  }

  std::string run_id_;
  std::vector<GeneratedOffer> pool_;
  std::atomic<uint64_t> next_{0};
  std::once_flag templates_built_;
  std::vector<SubmitTemplate> templates_;
  int mean_request_bytes_ = 0;
  double mean_lines_ = 0;
};

// Approves pending offers stage by stage as the approver each stage names
// (the first one the demo has a token for). Fed by submissions in mix mode.
class ApprovalPump {
 public:
  ApprovalPump(std::vector<std::unique_ptr<ApprovalService::Stub>>* stubs, int slots, RunClock* clock,
               InFlight* in_flight, MethodStats* stats, absl::Duration deadline)
      : stubs_(stubs), clock_(clock), in_flight_(in_flight), stats_(stats), deadline_(deadline) {
    for (int i = 0; i < slots; ++i) {
      slots_.push_back(std::make_unique<Slot>());
      idle_.push_back(slots_.back().get());
    }
  }

  // Queues the open stage of `record`, if it has an approver we can act as.
  void Offer(const v1::OfferRecord& record) {
    if (record.status() != v1::OFFER_STATUS_PENDING) return;
    const v1::ApprovalRequest& approval = record.approval();
    if (approval.current_stage() >= approval.stages_size()) return;
    const v1::ApprovalStage& stage = approval.stages(approval.current_stage());
    std::string token;
    for (const std::string& approver : stage.approvers()) {
      bool acted = false;
      for (const v1::ApprovalAction& a : stage.actions()) acted |= a.approver_id() == approver;
      if (!acted && !(token = DemoApproverToken(approver)).empty()) break;
    }
    if (token.empty()) {
      no_token_.fetch_add(1);
      return;
    }
    Item item{record.offer().offer_id(), record.offer().revision(), std::move(token)};
    Slot* slot = nullptr;
    {
      std::lock_guard lock(mu_);
      if (idle_.empty()) {
        queue_.push_back(std::move(item));
        return;
      }
      slot = idle_.back();
      idle_.pop_back();
    }
    Start(slot, std::move(item));
  }

  uint64_t no_token() const { return no_token_.load(); }
  uint64_t approved() const { return approved_.load(); }
  size_t backlog() {
    std::lock_guard lock(mu_);
    return queue_.size();
  }

 private:
  struct Item {
    std::string offer_id;
    int64_t revision;
    std::string token;
  };
  struct Slot : UnarySlot<v1::ApproveRequest, v1::ApproveResponse> {};

  void Start(Slot* slot, Item item) {
    if (clock_->Stopped()) {
      std::lock_guard lock(mu_);
      idle_.push_back(slot);
      return;
    }
    in_flight_->Add();
    slot->context = NewContext(item.token, deadline_);
    slot->request.set_offer_id(item.offer_id);
    slot->request.set_revision(item.revision);
    slot->request.set_comment("checked by signoff-load");
    slot->response.Clear();
    slot->started = Clock::now();
    auto& stub = (*stubs_)[next_stub_.fetch_add(1) % stubs_->size()];
    stub->async()->Approve(slot->context.get(), &slot->request, &slot->response,
                           [this, slot](grpc::Status status) {
                             clock_->Record(*stats_, slot->started, status);
                             if (status.ok()) {
                               if (slot->response.record().status() == v1::OFFER_STATUS_APPROVED) {
                                 approved_.fetch_add(1);
                               }
                               Offer(slot->response.record());  // the next stage, if any
                             }
                             Next(slot);
                             in_flight_->Done();
                           });
  }

  void Next(Slot* slot) {
    Item item;
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        idle_.push_back(slot);
        return;
      }
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    Start(slot, std::move(item));
  }

  std::vector<std::unique_ptr<ApprovalService::Stub>>* stubs_;
  RunClock* clock_;
  InFlight* in_flight_;
  MethodStats* stats_;
  absl::Duration deadline_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<uint64_t> next_stub_{0};
  std::atomic<uint64_t> no_token_{0};
  std::atomic<uint64_t> approved_{0};
  std::mutex mu_;
  std::vector<Slot*> idle_;
  std::deque<Item> queue_;
};

// Runs N×M closed loops of one unary method. `start(slot, channel_index, done)`
// prepares the slot's request and starts the call; `done` must be invoked
// with the call's status.
template <typename Slot>
class ClosedLoops {
 public:
  using Starter = std::function<void(Slot*, int channel, std::function<void(grpc::Status)>)>;
  using OnOk = std::function<void(Slot*)>;

  ClosedLoops(int channels, int in_flight, RunClock* clock, InFlight* tracker, MethodStats* stats,
              Starter start, OnOk on_ok)
      : clock_(clock), tracker_(tracker), stats_(stats), start_(std::move(start)), on_ok_(std::move(on_ok)) {
    for (int c = 0; c < channels; ++c) {
      for (int i = 0; i < in_flight; ++i) slots_.push_back({std::make_unique<Slot>(), c});
    }
  }

  void Begin() {
    for (auto& [slot, channel] : slots_) Issue(slot.get(), channel);
  }

 private:
  void Issue(Slot* slot, int channel) {
    if (!clock_->TakeTicket()) return;
    tracker_->Add();
    slot->started = Clock::now();
    start_(slot, channel, [this, slot, channel](grpc::Status status) {
      clock_->Record(*stats_, slot->started, status);
      if (status.ok() && on_ok_) on_ok_(slot);
      Issue(slot, channel);
      tracker_->Done();
    });
  }

  RunClock* clock_;
  InFlight* tracker_;
  MethodStats* stats_;
  Starter start_;
  OnOk on_ok_;
  std::vector<std::pair<std::unique_ptr<Slot>, int>> slots_;
};

const char* OutcomeName(int o) {
  static const char* const kNames[] = {"UNSPECIFIED", "APPROVED", "NEEDS_SIGNOFF", "REJECTED"};
  return kNames[o];
}

// Everything a run reports, for people and as JSON.
struct Report {
  std::string mode;
  Options options;
  double measured_seconds = 0;
  std::vector<MethodStats*> methods;
  OutcomeCounts* outcomes = nullptr;
  int request_bytes = 0;
  double mean_lines = 0;
  std::vector<RssSampler::Sample> rss;
  std::vector<std::pair<std::string, double>> extra;  // mode-specific figures
  std::vector<std::string> extra_lines;

  uint64_t errors() const {
    uint64_t n = 0;
    for (MethodStats* m : methods) n += m->errors.total();
    return n;
  }

  int Print() {
    std::printf("signoff-load mode=%s target=%s channels=%d in_flight=%d (total %d) run_id=%s\n", mode.c_str(),
                options.target.c_str(), options.channels, options.in_flight,
                options.channels * options.in_flight, options.run_id.c_str());
    if (mean_lines > 0) {
      std::printf("  offers: mean %.1f lines, mean request %d bytes\n", mean_lines, request_bytes);
    } else if (request_bytes > 0) {
      std::printf("  payload: %d bytes each way\n", request_bytes);
    }
    for (MethodStats* m : methods) {
      double rate = measured_seconds > 0 ? static_cast<double>(m->ok.load()) / measured_seconds : 0;
      std::printf("  %-14s %10llu ok in %.2f s = %9.1f calls/s  errors %llu\n", m->name.c_str(),
                  static_cast<unsigned long long>(m->ok.load()), measured_seconds, rate,
                  static_cast<unsigned long long>(m->errors.total()));
      std::printf("  %-14s latency %s\n", "", LatencyLine(m->latency).c_str());
      auto first = m->errors.first_messages();
      for (const auto& [code, count] : m->errors.by_code()) {
        std::printf("  %-14s   %s x%llu (e.g. \"%s\")\n", "", code.c_str(), static_cast<unsigned long long>(count),
                    first[code].c_str());
      }
    }
    if (outcomes != nullptr) {
      uint64_t total = 0;
      for (auto& o : outcomes->outcome) total += o.load();
      if (total > 0) {
        std::printf("  outcomes:");
        for (int o = 1; o <= 3; ++o) {
          std::printf("  %s %.1f %%", OutcomeName(o), 100.0 * outcomes->outcome[o].load() / total);
        }
        std::printf("  (of %llu decisions)\n", static_cast<unsigned long long>(total));
      }
      if (outcomes->samples.load() > 0) {
        std::printf("  stored per submission (the record): mean %llu bytes\n",
                    static_cast<unsigned long long>(outcomes->sampled_bytes.load() / outcomes->samples.load()));
      }
    }
    for (const std::string& line : extra_lines) std::printf("  %s\n", line.c_str());
    if (!rss.empty()) {
      double max = 0;
      for (const auto& s : rss) max = std::max(max, s.mib);
      std::printf("  server RSS: start %.1f MiB  end %.1f MiB  max %.1f MiB  growth %.1f MiB (%zu samples)\n",
                  rss.front().mib, rss.back().mib, max, RssGrowthMib(rss), rss.size());
    }
    std::fflush(stdout);
    return 0;
  }

  std::string Json() {
    JsonWriter json;
    json.Begin();
    json.Field("mode", mode).Field("label", absl::GetFlag(FLAGS_label)).Field("target", options.target);
    json.Field("run_id", options.run_id).Field("channels", options.channels).Field("in_flight", options.in_flight);
    json.Field("measured_seconds", measured_seconds);
    json.Field("request_bytes", request_bytes).Field("mean_lines", mean_lines);
    json.Field("errors", errors());
    // The first method's figures again at the top: what run.sh tabulates.
    if (!methods.empty()) {
      MethodStats* m = methods.front();
      json.Field("calls_per_s", measured_seconds > 0 ? m->ok.load() / measured_seconds : 0.0);
      WriteLatency(json, m->latency);
    }
    json.Begin("methods");
    for (MethodStats* m : methods) {
      json.Begin(m->name);
      json.Field("ok", m->ok.load());
      json.Field("calls_per_s", measured_seconds > 0 ? m->ok.load() / measured_seconds : 0.0);
      WriteLatency(json, m->latency);
      json.Begin("errors");
      for (const auto& [code, count] : m->errors.by_code()) json.Field(code, count);
      json.End();
      json.End();
    }
    json.End();
    if (outcomes != nullptr) {
      json.Begin("outcomes");
      for (int o = 1; o <= 3; ++o) json.Field(OutcomeName(o), outcomes->outcome[o].load());
      json.End();
      if (outcomes->samples.load() > 0) {
        json.Field("stored_bytes", outcomes->sampled_bytes.load() / outcomes->samples.load());
      }
    }
    if (!rss.empty()) {
      double max = 0;
      for (const auto& s : rss) max = std::max(max, s.mib);
      json.Begin("server_rss_mib");
      json.Field("start", rss.front().mib).Field("end", rss.back().mib).Field("max", max);
      json.Field("growth", RssGrowthMib(rss));
      json.BeginArray("samples");
      for (const auto& s : rss) json.Pair(s.seconds, s.mib);
      json.EndArray();
      json.End();
    }
    for (const auto& [key, value] : extra) json.Field(key, value);
    json.End();
    return json.str();
  }
};

int Finish(Report& report) {
  report.Print();
  if (std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    if (!WriteFile(path, report.Json())) {
      std::fprintf(stderr, "signoff-load: cannot write %s\n", path.c_str());
      return 2;
    }
  }
  uint64_t ok = 0;
  for (MethodStats* m : report.methods) ok += m->ok.load();
  return report.errors() == 0 && ok > 0 ? 0 : 1;
}

// Waits for the last call, at most a minute past the run's end (every call
// has a deadline, so only a stuck client or server gets that far). Returns
// the calls still in flight.
int Drain(InFlight& in_flight, const RunClock& clock) {
  return in_flight.WaitZeroUntil(clock.stop_at() + std::chrono::seconds(60)) ? 0 : in_flight.count();
}

// Reports what was measured, then leaves without waiting for the calls that
// never finished (their state is still owned by gRPC).
int FinishStuck(Report& report, int stuck) {
  report.extra_lines.push_back(absl::StrFormat(
      "STUCK: %d calls still in flight 60 s after the end (past their deadline): the run is not valid", stuck));
  report.extra.emplace_back("stuck_calls", stuck);
  Finish(report);
  std::fflush(stdout);
  _exit(3);
}

// Runs the closed loops to the end of the run and records what every unary
// mode reports: the server's CPU, the measured time, its RSS samples.
// Returns how many calls are still stuck in flight.
template <typename Loops>
int RunToEnd(Loops& loops, InFlight& in_flight, const RunClock& clock, RssSampler& rss,
             Report& report) {
  CpuMeter cpu(absl::GetFlag(FLAGS_server_pid));
  loops.Begin();
  int stuck = Drain(in_flight, clock);
  cpu.Finish(clock.completed(), &report.extra, &report.extra_lines);
  rss.Stop();
  report.measured_seconds = clock.MeasuredSeconds();
  report.rss = rss.samples();
  return stuck;
}

// --mode=submit|evaluate|mix
int RunOffers(const Options& options, const std::string& mode) {
  auto channels = MakeChannels(options.target, options.channels);
  std::vector<std::unique_ptr<ApprovalService::Stub>> approvals;
  for (auto& channel : channels) approvals.push_back(ApprovalService::NewStub(channel));
  OfferSource source(options.run_id, absl::GetFlag(FLAGS_pool));
  OutcomeCounts outcomes;
  InFlight in_flight;
  RssSampler rss;
  rss.Start(absl::GetFlag(FLAGS_server_pid),
            std::chrono::milliseconds(absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_rss_interval))));
  RunClock clock(absl::GetFlag(FLAGS_warmup), absl::GetFlag(FLAGS_duration), absl::GetFlag(FLAGS_max_calls));

  Report report;
  report.mode = mode;
  report.options = options;
  report.outcomes = &outcomes;
  report.request_bytes = source.mean_request_bytes();
  report.mean_lines = source.mean_lines();

  if (mode == "evaluate") {
    std::vector<std::unique_ptr<grpc::GenericStub>> generic;
    for (auto& channel : channels) generic.push_back(std::make_unique<grpc::GenericStub>(channel));
    const std::vector<grpc::ByteBuffer> requests = source.SerializedEvaluateRequests();
    std::atomic<uint64_t> next{0};
    using Slot = UnarySlot<grpc::ByteBuffer, grpc::ByteBuffer>;
    MethodStats stats("EvaluateOffer");
    ClosedLoops<Slot> loops(
        options.channels, options.in_flight, &clock, &in_flight, &stats,
        [&](Slot* slot, int channel, std::function<void(grpc::Status)> done) {
          slot->context = NewContext(options.token, options.call_deadline);
          const grpc::ByteBuffer& request = requests[next.fetch_add(1, std::memory_order_relaxed) % requests.size()];
          CallSerialized(*generic[channel], "/signoff.v1.OfferService/EvaluateOffer", slot, request,
                         [&outcomes, slot, done = std::move(done)](grpc::Status status) {
                           v1::EvaluateOfferResponse response;
                           if (status.ok() && !ParseReply(slot->response, response)) {
                             status = grpc::Status(grpc::StatusCode::INTERNAL, "reply is not an EvaluateOfferResponse");
                           }
                           if (status.ok()) outcomes.Add(response.decision().outcome());
                           done(status);
                         });
        },
        nullptr);
    int stuck = RunToEnd(loops, in_flight, clock, rss, report);
    report.methods = {&stats};
    return stuck > 0 ? FinishStuck(report, stuck) : Finish(report);
  }

  struct Slot : UnarySlot<grpc::ByteBuffer, grpc::ByteBuffer> {
    v1::SubmitOfferResponse reply;  // the response, parsed
  };
  std::vector<std::unique_ptr<grpc::GenericStub>> generic;
  for (auto& channel : channels) generic.push_back(std::make_unique<grpc::GenericStub>(channel));
  MethodStats submit_stats("SubmitOffer");
  MethodStats approve_stats("Approve");
  std::unique_ptr<ApprovalPump> pump;
  if (mode == "mix") {
    pump = std::make_unique<ApprovalPump>(&approvals, absl::GetFlag(FLAGS_approvers_in_flight), &clock,
                                          &in_flight, &approve_stats, options.call_deadline);
  }
  std::atomic<uint64_t> sample_counter{0};
  ClosedLoops<Slot> loops(
      options.channels, options.in_flight, &clock, &in_flight, &submit_stats,
      [&](Slot* slot, int channel, std::function<void(grpc::Status)> done) {
        slot->context = NewContext(options.token, options.call_deadline);
        CallSerialized(*generic[channel], "/signoff.v1.OfferService/SubmitOffer", slot,
                       source.NextSubmitRequest(),
                       [slot, done = std::move(done)](grpc::Status status) {
                         if (status.ok() && !ParseReply(slot->response, slot->reply)) {
                           status = grpc::Status(grpc::StatusCode::INTERNAL, "reply is not a SubmitOfferResponse");
                         }
                         done(status);
                       });
      },
      [&](Slot* slot) {
        const v1::OfferRecord& record = slot->reply.record();
        outcomes.Add(record.decision().outcome());
        outcomes.AddStatus(record.status());
        if (sample_counter.fetch_add(1) % 32 == 0) {
          // What signoffd stores per revision: the record (which holds the offer).
          outcomes.sampled_bytes.fetch_add(record.ByteSizeLong());
          outcomes.samples.fetch_add(1);
        }
        if (pump) pump->Offer(record);
      });
  int stuck = RunToEnd(loops, in_flight, clock, rss, report);
  report.methods = {&submit_stats};
  if (pump) {
    report.methods.push_back(&approve_stats);
    report.extra_lines.push_back(absl::StrFormat(
        "mix: %llu offers fully signed off; %llu stages without a demo approver; %zu left pending at the end",
        static_cast<unsigned long long>(pump->approved()), static_cast<unsigned long long>(pump->no_token()),
        pump->backlog()));
    report.extra.emplace_back("signed_off", static_cast<double>(pump->approved()));
    report.extra.emplace_back("stages_without_token", static_cast<double>(pump->no_token()));
  }
  return stuck > 0 ? FinishStuck(report, stuck) : Finish(report);
}

// --mode=echo
int RunEcho(const Options& options) {
  auto channels = MakeChannels(options.target, options.channels);
  int bytes = absl::GetFlag(FLAGS_payload_bytes);
  if (bytes <= 0) bytes = OfferSource(options.run_id, absl::GetFlag(FLAGS_pool)).mean_request_bytes();
  // A serialized offer is mostly text: fill with printable bytes.
  EchoMessage message;
  std::string& payload = *message.mutable_payload();
  payload.resize(static_cast<size_t>(bytes));
  for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>('a' + (i * 7) % 26);
  const grpc::ByteBuffer request = Serialized(message);
  std::vector<std::unique_ptr<grpc::GenericStub>> generic;
  for (auto& channel : channels) generic.push_back(std::make_unique<grpc::GenericStub>(channel));
  InFlight in_flight;
  RssSampler rss;
  rss.Start(absl::GetFlag(FLAGS_server_pid),
            std::chrono::milliseconds(absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_rss_interval))));
  RunClock clock(absl::GetFlag(FLAGS_warmup), absl::GetFlag(FLAGS_duration), absl::GetFlag(FLAGS_max_calls));
  using Slot = UnarySlot<grpc::ByteBuffer, grpc::ByteBuffer>;
  MethodStats stats("Echo");
  ClosedLoops<Slot> loops(
      options.channels, options.in_flight, &clock, &in_flight, &stats,
      [&](Slot* slot, int channel, std::function<void(grpc::Status)> done) {
        // Same metadata as the real calls, so both pay for it.
        slot->context = NewContext(options.token, options.call_deadline);
        CallSerialized(*generic[channel], "/signoff.bench.EchoService/Echo", slot, request,
                       [slot, bytes, done = std::move(done)](grpc::Status status) {
                         EchoMessage reply;
                         if (status.ok() && (!ParseReply(slot->response, reply) ||
                                             static_cast<int>(reply.payload().size()) != bytes)) {
                           status = grpc::Status(grpc::StatusCode::INTERNAL, "reply is not the request echoed");
                         }
                         done(status);
                       });
      },
      nullptr);
  Report report;
  int stuck = RunToEnd(loops, in_flight, clock, rss, report);
  report.mode = "echo";
  report.options = options;
  report.request_bytes = bytes;
  report.methods = {&stats};
  return stuck > 0 ? FinishStuck(report, stuck) : Finish(report);
}

// --mode=watch: first receipts of this run's offers on every stream.
class WatchBoard {
 public:
  explicit WatchBoard(std::string prefix) : prefix_(std::move(prefix)) {}

  void Received(int stream, const std::string& offer_id, Clock::time_point at) {
    if (offer_id.rfind(prefix_, 0) != 0) return;
    std::lock_guard lock(mu_);
    Delivery& d = deliveries_[offer_id];
    if (d.first_seen.empty()) d.first_seen.assign(streams_, Clock::time_point{});
    if (d.first_seen[stream] != Clock::time_point{}) return;
    d.first_seen[stream] = at;
    if (++d.reached == streams_) changed_.notify_all();
  }
  void SetStreams(int n) { streams_ = n; }
  // Waits until `offer_id` reached every stream; returns how many it reached.
  int WaitAll(const std::string& offer_id, absl::Duration timeout) {
    std::unique_lock lock(mu_);
    changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                      [&] { return deliveries_[offer_id].reached >= streams_; });
    return deliveries_[offer_id].reached;
  }
  // Receipt times of `offer_id` on each stream (epoch = never).
  std::vector<Clock::time_point> Receipts(const std::string& offer_id) {
    std::lock_guard lock(mu_);
    return deliveries_[offer_id].first_seen;
  }

 private:
  struct Delivery {
    std::vector<Clock::time_point> first_seen;
    int reached = 0;
  };
  std::string prefix_;
  int streams_ = 0;
  std::mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<std::string, Delivery> deliveries_;
};

class WatchStream : public grpc::ClientReadReactor<v1::DecisionUpdate> {
 public:
  WatchStream(int index, WatchBoard* board, InFlight* open, ErrorCounts* errors)
      : index_(index), board_(board), open_(open), errors_(errors) {}

  void Start(OfferService::Stub* stub, const std::string& token, int64_t after_seq) {
    context_.AddMetadata("authorization", "Bearer " + token);
    request_.set_after_seq(after_seq);
    open_->Add();
    stub->async()->WatchDecisions(&context_, &request_, this);
    StartRead(&update_);
    StartCall();
  }
  void Cancel() {
    closing_ = true;
    context_.TryCancel();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    board_->Received(index_, update_.event().offer_id(), Clock::now());
    StartRead(&update_);
  }
  void OnDone(const grpc::Status& status) override {
    if (!closing_.load()) errors_->Add(CodeName(status.error_code()), "stream ended early: " + status.error_message());
    open_->Done();
  }

 private:
  int index_;
  WatchBoard* board_;
  InFlight* open_;
  ErrorCounts* errors_;
  std::atomic<bool> closing_{false};
  grpc::ClientContext context_;
  v1::WatchDecisionsRequest request_;
  v1::DecisionUpdate update_;
};

int RunWatch(const Options& options) {
  const int streams = std::max(1, absl::GetFlag(FLAGS_streams));
  const absl::Duration timeout = absl::GetFlag(FLAGS_watch_timeout);
  auto channels = MakeChannels(options.target, options.channels);
  std::vector<std::unique_ptr<OfferService::Stub>> offers;
  for (auto& channel : channels) offers.push_back(OfferService::NewStub(channel));
  auto audit = v1::AuditService::NewStub(channels[0]);
  OfferSource source(options.run_id, absl::GetFlag(FLAGS_pool));
  MethodStats submit_stats("SubmitOffer");
  MethodStats delivery_stats("Delivery");
  Report report;
  report.mode = "watch";
  report.options = options;
  report.request_bytes = source.mean_request_bytes();
  report.mean_lines = source.mean_lines();

  auto submit = [&](std::string* id, Clock::time_point* acked) -> grpc::Status {
    v1::SubmitOfferRequest request;
    *id = source.Fill(request.mutable_offer());
    request.set_idempotency_key(*id);
    v1::SubmitOfferResponse response;
    auto context = NewContext(options.token, options.call_deadline);
    Clock::time_point started = Clock::now();
    grpc::Status status = offers[0]->SubmitOffer(context.get(), request, &response);
    *acked = Clock::now();
    if (status.ok()) {
      submit_stats.ok.fetch_add(1);
      submit_stats.latency.Record(*acked - started);
    } else {
      submit_stats.errors.Add(CodeName(status.error_code()), status.error_message());
    }
    return status;
  };

  // Where the log ends now, so the streams start there instead of replaying
  // every earlier run's events.
  std::string primer;
  Clock::time_point acked;
  if (grpc::Status s = submit(&primer, &acked); !s.ok()) {
    std::fprintf(stderr, "signoff-load: priming submission failed: %s\n", s.error_message().c_str());
    report.methods = {&submit_stats};
    return Finish(report);
  }
  int64_t head = 0;
  {
    v1::GetOfferHistoryRequest request;
    request.set_offer_id(primer);
    v1::GetOfferHistoryResponse response;
    auto context = NewContext(absl::GetFlag(FLAGS_auditor_token), options.call_deadline);
    grpc::Status s = audit->GetOfferHistory(context.get(), request, &response);
    if (!s.ok()) {
      std::fprintf(stderr, "signoff-load: reading the event log (as %s) failed: %s\n",
                   absl::GetFlag(FLAGS_auditor_token).c_str(), s.error_message().c_str());
      submit_stats.errors.Add(CodeName(s.error_code()), s.error_message());
      report.methods = {&submit_stats};
      return Finish(report);
    }
    for (const v1::Event& e : response.events()) head = std::max(head, e.seq());
  }

  RssSampler rss;
  rss.Start(absl::GetFlag(FLAGS_server_pid),
            std::chrono::milliseconds(absl::ToInt64Milliseconds(absl::GetFlag(FLAGS_rss_interval))));
  double rss_before = ReadRssMib(absl::GetFlag(FLAGS_server_pid));
  WatchBoard board(options.run_id + "-");
  board.SetStreams(streams);
  InFlight open;
  ErrorCounts stream_errors;
  std::vector<std::unique_ptr<WatchStream>> watchers;
  Clock::time_point opening = Clock::now();
  for (int i = 0; i < streams; ++i) {
    watchers.push_back(std::make_unique<WatchStream>(i, &board, &open, &stream_errors));
    watchers.back()->Start(offers[i % offers.size()].get(), options.token, head);
  }
  // A first submission proves every stream is live.
  std::string sync;
  grpc::Status synced = submit(&sync, &acked);
  int live = synced.ok() ? board.WaitAll(sync, timeout) : 0;
  double open_seconds = Seconds(Clock::now() - opening);
  double rss_open = ReadRssMib(absl::GetFlag(FLAGS_server_pid));

  uint64_t missing = 0, before_ack = 0;
  Clock::time_point measuring = Clock::now();
  const int submits = absl::GetFlag(FLAGS_watch_submits);
  for (int i = 0; i < submits && live > 0; ++i) {
    std::string id;
    if (!submit(&id, &acked).ok()) continue;
    int reached = board.WaitAll(id, timeout);
    missing += static_cast<uint64_t>(streams - reached);
    for (Clock::time_point at : board.Receipts(id)) {
      if (at == Clock::time_point{}) continue;
      if (at < acked) ++before_ack;
      delivery_stats.ok.fetch_add(1);
      delivery_stats.latency.Record(at < acked ? Clock::duration::zero() : at - acked);
    }
    absl::SleepFor(absl::GetFlag(FLAGS_watch_interval));
  }
  double rss_end = ReadRssMib(absl::GetFlag(FLAGS_server_pid));
  for (auto& w : watchers) w->Cancel();
  if (!open.WaitZero(std::chrono::seconds(30))) {
    std::fprintf(stderr, "signoff-load: streams did not close within 30 s\n");
    std::fflush(stdout);
    _exit(3);
  }
  rss.Stop();
  if (missing > 0) delivery_stats.errors.Add("NOT_DELIVERED", "a stream did not see a submission in time");
  for (const auto& [code, count] : stream_errors.by_code()) {
    for (uint64_t k = 0; k < count; ++k) delivery_stats.errors.Add(code, stream_errors.first_messages()[code]);
  }

  report.measured_seconds = Seconds(Clock::now() - measuring);
  report.methods = {&delivery_stats, &submit_stats};
  report.rss = rss.samples();
  report.extra_lines.push_back(absl::StrFormat(
      "watch: %d streams, %d live after %.2f s; %d submissions; %llu receipts missing; %llu before the ack",
      streams, live, open_seconds, submits, static_cast<unsigned long long>(missing),
      static_cast<unsigned long long>(before_ack)));
  report.extra_lines.push_back(absl::StrFormat(
      "watch: server RSS before streams %.1f MiB, with %d streams open %.1f MiB, at the end %.1f MiB", rss_before,
      streams, rss_open, rss_end));
  report.extra = {{"streams", streams},
                  {"streams_live", live},
                  {"open_seconds", open_seconds},
                  {"submissions", submits},
                  {"missing_receipts", static_cast<double>(missing)},
                  {"receipts_before_ack", static_cast<double>(before_ack)},
                  {"rss_before_streams_mib", rss_before},
                  {"rss_streams_open_mib", rss_open},
                  {"rss_end_mib", rss_end}};
  int code = Finish(report);
  return live == streams ? code : 1;
}

// --mode=wait_serving
int RunWaitServing(const Options& options) {
  grpc::ChannelArguments args;
  // Reconnect at once: the default backoff (1 s) would be measured instead.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 5);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 5);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 20);
  auto channel = grpc::CreateCustomChannel(options.target, grpc::InsecureChannelCredentials(), args);
  auto health = grpc::health::v1::Health::NewStub(channel);
  const absl::Time give_up = absl::Now() + absl::GetFlag(FLAGS_timeout);
  int polls = 0;
  std::string last = "no answer";
  bool serving = false;
  while (absl::Now() < give_up) {
    ++polls;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = health->Check(&context, {}, &response);
    if (status.ok() && response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
      serving = true;
      break;
    }
    last = status.ok() ? grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status())
                       : CodeName(status.error_code());
    absl::SleepFor(absl::Milliseconds(5));
  }
  int64_t now_ns = absl::ToUnixNanos(absl::Now());
  int64_t since = absl::GetFlag(FLAGS_since_unix_ns);
  double ms = since > 0 ? (now_ns - since) / 1e6 : -1;
  if (serving) {
    std::printf("signoff-load mode=wait_serving target=%s: SERVING %.1f ms after start (%d polls)\n",
                options.target.c_str(), ms, polls);
  } else {
    std::printf("signoff-load mode=wait_serving target=%s: not SERVING after %s (last: %s)\n",
                options.target.c_str(), absl::FormatDuration(absl::GetFlag(FLAGS_timeout)).c_str(), last.c_str());
  }
  std::fflush(stdout);
  if (std::string path = absl::GetFlag(FLAGS_json); !path.empty()) {
    JsonWriter json;
    json.Begin().Field("mode", "wait_serving").Field("label", absl::GetFlag(FLAGS_label));
    json.Field("serving", serving).Field("serving_after_ms", ms).Field("polls", polls).End();
    WriteFile(path, json.str());
  }
  return serving ? 0 : 1;
}

int Main(int argc, char** argv) {
  // Debian's Abseil runs deadlock detection on every Mutex: not what we measure.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage("closed-loop gRPC load for signoffd; see the comment atop signoff_load.cc");
  absl::ParseCommandLine(argc, argv);
  Options options;
  options.target = absl::GetFlag(FLAGS_target);
  options.channels = std::max(1, absl::GetFlag(FLAGS_channels));
  options.in_flight = std::max(1, absl::GetFlag(FLAGS_in_flight));
  options.token = absl::GetFlag(FLAGS_token);
  options.call_deadline = absl::GetFlag(FLAGS_call_deadline);
  options.run_id = absl::GetFlag(FLAGS_run_id);
  if (options.run_id.empty()) {
    options.run_id = absl::StrFormat("load-%x-%d", absl::ToUnixMillis(absl::Now()), getpid());
  }
  const std::string mode = absl::GetFlag(FLAGS_mode);
  if (mode == "submit" || mode == "evaluate" || mode == "mix") return RunOffers(options, mode);
  if (mode == "echo") return RunEcho(options);
  if (mode == "watch") return RunWatch(options);
  if (mode == "wait_serving") return RunWaitServing(options);
  std::fprintf(stderr, "signoff-load: unknown --mode=%s (submit, evaluate, mix, watch, echo, wait_serving)\n",
               mode.c_str());
  return 2;
}

}  // namespace
}  // namespace signoff::bench

int main(int argc, char** argv) { return signoff::bench::Main(argc, argv); }
