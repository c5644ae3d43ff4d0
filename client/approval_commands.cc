// signoffctl inbox / show / approve / reject / delegate: a supervisor's
// work (ApprovalService).

#include <unistd.h>

#include <condition_variable>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/command.h"
#include "client/format.h"
#include "client/render.h"
#include "client/stream.h"
#include "policies/decimal.h"
#include "signoff/v1/service.grpc.pb.h"

namespace signoff::client {
namespace {

using Items = std::vector<v1::InboxItem>;

std::string InboxTable(const Items& items, absl::Time now, absl::TimeZone zone) {
  if (items.empty()) return "Inbox empty: nothing waits for you.\n";
  std::set<std::string> due_to;
  for (const v1::InboxItem& item : items) due_to.insert(item.due_to());
  // Shown only when some items are there through a delegation.
  const bool show_due_to = due_to.size() > 1;
  std::vector<Table::Column> columns = {{"OFFER"},
                                        {"CUSTOMER", Table::Align::kLeft, 32},
                                        {"MANAGER"},
                                        {"AMOUNT", Table::Align::kRight},
                                        {"MARGIN", Table::Align::kRight},
                                        {"LEVEL"},
                                        {"WAITING SINCE"},
                                        {"DEADLINE"}};
  if (show_due_to) columns.push_back({"DUE TO"});
  Table table(std::move(columns));
  for (const v1::InboxItem& item : items) {
    std::string waiting = absl::StrCat(FormatTime(item.since(), zone), " (",
                                       HumanDuration(now - ToAbslTime(item.since())), ")");
    table.AddRow({OfferLabel(item.offer_id(), item.revision()), item.customer_name(), item.manager_id(),
                  FormatMoney(item.total()),
                  item.has_margin_percent() ? FormatPercent(item.margin_percent().value()) : "-",
                  item.level(), waiting, FormatTimeFromNow(item.deadline(), now, zone), item.due_to()});
  }
  return table.Render();
}

grpc::Status ListAll(CommandContext& ctx, v1::ApprovalService::Stub* stub, v1::ListInboxResponse* all) {
  v1::ListInboxRequest request;
  request.set_approver_id(ctx.args().Get("approver"));
  request.set_page_size(1000);
  do {
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ListInboxResponse page;
    grpc::Status status = stub->ListInbox(&call, request, &page);
    if (!status.ok()) return status;
    for (v1::InboxItem& item : *page.mutable_items()) *all->add_items() = std::move(item);
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

// The live inbox: items keyed by offer id, redrawn when the stream goes quiet.
class LiveInbox {
 public:
  explicit LiveInbox(CommandContext& ctx) : ctx_(ctx), tty_(isatty(STDOUT_FILENO)) {}

  void Apply(const v1::InboxUpdate& update) {
    std::lock_guard lock(mu_);
    const v1::InboxItem& item = update.item();
    last_update_ = absl::Now();
    if (update.change() == v1::InboxUpdate::CHANGE_ENTERED) {
      auto [it, inserted] = items_.try_emplace(item.offer_id(), item);
      if (!inserted && it->second.SerializeAsString() == item.SerializeAsString()) return;
      it->second = item;
      last_change_ = absl::StrCat(OfferLabel(item.offer_id(), item.revision()), " entered (", update.event().kind(),
                                  ")");
    } else if (items_.erase(item.offer_id()) > 0) {
      last_change_ = absl::StrCat(OfferLabel(item.offer_id(), item.revision()), " left (", update.event().kind(),
                                  " by ", update.event().actor_id(), ")");
    } else {
      return;  // replayed history of items that are gone already
    }
    dirty_ = true;
    cv_.notify_all();
  }

  void Stop(int code) {
    std::lock_guard lock(mu_);
    stopped_ = true;
    code_ = code;
    cv_.notify_all();
  }

  // Redraws until the stream stops; returns its exit code.
  int Loop() {
    absl::Time last_draw = absl::InfinitePast();
    bool drawn = false;
    const absl::Time started = absl::Now();
    std::unique_lock lock(mu_);
    for (;;) {
      cv_.wait_for(lock, std::chrono::milliseconds(100));
      if (stopped_) return code_;
      const absl::Time now = absl::Now();
      // Draw once the replay is over (the stream is quiet), after each burst
      // of changes, and each minute so the waiting times stay true.
      const bool quiet = now - last_update_ >= absl::Milliseconds(200) && now - started >= absl::Milliseconds(300);
      if ((quiet && (dirty_ || !drawn)) || now - last_draw >= absl::Minutes(1)) {
        Draw(now);
        last_draw = now;
        drawn = true;
        dirty_ = false;
      }
    }
  }

 private:
  void Draw(absl::Time now) {
    Items items;
    for (const auto& [id, item] : items_) items.push_back(item);
    std::sort(items.begin(), items.end(), [](const v1::InboxItem& a, const v1::InboxItem& b) {
      return ToAbslTime(a.since()) < ToAbslTime(b.since());
    });
    std::string text = tty_ ? "\033[H\033[2J" : "";
    absl::StrAppend(&text, "Inbox at ", absl::FormatTime("%H:%M:%S", now, ctx_.zone()), ": ", items.size(),
                    " item(s), live (Ctrl-C stops)");
    if (!last_change_.empty()) absl::StrAppend(&text, "; last change: ", last_change_);
    absl::StrAppend(&text, "\n", InboxTable(items, now, ctx_.zone()), tty_ ? "" : "\n");
    ctx_.Print(text);
  }

  CommandContext& ctx_;
  const bool tty_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, v1::InboxItem> items_;
  std::string last_change_;
  bool dirty_ = false, stopped_ = false;
  int code_ = kExitOk;
  absl::Time last_update_ = absl::InfinitePast();
};

int WatchInbox(CommandContext& ctx, v1::ApprovalService::Stub* stub) {
  StreamFollower<v1::InboxUpdate> follower;
  follower.open = [stub](grpc::ClientContext* call, int64_t after_seq) {
    v1::WatchInboxRequest request;
    request.set_after_seq(after_seq);
    return stub->WatchInbox(call, request);
  };
  follower.seq_of = [](const v1::InboxUpdate& u) { return u.event().seq(); };
  if (ctx.json()) {
    follower.on_update = [&ctx](const v1::InboxUpdate& u) {
      ctx.PrintJson(u, true);
      return true;
    };
    return follower.Run(ctx, "inbox --watch");
  }
  LiveInbox live(ctx);
  follower.on_update = [&live](const v1::InboxUpdate& u) {
    live.Apply(u);
    return true;
  };
  std::thread reader([&] { live.Stop(follower.Run(ctx, "inbox --watch")); });
  int code = live.Loop();
  reader.join();
  return code;
}

int Inbox(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("inbox takes no arguments");
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::ApprovalService::NewStub(channel);
  if (ctx.args().Enabled("watch")) {
    if (ctx.args().Has("approver")) return ctx.UsageError("--watch follows your own inbox only");
    return WatchInbox(ctx, stub.get());
  }
  v1::ListInboxResponse all;
  if (grpc::Status status = ListAll(ctx, stub.get(), &all); !status.ok()) return ctx.RpcError("inbox", status);
  if (ctx.json()) {
    ctx.PrintJson(all);
  } else {
    ctx.Print(InboxTable({all.items().begin(), all.items().end()}, ctx.now(), ctx.zone()));
  }
  return kExitOk;
}

absl::StatusOr<int64_t> RevisionFlag(const CommandContext& ctx) {
  int64_t revision = 0;
  if (ctx.args().Has("revision") && (!absl::SimpleAtoi(ctx.args().Get("revision"), &revision) || revision < 1)) {
    return absl::InvalidArgumentError("--revision must be a number >= 1");
  }
  return revision;
}

int Show(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one OFFER");
  absl::StatusOr<int64_t> revision = RevisionFlag(ctx);
  if (!revision.ok()) return ctx.UsageError(std::string(revision.status().message()));
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  const std::string offer_id = ctx.operands()[0];
  auto stub = v1::ApprovalService::NewStub(channel);
  v1::GetApprovalRequest request;
  request.set_offer_id(offer_id);
  request.set_revision(*revision);
  v1::GetApprovalResponse response;
  grpc::ClientContext call;
  ctx.Prepare(&call);
  grpc::Status status = stub->GetApproval(&call, request, &response);
  if (status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
    // A front-office caller may not read approvals, but may read its decision.
    auto offers = v1::OfferService::NewStub(channel);
    v1::GetDecisionRequest get;
    get.set_offer_id(offer_id);
    get.set_revision(*revision);
    v1::GetDecisionResponse decision;
    grpc::ClientContext retry;
    ctx.Prepare(&retry);
    if (offers->GetDecision(&retry, get, &decision).ok()) {
      *response.mutable_record() = decision.record();
      status = grpc::Status::OK;
    }
  }
  if (!status.ok()) return ctx.RpcError(absl::StrCat("show ", offer_id), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
    return kExitOk;
  }
  std::string text = RenderRecord(response.record(), ctx.now(), ctx.zone());
  if (!response.history().empty()) absl::StrAppend(&text, "\nHistory:\n", RenderEvents(response.history(), ctx.zone()));
  ctx.Print(text);
  return kExitOk;
}

// "500000", "500 000 RUB", "1500.50USD" → amount and (optional) currency.
absl::Status ParseAmount(const std::string& text, policies::Decimal* amount, std::string* currency) {
  std::string compact;
  for (char c : text) {
    if (c != ' ' && c != '_') compact.push_back(c);
  }
  size_t letters = compact.size();
  while (letters > 0 && absl::ascii_isalpha(static_cast<unsigned char>(compact[letters - 1]))) --letters;
  *currency = absl::AsciiStrToUpper(compact.substr(letters));
  auto parsed = policies::Decimal::Parse(compact.substr(0, letters));
  if (!parsed.ok() || (!currency->empty() && currency->size() != 3)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--all-below \"", text, "\" is not an amount such as 500000 or \"500000 RUB\""));
  }
  *amount = *parsed;
  return absl::OkStatus();
}

int ApproveAllBelow(CommandContext& ctx, v1::ApprovalService::Stub* stub) {
  policies::Decimal limit;
  std::string currency;
  if (absl::Status s = ParseAmount(ctx.args().Get("all-below"), &limit, &currency); !s.ok()) {
    return ctx.UsageError(std::string(s.message()));
  }
  v1::ListInboxResponse all;
  if (grpc::Status status = ListAll(ctx, stub, &all); !status.ok()) return ctx.RpcError("approve --all-below", status);
  Items chosen;
  for (const v1::InboxItem& item : all.items()) {
    if (!currency.empty() && item.total().currency_code() != currency) continue;
    auto total = policies::Decimal::FromUnitsAndNanos(item.total().units(), item.total().nanos());
    if (total.ok() && *total < limit) chosen.push_back(item);
  }
  const std::string limit_text = absl::StrCat(limit.ToString(), currency.empty() ? "" : " ", currency);
  if (chosen.empty()) {
    if (ctx.json()) {
      ctx.PrintJson(v1::BulkApproveResponse());
    } else {
      ctx.Print(absl::StrCat("Nothing in your inbox is below ", limit_text, ".\n"));
    }
    return kExitOk;
  }
  if (!ctx.args().Enabled("yes")) {
    std::fputs(InboxTable(chosen, ctx.now(), ctx.zone()).c_str(), stderr);
    std::fprintf(stderr, "Approve these %zu offer(s) below %s? [y/N] ", chosen.size(), limit_text.c_str());
    std::fflush(stderr);
    std::string answer;
    std::getline(std::cin, answer);
    answer = absl::AsciiStrToLower(std::string(absl::StripAsciiWhitespace(answer)));
    if (answer != "y" && answer != "yes") {
      return ctx.Fail(kExitNegative, "nothing approved: not confirmed (answer y, or pass --yes)");
    }
  }
  v1::BulkApproveResponse merged;
  constexpr size_t kPerCall = 500;  // the server's limit per BulkApprove
  for (size_t start = 0; start < chosen.size(); start += kPerCall) {
    v1::BulkApproveRequest request;
    request.set_comment(ctx.args().Get("comment"));
    for (size_t i = start; i < std::min(chosen.size(), start + kPerCall); ++i) {
      request.add_offer_ids(chosen[i].offer_id());
    }
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::BulkApproveResponse response;
    grpc::Status status = stub->BulkApprove(&call, request, &response);
    if (!status.ok()) return ctx.RpcError("approve --all-below", status);
    for (auto& result : *response.mutable_results()) *merged.add_results() = std::move(result);
  }
  int failed = 0;
  Table table({{"OFFER"}, {"RESULT", Table::Align::kLeft, 80}, {"STATUS"}});
  for (const v1::BulkApproveResult& result : merged.results()) {
    if (result.code() != 0) ++failed;
    table.AddRow({result.offer_id(), result.code() == 0 ? "approved" : absl::StrCat("not approved: ", result.message()),
                  result.code() == 0 ? StatusName(result.status()) : "-"});
  }
  if (ctx.json()) {
    ctx.PrintJson(merged);
  } else {
    ctx.Print(absl::StrCat(table.Render(), merged.results_size() - failed, " approved, ", failed, " not.\n"));
  }
  return failed == 0 ? kExitOk : kExitNegative;
}

template <typename Request, typename Response>
int Act(CommandContext& ctx, const char* verb,
        grpc::Status (v1::ApprovalService::Stub::*method)(grpc::ClientContext*, const Request&, Response*)) {
  absl::StatusOr<int64_t> revision = RevisionFlag(ctx);
  if (!revision.ok()) return ctx.UsageError(std::string(revision.status().message()));
  auto channel = ctx.channel();
  if (!channel) return kExitUsage;
  auto stub = v1::ApprovalService::NewStub(channel);
  Request request;
  request.set_offer_id(ctx.operands()[0]);
  request.set_revision(*revision);
  request.set_comment(ctx.args().Get("comment"));
  grpc::ClientContext call;
  ctx.Prepare(&call);
  Response response;
  grpc::Status status = ((*stub).*method)(&call, request, &response);
  if (!status.ok()) return ctx.RpcError(absl::StrCat(verb, " ", request.offer_id()), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else {
    ctx.Print(absl::StrCat("You ", verb == std::string("approve") ? "approved" : "rejected", " ",
                           OfferLabel(request.offer_id(), response.record().offer().revision()), ".\n",
                           RecordHeadline(response.record()), "\n"));
  }
  return kExitOk;
}

int Approve(CommandContext& ctx) {
  if (ctx.args().Has("all-below")) {
    if (!ctx.operands().empty()) return ctx.UsageError("give either OFFER or --all-below AMOUNT, not both");
    auto channel = ctx.channel();
    if (!channel) return kExitUsage;
    auto stub = v1::ApprovalService::NewStub(channel);
    return ApproveAllBelow(ctx, stub.get());
  }
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one OFFER (or --all-below AMOUNT)");
  return Act(ctx, "approve", &v1::ApprovalService::Stub::Approve);
}

int Reject(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one OFFER");
  if (ctx.args().Get("comment").empty()) return ctx.UsageError("--comment is required: say why");
  return Act(ctx, "reject", &v1::ApprovalService::Stub::Reject);
}

int Delegate(CommandContext& ctx) {
  auto channel = ctx.channel();
  if (ctx.args().Enabled("clear")) {
    if (!ctx.operands().empty() || ctx.args().Has("until")) return ctx.UsageError("--clear takes nothing else");
    if (!channel) return kExitUsage;
    auto stub = v1::ApprovalService::NewStub(channel);
    grpc::ClientContext call;
    ctx.Prepare(&call);
    v1::ClearDelegationResponse response;
    grpc::Status status = stub->ClearDelegation(&call, v1::ClearDelegationRequest(), &response);
    if (!status.ok()) return ctx.RpcError("delegate --clear", status);
    if (ctx.json()) {
      ctx.PrintJson(response);
    } else {
      ctx.Print("Delegation cleared: your items come to you again.\n");
    }
    return kExitOk;
  }
  if (ctx.operands().size() != 1) return ctx.UsageError("expected the delegate's employee id (or --clear)");
  if (!ctx.args().Has("until")) return ctx.UsageError("--until DATE is required");
  v1::SetDelegationRequest request;
  request.set_delegate_id(ctx.operands()[0]);
  auto until = ParseWhen(ctx.args().Get("until"), ctx.zone(), ctx.now(), /*end_of_day=*/true);
  if (!until.ok()) return ctx.UsageError(absl::StrCat("--until: ", until.status().message()));
  *request.mutable_ends_at() = ToProtoTime(*until);
  if (ctx.args().Has("from")) {
    auto from = ParseWhen(ctx.args().Get("from"), ctx.zone(), ctx.now());
    if (!from.ok()) return ctx.UsageError(absl::StrCat("--from: ", from.status().message()));
    *request.mutable_starts_at() = ToProtoTime(*from);
  }
  if (!channel) return kExitUsage;
  auto stub = v1::ApprovalService::NewStub(channel);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::SetDelegationResponse response;
  grpc::Status status = stub->SetDelegation(&call, request, &response);
  if (!status.ok()) return ctx.RpcError(absl::StrCat("delegate to ", request.delegate_id()), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else {
    const v1::Delegation& d = response.delegation();
    ctx.Print(absl::StrCat("Items due to ", d.delegator_id(), " go to ", d.delegate_id(), " from ",
                           FormatTime(d.starts_at(), ctx.zone()), " until ", FormatTime(d.ends_at(), ctx.zone()),
                           ".\n"));
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> ApprovalCommands() {
  return {
      {.path = "inbox",
       .synopsis = "[--watch] [--approver ID]",
       .summary = "your pending sign-offs as a table; --watch keeps it live",
       .details = "Lists what waits for you (and for those who delegated to you), oldest first: offer,\n"
                  "customer, manager, amount, margin, the level you sign at, since when and the deadline.\n"
                  "--watch keeps the table live as items arrive and leave, and reconnects (resuming where\n"
                  "it stopped) if the server goes away; Ctrl-C stops it. With --output json, --watch prints\n"
                  "one InboxUpdate per line. Needs an approver token (admin: --approver for another inbox).",
       .flags = {{"watch", "", "keep the table live until Ctrl-C"},
                 {"approver", "ID", "another approver's inbox (admin only)"}},
       .examples = {"signoffctl --token=demo-smirnova inbox", "signoffctl --token=demo-smirnova inbox --watch"},
       .run = Inbox},
      {.path = "show",
       .synopsis = "OFFER [--revision N]",
       .summary = "an offer with its lines, why it was routed, its stages and history",
       .details = "Shows the latest revision (or --revision N): customer, manager, figures, lines, every\n"
                  "matched rule with the measured value and threshold, the sign-off stages with who acted,\n"
                  "and the offer's event history.",
       .flags = {{"revision", "N", "a particular revision (default: the latest)"}},
       .examples = {"signoffctl --token=demo-smirnova show KP-2026-0142"},
       .run = Show},
      {.path = "approve",
       .synopsis = "OFFER [--comment TEXT] [--revision N] | --all-below AMOUNT [--comment TEXT] [--yes]",
       .summary = "sign off an offer, or every inbox item below an amount",
       .details = "Approves your open stage of the offer. With --revision, only if that is still the latest\n"
                  "revision (so you approve what you looked at).\n"
                  "--all-below AMOUNT approves every item in your inbox whose total is below AMOUNT\n"
                  "(\"500000\" or \"500000 RUB\"; with a currency, other currencies are left alone). It lists\n"
                  "them and asks for confirmation unless --yes. Exit status 1 if any item was not approved.",
       .flags = {{"comment", "TEXT", "why (recorded in the audit log)"},
                 {"revision", "N", "the revision you looked at"},
                 {"all-below", "AMOUNT", "approve every inbox item below this total"},
                 {"yes", "", "do not ask for confirmation"}},
       .examples = {"signoffctl --token=demo-smirnova approve KP-2026-0142 --comment \"prices checked\"",
                    "signoffctl --token=demo-smirnova approve --all-below \"100000 RUB\" --comment ok --yes"},
       .run = Approve},
      {.path = "reject",
       .synopsis = "OFFER --comment TEXT [--revision N]",
       .summary = "reject an offer (a comment saying why is required)",
       .details = "Rejects the offer at your open stage; it must not go to the client.",
       .flags = {{"comment", "TEXT", "why (required)"}, {"revision", "N", "the revision you looked at"}},
       .examples = {"signoffctl --token=demo-smirnova reject KP-2026-0142 --comment \"margin too thin\""},
       .run = Reject},
      {.path = "delegate",
       .synopsis = "TO --until DATE [--from DATE] | --clear",
       .summary = "send your items to someone else while you are away",
       .details = "Items due to you go to employee TO from now (or --from) until DATE. A date without a time\n"
                  "includes that whole day. Times are local unless they carry an offset; +3d, +12h work too.\n"
                  "--clear ends your delegation.",
       .flags = {{"until", "DATE", "last day (or time) of the delegation"},
                 {"from", "DATE", "start (default: now)"},
                 {"clear", "", "end the delegation now"}},
       .examples = {"signoffctl --token=demo-smirnova delegate a.volkov --until 2026-12-05",
                    "signoffctl --token=demo-smirnova delegate --clear"},
       .run = Delegate},
  };
}

}  // namespace signoff::client
