// The counter plugin's unit test: the fake host loads the built libcounter.so (VIGIL_PLUGIN_PATH,
// from vigil_add_plugin_test) and drives it as vigil would.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "vigil/testing/fake_host.hpp"

namespace {

using ::testing::HasSubstr;
using vigil::testing::FakeHost;
using vigil::testing::Record;

std::string PluginPath() { return VIGIL_PLUGIN_PATH; }

TEST(CounterPluginTest, LoadsAndDescribesItself) {
  FakeHost host(PluginPath());
  ASSERT_TRUE(host.loaded()) << host.LastError();
  EXPECT_STREQ(host.api()->name, "counter");
  EXPECT_STREQ(host.api()->event_source, "counter");
  EXPECT_EQ(host.api()->capabilities, VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT);
  EXPECT_EQ(host.api()->api_version_major, static_cast<uint32_t>(VIGIL_PLUGIN_API_VERSION_MAJOR));
  EXPECT_THAT(host.Schema(), HasSubstr("\"count\""));
}

TEST(CounterPluginTest, EmitsCountEventsAndExtractsFields) {
  FakeHost host(PluginPath());
  ASSERT_TRUE(host.Init(R"({"count": 5, "batch_size": 2})")) << host.LastError();
  EXPECT_TRUE(host.LogContains("counting to 5"));
  ASSERT_TRUE(host.Open()) << host.LastError();
  std::vector<Record> batch;
  ASSERT_EQ(host.NextBatch(&batch), VIGIL_OK) << host.LastError();
  EXPECT_EQ(batch.size(), 2u);
  uint32_t pct = 0;
  EXPECT_EQ(host.Progress(&pct).value_or(""), "2 of 5");
  EXPECT_EQ(pct, 4000u);
  std::vector<Record> rest = host.ReadAll();
  ASSERT_TRUE(host.eof()) << host.LastError();
  ASSERT_EQ(batch.size() + rest.size(), 5u);

  auto values =
      host.ExtractFields(rest.back(), {"counter.value", "counter.even", "counter.mod[3]"});
  ASSERT_TRUE(values) << host.LastError();
  EXPECT_EQ((*values)[0].u64.at(0), 5u);
  EXPECT_EQ((*values)[1].bools.at(0), false);
  EXPECT_EQ((*values)[2].u64.at(0), 2u);
  auto even = host.Extract(batch[1], "counter.even");
  ASSERT_TRUE(even) << host.LastError();
  EXPECT_TRUE(even->bools.at(0));
  auto mod_zero = host.Extract(batch[1], "counter.mod[0]");
  ASSERT_TRUE(mod_zero) << host.LastError();
  EXPECT_FALSE(mod_zero->present());
}

TEST(CounterPluginTest, BadConfigFailsInitWithAMessage) {
  FakeHost host(PluginPath());
  EXPECT_FALSE(host.Init(R"({"count": -1})"));
  EXPECT_EQ(host.LastError(), "config: key count: must be >= 0");
}

}  // namespace
