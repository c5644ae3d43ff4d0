#include "client/policy_commands.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "policies/case_runner.h"
#include "policies/directory_file.h"
#include "policies/policy_set.h"

ABSL_FLAG(std::string, at, "",
          "policy eval: evaluation time, RFC 3339 (default: now); fixes tenure for replays");
ABSL_FLAG(std::string, directory, "",
          "policy eval: directory seed to find the manager in (default: DIR/directory.textproto)");

namespace signoff::client {

const char kPolicyUsage[] =
    R"(  policy lint DIR               check a policy directory; prints every issue as file:line
  policy test DIR               run DIR/*.cases.textproto; per-case PASS/FAIL, exit 1 on failure
  policy eval DIR OFFER_FILE    evaluate a signoff.v1.Offer (text format) offline and print
                                the decision and its reasons [--at=RFC3339] [--directory=FILE])";

namespace {

int Usage(const char* message) {
  std::fprintf(stderr, "signoffctl policy: %s\n\nUsage:\n%s\n", message, kPolicyUsage);
  return 2;
}

int Lint(const std::string& dir) {
  policies::LoadResult loaded = policies::PolicySet::Load(dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n%zu issue(s); the set would not be activated\n", loaded.IssuesText().c_str(),
                 loaded.issues.size());
    return 1;
  }
  const policies::PolicySet& set = *loaded.set;
  std::printf("OK %s: %zu level(s), %zu rule(s)\nversion: %s\nhash: %s\n", dir.c_str(), set.levels().size(),
              set.rule_count(), set.version().label().c_str(), set.version().content_hash().c_str());
  return 0;
}

int Test(const std::string& dir) {
  policies::CaseReport report = policies::RunPolicyTests(dir);
  std::fputs(report.Summary().c_str(), stdout);
  return report.ok() ? 0 : 1;
}

std::string Outcome(v1::Outcome outcome) {
  switch (outcome) {
    case v1::OUTCOME_APPROVED: return "APPROVED";
    case v1::OUTCOME_NEEDS_SIGNOFF: return "NEEDS SIGN-OFF";
    case v1::OUTCOME_REJECTED: return "REJECTED";
    default: return "UNSPECIFIED";
  }
}

int Eval(const std::string& dir, const std::string& offer_file) {
  policies::LoadResult loaded = policies::PolicySet::Load(dir);
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.IssuesText().c_str());
    return 2;
  }
  std::ifstream in(offer_file, std::ios::binary);
  if (!in) return Usage(absl::StrCat("cannot open ", offer_file).c_str());
  std::stringstream text;
  text << in.rdbuf();
  v1::Offer offer;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &offer)) {
    std::fprintf(stderr, "%s: not a signoff.v1.Offer in text format\n", offer_file.c_str());
    return 1;
  }
  absl::Time at = absl::Now();
  if (std::string at_text = absl::GetFlag(FLAGS_at); !at_text.empty()) {
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, at_text, &at, &error)) {
      return Usage(absl::StrCat("--at: ", error).c_str());
    }
  }
  std::string directory_path = absl::GetFlag(FLAGS_directory);
  const bool explicit_directory = !directory_path.empty();
  if (!explicit_directory) directory_path = absl::StrCat(dir, "/directory.textproto");
  v1::Directory directory;
  if (absl::StatusOr<v1::Directory> read = policies::LoadDirectoryFile(directory_path); read.ok()) {
    directory = *std::move(read);
  } else if (explicit_directory || read.status().code() != absl::StatusCode::kNotFound) {
    std::fprintf(stderr, "%s\n", std::string(read.status().message()).c_str());
    return 2;
  }
  const v1::Employee* manager = policies::FindEmployee(directory, offer.manager_id());

  absl::StatusOr<v1::Decision> decision = loaded.set->Evaluate(offer, manager, at);
  if (!decision.ok()) {
    std::fprintf(stderr, "invalid offer: %s\n", std::string(decision.status().message()).c_str());
    return 1;
  }
  std::printf("%s", Outcome(decision->outcome()).c_str());
  for (int i = 0; i < decision->required_levels_size(); ++i) {
    std::printf("%s%s", i == 0 ? " by " : " → ", decision->required_levels(i).c_str());
  }
  std::printf("\npolicy: %s (%s)\n", decision->policy_version().label().c_str(),
              decision->policy_version().content_hash().c_str());
  for (const v1::Reason& reason : decision->reasons()) {
    std::printf("  - [%s]%s %s\n", reason.rule_id().c_str(), reason.fail_safe() ? " (fail safe)" : "",
                reason.text().c_str());
  }
  std::string debug;
  google::protobuf::TextFormat::Printer printer;
  printer.SetUseUtf8StringEscaping(true);  // reasons are for people: keep "—" readable
  printer.PrintToString(*decision, &debug);
  std::printf("\n%s", debug.c_str());
  return 0;
}

}  // namespace

int RunPolicyCommand(const std::vector<std::string>& args) {
  if (args.empty()) return Usage("missing subcommand");
  const std::string& sub = args[0];
  if (sub == "lint" && args.size() == 2) return Lint(args[1]);
  if (sub == "test" && args.size() == 2) return Test(args[1]);
  if (sub == "eval" && args.size() == 3) return Eval(args[1], args[2]);
  return Usage(absl::StrCat("unknown subcommand or wrong arguments: \"", sub, "\"").c_str());
}

}  // namespace signoff::client
