// Tests of the C++ wrapper (sdk.hpp): capability detection builds the right table, exceptions
// become last_error(), results stay valid, init failures keep a state. Driven in-process through
// the fake host, the way a plugin author tests a plugin.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "vigil/sdk.hpp"
#include "vigil/testing/fake_host.hpp"

namespace {

using ::testing::HasSubstr;
using vigil::sdk::Capabilities;
using vigil::sdk::PluginTable;
using vigil::testing::Alert;
using vigil::testing::FakeHost;
using vigil::testing::Record;

// ---- Plugins under test ----

class MinimalOutput {
 public:
  static constexpr const char* kName = "minimal_output";
  static constexpr const char* kVersion = "0.0.1";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

class RecordingOutput : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "recording_output";
  static constexpr const char* kVersion = "1.2.3";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  static constexpr const char* kDescription = "records what it gets";
  static constexpr const char* kContact = "tests";
  static const char* Schema() { return R"({"type": "object"})"; }

  explicit RecordingOutput(const vigil::sdk::InitContext& ctx) {
    config = std::string(ctx.config_json());
    ctx.log(VIGIL_LOG_INFO, "recording with " + config);
    if (config.find("fail") != std::string::npos) throw std::runtime_error("bad config: fail");
    if (config.find("weird") != std::string::npos) throw 42;
    ctx.logger().Warning("constructed");
  }

  vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n) {
    if (mode == "throw") throw std::runtime_error("connection refused");
    if (mode == "reject") throw vigil::sdk::RejectedError("400: bad payload");
    if (mode == "silent_retry") return VIGIL_RETRY_LATER;
    for (uint32_t i = 0; i < n; ++i) delivered.emplace_back(alerts[i].json, alerts[i].json_len);
    return VIGIL_DELIVERED;
  }
  void Reopen() { ++reopened; }

  std::string config;
  std::string mode;
  std::vector<std::string> delivered;
  int reopened = 0;
};

class TickSource : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "tick";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_SOURCE;
  static constexpr const char* kEventSource = "tick";

  class Stream {
   public:
    explicit Stream(std::string behaviour) : behaviour_(std::move(behaviour)) {}
    vigil_rc NextBatch(vigil_event_batch* batch) {
      if (behaviour_ == "throw") throw std::runtime_error("device gone");
      if (behaviour_ == "silent_failure") return VIGIL_FAILURE;
      if (behaviour_ == "explained_failure") {
        vigil::sdk::SetLastError("explained");
        return VIGIL_FAILURE;
      }
      if (behaviour_ == "bad_count") {
        writer_.AppendPlugin(1, -1, "x");
        *batch = writer_.batch();
        batch->count = 2;
        return VIGIL_OK;
      }
      if (sent_ == 3) return VIGIL_EOF;
      writer_.Clear();
      writer_.AppendPlugin(sent_, -1, "tick " + std::to_string(sent_));
      ++sent_;
      *batch = writer_.batch();
      return VIGIL_OK;
    }

   private:
    std::string behaviour_;
    uint64_t sent_ = 0;
    vigil::sdk::EventWriter writer_;
  };

  std::unique_ptr<Stream> Open(const std::string& params) {
    if (params == "refuse") throw std::invalid_argument("cannot open: refuse");
    if (params == "null") return nullptr;
    return std::make_unique<Stream>(params);
  }
};

class ProgressSource : public TickSource {
 public:
  static constexpr const char* kName = "progress_tick";
  class Stream : public TickSource::Stream {
   public:
    Stream() : TickSource::Stream("") {}
    std::string Progress(uint32_t& pct_x100) {
      pct_x100 = 20000;  // out of range: the wrapper clamps
      return "all done";
    }
  };
  std::unique_ptr<Stream> Open(const std::string&) { return std::make_unique<Stream>(); }
  std::string EventToString(const vigil_event_input& event) {
    return "tick event: " + std::string(vigil::sdk::EventView(event).payload());
  }
};

