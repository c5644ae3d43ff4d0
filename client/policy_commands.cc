// Offline policy tooling: `signoffctl policy lint|test|eval`. Uses the policy
// engine directly; no server is involved.

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/command.h"
#include "client/format.h"
#include "client/offer_file.h"
#include "client/render.h"
#include "google/protobuf/text_format.h"
#include "policies/case_runner.h"
#include "policies/directory_file.h"
#include "policies/policy_set.h"

namespace signoff::client {
namespace {

int Lint(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one policy DIR");
  const std::string& dir = ctx.operands()[0];
  policies::LoadResult loaded = policies::PolicySet::Load(dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n%zu issue(s); the set would not be activated\n", loaded.IssuesText().c_str(),
                 loaded.issues.size());
    return kExitNegative;
  }
  const policies::PolicySet& set = *loaded.set;
  ctx.Print(absl::StrCat("OK ", dir, ": ", set.levels().size(), " level(s), ", set.rule_count(),
                         " rule(s)\nversion: ", set.version().label(), "\nhash: ", set.version().content_hash(),
                         "\n"));
  return kExitOk;
}

int Test(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one policy DIR");
  policies::CaseReport report = policies::RunPolicyTests(ctx.operands()[0]);
  ctx.Print(report.Summary());
  return report.ok() ? kExitOk : kExitNegative;
}

int Eval(CommandContext& ctx) {
  if (ctx.operands().size() != 2) return ctx.UsageError("expected DIR and OFFER_FILE");
  const std::string& dir = ctx.operands()[0];
  policies::LoadResult loaded = policies::PolicySet::Load(dir);
  if (!loaded.ok()) return ctx.Fail(kExitUsage, loaded.IssuesText());
  absl::StatusOr<v1::Offer> offer = ReadOfferFile(ctx.operands()[1]);
  if (!offer.ok()) return ctx.Fail(kExitNegative, std::string(offer.status().message()));
  absl::Time at = ctx.now();
  if (ctx.args().Has("at")) {
    auto parsed = ParseWhen(ctx.args().Get("at"), ctx.zone(), ctx.now());
    if (!parsed.ok()) return ctx.UsageError(absl::StrCat("--at: ", parsed.status().message()));
    at = *parsed;
  }
  std::string directory_path = ctx.args().Get("directory");
  const bool explicit_directory = !directory_path.empty();
  if (!explicit_directory) directory_path = absl::StrCat(dir, "/directory.textproto");
  v1::Directory directory;
  if (absl::StatusOr<v1::Directory> read = policies::LoadDirectoryFile(directory_path); read.ok()) {
    directory = *std::move(read);
  } else if (explicit_directory || read.status().code() != absl::StatusCode::kNotFound) {
    return ctx.Fail(kExitUsage, std::string(read.status().message()));
  }
  const v1::Employee* manager = policies::FindEmployee(directory, offer->manager_id());
  absl::StatusOr<v1::Decision> decision = loaded.set->Evaluate(*offer, manager, at);
  if (!decision.ok()) {
    return ctx.Fail(kExitNegative, absl::StrCat("invalid offer: ", decision.status().message()));
  }
  if (ctx.json()) {
    ctx.PrintJson(*decision);
    return kExitOk;
  }
  const v1::OfferFigures& figures = decision->figures();
  std::string text = absl::StrCat(
      "Total: ", FormatMoney(figures.total()), "   margin ",
      figures.has_margin_percent() ? FormatPercent(figures.margin_percent().value()) : "-", "\n",
      RenderReasons(*decision), "hash: ", decision->policy_version().content_hash(), "\n");
  std::string debug;
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);  // reasons are for people: keep "—" readable
  printer.PrintToString(*decision, &debug);
  ctx.Print(absl::StrCat(text, "\n", debug));
  return kExitOk;
}

}  // namespace

std::vector<Command> PolicyFileCommands() {
  return {
      {.path = "policy lint",
       .synopsis = "DIR",
       .summary = "check a policy directory offline; every issue as file:line",
       .details = "Loads DIR/*.policy.textproto with the same engine as the server. Exit status 1 when the\n"
                  "set has issues (the server would refuse it). No server needed.",
       .examples = {"signoffctl policy lint policies/default"},
       .needs_server = false,
       .run = Lint},
      {.path = "policy test",
       .synopsis = "DIR",
       .summary = "run DIR/*.cases.textproto offline; PASS/FAIL per case",
       .details = "Runs the table-driven cases kept beside the policy files. Exit status 1 on any failure.",
       .examples = {"signoffctl policy test policies/default"},
       .needs_server = false,
       .run = Test},
      {.path = "policy eval",
       .synopsis = "DIR OFFER_FILE [--at TIME] [--directory FILE]",
       .summary = "evaluate an offer offline and print the decision with its reasons",
       .details = "Evaluates a signoff.v1.Offer (text format, or .json) against DIR without a server. The\n"
                  "manager is looked up in DIR/directory.textproto (or --directory); --at fixes the\n"
                  "evaluation time, so tenure-based rules replay exactly.",
       .flags = {{"at", "TIME", "evaluation time (default now), e.g. 2026-02-02T09:00:00Z"},
                 {"directory", "FILE", "directory seed with the manager (default DIR/directory.textproto)"}},
       .examples = {"signoffctl policy eval policies/default "
                    "policies/default/examples/probation_negative_margin.offer.textproto --at 2026-02-02T09:00:00Z"},
       .needs_server = false,
       .run = Eval},
  };
}

}  // namespace signoff::client
