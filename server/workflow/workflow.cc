#include "server/workflow/workflow.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/message_differencer.h"
#include "policies/money.h"
#include "policies/status_macros.h"
#include "server/workflow/json_writer.h"
#include "server/workflow/proto_time.h"
#include "server/workflow/routing.h"
#include "server/workflow/wait_for.h"

namespace signoff::workflow {
namespace {

constexpr size_t kMaxCommentLength = 4000;
constexpr size_t kMaxIdLength = 128;

bool SameOffer(const v1::Offer& a, const v1::Offer& b) {
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

absl::StatusOr<policies::Money> Total(const v1::OfferRecord& record) {
  return policies::Money::FromProto(record.decision().figures().total());
}

std::optional<policies::Decimal> Margin(const v1::OfferRecord& record) {
  if (!record.decision().figures().has_margin_percent()) return std::nullopt;
  auto margin = policies::Decimal::Parse(record.decision().figures().margin_percent().value());
  if (!margin.ok()) return std::nullopt;
  return *margin;
}

std::string RiskSummary(const v1::OfferRecord& record) {
  auto total = Total(record);
  std::string out = total.ok() ? total->ToString() : "unknown total";
  if (auto margin = Margin(record)) absl::StrAppend(&out, ", margin ", margin->ToFixed(2), " %");
  return out;
}

// Why `next` is riskier than `previous`, or "" when it is not: no level
// beyond those already required, amount not larger, margin not lower.
std::string WhyRiskier(const v1::OfferRecord& previous, const v1::OfferRecord& next) {
  const auto& old_levels = previous.decision().required_levels();
  for (const std::string& level : next.decision().required_levels()) {
    if (std::find(old_levels.begin(), old_levels.end(), level) == old_levels.end()) {
      return absl::StrCat("it needs the ", level, " level, which revision ",
                          previous.offer().revision(), " did not");
    }
  }
  auto old_total = Total(previous);
  auto new_total = Total(next);
  if (!old_total.ok() || !new_total.ok()) return "its total cannot be compared";
  auto compared = policies::Compare(*new_total, *old_total);
  if (!compared.ok()) return "its currency changed";
  if (*compared > 0) {
    return absl::StrCat("its total ", new_total->ToString(), " is larger than ",
                        old_total->ToString());
  }
  std::optional<policies::Decimal> old_margin = Margin(previous);
  std::optional<policies::Decimal> new_margin = Margin(next);
  if (old_margin && !new_margin) return "its margin can no longer be computed";
  if (old_margin && new_margin && *new_margin < *old_margin) {
    return absl::StrCat("its margin ", new_margin->ToFixed(2), " % is lower than ",
                        old_margin->ToFixed(2), " %");
  }
  return "";
}

// Copies the approvals of `previous` to the matching stages of `next` when
// `next` is no riskier; notes either way why.
std::vector<v1::Event> CarryOver(const v1::OfferRecord& previous, v1::OfferRecord& next) {
  if (previous.status() != v1::OFFER_STATUS_PENDING &&
      previous.status() != v1::OFFER_STATUS_APPROVED) {
    return {};
  }
  bool had_approvals = false;
  for (const v1::ApprovalStage& stage : previous.approval().stages()) {
    had_approvals = had_approvals || ApprovalCount(stage) > 0;
  }
  if (!had_approvals) return {};
  const int64_t from = previous.offer().revision();
  if (std::string why = WhyRiskier(previous, next); !why.empty()) {
    next.add_notes(absl::StrCat("Approvals of revision ", from, " were not carried over: ", why, "."));
    return {};
  }
  std::vector<std::string> carried;
  for (v1::ApprovalStage& stage : *next.mutable_approval()->mutable_stages()) {
    for (const v1::ApprovalStage& old_stage : previous.approval().stages()) {
      if (old_stage.level() != stage.level()) continue;
      for (const v1::ApprovalAction& action : old_stage.actions()) {
        if (action.kind() != v1::ACTION_KIND_APPROVE) continue;
        const std::string& of_record =
            action.on_behalf_of().empty() ? action.approver_id() : action.on_behalf_of();
        // Four-eyes still holds if the new revision changed hands.
        if (of_record == next.offer().manager_id() || action.approver_id() == next.offer().manager_id() ||
            action.approver_id() == next.submitted_by()) {
          continue;
        }
        v1::ApprovalAction& copy = *stage.add_actions();
        copy = action;
        if (copy.carried_over_from_revision() == 0) copy.set_carried_over_from_revision(from);
        if (std::find(stage.approvers().begin(), stage.approvers().end(), of_record) ==
            stage.approvers().end()) {
          stage.add_approvers(of_record);
        }
        carried.push_back(absl::StrCat(stage.level(), " by ", action.approver_id()));
      }
    }
  }
  if (carried.empty()) return {};
  next.add_notes(absl::StrCat("Approvals carried over from revision ", from, " (",
                              absl::StrJoin(carried, ", "), "): this revision is no riskier (",
                              RiskSummary(next), " against ", RiskSummary(previous),
                              "; no new level)."));
  return {OfferEvent(next, "approvals.carried_over", "system",
                     JsonObject().Add("from_revision", from).Add("approvals", carried).str())};
}

// Stores `record`, changed, one version later, with the events saying what changed.
absl::Status SaveChange(OfferTransaction& tx, v1::OfferRecord& record,
                        const std::vector<v1::Event>& events, absl::Time now) {
  record.set_version(record.version() + 1);
  RETURN_IF_ERROR(tx.Update(record));
  return tx.AppendEvents(events, now);
}

absl::Status ValidateId(absl::string_view field, const std::string& value) {
  if (value.empty()) return absl::InvalidArgumentError(absl::StrCat(field, ": required"));
  if (value.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, ": at most ", kMaxIdLength, " characters, got ", value.size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateComment(const std::string& comment, bool required) {
  if (required && comment.find_first_not_of(" \t\n") == std::string::npos) {
    return absl::InvalidArgumentError("comment: a rejection needs a comment saying why");
  }
  if (comment.size() > kMaxCommentLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("comment: at most ", kMaxCommentLength, " characters, got ", comment.size()));
  }
  return absl::OkStatus();
}

}  // namespace

Workflow::Workflow(OfferRepository* offers, DirectoryRepository* directory, PolicySource policy,
                   Clock clock, WorkflowOptions options)
    : offers_(offers),
      directory_(directory),
      policy_(std::move(policy)),
      clock_(std::move(clock)),
      options_(options) {}

absl::StatusOr<std::shared_ptr<const policies::PolicySet>> Workflow::ActivePolicy() {
  std::shared_ptr<const policies::PolicySet> policy = policy_ ? policy_() : nullptr;
  if (policy == nullptr) {
    return absl::UnavailableError("no policy set is active: load one (AdminService.ReloadPolicies)");
  }
  return policy;
}

absl::Status Workflow::EvaluateInto(const v1::Offer& offer, v1::Decision& decision) {
  ASSIGN_OR_RETURN(auto policy, ActivePolicy());
  ASSIGN_OR_RETURN(std::shared_ptr<const v1::Employee> manager, directory_->Find(offer.manager_id()));
  const v1::Employee* facts = manager && manager->active() ? manager.get() : nullptr;
  return policy->EvaluateInto(offer, facts, ToMicros(clock_()), decision);
}

absl::StatusOr<Workflow::Submission> Workflow::Prepare(const v1::Offer& offer,
                                                       const std::string& submitted_by,
                                                       const std::string& idempotency_key) {
  RETURN_IF_ERROR(ValidateId("submitted_by", submitted_by));
  if (idempotency_key.size() > kMaxIdLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("idempotency_key: at most ", kMaxIdLength, " characters"));
  }
  ASSIGN_OR_RETURN(auto policy, ActivePolicy());
  const absl::Time now = ToMicros(clock_());

  // An inactive manager is judged as an unknown one: fail safe.
  ASSIGN_OR_RETURN(std::shared_ptr<const v1::Employee> manager, directory_->Find(offer.manager_id()));
  const v1::Employee* facts = manager && manager->active() ? manager.get() : nullptr;
  Submission prepared;
  prepared.now = now;
  v1::OfferRecord& record = prepared.record;
  v1::Decision& decision = *record.mutable_decision();
  RETURN_IF_ERROR(policy->EvaluateInto(offer, facts, now, decision));
  ASSIGN_OR_RETURN(policies::Money total, policies::Money::FromProto(decision.figures().total()));
  prepared.total = total.ToString();

  *record.mutable_offer() = offer;
  if (manager) *record.mutable_manager_facts() = *manager;
  record.set_submitted_by(submitted_by);
  record.set_idempotency_key(idempotency_key);
  *record.mutable_submitted_at() = ToProtoTime(now);
  record.set_version(1);
  switch (decision.outcome()) {
    case v1::OUTCOME_APPROVED:
      record.set_status(v1::OFFER_STATUS_APPROVED);
      *record.mutable_decided_at() = ToProtoTime(now);
      break;
    case v1::OUTCOME_REJECTED:
      record.set_status(v1::OFFER_STATUS_REJECTED);
      *record.mutable_decided_at() = ToProtoTime(now);
      break;
    default: {
      record.set_status(v1::OFFER_STATUS_PENDING);
      RoutingFacts routing;
      ASSIGN_OR_RETURN(routing.supervisor_chain, directory_->SupervisorChain(offer.manager_id()));
      std::vector<std::string> level_ids;
      for (const policies::ApprovalLevel& level : policy->levels()) level_ids.push_back(level.id);
      ASSIGN_OR_RETURN(std::vector<v1::Employee> holders, directory_->HoldersOf(level_ids));
      for (const v1::Employee& holder : holders) {
        for (const v1::ApprovalAuthority& authority : holder.approval_levels()) {
          routing.holders[authority.level()].push_back(holder);
        }
      }
      std::vector<StagePlan> plans =
          PlanStages(decision, *policy, routing, offer.manager_id(), submitted_by, total);
      for (const StagePlan& plan : plans) {
        if (plan.approvers.empty()) {
          record.add_notes(absl::StrCat("Nobody in the directory can sign the ", plan.level,
                                        " stage: an administrator must assign an approver."));
        }
      }
      *record.mutable_approval() = BuildRequest(plans, now);
    }
  }
  return prepared;
}

absl::StatusOr<v1::OfferRecord> Workflow::Submit(const v1::Offer& offer,
                                                 const std::string& submitted_by,
                                                 const std::string& idempotency_key) {
  return WaitFor<absl::StatusOr<v1::OfferRecord>>(
      [&](SubmitDone done) { SubmitAsync(offer, submitted_by, idempotency_key, std::move(done)); });
}

// What the shared transaction and the answer need, owned here: the caller's
// arguments may be gone by then.
struct Workflow::SubmitState {
  Submission prepared;
  // The answer: the prepared record as it is (the common case, and no copy
  // on the group-commit writer's thread), or `stored` when the transaction
  // found or changed something.
  v1::OfferRecord stored;
  bool answer_is_prepared = false;
  SubmitDone done;
};

// The shared transaction's part of a submission: the earlier answer to the
// same request, or the new revision stored with its events (superseding a
// pending predecessor). `shared` owns `state`, for a batch that keeps the
// record instead of a copy. It may run more than once: it never changes the
// prepared record and sets the answer each time.
absl::Status Workflow::StoreSubmission(const std::shared_ptr<SubmitState>& shared,
                                       OfferTransaction& tx) {
  SubmitState& state = *shared;
  const v1::OfferRecord& record = state.prepared.record;
  const v1::Offer& offer = record.offer();
  const v1::Decision& decision = record.decision();
  const std::string& offer_id = offer.offer_id();
  const int64_t revision = offer.revision();
  const std::string& submitted_by = record.submitted_by();
  const std::string& idempotency_key = record.idempotency_key();
  const absl::Time now = state.prepared.now;
  v1::OfferRecord& stored = state.stored;
  state.answer_is_prepared = false;
  if (!idempotency_key.empty()) {
    ASSIGN_OR_RETURN(auto prior, tx.ByIdempotencyKey(submitted_by, idempotency_key));
    if (prior) {
      if (!SameOffer(prior->offer(), offer)) {
        return absl::FailedPreconditionError(absl::StrCat(
            "idempotency_key: \"", idempotency_key, "\" was already used for offer ",
            prior->offer().offer_id(), " revision ", prior->offer().revision(),
            " with different content; a different request needs a new key"));
      }
      stored = std::move(*prior);
      return absl::OkStatus();
    }
  }
  ASSIGN_OR_RETURN(auto same_revision, tx.Revision(offer_id, revision, /*lock=*/false));
  if (same_revision) {
    if (!SameOffer(same_revision->offer(), offer)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "offer ", offer_id, " revision ", revision,
          " was already submitted with different content; submit the change as a new revision"));
    }
    stored = std::move(*same_revision);
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto latest, tx.Latest(offer_id, /*lock=*/true));
  std::vector<v1::Event> events;
  events.push_back(OfferEvent(
      record, "offer.submitted", submitted_by,
      JsonObject()
          .Add("outcome", v1::Outcome_Name(decision.outcome()))
          .Add("status", ShortName(record.status()))
          .Add("manager_id", offer.manager_id())
          .Add("customer_id", offer.customer().id())
          .Add("total", state.prepared.total)
          .Add("required_levels", std::vector<std::string>(decision.required_levels().begin(),
                                                           decision.required_levels().end()))
          .Add("policy", decision.policy_version().content_hash())
          .str()));
  if (record.status() == v1::OFFER_STATUS_PENDING) {
    std::vector<std::string> stages;
    for (const v1::ApprovalStage& stage : record.approval().stages()) {
      stages.push_back(absl::StrCat(stage.level(), ":", absl::StrJoin(stage.approvers(), "|"),
                                    " need ", stage.approvals_required()));
    }
    events.push_back(OfferEvent(record, "offer.routed", "system",
                                JsonObject().Add("stages", stages).str()));
  }
  if (latest) {
    if (latest->offer().revision() > revision) {
      return absl::FailedPreconditionError(absl::StrCat(
          "revision: ", revision, " is older than the offer's current revision ",
          latest->offer().revision()));
    }
    if (record.status() == v1::OFFER_STATUS_PENDING) {
      stored = record;
      std::vector<v1::Event> carried = CarryOver(*latest, stored);
      events.insert(events.end(), carried.begin(), carried.end());
      std::vector<v1::Event> advanced = AdvanceStages(stored, now);
      events.insert(events.end(), advanced.begin(), advanced.end());
    }
    if (latest->status() == v1::OFFER_STATUS_PENDING) {
      v1::OfferRecord superseded = *latest;
      std::vector<v1::Event> closed =
          Close(superseded, v1::OFFER_STATUS_SUPERSEDED, submitted_by, now);
      superseded.add_notes(absl::StrCat("Superseded by revision ", revision, "."));
      superseded.set_version(superseded.version() + 1);
      RETURN_IF_ERROR(tx.Update(superseded));
      events.insert(events.end(), closed.begin(), closed.end());
    }
  }
  state.answer_is_prepared = !(latest && record.status() == v1::OFFER_STATUS_PENDING);
  if (state.answer_is_prepared) {
    // The batch may keep the prepared record itself (it lives in
    // `state`, unchanged, until the answer): no copy on the writer.
    RETURN_IF_ERROR(tx.InsertShared(std::shared_ptr<const v1::OfferRecord>(shared, &record)));
  } else {
    RETURN_IF_ERROR(tx.Insert(stored));
  }
  return tx.AppendEvents(events, now);
}

