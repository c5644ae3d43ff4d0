#pragma once

// Conversions between our values and what libpqxx passes to PostgreSQL.
// Storage-internal.

#include <cstdint>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "signoff/v1/approval.pb.h"
#include "signoff/v1/decision.pb.h"

namespace signoff::storage::internal {

// A text[] literal, e.g. {"a","b \"c\""}, passed as a parameter and cast
// with ::text[] in SQL (libpqxx 6 has no array parameters).
std::string ToTextArray(const std::vector<std::string>& values);
// A bigint[] literal, e.g. {1,-2}, cast with ::bigint[] in SQL.
std::string ToBigintArray(const std::vector<int64_t>& values);
// A bytea[] in PostgreSQL's binary array format, passed as a binary
// parameter and cast with ::bytea[] in SQL: the bytes go as they are, with
// no hex text to write here and to parse there (records are kilobytes).
pqxx::binarystring ToByteaArray(const std::vector<std::string>& values);

// Parses a bytea column holding a serialized protobuf message.
template <typename Message>
absl::StatusOr<Message> ParseProto(const pqxx::field& field) {
  pqxx::binarystring bytes(field);
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        std::string("stored ") + Message::descriptor()->full_name() + " does not parse");
  }
  return message;
}

// The texts the status and outcome columns hold: "PENDING", "NEEDS_SIGNOFF", ...
std::string StatusColumn(v1::OfferStatus status);
std::string OutcomeColumn(v1::Outcome outcome);

// Deterministic serialization: equal messages give equal bytes.
std::string SerializeDeterministic(const google::protobuf::Message& message);

}  // namespace signoff::storage::internal
