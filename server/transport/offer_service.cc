#include "policies/status_macros.h"
#include "server/transport/services.h"

namespace signoff::transport {

grpc::ServerUnaryReactor* OfferServiceImpl::SubmitOffer(grpc::CallbackServerContext* context,
                                                        const v1::SubmitOfferRequest* request,
                                                        v1::SubmitOfferResponse* response) {
  // Decided on gRPC's thread like EvaluateOffer (the directory is in memory);
  // answered by the storage thread after the shared commit: no thread waits
  // for the commit, and a submission costs no thread hand-offs of its own.
  return RunUnaryAsync(env_.call, context, "OfferService.SubmitOffer", [=, this](const Call& call, Reply reply) {
    absl::Status valid = CheckOfferLimits(request->offer(), env_.limits);
    if (valid.ok()) valid = CheckLength("idempotency_key", request->idempotency_key(), env_.limits.max_id_length);
    if (!valid.ok()) return reply(valid);
    // A front-office system names the manager it submits for; it may only
    // name those it is configured for.
    if (!call.principal.MaySubmitFor(request->offer().manager_id())) {
      return reply(absl::PermissionDeniedError(absl::StrCat(
          call.principal.id, " may not submit offers for manager \"",
          request->offer().manager_id(), "\"")));
    }
    env_.workflow->SubmitAsync(
        request->offer(), call.principal.id, request->idempotency_key(),
        [this, response, reply = std::move(reply)](absl::StatusOr<v1::OfferRecord> record) {
          if (!record.ok()) return reply(record.status());
          *response->mutable_record() = std::move(*record);
          env_.call.metrics->RecordDecision(v1::Outcome_Name(response->record().decision().outcome()));
          reply(absl::OkStatus());
        });
  });
}

grpc::ServerUnaryReactor* OfferServiceImpl::EvaluateOffer(grpc::CallbackServerContext* context,
                                                          const v1::EvaluateOfferRequest* request,
                                                          v1::EvaluateOfferResponse* response) {
  return RunUnary(env_.call, context, "OfferService.EvaluateOffer", [=, this](const Call&) -> absl::Status {
    RETURN_IF_ERROR(CheckOfferLimits(request->offer(), env_.limits));
    return env_.workflow->EvaluateInto(request->offer(), *response->mutable_decision());
  // The directory is in memory (DirectoryCache): evaluating blocks on
  // nothing, except the rare reload after a directory change.
  }, WorkKind::kCpuOnly);
}

grpc::ServerUnaryReactor* OfferServiceImpl::GetDecision(grpc::CallbackServerContext* context,
                                                        const v1::GetDecisionRequest* request,
                                                        v1::GetDecisionResponse* response) {
  return RunUnary(env_.call, context, "OfferService.GetDecision", [=, this](const Call& call) -> absl::Status {
    RETURN_IF_ERROR(CheckOfferRef(request->offer_id(), request->revision(), env_.limits));
    ASSIGN_OR_RETURN(v1::OfferRecord record,
                     env_.workflow->Get(request->offer_id(), request->revision()));
    // A front-office system sees what it submitted, not other systems' offers.
    bool reader = call.principal.Has(v1::ROLE_APPROVER) || call.principal.Has(v1::ROLE_AUDITOR) ||
                  call.principal.Has(v1::ROLE_ADMIN);
    if (!reader && record.submitted_by() != call.principal.id) {
      return absl::PermissionDeniedError(absl::StrCat(
          call.principal.id, " did not submit offer ", request->offer_id()));
    }
    *response->mutable_record() = std::move(record);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* OfferServiceImpl::WithdrawOffer(grpc::CallbackServerContext* context,
                                                          const v1::WithdrawOfferRequest* request,
                                                          v1::WithdrawOfferResponse* response) {
  return RunUnary(env_.call, context, "OfferService.WithdrawOffer", [=, this](const Call& call) -> absl::Status {
    RETURN_IF_ERROR(CheckLength("offer_id", request->offer_id(), env_.limits.max_id_length, true));
    ASSIGN_OR_RETURN(*response->mutable_record(),
                     env_.workflow->Withdraw(call.principal.id, request->offer_id()));
    return absl::OkStatus();
  });
}

grpc::ServerWriteReactor<v1::DecisionUpdate>* OfferServiceImpl::WatchDecisions(
    grpc::CallbackServerContext* context, const v1::WatchDecisionsRequest* request) {
  using Stream = EventStream<v1::DecisionUpdate>;
  constexpr const char* kMethod = "OfferService.WatchDecisions";
  absl::StatusOr<Principal> principal = Admit(env_.call, *context, kMethod);
  if (!principal.ok()) {
    Finished(env_.call, kMethod, "-", absl::Now(), principal.status());
    return Stream::Refuse(principal.status());
  }
  absl::Status valid = absl::OkStatus();
  if (request->offer_ids_size() > env_.limits.max_watched_offers) {
    valid = absl::InvalidArgumentError(absl::StrCat("offer_ids: at most ",
                                                    env_.limits.max_watched_offers, " offers"));
  }
  for (int i = 0; valid.ok() && i < request->offer_ids_size(); ++i) {
    valid = CheckLength(absl::StrCat("offer_ids[", i, "]"), request->offer_ids(i),
                        env_.limits.max_id_length, true);
  }
  if (valid.ok() && request->after_seq() < 0) valid = absl::InvalidArgumentError("after_seq: must be >= 0");
  if (!valid.ok()) {
    Finished(env_.call, kMethod, principal->id, absl::Now(), valid);
    return Stream::Refuse(valid);
  }
  workflow::EventQuery query;
  query.offer_ids.assign(request->offer_ids().begin(), request->offer_ids().end());
  query.limit = 200;
  const bool sees_all = principal->Has(v1::ROLE_AUDITOR) || principal->Has(v1::ROLE_ADMIN);
  const std::string me = principal->id;
  // The updates for this caller: what they submitted, unless they audit
  // everything; events that are not about a known offer revision are skipped.
  DecisionUpdates* updates = &updates_;
  auto to_batch = [sees_all, me, updates](const workflow::EventPage& page) {
    StreamBatch<v1::DecisionUpdate> batch;
    batch.cursor = page.cursor;
    batch.caught_up = page.caught_up;
    for (const workflow::EventWithRecord& item : page.items) {
      if (item.record == nullptr) continue;
      if (!sees_all && item.record->submitted_by() != me) continue;
      batch.messages.push_back(updates->For(item));
    }
    return batch;
  };
  workflow::EventFanout* fanout = env_.fanout;
  auto fetch = [fanout, query, to_batch](int64_t cursor) mutable
      -> absl::StatusOr<StreamBatch<v1::DecisionUpdate>> {
    query.after_seq = cursor;
    ASSIGN_OR_RETURN(workflow::EventPage page, fanout->Read(query));
    return to_batch(page);
  };
  auto memory_fetch = [fanout, query, to_batch](int64_t cursor) mutable
      -> std::optional<StreamBatch<v1::DecisionUpdate>> {
    query.after_seq = cursor;
    std::optional<workflow::EventPage> page = fanout->ReadRecent(query);
    if (!page) return std::nullopt;
    return to_batch(*page);
  };
  return Stream::Start(env_.call, fanout, env_.streams, kMethod, std::move(*principal),
                       request->after_seq(), std::move(fetch), std::move(memory_fetch));
}

}  // namespace signoff::transport
