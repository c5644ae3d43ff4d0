// signoffctl policy info / reload / simulate and employees list / upsert /
// deactivate (AdminService).

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "client/command.h"
#include "client/format.h"
#include "client/offer_file.h"
#include "client/render.h"
#include "signoff/v1/service.grpc.pb.h"

namespace signoff::client {
namespace {

std::string Hash(const v1::PolicyVersion& version) { return version.content_hash().substr(0, 12); }

std::string ModeName(v1::RuleMode mode) {
  switch (mode) {
    case v1::RULE_MODE_WARN: return "warn";
    case v1::RULE_MODE_SHADOW: return "shadow";
    default: return "enforce";
  }
}

std::string Problems(const google::protobuf::RepeatedPtrField<v1::PolicyProblem>& problems) {
  std::string out;
  for (const v1::PolicyProblem& p : problems) absl::StrAppend(&out, p.file(), ":", p.line(), ": ", p.message(), "\n");
  return out;
}

std::unique_ptr<v1::AdminService::Stub> AdminStub(CommandContext& ctx) {
  auto channel = ctx.channel();
  return channel ? v1::AdminService::NewStub(channel) : nullptr;
}

int Info(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("takes no arguments");
  auto stub = AdminStub(ctx);
  if (!stub) return kExitUsage;
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::GetPolicyInfoResponse response;
  grpc::Status status = stub->GetPolicyInfo(&call, v1::GetPolicyInfoRequest(), &response);
  if (!status.ok()) return ctx.RpcError("policy info", status);
  if (ctx.json()) {
    ctx.PrintJson(response);
    return kExitOk;
  }
  Table rules({{"RULE"}, {"MODE"}, {"DESCRIPTION", Table::Align::kLeft, 100}});
  for (const v1::RuleInfo& rule : response.rules()) rules.AddRow({rule.id(), ModeName(rule.mode()), rule.description()});
  ctx.Print(absl::StrCat("Policy set: ", response.version().label(), "\n", "Hash:       ",
                         response.version().content_hash(), "\n", "Levels:     ",
                         absl::StrJoin(response.levels(), " → "), "\n\n", rules.Render()));
  return kExitOk;
}

int Reload(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("takes no arguments (the server reloads its own --policy_dir)");
  auto stub = AdminStub(ctx);
  if (!stub) return kExitUsage;
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::ReloadPoliciesResponse response;
  grpc::Status status = stub->ReloadPolicies(&call, v1::ReloadPoliciesRequest(), &response);
  if (!status.ok()) return ctx.RpcError("policy reload", status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else if (response.activated()) {
    ctx.Print(absl::StrCat("Reloaded: ", response.active_version().label(), " (", Hash(response.active_version()),
                           ") is active.\n"));
  } else {
    ctx.Print(absl::StrCat(Problems(response.problems()), response.problems_size(),
                           " problem(s): the new set was NOT activated; still active: ",
                           response.active_version().label(), " (", Hash(response.active_version()), ").\n"));
  }
  return response.activated() ? kExitOk : kExitNegative;
}

int Simulate(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one policy DIR");
  const std::string dir = ctx.operands()[0];
  v1::SimulatePolicyRequest request;
  std::vector<std::filesystem::path> paths;
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file() && absl::EndsWith(it->path().filename().string(), ".policy.textproto")) {
      paths.push_back(it->path());
    }
  }
  if (error) return ctx.Fail(kExitUsage, absl::StrCat("cannot read policy directory ", dir, ": ", error.message()));
  if (paths.empty()) return ctx.Fail(kExitUsage, absl::StrCat(dir, " has no *.policy.textproto files"));
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    v1::PolicyFileContent* file = request.add_files();
    file->set_name(path.filename().string());
    file->set_content(text.str());
  }
  if (std::string problem = [&]() -> std::string {
        if (ctx.args().Has("from")) {
          auto from = ParseWhen(ctx.args().Get("from"), ctx.zone(), ctx.now());
          if (!from.ok()) return absl::StrCat("--from: ", from.status().message());
          *request.mutable_from() = ToProtoTime(*from);
        }
        if (ctx.args().Has("to")) {
          auto to = ParseWhen(ctx.args().Get("to"), ctx.zone(), ctx.now(), true);
          if (!to.ok()) return absl::StrCat("--to: ", to.status().message());
          *request.mutable_to() = ToProtoTime(*to);
        }
        return "";
      }();
      !problem.empty()) {
    return ctx.UsageError(problem);
  }
  int max_changes = 100;
  if (ctx.args().Has("max-changes") &&
      (!absl::SimpleAtoi(ctx.args().Get("max-changes"), &max_changes) || max_changes < 1)) {
    return ctx.UsageError("--max-changes must be a number >= 1");
  }
  request.set_max_changes(max_changes);
  auto stub = AdminStub(ctx);
  if (!stub) return kExitUsage;
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::SimulatePolicyResponse response;
  grpc::Status status = stub->SimulatePolicy(&call, request, &response);
  if (!status.ok()) return ctx.RpcError(absl::StrCat("policy simulate ", dir), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
    return response.problems().empty() ? kExitOk : kExitNegative;
  }
  if (!response.problems().empty()) {
    ctx.Print(absl::StrCat(Problems(response.problems()), response.problems_size(),
                           " problem(s): the candidate set does not load; nothing was simulated.\n"));
    return kExitNegative;
  }
  auto outcome = [](v1::Outcome o, const google::protobuf::RepeatedPtrField<std::string>& levels) {
    return levels.empty() ? OutcomeName(o) : absl::StrCat(OutcomeName(o), " by ", LevelChain(levels));
  };
  Table table({{"OFFER"}, {"STORED", Table::Align::kLeft, 50}, {"SIMULATED", Table::Align::kLeft, 50}});
  for (const v1::SimulatedChange& c : response.changes()) {
    table.AddRow({OfferLabel(c.offer_id(), c.revision()), outcome(c.stored_outcome(), c.stored_levels()),
                  outcome(c.simulated_outcome(), c.simulated_levels())});
  }
  std::string text = absl::StrCat("Candidate ", response.candidate_version().label(), " (",
                                  Hash(response.candidate_version()), "): ", response.offers_evaluated(),
                                  " offer revision(s) evaluated, ", response.decisions_changed(),
                                  " decision(s) would change.\n");
  if (table.rows() > 0) absl::StrAppend(&text, table.Render());
  if (response.decisions_changed() > response.changes_size()) {
    absl::StrAppend(&text, "(", response.changes_size(), " shown; raise --max-changes for more)\n");
  }
  ctx.Print(text);
  return kExitOk;
}

