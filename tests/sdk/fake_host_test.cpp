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
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

// An output with a config schema; `nested` is an object schema without additionalProperties.
class Configured {
 public:
  static constexpr const char* kName = "configured";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  static const char* Schema() {
    return R"({
  "type": "object",
  "properties": {
    "path": {"type": "string"},
    "nested": {"type": "object", "properties": {"n": {"type": "integer"}}}
  },
  "required": ["path"]
})";
  }
  explicit Configured(const vigil::sdk::InitContext&) {}
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

// Extracts the event source it was given, for events of two sources only.
class SourceEcho : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "source_echo";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_EXTRACT;
  static constexpr const char* kExtractEventSources = R"(["k8s_audit", "aws_cloudtrail"])";
  static const char* Fields() {
    return R"([{"name": "echo.source", "type": "string", "desc": "the event's source"}])";
  }
  vigil_rc Extract(const vigil_event_input& event, uint32_t n, vigil_extract_field* fields) {
    for (uint32_t i = 0; i < n; ++i) results().SetString(fields[i], event.event_source);
    return VIGIL_OK;
  }
};

// The error of Init(config) on a fresh host of `table`.
std::string InitError(const vigil_plugin_api* table, const std::string& config) {
  FakeHost host(table);
  EXPECT_FALSE(host.Init(config)) << config;
  EXPECT_FALSE(host.initialized());
  return host.LastError();
}

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
  EXPECT_THAT(LoadError(table), HasSubstr("the major versions differ"));
  table = GoodTable();
  table.api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR + 1;
  EXPECT_THAT(LoadError(table), HasSubstr("upgrade vigil"));
}

TEST(FakeHostTest, RefusesMissingRequiredMembers) {
  vigil_plugin_api table = GoodTable();
  table.init = nullptr;
  table.name = nullptr;
  EXPECT_EQ(LoadError(table), "plugin at built-in: missing required 'name'");
  table.name = "output";
  EXPECT_EQ(LoadError(table), "plugin at built-in: missing required 'init'");
}

TEST(FakeHostTest, RefusesInconsistentCapabilities) {
  vigil_plugin_api table = GoodTable();
  table.capabilities = 0;
  EXPECT_EQ(LoadError(table), "plugin 'output' (built-in): declares no capability");

  table = GoodTable();
  table.capabilities |= VIGIL_CAP_SOURCE;
  EXPECT_EQ(LoadError(table),
            "plugin 'output' (built-in): declares capability 'source' but lacks its "
            "'event_source'");

  table = GoodTable();
  table.parse_event = [](vigil_plugin*, const vigil_event_input*) -> vigil_rc { return VIGIL_OK; };
  EXPECT_EQ(LoadError(table),
            "plugin 'output' (built-in): has 'parse_event' but does not declare capability "
            "'parse'");
}

TEST(FakeHostTest, MembersBeyondTableSizeCountAsAbsent) {
  // An output built against a header where the table ended before `deliver`.
  vigil_plugin_api table = GoodTable();
  table.table_size = offsetof(vigil_plugin_api, deliver);
  EXPECT_EQ(LoadError(table),
            "plugin 'output' (built-in): declares capability 'output' but lacks its 'deliver'");
}

// The checks the fake host once skipped and the core ran: a plugin that passed its own tests could
// be refused by vigil.
TEST(FakeHostTest, RunsTheCoresNameVersionAndFieldChecks) {
  vigil_plugin_api table = GoodTable();
  table.name = "My-Output";
  EXPECT_EQ(LoadError(table), "plugin at built-in: name 'My-Output' is not made of [a-z0-9_] only");
  table = GoodTable();
  table.version = "1.0";
  EXPECT_EQ(LoadError(table),
            "plugin at built-in: version '1.0' is not a semantic version (MAJOR.MINOR.PATCH)");

  table = GoodTable();
  table.capabilities |= VIGIL_CAP_EXTRACT;
  table.extract_fields = [](vigil_plugin*, const vigil_event_input*, uint32_t,
                            vigil_extract_field*) -> vigil_rc { return VIGIL_OK; };
  table.fields = R"([{"name": "o.x", "type": "uint64"}])";
  EXPECT_EQ(LoadError(table),
            "plugin 'output' (built-in): bad fields JSON: fields[0] (o.x): no 'desc'");
  table.fields = R"([{"name": "o.x", "type": "uint64", "desc": "x"},
                     {"name": "o.x", "type": "string", "desc": "again"}])";
  EXPECT_EQ(LoadError(table),
            "plugin 'output' (built-in): bad fields JSON: fields[1] (o.x): declared twice");
  table.fields = R"([{"name": "o.x", "type": "uint64", "desc": "x"}])";
  table.extract_event_sources = "[]";
  EXPECT_THAT(LoadError(table), HasSubstr("bad extract_event_sources JSON: an empty array"));
  table.extract_event_sources = R"(["k8s_audit", 3])";
  EXPECT_EQ(LoadError(table),
            "plugin 'output' (built-in): bad extract_event_sources JSON: [1]: not a string");

  // description and contact are optional, as for the core.
  table = GoodTable();
  table.description = nullptr;
  table.contact = nullptr;
  FakeHost host(&table);
  EXPECT_TRUE(host.loaded()) << host.LastError();
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

