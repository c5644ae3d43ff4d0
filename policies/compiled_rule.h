#pragma once

#include <string>

#include "policies/conditions.h"
#include "signoff/v1/decision.pb.h"

namespace signoff::policies::internal {

// A rule after validation: levels resolved to ranks, the condition compiled.
struct CompiledRule {
  std::string id;
  std::string description;
  v1::RuleMode mode = v1::RULE_MODE_ENFORCE;
  v1::EffectKind effect = v1::EFFECT_KIND_APPROVE;
  int level_rank = -1;  // EFFECT_KIND_REQUIRE_LEVEL
  std::string reject_message;
  // Where the rule routes when its condition is UNKNOWN.
  int fail_safe_rank = 0;
  NodePtr condition;
};

}  // namespace signoff::policies::internal
