#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "policies/policy_set.h"
#include "server/workflow/approval_flow.h"
#include "server/workflow/repository.h"
#include "signoff/v1/approval.pb.h"

namespace signoff::workflow {

// The active policy set at the moment of the call (hot-swappable).
using PolicySource = std::function<std::shared_ptr<const policies::PolicySet>()>;
// "Now"; injected so tests can move time (escalation, expiry, tenure).
using Clock = std::function<absl::Time()>;

struct WorkflowOptions {
  // Items claimed per pass of a background job.
  int job_batch = 100;
  // Longest inbox returned.
  int inbox_limit = 1000;
};

// One item of a bulk approval and how it went.
struct BulkItemResult {
  std::string offer_id;
  absl::Status status;
  v1::OfferStatus offer_status = v1::OFFER_STATUS_UNSPECIFIED;
};

// Everything that happens to an offer after the engine has judged it:
// submission, routing, sign-off, delegation, escalation, expiry. Plain C++
// over the repository interfaces — no gRPC, no SQL. Callers pass the
// authenticated principal's id; nothing here trusts a name from a request body.
class Workflow {
 public:
  Workflow(OfferRepository* offers, DirectoryRepository* directory, PolicySource policy,
           Clock clock, WorkflowOptions options = {});

  // Validates and evaluates the offer, records it with its decision, and
  // routes it. Repeating (offer id, revision) or (submitter, idempotency key)
  // with the same offer returns the stored record; with a different offer it
  // is ALREADY_EXISTS / FAILED_PRECONDITION. A newer revision supersedes a
  // pending one, carrying its approvals over when it is no riskier.
  absl::StatusOr<v1::OfferRecord> Submit(const v1::Offer& offer, const std::string& submitted_by,
                                         const std::string& idempotency_key);
  // Submit without a thread waiting for the commit: decides on this thread,
  // then `done` runs once with what Submit would return: after the shared
  // commit on a storage thread (it must not block), or right away when the
  // offer is refused before storage.
  using SubmitDone = std::function<void(absl::StatusOr<v1::OfferRecord>)>;
  void SubmitAsync(const v1::Offer& offer, const std::string& submitted_by,
                   const std::string& idempotency_key, SubmitDone done);
  // The decision Submit would make, storing nothing, written into
  // `decision` (e.g. a response on an arena).
  absl::Status EvaluateInto(const v1::Offer& offer, v1::Decision& decision);
  // revision 0 = the latest. NOT_FOUND when unknown.
  absl::StatusOr<v1::OfferRecord> Get(const std::string& offer_id, int64_t revision);

  absl::StatusOr<v1::OfferRecord> Approve(const std::string& actor_id, const std::string& offer_id,
                                          int64_t revision, const std::string& comment);
  // A rejection needs a comment.
  absl::StatusOr<v1::OfferRecord> Reject(const std::string& actor_id, const std::string& offer_id,
                                         int64_t revision, const std::string& comment);
  // Each item is checked and approved as if alone; one failing does not stop the others.
  std::vector<BulkItemResult> BulkApprove(const std::string& actor_id,
                                          const std::vector<std::string>& offer_ids,
                                          const std::string& comment);
  // By the submitter or the offer's manager, while pending.
  absl::StatusOr<v1::OfferRecord> Withdraw(const std::string& actor_id, const std::string& offer_id);

  // Items due to the actor, including those delegated to them, oldest first.
  absl::StatusOr<std::vector<InboxEntry>> Inbox(const std::string& actor_id);

  absl::Status SetDelegation(const std::string& actor_id, const std::string& delegate_id,
                             absl::Time starts_at, absl::Time ends_at);
  absl::Status ClearDelegation(const std::string& actor_id);

  // Background jobs; each returns how many items it handled. Safe to run on
  // several replicas at once: every item is claimed by exactly one.
  absl::StatusOr<int> EscalateOverdue();
  absl::StatusOr<int> ExpireOutdated();

  // Directory maintenance, each change recorded as an event.
  absl::Status UpsertEmployee(const std::string& actor_id, const v1::Employee& employee);
  absl::Status DeactivateEmployee(const std::string& actor_id, const std::string& employee_id);

 private:
  // A submission decided and routed, before storage.
  struct Submission {
    v1::OfferRecord record;
    std::string total;  // the decision's total, as events show it
    absl::Time now;
  };
  absl::StatusOr<Submission> Prepare(const v1::Offer& offer, const std::string& submitted_by,
                                     const std::string& idempotency_key);
  struct SubmitState;
  static absl::Status StoreSubmission(const std::shared_ptr<SubmitState>& state,
                                      OfferTransaction& tx);
  absl::StatusOr<v1::OfferRecord> Act(const std::string& actor_id, const std::string& offer_id,
                                      int64_t revision, v1::ActionKind kind,
                                      const std::string& comment);
  absl::StatusOr<std::shared_ptr<const policies::PolicySet>> ActivePolicy();

  OfferRepository* offers_;
  DirectoryRepository* directory_;
  PolicySource policy_;
  Clock clock_;
  WorkflowOptions options_;
};

}  // namespace signoff::workflow