std::string DateText(const v1::Date& date) {
  if (date.year() == 0) return "-";
  return absl::StrFormat("%04d-%02d-%02d", date.year(), date.month(), date.day());
}

std::string LevelsText(const v1::Employee& e) {
  std::vector<std::string> levels;
  for (const v1::ApprovalAuthority& a : e.approval_levels()) {
    std::vector<std::string> limits;
    for (const v1::Money& m : a.limits()) limits.push_back(FormatMoney(m));
    levels.push_back(limits.empty() ? a.level() : absl::StrCat(a.level(), " ≤ ", absl::StrJoin(limits, ", ")));
  }
  return levels.empty() ? "-" : absl::StrJoin(levels, "; ");
}

absl::StatusOr<std::vector<v1::Employee>> ListEmployees(CommandContext& ctx, v1::AdminService::Stub* stub,
                                                        bool include_inactive, grpc::Status* status) {
  v1::ListEmployeesRequest request;
  request.set_include_inactive(include_inactive);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::ListEmployeesResponse response;
  *status = stub->ListEmployees(&call, request, &response);
  return std::vector<v1::Employee>(response.employees().begin(), response.employees().end());
}

int EmployeesList(CommandContext& ctx) {
  if (!ctx.operands().empty()) return ctx.UsageError("takes no arguments");
  auto stub = AdminStub(ctx);
  if (!stub) return kExitUsage;
  v1::ListEmployeesRequest request;
  request.set_include_inactive(ctx.args().Enabled("include-inactive"));
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::ListEmployeesResponse response;
  grpc::Status status = stub->ListEmployees(&call, request, &response);
  if (!status.ok()) return ctx.RpcError("employees list", status);
  if (ctx.json()) {
    ctx.PrintJson(response);
    return kExitOk;
  }
  Table table({{"ID"}, {"NAME"}, {"TEAM"}, {"SUPERVISOR"}, {"HIRED"}, {"TAGS"}, {"SIGNS OFF AS", Table::Align::kLeft, 60},
               {"ACTIVE"}});
  for (const v1::Employee& e : response.employees()) {
    table.AddRow({e.employee_id(), e.display_name(), e.team(), e.supervisor_id().empty() ? "-" : e.supervisor_id(),
                  DateText(e.hire_date()), e.tags().empty() ? "-" : absl::StrJoin(e.tags(), ","), LevelsText(e),
                  e.active() ? "yes" : "no"});
  }
  ctx.Print(absl::StrCat(table.Render(), response.employees_size(), " employee(s)\n"));
  return kExitOk;
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    out.emplace_back(absl::StripAsciiWhitespace(part));
  }
  return out;
}

