#pragma once

// A minimal writer for the flat JSON objects in event payloads. Keys appear
// in the order added, so the same event always has the same bytes (the
// event log hashes them).

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace signoff::workflow {

class JsonObject {
 public:
  JsonObject& Add(absl::string_view key, absl::string_view value) {
    Key(key);
    AppendQuoted(value);
    return *this;
  }
  JsonObject& Add(absl::string_view key, const char* value) { return Add(key, absl::string_view(value)); }
  JsonObject& Add(absl::string_view key, const std::string& value) { return Add(key, absl::string_view(value)); }
  JsonObject& Add(absl::string_view key, int64_t value) {
    Key(key);
    absl::StrAppend(&out_, value);
    return *this;
  }
  JsonObject& Add(absl::string_view key, int value) { return Add(key, static_cast<int64_t>(value)); }
  JsonObject& Add(absl::string_view key, bool value) {
    Key(key);
    out_ += value ? "true" : "false";
    return *this;
  }
  JsonObject& Add(absl::string_view key, const std::vector<std::string>& values) {
    Key(key);
    out_.push_back('[');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_.push_back(',');
      AppendQuoted(values[i]);
    }
    out_.push_back(']');
    return *this;
  }
  std::string str() const { return out_ + "}"; }

 private:
  void Key(absl::string_view key) {
    if (!first_) out_.push_back(',');
    first_ = false;
    AppendQuoted(key);
    out_.push_back(':');
  }
  void AppendQuoted(absl::string_view s) {
    out_.push_back('"');
    for (char c : s) {
      switch (c) {
        case '"': out_ += "\\\""; break;
        case '\\': out_ += "\\\\"; break;
        case '\n': out_ += "\\n"; break;
        case '\r': out_ += "\\r"; break;
        case '\t': out_ += "\\t"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            static const char kHex[] = "0123456789abcdef";
            out_ += "\\u00";
            out_.push_back(kHex[(c >> 4) & 0xf]);
            out_.push_back(kHex[c & 0xf]);
          } else {
            out_.push_back(c);
          }
      }
    }
    out_.push_back('"');
  }
  std::string out_ = "{";
  bool first_ = true;
};

}  // namespace signoff::workflow
