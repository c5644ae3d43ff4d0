#pragma once

// Shared pieces of the API end-to-end suites: authenticated contexts for the
// demo principals, offers that the default policy set routes in known ways,
// and a reader for server streams that waits with a deadline.

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "signoff/v1/service.grpc.pb.h"

namespace signoff::testing {

// Demo bearer tokens (deploy/demo/principals.textproto).
inline constexpr char kCrm[] = "demo-crm";              // frontoffice, submits for anyone
inline constexpr char kSmirnova[] = "demo-smirnova";    // approver, team lead (Moscow)
inline constexpr char kKuznetsov[] = "demo-kuznetsov";  // approver, team lead (SPb), limit 700k
inline constexpr char kVolkov[] = "demo-volkov";        // approver, head of sales
inline constexpr char kOrlova[] = "demo-orlova";        // approver, CFO
inline constexpr char kAuditor[] = "demo-auditor";      // auditor
inline constexpr char kAdmin[] = "demo-admin";          // admin + auditor

// A context carrying `token` (none when empty) and a deadline.
inline std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                                absl::Duration deadline = absl::Seconds(15)) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(deadline));
  return context;
}

inline std::string Describe(const grpc::Status& status) {
  return absl::StrCat("code ", status.error_code(), ": ", status.error_message());
}

MATCHER_P2(GrpcIs, code, message_matcher,
           absl::StrCat("gRPC status code ", static_cast<int>(code))) {
  *result_listener << "status is " << Describe(arg);
  return arg.error_code() == code &&
         ::testing::ExplainMatchResult(message_matcher, arg.error_message(), result_listener);
}

MATCHER(GrpcOk, "gRPC status OK") {
  *result_listener << "status is " << Describe(arg);
  return arg.ok();
}

// One line of pipe: `quantity` × `price` RUB with unit cost `cost` (no cost
// when negative).
inline void AddLine(v1::Offer* offer, const std::string& quantity, int64_t price, int64_t cost,
                    const std::string& category = "pipes") {
  v1::OfferLine* line = offer->add_lines();
  line->set_sku(absl::StrCat("PIPE-ST-57x3.5-", offer->lines_size()));
  line->set_name("Steel pipe 57x3.5");
  line->set_category(category);
  line->mutable_quantity()->set_value(quantity);
  line->set_unit_of_measure("m");
  line->mutable_unit_price()->set_currency_code("RUB");
  line->mutable_unit_price()->set_units(price);
  if (cost >= 0) {
    line->mutable_unit_cost()->set_currency_code("RUB");
    line->mutable_unit_cost()->set_units(cost);
  }
}

// An offer of `quantity` × 1000 RUB at cost 800 (20 % margin) by `manager`
// to an existing customer. Under the default set: m.ivanova's offers up to
// 150 000 RUB pass; e.novikova (probation) and d.sokolov (watched) go to a
// team lead; above 500 000 RUB to a team lead; above 3 000 000 to the head.
inline v1::Offer PipeOffer(const std::string& offer_id, const std::string& manager,
                           const std::string& quantity = "10", int64_t price = 1000,
                           int64_t cost = 800) {
  v1::Offer offer;
  offer.set_offer_id(offer_id);
  offer.set_revision(1);
  offer.mutable_customer()->set_id("crm-100200");
  offer.mutable_customer()->set_name("OOO Stroymontazh");
  offer.set_manager_id(manager);
  offer.set_currency_code("RUB");
  AddLine(&offer, quantity, price, cost);
  return offer;
}

// Reads a server stream on its own thread so a test can wait for a number
// of messages with a deadline, then cancel the call and see how it ended.
template <typename Message>
class StreamReader {
 public:
  using Opener = std::function<std::unique_ptr<grpc::ClientReader<Message>>(grpc::ClientContext*)>;

  StreamReader(std::unique_ptr<grpc::ClientContext> context, Opener open)
      : context_(std::move(context)) {
    reader_ = open(context_.get());
    thread_ = std::thread([this] {
      Message message;
      while (reader_->Read(&message)) {
        absl::MutexLock lock(&mu_);
        messages_.push_back(message);
      }
      grpc::Status status = reader_->Finish();
      absl::MutexLock lock(&mu_);
      status_ = status;
      done_ = true;
    });
  }
  ~StreamReader() {
    context_->TryCancel();
    thread_.join();
  }

  // Waits until at least `n` messages arrived (true) or the stream ended or
  // the timeout passed (false).
  bool WaitFor(size_t n, absl::Duration timeout = absl::Seconds(10)) {
    absl::MutexLock lock(&mu_);
    auto ready = [&] { return messages_.size() >= n || done_; };
    mu_.AwaitWithTimeout(absl::Condition(&ready), timeout);
    return messages_.size() >= n;
  }
  // Waits for the stream to end; its status, or nullopt on timeout.
  std::optional<grpc::Status> WaitForEnd(absl::Duration timeout = absl::Seconds(20)) {
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(&done_), timeout);
    if (!done_) return std::nullopt;
    return status_;
  }
  // Cuts the stream (as a client that goes away) and waits for the reader.
  grpc::Status Cancel() {
    context_->TryCancel();
    auto status = WaitForEnd();
    return status.value_or(grpc::Status(grpc::StatusCode::UNKNOWN, "stream did not end"));
  }
  std::vector<Message> messages() {
    absl::MutexLock lock(&mu_);
    return {messages_.begin(), messages_.end()};
  }

 private:
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<Message>> reader_;
  std::thread thread_;
  absl::Mutex mu_;
  std::deque<Message> messages_ ABSL_GUARDED_BY(mu_);
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace signoff::testing
