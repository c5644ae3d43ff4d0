#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "policies/status_macros.h"
#include "server/transport/services.h"
#include "server/workflow/proto_time.h"

namespace signoff::transport {
namespace {

// The inbox line an approver sees, with the offer's summary.
v1::InboxItem ToItem(const workflow::InboxEntry& entry, const v1::OfferRecord* record) {
  v1::InboxItem item;
  item.set_offer_id(entry.offer_id);
  item.set_revision(entry.revision);
  item.set_stage_index(entry.stage_index);
  item.set_level(entry.level);
  item.set_due_to(entry.approver_id);
  *item.mutable_since() = workflow::ToProtoTime(entry.since);
  if (entry.deadline) *item.mutable_deadline() = workflow::ToProtoTime(*entry.deadline);
  if (record != nullptr) {
    item.set_customer_name(record->offer().customer().name());
    item.set_manager_id(record->offer().manager_id());
    *item.mutable_total() = record->decision().figures().total();
    if (record->decision().figures().has_margin_percent()) {
      *item.mutable_margin_percent() = record->decision().figures().margin_percent();
    }
  }
  return item;
}

// The caller plus everyone who delegated to them now.
absl::StatusOr<std::vector<std::string>> ActingFor(const ServiceEnv& env, const std::string& who) {
  std::vector<std::string> ids = {who};
  ASSIGN_OR_RETURN(auto delegations, env.offers->DelegationsTo(who, env.clock()));
  for (const v1::Delegation& d : delegations) ids.push_back(d.delegator_id());
  return ids;
}

void FillResult(v1::BulkApproveResult* result, const std::string& offer_id,
                const absl::StatusOr<v1::OfferRecord>& outcome) {
  result->set_offer_id(offer_id);
  result->set_code(static_cast<int32_t>(outcome.status().code()));
  result->set_message(std::string(outcome.status().message()));
  if (outcome.ok()) result->set_status(outcome->status());
}

}  // namespace

grpc::ServerUnaryReactor* ApprovalServiceImpl::ListInbox(grpc::CallbackServerContext* context,
                                                         const v1::ListInboxRequest* request,
                                                         v1::ListInboxResponse* response) {
  return RunUnary(env_.call, context, "ApprovalService.ListInbox", [=, this](const Call& call) -> absl::Status {
    std::string approver = request->approver_id().empty() ? call.principal.id : request->approver_id();
    if (approver != call.principal.id && !call.principal.Has(v1::ROLE_ADMIN)) {
      return absl::PermissionDeniedError(absl::StrCat(
          call.principal.id, " may not read the inbox of ", approver));
    }
    int page_size = 0;
    RETURN_IF_ERROR(CheckPageSize(request->page_size(), env_.limits.max_page_size, 100, &page_size));
    int offset = 0;
    if (!request->page_token().empty() &&
        (!absl::SimpleAtoi(request->page_token(), &offset) || offset < 0)) {
      return absl::InvalidArgumentError("page_token: not a token this server issued");
    }
    ASSIGN_OR_RETURN(std::vector<workflow::InboxEntry> entries, env_.workflow->Inbox(approver));
    int end = std::min<int>(static_cast<int>(entries.size()), offset + page_size);
    for (int i = offset; i < end; ++i) {
      ASSIGN_OR_RETURN(auto record, env_.offers->Get(entries[i].offer_id, entries[i].revision));
      *response->add_items() = ToItem(entries[i], record ? &*record : nullptr);
    }
    if (end < static_cast<int>(entries.size())) response->set_next_page_token(absl::StrCat(end));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ApprovalServiceImpl::GetApproval(grpc::CallbackServerContext* context,
                                                           const v1::GetApprovalRequest* request,
                                                           v1::GetApprovalResponse* response) {
  return RunUnary(env_.call, context, "ApprovalService.GetApproval", [=, this](const Call&) -> absl::Status {
    RETURN_IF_ERROR(CheckOfferRef(request->offer_id(), request->revision(), env_.limits));
    ASSIGN_OR_RETURN(*response->mutable_record(),
                     env_.workflow->Get(request->offer_id(), request->revision()));
    ASSIGN_OR_RETURN(std::vector<v1::Event> history, env_.events->OfferHistory(request->offer_id()));
    for (v1::Event& event : history) *response->add_history() = std::move(event);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ApprovalServiceImpl::Approve(grpc::CallbackServerContext* context,
                                                       const v1::ApproveRequest* request,
                                                       v1::ApproveResponse* response) {
  return RunUnary(env_.call, context, "ApprovalService.Approve", [=, this](const Call& call) -> absl::Status {
    RETURN_IF_ERROR(CheckOfferRef(request->offer_id(), request->revision(), env_.limits));
    ASSIGN_OR_RETURN(*response->mutable_record(),
                     env_.workflow->Approve(call.principal.id, request->offer_id(),
                                            request->revision(), request->comment()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ApprovalServiceImpl::Reject(grpc::CallbackServerContext* context,
                                                      const v1::RejectRequest* request,
                                                      v1::RejectResponse* response) {
  return RunUnary(env_.call, context, "ApprovalService.Reject", [=, this](const Call& call) -> absl::Status {
    RETURN_IF_ERROR(CheckOfferRef(request->offer_id(), request->revision(), env_.limits));
    ASSIGN_OR_RETURN(*response->mutable_record(),
                     env_.workflow->Reject(call.principal.id, request->offer_id(),
                                           request->revision(), request->comment()));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ApprovalServiceImpl::BulkApprove(grpc::CallbackServerContext* context,
                                                           const v1::BulkApproveRequest* request,
                                                           v1::BulkApproveResponse* response) {
  return RunUnary(env_.call, context, "ApprovalService.BulkApprove", [=, this](const Call& call) -> absl::Status {
    if (request->offer_ids().empty()) return absl::InvalidArgumentError("offer_ids: at least one");
    if (request->offer_ids_size() > env_.limits.max_bulk_items) {
      return absl::InvalidArgumentError(
          absl::StrCat("offer_ids: at most ", env_.limits.max_bulk_items, " per call"));
    }
    for (int i = 0; i < request->offer_ids_size(); ++i) {
      RETURN_IF_ERROR(CheckLength(absl::StrCat("offer_ids[", i, "]"), request->offer_ids(i),
                                  env_.limits.max_id_length, true));
    }
    for (const std::string& offer_id : request->offer_ids()) {
      // Past the deadline the rest is reported, not done.
      absl::StatusOr<v1::OfferRecord> outcome =
          call.Expired() ? absl::DeadlineExceededError("not attempted: the call's deadline passed")
                         : env_.workflow->Approve(call.principal.id, offer_id, 0, request->comment());
      FillResult(response->add_results(), offer_id, outcome);
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ApprovalServiceImpl::SetDelegation(grpc::CallbackServerContext* context,
                                                             const v1::SetDelegationRequest* request,
                                                             v1::SetDelegationResponse* response) {
  return RunUnary(env_.call, context, "ApprovalService.SetDelegation", [=, this](const Call& call) -> absl::Status {
    RETURN_IF_ERROR(CheckLength("delegate_id", request->delegate_id(), env_.limits.max_id_length, true));
    if (!request->has_ends_at()) return absl::InvalidArgumentError("ends_at: required");
    absl::Time starts = request->has_starts_at() ? workflow::FromProtoTime(request->starts_at())
                                                 : env_.clock();
    absl::Time ends = workflow::FromProtoTime(request->ends_at());
    RETURN_IF_ERROR(env_.workflow->SetDelegation(call.principal.id, request->delegate_id(), starts, ends));
    v1::Delegation* d = response->mutable_delegation();
    d->set_delegator_id(call.principal.id);
    d->set_delegate_id(request->delegate_id());
    *d->mutable_starts_at() = workflow::ToProtoTime(starts);
    *d->mutable_ends_at() = workflow::ToProtoTime(ends);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* ApprovalServiceImpl::ClearDelegation(
    grpc::CallbackServerContext* context, const v1::ClearDelegationRequest*,
    v1::ClearDelegationResponse*) {
  return RunUnary(env_.call, context, "ApprovalService.ClearDelegation", [=, this](const Call& call) -> absl::Status {
    return env_.workflow->ClearDelegation(call.principal.id);
  });
}

grpc::ServerWriteReactor<v1::InboxUpdate>* ApprovalServiceImpl::WatchInbox(
    grpc::CallbackServerContext* context, const v1::WatchInboxRequest* request) {
  using Stream = EventStream<v1::InboxUpdate>;
  constexpr const char* kMethod = "ApprovalService.WatchInbox";
  absl::StatusOr<Principal> principal = Admit(env_.call, *context, kMethod);
  absl::Status status = principal.status();
  if (status.ok() && request->after_seq() < 0) status = absl::InvalidArgumentError("after_seq: must be >= 0");
  if (!status.ok()) {
    Finished(env_.call, kMethod, principal.ok() ? principal->id : "-", absl::Now(), status);
    return Stream::Refuse(status);
  }
  ServiceEnv env = env_;
  const std::string me = principal->id;
  // Who the caller acts for changes with delegations and time, so it is read
  // from the database on every fetch: these streams do not run from memory
  // alone, only their events and records come from the fan-out's ring.
  auto fetch = [env, me](int64_t cursor) -> absl::StatusOr<StreamBatch<v1::InboxUpdate>> {
    ASSIGN_OR_RETURN(std::vector<std::string> acting_for, ActingFor(env, me));
    std::set<std::string> ids(acting_for.begin(), acting_for.end());
    workflow::EventQuery query;
    query.after_seq = cursor;
    query.limit = 200;
    ASSIGN_OR_RETURN(workflow::EventPage page, env.fanout->Read(query));
    StreamBatch<v1::InboxUpdate> batch;
    batch.cursor = page.cursor;
    batch.caught_up = page.caught_up;
    for (const workflow::EventWithRecord& item : page.items) {
      const v1::OfferRecord* record = item.record.get();
      if (!record) continue;
      // Relevant when the caller (or someone they stand in for) is an
      // approver of any stage of it.
      const v1::ApprovalStage* due = nullptr;
      std::string due_to;
      bool involved = false;
      for (const v1::ApprovalStage& stage : record->approval().stages()) {
        for (const std::string& approver : stage.approvers()) {
          if (!ids.count(approver)) continue;
          involved = true;
          bool acted = std::any_of(stage.actions().begin(), stage.actions().end(),
                                   [&](const v1::ApprovalAction& a) {
                                     return a.approver_id() == approver || a.on_behalf_of() == approver;
                                   });
          if (record->status() == v1::OFFER_STATUS_PENDING &&
              stage.status() == v1::STAGE_STATUS_OPEN && !acted && due == nullptr) {
            due = &stage;
            due_to = approver;
          }
        }
      }
      if (!involved) continue;
      workflow::InboxEntry entry;
      entry.offer_id = record->offer().offer_id();
      entry.revision = record->offer().revision();
      entry.approver_id = due_to.empty() ? me : due_to;
      if (due != nullptr) {
        entry.stage_index = due->index();
        entry.level = due->level();
        entry.since = workflow::FromProtoTime(due->opened_at());
        entry.deadline = workflow::FromProtoTime(due->deadline());
      }
      v1::InboxUpdate update;
      update.set_change(due != nullptr ? v1::InboxUpdate::CHANGE_ENTERED : v1::InboxUpdate::CHANGE_LEFT);
      *update.mutable_item() = ToItem(entry, record);
      *update.mutable_event() = *item.event;
      batch.messages.push_back(std::make_shared<const v1::InboxUpdate>(std::move(update)));
    }
    return batch;
  };
  return Stream::Start(env_.call, env_.fanout, env_.streams, kMethod, std::move(*principal),
                       request->after_seq(), std::move(fetch));
}

}  // namespace signoff::transport
