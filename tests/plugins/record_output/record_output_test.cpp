// Tests of the test_record plugin, loaded from its shared object through the fake host.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
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

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

Alert WithJson(std::string json) {
  Alert a;
  a.json = std::move(json);
  return a;
}

class RecordOutputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "vigil_record_XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ / "alerts.jsonl";
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

TEST_F(RecordOutputTest, AppendsEachAlertJsonAsALine) {
  auto host = Started();
  ASSERT_EQ(host->Deliver({WithJson(R"({"a":1})"), WithJson(R"({"b":2})")}), VIGIL_DELIVERED);
  ASSERT_EQ(host->Deliver({WithJson(R"({"c":3})")}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");
}

TEST_F(RecordOutputTest, ScriptedAnswers) {
  auto retry = Started(R"(, "answer": "retry_later")");
  EXPECT_EQ(retry->Deliver({WithJson("{}")}), VIGIL_RETRY_LATER);
  EXPECT_THAT(retry->LastError(), HasSubstr("scripted retry_later"));
  auto rejected = Started(R"(, "answer": "rejected")");
  EXPECT_EQ(rejected->Deliver({WithJson("{}")}), VIGIL_REJECTED);
  EXPECT_THAT(rejected->LastError(), HasSubstr("scripted rejected"));
  EXPECT_EQ(ReadFile(path_), "");
}

TEST_F(RecordOutputTest, FailTimesThenDelivers) {
  auto host = Started(R"(, "fail_times": 2)");
  EXPECT_EQ(host->Deliver({WithJson("{\"n\":1}")}), VIGIL_RETRY_LATER);
  EXPECT_EQ(host->Deliver({WithJson("{\"n\":1}")}), VIGIL_RETRY_LATER);
  EXPECT_EQ(host->Deliver({WithJson("{\"n\":1}")}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(path_), "{\"n\":1}\n");
}

TEST_F(RecordOutputTest, ReopenAfterRenameWritesANewFile) {
  auto host = Started();
  ASSERT_EQ(host->Deliver({WithJson("{\"old\":1}")}), VIGIL_DELIVERED);
  fs::rename(path_, dir_ / "alerts.jsonl.1");
  ASSERT_TRUE(host->Reopen()) << host->LastError();
  ASSERT_EQ(host->Deliver({WithJson("{\"new\":1}")}), VIGIL_DELIVERED);
  EXPECT_EQ(ReadFile(dir_ / "alerts.jsonl.1"), "{\"old\":1}\n");
  EXPECT_EQ(ReadFile(path_), "{\"new\":1}\n");
}

TEST_F(RecordOutputTest, BadConfig) {
  FakeHost good(kPluginPath);
  EXPECT_TRUE(
      good.Init(R"({"path": ")" + path_.string() + R"(", "answer": "rejected", "fail_times": 3})"))
      << good.LastError();

  const std::pair<const char*, const char*> cases[] = {
      {R"({})", "config: key path: required key missing"},
      {R"({"path": "/x", "answer": "maybe"})",
       "config: key answer: must be one of: delivered, retry_later, rejected (got string "
       "\"maybe\")"},
      {R"({"path": "/x", "fail_times": -1})", "config: key fail_times: must be >= 0"},
      {R"({"path": "/x", "colour": "red"})", "config: key colour: unknown key"},
  };
  for (const auto& [config, message] : cases) {
    FakeHost host(kPluginPath);
    EXPECT_FALSE(host.Init(config)) << config;
    EXPECT_EQ(host.LastError(), message) << config;
  }
  FakeHost unwritable(kPluginPath);
  EXPECT_FALSE(unwritable.Init(R"({"path": "/nonexistent-dir/x"})"));
  EXPECT_THAT(unwritable.LastError(), HasSubstr("/nonexistent-dir/x: open:"));
}

}  // namespace