class Extractor : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "extractor";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_EXTRACT;
  static constexpr const char* kExtractEventSources = R"(["tick"])";
  static const char* Fields() {
    return R"([
      {"name": "x.payload", "type": "string", "desc": "payload"},
      {"name": "x.words", "type": "string", "list": true, "desc": "words"},
      {"name": "x.len", "type": "uint64", "desc": "len"},
      {"name": "x.neg", "type": "int64", "desc": "neg"},
      {"name": "x.flag", "type": "bool", "arg": {"kind": "index"}, "desc": "flag"},
      {"name": "x.bytes", "type": "bytes", "desc": "bytes"},
      {"name": "x.key", "type": "string", "arg": {"kind": "key", "required": true}, "desc": "key"},
      {"name": "x.wrongtype", "type": "uint64", "desc": "wrongtype"},
      {"name": "x.throws", "type": "string", "desc": "throws"},
      {"name": "x.toomany", "type": "uint64", "desc": "toomany"}
    ])";
  }

  vigil_rc Extract(const vigil_event_input& event, uint32_t n, vigil_extract_field* fields) {
    std::string payload(vigil::sdk::EventView(event).payload());
    for (uint32_t i = 0; i < n; ++i) {
      vigil_extract_field& f = fields[i];
      switch (f.field_id) {
        case 0:
          results().SetString(f, payload);
          break;
        case 1:
          results().SetStrings(f, std::vector<std::string>{payload, "second", "third"});
          break;
        case 2:
          results().SetUint64(f, payload.size());
          break;
        case 3:
          results().SetInt64(f, -static_cast<int64_t>(payload.size()));
          break;
        case 4:
          results().SetBool(f, f.arg_present && f.arg_index == 1);
          break;
        case 5:
          results().SetBytes(f, std::string_view("\0\xff", 2));
          break;
        case 6:
          results().SetString(f, std::string("key=") + f.arg_key);
          break;
        case 7:
          results().SetString(f, "not a number");
          break;
        case 8:
          throw std::runtime_error("cannot extract x.throws");
        case 9:
          results().SetUint64s(f, std::vector<uint64_t>{1, 2});
          break;
      }
    }
    return VIGIL_OK;
  }
};

class Parser {
 public:
  static constexpr const char* kName = "parser";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_PARSE;
  std::vector<uint16_t> ParseEventTypes() { return {VIGIL_EVENT_PLUGIN, 42}; }
  void Parse(const vigil_event_input& event) {
    std::string payload(vigil::sdk::EventView(event).payload());
    if (payload == "boom") throw std::runtime_error("parse: boom");
    seen.push_back(payload);
  }
  std::vector<std::string> seen;
};

class RcParser : public Parser {
 public:
  static constexpr const char* kName = "rc_parser";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_PARSE;
  vigil_rc Parse(const vigil_event_input&) { return VIGIL_FAILURE; }
};

class Everything : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "everything";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities =
      VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE | VIGIL_CAP_OUTPUT;
  static constexpr const char* kEventSource = "everything";
  static const char* Fields() { return R"([{"name": "e.x", "type": "string", "desc": "x"}])"; }
  std::unique_ptr<TickSource::Stream> Open(const std::string&) {
    return std::make_unique<TickSource::Stream>("");
  }
  vigil_rc Extract(const vigil_event_input&, uint32_t, vigil_extract_field*) { return VIGIL_OK; }
  std::vector<uint16_t> ParseEventTypes() { return {}; }
  vigil_rc Parse(const vigil_event_input&) { return VIGIL_OK; }
  vigil_delivery Deliver(const vigil_alert*, uint32_t) { return VIGIL_DELIVERED; }
};

// ---- Declared capabilities ----

static_assert(Capabilities<MinimalOutput>() == VIGIL_CAP_OUTPUT);
static_assert(Capabilities<TickSource>() == VIGIL_CAP_SOURCE);
static_assert(Capabilities<Extractor>() == VIGIL_CAP_EXTRACT);
static_assert(Capabilities<Parser>() == VIGIL_CAP_PARSE);
static_assert(Capabilities<Everything>() ==
              (VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE | VIGIL_CAP_OUTPUT));