void Workflow::SubmitAsync(const v1::Offer& offer, const std::string& submitted_by,
                           const std::string& idempotency_key, SubmitDone done) {
  absl::StatusOr<Submission> prepared = Prepare(offer, submitted_by, idempotency_key);
  if (!prepared.ok()) return done(prepared.status());
  auto state = std::make_shared<SubmitState>();
  state->prepared = std::move(*prepared);
  state->done = std::move(done);
  const v1::Offer& submitted = state->prepared.record.offer();
  GroupedReads reads{submitted.offer_id(), submitted.revision(), submitted_by, idempotency_key};
  offers_->TransactGroupedAsync(
      std::move(reads), [state](OfferTransaction& tx) { return StoreSubmission(state, tx); },
      [this, state](absl::Status status) {
        const v1::Offer& offer = state->prepared.record.offer();
        if (absl::IsAlreadyExists(status)) {
          // A concurrent submission of the same revision committed first (one
          // read; rare, so done on the storage thread that answers).
          auto winner = offers_->Get(offer.offer_id(), offer.revision());
          if (!winner.ok()) return state->done(winner.status());
          if (*winner && SameOffer((*winner)->offer(), offer)) return state->done(std::move(**winner));
        }
        if (!status.ok()) return state->done(status);
        if (state->answer_is_prepared) return state->done(std::move(state->prepared.record));
        state->done(std::move(state->stored));
      });
}

