#include "server/workflow/approval_flow.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/workflow/json_writer.h"
#include "server/workflow/proto_time.h"

namespace signoff::workflow {
namespace {

std::string ShortName(v1::ActionKind kind) {
  return kind == v1::ACTION_KIND_REJECT ? "reject" : "approve";
}

void OpenStageAt(v1::ApprovalStage& stage, absl::Time now) {
  stage.set_status(v1::STAGE_STATUS_OPEN);
  *stage.mutable_opened_at() = ToProtoTime(now);
  *stage.mutable_deadline() = ToProtoTime(now + absl::Seconds(stage.sla_seconds()));
}

}  // namespace

std::string ShortName(v1::OfferStatus status) {
  std::string name = v1::OfferStatus_Name(status);
  return name.substr(std::string("OFFER_STATUS_").size());
}

v1::Event OfferEvent(const v1::OfferRecord& record, absl::string_view kind,
                     const std::string& actor_id, const std::string& payload_json,
                     const std::string& on_behalf_of) {
  v1::Event event;
  event.set_kind(std::string(kind));
  event.set_offer_id(record.offer().offer_id());
  event.set_revision(record.offer().revision());
  event.set_actor_id(actor_id);
  event.set_on_behalf_of(on_behalf_of);
  event.set_payload_json(payload_json);
  return event;
}

v1::ApprovalRequest BuildRequest(const std::vector<StagePlan>& plans, absl::Time now) {
  v1::ApprovalRequest request;
  for (size_t i = 0; i < plans.size(); ++i) {
    v1::ApprovalStage* stage = request.add_stages();
    stage->set_index(static_cast<int32_t>(i));
    stage->set_level(plans[i].level);
    for (const std::string& approver : plans[i].approvers) stage->add_approvers(approver);
    stage->set_approvals_required(std::max(1, plans[i].approvals_required));
    stage->set_sla_seconds(absl::ToInt64Seconds(plans[i].sla));
    stage->set_status(v1::STAGE_STATUS_WAITING);
  }
  request.set_current_stage(0);
  if (!plans.empty()) OpenStageAt(*request.mutable_stages(0), now);
  return request;
}

const v1::ApprovalStage* OpenStage(const v1::OfferRecord& record) {
  if (record.status() != v1::OFFER_STATUS_PENDING) return nullptr;
  int current = record.approval().current_stage();
  if (current < 0 || current >= record.approval().stages_size()) return nullptr;
  const v1::ApprovalStage& stage = record.approval().stages(current);
  return stage.status() == v1::STAGE_STATUS_OPEN ? &stage : nullptr;
}

v1::ApprovalStage* MutableOpenStage(v1::OfferRecord& record) {
  if (OpenStage(record) == nullptr) return nullptr;
  return record.mutable_approval()->mutable_stages(record.approval().current_stage());
}

int ApprovalCount(const v1::ApprovalStage& stage) {
  std::set<std::string> approvers;
  for (const v1::ApprovalAction& action : stage.actions()) {
    if (action.kind() != v1::ACTION_KIND_APPROVE) continue;
    approvers.insert(action.on_behalf_of().empty() ? action.approver_id() : action.on_behalf_of());
  }
  return static_cast<int>(approvers.size());
}

std::vector<v1::Event> AdvanceStages(v1::OfferRecord& record, absl::Time now) {
  std::vector<v1::Event> events;
  v1::ApprovalRequest& request = *record.mutable_approval();
  while (record.status() == v1::OFFER_STATUS_PENDING &&
         request.current_stage() < request.stages_size()) {
    v1::ApprovalStage& stage = *request.mutable_stages(request.current_stage());
    if (stage.status() == v1::STAGE_STATUS_WAITING) OpenStageAt(stage, now);
    if (ApprovalCount(stage) < stage.approvals_required()) break;
    stage.set_status(v1::STAGE_STATUS_APPROVED);
    *stage.mutable_completed_at() = ToProtoTime(now);
    events.push_back(OfferEvent(record, "stage.completed", "system",
                                JsonObject()
                                    .Add("stage", stage.index())
                                    .Add("level", stage.level())
                                    .Add("approvals", ApprovalCount(stage))
                                    .str()));
    request.set_current_stage(request.current_stage() + 1);
    if (request.current_stage() < request.stages_size()) {
      v1::ApprovalStage& next = *request.mutable_stages(request.current_stage());
      OpenStageAt(next, now);
      events.push_back(OfferEvent(record, "stage.opened", "system",
                                  JsonObject()
                                      .Add("stage", next.index())
                                      .Add("level", next.level())
                                      .Add("approvers", std::vector<std::string>(
                                                            next.approvers().begin(),
                                                            next.approvers().end()))
                                      .str()));
    }
  }
  if (record.status() == v1::OFFER_STATUS_PENDING &&
      request.current_stage() >= request.stages_size()) {
    record.set_status(v1::OFFER_STATUS_APPROVED);
    *record.mutable_decided_at() = ToProtoTime(now);
    events.push_back(OfferEvent(record, "offer.approved", "system",
                                JsonObject().Add("by", "sign-off").str()));
  }
  return events;
}

absl::StatusOr<std::vector<v1::Event>> RecordAction(v1::OfferRecord& record, const Actor& actor,
                                                    v1::ActionKind kind, const std::string& comment,
                                                    absl::Time now) {
  const std::string& offer_id = record.offer().offer_id();
  if (record.status() != v1::OFFER_STATUS_PENDING) {
    return absl::FailedPreconditionError(absl::StrCat(
        "offer ", offer_id, " revision ", record.offer().revision(), " is ",
        ShortName(record.status()), ", not pending: nothing to ", ShortName(kind)));
  }
  v1::ApprovalStage* stage = MutableOpenStage(record);
  if (stage == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat("offer ", offer_id, " has no open stage"));
  }
  const std::string& approver = actor.approver();
  if (std::find(stage->approvers().begin(), stage->approvers().end(), approver) ==
      stage->approvers().end()) {
    return absl::PermissionDeniedError(absl::StrCat(
        approver, " is not an approver of stage ", stage->index(), " (", stage->level(),
        ") of offer ", offer_id));
  }
  for (const v1::ApprovalAction& action : stage->actions()) {
    const std::string& of_record =
        action.on_behalf_of().empty() ? action.approver_id() : action.on_behalf_of();
    if (of_record == approver) {
      return absl::FailedPreconditionError(absl::StrCat(
          approver, " already acted on stage ", stage->index(), " of offer ", offer_id));
    }
  }
  v1::ApprovalAction& action = *stage->add_actions();
  action.set_approver_id(actor.id);
  action.set_on_behalf_of(actor.on_behalf_of);
  action.set_kind(kind);
  action.set_comment(comment);
  *action.mutable_acted_at() = ToProtoTime(now);