int EmployeesUpsert(CommandContext& ctx) {
  auto stub = AdminStub(ctx);
  v1::Employee employee;
  if (ctx.args().Has("file")) {
    if (!ctx.operands().empty()) return ctx.UsageError("give either ID with flags or --file, not both");
    if (absl::Status s = ReadMessageFile(ctx.args().Get("file"), &employee); !s.ok()) {
      return ctx.Fail(kExitUsage, std::string(s.message()));
    }
  } else {
    if (ctx.operands().size() != 1) return ctx.UsageError("expected one employee ID (or --file FILE)");
    if (!stub) return kExitUsage;
    // Start from the stored entry so that flags change only what they name.
    grpc::Status status;
    auto all = ListEmployees(ctx, stub.get(), true, &status);
    if (!status.ok()) return ctx.RpcError("employees upsert", status);
    employee.set_employee_id(ctx.operands()[0]);
    employee.set_active(true);
    for (const v1::Employee& e : *all) {
      if (e.employee_id() == employee.employee_id()) employee = e;
    }
    const Args& a = ctx.args();
    if (a.Has("name")) employee.set_display_name(a.Get("name"));
    if (a.Has("team")) employee.set_team(a.Get("team"));
    if (a.Has("supervisor")) employee.set_supervisor_id(a.Get("supervisor"));
    if (a.Has("email")) employee.set_email(a.Get("email"));
    if (a.Has("active")) employee.set_active(a.Enabled("active"));
    if (a.Has("hired")) {
      v1::Date* date = employee.mutable_hire_date();
      int y = 0, m = 0, d = 0;
      std::vector<std::string> parts = absl::StrSplit(a.Get("hired"), '-');
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
          !absl::SimpleAtoi(parts[2], &d)) {
        return ctx.UsageError("--hired is a date such as 2026-03-01");
      }
      date->set_year(y);
      date->set_month(m);
      date->set_day(d);
    }
    if (a.Has("tags")) {
      employee.clear_tags();
      for (const std::string& tag : SplitList(a.Get("tags"))) employee.add_tags(tag);
    }
    if (a.Has("levels")) {
      // Keep the personal limits of levels the person keeps.
      v1::Employee before = employee;
      employee.clear_approval_levels();
      for (const std::string& level : SplitList(a.Get("levels"))) {
        v1::ApprovalAuthority* authority = employee.add_approval_levels();
        authority->set_level(level);
        for (const v1::ApprovalAuthority& old : before.approval_levels()) {
          if (old.level() == level) *authority = old;
        }
      }
    }
  }
  if (!stub) return kExitUsage;
  v1::UpsertEmployeeRequest request;
  *request.mutable_employee() = employee;
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::UpsertEmployeeResponse response;
  grpc::Status status = stub->UpsertEmployee(&call, request, &response);
  if (!status.ok()) return ctx.RpcError(absl::StrCat("employees upsert ", employee.employee_id()), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else {
    const v1::Employee& e = response.employee();
    ctx.Print(absl::StrCat("Saved ", e.employee_id(), ": ", e.display_name().empty() ? "-" : e.display_name(),
                           ", team ", e.team().empty() ? "-" : e.team(), ", supervisor ",
                           e.supervisor_id().empty() ? "-" : e.supervisor_id(), ", tags ",
                           e.tags().empty() ? "-" : absl::StrJoin(e.tags(), ","), ", signs off as ", LevelsText(e),
                           e.active() ? "" : ", inactive", ".\n"));
  }
  return kExitOk;
}

