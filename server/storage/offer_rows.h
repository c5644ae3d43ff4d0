#pragma once

// The column values an offer record is stored with, computed one way for
// every writer (one row at a time, or a whole group-commit batch).
// Storage-internal.

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/timestamp.pb.h"
#include "signoff/v1/approval.pb.h"

namespace signoff::storage::internal {

// The total as exact decimal text, e.g. "1250000.5".
std::string DecimalText(int64_t units, int32_t nanos);
// Rule ids of the decision's reasons, each once, in order.
std::vector<std::string> RuleIds(const v1::OfferRecord& record);
// Everyone who acted on a stage, sorted.
std::vector<std::string> ApproverIds(const v1::OfferRecord& record);
// The open stage's deadline in Unix microseconds, 0 without one.
int64_t NextDeadlineMicros(const v1::OfferRecord& record);
// Unix microseconds, 0 when absent.
int64_t OptionalMicros(bool present, const google::protobuf::Timestamp& ts);
// The approvers of the open stage who have not acted yet: the inbox rows.
std::vector<std::string> WaitingApprovers(const v1::OfferRecord& record);

}  // namespace signoff::storage::internal
