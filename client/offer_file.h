#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "signoff/v1/offer.pb.h"

namespace signoff::client {

// A signoff.v1.Offer from a file: protobuf JSON when the name ends in
// ".json", protobuf text format otherwise (.textproto, .txtpb, ...).
// Errors name the file and say which format was expected.
absl::StatusOr<v1::Offer> ReadOfferFile(const std::string& path);
// The same for any message (employees for `employees upsert --file`).
absl::Status ReadMessageFile(const std::string& path, google::protobuf::Message* message);

}  // namespace signoff::client
