#include "vigil/core/alert.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <cstdlib>
#include <ctime>
#include <limits>

namespace vigil::router {
namespace {

// 2026-11-27T20:03:23.123456789Z
constexpr uint64_t kTime = 1795809803ULL * 1'000'000'000ULL + 123456789ULL;

class AlertJsonTest : public ::testing::Test {
 protected:
  // Falco's text time is local time; pin the zone so expectations are fixed.
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    if (tz != nullptr) saved_tz_ = tz;
    had_tz_ = tz != nullptr;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_) {
      setenv("TZ", saved_tz_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

  static Alert Sample() {
    Alert a;
    a.time_ns = kTime;
    a.priority = VIGIL_PRIORITY_WARNING;
    a.rule = "Terminal shell in container";
    a.source = "syscall";
    a.hostname = "node-1";
    a.output = "A shell was spawned (user=root pid=42)";
    a.output_fields = {{"user.name", std::string("root")},
                       {"proc.pid", int64_t{42}},
                       {"evt.time", uint64_t{kTime}}};
    a.tags = {"shell", "container", "mitre_execution"};
    return a;
  }

 private:
  std::string saved_tz_;
  bool had_tz_ = false;
};

TEST_F(AlertJsonTest, MatchesFalcoByteForByte) {
  EXPECT_EQ(RenderAlertJson(Sample()),
            R"({"hostname":"node-1",)"
            R"j("output":"20:03:23.123456789: Warning A shell was spawned (user=root pid=42)",)j"
            R"("output_fields":{"evt.time":1795809803123456789,"proc.pid":42,"user.name":"root"},)"
            R"("priority":"Warning","rule":"Terminal shell in container","source":"syscall",)"
            R"("tags":["container","mitre_execution","shell"],)"
            R"("time":"2026-11-27T20:03:23.123456789Z"})");
}

TEST_F(AlertJsonTest, OptionsFollowFalcoSwitches) {
  AlertJsonOptions o;
  o.time_format_iso_8601 = true;
  o.include_message = true;
  o.include_tags = false;
  o.include_output_fields = false;
  EXPECT_EQ(RenderAlertJson(Sample(), o),
            R"j({"hostname":"node-1","message":"A shell was spawned (user=root pid=42)",)j"
            R"("output":"2026-11-27T20:03:23.123456789Z: Warning A shell was spawned )"
            R"j((user=root pid=42)","priority":"Warning","rule":"Terminal shell in container",)j"
            R"("source":"syscall","time":"2026-11-27T20:03:23.123456789Z"})");
  o = AlertJsonOptions{};
  o.include_output = false;
  EXPECT_EQ(RenderAlertJson(Alert{}, o),
            R"({"hostname":"","output_fields":{},"priority":"Debug","rule":"","source":"",)"
            R"("tags":[],"time":"1970-01-01T00:00:00.000000000Z"})");
}

TEST_F(AlertJsonTest, TimeKeepsEveryNanosecond) {
  EXPECT_EQ(alert_format::FormatTimeIso8601(0), "1970-01-01T00:00:00.000000000Z");
  EXPECT_EQ(alert_format::FormatTimeIso8601(1'000'000'005), "1970-01-01T00:00:01.000000005Z");
  EXPECT_EQ(alert_format::FormatTimeIso8601(kTime), "2026-11-27T20:03:23.123456789Z");
  EXPECT_EQ(alert_format::FormatTimeOfDay(kTime), "20:03:23.123456789");
  EXPECT_EQ(alert_format::FormatTimeOfDay(999'999'999), "00:00:00.999999999");
}

TEST_F(AlertJsonTest, TextTimeIsLocal) {
  setenv("TZ", "CET-1", 1);  // fixed +01:00, no DST rules
  tzset();
  EXPECT_EQ(alert_format::FormatTimeOfDay(kTime), "21:03:23.123456789");
  auto line = [](const Alert& a, bool iso) {
    std::string out;
    alert_format::AppendAlertLine(a.time_ns, a.priority, a.output, iso, &out);
    return out;
  };
  EXPECT_EQ(line(Sample(), false),
            "21:03:23.123456789: Warning A shell was spawned (user=root pid=42)");
  // ISO 8601 stays UTC.
  EXPECT_EQ(line(Sample(), true),
            "2026-11-27T20:03:23.123456789Z: Warning A shell was spawned (user=root pid=42)");
}

// Each input string, rendered as the rule name, gives the JSON string literal nlohmann (Falco)
// prints for it.
TEST_F(AlertJsonTest, EscapesLikeFalco) {
  const std::pair<std::string, std::string> cases[] = {
      {"plain /path", R"("plain /path")"},
      {"q\"b\\", R"("q\"b\\")"},
      {"\b\f\n\r\t", R"("\b\f\n\r\t")"},
      {std::string("\x00\x01\x1f", 3), R"("\u0000\u0001\u001f")"},
      {"\x7f", "\"\x7f\""},  // DEL is not escaped
      {"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
       "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\""},
      {"a\xff"
       "b",
       "\"a\xef\xbf\xbd"
       "b\""},                           // never valid
      {"\xc3", "\"\xef\xbf\xbd\""},      // truncated at the end
      {"\xe2\x82", "\"\xef\xbf\xbd\""},  // one per maximal subpart
      {"\xe2\x82"
       "A",
       "\"\xef\xbf\xbd"
       "A\""},                                                       // the breaking byte is kept
      {"\xe0\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},  // overlong
      {"\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},  // surrogate
      {"\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""},  // > U+10FFFF
      {"\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\""},
  };
  for (const auto& [in, want] : cases) {
    Alert a;
    a.rule = in;
    AlertJsonOptions o;
    o.include_output = false;
    o.include_output_fields = false;
    o.include_tags = false;
    EXPECT_EQ(RenderAlertJson(a, o), R"({"hostname":"","priority":"Debug","rule":)" + want +
                                         R"(,"source":"","time":"1970-01-01T00:00:00.000000000Z"})")
        << "input: " << in;
  }
}

TEST_F(AlertJsonTest, TypedAndNullOutputFields) {
  Alert a;
  a.output_fields = {
      {"z.null", std::monostate{}},
      {"s", std::string("x\ny")},
      {"i", int64_t{-7}},
      {"u", std::numeric_limits<uint64_t>::max()},
      {"b.true", true},
      {"b.false", false},
      {"d", 1.5},
      {"nan", std::nan("")},
      {"dup", int64_t{1}},
      {"dup", int64_t{2}},  // the later wins
      {"k\"ey", std::string("v")},
      {"list", std::vector<AlertFieldItem>{std::string("a\"b"), uint64_t{443}, int64_t{-1}, true}},
  };
  AlertJsonOptions o;
  o.include_output = false;
  o.include_tags = false;
  EXPECT_EQ(RenderAlertJson(a, o),
            R"({"hostname":"","output_fields":{"b.false":false,"b.true":true,"d":1.5,"dup":2,)"
            R"("i":-7,"k\"ey":"v","list":["a\"b",443,-1,true],"nan":null,"s":"x\ny",)"
            R"("u":18446744073709551615,"z.null":null},)"
            R"("priority":"Debug","rule":"","source":"","time":"1970-01-01T00:00:00.000000000Z"})");
}

TEST_F(AlertJsonTest, IsValidJsonAndAppends) {
  std::string out = "prefix";
  AppendAlertJson(Sample(), {}, &out);
  ASSERT_EQ(out.rfind("prefix{", 0), 0u);
  rapidjson::Document d;
  d.Parse(out.c_str() + 6);
  ASSERT_FALSE(d.HasParseError());
  EXPECT_STREQ(d["priority"].GetString(), "Warning");
  EXPECT_EQ(d["output_fields"]["evt.time"].GetUint64(), kTime);
  EXPECT_EQ(d["tags"].Size(), 3u);
}

TEST(PriorityTest, NamesAndParsing) {
  const char* names[] = {"Emergency", "Alert",  "Critical",      "Error",
                         "Warning",   "Notice", "Informational", "Debug"};
  for (int p = VIGIL_PRIORITY_EMERGENCY; p <= VIGIL_PRIORITY_DEBUG; ++p) {
    const auto prio = static_cast<vigil_priority>(p);
    EXPECT_EQ(alert_format::PriorityName(prio), names[p]);
    EXPECT_EQ(alert_format::ParsePriority(names[p]), prio);
  }
  EXPECT_EQ(alert_format::ParsePriority("warning"), VIGIL_PRIORITY_WARNING);
  EXPECT_EQ(alert_format::ParsePriority("CRITICAL"), VIGIL_PRIORITY_CRITICAL);
  EXPECT_EQ(alert_format::ParsePriority("info"), VIGIL_PRIORITY_INFORMATIONAL);
  EXPECT_EQ(alert_format::ParsePriority("Info"), VIGIL_PRIORITY_INFORMATIONAL);
  EXPECT_EQ(alert_format::ParsePriority("informational"), VIGIL_PRIORITY_INFORMATIONAL);
  EXPECT_EQ(alert_format::ParsePriority("warn"), std::nullopt);
  EXPECT_EQ(alert_format::ParsePriority(""), std::nullopt);
  EXPECT_EQ(alert_format::ParsePriority("Debug "), std::nullopt);
}

TEST(AlertViewTest, PointsIntoTheAlert) {
  Alert a;
  a.time_ns = 42;
  a.priority = VIGIL_PRIORITY_ERROR;
  a.rule = "r";
  a.source = "syscall";
  a.hostname = "h";
  a.output = "o";
  a.tags = {"b", "a"};
  const std::string json = RenderAlertJson(a);
  std::vector<const char*> tags;
  vigil_alert v;
  FillAlertView(a, json, &tags, &v);
  EXPECT_EQ(v.time_ns, 42u);
  EXPECT_EQ(v.priority, static_cast<uint32_t>(VIGIL_PRIORITY_ERROR));
  EXPECT_EQ(v.rule, a.rule.c_str());
  EXPECT_STREQ(v.source, "syscall");
  EXPECT_STREQ(v.hostname, "h");
  EXPECT_STREQ(v.output, "o");
  ASSERT_EQ(v.ntags, 2u);
  EXPECT_STREQ(v.tags[0], "b");  // the alert's order; the JSON sorts
  EXPECT_STREQ(v.tags[1], "a");
  EXPECT_EQ(std::string(v.json, v.json_len), json);
  EXPECT_EQ(v.json[v.json_len], '\0');

  Alert empty;
  FillAlertView(empty, json, &tags, &v);
  EXPECT_EQ(v.ntags, 0u);
  EXPECT_EQ(v.tags, nullptr);
}

}  // namespace
}  // namespace vigil::router
