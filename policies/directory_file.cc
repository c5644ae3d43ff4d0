#include "policies/directory_file.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace signoff::policies {
namespace {

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (text.empty()) text = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  std::string text;
};

}  // namespace

absl::StatusOr<v1::Directory> LoadDirectoryFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot be opened"));
  std::stringstream content;
  content << in.rdbuf();
  v1::Directory directory;
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(content.str(), &directory)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", errors.text));
  }
  return directory;
}

const v1::Employee* FindEmployee(const v1::Directory& directory, absl::string_view employee_id) {
  for (const v1::Employee& employee : directory.employees()) {
    if (employee.employee_id() == employee_id) return &employee;
  }
  return nullptr;
}

}  // namespace signoff::policies
