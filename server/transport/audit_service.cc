#include "policies/status_macros.h"
#include "server/transport/services.h"
#include "server/workflow/proto_time.h"

namespace signoff::transport {
namespace {

absl::Status Period(const google::protobuf::Timestamp* from, const google::protobuf::Timestamp* to,
                    absl::Time* start, absl::Time* end) {
  *start = from != nullptr ? workflow::FromProtoTime(*from) : absl::InfinitePast();
  *end = to != nullptr ? workflow::FromProtoTime(*to) : absl::InfiniteFuture();
  if (*end <= *start) return absl::InvalidArgumentError("to: must be after from");
  return absl::OkStatus();
}

}  // namespace

grpc::ServerUnaryReactor* AuditServiceImpl::QueryDecisions(grpc::CallbackServerContext* context,
                                                           const v1::QueryDecisionsRequest* request,
                                                           v1::QueryDecisionsResponse* response) {
  return RunUnary(env_.call, context, "AuditService.QueryDecisions", [=, this](const Call&) -> absl::Status {
    workflow::DecisionQuery query;
    RETURN_IF_ERROR(Period(request->has_from() ? &request->from() : nullptr,
                           request->has_to() ? &request->to() : nullptr, &query.from, &query.to));
    for (auto [field, value] : {std::pair{"manager_id", &request->manager_id()},
                                std::pair{"customer_id", &request->customer_id()},
                                std::pair{"rule_id", &request->rule_id()},
                                std::pair{"approver_id", &request->approver_id()}}) {
      RETURN_IF_ERROR(CheckLength(field, *value, env_.limits.max_id_length));
    }
    query.manager_id = request->manager_id();
    query.customer_id = request->customer_id();
    query.rule_id = request->rule_id();
    query.approver_id = request->approver_id();
    query.status = request->status();
    query.outcome = request->outcome();
    RETURN_IF_ERROR(CheckPageSize(request->page_size(), env_.limits.max_page_size, 100, &query.page_size));
    RETURN_IF_ERROR(CheckLength("page_token", request->page_token(), 1024));
    query.page_token = request->page_token();
    ASSIGN_OR_RETURN(workflow::DecisionPage page, env_.audit->QueryDecisions(query));
    for (v1::OfferRecord& record : page.records) *response->add_records() = std::move(record);
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetOfferHistory(grpc::CallbackServerContext* context,
                                                            const v1::GetOfferHistoryRequest* request,
                                                            v1::GetOfferHistoryResponse* response) {
  return RunUnary(env_.call, context, "AuditService.GetOfferHistory", [=, this](const Call&) -> absl::Status {
    RETURN_IF_ERROR(CheckLength("offer_id", request->offer_id(), env_.limits.max_id_length, true));
    ASSIGN_OR_RETURN(std::vector<v1::Event> events, env_.events->OfferHistory(request->offer_id()));
    if (events.empty()) return absl::NotFoundError(absl::StrCat("no events of offer ", request->offer_id()));
    for (v1::Event& event : events) *response->add_events() = std::move(event);
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::GetStatistics(grpc::CallbackServerContext* context,
                                                          const v1::GetStatisticsRequest* request,
                                                          v1::GetStatisticsResponse* response) {
  return RunUnary(env_.call, context, "AuditService.GetStatistics", [=, this](const Call&) -> absl::Status {
    absl::Time from, to;
    RETURN_IF_ERROR(Period(request->has_from() ? &request->from() : nullptr,
                           request->has_to() ? &request->to() : nullptr, &from, &to));
    ASSIGN_OR_RETURN(*response->mutable_statistics(), env_.audit->Statistics(from, to));
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AuditServiceImpl::VerifyAuditLog(grpc::CallbackServerContext* context,
                                                           const v1::VerifyAuditLogRequest*,
                                                           v1::VerifyAuditLogResponse* response) {
  return RunUnary(env_.call, context, "AuditService.VerifyAuditLog", [=, this](const Call&) -> absl::Status {
    ASSIGN_OR_RETURN(workflow::AuditLogCheck check, env_.events->Verify());
    response->set_intact(check.intact);
    response->set_events_checked(check.events_checked);
    response->set_last_seq(check.last_seq);
    response->set_first_broken_seq(check.first_broken_seq);
    response->set_problem(check.problem);
    return absl::OkStatus();
  });
}

}  // namespace signoff::transport
