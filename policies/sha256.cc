#include "policies/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace signoff::policies {

namespace {

// Fetched once: with EVP_sha256() OpenSSL 3 looks the algorithm up again on
// every digest, 264 against 98 ns for a bearer token (bearer tokens are
// hashed on every call). Never freed: it lives as long as the process.
const EVP_MD* Sha256() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const EVP_MD* md = Sha256();
  if (md == nullptr || EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr) != 1) {
    // Only fails when libcrypto itself is broken; a version without a hash
    // would make decisions unverifiable, so stop rather than continue.
    std::abort();
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

}  // namespace signoff::policies
