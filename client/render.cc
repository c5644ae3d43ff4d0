#include "client/render.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include <algorithm>
#include "client/format.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace signoff::client {
namespace {

// Enum names without their prefix: "OFFER_STATUS_PENDING" → "PENDING".
std::string Short(const std::string& name, size_t prefix) {
  return name.size() > prefix ? name.substr(prefix) : name;
}

std::string ValueText(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kStringValue: return value.string_value();
    case google::protobuf::Value::kBoolValue: return value.bool_value() ? "true" : "false";
    case google::protobuf::Value::kNumberValue: {
      // Payload numbers are counts and indexes (money travels as text).
      const double n = value.number_value();
      if (n == static_cast<double>(static_cast<int64_t>(n))) return absl::StrCat(static_cast<int64_t>(n));
      return absl::StrCat(n);
    }
    case google::protobuf::Value::kListValue: {
      std::vector<std::string> items;
      for (const auto& item : value.list_value().values()) items.push_back(ValueText(item));
      return absl::StrJoin(items, ",");
    }
    case google::protobuf::Value::kStructValue: return "{…}";
    default: return "";
  }
}

std::string MarginText(const v1::OfferFigures& figures) {
  return figures.has_margin_percent() ? FormatPercent(figures.margin_percent().value()) : "-";
}

}  // namespace

std::string StatusName(v1::OfferStatus status) { return Short(v1::OfferStatus_Name(status), 13); }

std::string OutcomeName(v1::Outcome outcome) {
  if (outcome == v1::OUTCOME_NEEDS_SIGNOFF) return "NEEDS SIGN-OFF";
  return Short(v1::Outcome_Name(outcome), 8);
}

std::string StageStatusName(v1::StageStatus status) { return Short(v1::StageStatus_Name(status), 13); }

bool IsFinal(v1::OfferStatus status) {
  return status != v1::OFFER_STATUS_PENDING && status != v1::OFFER_STATUS_UNSPECIFIED;
}

std::string OfferLabel(const std::string& offer_id, int64_t revision) {
  return absl::StrCat(offer_id, " r", revision);
}

std::string LevelChain(const google::protobuf::RepeatedPtrField<std::string>& levels) {
  return absl::StrJoin(levels, " → ");
}

std::string RecordHeadline(const v1::OfferRecord& record) {
  std::string line = absl::StrCat(OfferLabel(record.offer().offer_id(), record.offer().revision()), ": ",
                                  StatusName(record.status()));
  const v1::ApprovalRequest& approval = record.approval();
  if (record.status() == v1::OFFER_STATUS_PENDING && approval.current_stage() < approval.stages_size()) {
    const v1::ApprovalStage& stage = approval.stages(approval.current_stage());
    absl::StrAppend(&line, " — waiting for ", stage.level(), " (", absl::StrJoin(stage.approvers(), ", "), ")");
    if (approval.stages_size() > 1) {
      absl::StrAppend(&line, ", stage ", approval.current_stage() + 1, " of ", approval.stages_size());
    }
  } else if (record.status() == v1::OFFER_STATUS_REJECTED &&
             record.decision().outcome() == v1::OUTCOME_REJECTED) {
    absl::StrAppend(&line, " by policy");
  } else if (record.status() == v1::OFFER_STATUS_APPROVED && approval.stages_size() == 0) {
    absl::StrAppend(&line, " by policy, no sign-off needed");
  } else if (record.status() == v1::OFFER_STATUS_APPROVED) {
    absl::StrAppend(&line, " — signed off");
  }
  return line;
}

