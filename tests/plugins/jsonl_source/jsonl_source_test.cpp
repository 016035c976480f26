// Tests of the test_jsonl plugin, loaded from its shared object through the fake host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>

#include "rapidjson/document.h"
#include "vigil/event_types.h"
#include "vigil/sdk.hpp"
#include "vigil/testing/fake_host.hpp"

namespace {

using ::testing::HasSubstr;
using vigil::testing::FakeHost;
using vigil::testing::Record;

const char kPluginPath[] = VIGIL_PLUGIN_DIR "/libtest_jsonl.so";
const char kSyscallPluginPath[] = VIGIL_PLUGIN_DIR "/libtest_syscall_jsonl.so";

class JsonlSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "vigil_jsonl_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::filesystem::path path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }

  // A host initialized with `config_suffix` appended to {"path": <file with `content`>.
  std::unique_ptr<FakeHost> Started(const std::string& content,
                                    const std::string& config_suffix = "",
                                    const char* plugin = kPluginPath) {
    std::string path = WriteFile("events.jsonl", content);
    auto host = std::make_unique<FakeHost>(std::string(plugin));
    EXPECT_TRUE(host->loaded()) << host->LastError();
    EXPECT_TRUE(host->Init(R"({"path": ")" + path + "\"" + config_suffix + "}"))
        << host->LastError();
    EXPECT_TRUE(host->Open()) << host->LastError();
    return host;
  }

  std::filesystem::path dir_;
};

TEST_F(JsonlSourceTest, TableDescribesATestSourceWithFields) {
  FakeHost host{std::string(kPluginPath)};
  ASSERT_TRUE(host.loaded()) << host.LastError();
  EXPECT_STREQ(host.api()->name, "test_jsonl");
  EXPECT_STREQ(host.api()->event_source, "test");
  EXPECT_EQ(host.api()->capabilities, VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT);
  rapidjson::Document schema;
  schema.Parse(host.Schema().c_str());
  ASSERT_FALSE(schema.HasParseError());
  EXPECT_FALSE(schema["additionalProperties"].GetBool());
  EXPECT_STREQ(schema["required"][0].GetString(), "path");
}

TEST_F(JsonlSourceTest, SyscallBuildIsTheSameSourceForEventSourceSyscall) {
  FakeHost host{std::string(kSyscallPluginPath)};
  ASSERT_TRUE(host.loaded()) << host.LastError();
  EXPECT_STREQ(host.api()->name, "test_syscall_jsonl");
  EXPECT_STREQ(host.api()->event_source, "syscall");
  EXPECT_EQ(host.api()->capabilities, VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT);
  rapidjson::Document sources;
  sources.Parse(host.api()->extract_event_sources);
  ASSERT_FALSE(sources.HasParseError());
  ASSERT_TRUE(sources.IsArray());
  ASSERT_EQ(sources.Size(), 1u);
  EXPECT_STREQ(sources[0].GetString(), "syscall");
  EXPECT_EQ(host.Schema(), FakeHost(std::string(kPluginPath)).Schema());
}

TEST_F(JsonlSourceTest, TypeMemberSetsTheEventType) {
  for (const char* plugin : {kPluginPath, kSyscallPluginPath}) {
    auto host = Started(R"({"type": "openat", "n": 1})"
                        "\n"
                        R"({"type": "pluginevent"})"
                        "\n"
                        R"({"type": "execve"})"
                        "\n"
                        R"({"type": "getppid"})"
                        "\n{}\n",
                        "", plugin);
    std::vector<Record> events = host->ReadAll();
    ASSERT_TRUE(host->eof()) << host->LastError();
    ASSERT_EQ(events.size(), 5u) << plugin;
    EXPECT_EQ(events[0].type(), 17) << plugin;  // openat
    EXPECT_EQ(events[1].type(), VIGIL_EVENT_PLUGIN);
    EXPECT_EQ(events[2].type(), 32);  // execve
    EXPECT_EQ(events[3].type(), VIGIL_EVENT_TYPE_END - 1);
    EXPECT_EQ(events[4].type(), VIGIL_EVENT_PLUGIN);
    // The record layout does not depend on the type: one parameter, the line.
    EXPECT_EQ(events[0].payload(), R"({"type": "openat", "n": 1})");
    // Fields extract from every type the plugin emits.
    auto n = host->Extract(events[0], "test.uint64[/n]");
    ASSERT_TRUE(n) << host->LastError();
    EXPECT_EQ(n->u64.at(0), 1u);
    auto type = host->Extract(events[2], "test.str[/type]");
    ASSERT_TRUE(type) << host->LastError();
    EXPECT_EQ(type->ToString(), "execve");
    auto raw = host->Extract(events[3], "test.raw");
    ASSERT_TRUE(raw) << host->LastError();
    EXPECT_EQ(raw->ToString(), R"({"type": "getppid"})");
  }
}