absl::StatusOr<v1::OfferRecord> Workflow::Get(const std::string& offer_id, int64_t revision) {
  RETURN_IF_ERROR(ValidateId("offer_id", offer_id));
  ASSIGN_OR_RETURN(auto record, offers_->Get(offer_id, revision));
  if (!record) {
    return absl::NotFoundError(revision == 0
                                   ? absl::StrCat("no offer ", offer_id)
                                   : absl::StrCat("no offer ", offer_id, " revision ", revision));
  }
  return *record;
}

absl::StatusOr<v1::OfferRecord> Workflow::Approve(const std::string& actor_id,
                                                  const std::string& offer_id, int64_t revision,
                                                  const std::string& comment) {
  return Act(actor_id, offer_id, revision, v1::ACTION_KIND_APPROVE, comment);
}

absl::StatusOr<v1::OfferRecord> Workflow::Reject(const std::string& actor_id,
                                                 const std::string& offer_id, int64_t revision,
                                                 const std::string& comment) {
  return Act(actor_id, offer_id, revision, v1::ACTION_KIND_REJECT, comment);
}

absl::StatusOr<v1::OfferRecord> Workflow::Act(const std::string& actor_id,
                                              const std::string& offer_id, int64_t revision,
                                              v1::ActionKind kind, const std::string& comment) {
  RETURN_IF_ERROR(ValidateId("offer_id", offer_id));
  RETURN_IF_ERROR(ValidateComment(comment, kind == v1::ACTION_KIND_REJECT));
  ASSIGN_OR_RETURN(auto policy, ActivePolicy());
  const absl::Time now = ToMicros(clock_());

  // Directory facts first, outside the transaction: the actor and everyone
  // who delegated to them now (a delegate's own delegation does not chain).
  std::map<std::string, v1::Employee> people;
  ASSIGN_OR_RETURN(auto actor, directory_->Get(actor_id));
  if (!actor) {
    return absl::PermissionDeniedError(
        absl::StrCat(actor_id, " is not in the directory and cannot sign off offers"));
  }
  people[actor_id] = *actor;
  ASSIGN_OR_RETURN(std::vector<v1::Delegation> delegations, offers_->DelegationsTo(actor_id, now));
  for (const v1::Delegation& delegation : delegations) {
    ASSIGN_OR_RETURN(auto delegator, directory_->Get(delegation.delegator_id()));
    if (delegator) people[delegation.delegator_id()] = *delegator;
  }

  v1::OfferRecord result;
  // Grouped with submissions: an approval shares their commit instead of
  // holding the event chain (and so every writer) for a transaction of its own.
  const GroupedReads reads{offer_id, revision, "", ""};
  absl::Status status = offers_->TransactGrouped(reads, [&](OfferTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto loaded, revision == 0 ? tx.Latest(offer_id, /*lock=*/true)
                                                : tx.Revision(offer_id, revision, /*lock=*/true));
    if (!loaded) return absl::NotFoundError(absl::StrCat("no offer ", offer_id));
    v1::OfferRecord record = std::move(*loaded);
    if (record.status() == v1::OFFER_STATUS_SUPERSEDED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "offer ", offer_id, " revision ", record.offer().revision(),
          " was superseded by a newer revision: review that one instead"));
    }
    // Four-eyes: nobody signs an offer they own or submitted, whatever their roles.
    if (actor_id == record.offer().manager_id() || actor_id == record.submitted_by()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "four-eyes: ", actor_id, " owns or submitted offer ", offer_id,
          " and cannot sign it off"));
    }
    const v1::ApprovalStage* stage = OpenStage(record);
    if (stage == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "offer ", offer_id, " revision ", record.offer().revision(), " is ",
          ShortName(record.status()), ", not waiting for sign-off"));
    }
    Actor acting{actor_id, ""};
    const auto& approvers = stage->approvers();
    if (std::find(approvers.begin(), approvers.end(), actor_id) == approvers.end()) {
      for (const v1::Delegation& delegation : delegations) {
        if (std::find(approvers.begin(), approvers.end(), delegation.delegator_id()) !=
            approvers.end()) {
          acting.on_behalf_of = delegation.delegator_id();
          break;
        }
      }
    }
    if (acting.approver() == record.offer().manager_id()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "four-eyes: ", acting.approver(), " owns offer ", offer_id, " and cannot sign it off"));
    }
    auto of_record = people.find(acting.approver());
    const policies::ApprovalLevel* level = policy->FindLevel(stage->level());
    if (of_record == people.end() || level == nullptr) {
      return absl::PermissionDeniedError(absl::StrCat(
          actor_id, " is not an approver of the open ", stage->level(), " stage of offer ",
          offer_id));
    }
    ASSIGN_OR_RETURN(policies::Money total, Total(record));
    if (kind == v1::ACTION_KIND_APPROVE) {
      // A delegate exercises the authority of the approver they stand in for.
      RETURN_IF_ERROR(CheckAuthority(of_record->second, *level, *policy, total));
    }
    ASSIGN_OR_RETURN(std::vector<v1::Event> events, RecordAction(record, acting, kind, comment, now));
    RETURN_IF_ERROR(SaveChange(tx, record, events, now));
    result = std::move(record);
    return absl::OkStatus();
  });
  RETURN_IF_ERROR(status);
  return result;
}

