#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "signoff/v1/principals.pb.h"

namespace signoff::transport {

// The authenticated caller of one RPC.
// Copied into every call, so cheap to copy: roles as bits, the manager
// list shared.
struct Principal {
  std::string id;
  uint32_t roles = 0;  // bit i = v1::Role i
  std::shared_ptr<const std::vector<std::string>> submit_for;  // "*" = any manager

  void Add(v1::Role role) { roles |= 1u << static_cast<int>(role); }
  bool Has(v1::Role role) const { return (roles >> static_cast<int>(role)) & 1u; }
  bool MaySubmitFor(const std::string& manager_id) const;
};

// Identifies callers from a client certificate (mutual TLS) or a bearer
// token, against the principals configured in a file. Tokens are compared
// by their SHA-256, so the file holds no secret.
class Authenticator {
 public:
  // Reads and validates a signoff.v1.PrincipalsConfig text file;
  // INVALID_ARGUMENT with file:line or the principal at fault.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Load(const std::string& path);
  static absl::StatusOr<std::unique_ptr<Authenticator>> FromConfig(const v1::PrincipalsConfig& config);

  // UNAUTHENTICATED (without saying which part was wrong) when the call
  // carries no known certificate or token.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;
  // The same from a raw authorization header value and certificate names;
  // the seam the unit tests use.
  absl::StatusOr<Principal> Authenticate(absl::string_view authorization,
                                         const std::vector<std::string>& certificate_names) const;

  size_t size() const { return principals_.size(); }

 private:
  std::vector<Principal> principals_;
  std::map<std::string, size_t> by_token_hash_;
  std::map<std::string, size_t> by_certificate_name_;
};

// The roles that may call each RPC, in one table; PERMISSION_DENIED naming
// the method and the roles it needs otherwise. Unknown methods are denied.
absl::Status Authorize(const Principal& principal, absl::string_view method);

std::string RoleName(v1::Role role);

}  // namespace signoff::transport