TEST(FakeHostConfigTest, AcceptsAConfigThatMatchesTheSchema) {
  FakeHost host(vigil::sdk::PluginTable<Configured>());
  EXPECT_TRUE(host.Init(R"({"path": "/x", "nested": {"n": 1}})")) << host.LastError();
}

TEST(FakeHostConfigTest, ClosesObjectSchemasLikeTheCore) {
  const vigil_plugin_api* table = vigil::sdk::PluginTable<Configured>();
  EXPECT_EQ(InitError(table, R"({"path": "/x", "colour": "red"})"),
            "config: key colour: unknown key");
  EXPECT_EQ(InitError(table, R"({"path": "/x", "nested": {"m": 1}})"),
            "config: key nested.m: unknown key");
}

TEST(FakeHostConfigTest, RejectsAWrongType) {
  EXPECT_EQ(InitError(vigil::sdk::PluginTable<Configured>(), R"({"path": 3})"),
            "config: key path: expected string, got integer 3");
}

TEST(FakeHostConfigTest, RejectsAMissingRequiredKey) {
  EXPECT_EQ(InitError(vigil::sdk::PluginTable<Configured>(), R"({"nested": {}})"),
            "config: key path: required key missing");
}

TEST(FakeHostConfigTest, RejectsAConfigThatIsNotJson) {
  EXPECT_EQ(InitError(vigil::sdk::PluginTable<Configured>(), R"({"path": )"),
            "config: not valid JSON");
}

TEST(FakeHostConfigTest, APluginWithoutSchemaTakesNoConfig) {
  const vigil_plugin_api* table = vigil::sdk::PluginTable<Output>();
  ASSERT_EQ(table->get_init_schema, nullptr);
  EXPECT_EQ(InitError(table, R"({"a": 1})"), "config: the plugin takes no config");
  EXPECT_EQ(InitError(table, "[]"), "config: the plugin takes no config");
  FakeHost empty(table);
  EXPECT_TRUE(empty.Init("{}")) << empty.LastError();
}

TEST(FakeHostConfigTest, RejectsASchemaThatIsNotJson) {
  vigil_plugin_api table = GoodTable();
  table.get_init_schema = [] { return "{\"type\": "; };
  EXPECT_THAT(InitError(&table, "{}"),
              HasSubstr("config schema is not valid JSON (a bug in the plugin)"));
}

}  // namespace

namespace {

TEST(FakeHostTest, PassesEachEventsSourceAndHonoursExtractEventSources) {
  FakeHost host(vigil::sdk::PluginTable<SourceEcho>());
  ASSERT_TRUE(host.Init()) << host.LastError();
  using vigil::testing::Record;
  // Unset: the first source the plugin names.
  auto first = host.Extract(Record::Plugin("{}"), "echo.source");
  ASSERT_TRUE(first) << host.LastError();
  EXPECT_EQ(first->ToString(), "k8s_audit");
  Record cloudtrail = Record::Plugin("{}");
  cloudtrail.set_source("aws_cloudtrail");
  auto second = host.Extract(cloudtrail, "echo.source");
  ASSERT_TRUE(second) << host.LastError();
  EXPECT_EQ(second->ToString(), "aws_cloudtrail");
  // The core never asks it about other sources' events; neither does the fake host.
  Record syscall = Record::Plugin("{}");
  syscall.set_source("syscall");
  EXPECT_FALSE(host.Extract(syscall, "echo.source"));
  EXPECT_THAT(host.LastError(),
              HasSubstr("the plugin's fields do not apply to events of source 'syscall'"));
}

}  // namespace

namespace {

// The fake host renders alerts with the core's JSON writer (vigil/alert_format.hpp): nlohmann's
// escapes and invalid UTF-8 replaced, keys and tags sorted, as Falco prints them.
TEST(FakeHostTest, RendersAlertsAsTheCoreDoes) {
  vigil::testing::Alert alert;
  alert.time_ns = 1795809803123456789ull;
  alert.output = std::string("a\x01") + "b\xff";
  alert.tags = {"shell", "container", "shell"};
  alert.output_fields = {{"proc.name", "bash"}, {"fd.name", "/etc/shadow"}};
  EXPECT_EQ(vigil::testing::RenderFalcoJson(alert),
            "{\"hostname\":\"testhost\",\"output\":\"2026-11-27T20:03:23.123456789Z: Warning "
            "a\\u0001b\xEF\xBF\xBD\",\"output_fields\":{\"fd.name\":\"/etc/shadow\",\"proc.name\":"
            "\"bash\"},\"priority\":\"Warning\",\"rule\":\"Test rule\",\"source\":\"syscall\","
            "\"tags\":[\"container\",\"shell\"],\"time\":\"2026-11-27T20:03:23.123456789Z\"}");
}

}  // namespace