TEST(SdkTableTest, HeaderCarriesVersionSizeAndStrings) {
  const vigil_plugin_api* api = PluginTable<RecordingOutput>();
  EXPECT_EQ(api->api_version_major, static_cast<uint32_t>(VIGIL_PLUGIN_API_VERSION_MAJOR));
  EXPECT_EQ(api->api_version_minor, static_cast<uint32_t>(VIGIL_PLUGIN_API_VERSION_MINOR));
  EXPECT_EQ(api->table_size, sizeof(vigil_plugin_api));
  EXPECT_STREQ(api->name, "recording_output");
  EXPECT_STREQ(api->version, "1.2.3");
  EXPECT_STREQ(api->description, "records what it gets");
  EXPECT_STREQ(api->contact, "tests");
  ASSERT_NE(api->get_init_schema, nullptr);
  EXPECT_STREQ(api->get_init_schema(), R"({"type": "object"})");
  EXPECT_EQ(PluginTable<RecordingOutput>(), api);  // one static table
}

TEST(SdkTableTest, OptionalMembersDefaultSensibly) {
  const vigil_plugin_api* api = PluginTable<MinimalOutput>();
  EXPECT_STREQ(api->description, "");
  EXPECT_STREQ(api->contact, "");
  EXPECT_EQ(api->get_init_schema, nullptr);
  EXPECT_NE(api->deliver, nullptr);
  EXPECT_EQ(api->reopen, nullptr);
  EXPECT_EQ(PluginTable<RecordingOutput>()->reopen != nullptr, true);
}

TEST(SdkTableTest, SourceMembersFollowTheClass) {
  const vigil_plugin_api* tick = PluginTable<TickSource>();
  EXPECT_EQ(tick->capabilities, VIGIL_CAP_SOURCE);
  EXPECT_STREQ(tick->event_source, "tick");
  EXPECT_NE(tick->open, nullptr);
  EXPECT_NE(tick->close, nullptr);
  EXPECT_NE(tick->next_batch, nullptr);
  EXPECT_EQ(tick->progress, nullptr);
  EXPECT_EQ(tick->event_to_string, nullptr);
  EXPECT_EQ(tick->fields, nullptr);
  EXPECT_EQ(tick->deliver, nullptr);

  const vigil_plugin_api* progress = PluginTable<ProgressSource>();
  EXPECT_NE(progress->progress, nullptr);
  EXPECT_NE(progress->event_to_string, nullptr);
}

TEST(SdkTableTest, ExtractParseAndAllCapabilities) {
  const vigil_plugin_api* extractor = PluginTable<Extractor>();
  EXPECT_NE(extractor->fields, nullptr);
  EXPECT_STREQ(extractor->extract_event_sources, R"(["tick"])");
  EXPECT_NE(extractor->extract_fields, nullptr);
  EXPECT_EQ(extractor->open, nullptr);

  const vigil_plugin_api* parser = PluginTable<Parser>();
  EXPECT_NE(parser->parse_event_types, nullptr);
  EXPECT_NE(parser->parse_event, nullptr);
  EXPECT_EQ(parser->extract_fields, nullptr);

  FakeHost host(PluginTable<Everything>());
  EXPECT_TRUE(host.loaded()) << host.LastError();
  EXPECT_EQ(host.api()->extract_event_sources, nullptr);
}

// ---- init ----

TEST(SdkInitTest, ConfigReachesTheConstructorAndLogsReachTheHost) {
  FakeHost host(PluginTable<RecordingOutput>());
  ASSERT_TRUE(host.Init(R"({"k": 1})")) << host.LastError();
  auto logs = host.logs();
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].level, VIGIL_LOG_INFO);
  EXPECT_EQ(logs[0].message, R"(recording with {"k": 1})");
  EXPECT_EQ(logs[1].level, VIGIL_LOG_WARNING);
  EXPECT_EQ(logs[1].message, "constructed");
}

TEST(SdkInitTest, ThrowingConstructorFailsInitWithItsMessageAndKeepsAState) {
  const vigil_plugin_api* api = PluginTable<RecordingOutput>();
  vigil_init_input input{R"({"fail": true})", nullptr};  // no host: logging must be a no-op
  vigil_rc rc = VIGIL_OK;
  vigil_plugin* state = api->init(&input, &rc);
  EXPECT_EQ(rc, VIGIL_FAILURE);
  ASSERT_NE(state, nullptr);
  EXPECT_STREQ(api->last_error(state), "bad config: fail");
  // Even from another thread, the state still says why init failed.
  std::string other_thread;
  std::thread([&] { other_thread = api->last_error(state); }).join();
  EXPECT_EQ(other_thread, "bad config: fail");
  api->destroy(state);

  FakeHost host(api);
  EXPECT_FALSE(host.Init(R"({"fail": true})"));
  EXPECT_THAT(host.LastError(), HasSubstr("init failed (rc 1): bad config: fail"));
  EXPECT_FALSE(host.initialized());
  EXPECT_EQ(host.Deliver({Alert{}}), VIGIL_REJECTED);
  EXPECT_THAT(host.LastError(), HasSubstr("not initialized"));
}

