#include "client/offer_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace signoff::client {
namespace {

// Collects the text-format parser's complaints as "file:line:column: what".
class ParseErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit ParseErrors(std::string file) : file_(std::move(file)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first_.empty()) first_ = absl::StrCat(file_, ":", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& first() const { return first_; }

 private:
  std::string file_, first_;
};

}  // namespace

absl::Status ReadMessageFile(const std::string& path, google::protobuf::Message* message) {
  const std::string type = message->GetDescriptor()->full_name();
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path, " (a ", type, " file)"));
  std::stringstream text;
  text << in.rdbuf();
  if (absl::EndsWithIgnoreCase(path, ".json")) {
    auto status = google::protobuf::util::JsonStringToMessage(text.str(), message);
    if (!status.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": not a ", type, " in protobuf JSON: ", std::string(status.message())));
    }
    return absl::OkStatus();
  }
  ParseErrors errors(path);
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text.str(), message)) {
    return absl::InvalidArgumentError(absl::StrCat(errors.first().empty() ? path : errors.first(),
                                                   " (expected a ", type,
                                                   " in protobuf text format; name the file .json for JSON)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Offer> ReadOfferFile(const std::string& path) {
  v1::Offer offer;
  if (absl::Status status = ReadMessageFile(path, &offer); !status.ok()) return status;
  return offer;
}

}  // namespace signoff::client
