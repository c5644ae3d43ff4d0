// Mutual TLS end to end: a CA, a server certificate and client certificates
// made with openssl at test time; the client certificate's name identifies
// the caller, and a call without a certificate the CA signed gets nowhere.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/api_test_util.h"
#include "tests/support/process.h"
#include "tests/support/signoffd_fixture.h"
#include "tests/support/status_matchers.h"

namespace signoff {
namespace {

namespace fs = std::filesystem;
namespace t = ::signoff::testing;

using ::signoff::testing::Ctx;
using ::signoff::testing::GrpcIs;
using ::signoff::testing::GrpcOk;
using ::signoff::testing::IsOk;
using ::signoff::testing::PipeOffer;
using ::signoff::testing::SignoffdProcess;
using ::testing::HasSubstr;
using Code = grpc::StatusCode;

constexpr char kOpenssl[] = "/usr/bin/openssl";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class MtlsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           absl::StrCat("signoff-mtls-", getpid(), "-", std::random_device{}());
    fs::create_directories(dir_);
    MakeCa("ca", "signoff test CA");
    MakeCa("rogue-ca", "someone else's CA");
    // The server's name as the client dials it.
    MakeCert("ca", "server", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1");
    MakeCert("ca", "crm", "crm.client.test", "extendedKeyUsage=clientAuth");
    MakeCert("ca", "auditor", "auditor.client.test", "extendedKeyUsage=clientAuth");
    MakeCert("ca", "stranger", "stranger.client.test", "extendedKeyUsage=clientAuth");
    MakeCert("rogue-ca", "forged", "crm.client.test", "extendedKeyUsage=clientAuth");
    if (HasFatalFailure()) return;

    std::ofstream(dir_ / "principals.textproto")
        << "principals { id: \"crm\" roles: ROLE_FRONTOFFICE submit_for: \"*\"\n"
           "  certificate_names: \"crm.client.test\" }\n"
           "principals { id: \"auditor\" roles: ROLE_AUDITOR\n"
           "  certificate_names: \"auditor.client.test\"\n"
           // demo-auditor, for a token over TLS
           "  token_sha256: \"0515e564e3cdc6608115c45f19c07d2d8cc85a6dd5c99d900626720ae1e7f875\" }\n";
    t::SignoffdOptions options;
    options.principals_file = (dir_ / "principals.textproto").string();
    options.extra_args = {"--tls_cert_file=" + (dir_ / "server.pem").string(),
                          "--tls_key_file=" + (dir_ / "server.key").string(),
                          "--tls_client_ca_file=" + (dir_ / "ca.pem").string()};
    options.credentials = Credentials("crm");
    options.tls_target_name = "localhost";
    auto server = SignoffdProcess::Start(options);
    ASSERT_THAT(server, IsOk());
    server_ = std::move(*server);
  }

  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  void Openssl(const std::vector<std::string>& args) {
    t::CommandResult result = t::RunCommand(kOpenssl, args);
    ASSERT_EQ(result.exit_code, 0) << "openssl " << args[0] << ": " << result.output;
  }

  void MakeCa(const std::string& name, const std::string& subject) {
    Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", (dir_ / (name + ".key")).string(), "-out", (dir_ / (name + ".pem")).string(),
             "-days", "2", "-subj", "/CN=" + subject});
  }

  void MakeCert(const std::string& ca, const std::string& name, const std::string& common_name,
                const std::string& extension) {
    fs::path ext = dir_ / (name + ".ext");
    std::ofstream(ext) << extension << "\n";
    Openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
             (dir_ / (name + ".key")).string(), "-out", (dir_ / (name + ".csr")).string(), "-subj",
             "/CN=" + common_name});
    Openssl({"x509", "-req", "-in", (dir_ / (name + ".csr")).string(), "-CA",
             (dir_ / (ca + ".pem")).string(), "-CAkey", (dir_ / (ca + ".key")).string(),
             "-CAcreateserial", "-out", (dir_ / (name + ".pem")).string(), "-days", "2", "-extfile",
             ext.string()});
  }

  // TLS trusting our CA, presenting `client`'s certificate (none when empty).
  std::shared_ptr<grpc::ChannelCredentials> Credentials(const std::string& client) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ReadFile(dir_ / "ca.pem");
    if (!client.empty()) {
      ssl.pem_private_key = ReadFile(dir_ / (client + ".key"));
      ssl.pem_cert_chain = ReadFile(dir_ / (client + ".pem"));
    }
    return grpc::SslCredentials(ssl);
  }

  std::unique_ptr<v1::OfferService::Stub> OffersAs(std::shared_ptr<grpc::ChannelCredentials> creds) {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return v1::OfferService::NewStub(grpc::CreateCustomChannel(server_->address(), creds, args));
  }

  grpc::Status Submit(v1::OfferService::Stub& stub, const std::string& offer_id,
                      v1::SubmitOfferResponse* response, const std::string& token = "") {
    v1::SubmitOfferRequest request;
    *request.mutable_offer() = PipeOffer(offer_id, "m.ivanova");
    return stub.SubmitOffer(Ctx(token, absl::Seconds(5)).get(), request, response);
  }

  fs::path dir_;
  std::unique_ptr<SignoffdProcess> server_;
};

