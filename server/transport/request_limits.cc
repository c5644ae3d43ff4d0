#include "server/transport/request_limits.h"

#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"

namespace signoff::transport {

absl::Status CheckLength(absl::string_view field, const std::string& value, size_t max,
                         bool required) {
  if (required && value.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (value.size() > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", max, " bytes, got ", value.size()));
  }
  return absl::OkStatus();
}

namespace {

absl::Status CheckAttributes(absl::string_view field,
                             const google::protobuf::Map<std::string, std::string>& attributes,
                             const RequestLimits& limits) {
  if (attributes.size() > static_cast<size_t>(limits.max_attributes)) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": at most ", limits.max_attributes,
                                                   " entries, got ", attributes.size()));
  }
  for (const auto& [key, value] : attributes) {
    // Names only for what fails (see CheckOfferLimits).
    if (key.size() > limits.max_id_length) {
      return CheckLength(absl::StrCat(field, " key"), key, limits.max_id_length);
    }
    if (value.size() > limits.max_text_length) {
      return CheckLength(absl::StrCat(field, "[", key, "]"), value, limits.max_text_length);
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckOfferLimits(const v1::Offer& offer, const RequestLimits& limits) {
  absl::Status s;
  auto check = [&](absl::string_view field, const std::string& value, size_t max) {
    if (s.ok()) s = CheckLength(field, value, max);
  };
  check("offer.offer_id", offer.offer_id(), limits.max_id_length);
  check("offer.manager_id", offer.manager_id(), limits.max_id_length);
  check("offer.customer.id", offer.customer().id(), limits.max_id_length);
  check("offer.customer.name", offer.customer().name(), limits.max_text_length);
  check("offer.customer.tax_id", offer.customer().tax_id(), limits.max_id_length);
  if (!s.ok()) return s;
  if (offer.lines_size() > limits.max_lines) {
    return absl::InvalidArgumentError(absl::StrCat("offer.lines: at most ", limits.max_lines,
                                                   " lines, got ", offer.lines_size()));
  }
  if (absl::Status a = CheckAttributes("offer.attributes", offer.attributes(), limits); !a.ok()) return a;
  // Every line of every offer passes here: a field's name is built only
  // when that field fails (building all of them cost more than evaluating).
  for (int i = 0; i < offer.lines_size(); ++i) {
    const v1::OfferLine& line = offer.lines(i);
    const std::pair<const char*, const std::string*> fields[] = {
        {".sku", &line.sku()},
        {".name", &line.name()},
        {".category", &line.category()},
        {".unit_of_measure", &line.unit_of_measure()},
        {".quantity", &line.quantity().value()},
        {".discount_percent", &line.discount_percent().value()}};
    const size_t max[] = {limits.max_id_length, limits.max_text_length, limits.max_id_length,
                          limits.max_id_length, 64, 64};
    for (size_t f = 0; f < std::size(fields); ++f) {
      if (fields[f].second->size() > max[f]) {
        return CheckLength(absl::StrCat("offer.lines[", i, "]", fields[f].first), *fields[f].second,
                           max[f]);
      }
    }
    if (line.attributes_size() > 0) {
      absl::Status a =
          CheckAttributes(absl::StrCat("offer.lines[", i, "].attributes"), line.attributes(), limits);
      if (!a.ok()) return a;
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOfferRef(const std::string& offer_id, int64_t revision, const RequestLimits& limits) {
  if (absl::Status s = CheckLength("offer_id", offer_id, limits.max_id_length, true); !s.ok()) return s;
  if (revision < 0) return absl::InvalidArgumentError("revision: must be >= 0");
  return absl::OkStatus();
}

absl::Status CheckPageSize(int page_size, int max, int fallback, int* effective) {
  if (page_size == 0) {
    *effective = fallback;
    return absl::OkStatus();
  }
  if (page_size < 0 || page_size > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size: must be between 1 and ", max, ", got ", page_size));
  }
  *effective = page_size;
  return absl::OkStatus();
}

}  // namespace signoff::transport
