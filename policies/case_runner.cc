#include "policies/case_runner.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "policies/directory_file.h"

namespace signoff::policies {
namespace {

constexpr char kCaseSuffix[] = ".cases.textproto";
constexpr char kDefaultDirectory[] = "directory.textproto";

class IssueCollector : public google::protobuf::io::ErrorCollector {
 public:
  IssueCollector(std::string file, std::vector<PolicyIssue>* issues) : file_(std::move(file)), issues_(issues) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    issues_->push_back({file_, line + 1, absl::StrCat("column ", column + 1, ": ", message)});
  }

 private:
  std::string file_;
  std::vector<PolicyIssue>* issues_;
};

void FillCurrency(v1::Money* money, const std::string& currency) {
  if (money->currency_code().empty()) money->set_currency_code(currency);
}

// Case files may leave line currencies out; they are the offer's.
v1::Offer WithCurrencies(v1::Offer offer) {
  const std::string& currency = offer.currency_code();
  for (v1::OfferLine& line : *offer.mutable_lines()) {
    if (line.has_unit_price()) FillCurrency(line.mutable_unit_price(), currency);
    if (line.has_unit_cost()) FillCurrency(line.mutable_unit_cost(), currency);
    if (line.has_amount()) FillCurrency(line.mutable_amount(), currency);
  }
  if (offer.has_total()) FillCurrency(offer.mutable_total(), currency);
  return offer;
}

std::string List(const std::vector<std::string>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  *ok = static_cast<bool>(in);
  return content.str();
}

}  // namespace

int CaseReport::passed() const {
  return static_cast<int>(std::count_if(cases.begin(), cases.end(), [](const CaseResult& c) { return c.passed(); }));
}
int CaseReport::failed() const { return static_cast<int>(cases.size()) - passed(); }
bool CaseReport::ok() const { return issues.empty() && !cases.empty() && failed() == 0; }

std::string CaseReport::Summary() const {
  std::string out;
  for (const PolicyIssue& issue : issues) absl::StrAppend(&out, "ERROR ", issue.ToString(), "\n");
  for (const CaseResult& c : cases) {
    absl::StrAppend(&out, c.passed() ? "PASS " : "FAIL ", c.file, ": ", c.name, "\n");
    for (const std::string& failure : c.failures) absl::StrAppend(&out, "     ", failure, "\n");
  }
  absl::StrAppend(&out, passed(), " passed, ", failed(), " failed", issues.empty() ? "" : ", load errors",
                  cases.empty() && issues.empty() ? ", no cases found" : "", "\n");
  return out;
}