int EmployeesDeactivate(CommandContext& ctx) {
  if (ctx.operands().size() != 1) return ctx.UsageError("expected one employee ID");
  auto stub = AdminStub(ctx);
  if (!stub) return kExitUsage;
  v1::DeactivateEmployeeRequest request;
  request.set_employee_id(ctx.operands()[0]);
  grpc::ClientContext call;
  ctx.Prepare(&call);
  v1::DeactivateEmployeeResponse response;
  grpc::Status status = stub->DeactivateEmployee(&call, request, &response);
  if (!status.ok()) return ctx.RpcError(absl::StrCat("employees deactivate ", request.employee_id()), status);
  if (ctx.json()) {
    ctx.PrintJson(response);
  } else {
    ctx.Print(absl::StrCat("Deactivated ", request.employee_id(),
                           ": history kept, no new work goes to them.\n"));
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> AdminCommands() {
  return {
      {.path = "policy info",
       .synopsis = "",
       .summary = "the active policy set: version, levels, rules",
       .details = "Needs an admin or auditor token.",
       .examples = {"signoffctl --token=demo-admin policy info"},
       .run = Info},
      {.path = "policy reload",
       .synopsis = "",
       .summary = "make the server load its policy directory again",
       .details = "On any problem the active set stays in force and every problem is printed as\n"
                  "file:line: message (exit status 1). Lint first with `signoffctl policy lint DIR`.",
       .examples = {"signoffctl --token=demo-admin policy reload"},
       .run = Reload},
      {.path = "policy simulate",
       .synopsis = "DIR [--from DATE] [--to DATE] [--max-changes N]",
       .summary = "which stored decisions a candidate policy set would change",
       .details = "Sends DIR/*.policy.textproto to the server, which replays the offers submitted in the\n"
                  "period against them (with the manager facts and time of each stored decision) and\n"
                  "reports the decisions that would change. Nothing is stored.",
       .flags = {{"from", "DATE", "offers submitted at or after"},
                 {"to", "DATE", "offers submitted before (a date alone: through that day)"},
                 {"max-changes", "N", "list at most N changed decisions (default 100)"}},
       .examples = {"signoffctl --token=demo-admin policy simulate ./candidate --from 2026-11-01 --to 2026-11-30"},
       .run = Simulate},
      {.path = "employees list",
       .synopsis = "[--include-inactive]",
       .summary = "the directory: who sells, who signs off",
       .flags = {{"include-inactive", "", "also employees who left"}},
       .examples = {"signoffctl --token=demo-admin employees list"},
       .run = EmployeesList},
      {.path = "employees upsert",
       .synopsis = "ID [--name N] [--team T] [--supervisor ID] [--hired DATE] [--tags a,b] [--levels l1,l2] "
                   "[--email E] [--active true|false] | --file EMPLOYEE_FILE",
       .summary = "add an employee or change one",
       .details = "With flags, changes only what they name on the stored entry (a new ID starts empty and\n"
                  "active). --tags and --levels replace the whole list (\"\" clears it); personal limits of\n"
                  "levels that stay are kept. --file sends a whole signoff.v1.Employee (text or .json).",
       .flags = {{"name", "N", "display name"},
                 {"team", "T", "team or department"},
                 {"supervisor", "ID", "direct supervisor's employee id"},
                 {"hired", "DATE", "first working day, 2026-03-01"},
                 {"tags", "LIST", "comma-separated tags, e.g. probation,watched"},
                 {"levels", "LIST", "comma-separated approval levels, e.g. team_lead"},
                 {"email", "E", "e-mail address"},
                 {"active", "BOOL", "false keeps the history but sends no new work"},
                 {"file", "FILE", "a whole signoff.v1.Employee"}},
       .examples = {"signoffctl --token=demo-admin employees upsert e.novikova --tags \"\"",
                    "signoffctl --token=demo-admin employees upsert t.belov --name \"Timur Belov\" "
                    "--team sales-moscow --supervisor i.smirnova --hired 2026-11-20"},
       .run = EmployeesUpsert},
      {.path = "employees deactivate",
       .synopsis = "ID",
       .summary = "mark an employee inactive (history stays)",
       .examples = {"signoffctl --token=demo-admin employees deactivate n.lebedev"},
       .run = EmployeesDeactivate},
  };
}

}  // namespace signoff::client
