#include "server/workflow/repository.h"

#include "absl/synchronization/notification.h"

namespace signoff::workflow {

absl::Status OfferRepository::TransactGrouped(GroupedReads reads, TransactionWork work) {
  absl::Notification finished;
  absl::Status result;
  TransactGroupedAsync(std::move(reads), std::move(work), [&](absl::Status status) {
    result = std::move(status);
    finished.Notify();
  });
  finished.WaitForNotification();
  return result;
}

}  // namespace signoff::workflow