std::string RenderReasons(const v1::Decision& decision) {
  std::string out = absl::StrCat("Decision: ", OutcomeName(decision.outcome()));
  if (!decision.required_levels().empty()) absl::StrAppend(&out, " by ", LevelChain(decision.required_levels()));
  absl::StrAppend(&out, "   (policy ", decision.policy_version().label(), ")\n");
  if (decision.reasons().empty()) {
    absl::StrAppend(&out, "Reasons: none — no rule matched\n");
    return out;
  }
  absl::StrAppend(&out, "Reasons:\n");
  for (const v1::Reason& reason : decision.reasons()) {
    std::string mode;
    if (reason.mode() == v1::RULE_MODE_WARN) mode = " (warning only)";
    if (reason.mode() == v1::RULE_MODE_SHADOW) mode = " (shadow, not enforced)";
    if (reason.fail_safe()) mode += " (fail safe)";
    absl::StrAppend(&out, "  - [", reason.rule_id(), "]", mode, " ", reason.text(), "\n");
    for (const v1::Measurement& m : reason.measurements()) {
      std::string where = m.line_index() >= 0 ? absl::StrCat(" (line ", m.line_index() + 1, ")") : "";
      absl::StrAppend(&out, "      ", m.quantity(), where, ": ", m.measured(), m.unit().empty() ? "" : " ",
                      m.unit(), " ", m.comparison(), " ", m.threshold(), m.unit().empty() ? "" : " ", m.unit(),
                      "\n");
    }
  }
  return out;
}

std::string RenderStages(const v1::ApprovalRequest& approval, absl::Time now, absl::TimeZone zone) {
  if (approval.stages().empty()) return "";
  Table table({{"#"}, {"LEVEL"}, {"STATUS"}, {"APPROVERS", Table::Align::kLeft, 40}, {"NEEDED"},
               {"OPENED"}, {"DEADLINE"}, {"ACTIONS", Table::Align::kLeft, 80}});
  for (const v1::ApprovalStage& stage : approval.stages()) {
    std::vector<std::string> actions;
    for (const v1::ApprovalAction& a : stage.actions()) {
      std::string who = a.approver_id();
      if (!a.on_behalf_of().empty()) absl::StrAppend(&who, " for ", a.on_behalf_of());
      std::string what = a.kind() == v1::ACTION_KIND_APPROVE ? "approved" : "rejected";
      std::string text = absl::StrCat(who, " ", what, " ", FormatTime(a.acted_at(), zone));
      if (!a.comment().empty()) absl::StrAppend(&text, " \"", a.comment(), "\"");
      if (a.carried_over_from_revision() > 0) absl::StrAppend(&text, " (from r", a.carried_over_from_revision(), ")");
      actions.push_back(text);
    }
    std::string deadline = stage.status() == v1::STAGE_STATUS_OPEN ? FormatTimeFromNow(stage.deadline(), now, zone)
                                                                   : FormatTime(stage.deadline(), zone);
    if (stage.escalations() > 0) absl::StrAppend(&deadline, " escalated ×", stage.escalations());
    table.AddRow({absl::StrCat(stage.index() + 1), stage.level(), StageStatusName(stage.status()),
                  absl::StrJoin(stage.approvers(), ", "), absl::StrCat(stage.approvals_required()),
                  FormatTime(stage.opened_at(), zone), deadline,
                  actions.empty() ? "-" : absl::StrJoin(actions, "; ")});
  }
  return absl::StrCat("Sign-off:\n", table.Render());
}

