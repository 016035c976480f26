// Tests of the stdout output plugin, loaded from its shared object through the fake host.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>

#include "vigil/testing/fake_host.hpp"

namespace {

using ::testing::HasSubstr;
using vigil::testing::Alert;
using vigil::testing::FakeHost;

const char kPluginPath[] = VIGIL_PLUGIN_PATH;

// 2026-11-27T20:03:23.123456789Z
constexpr uint64_t kTime = 1795809803ULL * 1000000000ULL + 123456789ULL;

Alert MakeAlert(vigil_priority priority, std::string output, std::string json) {
  Alert a;
  a.time_ns = kTime;
  a.priority = priority;
  a.output = std::move(output);
  a.json = std::move(json);
  return a;
}

// Points fd 1 at `path` for its lifetime.
class StdoutTo {
 public:
  explicit StdoutTo(const char* path) {
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ::dup2(fd, STDOUT_FILENO);
    ::close(fd);
  }
  ~StdoutTo() {
    std::fflush(stdout);
    ::dup2(saved_, STDOUT_FILENO);
    ::close(saved_);
  }

 private:
  int saved_;
};

class StdoutOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil_stdout_XXXXXX";
    const int fd = ::mkstemp(tmpl);
    ASSERT_GE(fd, 0);
    ::close(fd);
    path_ = tmpl;
    // Falco's text time is local time: pin the zone (tzset, as localtime_r need not re-read TZ).
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override { ::unlink(path_.c_str()); }

  // What the plugin configured with `config` writes for `alerts`.
  std::string Captured(const std::string& config, const std::vector<Alert>& alerts,
                       vigil_delivery expect = VIGIL_DELIVERED) {
    FakeHost host(kPluginPath);
    EXPECT_TRUE(host.Init(config)) << host.LastError();
    {
      StdoutTo redirect(path_.c_str());
      EXPECT_EQ(host.Deliver(alerts), expect) << host.LastError();
    }
    std::string out;
    FILE* f = std::fopen(path_.c_str(), "rb");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
    std::fclose(f);
    return out;
  }

  std::string path_;
};

TEST_F(StdoutOutputTest, TextIsFalcosLine) {
  EXPECT_EQ(Captured("{}", {MakeAlert(VIGIL_PRIORITY_WARNING, "Shell (pid=42)", "{}"),
                            MakeAlert(VIGIL_PRIORITY_INFORMATIONAL, "second", "{}")}),
            "20:03:23.123456789: Warning Shell (pid=42)\n"
            "20:03:23.123456789: Informational second\n");
}

TEST_F(StdoutOutputTest, TextTimeIsLocalUnlessIso8601) {
  setenv("TZ", "CET-1", 1);
  tzset();
  const Alert a = MakeAlert(VIGIL_PRIORITY_CRITICAL, "x", "{}");
  EXPECT_EQ(Captured(R"({"format": "text"})", {a}), "21:03:23.123456789: Critical x\n");
  EXPECT_EQ(Captured(R"({"time_format_iso_8601": true})", {a}),
            "2026-11-27T20:03:23.123456789Z: Critical x\n");
}

TEST_F(StdoutOutputTest, JsonIsTheAlertJsonLine) {
  EXPECT_EQ(Captured(R"({"format": "json"})",
                     {MakeAlert(VIGIL_PRIORITY_ERROR, "x", R"({"rule":"a"})"),
                      MakeAlert(VIGIL_PRIORITY_ERROR, "y", R"({"rule":"b\n"})")}),
            "{\"rule\":\"a\"}\n{\"rule\":\"b\\n\"}\n");
}

TEST_F(StdoutOutputTest, WriteErrorAnswersRetryLater) {
  FakeHost host(kPluginPath);
  ASSERT_TRUE(host.Init("{}")) << host.LastError();
  vigil_delivery answer;
  {
    StdoutTo full("/dev/full");
    answer = host.Deliver({MakeAlert(VIGIL_PRIORITY_ERROR, "x", "{}")});
  }
  EXPECT_EQ(answer, VIGIL_RETRY_LATER);
  EXPECT_THAT(host.LastError(), HasSubstr("stdout: write: No space left on device"));
}

TEST_F(StdoutOutputTest, BadConfig) {
  FakeHost good(kPluginPath);
  EXPECT_TRUE(good.Init(R"({"format": "json", "time_format_iso_8601": false})"))
      << good.LastError();

  const std::pair<const char*, const char*> cases[] = {
      {R"({"format": "xml"})",
       "config: key format: must be one of: text, json (got string \"xml\")"},
      {R"({"time_format_iso_8601": "yes"})",
       "config: key time_format_iso_8601: expected boolean, got string \"yes\""},
      {R"({"colour": true})", "config: key colour: unknown key"},
  };
  for (const auto& [config, message] : cases) {
    FakeHost host(kPluginPath);
    EXPECT_FALSE(host.Init(config)) << config;
    EXPECT_EQ(host.LastError(), message) << config;
  }
}

}  // namespace
