// Principals from their configuration: roles, who a front office may submit
// for, bearer tokens and certificate names, and what the file may not say.

#include "server/transport/auth.h"

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "policies/sha256.h"
#include "tests/support/status_matchers.h"

namespace signoff::transport {
namespace {

using ::signoff::testing::IsOk;
using ::signoff::testing::StatusIs;
using ::testing::HasSubstr;

absl::StatusOr<std::unique_ptr<Authenticator>> FromText(const std::string& text) {
  v1::PrincipalsConfig config;
  if (!google::protobuf::TextFormat::ParseFromString(text, &config)) {
    return absl::InvalidArgumentError("test config does not parse");
  }
  return Authenticator::FromConfig(config);
}

std::string Config() {
  return absl::StrCat(
      "principals { id: \"crm\" roles: ROLE_FRONTOFFICE submit_for: \"m.one\" submit_for: \"m.two\""
      " token_sha256: \"", policies::Sha256Hex("crm-token"), "\" }\n",
      "principals { id: \"boss\" roles: ROLE_APPROVER roles: ROLE_AUDITOR"
      " certificate_names: \"boss.example\" }\n",
      "principals { id: \"any\" roles: ROLE_FRONTOFFICE submit_for: \"*\""
      " token_sha256: \"", policies::Sha256Hex("any-token"), "\" }\n");
}

TEST(AuthTest, BearerTokenNamesItsPrincipalWithItsRolesAndManagers) {
  auto auth = FromText(Config());
  ASSERT_THAT(auth, IsOk());
  auto crm = (*auth)->Authenticate("Bearer crm-token", {});
  ASSERT_THAT(crm, IsOk());
  EXPECT_EQ(crm->id, "crm");
  EXPECT_TRUE(crm->Has(v1::ROLE_FRONTOFFICE));
  EXPECT_FALSE(crm->Has(v1::ROLE_ADMIN));
  EXPECT_FALSE(crm->Has(v1::ROLE_APPROVER));
  EXPECT_TRUE(crm->MaySubmitFor("m.two"));
  EXPECT_FALSE(crm->MaySubmitFor("m.three"));
  auto any = (*auth)->Authenticate("bearer any-token", {});
  ASSERT_THAT(any, IsOk());
  EXPECT_TRUE(any->MaySubmitFor("whoever"));
}

TEST(AuthTest, CertificateNameNamesItsPrincipal) {
  auto auth = FromText(Config());
  ASSERT_THAT(auth, IsOk());
  auto boss = (*auth)->Authenticate("", {"other", "boss.example"});
  ASSERT_THAT(boss, IsOk());
  EXPECT_EQ(boss->id, "boss");
  EXPECT_TRUE(boss->Has(v1::ROLE_APPROVER));
  EXPECT_TRUE(boss->Has(v1::ROLE_AUDITOR));
  EXPECT_FALSE(boss->Has(v1::ROLE_FRONTOFFICE));
  EXPECT_FALSE(boss->MaySubmitFor("m.one"));  // no submit_for at all
}

TEST(AuthTest, WrongOrMissingCredentialsAreUnauthenticated) {
  auto auth = FromText(Config());
  ASSERT_THAT(auth, IsOk());
  EXPECT_THAT((*auth)->Authenticate("Bearer nope", {}), StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
  EXPECT_THAT((*auth)->Authenticate("Basic crm-token", {}), StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
  EXPECT_THAT((*auth)->Authenticate("", {}), StatusIs(absl::StatusCode::kUnauthenticated, ::testing::_));
}

TEST(AuthTest, RolesOutsideTheEnumAreRefused) {
  EXPECT_THAT(FromText("principals { id: \"x\" roles: ROLE_UNSPECIFIED certificate_names: \"x\" }"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a role")));
  EXPECT_THAT(FromText("principals { id: \"x\" roles: 40 certificate_names: \"x\" }"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("40 is not a known role")));
}

}  // namespace
}  // namespace signoff::transport
