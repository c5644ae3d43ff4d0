#include "google/protobuf/util/message_differencer.h"
#include "policies/status_macros.h"
#include "server/log/log.h"
#include "server/transport/services.h"
#include "server/workflow/json_writer.h"
#include "server/workflow/proto_time.h"

namespace signoff::transport {
namespace {

void AddProblems(const std::vector<policies::PolicyIssue>& issues,
                 google::protobuf::RepeatedPtrField<v1::PolicyProblem>* out) {
  for (const policies::PolicyIssue& issue : issues) {
    v1::PolicyProblem* problem = out->Add();
    problem->set_file(issue.file);
    problem->set_line(issue.line);
    problem->set_message(issue.message);
  }
}

std::vector<std::string> Levels(const v1::Decision& decision) {
  return {decision.required_levels().begin(), decision.required_levels().end()};
}

}  // namespace

policies::LoadResult ReloadPolicySet(const ServiceEnv& env, const std::string& actor_id) {
  std::shared_ptr<const policies::PolicySet> before = env.policy->Get();
  policies::LoadResult result = env.policy->Reload(env.policy_dir);
  if (!result.ok()) {
    log::Warning("policy.reload_refused",
                 {{"actor", actor_id}, {"problems", absl::StrCat(result.issues.size())}});
    return result;
  }
  const v1::PolicyVersion& version = result.set->version();
  bool changed = before == nullptr || before->version().content_hash() != version.content_hash();
  log::Info("policy.reloaded", {{"actor", actor_id},
                                {"label", version.label()},
                                {"hash", version.content_hash()},
                                {"changed", changed ? "true" : "false"}});
  if (changed) {
    v1::Event event;
    event.set_kind("policy.activated");
    event.set_actor_id(actor_id);
    event.set_payload_json(workflow::JsonObject()
                               .Add("label", version.label())
                               .Add("content_hash", version.content_hash())
                               .Add("previous_hash", before ? before->version().content_hash() : "")
                               .str());
    if (absl::Status s = env.events->Append(event, env.clock()); !s.ok()) {
      log::Error("policy.event_failed", {{"error", std::string(s.message())}});
    }
  }
  return result;
}

grpc::ServerUnaryReactor* AdminServiceImpl::GetPolicyInfo(grpc::CallbackServerContext* context,
                                                          const v1::GetPolicyInfoRequest*,
                                                          v1::GetPolicyInfoResponse* response) {
  return RunUnary(env_.call, context, "AdminService.GetPolicyInfo", [=, this](const Call&) -> absl::Status {
    std::shared_ptr<const policies::PolicySet> set = env_.policy->Get();
    if (set == nullptr) return absl::UnavailableError("no policy set is active");
    *response->mutable_version() = set->version();
    for (const policies::ApprovalLevel& level : set->levels()) response->add_levels(level.id);
    for (const v1::Rule& rule : set->definition().rules()) {
      v1::RuleInfo* info = response->add_rules();
      info->set_id(rule.id());
      info->set_description(rule.description());
      info->set_mode(rule.mode() == v1::RULE_MODE_UNSPECIFIED ? v1::RULE_MODE_ENFORCE : rule.mode());
    }
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminServiceImpl::ReloadPolicies(grpc::CallbackServerContext* context,
                                                           const v1::ReloadPoliciesRequest*,
                                                           v1::ReloadPoliciesResponse* response) {
  return RunUnary(env_.call, context, "AdminService.ReloadPolicies", [=, this](const Call& call) -> absl::Status {
    policies::LoadResult result = ReloadPolicySet(env_, call.principal.id);
    response->set_activated(result.ok());
    AddProblems(result.issues, response->mutable_problems());
    if (auto active = env_.policy->Get()) *response->mutable_active_version() = active->version();
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminServiceImpl::SimulatePolicy(grpc::CallbackServerContext* context,
                                                           const v1::SimulatePolicyRequest* request,
                                                           v1::SimulatePolicyResponse* response) {
  return RunUnary(env_.call, context, "AdminService.SimulatePolicy", [=, this](const Call& call) -> absl::Status {
    if (request->files().empty()) return absl::InvalidArgumentError("files: at least one policy file");
    std::vector<policies::PolicyFile> files;
    for (int i = 0; i < request->files_size(); ++i) {
      RETURN_IF_ERROR(CheckLength(absl::StrCat("files[", i, "].name"), request->files(i).name(),
                                  env_.limits.max_text_length, true));
      files.push_back({request->files(i).name(), request->files(i).content()});
    }
    policies::LoadResult candidate = policies::PolicySet::LoadFromFiles(files);
    if (!candidate.ok()) {
      AddProblems(candidate.issues, response->mutable_problems());
      return absl::OkStatus();
    }
    *response->mutable_candidate_version() = candidate.set->version();
    int max_changes = request->max_changes() > 0 ? request->max_changes() : 100;
    workflow::DecisionQuery query;
    query.from = request->has_from() ? workflow::FromProtoTime(request->from()) : absl::InfinitePast();
    query.to = request->has_to() ? workflow::FromProtoTime(request->to()) : absl::InfiniteFuture();
    if (query.to <= query.from) return absl::InvalidArgumentError("to: must be after from");
    query.page_size = 1000;
    do {
      if (call.Expired()) return absl::DeadlineExceededError("simulation stopped at the deadline");
      ASSIGN_OR_RETURN(workflow::DecisionPage page, env_.audit->QueryDecisions(query));
      for (const v1::OfferRecord& record : page.records) {
        // Replay with the facts and the time the stored decision was made on.
        const v1::Employee* manager = record.has_manager_facts() && record.manager_facts().active()
                                          ? &record.manager_facts()
                                          : nullptr;
        absl::StatusOr<v1::Decision> simulated = candidate.set->Evaluate(
            record.offer(), manager, workflow::FromProtoTime(record.decision().evaluated_at()));
        response->set_offers_evaluated(response->offers_evaluated() + 1);
        if (!simulated.ok()) continue;  // stored offers were valid under the old rules
        std::vector<std::string> stored_levels = Levels(record.decision());
        std::vector<std::string> new_levels = Levels(*simulated);
        if (simulated->outcome() == record.decision().outcome() && stored_levels == new_levels) continue;
        response->set_decisions_changed(response->decisions_changed() + 1);
        if (response->changes_size() >= max_changes) continue;
        v1::SimulatedChange* change = response->add_changes();
        change->set_offer_id(record.offer().offer_id());
        change->set_revision(record.offer().revision());
        change->set_stored_outcome(record.decision().outcome());
        change->set_simulated_outcome(simulated->outcome());
        for (const std::string& l : stored_levels) change->add_stored_levels(l);
        for (const std::string& l : new_levels) change->add_simulated_levels(l);
      }
      query.page_token = page.next_page_token;
    } while (!query.page_token.empty());
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminServiceImpl::UpsertEmployee(grpc::CallbackServerContext* context,
                                                           const v1::UpsertEmployeeRequest* request,
                                                           v1::UpsertEmployeeResponse* response) {
  return RunUnary(env_.call, context, "AdminService.UpsertEmployee", [=, this](const Call& call) -> absl::Status {
    const v1::Employee& employee = request->employee();
    RETURN_IF_ERROR(CheckLength("employee.display_name", employee.display_name(), env_.limits.max_text_length));
    RETURN_IF_ERROR(CheckLength("employee.team", employee.team(), env_.limits.max_id_length));
    RETURN_IF_ERROR(CheckLength("employee.email", employee.email(), env_.limits.max_id_length));
    RETURN_IF_ERROR(env_.workflow->UpsertEmployee(call.principal.id, employee));
    *response->mutable_employee() = employee;
    return absl::OkStatus();
  });
}

grpc::ServerUnaryReactor* AdminServiceImpl::DeactivateEmployee(
    grpc::CallbackServerContext* context, const v1::DeactivateEmployeeRequest* request,
    v1::DeactivateEmployeeResponse*) {
  return RunUnary(env_.call, context, "AdminService.DeactivateEmployee", [=, this](const Call& call) -> absl::Status {
    return env_.workflow->DeactivateEmployee(call.principal.id, request->employee_id());
  });
}

grpc::ServerUnaryReactor* AdminServiceImpl::ListEmployees(grpc::CallbackServerContext* context,
                                                          const v1::ListEmployeesRequest* request,
                                                          v1::ListEmployeesResponse* response) {
  return RunUnary(env_.call, context, "AdminService.ListEmployees", [=, this](const Call&) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<v1::Employee> employees,
                     env_.directory->List(request->include_inactive()));
    for (v1::Employee& e : employees) *response->add_employees() = std::move(e);
    return absl::OkStatus();
  });
}

}  // namespace signoff::transport
