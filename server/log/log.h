#pragma once

// Structured one-line logs on stderr: `2026-11-28T21:00:00.123Z INFO event key=value ...`.
// Debian's Abseil has no absl/log, and a logging library would buy little
// over these few lines; values are quoted when they contain spaces.

#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace signoff::log {

enum class Level { kDebug, kInfo, kWarning, kError };

// Messages below this level are dropped. Default kInfo.
void SetMinLevel(Level level);
bool ParseLevel(absl::string_view text, Level* level);

using Fields = std::vector<std::pair<absl::string_view, std::string>>;

// Whether Write(level, ...) would write: lets a hot path skip building
// fields nobody reads.
bool Enabled(Level level);

void Write(Level level, absl::string_view event, const Fields& fields = {});

inline void Info(absl::string_view event, const Fields& fields = {}) { Write(Level::kInfo, event, fields); }
inline void Warning(absl::string_view event, const Fields& fields = {}) { Write(Level::kWarning, event, fields); }
inline void Error(absl::string_view event, const Fields& fields = {}) { Write(Level::kError, event, fields); }

}  // namespace signoff::log