std::vector<BulkItemResult> Workflow::BulkApprove(const std::string& actor_id,
                                                  const std::vector<std::string>& offer_ids,
                                                  const std::string& comment) {
  std::vector<BulkItemResult> results;
  results.reserve(offer_ids.size());
  for (const std::string& offer_id : offer_ids) {
    BulkItemResult item{offer_id, absl::OkStatus()};
    absl::StatusOr<v1::OfferRecord> record = Approve(actor_id, offer_id, 0, comment);
    item.status = record.status();
    if (record.ok()) item.offer_status = record->status();
    results.push_back(std::move(item));
  }
  return results;
}

absl::StatusOr<v1::OfferRecord> Workflow::Withdraw(const std::string& actor_id,
                                                   const std::string& offer_id) {
  RETURN_IF_ERROR(ValidateId("offer_id", offer_id));
  const absl::Time now = ToMicros(clock_());
  v1::OfferRecord result;
  const GroupedReads reads{offer_id, 0, "", ""};
  RETURN_IF_ERROR(offers_->TransactGrouped(reads, [&](OfferTransaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto loaded, tx.Latest(offer_id, /*lock=*/true));
    if (!loaded) return absl::NotFoundError(absl::StrCat("no offer ", offer_id));
    v1::OfferRecord record = std::move(*loaded);
    if (actor_id != record.submitted_by() && actor_id != record.offer().manager_id()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "only the submitter or the manager of offer ", offer_id, " may withdraw it"));
    }
    if (record.status() != v1::OFFER_STATUS_PENDING) {
      return absl::FailedPreconditionError(absl::StrCat(
          "offer ", offer_id, " is ", ShortName(record.status()), "; only a pending offer can be withdrawn"));
    }
    std::vector<v1::Event> events = Close(record, v1::OFFER_STATUS_WITHDRAWN, actor_id, now);
    RETURN_IF_ERROR(SaveChange(tx, record, events, now));
    result = std::move(record);
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<std::vector<InboxEntry>> Workflow::Inbox(const std::string& actor_id) {
  RETURN_IF_ERROR(ValidateId("approver_id", actor_id));
  std::vector<std::string> approver_ids = {actor_id};
  ASSIGN_OR_RETURN(auto delegations, offers_->DelegationsTo(actor_id, ToMicros(clock_())));
  for (const v1::Delegation& d : delegations) approver_ids.push_back(d.delegator_id());
  return offers_->Inbox(approver_ids, options_.inbox_limit);
}

absl::Status Workflow::SetDelegation(const std::string& actor_id, const std::string& delegate_id,
                                     absl::Time starts_at, absl::Time ends_at) {
  RETURN_IF_ERROR(ValidateId("delegate_id", delegate_id));
  const absl::Time now = ToMicros(clock_());
  if (delegate_id == actor_id) {
    return absl::InvalidArgumentError("delegate_id: cannot delegate to yourself");
  }
  if (ends_at <= starts_at) {
    return absl::InvalidArgumentError("ends_at: must be after starts_at");
  }
  if (ends_at <= now) return absl::InvalidArgumentError("ends_at: must be in the future");
  ASSIGN_OR_RETURN(auto delegate, directory_->Get(delegate_id));
  if (!delegate || !delegate->active()) {
    return absl::InvalidArgumentError(
        absl::StrCat("delegate_id: no active employee \"", delegate_id, "\" in the directory"));
  }
  v1::Delegation delegation;
  delegation.set_delegator_id(actor_id);
  delegation.set_delegate_id(delegate_id);
  *delegation.mutable_starts_at() = ToProtoTime(ToMicros(starts_at));
  *delegation.mutable_ends_at() = ToProtoTime(ToMicros(ends_at));
  v1::Event event;
  event.set_kind("delegation.set");
  event.set_actor_id(actor_id);
  event.set_payload_json(JsonObject()
                             .Add("delegate_id", delegate_id)
                             .Add("starts_at", absl::FormatTime(starts_at))
                             .Add("ends_at", absl::FormatTime(ends_at))
                             .str());
  return offers_->Transact([&](OfferTransaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.PutDelegation(delegation));
    return tx.AppendEvents({event}, now);
  });
}

