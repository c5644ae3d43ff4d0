#include "client/connection.h"

#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace signoff::client {
namespace {

using ::testing::HasSubstr;

// A fake environment: only the given variables are set.
Environment Env(std::map<std::string, std::string> vars) {
  auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [shared](const char* name) -> const char* {
    auto it = shared->find(name);
    return it == shared->end() ? nullptr : it->second.c_str();
  };
}

std::string WriteConfig(const std::string& text) {
  std::string path = ::testing::TempDir() + "/signoffctl_test.conf";
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigFileTest, KeyValueLinesWithComments) {
  auto values = ParseConfigFile("# mine\nserver = prod:443  # the real one\n\ntoken=abc\n", "f.conf");
  ASSERT_TRUE(values.ok());
  EXPECT_EQ(values->at("server"), "prod:443");
  EXPECT_EQ(values->at("token"), "abc");
  EXPECT_THAT(std::string(ParseConfigFile("colour = red\n", "f.conf").status().message()),
              HasSubstr("f.conf:1: unknown key \"colour\""));
  EXPECT_THAT(std::string(ParseConfigFile("\nserver\n", "f.conf").status().message()), HasSubstr("f.conf:2:"));
}

TEST(ResolveSettingsTest, FlagBeatsEnvironmentBeatsFileBeatsDefault) {
  std::string path = WriteConfig("server = file:1\ntoken = file-token\ntimeout = 3s\noutput = json\n");
  Args none;
  auto from_file = ResolveSettings(none, Env({{"SIGNOFF_CONFIG", path}}));
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->server, "file:1");
  EXPECT_EQ(from_file->token, "file-token");
  EXPECT_EQ(from_file->timeout, absl::Seconds(3));
  EXPECT_TRUE(from_file->json);
  EXPECT_EQ(from_file->server_source, path);

  auto from_env = ResolveSettings(none, Env({{"SIGNOFF_CONFIG", path}, {"SIGNOFF_SERVER", "env:2"}}));
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->server, "env:2");
  EXPECT_EQ(from_env->server_source, "SIGNOFF_SERVER");

  Args flags;
  flags.flags["server"] = {"flag:3"};
  flags.flags["output"] = {"table"};
  auto from_flag = ResolveSettings(flags, Env({{"SIGNOFF_CONFIG", path}, {"SIGNOFF_SERVER", "env:2"}}));
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->server, "flag:3");
  EXPECT_FALSE(from_flag->json);

  auto defaults = ResolveSettings(none, Env({{"HOME", "/nonexistent-home"}}));
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->server, "127.0.0.1:50051");
  EXPECT_EQ(defaults->timeout, absl::Seconds(10));
}

TEST(ResolveSettingsTest, DefaultPathIsInTheHomeDirectory) {
  EXPECT_EQ(DefaultConfigPath(Env({{"HOME", "/home/irina"}})), "/home/irina/.config/signoff/signoffctl.conf");
  EXPECT_EQ(DefaultConfigPath(Env({{"HOME", "/h"}, {"XDG_CONFIG_HOME", "/x"}})), "/x/signoff/signoffctl.conf");
}

TEST(ResolveSettingsTest, BadValuesAreNamed) {
  Args args;
  args.flags["timeout"] = {"soon"};
  EXPECT_THAT(std::string(ResolveSettings(args, Env({})).status().message()), HasSubstr("--timeout"));
  Args output;
  output.flags["output"] = {"yaml"};
  EXPECT_THAT(std::string(ResolveSettings(output, Env({})).status().message()), HasSubstr("table, json"));
  Args missing;
  missing.flags["config"] = {"/nonexistent/signoffctl.conf"};
  EXPECT_THAT(std::string(ResolveSettings(missing, Env({})).status().message()), HasSubstr("cannot read"));
}

TEST(DescribeRpcErrorTest, SaysWhatFailedAndWhatToDo) {
  Settings settings;
  settings.server = "127.0.0.1:50051";
  settings.token = "wrong";
  settings.token_source = "--token";
  std::string unauthenticated =
      DescribeRpcError(settings, "inbox", grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "unknown token"));
  EXPECT_EQ(unauthenticated,
            "inbox failed: unknown token. Check the token (it came from --token) or the client certificate.");
  std::string unavailable = DescribeRpcError(
      settings, "inbox", grpc::Status(grpc::StatusCode::UNAVAILABLE, "failed to connect\nto all addresses"));
  EXPECT_THAT(unavailable, HasSubstr("Is signoffd running at 127.0.0.1:50051?"));
  EXPECT_EQ(unavailable.find('\n'), std::string::npos);
  EXPECT_EQ(ExitCodeFor(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "")), kExitDenied);
  EXPECT_EQ(ExitCodeFor(grpc::Status(grpc::StatusCode::UNAVAILABLE, "")), kExitUnreachable);
  EXPECT_EQ(ExitCodeFor(grpc::Status(grpc::StatusCode::NOT_FOUND, "")), kExitRefused);
}

}  // namespace
}  // namespace signoff::client
