#pragma once

// The approval state machine as pure functions over an OfferRecord: no
// storage, no clock, no directory. The Workflow class loads, checks
// authority, calls these, and stores the result with its events.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "signoff/v1/approval.pb.h"
#include "signoff/v1/event.pb.h"

namespace signoff::workflow {

// Who acts: the authenticated person and, when they act as a delegate, the
// approver the item was due to (whose authority they exercise).
struct Actor {
  std::string id;
  std::string on_behalf_of;
  // The approver of record: on_behalf_of when delegated, else id.
  const std::string& approver() const { return on_behalf_of.empty() ? id : on_behalf_of; }
};

// One stage to create: a level, who may sign it, how many must.
struct StagePlan {
  std::string level;
  std::vector<std::string> approvers;
  int approvals_required = 1;
  absl::Duration sla = absl::Hours(24);
};

// Stages in the given order; the first opens at `now`, the rest wait.
v1::ApprovalRequest BuildRequest(const std::vector<StagePlan>& plans, absl::Time now);

// The open stage of a pending record, or nullptr.
const v1::ApprovalStage* OpenStage(const v1::OfferRecord& record);
v1::ApprovalStage* MutableOpenStage(v1::OfferRecord& record);

// Approvals counted towards a stage's quorum (one per approver of record).
int ApprovalCount(const v1::ApprovalStage& stage);

// Completes stages whose quorum is met, in order, opening the next one; when
// none is left the record becomes APPROVED. Returns the events it caused.
std::vector<v1::Event> AdvanceStages(v1::OfferRecord& record, absl::Time now);

// Records `actor`'s approval or rejection of the open stage. FAILED_PRECONDITION
// when the record is not pending or the actor already acted; PERMISSION_DENIED
// when the approver of record is not an approver of the open stage. Four-eyes
// and authority limits are the caller's to check first (they need the directory).
absl::StatusOr<std::vector<v1::Event>> RecordAction(v1::OfferRecord& record, const Actor& actor,
                                                    v1::ActionKind kind, const std::string& comment,
                                                    absl::Time now);

// Ends a pending record as WITHDRAWN, EXPIRED or SUPERSEDED: open and waiting
// stages are cancelled.
std::vector<v1::Event> Close(v1::OfferRecord& record, v1::OfferStatus status,
                             const std::string& actor_id, absl::Time now);

// Adds approvers to the open stage after its deadline passed and restarts
// its clock.
std::vector<v1::Event> Escalate(v1::OfferRecord& record, const std::vector<std::string>& added,
                                absl::Time now);

// An event about `record`, with the fields every offer event shares.
v1::Event OfferEvent(const v1::OfferRecord& record, absl::string_view kind,
                     const std::string& actor_id, const std::string& payload_json,
                     const std::string& on_behalf_of = "");

// "PENDING", "APPROVED", ... — the short names used in events and storage.
std::string ShortName(v1::OfferStatus status);

}  // namespace signoff::workflow
