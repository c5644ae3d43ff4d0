#pragma once

// absl::Time ↔ google.protobuf.Timestamp, at microsecond precision (what
// PostgreSQL keeps), so a time survives a round trip through storage exactly.

#include <cstdint>

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace signoff::workflow {

inline google::protobuf::Timestamp ToProtoTime(absl::Time t) {
  int64_t micros = absl::ToUnixMicros(t);
  google::protobuf::Timestamp ts;
  int64_t seconds = micros / 1'000'000;
  int64_t rest = micros % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    seconds -= 1;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rest * 1000));
  return ts;
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

inline int64_t ProtoTimeMicros(const google::protobuf::Timestamp& ts) {
  return ts.seconds() * 1'000'000 + ts.nanos() / 1000;
}

// Truncates to whole microseconds, as storage will.
inline absl::Time ToMicros(absl::Time t) { return absl::FromUnixMicros(absl::ToUnixMicros(t)); }

}  // namespace signoff::workflow