TEST_F(MtlsE2eTest, TheClientCertificateIdentifiesTheCaller) {
  v1::SubmitOfferResponse response;
  auto crm = OffersAs(Credentials("crm"));
  ASSERT_THAT(Submit(*crm, "KP-TLS-1", &response), GrpcOk());
  EXPECT_EQ(response.record().submitted_by(), "crm");
  EXPECT_EQ(response.record().status(), v1::OFFER_STATUS_APPROVED);

  // Another certificate is another principal, with its own roles.
  auto auditor = OffersAs(Credentials("auditor"));
  EXPECT_THAT(Submit(*auditor, "KP-TLS-2", &response),
              GrpcIs(Code::PERMISSION_DENIED, HasSubstr("auditor")));
  v1::GetDecisionRequest get;
  get.set_offer_id("KP-TLS-1");
  v1::GetDecisionResponse got;
  EXPECT_THAT(auditor->GetDecision(Ctx("").get(), get, &got), GrpcOk());

  // A certificate our CA signed for a name nobody configured: no principal,
  // unless a bearer token names one.
  auto stranger = OffersAs(Credentials("stranger"));
  EXPECT_THAT(Submit(*stranger, "KP-TLS-3", &response),
              GrpcIs(Code::UNAUTHENTICATED, HasSubstr("credentials")));
  EXPECT_THAT(stranger->GetDecision(Ctx(t::kAuditor).get(), get, &got), GrpcOk());
}

TEST_F(MtlsE2eTest, ACallWithoutAClientCertificateTheCaSignedFails) {
  v1::SubmitOfferResponse response;
  // TLS without a client certificate: the handshake is refused.
  auto anonymous = OffersAs(Credentials(""));
  grpc::Status no_cert = Submit(*anonymous, "KP-TLS-4", &response, t::kCrm);
  EXPECT_FALSE(no_cert.ok());
  EXPECT_EQ(no_cert.error_code(), Code::UNAVAILABLE) << t::Describe(no_cert);

  // The right name from a CA the server does not trust.
  grpc::SslCredentialsOptions forged;
  forged.pem_root_certs = ReadFile(dir_ / "ca.pem");
  forged.pem_private_key = ReadFile(dir_ / "forged.key");
  forged.pem_cert_chain = ReadFile(dir_ / "forged.pem");
  auto forger = OffersAs(grpc::SslCredentials(forged));
  EXPECT_EQ(Submit(*forger, "KP-TLS-5", &response).error_code(), Code::UNAVAILABLE);

  // Plaintext to the TLS port.
  auto plain = OffersAs(grpc::InsecureChannelCredentials());
  EXPECT_EQ(Submit(*plain, "KP-TLS-6", &response, t::kCrm).error_code(), Code::UNAVAILABLE);

  // None of it was stored; the real client still gets through.
  auto crm = OffersAs(Credentials("crm"));
  v1::GetDecisionRequest get;
  get.set_offer_id("KP-TLS-4");
  v1::GetDecisionResponse got;
  EXPECT_THAT(crm->GetDecision(Ctx("").get(), get, &got), GrpcIs(Code::NOT_FOUND, ::testing::_));
}

TEST_F(MtlsE2eTest, TheServerSaysItServesTlsAndLogsTheCertificatesPrincipal) {
  EXPECT_THAT(server_->banner(), HasSubstr("(TLS)"));
  v1::SubmitOfferResponse response;
  auto crm = OffersAs(Credentials("crm"));
  ASSERT_THAT(Submit(*crm, "KP-TLS-7", &response), GrpcOk());
  EXPECT_TRUE(server_->WaitForLog("principal=crm code=OK"));
}

}  // namespace
}  // namespace signoff