absl::Status Workflow::ClearDelegation(const std::string& actor_id) {
  const absl::Time now = ToMicros(clock_());
  v1::Event event;
  event.set_kind("delegation.cleared");
  event.set_actor_id(actor_id);
  event.set_payload_json("{}");
  return offers_->Transact([&](OfferTransaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.DeleteDelegation(actor_id));
    return tx.AppendEvents({event}, now);
  });
}

absl::StatusOr<int> Workflow::EscalateOverdue() {
  ASSIGN_OR_RETURN(auto policy, ActivePolicy());
  const absl::Time now = ToMicros(clock_());
  ASSIGN_OR_RETURN(std::vector<v1::Employee> staff, directory_->List(/*include_inactive=*/false));
  std::map<std::string, const v1::Employee*> by_id;
  for (const v1::Employee& e : staff) by_id[e.employee_id()] = &e;
  auto rank_held = [&](const v1::Employee& e) {
    int best = -1;
    for (const v1::ApprovalAuthority& a : e.approval_levels()) {
      if (const policies::ApprovalLevel* l = policy->FindLevel(a.level())) best = std::max(best, l->rank);
    }
    return best;
  };

  int handled = 0;
  RETURN_IF_ERROR(offers_->Transact([&](OfferTransaction& tx) -> absl::Status {
    handled = 0;
    ASSIGN_OR_RETURN(std::vector<v1::OfferRecord> due, tx.ClaimPastDeadline(now, options_.job_batch));
    for (v1::OfferRecord& record : due) {
      const v1::ApprovalStage* stage = OpenStage(record);
      if (stage == nullptr) continue;
      const policies::ApprovalLevel* level = policy->FindLevel(stage->level());
      const int stage_rank = level != nullptr ? level->rank : 0;
      auto eligible = [&](const v1::Employee& e) {
        return e.employee_id() != record.offer().manager_id() &&
               e.employee_id() != record.submitted_by() && rank_held(e) >= stage_rank;
      };
      // First the supervisors of the stage's approvers...
      std::vector<std::string> added;
      for (const std::string& approver : stage->approvers()) {
        auto it = by_id.find(approver);
        if (it == by_id.end()) continue;
        auto boss = by_id.find(it->second->supervisor_id());
        if (boss != by_id.end() && eligible(*boss->second)) added.push_back(boss->first);
      }
      // ...else everyone holding the next level up.
      for (const policies::ApprovalLevel& higher : policy->levels()) {
        if (!added.empty()) break;
        if (higher.rank <= stage_rank) continue;
        for (const v1::Employee& e : staff) {
          for (const v1::ApprovalAuthority& a : e.approval_levels()) {
            if (a.level() == higher.id && eligible(e)) added.push_back(e.employee_id());
          }
        }
      }
      std::vector<v1::Event> events = Escalate(record, added, now);
      RETURN_IF_ERROR(SaveChange(tx, record, events, now));
      ++handled;
    }
    return absl::OkStatus();
  }));
  return handled;
}