TEST(SdkInitTest, NonStandardExceptionIsReportedToo) {
  FakeHost host(PluginTable<RecordingOutput>());
  EXPECT_FALSE(host.Init(R"({"weird": true})"));
  EXPECT_THAT(host.LastError(), HasSubstr("init: unknown exception"));
}

TEST(SdkInitTest, NullConfigIsAnEmptyObject) {
  const vigil_plugin_api* api = PluginTable<RecordingOutput>();
  vigil_init_input input{nullptr, nullptr};
  vigil_rc rc = VIGIL_FAILURE;
  vigil_plugin* state = api->init(&input, &rc);
  EXPECT_EQ(rc, VIGIL_OK);
  EXPECT_STREQ(api->last_error(state), "");
  api->destroy(state);
}

// ---- source ----

TEST(SdkSourceTest, ReadsEveryEventThenEof) {
  FakeHost host(PluginTable<TickSource>());
  ASSERT_TRUE(host.Init());
  ASSERT_TRUE(host.Open());
  std::vector<Record> events = host.ReadAll();
  EXPECT_TRUE(host.eof()) << host.LastError();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].payload(), "tick 2");
  EXPECT_EQ(events[2].ts_ns(), 2u);
}

TEST(SdkSourceTest, ExceptionsAndFailuresBecomeLastError) {
  FakeHost host(PluginTable<TickSource>());
  ASSERT_TRUE(host.Init());
  EXPECT_FALSE(host.Open("refuse"));
  EXPECT_THAT(host.LastError(), HasSubstr("open failed (rc 1): cannot open: refuse"));
  EXPECT_FALSE(host.Open("null"));
  EXPECT_THAT(host.LastError(), HasSubstr("open returned no instance"));

  ASSERT_TRUE(host.Open("throw"));
  std::vector<Record> out;
  EXPECT_EQ(host.NextBatch(&out), VIGIL_FAILURE);
  EXPECT_THAT(host.LastError(), HasSubstr("device gone"));
  host.Close();

  ASSERT_TRUE(host.Open("silent_failure"));
  EXPECT_EQ(host.NextBatch(&out), VIGIL_FAILURE);
  EXPECT_THAT(host.LastError(), HasSubstr("next_batch failed without a message"));
  host.Close();

  ASSERT_TRUE(host.Open("explained_failure"));
  EXPECT_EQ(host.NextBatch(&out), VIGIL_FAILURE);
  EXPECT_THAT(host.LastError(), HasSubstr("): explained"));
}

TEST(SdkSourceTest, LastErrorIsClearedBySuccessAndIsPerThread) {
  const vigil_plugin_api* api = PluginTable<TickSource>();
  vigil_init_input input{"{}", nullptr};
  vigil_rc rc;
  vigil_plugin* state = api->init(&input, &rc);
  ASSERT_EQ(rc, VIGIL_OK);
  vigil_source_instance* instance = nullptr;
  EXPECT_EQ(api->open(state, "refuse", &instance), VIGIL_FAILURE);
  EXPECT_STREQ(api->last_error(state), "cannot open: refuse");
  std::string other_thread = "unset";
  std::thread([&] { other_thread = api->last_error(state); }).join();
  EXPECT_EQ(other_thread, "");
  ASSERT_EQ(api->open(state, "", &instance), VIGIL_OK);
  EXPECT_STREQ(api->last_error(state), "");
  api->close(state, instance);
  api->destroy(state);
}

TEST(SdkSourceTest, FakeHostCatchesABatchWhoseCountLies) {
  FakeHost host(PluginTable<TickSource>());
  ASSERT_TRUE(host.Init());
  ASSERT_TRUE(host.Open("bad_count"));
  std::vector<Record> out;
  EXPECT_EQ(host.NextBatch(&out), VIGIL_FAILURE);
  EXPECT_THAT(host.LastError(), HasSubstr("count says 2 but data holds 1"));
}