std::string RenderRecord(const v1::OfferRecord& record, absl::Time now, absl::TimeZone zone) {
  const v1::Offer& offer = record.offer();
  const v1::OfferFigures& figures = record.decision().figures();
  std::string out = absl::StrCat(RecordHeadline(record), "\n");
  std::string customer = offer.customer().name().empty() ? offer.customer().id()
                                                          : absl::StrCat(offer.customer().name(), " (",
                                                                         offer.customer().id(), ")");
  if (offer.customer().is_new()) absl::StrAppend(&customer, ", new customer");
  std::string manager = offer.manager_id();
  if (record.has_manager_facts() && !record.manager_facts().display_name().empty()) {
    manager = absl::StrCat(record.manager_facts().display_name(), " (", offer.manager_id(), ")");
  }
  absl::StrAppend(&out, "Customer:   ", customer, "\n", "Manager:    ", manager, "\n",
                  "Total:      ", FormatMoney(figures.total()), "   margin ", MarginText(figures),
                  "   discount ",
                  figures.has_discount_percent() ? FormatPercent(figures.discount_percent().value()) : "-", "\n",
                  "Submitted:  ", FormatTime(record.submitted_at(), zone), " by ", record.submitted_by(), "\n");
  if (record.has_decided_at()) absl::StrAppend(&out, "Decided:    ", FormatTime(record.decided_at(), zone), "\n");
  if (offer.has_valid_until()) absl::StrAppend(&out, "Valid till: ", FormatTime(offer.valid_until(), zone), "\n");
  if (!offer.attributes().empty()) {
    std::vector<std::string> attributes;
    for (const auto& [key, value] : offer.attributes()) attributes.push_back(absl::StrCat(key, "=", value));
    std::sort(attributes.begin(), attributes.end());
    absl::StrAppend(&out, "Attributes: ", absl::StrJoin(attributes, ", "), "\n");
  }
  Table lines({{"#", Table::Align::kRight}, {"SKU"}, {"NAME", Table::Align::kLeft, 40}, {"CATEGORY"},
               {"QTY", Table::Align::kRight}, {"PRICE", Table::Align::kRight}, {"DISC", Table::Align::kRight},
               {"COST", Table::Align::kRight}});
  for (int i = 0; i < offer.lines_size(); ++i) {
    const v1::OfferLine& line = offer.lines(i);
    lines.AddRow({absl::StrCat(i + 1), line.sku(), line.name(), line.category(),
                  absl::StrCat(line.quantity().value(), line.unit_of_measure().empty() ? "" : " ",
                               line.unit_of_measure()),
                  FormatMoney(line.unit_price()),
                  line.has_discount_percent() ? FormatPercent(line.discount_percent().value()) : "-",
                  line.has_unit_cost() ? FormatMoney(line.unit_cost()) : "unknown"});
  }
  absl::StrAppend(&out, "\nLines:\n", lines.Render(), "\n", RenderReasons(record.decision()));
  if (std::string stages = RenderStages(record.approval(), now, zone); !stages.empty()) {
    absl::StrAppend(&out, "\n", stages);
  }
  for (const std::string& note : record.notes()) absl::StrAppend(&out, "Note: ", note, "\n");
  return out;
}

std::string EventDetails(const v1::Event& event) {
  if (event.payload_json().empty()) return "";
  google::protobuf::Struct payload;
  if (!google::protobuf::util::JsonStringToMessage(event.payload_json(), &payload).ok()) {
    return event.payload_json();
  }
  // What a reader looks for first, then the rest alphabetically.
  static const std::vector<std::string> kFirst = {"outcome", "status", "total", "required_levels", "by",
                                                  "level", "stage", "comment"};
  auto rank = [](const std::string& key) {
    return std::find(kFirst.begin(), kFirst.end(), key) - kFirst.begin();
  };
  std::vector<std::string> keys;
  for (const auto& [key, value] : payload.fields()) keys.push_back(key);
  std::sort(keys.begin(), keys.end(), [&](const std::string& a, const std::string& b) {
    return std::make_pair(rank(a), a) < std::make_pair(rank(b), b);
  });
  std::vector<std::string> parts;
  for (const std::string& key : keys) {
    std::string value = ValueText(payload.fields().at(key));
    if (value.empty()) continue;
    if (key == "policy" || key == "content_hash" || key == "previous_hash") value = value.substr(0, 12);
    if (absl::StartsWith(value, "OUTCOME_")) value = value.substr(8);
    if (value.find(' ') != std::string::npos) value = absl::StrCat("\"", value, "\"");
    parts.push_back(absl::StrCat(key, "=", value));
  }
  return absl::StrJoin(parts, " ");
}

std::string RenderEvents(const google::protobuf::RepeatedPtrField<v1::Event>& events, absl::TimeZone zone) {
  Table table({{"SEQ", Table::Align::kRight}, {"TIME"}, {"EVENT"}, {"REV", Table::Align::kRight}, {"BY"},
               {"DETAILS", Table::Align::kLeft, 100}});
  for (const v1::Event& event : events) {
    std::string by = event.actor_id();
    if (!event.on_behalf_of().empty()) absl::StrAppend(&by, " for ", event.on_behalf_of());
    table.AddRow({absl::StrCat(event.seq()), FormatTime(event.occurred_at(), zone, true), event.kind(),
                  event.revision() > 0 ? absl::StrCat(event.revision()) : "", by, EventDetails(event)});
  }
  return table.Render();
}

}  // namespace signoff::client