absl::StatusOr<int> Workflow::ExpireOutdated() {
  const absl::Time now = ToMicros(clock_());
  int handled = 0;
  RETURN_IF_ERROR(offers_->Transact([&](OfferTransaction& tx) -> absl::Status {
    handled = 0;
    ASSIGN_OR_RETURN(std::vector<v1::OfferRecord> due, tx.ClaimPastValidUntil(now, options_.job_batch));
    for (v1::OfferRecord& record : due) {
      std::vector<v1::Event> events = Close(record, v1::OFFER_STATUS_EXPIRED, "system", now);
      RETURN_IF_ERROR(SaveChange(tx, record, events, now));
      ++handled;
    }
    return absl::OkStatus();
  }));
  return handled;
}

absl::Status Workflow::UpsertEmployee(const std::string& actor_id, const v1::Employee& employee) {
  RETURN_IF_ERROR(ValidateId("employee.employee_id", employee.employee_id()));
  if (employee.display_name().empty()) {
    return absl::InvalidArgumentError("employee.display_name: required");
  }
  if (employee.supervisor_id() == employee.employee_id()) {
    return absl::InvalidArgumentError("employee.supervisor_id: an employee cannot supervise themselves");
  }
  if (!employee.supervisor_id().empty()) {
    ASSIGN_OR_RETURN(auto supervisor, directory_->Get(employee.supervisor_id()));
    if (!supervisor) {
      return absl::InvalidArgumentError(absl::StrCat(
          "employee.supervisor_id: no employee \"", employee.supervisor_id(), "\" in the directory"));
    }
  }
  if (employee.has_hire_date()) {
    const v1::Date& d = employee.hire_date();
    if (d.year() < 1900 || d.year() > 9999 || d.month() < 1 || d.month() > 12 || d.day() < 1 ||
        d.day() > 31) {
      return absl::InvalidArgumentError("employee.hire_date: not a valid calendar date");
    }
  }
  ASSIGN_OR_RETURN(auto policy, ActivePolicy());
  std::vector<std::string> levels;
  for (int i = 0; i < employee.approval_levels_size(); ++i) {
    const v1::ApprovalAuthority& authority = employee.approval_levels(i);
    if (policy->FindLevel(authority.level()) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "employee.approval_levels[", i, "].level: unknown level \"", authority.level(),
          "\" in the active policy set"));
    }
    for (int j = 0; j < authority.limits_size(); ++j) {
      auto limit = policies::Money::FromProto(authority.limits(j));
      if (!limit.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("employee.approval_levels[", i, "].limits[",
                                                       j, "]: ", limit.status().message()));
      }
    }
    levels.push_back(authority.level());
  }
  v1::Event event;
  event.set_kind(employee.active() ? "directory.employee_upserted" : "directory.employee_deactivated");
  event.set_actor_id(actor_id);
  event.set_payload_json(JsonObject()
                             .Add("employee_id", employee.employee_id())
                             .Add("supervisor_id", employee.supervisor_id())
                             .Add("active", employee.active())
                             .Add("levels", levels)
                             .str());
  return directory_->Upsert(employee, event, ToMicros(clock_()));
}

absl::Status Workflow::DeactivateEmployee(const std::string& actor_id, const std::string& employee_id) {
  RETURN_IF_ERROR(ValidateId("employee_id", employee_id));
  ASSIGN_OR_RETURN(auto employee, directory_->Get(employee_id));
  if (!employee) return absl::NotFoundError(absl::StrCat("no employee ", employee_id));
  employee->set_active(false);
  return UpsertEmployee(actor_id, *employee);
}

}  // namespace signoff::workflow
