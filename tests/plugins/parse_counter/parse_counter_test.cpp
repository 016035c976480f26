// test_parse against the fake host: parse counting, the host's process state (get_process)
// reaching an extractor, as the core gives it, and holds released from the plugin's own thread.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vigil/testing/fake_host.hpp"

namespace {

using vigil::testing::FakeHost;
using vigil::testing::Record;

TEST(ParseCounterTest, CountsParsesAndReadsTheProcessOfTheEvent) {
  FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
  ASSERT_TRUE(host.Init()) << host.LastError();
  vigil::sdk::ProcessInfo bash;
  bash.tid = 42;
  bash.pid = 42;
  bash.comm = "bash";
  bash.cgroups = {"0::/docker/abc"};
  bash.args = {"-c", "curl -f http://localhost/"};
  host.SetProcess(bash);

  Record known = Record::Plugin("{}", 0, /*tid=*/42);
  ASSERT_TRUE(host.Parse(known)) << host.LastError();
  auto values =
      host.ExtractFields(known, {"parse.count", "parse.times", "parse.comm", "parse.args"});
  ASSERT_TRUE(values) << host.LastError();
  EXPECT_EQ((*values)[0].ToString(), "1");
  EXPECT_EQ((*values)[1].ToString(), "1");
  EXPECT_EQ((*values)[2].ToString(), "bash");
  EXPECT_EQ((*values)[3].ToString(), "-c curl -f http://localhost/");

  // The value the plugin kept for pid 42 at its first parse, found again for a later event.
  Record later = Record::Plugin("{}", 0, /*tid=*/42);
  ASSERT_TRUE(host.Parse(later)) << host.LastError();
  auto first = host.Extract(later, "parse.first");
  ASSERT_TRUE(first) << host.LastError();
  EXPECT_EQ(first->ToString(), std::to_string(known.evtnum()));
  EXPECT_NE(later.evtnum(), known.evtnum());

  // A thread the host does not know: no process, so no value.
  Record unknown = Record::Plugin("{}", 0, /*tid=*/7);
  auto comm = host.Extract(unknown, "parse.comm");
  ASSERT_TRUE(comm) << host.LastError();
  EXPECT_FALSE(comm->present());
}

vigil::sdk::ProcessInfo Process(int64_t pid, std::string comm) {
  vigil::sdk::ProcessInfo p;
  p.tid = p.pid = pid;
  p.comm = std::move(comm);
  return p;
}

TEST(ParseCounterTest, HoldsItsProcessesAndReleasesThemFromItsOwnThread) {
  FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
  ASSERT_TRUE(host.Init(R"({"hold": {"comm": "apt", "timeout_ms": 300, "release_after_ms": 20}})"))
      << host.LastError();
  host.SetProcess(Process(50, "apt"));
  host.SetProcess(Process(60, "bash"));

  Record apt = Record::Plugin("{}", 0, /*tid=*/50);
  Record bash = Record::Plugin("{}", 0, /*tid=*/60);
  ASSERT_TRUE(host.Parse(apt)) << host.LastError();
  ASSERT_TRUE(host.Parse(bash)) << host.LastError();
  EXPECT_TRUE(host.Held(50));
  EXPECT_EQ(host.HoldTimeoutMs(50), 300u);
  EXPECT_FALSE(host.Held(60));
  EXPECT_EQ(host.Counter("holds"), 1u);

  ASSERT_TRUE(host.WaitForRelease(50, std::chrono::seconds(5)));
  EXPECT_FALSE(host.Held(50));
  auto released = host.Extract(apt, "parse.released");
  ASSERT_TRUE(released) << host.LastError();
  EXPECT_EQ(released->ToString(), "true");
  EXPECT_FALSE(host.WaitForRelease(60, std::chrono::milliseconds(1)));  // never held
}

TEST(ParseCounterTest, HoldsOnlyInsideParse) {
  FakeHost host{std::string(VIGIL_PLUGIN_PATH)};
  ASSERT_TRUE(host.Init(R"({"hold": {"comm": "apt"}})")) << host.LastError();
  host.SetProcess(Process(50, "apt"));
  Record apt = Record::Plugin("{}", 0, /*tid=*/50);
  // Extraction reads the process but cannot hold it; a later parse does.
  auto released = host.Extract(apt, "parse.released");
  ASSERT_TRUE(released) << host.LastError();
  EXPECT_EQ(released->ToString(), "false");
  EXPECT_FALSE(host.Held(50));
  ASSERT_TRUE(host.Parse(apt)) << host.LastError();
  EXPECT_TRUE(host.Held(50));
  EXPECT_EQ(host.HoldTimeoutMs(50), 250u);  // the plugin's default
}

}  // namespace