TEST(SdkSourceTest, ProgressIsClampedAndEventToStringWorks) {
  FakeHost host(PluginTable<ProgressSource>());
  ASSERT_TRUE(host.Init());
  ASSERT_TRUE(host.Open());
  uint32_t pct = 0;
  EXPECT_EQ(host.Progress(&pct).value_or(""), "all done");
  EXPECT_EQ(pct, 10000u);
  std::vector<Record> events = host.ReadAll(1);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(host.EventToString(events[0]).value_or(""), "tick event: tick 0");
}

// ---- extract ----

TEST(SdkExtractTest, EveryTypeRoundTripsAndResultsStayValidTogether) {
  FakeHost host(PluginTable<Extractor>());
  ASSERT_TRUE(host.Init());
  Record event = Record::Plugin("hello");
  auto values = host.ExtractFields(event, {"x.payload", "x.words", "x.len", "x.neg", "x.flag[1]",
                                           "x.flag", "x.bytes", "x.key[abc]"});
  ASSERT_TRUE(values) << host.LastError();
  EXPECT_EQ((*values)[0].strings, std::vector<std::string>{"hello"});
  EXPECT_EQ((*values)[1].strings, (std::vector<std::string>{"hello", "second", "third"}));
  EXPECT_EQ((*values)[1].ToString(), "(hello,second,third)");
  EXPECT_EQ((*values)[2].u64, std::vector<uint64_t>{5});
  EXPECT_EQ((*values)[3].s64, std::vector<int64_t>{-5});
  EXPECT_EQ((*values)[4].bools, std::vector<bool>{true});
  EXPECT_EQ((*values)[5].bools, std::vector<bool>{false});
  EXPECT_EQ((*values)[6].bytes, std::vector<std::string>{std::string("\0\xff", 2)});
  EXPECT_EQ((*values)[6].ToString(), "00ff");
  EXPECT_EQ((*values)[7].strings, std::vector<std::string>{"key=abc"});

  // Storage is recycled between calls: a second call gives fresh, correct values.
  auto again = host.ExtractFields(Record::Plugin("bye"), {"x.words", "x.payload"});
  ASSERT_TRUE(again) << host.LastError();
  EXPECT_EQ((*again)[0].ToString(), "(bye,second,third)");
  EXPECT_EQ((*again)[1].ToString(), "bye");
}

TEST(SdkExtractTest, TypeMismatchAndExceptionsFailTheCall) {
  FakeHost host(PluginTable<Extractor>());
  ASSERT_TRUE(host.Init());
  Record event = Record::Plugin("hello");
  EXPECT_FALSE(host.Extract(event, "x.wrongtype"));
  EXPECT_THAT(host.LastError(), HasSubstr("field x.wrongtype: value of type 1 set for a field "
                                          "declared as type 2"));
  EXPECT_FALSE(host.Extract(event, "x.throws"));
  EXPECT_THAT(host.LastError(), HasSubstr("cannot extract x.throws"));
  EXPECT_FALSE(host.Extract(event, "x.toomany"));
  EXPECT_THAT(host.LastError(), HasSubstr("not declared as a list"));
}

TEST(SdkExtractTest, FakeHostResolvesFieldNamesAndArguments) {
  FakeHost host(PluginTable<Extractor>());
  ASSERT_TRUE(host.Init());
  Record event = Record::Plugin("hello");
  EXPECT_FALSE(host.Extract(event, "x.nope"));
  EXPECT_THAT(host.LastError(), HasSubstr("x.nope is not among the plugin's fields"));
  EXPECT_FALSE(host.Extract(event, "x.payload[1]"));
  EXPECT_THAT(host.LastError(), HasSubstr("takes no argument"));
  EXPECT_FALSE(host.Extract(event, "x.key"));
  EXPECT_THAT(host.LastError(), HasSubstr("needs an argument"));
  EXPECT_FALSE(host.Extract(event, "x.flag[one]"));
  EXPECT_THAT(host.LastError(), HasSubstr("index is not a number"));
  EXPECT_FALSE(host.Extract(event, "x.flag[1"));
  EXPECT_THAT(host.LastError(), HasSubstr("missing ']'"));
}

