// Fuzz-style robustness: mutated policy text and malformed offers must give
// issues or errors, never a crash, a hang or a wrong status code. The seed is
// fixed so a failure reproduces; iterations are bounded to a few seconds.

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/time/time.h"
#include "google/protobuf/stubs/logging.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "policies/policy_set.h"

namespace signoff::policies {
namespace {

constexpr uint32_t kSeed = 20260202;

std::vector<PolicyFile> DefaultFiles() {
  std::vector<PolicyFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(SIGNOFF_DEFAULT_POLICY_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.find(".policy.textproto") == std::string::npos) continue;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    files.push_back({name, text.str()});
  }
  std::sort(files.begin(), files.end(), [](const PolicyFile& a, const PolicyFile& b) { return a.name < b.name; });
  return files;
}

const char* const kTokens[] = {"{", "}", ":", "\"", "-", "0", "-1", "999999999999999999999", "rules", "levels",
                               "any {}", "all { of {} }", "not {", "require_level: \"ghost\"", "percent: \"x\"",
                               "units: -5", "nanos: 2000000000", "\n", "#", "id: \"amount.medium\"", "effect {}",
                               "mode: 17", "quorum: QUORUM_KIND_N", "sla: \"-4h\"", "label: \"again\""};

std::string Mutate(std::string text, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 5);
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !text.empty(); ++e) {
    size_t at = rng() % text.size();
    switch (op(rng)) {
      case 0: text[at] = static_cast<char>(rng() % 256); break;
      case 1: text.erase(at, 1 + rng() % 16); break;
      case 2: text.insert(at, kTokens[rng() % std::size(kTokens)]); break;
      case 3: text.resize(at); break;
      case 4: text.insert(at, text.substr(rng() % text.size(), 1 + rng() % 64)); break;
      default: {
        // Swap a number for an extreme one.
        size_t digit = text.find_first_of("0123456789", at);
        if (digit != std::string::npos) text.insert(digit, rng() % 2 ? "-" : "9999999999999");
      }
    }
  }
  return text;
}

v1::Offer ValidOffer() {
  v1::Offer offer;
  offer.set_offer_id("KP-1");
  offer.set_revision(1);
  offer.mutable_customer()->set_id("c-1");
  offer.set_manager_id("m.ivanova");
  offer.set_currency_code("RUB");
  for (int i = 0; i < 3; ++i) {
    v1::OfferLine* line = offer.add_lines();
    line->set_sku("SKU-" + std::to_string(i));
    line->set_category(i == 0 ? "custom_manufacturing" : "pipes");
    line->mutable_quantity()->set_value("10");
    line->mutable_unit_price()->set_currency_code("RUB");
    line->mutable_unit_price()->set_units(1000);
    line->mutable_unit_cost()->set_currency_code("RUB");
    line->mutable_unit_cost()->set_units(800);
    line->mutable_discount_percent()->set_value("5");
  }
  return offer;
}

const char* const kDecimals[] = {"", "0", "-0", "1e5", "NaN", "1.0000000001", "99999999999999999999", "-1",
                                 "100.000000001", "0.000000001", ".", "+", " 7 ", "9223372036854775807"};
const char* const kCurrencies[] = {"", "RUB", "rub", "USD", "XXX", "JPY", "KWD", "\xff\xfe"};
const int64_t kUnits[] = {0, 1, -1, 9223372036854775807LL, -9223372036854775807LL - 1, 1000000000000000000LL};
const int32_t kNanos[] = {0, 1, -1, 999999999, -999999999, 1000000000, 2147483647};

