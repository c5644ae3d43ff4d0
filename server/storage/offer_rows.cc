#include "server/storage/offer_rows.h"

#include <algorithm>
#include <set>

#include "policies/decimal.h"
#include "server/workflow/approval_flow.h"
#include "server/workflow/proto_time.h"

namespace signoff::storage::internal {

std::string DecimalText(int64_t units, int32_t nanos) {
  auto value = policies::Decimal::FromUnitsAndNanos(units, nanos);
  return value.ok() ? value->ToString() : "0";
}

std::vector<std::string> RuleIds(const v1::OfferRecord& record) {
  std::vector<std::string> ids;
  for (const v1::Reason& reason : record.decision().reasons()) {
    if (std::find(ids.begin(), ids.end(), reason.rule_id()) == ids.end()) {
      ids.push_back(reason.rule_id());
    }
  }
  return ids;
}

std::vector<std::string> ApproverIds(const v1::OfferRecord& record) {
  std::set<std::string> ids;
  for (const v1::ApprovalStage& stage : record.approval().stages()) {
    for (const v1::ApprovalAction& action : stage.actions()) ids.insert(action.approver_id());
  }
  return {ids.begin(), ids.end()};
}

int64_t NextDeadlineMicros(const v1::OfferRecord& record) {
  const v1::ApprovalStage* stage = workflow::OpenStage(record);
  return stage != nullptr && stage->has_deadline() ? workflow::ProtoTimeMicros(stage->deadline()) : 0;
}

int64_t OptionalMicros(bool present, const google::protobuf::Timestamp& ts) {
  return present ? workflow::ProtoTimeMicros(ts) : 0;
}

std::vector<std::string> WaitingApprovers(const v1::OfferRecord& record) {
  std::vector<std::string> waiting;
  const v1::ApprovalStage* stage = workflow::OpenStage(record);
  if (stage == nullptr) return waiting;
  for (const std::string& approver : stage->approvers()) {
    bool acted = std::any_of(stage->actions().begin(), stage->actions().end(),
                             [&](const v1::ApprovalAction& a) {
                               return a.approver_id() == approver || a.on_behalf_of() == approver;
                             });
    if (!acted && std::find(waiting.begin(), waiting.end(), approver) == waiting.end()) {
      waiting.push_back(approver);
    }
  }
  return waiting;
}

}  // namespace signoff::storage::internal