// ---- parse ----

TEST(SdkParseTest, TypesAndVoidOrRcParse) {
  FakeHost host(PluginTable<Parser>());
  ASSERT_TRUE(host.Init());
  EXPECT_EQ(host.ParseEventTypes().value(), (std::vector<uint16_t>{VIGIL_EVENT_PLUGIN, 42}));
  EXPECT_TRUE(host.Parse(Record::Plugin("one"))) << host.LastError();
  EXPECT_FALSE(host.Parse(Record::Plugin("boom")));
  EXPECT_THAT(host.LastError(), HasSubstr("parse: boom"));

  FakeHost rc_host(PluginTable<RcParser>());
  ASSERT_TRUE(rc_host.Init());
  EXPECT_FALSE(rc_host.Parse(Record::Plugin("x")));
  EXPECT_THAT(rc_host.LastError(), HasSubstr("parse_event failed without a message"));
}

// ---- output ----

// The plugin object behind a state made by the wrapper, for tests that look inside it.
template <class P>
P* PluginBehind(vigil_plugin* state) {
  return reinterpret_cast<typename vigil::sdk::PluginBinding<P>::State*>(state)->plugin.get();
}

TEST(SdkOutputTest, DeliversFalcoJsonAndReopens) {
  FakeHost host(PluginTable<RecordingOutput>());
  ASSERT_TRUE(host.Init());
  RecordingOutput* plugin = PluginBehind<RecordingOutput>(host.state());
  Alert alert;
  alert.rule = "Shell in container";
  alert.priority = VIGIL_PRIORITY_CRITICAL;
  alert.output_fields = {{"proc.name", "bash"}};
  alert.tags = {"shell", "mitre"};
  Alert with_json;
  with_json.json = R"({"custom":true})";
  EXPECT_EQ(host.Deliver({alert, with_json}), VIGIL_DELIVERED) << host.LastError();
  ASSERT_EQ(plugin->delivered.size(), 2u);
  EXPECT_EQ(plugin->delivered[0],
            R"({"hostname":"testhost",)"
            R"("output":"2023-11-14T22:13:20.000000000Z: Critical test output",)"
            R"("output_fields":{"proc.name":"bash"},"priority":"Critical",)"
            R"("rule":"Shell in container","source":"syscall","tags":["mitre","shell"],)"
            R"("time":"2023-11-14T22:13:20.000000000Z"})");
  EXPECT_EQ(plugin->delivered[1], R"({"custom":true})");
  EXPECT_TRUE(host.Reopen()) << host.LastError();
  EXPECT_EQ(plugin->reopened, 1);
}

TEST(SdkOutputTest, ExceptionsMapToRetryOrReject) {
  const vigil_plugin_api* api = PluginTable<RecordingOutput>();
  vigil_init_input input{"{}", nullptr};
  vigil_rc rc;
  vigil_plugin* state = api->init(&input, &rc);
  ASSERT_EQ(rc, VIGIL_OK);
  RecordingOutput* plugin = PluginBehind<RecordingOutput>(state);
  vigil_alert alert{};
  alert.json = "{}";
  alert.json_len = 2;

  EXPECT_EQ(api->deliver(state, &alert, 1), VIGIL_DELIVERED);
  EXPECT_EQ(plugin->delivered, std::vector<std::string>{"{}"});

  plugin->mode = "throw";
  EXPECT_EQ(api->deliver(state, &alert, 1), VIGIL_RETRY_LATER);
  EXPECT_STREQ(api->last_error(state), "connection refused");

  plugin->mode = "reject";
  EXPECT_EQ(api->deliver(state, &alert, 1), VIGIL_REJECTED);
  EXPECT_STREQ(api->last_error(state), "400: bad payload");

  plugin->mode = "silent_retry";
  EXPECT_EQ(api->deliver(state, &alert, 1), VIGIL_RETRY_LATER);
  EXPECT_STREQ(api->last_error(state), "deliver: retry later without a message");

  EXPECT_EQ(api->reopen(state), VIGIL_OK);
  EXPECT_EQ(plugin->reopened, 1);
  api->destroy(state);
}

}  // namespace
