#include "server/workflow/repository.h"

#include "server/workflow/wait_for.h"

namespace signoff::workflow {

absl::Status OfferRepository::TransactGrouped(GroupedReads reads, TransactionWork work) {
  return WaitFor<absl::Status>([&](GroupedDone done) {
    TransactGroupedAsync(std::move(reads), std::move(work), std::move(done));
  });
}

}  // namespace signoff::workflow
