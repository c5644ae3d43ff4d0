#include "client/args.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace signoff::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseArgsTest, FlagsMayFollowTheCommandAndItsOperands) {
  auto args = ParseArgs({"--token=T", "approve", "KP-1", "--comment", "looks fine", "--yes"});
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->positional, ElementsAre("approve", "KP-1"));
  EXPECT_EQ(args->Get("token"), "T");
  EXPECT_EQ(args->Get("comment"), "looks fine");
  EXPECT_TRUE(args->Enabled("yes"));
  EXPECT_FALSE(args->Enabled("watch"));
}

TEST(ParseArgsTest, UnderscoresAreDashesAndSwitchesTakeNoValue) {
  auto args = ParseArgs({"approve", "--all_below", "500000 RUB", "--yes", "--watch=false", "-h"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->Get("all-below"), "500000 RUB");
  EXPECT_TRUE(args->Enabled("yes"));
  EXPECT_FALSE(args->Enabled("watch"));
  EXPECT_TRUE(args->Enabled("help"));
  EXPECT_THAT(args->positional, ElementsAre("approve"));
}

TEST(ParseArgsTest, RepeatedFlagsKeepEveryValueAndTheLastWins) {
  auto args = ParseArgs({"--server", "a:1", "--server=b:2"});
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(args->Get("server"), "b:2");
  EXPECT_THAT(args->flags.at("server"), ElementsAre("a:1", "b:2"));
}

TEST(ParseArgsTest, DoubleDashEndsFlagsAndNegativeLookingWordsAreOperands) {
  auto args = ParseArgs({"reject", "--comment=x", "--", "--weird-offer-id", "-"});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(args->positional, ElementsAre("reject", "--weird-offer-id", "-"));
}

TEST(ParseArgsTest, Errors) {
  EXPECT_THAT(std::string(ParseArgs({"approve", "--comment"}).status().message()), HasSubstr("needs a value"));
  EXPECT_THAT(std::string(ParseArgs({"-x"}).status().message()), HasSubstr("--name"));
  auto args = ParseArgs({"inbox", "--colour=red"});
  ASSERT_TRUE(args.ok());
  EXPECT_THAT(std::string(CheckFlags(*args, {"watch"}).message()), HasSubstr("unknown flag --colour"));
  EXPECT_TRUE(CheckFlags(*args, {"colour"}).ok());
}

}  // namespace
}  // namespace signoff::client
