// Rules reload in the real binary: a changed rules file and SIGHUP swap in a new rule set while
// events flow, without losing or repeating an event and without restarting the source; a broken
// file keeps the running rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "vigil_process.hpp"

namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using vigil::testing::VigilProcess;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Replaces `path` in one step (rename), as editors and config management do.
void WriteAtomically(const fs::path& path, const std::string& text) {
  fs::path tmp = path;
  tmp += ".tmp";
  std::ofstream(tmp) << text;
  fs::rename(tmp, path);
}

std::string Rule(const std::string& name, const std::string& condition = "evt.type = openat") {
  return "- rule: " + name + "\n  desc: every openat\n  condition: " + condition +
         "\n  output: \"" + name + " %evt.num\"\n  priority: NOTICE\n";
}

class RulesReload : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-reload-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream events(dir_ / "events.jsonl");
    for (int i = 0; i < kLines; ++i) events << "{\"type\": \"openat\", \"n\": " << i << "}\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static constexpr int kLines = 500;
  static constexpr int kLoops = 16;  // 8000 events at 1000/s: the reloads happen mid-stream
  fs::path dir_;
};

TEST_F(RulesReload, NewRulesSwapInWithoutLosingEventsOrRestartingSources) {
  fs::path rules = dir_ / "rules.yaml";
  WriteAtomically(rules, Rule("A"));
  fs::path cfg = dir_ / "vigil.yaml";
  std::ofstream(cfg) << "plugin_paths: [" << VIGIL_PLUGIN_DIR << ", " << VIGIL_TEST_PLUGIN_DIR
                     << "]\nrules_files: [" << rules.string() << "]\nplugins:\n"
                     << "  - name: test_syscall_jsonl\n    config: {path: "
                     << (dir_ / "events.jsonl").string() << ", rate: 1000, loops: " << kLoops
                     << "}\noutputs:\n  - name: record\n    plugin: test_record\n"
                     << "    config: {path: " << (dir_ / "alerts.jsonl").string() << "}\n";
  VigilProcess vigil(dir_, {"run", "-c", cfg.string()});
  ASSERT_TRUE(vigil.WaitForLog("vigil running")) << vigil.Err();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));

  // 1. The file changes: the watcher reloads it.
  WriteAtomically(rules, Rule("B"));
  ASSERT_TRUE(vigil.WaitForLog("rules reloaded (a rules file changed)")) << vigil.Err();
  std::this_thread::sleep_for(std::chrono::milliseconds(800));

  // 2. A broken file: the reload fails and B keeps running.
  WriteAtomically(rules, Rule("C", "evt.type = openat and proc.nope = 1"));
  ASSERT_TRUE(vigil.WaitForLog("failed with")) << vigil.Err();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // 3. Fixed, and reloaded by SIGHUP.
  WriteAtomically(rules, Rule("D"));
  vigil.Signal(SIGHUP);
  ASSERT_TRUE(vigil.WaitForLog("rules reloaded (SIGHUP)")) << vigil.Err();
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();

  // Every event raised exactly one alert, in order, from the rule set current at the time.
  std::regex line_re(R"re("evt.num":(\d+).*"rule":"([A-D])")re");
  std::map<std::string, int> per_rule;
  uint64_t expected = 1;
  std::string last_rule = "A";
  std::istringstream alerts(ReadFile(dir_ / "alerts.jsonl"));
  for (std::string line; std::getline(alerts, line);) {
    std::smatch m;
    ASSERT_TRUE(std::regex_search(line, m, line_re)) << line;
    EXPECT_EQ(std::stoull(m[1]), expected) << "an event lost or repeated at " << line;
    expected = std::stoull(m[1]) + 1;
    EXPECT_GE(m[2].str(), last_rule) << "rule sets go forward only: " << line;
    last_rule = m[2];
    ++per_rule[m[2]];
  }
  EXPECT_EQ(expected - 1, static_cast<uint64_t>(kLines * kLoops));
  EXPECT_GT(per_rule["A"], 0);
  EXPECT_GT(per_rule["B"], 0);
  EXPECT_EQ(per_rule["C"], 0);  // the broken set never ran
  EXPECT_GT(per_rule["D"], 0);
  // The source was opened once and read everything: one start, exact counters.
  std::string err = vigil.Err();
  EXPECT_EQ(err.find("vigil running"), err.rfind("vigil running"));
  EXPECT_THAT(err, HasSubstr("unknown field 'proc.nope'"));
  const std::string n = std::to_string(kLines * kLoops);
  EXPECT_THAT(err, HasSubstr("read=" + n + " queued=" + n + " dropped=0 invalid=0 processed=" + n));
  EXPECT_THAT(err, HasSubstr("matches=" + n + " rule sets=3"));
}

TEST_F(RulesReload, BrokenRulesAtStartupStopVigilWithTheReason) {
  fs::path rules = dir_ / "rules.yaml";
  WriteAtomically(rules, Rule("A", "evt.type = openat and ("));
  fs::path cfg = dir_ / "vigil.yaml";
  std::ofstream(cfg) << "plugin_paths: [" << VIGIL_TEST_PLUGIN_DIR << "]\nrules_files: ["
                     << rules.string() << "]\n";
  VigilProcess vigil(dir_, {"run", "-c", cfg.string()});
  EXPECT_EQ(vigil.Wait(), 1);
  EXPECT_THAT(vigil.Err(), HasSubstr("rules.yaml:"));
  EXPECT_THAT(vigil.Err(), HasSubstr("never closed"));
}

}  // namespace