TEST_F(JsonlSourceTest, UnknownOrMistypedTypeFailsOpen) {
  std::string path = WriteFile("types.jsonl", "{\"type\": \"openat\"}\n{\"type\": \"opnat\"}\n");
  FakeHost host{std::string(kSyscallPluginPath)};
  ASSERT_TRUE(host.Init(R"({"path": ")" + path + "\"}")) << host.LastError();
  EXPECT_FALSE(host.Open());
  EXPECT_THAT(host.LastError(), HasSubstr(path + ":2: unknown event type 'opnat'"));
  std::string number = WriteFile("number.jsonl", "{\"type\": 17}\n");
  EXPECT_FALSE(host.Open(number));
  EXPECT_THAT(host.LastError(), HasSubstr(number + ":1: \"type\" is not a string"));
  // Names are exact: no case folding, no syscall numbers.
  std::string upper = WriteFile("upper.jsonl", "{\"type\": \"OPENAT\"}\n");
  EXPECT_FALSE(host.Open(upper));
  EXPECT_THAT(host.LastError(), HasSubstr(upper + ":1: unknown event type 'OPENAT'"));
}

TEST_F(JsonlSourceTest, EmitsOnePluginEventPerLineWithTsAndTid) {
  auto host = Started("{\"ts\": 1000, \"tid\": 42, \"a\": 1}\n\n{\"b\": 2}\n");
  uint64_t before = vigil::sdk::NowNs();
  std::vector<Record> events = host->ReadAll();
  ASSERT_TRUE(host->eof()) << host->LastError();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type(), VIGIL_EVENT_PLUGIN);
  EXPECT_EQ(events[0].ts_ns(), 1000u);
  EXPECT_EQ(events[0].tid(), 42);
  EXPECT_EQ(events[0].payload(), R"({"ts": 1000, "tid": 42, "a": 1})");
  EXPECT_EQ(events[1].tid(), -1);
  EXPECT_GE(events[1].ts_ns(), before - 1000000000ull);  // "now", give or take the clock
  EXPECT_EQ(events[1].payload(), R"({"b": 2})");
}

TEST_F(JsonlSourceTest, HonoursBatchSizeAndLoops) {
  auto host = Started("{\"n\": 1}\n{\"n\": 2}\n{\"n\": 3}\n", R"(, "batch_size": 2, "loops": 3)");
  std::vector<Record> batch;
  ASSERT_EQ(host->NextBatch(&batch), VIGIL_OK) << host->LastError();
  EXPECT_EQ(batch.size(), 2u);
  std::vector<Record> rest = host->ReadAll();
  EXPECT_TRUE(host->eof());
  EXPECT_EQ(batch.size() + rest.size(), 9u);
  EXPECT_EQ(rest.back().payload(), R"({"n": 3})");
  std::vector<Record> after;
  EXPECT_EQ(host->NextBatch(&after), VIGIL_EOF);
}

TEST_F(JsonlSourceTest, ReportsProgress) {
  auto host = Started("{}\n{}\n{}\n{}\n", R"(, "batch_size": 1)");
  std::vector<Record> batch;
  ASSERT_EQ(host->NextBatch(&batch), VIGIL_OK);
  uint32_t pct = 0;
  auto text = host->Progress(&pct);
  ASSERT_TRUE(text) << host->LastError();
  EXPECT_EQ(pct, 2500u);
  EXPECT_EQ(*text, "1/4 events");
}

TEST_F(JsonlSourceTest, RatePacesEvents) {
  auto host = Started("{}\n", R"(, "rate": 100, "loops": 6)");
  auto start = std::chrono::steady_clock::now();
  std::vector<Record> events = host->ReadAll();
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(events.size(), 6u) << host->LastError();
  // Six events at 100/s: the first at once, the last due after 50 ms.
  EXPECT_GE(elapsed, std::chrono::milliseconds(45));
}

TEST_F(JsonlSourceTest, BadLineFailsOpenNamingPathAndLine) {
  std::string path = WriteFile("bad.jsonl", "{\"ok\": 1}\n{not json}\n");
  FakeHost host{std::string(kPluginPath)};
  ASSERT_TRUE(host.Init(R"({"path": ")" + path + "\"}")) << host.LastError();
  EXPECT_FALSE(host.Open());
  EXPECT_THAT(host.LastError(), HasSubstr(path + ":2: invalid JSON"));
}

