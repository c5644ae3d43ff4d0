// signoffctl submit / watch: what a front-office integration does, for
// trying the service by hand (OfferService).

#include "absl/strings/str_cat.h"
#include "client/command.h"
#include "client/format.h"
#include "client/offer_file.h"
#include "client/render.h"
#include "client/stream.h"
#include "signoff/v1/service.grpc.pb.h"

namespace signoff::client {
namespace {

// Exit status by where the offer stands.
int ExitFor(v1::OfferStatus status) {
  switch (status) {
    case v1::OFFER_STATUS_APPROVED: return kExitOk;
    case v1::OFFER_STATUS_PENDING: return kExitPending;
    default: return kExitNegative;
  }
}

std::string Summary(const v1::OfferRecord& record, absl::Time now, absl::TimeZone zone) {
  const v1::OfferFigures& figures = record.decision().figures();
  std::string out = absl::StrCat(RecordHeadline(record), "\n", "Total: ", FormatMoney(figures.total()),
                                 "   margin ",
                                 figures.has_margin_percent() ? FormatPercent(figures.margin_percent().value()) : "-",
                                 "\n", RenderReasons(record.decision()));
  if (std::string stages = RenderStages(record.approval(), now, zone); !stages.empty()) absl::StrAppend(&out, stages);
  for (const std::string& note : record.notes()) absl::StrAppend(&out, "Note: ", note, "\n");
  return out;
}

int Submit(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one OFFER_FILE");
  absl::StatusOr<v1::Offer> offer = ReadOfferFile(ctx.operands()[0]);
  if (!offer.ok()) return ctx.Fail(kExitUsage, std::string(offer.status().message()));
  v1::SubmitOfferRequest request;
  *request.mutable_offer() = *std::move(offer);
  request.set_idempotency_key(ctx.args().Get("idempotency-key"));
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::OfferService::NewStub(channel);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::SubmitOfferResponse response;
  grpc::Status status = stub->SubmitOffer(&call, request, &response);
  if (!status.ok()) return ctx.RpcError(absl::StrCat("submit ", request.offer().offer_id()), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else {
    ctx.Print(Summary(response.record(), ctx.now(), ctx.zone()));
  }
  return ExitFor(response.record().status());
}

int Watch(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one OFFER");
  const std::string offer_id = ctx.operands()[0];
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::OfferService::NewStub(channel);

  // Where it stands now: a decided offer needs no stream.
  v1::GetDecisionRequest get;
  get.set_offer_id(offer_id);
  v1::GetDecisionResponse current;
  {
    grpc::ClientContext call;
    ctx.Prepare(&call);
    grpc::Status status = stub->GetDecision(&call, get, &current);
    if (!status.ok()) return ctx.RpcError(absl::StrCat("watch ", offer_id), status);
  }
  int64_t latest_revision = current.record().offer().revision();
  v1::OfferStatus final_status = current.record().status();
  if (!ctx.json()) ctx.Print(absl::StrCat(RecordHeadline(current.record()), "\n"));
  if (IsFinal(final_status) && final_status != v1::OFFER_STATUS_SUPERSEDED) {
    if (ctx.json()) ctx.PrintJson(current, true);
    return ExitFor(final_status);
  }

  StreamFollower<v1::DecisionUpdate> follower;
  follower.open = [&](grpc::ClientContext* call, int64_t after_seq) {
    v1::WatchDecisionsRequest request;
    request.add_offer_ids(offer_id);
    request.set_after_seq(after_seq);
    return stub->WatchDecisions(call, request);
  };
  follower.seq_of = [](const v1::DecisionUpdate& u) { return u.event().seq(); };
  follower.on_update = [&](const v1::DecisionUpdate& update) {
    const v1::Event& event = update.event();
    if (ctx.json()) {
      ctx.PrintJson(update, true);
    } else {
      std::string by = event.actor_id();
      if (!event.on_behalf_of().empty()) absl::StrAppend(&by, " for ", event.on_behalf_of());
      ctx.Print(absl::StrCat(FormatTime(event.occurred_at(), ctx.zone(), true), "  ",
                             OfferLabel(event.offer_id(), event.revision()), "  ", event.kind(), " by ", by,
                             [&] {
                               std::string d = EventDetails(event);
                               return d.empty() ? std::string() : absl::StrCat("  ", d);
                             }(),
                             "\n"));
    }
    const v1::OfferRecord& record = update.record();
    latest_revision = std::max(latest_revision, record.offer().revision());
    if (record.offer().revision() == latest_revision && IsFinal(record.status()) &&
        record.status() != v1::OFFER_STATUS_SUPERSEDED) {
      final_status = record.status();
      if (!ctx.json()) ctx.Print(absl::StrCat(RecordHeadline(record), "\n"));
      return false;
    }
    return true;
  };
  // From the submission on: the history first, then live.
  int code = follower.Run(ctx, absl::StrCat("watch ", offer_id), 0);
  return code != kExitOk ? code : ExitFor(final_status);
}

}  // namespace

std::vector<Command> OfferCommands() {
  return {
      {.path = "submit",
       .synopsis = "OFFER_FILE [--idempotency-key KEY]",
       .summary = "submit an offer revision and print the decision (as a front-office system does)",
       .details = "Reads a signoff.v1.Offer — protobuf text format, or JSON when the file name ends in .json —\n"
                  "and submits it. Needs a frontoffice token. Submitting the same offer id and revision again\n"
                  "returns the first decision.\n"
                  "Exit status: 0 approved, 1 rejected, 10 waiting for sign-off.",
       .flags = {{"idempotency-key", "KEY", "retries with the same key return the first decision"}},
       .examples = {"signoffctl --token=demo-crm submit policies/default/examples/approved.offer.textproto"},
       .run = Submit},
      {.path = "watch",
       .synopsis = "OFFER",
       .summary = "follow an offer's decision until it is final",
       .details = "Prints the offer's events as they happen (resuming after a dropped connection) and exits\n"
                  "when its latest revision is decided. Needs a frontoffice, auditor or admin token.\n"
                  "Exit status: 0 approved, 1 rejected, withdrawn or expired.",
       .examples = {"signoffctl --token=demo-crm watch KP-2026-0142"},
       .run = Watch},
  };
}

}  // namespace signoff::client
