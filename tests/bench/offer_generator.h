#pragma once

// Realistic generated offers for load runs, shaped by the default policy set
// (policies/default): most pass automatically, some need sign-off, a few are
// rejected. The mix is fixed by construction from a seed, so two runs with
// the same flags send the same offers (apart from their ids).

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "signoff/v1/offer.pb.h"

namespace signoff::bench {

struct OfferMix {
  // Percent of offers built to need sign-off and to be rejected; the rest are
  // built to pass automatically.
  int pending_percent = 12;
  int rejected_percent = 4;
  int min_lines = 1;
  int max_lines = 50;
};

// What an offer was built to provoke (the server decides; the load tool
// reports the outcomes it actually saw).
enum class OfferIntent { kApprove, kSignOff, kReject };

struct GeneratedOffer {
  v1::Offer offer;  // offer_id left empty: the caller names each submission
  OfferIntent intent;
  std::string why;  // e.g. "probation manager", "negative margin"
};

class OfferGenerator {
 public:
  OfferGenerator(uint64_t seed, OfferMix mix);
  GeneratedOffer Next();
  // `count` offers in a shuffled order with exactly the mix's proportions.
  std::vector<GeneratedOffer> Pool(int count);

 private:
  // `fill`: quantities use up the budget (to cross an amount threshold).
  v1::Offer Base(const std::string& manager_id, int lines, int64_t budget_minor, bool with_costs,
                 bool fill = false);
  void AddLine(v1::Offer& offer, int index, int64_t budget_minor, bool with_cost, bool fill);
  int Uniform(int lo, int hi);
  GeneratedOffer Approvable();
  GeneratedOffer SignOff();
  GeneratedOffer Reject();

  std::mt19937_64 rng_;
  OfferMix mix_;
  uint64_t customers_ = 0;
};

// The demo approver token (deploy/demo/principals.textproto) that acts as
// `approver_id`, or "" when the demo has none.
std::string DemoApproverToken(const std::string& approver_id);

}  // namespace signoff::bench
