#include "server/storage/pg_values.h"

#include "absl/strings/str_cat.h"

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace signoff::storage::internal {

std::string ToTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

std::string ToBigintArray(const std::vector<int64_t>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    absl::StrAppend(&out, values[i]);
  }
  out.push_back('}');
  return out;
}

std::string StatusColumn(v1::OfferStatus status) {
  return v1::OfferStatus_Name(status).substr(sizeof("OFFER_STATUS_") - 1);
}

std::string OutcomeColumn(v1::Outcome outcome) {
  return v1::Outcome_Name(outcome).substr(sizeof("OUTCOME_") - 1);
}

std::string SerializeDeterministic(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

}  // namespace signoff::storage::internal