TEST_F(JsonlSourceTest, NonObjectLineAndBadTsFail) {
  std::string path = WriteFile("array.jsonl", "[1]\n");
  FakeHost host{std::string(kPluginPath)};
  ASSERT_TRUE(host.Init(R"({"path": ")" + path + "\"}"));
  EXPECT_FALSE(host.Open());
  EXPECT_THAT(host.LastError(), HasSubstr(path + ":1: not a JSON object"));
  std::string bad_ts = WriteFile("ts.jsonl", "{\"ts\": -5}\n");
  EXPECT_FALSE(host.Open(bad_ts));
  EXPECT_THAT(host.LastError(), HasSubstr(bad_ts + ":1: \"ts\" is not a uint64"));
}

TEST_F(JsonlSourceTest, OpenParamsReplaceThePath) {
  std::string other = WriteFile("other.jsonl", "{\"other\": true}\n");
  auto host = Started("{}\n");
  host->Close();
  ASSERT_TRUE(host->Open(other)) << host->LastError();
  std::vector<Record> events = host->ReadAll();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload(), R"({"other": true})");
}

TEST_F(JsonlSourceTest, MissingFileFailsOpen) {
  FakeHost host{std::string(kPluginPath)};
  ASSERT_TRUE(host.Init(R"({"path": "/nonexistent/x.jsonl"})"));
  EXPECT_FALSE(host.Open());
  EXPECT_THAT(host.LastError(), HasSubstr("/nonexistent/x.jsonl: cannot open"));
}

TEST_F(JsonlSourceTest, InvalidConfigFailsInit) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "config: key path: required key missing"},
      {R"({"path": "x", "bogus": 1})", "config: key bogus: unknown key"},
      {R"({"path": "x", "loops": 0})", "config: key loops: must be >= 1"},
      {R"({"path": "x", "batch_size": 65537})", "config: key batch_size: must be <= 65536"},
      {R"({"path": 3})", "config: key path: expected string, got integer 3"},
  };
  for (const auto& [config, message] : cases) {
    FakeHost host{std::string(kPluginPath)};
    EXPECT_FALSE(host.Init(config)) << config;
    EXPECT_EQ(host.LastError(), message) << config;
  }
}

TEST_F(JsonlSourceTest, ExtractsTypedFieldsByJsonPointer) {
  auto host = Started(R"({"a": {"b": "text"}, "u": 18446744073709551615, "i": -7, "t": true,)"
                      R"( "ip4": "10.1.2.3", "ip6": "::1", "net": "192.168.0.0/16",)"
                      R"( "net6": "fe80::/10", "d": 5000, "names": ["x", "y"], "ports": [80, 443]})"
                      "\n");
  std::vector<Record> events = host->ReadAll();
  ASSERT_EQ(events.size(), 1u);
  auto values = host->ExtractFields(
      events[0],
      {"test.str[/a/b]", "test.uint64[/u]", "test.int64[/i]", "test.bool[/t]", "test.ipaddr[/ip4]",
       "test.ipaddr[/ip6]", "test.ipnet[/net]", "test.ipnet[/net6]", "test.reltime[/d]",
       "test.abstime[/d]", "test.strlist[/names]", "test.uint64list[/ports]"});
  ASSERT_TRUE(values) << host->LastError();
  std::vector<std::string> rendered;
  for (const auto& v : *values) rendered.push_back(v.ToString());
  EXPECT_THAT(rendered, ::testing::ElementsAre("text", "18446744073709551615", "-7", "true",
                                               "10.1.2.3", "::1", "192.168.0.0/16", "fe80::/10",
                                               "5000", "5000", "(x,y)", "(80,443)"));
  EXPECT_EQ((*values)[4].bytes.at(0).size(), 4u);
  EXPECT_EQ((*values)[5].bytes.at(0).size(), 16u);
}

TEST_F(JsonlSourceTest, BytesFieldGivesTheStringBytes) {
  auto host = Started(R"({"b": "\u0000\u007fELF", "n": 3})"
                      "\n");
  std::vector<Record> events = host->ReadAll();
  ASSERT_EQ(events.size(), 1u);
  auto values = host->ExtractFields(events[0], {"test.bytes[/b]", "test.bytes[/n]"});
  ASSERT_TRUE(values) << host->LastError();
  ASSERT_EQ((*values)[0].bytes.size(), 1u);
  EXPECT_EQ((*values)[0].bytes[0], std::string("\0\x7f"
                                               "ELF",
                                               5));
  EXPECT_FALSE((*values)[1].present());
}

