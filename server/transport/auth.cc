#include "server/transport/auth.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "policies/sha256.h"

namespace signoff::transport {
namespace {

class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (error_.empty()) error_ = absl::StrCat(line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

bool IsHexSha256(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Which roles may call what. Methods are "Service.Method".
const std::map<std::string, std::set<v1::Role>, std::less<>>& MethodRoles() {
  using v1::ROLE_ADMIN, v1::ROLE_APPROVER, v1::ROLE_AUDITOR, v1::ROLE_FRONTOFFICE;
  static const auto* table = new std::map<std::string, std::set<v1::Role>, std::less<>>{
      {"OfferService.SubmitOffer", {ROLE_FRONTOFFICE}},
      {"OfferService.EvaluateOffer", {ROLE_FRONTOFFICE, ROLE_ADMIN}},
      {"OfferService.GetDecision", {ROLE_FRONTOFFICE, ROLE_APPROVER, ROLE_AUDITOR, ROLE_ADMIN}},
      {"OfferService.WithdrawOffer", {ROLE_FRONTOFFICE}},
      {"OfferService.WatchDecisions", {ROLE_FRONTOFFICE, ROLE_AUDITOR, ROLE_ADMIN}},
      {"ApprovalService.ListInbox", {ROLE_APPROVER, ROLE_ADMIN}},
      {"ApprovalService.GetApproval", {ROLE_APPROVER, ROLE_AUDITOR, ROLE_ADMIN}},
      {"ApprovalService.Approve", {ROLE_APPROVER}},
      {"ApprovalService.Reject", {ROLE_APPROVER}},
      {"ApprovalService.BulkApprove", {ROLE_APPROVER}},
      {"ApprovalService.SetDelegation", {ROLE_APPROVER}},
      {"ApprovalService.ClearDelegation", {ROLE_APPROVER}},
      {"ApprovalService.WatchInbox", {ROLE_APPROVER}},
      {"AuditService.QueryDecisions", {ROLE_AUDITOR, ROLE_ADMIN}},
      {"AuditService.GetOfferHistory", {ROLE_AUDITOR, ROLE_ADMIN, ROLE_APPROVER}},
      {"AuditService.GetStatistics", {ROLE_AUDITOR, ROLE_ADMIN}},
      {"AuditService.VerifyAuditLog", {ROLE_AUDITOR, ROLE_ADMIN}},
      {"AdminService.GetPolicyInfo", {ROLE_ADMIN, ROLE_AUDITOR}},
      {"AdminService.ReloadPolicies", {ROLE_ADMIN}},
      {"AdminService.SimulatePolicy", {ROLE_ADMIN}},
      {"AdminService.UpsertEmployee", {ROLE_ADMIN}},
      {"AdminService.DeactivateEmployee", {ROLE_ADMIN}},
      {"AdminService.ListEmployees", {ROLE_ADMIN, ROLE_AUDITOR}},
  };
  return *table;
}

}  // namespace

std::string RoleName(v1::Role role) {
  return absl::AsciiStrToLower(v1::Role_Name(role).substr(5));  // "ROLE_ADMIN" → "admin"
}

bool Principal::MaySubmitFor(const std::string& manager_id) const {
  if (submit_for == nullptr) return false;
  return std::any_of(submit_for->begin(), submit_for->end(),
                     [&](const std::string& m) { return m == "*" || m == manager_id; });
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("--principals_file: cannot read \"", path, "\""));
  }
  std::stringstream text;
  text << in.rdbuf();
  v1::PrincipalsConfig config;
  google::protobuf::TextFormat::Parser parser;
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text.str(), &config)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ":", errors.error()));
  }
  auto authenticator = FromConfig(config);
  if (!authenticator.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", authenticator.status().message()));
  }
  return authenticator;
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::FromConfig(
    const v1::PrincipalsConfig& config) {
  auto auth = std::unique_ptr<Authenticator>(new Authenticator());
  std::set<std::string> ids;
  for (int i = 0; i < config.principals_size(); ++i) {
    const v1::Principal& p = config.principals(i);
    std::string where = absl::StrCat("principals[", i, "] (", p.id(), ")");
    if (p.id().empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": id is required"));
    if (!ids.insert(p.id()).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate id"));
    }
    if (p.roles().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": needs at least one role"));
    }
    if (p.token_sha256().empty() && p.certificate_names().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": needs a token_sha256 or a certificate_names entry"));
    }
    Principal principal;
    principal.id = p.id();
    for (int role : p.roles()) {
      if (role == v1::ROLE_UNSPECIFIED) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ROLE_UNSPECIFIED is not a role"));
      }
      if (!v1::Role_IsValid(role) || role >= 32) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": ", role, " is not a known role"));
      }
      principal.Add(static_cast<v1::Role>(role));
    }
    principal.submit_for =
        std::make_shared<const std::vector<std::string>>(p.submit_for().begin(), p.submit_for().end());
    size_t index = auth->principals_.size();
    for (const std::string& hash : p.token_sha256()) {
      if (!IsHexSha256(hash)) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": token_sha256 must be 64 lower-case hex digits (printf %s TOKEN | sha256sum)"));
      }
      if (!auth->by_token_hash_.emplace(hash, index).second) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": token used by two principals"));
      }
    }
    for (const std::string& name : p.certificate_names()) {
      if (!auth->by_certificate_name_.emplace(name, index).second) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": certificate name \"", name, "\" used by two principals"));
      }
    }
    auth->principals_.push_back(std::move(principal));
  }
  return auth;
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    absl::string_view authorization, const std::vector<std::string>& certificate_names) const {
  for (const std::string& name : certificate_names) {
    if (auto it = by_certificate_name_.find(name); it != by_certificate_name_.end()) {
      return principals_[it->second];
    }
  }
  if (!authorization.empty()) {
    constexpr absl::string_view kBearer = "Bearer ";
    if (absl::StartsWithIgnoreCase(authorization, kBearer)) {
      absl::string_view token = absl::StripAsciiWhitespace(authorization.substr(kBearer.size()));
      if (!token.empty()) {
        if (auto it = by_token_hash_.find(policies::Sha256Hex(token)); it != by_token_hash_.end()) {
          return principals_[it->second];
        }
      }
    }
  }
  return absl::UnauthenticatedError(
      "no valid credentials: send `authorization: Bearer <token>` or a client certificate "
      "known to the server");
}

absl::StatusOr<Principal> Authenticator::Authenticate(const grpc::ServerContextBase& context) const {
  std::vector<std::string> names;
  if (std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
      auth != nullptr && auth->IsPeerAuthenticated()) {
    for (const char* property : {"x509_common_name", "x509_subject_alternative_name"}) {
      for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
        names.emplace_back(value.data(), value.size());
      }
    }
  }
  absl::string_view authorization;
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    authorization = absl::string_view(it->second.data(), it->second.size());
  }
  return Authenticate(authorization, names);
}

absl::Status Authorize(const Principal& principal, absl::string_view method) {
  const auto& table = MethodRoles();
  auto it = table.find(method);
  if (it == table.end()) {
    return absl::PermissionDeniedError(absl::StrCat(method, " is not open to any role"));
  }
  for (v1::Role role : it->second) {
    if (principal.Has(role)) return absl::OkStatus();
  }
  std::vector<std::string> needed;
  for (v1::Role role : it->second) needed.push_back(RoleName(role));
  return absl::PermissionDeniedError(absl::StrCat(principal.id, " may not call ", method,
                                                  ": it needs the role ",
                                                  absl::StrJoin(needed, " or ")));
}

}  // namespace signoff::transport
