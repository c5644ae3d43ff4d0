#include "policies/active_policy.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace signoff::policies {
namespace {

std::string SetText(const std::string& label) {
  return "label: \"" + label + "\" levels { id: \"team_lead\" sla: \"1h\" }";
}

std::shared_ptr<const PolicySet> Make(const std::string& label) {
  return PolicySet::LoadFromFiles({{"p.policy.textproto", SetText(label)}}).set;
}

TEST(ActivePolicyTest, SwapsAtomicallyAndKeepsOldSnapshotsAlive) {
  ActivePolicy active;
  EXPECT_EQ(active.Get(), nullptr);
  active.Set(Make("one"));
  std::shared_ptr<const PolicySet> snapshot = active.Get();
  std::shared_ptr<const PolicySet> previous = active.Set(Make("two"));
  EXPECT_EQ(previous, snapshot);
  EXPECT_EQ(snapshot->version().label(), "one");  // a reader's snapshot is unaffected
  EXPECT_EQ(active.Get()->version().label(), "two");
  active.Set(nullptr);
  EXPECT_EQ(active.Get()->version().label(), "two");
}

TEST(ActivePolicyTest, ReloadKeepsTheOldSetWhenTheNewOneHasIssues) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(::testing::TempDir()) / "active_policy_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "p.policy.textproto") << SetText("good");
  ActivePolicy active;
  ASSERT_TRUE(active.Reload(dir.string()).ok());
  EXPECT_EQ(active.Get()->version().label(), "good");
  std::ofstream(dir / "p.policy.textproto", std::ios::trunc) << "label: \"bad\" levels { id: \"\" }";
  LoadResult bad = active.Reload(dir.string());
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(bad.issues.empty());
  EXPECT_EQ(active.Get()->version().label(), "good");
}

TEST(ActivePolicyTest, ReadersNeverSeeAHalfSet) {
  ActivePolicy active(Make("a"));
  std::shared_ptr<const PolicySet> a = active.Get(), b = Make("b");
  std::atomic<bool> stop{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 3; ++i) {
    readers.emplace_back([&] {
      while (!stop) {
        std::shared_ptr<const PolicySet> s = active.Get();
        const std::string& label = s->version().label();
        if ((label != "a" && label != "b") || s->levels().size() != 1) ++bad;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) active.Set(i % 2 ? a : b);
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(bad.load(), 0);
}

}  // namespace
}  // namespace signoff::policies