  std::vector<v1::Event> events;
  events.push_back(OfferEvent(record, kind == v1::ACTION_KIND_APPROVE ? "stage.approved" : "stage.rejected",
                              actor.id,
                              JsonObject()
                                  .Add("stage", stage->index())
                                  .Add("level", stage->level())
                                  .Add("comment", comment)
                                  .str(),
                              actor.on_behalf_of));
  if (kind == v1::ACTION_KIND_REJECT) {
    stage->set_status(v1::STAGE_STATUS_REJECTED);
    *stage->mutable_completed_at() = ToProtoTime(now);
    record.set_status(v1::OFFER_STATUS_REJECTED);
    *record.mutable_decided_at() = ToProtoTime(now);
    for (v1::ApprovalStage& later : *record.mutable_approval()->mutable_stages()) {
      if (later.status() == v1::STAGE_STATUS_WAITING) later.set_status(v1::STAGE_STATUS_CANCELLED);
    }
    record.mutable_approval()->set_current_stage(record.approval().stages_size());
    events.push_back(OfferEvent(record, "offer.rejected", actor.id,
                                JsonObject().Add("by", "approver").Add("comment", comment).str(),
                                actor.on_behalf_of));
    return events;
  }
  std::vector<v1::Event> advanced = AdvanceStages(record, now);
  events.insert(events.end(), advanced.begin(), advanced.end());
  return events;
}

std::vector<v1::Event> Close(v1::OfferRecord& record, v1::OfferStatus status,
                             const std::string& actor_id, absl::Time now) {
  for (v1::ApprovalStage& stage : *record.mutable_approval()->mutable_stages()) {
    if (stage.status() == v1::STAGE_STATUS_OPEN || stage.status() == v1::STAGE_STATUS_WAITING) {
      stage.set_status(v1::STAGE_STATUS_CANCELLED);
    }
  }
  record.mutable_approval()->set_current_stage(record.approval().stages_size());
  record.set_status(status);
  *record.mutable_decided_at() = ToProtoTime(now);
  std::string kind = absl::StrCat("offer.", absl::AsciiStrToLower(ShortName(status)));
  return {OfferEvent(record, kind, actor_id, "{}")};
}

std::vector<v1::Event> Escalate(v1::OfferRecord& record, const std::vector<std::string>& added,
                                absl::Time now) {
  v1::ApprovalStage* stage = MutableOpenStage(record);
  if (stage == nullptr) return {};
  std::vector<std::string> really_added;
  for (const std::string& approver : added) {
    if (std::find(stage->approvers().begin(), stage->approvers().end(), approver) ==
        stage->approvers().end()) {
      stage->add_approvers(approver);
      really_added.push_back(approver);
    }
  }
  stage->set_escalations(stage->escalations() + 1);
  *stage->mutable_deadline() = ToProtoTime(now + absl::Seconds(stage->sla_seconds()));
  return {OfferEvent(record, "stage.escalated", "system",
                     JsonObject()
                         .Add("stage", stage->index())
                         .Add("level", stage->level())
                         .Add("escalations", stage->escalations())
                         .Add("added_approvers", really_added)
                         .str())};
}

}  // namespace signoff::workflow
