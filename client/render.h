#pragma once

// Offers, decisions, stages and events as text for people.

#include <string>

#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "signoff/v1/approval.pb.h"
#include "signoff/v1/event.pb.h"

namespace signoff::client {

// "PENDING", "APPROVED", ...; "NEEDS SIGN-OFF" for the outcome.
std::string StatusName(v1::OfferStatus status);
std::string OutcomeName(v1::Outcome outcome);
std::string StageStatusName(v1::StageStatus status);
// True for statuses after which nothing more happens to the revision.
bool IsFinal(v1::OfferStatus status);

// "KP-2026-0142 r2".
std::string OfferLabel(const std::string& offer_id, int64_t revision);

// "team_lead → head_of_sales".
std::string LevelChain(const google::protobuf::RepeatedPtrField<std::string>& levels);

// "KP-2026-0142 r2: PENDING — waiting for team_lead (i.smirnova)".
std::string RecordHeadline(const v1::OfferRecord& record);

// Customer, manager, figures, lines, reasons, stages and notes.
std::string RenderRecord(const v1::OfferRecord& record, absl::Time now, absl::TimeZone zone);

// The decision part only: reasons and the sign-off stages (for submit).
std::string RenderReasons(const v1::Decision& decision);
std::string RenderStages(const v1::ApprovalRequest& approval, absl::Time now, absl::TimeZone zone);

// The payload of an event as "key=value, …" for a table cell.
std::string EventDetails(const v1::Event& event);
std::string RenderEvents(const google::protobuf::RepeatedPtrField<v1::Event>& events, absl::TimeZone zone);

}  // namespace signoff::client