void MutateOffer(v1::Offer* offer, std::mt19937& rng) {
  auto pick_line = [&]() -> v1::OfferLine* {
    if (offer->lines_size() == 0) return offer->add_lines();
    return offer->mutable_lines(static_cast<int>(rng() % offer->lines_size()));
  };
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 10) {
      case 0: pick_line()->mutable_quantity()->set_value(kDecimals[rng() % std::size(kDecimals)]); break;
      case 1: pick_line()->mutable_discount_percent()->set_value(kDecimals[rng() % std::size(kDecimals)]); break;
      case 2: pick_line()->mutable_unit_price()->set_units(kUnits[rng() % std::size(kUnits)]); break;
      case 3: pick_line()->mutable_unit_cost()->set_nanos(kNanos[rng() % std::size(kNanos)]); break;
      case 4: pick_line()->mutable_unit_price()->set_currency_code(kCurrencies[rng() % std::size(kCurrencies)]); break;
      case 5: offer->set_currency_code(kCurrencies[rng() % std::size(kCurrencies)]); break;
      case 6: offer->mutable_lines()->RemoveLast(); break;
      case 7: *offer->mutable_total() = offer->lines_size() ? offer->lines(0).unit_price() : v1::Money(); break;
      case 8: pick_line()->mutable_amount()->set_units(kUnits[rng() % std::size(kUnits)]); break;
      default: offer->set_revision(static_cast<int64_t>(rng() % 3) - 1); break;
    }
  }
}

TEST(PolicyFuzzTest, MutatedPolicyTextGivesIssuesNeverACrash) {
  std::mt19937 rng(kSeed);
  const std::vector<PolicyFile> files = DefaultFiles();
  ASSERT_FALSE(files.empty());
  const v1::Offer offer = ValidOffer();
  const absl::Time at = absl::FromUnixSeconds(1770022800);
  int rejected = 0, loaded = 0;
  for (int i = 0; i < 4000; ++i) {
    std::vector<PolicyFile> mutated = files;
    PolicyFile& victim = mutated[rng() % mutated.size()];
    victim.content = Mutate(victim.content, rng);
    LoadResult result = PolicySet::LoadFromFiles(mutated);
    if (!result.ok()) {
      ++rejected;
      ASSERT_FALSE(result.issues.empty());
      ASSERT_EQ(result.set, nullptr);
      for (const PolicyIssue& issue : result.issues) ASSERT_FALSE(issue.message.empty());
      continue;
    }
    ++loaded;
    // Whatever still loads must evaluate without an error.
    absl::StatusOr<v1::Decision> decision = result.set->Evaluate(offer, nullptr, at);
    ASSERT_TRUE(decision.ok()) << decision.status() << "\n" << victim.content;
    ASSERT_NE(decision->outcome(), v1::OUTCOME_APPROVED);  // unknown manager always fails safe
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(loaded, 0);  // some mutations (comments, whitespace) are harmless
}

TEST(PolicyFuzzTest, MalformedOffersGiveInvalidArgumentNeverACrash) {
  std::mt19937 rng(kSeed);
  LoadResult set = PolicySet::LoadFromFiles(DefaultFiles());
  ASSERT_TRUE(set.ok()) << set.IssuesText();
  const absl::Time at = absl::FromUnixSeconds(1770022800);
  int invalid = 0;
  for (int i = 0; i < 20000; ++i) {
    v1::Offer offer = ValidOffer();
    MutateOffer(&offer, rng);
    absl::StatusOr<v1::Decision> decision = set.set->Evaluate(offer, nullptr, at);
    if (!decision.ok()) {
      ++invalid;
      ASSERT_EQ(decision.status().code(), absl::StatusCode::kInvalidArgument) << decision.status();
    }
  }
  EXPECT_GT(invalid, 1000);
  // Random bytes as a wire-format offer; protobuf's own complaints about
  // invalid UTF-8 are expected here and only clutter the log.
  google::protobuf::LogSilencer quiet;
  for (int i = 0; i < 5000; ++i) {
    std::string bytes(rng() % 200, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    v1::Offer offer;
    if (!offer.ParseFromString(bytes)) continue;
    absl::StatusOr<v1::Decision> decision = set.set->Evaluate(offer, nullptr, at);
    if (!decision.ok()) {
      ASSERT_EQ(decision.status().code(), absl::StatusCode::kInvalidArgument);
    }
  }
}

}  // namespace
}  // namespace signoff::policies