std::vector<std::string> RunCase(const PolicySet& set, const v1::PolicyTestCase& test_case,
                                 absl::string_view default_evaluated_at, const v1::Directory* directory) {
  std::vector<std::string> failures;
  absl::string_view at_text = test_case.evaluated_at().empty() ? default_evaluated_at : test_case.evaluated_at();
  absl::Time at;
  std::string time_error;
  if (!absl::ParseTime(absl::RFC3339_full, at_text, &at, &time_error)) {
    return {absl::StrCat("evaluated_at \"", at_text, "\" is not RFC 3339 (set it on the case or the file): ",
                         time_error)};
  }
  const v1::Offer offer = WithCurrencies(test_case.offer());
  const v1::Employee* manager = nullptr;
  if (test_case.has_manager()) {
    manager = &test_case.manager();
  } else if (directory != nullptr) {
    manager = FindEmployee(*directory, offer.manager_id());
  }
  absl::StatusOr<v1::Decision> decision = set.Evaluate(offer, manager, at);

  if (!test_case.expect_error().empty()) {
    if (decision.ok()) {
      failures.push_back(absl::StrCat("expected an invalid-offer error containing \"", test_case.expect_error(),
                                      "\", got outcome ", v1::Outcome_Name(decision->outcome())));
    } else if (decision.status().code() != absl::StatusCode::kInvalidArgument ||
               !absl::StrContains(decision.status().message(), test_case.expect_error())) {
      failures.push_back(absl::StrCat("expected INVALID_ARGUMENT containing \"", test_case.expect_error(),
                                      "\", got ", decision.status().ToString()));
    }
    return failures;
  }
  if (!decision.ok()) return {absl::StrCat("unexpected error: ", decision.status().ToString())};
  if (test_case.expect_outcome() == v1::OUTCOME_UNSPECIFIED) {
    failures.push_back("the case sets neither expect_outcome nor expect_error");
  } else if (decision->outcome() != test_case.expect_outcome()) {
    failures.push_back(absl::StrCat("outcome: expected ", v1::Outcome_Name(test_case.expect_outcome()), ", got ",
                                    v1::Outcome_Name(decision->outcome())));
  }
  std::vector<std::string> levels(decision->required_levels().begin(), decision->required_levels().end());
  std::vector<std::string> want_levels(test_case.expect_levels().begin(), test_case.expect_levels().end());
  if (levels != want_levels) {
    failures.push_back(absl::StrCat("levels: expected ", List(want_levels), ", got ", List(levels)));
  }
  std::vector<std::string> rules;
  for (const v1::Reason& reason : decision->reasons()) rules.push_back(reason.rule_id());
  std::vector<std::string> want_rules(test_case.expect_rules().begin(), test_case.expect_rules().end());
  if (rules != want_rules) {
    failures.push_back(absl::StrCat("rules: expected ", List(want_rules), ", got ", List(rules)));
  }
  for (const std::string& id : test_case.expect_fail_safe()) {
    bool found = std::any_of(decision->reasons().begin(), decision->reasons().end(),
                             [&](const v1::Reason& r) { return r.rule_id() == id && r.fail_safe(); });
    if (!found) failures.push_back(absl::StrCat("expected a fail-safe reason from ", id));
  }
  for (const std::string& text : test_case.expect_text()) {
    bool found = std::any_of(decision->reasons().begin(), decision->reasons().end(),
                             [&](const v1::Reason& r) { return absl::StrContains(r.text(), text); });
    if (!found) {
      std::vector<std::string> texts;
      for (const v1::Reason& r : decision->reasons()) texts.push_back(r.text());
      failures.push_back(absl::StrCat("no reason text contains \"", text, "\"; texts: ", absl::StrJoin(texts, " | ")));
    }
  }
  return failures;
}

void RunCaseText(const PolicySet& set, const std::string& name, const std::string& text,
                 const std::string& base_dir, CaseReport* report) {
  v1::PolicyTestFile file;
  IssueCollector collector(name, &report->issues);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&collector);
  if (!parser.ParseFromString(text, &file)) return;
  if (file.cases().empty()) {
    report->issues.push_back({name, 0, "the case file has no cases"});
    return;
  }
  v1::Directory directory;
  bool have_directory = false;
  namespace fs = std::filesystem;
  const std::string directory_name = file.directory().empty() ? kDefaultDirectory : file.directory();
  const fs::path directory_path = fs::path(base_dir) / directory_name;
  if (!base_dir.empty() && (!file.directory().empty() || fs::exists(directory_path))) {
    absl::StatusOr<v1::Directory> loaded = LoadDirectoryFile(directory_path.string());
    if (!loaded.ok()) {
      report->issues.push_back({name, 0, std::string(loaded.status().message())});
      return;
    }
    directory = *std::move(loaded);
    have_directory = true;
  }
  for (int i = 0; i < file.cases_size(); ++i) {
    const v1::PolicyTestCase& test_case = file.cases(i);
    CaseResult result;
    result.file = name;
    result.name = test_case.name().empty() ? absl::StrCat("case #", i + 1) : test_case.name();
    result.failures = RunCase(set, test_case, file.evaluated_at(), have_directory ? &directory : nullptr);
    report->cases.push_back(std::move(result));
  }
}

CaseReport RunPolicyTests(const std::string& dir) {
  CaseReport report;
  LoadResult loaded = PolicySet::Load(dir);
  if (!loaded.ok()) {
    report.issues = std::move(loaded.issues);
    return report;
  }
  namespace fs = std::filesystem;
  std::error_code error;
  std::vector<fs::path> paths;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error)) {
    if (absl::EndsWith(it->path().filename().string(), kCaseSuffix)) paths.push_back(it->path());
  }
  std::sort(paths.begin(), paths.end());
  for (const fs::path& path : paths) {
    bool ok = false;
    std::string text = ReadFile(path.string(), &ok);
    if (!ok) {
      report.issues.push_back({path.filename().string(), 0, "cannot be read"});
      continue;
    }
    RunCaseText(*loaded.set, path.filename().string(), text, dir, &report);
  }
  return report;
}

}  // namespace signoff::policies
