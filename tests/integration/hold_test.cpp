// Hold until metadata, end to end: `vigil run` with test_parse standing in for an enricher that
// holds a process (hold_process) until its metadata client releases it, or the hold times out.
// The held process's rules run after the release, in order, with what the release brought;
// another process's events go ahead; the counters say what waited and how.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "vigil_process.hpp"

namespace {
namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using vigil::testing::ReadFile;
using vigil::testing::VigilProcess;

class HoldCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-hold-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // pid 1 starts (events 1, 2), then this test's own process (3..8): 20 events/s, so the
    // source runs about 400 ms, past the release or timeout of pid 1's hold.
    std::ofstream events(dir_ / "events.jsonl");
    for (int n = 1; n <= 8; ++n) {
      events << "{\"tid\": " << (n <= 2 ? 1 : ::getpid()) << ", \"n\": " << n << "}\n";
    }
    std::ofstream(dir_ / "rules.yaml")
        << "- rule: every event\n  desc: each event with its process's metadata state\n"
        << "  condition: evt.num > 0\n  output: n=%evt.num released=%parse.released\n"
        << "  priority: INFO\n  source: syscall\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs vigil with test_parse holding pid 1 (by its comm) with `hold`; returns the alerts'
  // "n=N released=B" in the order the output received them.
  std::vector<std::string> Run(const std::string& hold, std::string* log) {
    std::string comm = ReadFile("/proc/1/comm");
    if (!comm.empty()) comm.pop_back();
    fs::path cfg = dir_ / "vigil.yaml";
    std::ofstream(cfg) << "plugin_paths: [" << VIGIL_TEST_PLUGIN_DIR << "]\n"
                       << "rules_files: [" << (dir_ / "rules.yaml").string() << "]\n"
                       << "plugins:\n  - name: test_syscall_jsonl\n"
                       << "    config: {path: " << (dir_ / "events.jsonl").string()
                       << ", rate: 20, batch_size: 1}\n"
                       << "  - name: test_parse\n"
                       << "    config: {hold: {comm: \"" << comm << "\", " << hold << "}}\n"
                       << "outputs:\n  - name: record\n    plugin: test_record\n"
                       << "    config: {path: " << (dir_ / "alerts.jsonl").string() << "}\n";
    VigilProcess vigil(dir_, {"run", "-c", cfg.string()});
    EXPECT_EQ(vigil.Wait(), 0) << vigil.Err();
    *log = vigil.Err();
    std::vector<std::string> alerts;
    std::istringstream lines(ReadFile(dir_ / "alerts.jsonl"));
    std::regex re("n=\\d+ released=\\w+");
    for (std::string line; std::getline(lines, line);) {
      std::smatch m;
      if (std::regex_search(line, m, re)) alerts.push_back(m.str());
    }
    return alerts;
  }

  fs::path dir_;
};

// Where `alert` is in `alerts` (size() when absent).
size_t IndexOf(const std::vector<std::string>& alerts, const std::string& alert) {
  return std::find(alerts.begin(), alerts.end(), alert) - alerts.begin();
}

TEST_F(HoldCli, HeldEventsRunAfterTheReleaseInOrderWhileOthersGoAhead) {
  std::string log;
  auto alerts = Run("timeout_ms: 5000, release_after_ms: 200", &log);
  ASSERT_EQ(alerts.size(), 8u) << log;
  // pid 1's first events waited for their "metadata": their rules saw it.
  size_t first = IndexOf(alerts, "n=1 released=true"),
         second = IndexOf(alerts, "n=2 released=true");
  ASSERT_LT(first, alerts.size()) << log;
  ASSERT_LT(second, alerts.size()) << log;
  EXPECT_EQ(second, first + 1);
  // The other process went ahead: its first event (100 ms in) before the release (200 ms).
  EXPECT_LT(IndexOf(alerts, "n=3 released=false"), first);
  EXPECT_THAT(log, HasSubstr("hold: processes=1 events=2 released=2 timed_out=0 overflowed=0 "
                             "stopped=0 waiting=0"));
  EXPECT_THAT(log, HasSubstr("plugin test_parse: holds=1"));
}

TEST_F(HoldCli, AHoldThatIsNeverReleasedEndsAtItsTimeout) {
  std::string log;
  auto alerts = Run("timeout_ms: 100, release_after_ms: 0", &log);
  ASSERT_EQ(alerts.size(), 8u) << log;
  size_t first = IndexOf(alerts, "n=1 released=false");
  ASSERT_LT(first, alerts.size()) << log;
  EXPECT_EQ(IndexOf(alerts, "n=2 released=false"), first + 1);
  EXPECT_LT(IndexOf(alerts, "n=3 released=false"), first);  // 100 ms in: before the timeout ran
  EXPECT_THAT(log, HasSubstr("hold: processes=1 events=2 released=0 timed_out=2"));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(log, m, std::regex("wait_ms_p50=(\\d+)\\.\\d+ p99=(\\d+)\\.")))
      << log;
  EXPECT_GE(std::stoi(m[2]), 100 * 15 / 16);  // the first event waited the whole timeout
}

}  // namespace
