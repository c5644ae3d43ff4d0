// signoffctl audit decisions / history / stats / verify (AuditService).

#include <map>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/command.h"
#include "client/format.h"
#include "client/render.h"
#include "signoff/v1/service.grpc.pb.h"

namespace signoff::client {
namespace {

// --from / --to into the request's timestamps; "" when fine, else the problem.
template <typename Request>
std::string SetPeriod(const CommandContext& ctx, Request* request) {
  if (ctx.args().Has("from")) {
    auto from = ParseWhen(ctx.args().Get("from"), ctx.zone(), ctx.now());
    if (!from.ok()) return absl::StrCat("--from: ", from.status().message());
    *request->mutable_from() = ToProtoTime(*from);
  }
  if (ctx.args().Has("to")) {
    auto to = ParseWhen(ctx.args().Get("to"), ctx.zone(), ctx.now(), /*end_of_day=*/true);
    if (!to.ok()) return absl::StrCat("--to: ", to.status().message());
    *request->mutable_to() = ToProtoTime(*to);
  }
  return "";
}

// "needs-signoff" → OUTCOME_NEEDS_SIGNOFF, "pending" → OFFER_STATUS_PENDING.
template <typename Enum>
bool ParseEnum(const std::string& text, const std::string& prefix, bool (*parse)(const std::string&, Enum*),
               Enum* out) {
  std::string name = absl::AsciiStrToUpper(absl::StrReplaceAll(text, {{"-", "_"}, {" ", "_"}}));
  if (name == "SIGNOFF" || name == "NEEDS_SIGN_OFF") name = "NEEDS_SIGNOFF";
  return parse(name.rfind(prefix, 0) == 0 ? name : prefix + name, out) && static_cast<int>(*out) != 0;
}

int Decisions(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("takes no arguments, only flags");
  v1::QueryDecisionsRequest request;
  if (std::string problem = SetPeriod(ctx, &request); !problem.empty()) return ctx.UsageError(problem);
  request.set_manager_id(ctx.args().Get("manager"));
  request.set_customer_id(ctx.args().Get("customer"));
  request.set_rule_id(ctx.args().Get("rule"));
  request.set_approver_id(ctx.args().Get("approver"));
  if (ctx.args().Has("outcome")) {
    v1::Outcome outcome;
    if (!ParseEnum<v1::Outcome>(ctx.args().Get("outcome"), "OUTCOME_", v1::Outcome_Parse, &outcome)) {
      return ctx.UsageError("--outcome is one of approved, needs-signoff, rejected");
    }
    request.set_outcome(outcome);
  }
  if (ctx.args().Has("status")) {
    v1::OfferStatus status;
    if (!ParseEnum<v1::OfferStatus>(ctx.args().Get("status"), "OFFER_STATUS_", v1::OfferStatus_Parse, &status)) {
      return ctx.UsageError("--status is one of pending, approved, rejected, withdrawn, expired, superseded");
    }
    request.set_status(status);
  }
  int limit = 100;
  if (ctx.args().Has("limit") && (!absl::SimpleAtoi(ctx.args().Get("limit"), &limit) || limit < 1)) {
    return ctx.UsageError("--limit must be a number >= 1");
  }
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::AuditService::NewStub(channel);
  v1::QueryDecisionsResponse all;
  do {
    request.set_page_size(std::min(1000, limit - all.records_size()));
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::QueryDecisionsResponse page;
    grpc::Status status = stub->QueryDecisions(&call, request, &page);
    if (!status.ok()) return ctx.RpcError("audit decisions", status);
    for (v1::OfferRecord& record : *page.mutable_records()) *all.add_records() = std::move(record);
    all.set_next_page_token(page.next_page_token());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty() && all.records_size() < limit);
  if (ctx.json()) {
    ctx.PrintJson(all);
    return kExitOk;
  }
  Table table({{"SUBMITTED"}, {"OFFER"}, {"CUSTOMER", Table::Align::kLeft, 28}, {"MANAGER"},
               {"AMOUNT", Table::Align::kRight}, {"MARGIN", Table::Align::kRight}, {"OUTCOME"}, {"STATUS"},
               {"RULES", Table::Align::kLeft, 60}});
  for (const v1::OfferRecord& record : all.records()) {
    std::vector<std::string> rules;
    for (const v1::Reason& reason : record.decision().reasons()) rules.push_back(reason.rule_id());
    const v1::OfferFigures& figures = record.decision().figures();
    table.AddRow({FormatTime(record.submitted_at(), ctx.zone()),
                  OfferLabel(record.offer().offer_id(), record.offer().revision()),
                  record.offer().customer().name().empty() ? record.offer().customer().id()
                                                           : record.offer().customer().name(),
                  record.offer().manager_id(), FormatMoney(figures.total()),
                  figures.has_margin_percent() ? FormatPercent(figures.margin_percent().value()) : "-",
                  OutcomeName(record.decision().outcome()), StatusName(record.status()),
                  rules.empty() ? "-" : absl::StrJoin(rules, ", ")});
  }
  std::string footer = absl::StrCat(all.records_size(), " decision(s)");
  if (!all.next_page_token().empty()) absl::StrAppend(&footer, "; more match: raise --limit or narrow the filters");
  ctx.Print(absl::StrCat(table.Render(), footer, "\n"));
  return kExitOk;
}

int History(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one OFFER");
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::AuditService::NewStub(channel);
  v1::GetOfferHistoryRequest request;
  request.set_offer_id(ctx.operands()[0]);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::GetOfferHistoryResponse response;
  grpc::Status status = stub->GetOfferHistory(&call, request, &response);
  if (!status.ok()) return ctx.RpcError(absl::StrCat("audit history ", request.offer_id()), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else if (response.events().empty()) {
    return ctx.Fail(kExitRefused, absl::StrCat("no history for ", request.offer_id(),
                                                ": check the id (`signoffctl audit decisions` lists offers)"));
  } else {
    ctx.Print(RenderEvents(response.events(), ctx.zone()));
  }
  return kExitOk;
}

std::string Counts(const google::protobuf::Map<std::string, int64_t>& counts) {
  std::map<std::string, int64_t> sorted(counts.begin(), counts.end());
  std::vector<std::string> parts;
  for (const auto& [key, count] : sorted) parts.push_back(absl::StrCat(key, " ", count));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

std::string Percentiles(const v1::DurationPercentiles& p) {
  if (p.count() == 0) return "none decided by people yet";
  return absl::StrCat(p.count(), " decided, median ", HumanDuration(absl::Seconds(p.p50_seconds())), ", p90 ",
                      HumanDuration(absl::Seconds(p.p90_seconds())));
}

std::string GroupTable(const char* title, const char* key,
                       const google::protobuf::RepeatedPtrField<v1::GroupStatistics>& groups) {
  if (groups.empty()) return "";
  Table table({{key}, {"DECISIONS", Table::Align::kRight}, {"APPROVED", Table::Align::kRight},
               {"REJECTED", Table::Align::kRight}, {"MEDIAN WAIT", Table::Align::kRight},
               {"P90 WAIT", Table::Align::kRight}});
  for (const v1::GroupStatistics& g : groups) {
    const v1::DurationPercentiles& t = g.time_to_decision();
    table.AddRow({g.key(), absl::StrCat(g.decisions()), absl::StrCat(g.approved()), absl::StrCat(g.rejected()),
                  t.count() > 0 ? HumanDuration(absl::Seconds(t.p50_seconds())) : "-",
                  t.count() > 0 ? HumanDuration(absl::Seconds(t.p90_seconds())) : "-"});
  }
  return absl::StrCat("\n", title, ":\n", table.Render());
}

int Stats(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("takes no arguments, only --from and --to");
  v1::GetStatisticsRequest request;
  if (std::string problem = SetPeriod(ctx, &request); !problem.empty()) return ctx.UsageError(problem);
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::AuditService::NewStub(channel);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::GetStatisticsResponse response;
  grpc::Status status = stub->GetStatistics(&call, request, &response);
  if (!status.ok()) return ctx.RpcError("audit stats", status);
  if (ctx.json()) {
    ctx.PrintJson(response);
    return kExitOk;
  }
  const v1::DecisionStatistics& s = response.statistics();
  std::string period = absl::StrCat(request.has_from() ? FormatTime(request.from(), ctx.zone()) : "the beginning",
                                    " – ", request.has_to() ? FormatTime(request.to(), ctx.zone()) : "now");
  std::string text = absl::StrCat(
      "Period:            ", period, "\n",
      "Offer revisions:   ", s.total(), "\n",
      "Auto-approved:     ", s.auto_approved(), " (",
      s.auto_approval_rate_percent().empty() ? "-" : FormatPercent(s.auto_approval_rate_percent()), ")\n",
      "By policy outcome: ", Counts(s.by_outcome()), "\n",
      "By status now:     ", Counts(s.by_status()), "\n",
      "Time to decision:  ", Percentiles(s.time_to_decision()), "\n",
      GroupTable("Per approver", "APPROVER", s.per_approver()), GroupTable("Per rule", "RULE", s.per_rule()),
      GroupTable("Per manager", "MANAGER", s.per_manager()));
  ctx.Print(text);
  return kExitOk;
}

int Verify(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("takes no arguments");
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::AuditService::NewStub(channel);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::VerifyAuditLogResponse response;
  grpc::Status status = stub->VerifyAuditLog(&call, v1::VerifyAuditLogRequest(), &response);
  if (!status.ok()) return ctx.RpcError("audit verify", status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else if (response.intact()) {
    ctx.Print(absl::StrCat("Audit log intact: ", response.events_checked(), " event(s) checked, last seq ",
                           response.last_seq(), ".\n"));
  } else {
    ctx.Print(absl::StrCat("Audit log BROKEN at event ", response.first_broken_seq(), ": ", response.problem(),
                           " (", response.events_checked(), " event(s) checked).\n"));
  }
  return response.intact() ? kExitOk : kExitNegative;
}

}  // namespace

std::vector<Command> AuditCommands() {
  return {
      {.path = "audit decisions",
       .synopsis = "[--from DATE] [--to DATE] [--manager ID] [--customer ID] [--outcome O] [--status S] "
                   "[--rule ID] [--approver ID] [--limit N]",
       .summary = "decisions by period, manager, customer, outcome, rule, approver",
       .details = "Lists stored offer revisions submitted in [--from, --to) (a date alone for --to includes\n"
                  "that day), newest first as the server orders them, up to --limit (default 100).\n"
                  "--outcome: approved, needs-signoff, rejected (the policy's decision at submission);\n"
                  "--status: pending, approved, rejected, withdrawn, expired, superseded (where it stands now).\n"
                  "Needs an auditor or admin token.",
       .flags = {{"from", "DATE", "submitted at or after"},
                 {"to", "DATE", "submitted before (a date alone: through that day)"},
                 {"manager", "ID", "sales manager's employee id"},
                 {"customer", "ID", "customer id"},
                 {"outcome", "O", "approved | needs-signoff | rejected"},
                 {"status", "S", "pending | approved | rejected | withdrawn | expired | superseded"},
                 {"rule", "ID", "decisions where this rule matched"},
                 {"approver", "ID", "decisions this approver acted on"},
                 {"limit", "N", "at most N rows (default 100)"}},
       .examples = {"signoffctl --token=demo-auditor audit decisions --from 2026-11-01 --outcome rejected"},
       .run = Decisions},
      {.path = "audit history",
       .synopsis = "OFFER",
       .summary = "every event of an offer, oldest first",
       .details = "The offer's part of the hash-chained event log: submissions, decisions, sign-offs,\n"
                  "escalations, with who did what and when. Needs an auditor, admin or approver token.",
       .examples = {"signoffctl --token=demo-auditor audit history KP-2026-0142"},
       .run = History},
      {.path = "audit stats",
       .synopsis = "[--from DATE] [--to DATE]",
       .summary = "approval rate, time to decision, per approver / rule / manager",
       .details = "Statistics over offer revisions submitted in the period (default: all time).",
       .flags = {{"from", "DATE", "submitted at or after"}, {"to", "DATE", "submitted before"}},
       .examples = {"signoffctl --token=demo-auditor audit stats --from 2026-11-01"},
       .run = Stats},
      {.path = "audit verify",
       .synopsis = "",
       .summary = "check the whole hash chain of the audit log",
       .details = "Walks every event and checks its hash link. Exit status 0 intact, 1 broken.",
       .examples = {"signoffctl --token=demo-auditor audit verify"},
       .run = Verify},
  };
}

}  // namespace signoff::client
