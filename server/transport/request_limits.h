#pragma once

// Size limits on what a caller may send, checked before any work: each
// violation is INVALID_ARGUMENT naming the field.

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "signoff/v1/offer.pb.h"

namespace signoff::transport {

struct RequestLimits {
  int max_lines = 1000;
  size_t max_id_length = 128;
  size_t max_text_length = 1000;
  int max_attributes = 50;
  int max_page_size = 1000;
  int max_bulk_items = 500;
  int max_watched_offers = 1000;
};

absl::Status CheckOfferLimits(const v1::Offer& offer, const RequestLimits& limits);
absl::Status CheckLength(absl::string_view field, const std::string& value, size_t max,
                         bool required = false);
// An offer named by id and revision (0 = the latest).
absl::Status CheckOfferRef(const std::string& offer_id, int64_t revision, const RequestLimits& limits);
// 0 → `fallback`; otherwise 1..max.
absl::Status CheckPageSize(int page_size, int max, int fallback, int* effective);

}  // namespace signoff::transport
