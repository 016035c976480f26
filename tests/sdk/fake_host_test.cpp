// Tests of the fake host's own checks: it refuses broken tables with the core's messages and
// reports load errors as strings instead of crashing.
#include "vigil/testing/fake_host.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vigil/sdk.hpp"

namespace {

using ::testing::HasSubstr;
using vigil::testing::FakeHost;

class Output {
 public:
  static constexpr const char* kName = "output";
  static constexpr const char* kVersion = "0.1.0";
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

// A writable copy of a good table, to break one thing at a time.
vigil_plugin_api GoodTable() { return *vigil::sdk::PluginTable<Output>(); }

std::string LoadError(const vigil_plugin_api& table) {
  FakeHost host(&table);
  EXPECT_FALSE(host.loaded());
  return host.LastError();
}

TEST(FakeHostTest, AcceptsAGoodTable) {
  vigil_plugin_api table = GoodTable();
  FakeHost host(&table);
  EXPECT_TRUE(host.loaded()) << host.LastError();
  EXPECT_TRUE(host.Init());
  EXPECT_EQ(host.Deliver({vigil::testing::Alert{}}), VIGIL_DELIVERED);
}

TEST(FakeHostTest, RefusesAnotherMajorOrANewerMinor) {
  vigil_plugin_api table = GoodTable();
  table.api_version_major = VIGIL_PLUGIN_API_VERSION_MAJOR + 1;
  EXPECT_THAT(LoadError(table), HasSubstr("is not compatible with host"));
  table = GoodTable();
  table.api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR + 1;
  EXPECT_THAT(LoadError(table), HasSubstr("is not compatible with host"));
}

TEST(FakeHostTest, RefusesMissingRequiredMembers) {
  vigil_plugin_api table = GoodTable();
  table.init = nullptr;
  table.name = nullptr;
  EXPECT_EQ(LoadError(table), "missing required members: name init");
}

TEST(FakeHostTest, RefusesInconsistentCapabilities) {
  vigil_plugin_api table = GoodTable();
  table.capabilities = 0;
  EXPECT_EQ(LoadError(table), "no capability declared");

  table = GoodTable();
  table.capabilities |= VIGIL_CAP_SOURCE;
  EXPECT_EQ(LoadError(table), "capability source declared without its required functions");

  table = GoodTable();
  table.parse_event = [](vigil_plugin*, const vigil_event_input*) -> vigil_rc { return VIGIL_OK; };
  EXPECT_EQ(LoadError(table), "functions of capability parse set without the capability");
}

TEST(FakeHostTest, MembersBeyondTableSizeCountAsAbsent) {
  // An output built against a header where the table ended before `deliver`.
  vigil_plugin_api table = GoodTable();
  table.table_size = offsetof(vigil_plugin_api, deliver);
  EXPECT_EQ(LoadError(table), "capability output declared without its required functions");
}

TEST(FakeHostTest, ReportsLoadErrorsOfSharedObjects) {
  FakeHost missing(std::string("/nonexistent/libnope.so"));
  EXPECT_FALSE(missing.loaded());
  EXPECT_THAT(missing.LastError(), HasSubstr("cannot load /nonexistent/libnope.so"));
  EXPECT_FALSE(missing.Init());
  EXPECT_FALSE(missing.Open());
  EXPECT_FALSE(missing.Extract(vigil::testing::Record::Plugin("x"), "a.b"));
  EXPECT_EQ(missing.Deliver({vigil::testing::Alert{}}), VIGIL_REJECTED);

  // A library without the entry symbol: libc is always there.
  FakeHost no_entry(std::string("libc.so.6"));
  EXPECT_FALSE(no_entry.loaded());
  EXPECT_THAT(no_entry.LastError(), HasSubstr("no symbol vigil_plugin_entry"));
}

TEST(FakeHostTest, CallsOutsideTheCapabilitiesFailCleanly) {
  FakeHost host(vigil::sdk::PluginTable<Output>());
  ASSERT_TRUE(host.Init());
  EXPECT_FALSE(host.Init());
  EXPECT_THAT(host.LastError(), HasSubstr("Init called twice"));
  EXPECT_FALSE(host.Open());
  EXPECT_THAT(host.LastError(), HasSubstr("no source capability"));
  std::vector<vigil::testing::Record> out;
  EXPECT_EQ(host.NextBatch(&out), VIGIL_FAILURE);
  EXPECT_FALSE(host.ParseEventTypes());
  EXPECT_THAT(host.LastError(), HasSubstr("no parse capability"));
  EXPECT_TRUE(host.Reopen());  // optional and absent: nothing to do
}

}  // namespace
