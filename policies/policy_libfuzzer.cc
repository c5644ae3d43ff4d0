// libFuzzer entry point (built only with clang): the first byte picks what
// the rest is — policy text to load and evaluate, or an offer in text format
// to evaluate against the default set. Any crash or sanitizer report is a bug;
// issues and INVALID_ARGUMENT are the expected answers to garbage.
//
//   CXX=clang++ cmake -S . -B build-fuzz && cmake --build build-fuzz --target policy_libfuzzer
//   build-fuzz/policies/policy_libfuzzer -max_total_time=60

#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "google/protobuf/text_format.h"
#include "policies/policy_set.h"

namespace {

const signoff::policies::PolicySet& DefaultSet() {
  static const auto* set = [] {
    signoff::policies::LoadResult result = signoff::policies::PolicySet::Load(SIGNOFF_DEFAULT_POLICY_DIR);
    if (!result.ok()) std::abort();
    return new std::shared_ptr<const signoff::policies::PolicySet>(result.set);
  }();
  return **set;
}

signoff::v1::Offer SampleOffer() {
  signoff::v1::Offer offer;
  google::protobuf::TextFormat::ParseFromString(
      R"(offer_id: "K" revision: 1 customer { id: "c" } manager_id: "m" currency_code: "RUB"
         lines { sku: "A" category: "pipes" quantity { value: "3" }
                 unit_price { currency_code: "RUB" units: 100 } unit_cost { currency_code: "RUB" units: 70 } })",
      &offer);
  return offer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static google::protobuf::LogSilencer* quiet = new google::protobuf::LogSilencer();
  (void)quiet;
  const absl::Time at = absl::FromUnixSeconds(1770022800);
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    signoff::policies::LoadResult result =
        signoff::policies::PolicySet::LoadFromFiles({{"fuzz.policy.textproto", text}});
    if (result.ok() && !result.set->Evaluate(SampleOffer(), nullptr, at).ok()) std::abort();
    if (!result.ok() && result.issues.empty()) std::abort();
    return 0;
  }
  signoff::v1::Offer offer;
  if (!google::protobuf::TextFormat::ParseFromString(text, &offer)) return 0;
  absl::StatusOr<signoff::v1::Decision> decision = DefaultSet().Evaluate(offer, nullptr, at);
  if (!decision.ok() && decision.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
  return 0;
}
