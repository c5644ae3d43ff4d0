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

namespace {
void AppendInt32(std::string& out, uint32_t value) {  // network byte order
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((value >> shift) & 0xff));
}
}  // namespace

pqxx::binarystring ToByteaArray(const std::vector<std::string>& values) {
  constexpr uint32_t kByteaOid = 17;
  size_t size = 20;
  for (const std::string& value : values) size += 4 + value.size();
  std::string out;
  out.reserve(size);
  AppendInt32(out, values.empty() ? 0 : 1);  // dimensions
  AppendInt32(out, 0);                       // no NULL elements
  AppendInt32(out, kByteaOid);
  if (!values.empty()) {
    AppendInt32(out, static_cast<uint32_t>(values.size()));
    AppendInt32(out, 1);  // lower bound
  }
  for (const std::string& value : values) {
    AppendInt32(out, static_cast<uint32_t>(value.size()));
    out += value;
  }
  return pqxx::binarystring(out);
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
