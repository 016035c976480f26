// test_parse against the fake host: parse counting, and the host's process state (get_process)
// reaching an extractor, as the core gives it.
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
  host.SetProcess(bash);

  Record known = Record::Plugin("{}", 0, /*tid=*/42);
  ASSERT_TRUE(host.Parse(known)) << host.LastError();
  auto values = host.ExtractFields(known, {"parse.count", "parse.times", "parse.comm"});
  ASSERT_TRUE(values) << host.LastError();
  EXPECT_EQ((*values)[0].ToString(), "1");
  EXPECT_EQ((*values)[1].ToString(), "1");
  EXPECT_EQ((*values)[2].ToString(), "bash");

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

}  // namespace
