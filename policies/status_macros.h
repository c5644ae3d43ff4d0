#pragma once

// Early-return helpers for absl::Status / absl::StatusOr, in the style of
// cel-cpp and Abseil's internal macros (which Debian's Abseil does not ship).

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SIGNOFF_INTERNAL_CONCAT_IMPL(a, b) a##b
#define SIGNOFF_INTERNAL_CONCAT(a, b) SIGNOFF_INTERNAL_CONCAT_IMPL(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define RETURN_IF_ERROR(expr)                     \
  do {                                            \
    if (::absl::Status _status = (expr); !_status.ok()) return _status; \
  } while (false)

// `ASSIGN_OR_RETURN(auto x, MakeX());` — declares/assigns the value or
// returns the error.
#define ASSIGN_OR_RETURN(lhs, expr) \
  SIGNOFF_INTERNAL_ASSIGN_OR_RETURN(SIGNOFF_INTERNAL_CONCAT(_statusor_, __LINE__), lhs, expr)
#define SIGNOFF_INTERNAL_ASSIGN_OR_RETURN(statusor, lhs, expr) \
  auto statusor = (expr);                                      \
  if (!statusor.ok()) return std::move(statusor).status();     \
  lhs = std::move(statusor).value()
