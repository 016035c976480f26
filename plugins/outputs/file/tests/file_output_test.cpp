// Tests of the file output plugin, loaded from its shared object through the fake host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include "vigil/testing/fake_host.hpp"

namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using vigil::testing::Alert;
using vigil::testing::FakeHost;

const char kPluginPath[] = VIGIL_PLUGIN_PATH;

// 2026-11-27T20:03:23.123456789Z
constexpr uint64_t kTime = 1795809803ULL * 1000000000ULL + 123456789ULL;

Alert MakeAlert(std::string json, std::string output = "out",
                vigil_priority priority = VIGIL_PRIORITY_WARNING) {
  Alert a;
  a.time_ns = kTime;
  a.priority = priority;
  a.output = std::move(output);
  a.json = std::move(json);
  return a;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class FileOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vigil_file_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "alerts.log";
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<FakeHost> Started(const std::string& extra = "") {
    auto host = std::make_unique<FakeHost>(kPluginPath);
    EXPECT_TRUE(host->Init(R"({"path": ")" + path_.string() + "\"" + extra + "}"))
        << host->LastError();
    return host;
  }

  fs::path dir_;
  fs::path path_;
};

TEST_F(FileOutputTest, JsonLinesByDefault) {
  auto host = Started();
  ASSERT_EQ(host->Deliver({MakeAlert(R"({"rule":"a"})"), MakeAlert(R"({"rule":"b"})")}),
            VIGIL_DELIVERED);
  ASSERT_EQ(host->Deliver({MakeAlert(R"({"rule":"c"})")}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "{\"rule\":\"a\"}\n{\"rule\":\"b\"}\n{\"rule\":\"c\"}\n");
}

TEST_F(FileOutputTest, AppendsToAnExistingFileWithMode) {
  std::ofstream(path_) << "kept\n";
  auto host = Started(R"(, "format": "text", "mode": "0600")");
  ASSERT_EQ(host->Deliver({MakeAlert("{}", "Shell (pid=1)", VIGIL_PRIORITY_CRITICAL)}),
            VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "kept\n20:03:23.123456789: Critical Shell (pid=1)\n");

  fs::path fresh = dir_ / "fresh.log";
  FakeHost other(kPluginPath);
  ASSERT_TRUE(other.Init(R"({"path": ")" + fresh.string() + R"(", "mode": "0600"})"));
  struct stat st {};
  ASSERT_EQ(::stat(fresh.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FileOutputTest, TextWithIso8601) {
  auto host = Started(R"(, "format": "text", "time_format_iso_8601": true)");
  ASSERT_EQ(host->Deliver({MakeAlert("{}", "x", VIGIL_PRIORITY_DEBUG)}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "2026-11-27T20:03:23.123456789Z: Debug x\n");
}

TEST_F(FileOutputTest, ReopenAfterRenameWritesANewFile) {
  auto host = Started();
  ASSERT_EQ(host->Deliver({MakeAlert(R"({"n":1})")}), VIGIL_DELIVERED);
  fs::rename(path_, dir_ / "alerts.log.1");                              // logrotate
  ASSERT_EQ(host->Deliver({MakeAlert(R"({"n":2})")}), VIGIL_DELIVERED);  // still the moved file
  ASSERT_TRUE(host->Reopen()) << host->LastError();                      // SIGHUP
  ASSERT_EQ(host->Deliver({MakeAlert(R"({"n":3})")}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(dir_ / "alerts.log.1"), "{\"n\":1}\n{\"n\":2}\n");
  EXPECT_EQ(ReadFile(path_), "{\"n\":3}\n");
}

TEST_F(FileOutputTest, ReopenFailureIsRetriedOnDelivery) {
  fs::path sub = dir_ / "sub";
  fs::create_directory(sub);
  path_ = sub / "alerts.log";
  auto host = Started();
  fs::rename(sub, dir_ / "sub.old");
  EXPECT_FALSE(host->Reopen());
  EXPECT_THAT(host->LastError(), HasSubstr(path_.string() + ": open: No such file or directory"));
  EXPECT_EQ(host->Deliver({MakeAlert(R"({"n":1})")}), VIGIL_RETRY_LATER);
  EXPECT_THAT(host->LastError(), HasSubstr(path_.string() + ": open:"));
  fs::create_directory(sub);
  EXPECT_EQ(host->Deliver({MakeAlert(R"({"n":1})")}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "{\"n\":1}\n");
}

TEST_F(FileOutputTest, WriteErrorAnswersRetryLater) {
  FakeHost host(kPluginPath);
  ASSERT_TRUE(host.Init(R"({"path": "/dev/full"})")) << host.LastError();
  EXPECT_EQ(host.Deliver({MakeAlert("{}")}), VIGIL_RETRY_LATER);
  EXPECT_THAT(host.LastError(), HasSubstr("/dev/full: write: No space left on device"));
}

// A short write (here: the file size limit) leaves part of a batch in the file; the router's retry
// of the same batch writes only the rest, so every line is there once and whole.
TEST_F(FileOutputTest, RetryAfterShortWriteCompletesTheBatch) {
  auto host = Started();
  const std::vector<Alert> batch = {MakeAlert(R"({"n":1111})"), MakeAlert(R"({"n":2222})")};
  std::signal(SIGXFSZ, SIG_IGN);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = 15;  // the first line (11 bytes) and 4 bytes of the second
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  const vigil_delivery first = host->Deliver(batch);
  const std::string error = host->LastError();
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, SIG_DFL);
  EXPECT_EQ(first, VIGIL_RETRY_LATER);
  EXPECT_THAT(error, HasSubstr(": write: File too large"));
  EXPECT_EQ(ReadFile(path_), "{\"n\":1111}\n{\"n\"");

  ASSERT_EQ(host->Deliver(batch), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "{\"n\":1111}\n{\"n\":2222}\n");

  // A batch given up mid-line gets its line ended before the next one.
  std::signal(SIGXFSZ, SIG_IGN);
  limited.rlim_cur = 26;  // 4 bytes of the line
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  EXPECT_EQ(host->Deliver({MakeAlert(R"({"n":3333})")}), VIGIL_RETRY_LATER);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &saved), 0);
  std::signal(SIGXFSZ, SIG_DFL);
  ASSERT_EQ(host->Deliver({MakeAlert(R"({"n":4444})")}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "{\"n\":1111}\n{\"n\":2222}\n{\"n\"\n{\"n\":4444}\n");
}

TEST_F(FileOutputTest, BadConfig) {
  FakeHost good(kPluginPath);
  EXPECT_TRUE(good.Init(R"({"path": ")" + path_.string() +
                        R"(", "format": "text", "time_format_iso_8601": true, "mode": "0600"})"))
      << good.LastError();

  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "config: key path: required key missing"},
      {R"({"path": ""})", "config: key path: must be at least 1 characters long"},
      {R"({"path": "/x", "format": "xml"})",
       "config: key format: must be one of: json, text (got string \"xml\")"},
      {R"({"path": "/x", "mode": "0999"})",
       "config: key mode: must match the pattern \"^0?[0-7]{3}$\""},
      {R"({"path": "/x", "mode": 640})", "config: key mode: expected string, got integer 640"},
      {R"({"path": "/x", "colour": "red"})", "config: key colour: unknown key"},
      {R"({"path": "/nonexistent-dir/alerts.log"})",
       "/nonexistent-dir/alerts.log: open: No such file or directory"},
  };
  for (const auto& [config, message] : cases) {
    FakeHost host(kPluginPath);
    EXPECT_FALSE(host.Init(config)) << config;
    EXPECT_THAT(host.LastError(), HasSubstr(message)) << config;
  }
}

}  // namespace