TEST_F(JsonlSourceTest, EventsWithTheSameNumberStillGetTheirOwnValues) {
  FakeHost host{std::string(kPluginPath)};
  ASSERT_TRUE(host.Init(R"({"path": "unused"})"));
  auto first = host.Extract(Record::Plugin(R"({"x": 1})"), "test.uint64[/x]");
  auto second = host.Extract(Record::Plugin(R"({"x": 2})"), "test.uint64[/x]");
  ASSERT_TRUE(first && second) << host.LastError();
  EXPECT_EQ(first->u64.at(0), 1u);
  EXPECT_EQ(second->u64.at(0), 2u);
}

TEST_F(JsonlSourceTest, MissingOrMistypedMembersHaveNoValue) {
  auto host =
      Started(R"({"s": 1, "n": "one", "list": [1, "two"], "ip": "nope", "net": "1.2.3.4/33"})"
              "\n");
  std::vector<Record> events = host->ReadAll();
  ASSERT_EQ(events.size(), 1u);
  auto values = host->ExtractFields(
      events[0],
      {"test.str[/missing]", "test.str[/s]", "test.uint64[/n]", "test.int64[/n]", "test.bool[/s]",
       "test.strlist[/list]", "test.uint64list[/list]", "test.ipaddr[/ip]", "test.ipnet[/net]"});
  ASSERT_TRUE(values) << host->LastError();
  for (const auto& v : *values) EXPECT_FALSE(v.present()) << v.field << " = " << v.ToString();
}

TEST_F(JsonlSourceTest, RawFieldAndEventToStringGiveTheLine) {
  auto host = Started("{\"k\": \"v\"}\n");
  std::vector<Record> events = host->ReadAll();
  ASSERT_EQ(events.size(), 1u);
  auto raw = host->Extract(events[0], "test.raw");
  ASSERT_TRUE(raw) << host->LastError();
  EXPECT_EQ(raw->ToString(), R"({"k": "v"})");
  EXPECT_EQ(host->EventToString(events[0]).value_or(""), R"({"k": "v"})");
}

TEST_F(JsonlSourceTest, InvalidPointerFailsExtraction) {
  auto host = Started("{}\n");
  std::vector<Record> events = host->ReadAll();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(host->Extract(events[0], "test.str[no-slash]"));
  EXPECT_THAT(host->LastError(), HasSubstr("invalid JSON pointer 'no-slash'"));
  // The failure does not stick: the next call works.
  EXPECT_TRUE(host->Extract(events[0], "test.raw")) << host->LastError();
}

TEST_F(JsonlSourceTest, FieldsNeedTheirArgument) {
  auto host = Started("{}\n");
  std::vector<Record> events = host->ReadAll();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(host->Extract(events[0], "test.str"));
  EXPECT_THAT(host->LastError(), HasSubstr("needs an argument"));
}

TEST_F(JsonlSourceTest, ExtractsFromEventsItDidNotEmit) {
  FakeHost host{std::string(kPluginPath)};
  ASSERT_TRUE(host.Init(R"({"path": "unused"})"));
  auto value = host.Extract(Record::Plugin(R"({"x": 9})"), "test.uint64[/x]");
  ASSERT_TRUE(value) << host.LastError();
  EXPECT_EQ(value->u64.at(0), 9u);
  // Any type with the plugin's layout (one parameter, a JSON line).
  auto typed =
      host.Extract(Record::Make(VIGIL_EVENT_SYSCALL_FIRST + 1, {R"({"x": 3})"}), "test.uint64[/x]");
  ASSERT_TRUE(typed) << host.LastError();
  EXPECT_EQ(typed->u64.at(0), 3u);
  // Records of another layout are not the plugin's.
  EXPECT_FALSE(host.Extract(Record::Make(VIGIL_EVENT_SYSCALL_FIRST, {}), "test.raw"));
  EXPECT_THAT(host.LastError(), HasSubstr("rc 4"));  // VIGIL_NOT_FOUND
  EXPECT_FALSE(host.Extract(Record::Make(VIGIL_EVENT_SYSCALL_FIRST, {"{}", "{}"}), "test.raw"));
  EXPECT_THAT(host.LastError(), HasSubstr("rc 4"));
}

}  // namespace
