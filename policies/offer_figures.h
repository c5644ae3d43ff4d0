#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "policies/decimal.h"
#include "signoff/v1/decision.pb.h"
#include "signoff/v1/offer.pb.h"

namespace signoff::policies {

// What the service computes itself for one offer line, exact.
struct LineFigures {
  Decimal quantity;
  Decimal unit_price;
  Decimal discount_percent;  // 0 when absent
  // quantity × unit_price, rounded to the currency's minor unit.
  Decimal list_amount;
  // quantity × unit_price × (1 − discount / 100), rounded to the minor unit.
  Decimal amount;
  // Absent when the line has no unit cost.
  std::optional<Decimal> unit_cost;
  // quantity × unit_cost, rounded to the minor unit.
  std::optional<Decimal> cost_amount;
  // (amount − cost_amount) / amount × 100; absent without a cost or when the
  // amount is zero.
  std::optional<Decimal> margin_percent;
};

// Offer figures in the offer's currency. The evaluator judges these, never
// the caller's own totals.
struct OfferFigures {
  std::string currency_code;
  int minor_digits = 2;
  std::vector<LineFigures> lines;
  Decimal total;       // sum of line amounts
  Decimal list_total;  // sum of list amounts
  Decimal cost_total;  // sum of cost amounts over lines with a cost
  // Sum of line amounts over lines with a cost: the margin's revenue.
  Decimal costed_revenue;
  // (costed_revenue − cost_total) / costed_revenue × 100; absent when no line
  // has a cost or that revenue is zero.
  std::optional<Decimal> margin_percent;
  // (list_total − total) / list_total × 100; absent when list_total is zero.
  std::optional<Decimal> discount_percent;
  int lines_without_cost = 0;

  v1::OfferFigures ToProto() const;
};

// Checks the offer and computes its figures in one pass. Any problem is
// INVALID_ARGUMENT naming the field path, e.g. "lines[2].quantity: must be > 0":
// missing ids, no lines, non-positive quantity, negative price or cost,
// discount outside 0..100, unknown currency, a line currency other than the
// offer's, caller amounts or total that disagree with ours.
absl::StatusOr<OfferFigures> ComputeFigures(const v1::Offer& offer);

// ComputeFigures into an existing object, reusing its line storage: the
// evaluator keeps one per thread so a submission does not allocate for it.
// `figures` is unspecified after an error.
absl::Status ComputeFiguresInto(const v1::Offer& offer, OfferFigures& figures);

// The validation half of ComputeFigures, for callers that only need to know
// whether an offer is acceptable.
absl::Status ValidateOffer(const v1::Offer& offer);

}  // namespace signoff::policies
