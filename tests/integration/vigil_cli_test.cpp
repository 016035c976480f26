// Runs the real vigil binary against the test plugins (tests/plugins) and checks what an operator
// sees: events flowing, exact counters, drop alerts reaching an output, clean shutdown on signals,
// and clear errors for bad configs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "cgroup_container.hpp"
#include "vigil_process.hpp"

namespace {
namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;
using vigil::testing::ReadFile;
using vigil::testing::VigilProcess;

struct Counters {
  uint64_t read, queued, dropped, invalid, processed;
};

// Parses the "final counters" log line for one source.
std::optional<Counters> FinalCounters(const std::string& log, const std::string& source) {
  std::regex re("final counters: .*source " + source +
                ": read=(\\d+) queued=(\\d+) dropped=(\\d+) invalid=(\\d+) processed=(\\d+)");
  std::smatch m;
  if (!std::regex_search(log, m, re)) return std::nullopt;
  return Counters{std::stoull(m[1]), std::stoull(m[2]), std::stoull(m[3]), std::stoull(m[4]),
                  std::stoull(m[5])};
}

class VigilCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vigil-cli-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::ofstream events(dir_ / "events.jsonl");
    for (int i = 0; i < 1000; ++i) events << "{\"n\": " << i << ", \"name\": \"e" << i << "\"}\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A config with the test source and the recording output; `source_extra` and `engine` are
  // YAML lines added to the source's config and to engine:.
  fs::path WriteConfig(const std::string& source_config, const std::string& engine = "") {
    fs::path cfg = dir_ / "vigil.yaml";
    std::ofstream(cfg) << "plugin_paths: [" << VIGIL_PLUGIN_DIR << ", " << VIGIL_TEST_PLUGIN_DIR << "]\n"
                       << "rules_files: []\n"
                       << "plugins:\n"
                       << "  - name: test_jsonl\n"
                       << "    config: {path: " << (dir_ / "events.jsonl").string() << ", "
                       << source_config << "}\n"
                       << "outputs:\n"
                       << "  - name: record\n"
                       << "    plugin: test_record\n"
                       << "    config: {path: " << (dir_ / "alerts.jsonl").string() << "}\n"
                       << "engine: {shutdown_timeout_ms: 5000" << engine << "}\n";
    return cfg;
  }

  fs::path dir_;
};

TEST_F(VigilCli, EventsFlowToTheEngineAndVigilExitsAtEndOfSource) {
  VigilProcess vigil(dir_, {"run", "-c", WriteConfig("batch_size: 64").string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  auto c = FinalCounters(vigil.Err(), "test_jsonl");
  ASSERT_TRUE(c) << vigil.Err();
  EXPECT_EQ(c->read, 1000u);
  EXPECT_EQ(c->queued, 1000u);
  EXPECT_EQ(c->dropped, 0u);
  EXPECT_EQ(c->invalid, 0u);
  EXPECT_EQ(c->processed, 1000u);
  EXPECT_THAT(vigil.Err(), HasSubstr("vigil running: sources [test_jsonl], outputs [record]"));
  // The replay's progress, polled after its last batch.
  EXPECT_THAT(vigil.Err(), HasSubstr("processed=1000 progress=100.00% (1000/1000 events)"));
}

TEST_F(VigilCli, DropsAtAFullQueueAreCountedExactlyAndRaiseAnAlert) {
  // One batch of 1000 events meets a queue of 100: 100 queued, 900 dropped, exactly.
  VigilProcess vigil(dir_, {"run", "-c",
                            WriteConfig("batch_size: 1000", ", queue_capacity: 100, on_full: drop")
                                .string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  auto c = FinalCounters(vigil.Err(), "test_jsonl");
  ASSERT_TRUE(c) << vigil.Err();
  EXPECT_EQ(c->read, 1000u);
  EXPECT_EQ(c->queued, 100u);
  EXPECT_EQ(c->dropped, 900u);
  EXPECT_EQ(c->processed, 100u);
  std::string alerts = ReadFile(dir_ / "alerts.jsonl");
  EXPECT_THAT(alerts, HasSubstr("\"rule\":\"vigil internal: event drop\""));
  EXPECT_THAT(alerts, HasSubstr("\"n_drops\":900"));
  EXPECT_THAT(alerts, HasSubstr("\"priority\":\"Critical\""));
}

class VigilSignals : public VigilCli, public ::testing::WithParamInterface<int> {};

TEST_P(VigilSignals, StopsDrainsAndExitsZero) {
  // An endless, paced source: only a signal ends this run.
  VigilProcess vigil(dir_, {"run", "-c",
                            WriteConfig("batch_size: 10, rate: 2000, loops: 1000000").string()});
  ASSERT_TRUE(vigil.WaitForLog("vigil running")) << vigil.Err();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto sent = Clock::now();
  vigil.Signal(GetParam());
  ASSERT_EQ(vigil.Wait(std::chrono::seconds(20)), 0) << vigil.Err();
  EXPECT_LT(Clock::now() - sent, std::chrono::seconds(10));
  auto c = FinalCounters(vigil.Err(), "test_jsonl");
  ASSERT_TRUE(c) << vigil.Err();
  EXPECT_GT(c->read, 0u);
  EXPECT_EQ(c->read, c->queued + c->dropped);
  EXPECT_EQ(c->processed, c->queued);  // drained: nothing queued was lost
  EXPECT_EQ(c->dropped, 0u);           // block policy
}

INSTANTIATE_TEST_SUITE_P(SigtermAndSigint, VigilSignals, ::testing::Values(SIGTERM, SIGINT));

TEST_F(VigilCli, SighupMakesTheFileOutputReopenItsPath) {
  // logrotate's move-then-HUP: after SIGHUP the file output writes to a new file at its path.
  fs::path cfg = dir_ / "hup.yaml";
  fs::path log = dir_ / "vigil-alerts.json";
  std::ofstream(cfg) << "plugin_paths: [" << VIGIL_PLUGIN_DIR << ", " << VIGIL_TEST_PLUGIN_DIR
                     << "]\nrules_files: []\nplugins:\n  - name: test_jsonl\n"
                     << "    config: {path: " << (dir_ / "events.jsonl").string()
                     << ", rate: 1000, loops: 1000000}\n"
                     << "outputs:\n  - name: file\n    config: {path: " << log.string() << "}\n";
  VigilProcess vigil(dir_, {"run", "-c", cfg.string()});
  ASSERT_TRUE(vigil.WaitForLog("vigil running")) << vigil.Err();
  ASSERT_TRUE(fs::exists(log));
  fs::rename(log, dir_ / "vigil-alerts.json.1");
  vigil.Signal(SIGHUP);
  ASSERT_TRUE(vigil.WaitForLog("SIGHUP received: reopening outputs")) << vigil.Err();
  auto deadline = Clock::now() + std::chrono::seconds(30);
  while (!fs::exists(log) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(fs::exists(log)) << vigil.Err();
  vigil.Signal(SIGTERM);
  EXPECT_EQ(vigil.Wait(), 0) << vigil.Err();
}

TEST_F(VigilCli, ValidateAcceptsAGoodConfig) {
  VigilProcess vigil(dir_, {"validate", "-c", WriteConfig("rate: 5").string()});
  EXPECT_EQ(vigil.Wait(), 0) << vigil.Err();
  EXPECT_THAT(vigil.Out(), HasSubstr("valid"));
}

TEST_F(VigilCli, ValidateNamesTheFileLineAndPluginOfABadPluginConfig) {
  fs::path cfg = WriteConfig("rate: fast");
  VigilProcess vigil(dir_, {"validate", "-c", cfg.string()});
  EXPECT_EQ(vigil.Wait(), 1);
  // The source's config is on line 5 of the file written above.
  EXPECT_THAT(vigil.Err(), HasSubstr(cfg.string() + ":5:"));
  EXPECT_THAT(vigil.Err(), HasSubstr("plugin test_jsonl: key rate:"));
}

TEST_F(VigilCli, ValidateReportsUnknownTopLevelKeys) {
  fs::path cfg = dir_ / "bad.yaml";
  std::ofstream(cfg) << "log:\n  level: info\noutptus: []\n";
  VigilProcess vigil(dir_, {"validate", "--json", "-c", cfg.string()});
  EXPECT_EQ(vigil.Wait(), 1);
  EXPECT_THAT(vigil.Out(), HasSubstr("\"valid\": false"));
  EXPECT_THAT(vigil.Out(), HasSubstr(cfg.string() + ":3:1"));
  EXPECT_THAT(vigil.Out(), HasSubstr("outptus"));
}

TEST_F(VigilCli, ValidateReportsAMissingPluginWithItsPlace) {
  fs::path cfg = dir_ / "missing.yaml";
  std::ofstream(cfg) << "plugin_paths: [" << VIGIL_TEST_PLUGIN_DIR << "]\nrules_files: []\n"
                     << "plugins:\n  - name: nosuchplugin\n";
  VigilProcess vigil(dir_, {"validate", "-c", cfg.string()});
  EXPECT_EQ(vigil.Wait(), 1);
  EXPECT_THAT(vigil.Err(), HasSubstr(cfg.string() + ":4:5: plugins[0] (nosuchplugin): plugin "
                                                    "library 'libnosuchplugin.so' not found"));
}

// A plugin that fails to load is the one error: the rules' uses of its fields (a class no loaded
// plugin has) are not reported again, a typo in a loaded class still is, and the summary counts it.
TEST_F(VigilCli, ValidateReportsABrokenPluginOnceNotEachUseOfItsFields) {
  std::ofstream(dir_ / "uses.yaml")
      << "- rule: audit\n  desc: uses the missing plugin's fields\n"
      << "  condition: ka.verb = create and ka.user.name = admin\n  output: x\n"
      << "  priority: INFO\n  source: test\n"
      << "- rule: typo\n  desc: a misspelled field of a loaded plugin\n"
      << "  condition: test.sting[/a] = x\n  output: x\n  priority: INFO\n  source: test\n";
  fs::path cfg = dir_ / "broken.yaml";
  std::ofstream(cfg) << "plugin_paths: [" << VIGIL_TEST_PLUGIN_DIR << "]\n"
                     << "rules_files: [" << (dir_ / "uses.yaml").string() << "]\n"
                     << "plugins:\n  - name: test_jsonl\n"
                     << "    config: {path: " << (dir_ / "events.jsonl").string() << "}\n"
                     << "  - name: k8saudit\n";
  VigilProcess vigil(dir_, {"validate", "-c", cfg.string()});
  EXPECT_EQ(vigil.Wait(), 1);
  EXPECT_THAT(vigil.Err(), HasSubstr("plugins[1] (k8saudit): plugin library 'libk8saudit.so' not "
                                     "found"));
  EXPECT_THAT(vigil.Err(), ::testing::Not(HasSubstr("ka.verb")));
  EXPECT_THAT(vigil.Err(), HasSubstr("test.sting"));
  EXPECT_THAT(vigil.Err(), HasSubstr("note: 2 use(s) of fields no loaded plugin provides are not "
                                     "reported"));
  EXPECT_THAT(vigil.Out(), HasSubstr("invalid; rules: 2 (2 enabled), 0 macros, 0 lists; 2 error(s) "
                                     "(1 in plugins and config), 0 warning(s)"));
}

TEST_F(VigilCli, RunRefusesAMissingRulesPath) {
  VigilProcess vigil(dir_, {"run", "-c", WriteConfig("rate: 5").string(), "-r",
                            (dir_ / "nope.yaml").string()});
  EXPECT_EQ(vigil.Wait(), 1);
  EXPECT_THAT(vigil.Err(), HasSubstr("nope.yaml: error: cannot read rules path: No such file"));
}

TEST_F(VigilCli, PluginsAndFieldsListTheTestPlugins) {
  fs::path cfg = WriteConfig("rate: 5");
  VigilProcess plugins(dir_, {"plugins", "--json", "-c", cfg.string()});
  ASSERT_EQ(plugins.Wait(), 0) << plugins.Err();
  EXPECT_THAT(plugins.Out(), HasSubstr("\"name\": \"test_jsonl\""));
  EXPECT_THAT(plugins.Out(), HasSubstr("\"event_source\": \"test\""));
  EXPECT_THAT(plugins.Out(), HasSubstr("\"name\": \"test_record\""));

  VigilProcess fields(dir_, {"fields", "-c", cfg.string()});
  ASSERT_EQ(fields.Wait(), 0) << fields.Err();
  EXPECT_THAT(fields.Out(), HasSubstr("test.str[key]"));
}

TEST_F(VigilCli, VersionAndHelp) {
  VigilProcess version(dir_, {"version"});
  ASSERT_EQ(version.Wait(), 0);
  EXPECT_THAT(version.Out(), HasSubstr("plugin API 1."));
  VigilProcess help(dir_, {"run", "--help"});
  ASSERT_EQ(help.Wait(), 0);
  EXPECT_THAT(help.Out(), HasSubstr("--config"));
  VigilProcess bad(dir_, {"frobnicate"});
  int code = bad.Wait();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1);
}

}  // namespace

namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The parse stage: a parser sees every event of the types it asks for exactly once, before the
// rules read that event, and a failing parser is counted and logged while the event is evaluated.
class VigilParse : public VigilCli {
 protected:
  fs::path WriteParseConfig(const std::string& parser_config) {
    std::ofstream(dir_ / "parse.yaml")
        << "- rule: parsed once first\n  desc: parsed exactly once before this rule\n"
        << "  condition: parse.times = 1\n  output: parsed %parse.count\n"
        << "  priority: INFO\n  source: test\n"
        << "- rule: not parsed first\n  desc: reached the rules unparsed\n"
        << "  condition: parse.times != 1\n  output: unparsed\n  priority: WARNING\n"
        << "  source: test\n";
    fs::path cfg = dir_ / "vigil.yaml";
    std::ofstream(cfg) << "plugin_paths: [" << VIGIL_TEST_PLUGIN_DIR << "]\n"
                       << "rules_files: [" << (dir_ / "parse.yaml").string() << "]\n"
                       << "plugins:\n"
                       << "  - name: test_jsonl\n"
                       << "    config: {path: " << (dir_ / "events.jsonl").string()
                       << ", batch_size: 64}\n"
                       << "  - name: test_parse\n"
                       << "    config: " << parser_config << "\n"
                       << "outputs:\n"
                       << "  - name: record\n"
                       << "    plugin: test_record\n"
                       << "    config: {path: " << (dir_ / "alerts.jsonl").string() << "}\n";
    return cfg;
  }
};

TEST_F(VigilParse, EveryEventIsParsedOnceBeforeTheRules) {
  VigilProcess vigil(dir_, {"run", "-c", WriteParseConfig("{types: [1]}").string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  std::string alerts = ReadFile(dir_ / "alerts.jsonl");
  EXPECT_EQ(Count(alerts, "\"rule\":\"parsed once first\""), 1000u) << vigil.Err();
  EXPECT_EQ(Count(alerts, "\"rule\":\"not parsed first\""), 0u);
  EXPECT_THAT(alerts, HasSubstr("parsed 1000"));  // the last event: the 1000th parse
  EXPECT_THAT(vigil.Err(), HasSubstr("final counters: "));
  EXPECT_THAT(vigil.Err(), HasSubstr("parser test_parse: parsed=1000 failed=0"));
}

TEST_F(VigilParse, OnlyTheAskedTypesAreParsed) {
  // Type 2 is a syscall type; test_jsonl's events are all pluginevent (1).
  VigilProcess vigil(dir_, {"run", "-c", WriteParseConfig("{types: [2]}").string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  std::string alerts = ReadFile(dir_ / "alerts.jsonl");
  EXPECT_EQ(Count(alerts, "\"rule\":\"not parsed first\""), 1000u) << vigil.Err();
  EXPECT_EQ(Count(alerts, "\"rule\":\"parsed once first\""), 0u);
  EXPECT_THAT(vigil.Err(), HasSubstr("parser test_parse: parsed=0 failed=0"));
}

TEST_F(VigilParse, AFailingParserIsCountedAndLoggedAndTheEventStillEvaluated) {
  VigilProcess vigil(dir_, {"run", "-c", WriteParseConfig("{fail_every: 10}").string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  std::string alerts = ReadFile(dir_ / "alerts.jsonl");
  EXPECT_EQ(Count(alerts, "\"rule\":\"parsed once first\""), 1000u) << vigil.Err();
  EXPECT_THAT(vigil.Err(), HasSubstr("parser test_parse: parsed=1000 failed=100"));
  EXPECT_THAT(vigil.Err(), HasSubstr("plugin test_parse: parsing event 10 (pluginevent): failing "
                                     "event 10 as configured"));
  // The first ten failures are logged, the rest only counted.
  EXPECT_EQ(Count(vigil.Err(), "failing event"), 10u);
  EXPECT_THAT(vigil.Err(), HasSubstr("(further failures are only counted)"));
}

}  // namespace

namespace {

// evt.plugininfo is the source plugin's event_to_string (test_jsonl: the line).
TEST_F(VigilCli, PluginInfoIsTheSourcesRenderingOfItsEvent) {
  std::ofstream(dir_ / "info.yaml")
      << "- rule: info\n  desc: shows evt.plugininfo\n  condition: evt.num = 3\n"
      << "  output: info=%evt.plugininfo\n  priority: INFO\n  source: test\n";
  fs::path cfg = WriteConfig("batch_size: 64");
  std::string text = ReadFile(cfg);
  text.replace(text.find("rules_files: []"), 15,
               "rules_files: [" + (dir_ / "info.yaml").string() + "]");
  std::ofstream(cfg) << text;
  VigilProcess vigil(dir_, {"run", "-c", cfg.string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  EXPECT_THAT(ReadFile(dir_ / "alerts.jsonl"), HasSubstr(R"(info={\"n\": 2, \"name\": \"e2\"})"))
      << vigil.Err();
}

}  // namespace

namespace {

// Settings that reach their stage only through the config reader (the Daemon's wiring): the alert
// JSON switches and an output's retry policy (router), the thread table bound (state).
class VigilSettings : public VigilCli {
 protected:
  // `source` replaying events.jsonl, a rule matching its first ten events, the recording output
  // (its plugin config plus `record_config`, its entry plus `output_keys`), and `top` YAML lines.
  fs::path WriteSettingsConfig(const std::string& top, const std::string& record_config = "",
                               const std::string& output_keys = "",
                               const std::string& source = "test_jsonl") {
    std::ofstream(dir_ / "ten.yaml")
        << "- rule: first ten\n  desc: the first ten events\n  condition: evt.num <= 10\n"
        << "  output: event %evt.num\n  priority: WARNING\n  tags: [t1, t2]\n"
        << "  source: " << (source == "test_jsonl" ? "test" : "syscall") << "\n";
    fs::path cfg = dir_ / "settings.yaml";
    std::ofstream(cfg) << "plugin_paths: [" << VIGIL_TEST_PLUGIN_DIR << "]\n"
                       << "rules_files: [" << (dir_ / "ten.yaml").string() << "]\n"
                       << "plugins:\n  - name: " << source << "\n"
                       << "    config: {path: " << (dir_ / "events.jsonl").string() << "}\n"
                       << "outputs:\n  - name: record\n    plugin: test_record\n"
                       << "    config: {path: " << (dir_ / "alerts.jsonl").string()
                       << record_config << "}\n"
                       << output_keys << top;
    return cfg;
  }
};

TEST_F(VigilSettings, AlertJsonSwitchesReachTheRouter) {
  VigilProcess vigil(dir_, {"run", "-c",
                            WriteSettingsConfig("json_include_tags_property: false\n"
                                                "json_include_message_property: true\n")
                                .string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  std::string alerts = ReadFile(dir_ / "alerts.jsonl");
  EXPECT_EQ(Count(alerts, "\"rule\":\"first ten\""), 10u) << vigil.Err();
  EXPECT_THAT(alerts, HasSubstr("\"message\":\"event 3\""));
  EXPECT_THAT(alerts, ::testing::Not(HasSubstr("\"tags\"")));
}

TEST_F(VigilSettings, AnOutputsRetryPolicyReachesTheRouter) {
  // The first deliver call answers retry_later; with no retries its batch fails (the default
  // policy would retry it and deliver everything).
  VigilProcess vigil(dir_, {"run", "-c",
                            WriteSettingsConfig("", ", fail_times: 1",
                                                "    retry: {max_retries: 0}\n")
                                .string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  std::smatch m;
  std::string err = vigil.Err();
  ASSERT_TRUE(std::regex_search(err, m, std::regex("final counters: .*output record: accepted=10 "
                                                   "delivered=(\\d+) failed=(\\d+)")))
      << err;
  EXPECT_GT(std::stoull(m[2]), 0u) << err;
  EXPECT_EQ(std::stoull(m[1]) + std::stoull(m[2]), 10u) << err;
}

TEST_F(VigilSettings, TheThreadTableBoundReachesTheState) {
  // This host has far more than two threads (vigil alone runs several); the table holds two.
  VigilProcess vigil(dir_, {"run", "-c",
                            WriteSettingsConfig("falco_libs: {thread_table_size: 2}\n", "", "",
                                                "test_syscall_jsonl")
                                .string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  std::smatch m;
  std::string err = vigil.Err();
  ASSERT_TRUE(std::regex_search(err, m, std::regex("final counters: state: threads=(\\d+) ")))
      << err;
  EXPECT_LE(std::stoull(m[1]), 2u) << err;
}

}  // namespace

namespace {

// API 1.2 get_process: a parser or extractor reads the core's state of the event's process (here
// a `sleep` started before vigil, which the core knows from /proc), its arguments too (API 1.3).
TEST_F(VigilCli, PluginsReadTheProcessOfAnEventFromTheCoresState) {
  const pid_t sleeper = fork();
  ASSERT_GE(sleeper, 0);
  if (sleeper == 0) {
    execlp("sleep", "sleep", "60", "1s", static_cast<char*>(nullptr));
    _exit(127);
  }
  // Until it has exec'd, /proc shows the test's own command line.
  for (int i = 0; i < 500 && ReadFile("/proc/" + std::to_string(sleeper) + "/comm") != "sleep\n";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const std::string tid = std::to_string(sleeper);
  std::ofstream(dir_ / "pid.jsonl")
      << "{\"tid\": " << tid << ", \"n\": 1}\n{\"tid\": " << tid << ", \"n\": 2}\n";
  std::ofstream(dir_ / "comm.yaml")
      << "- rule: comm\n  desc: the process comm from the core's state\n"
      << "  condition: evt.num = 2\n"
      << "  output: comm=%parse.comm first=%parse.first args=(%parse.args)\n"
      << "  priority: INFO\n"
      << "  source: syscall\n";
  fs::path cfg = dir_ / "comm-config.yaml";
  std::ofstream(cfg) << "plugin_paths: [" << VIGIL_TEST_PLUGIN_DIR << "]\n"
                     << "rules_files: [" << (dir_ / "comm.yaml").string() << "]\n"
                     << "plugins:\n  - name: test_syscall_jsonl\n"
                     << "    config: {path: " << (dir_ / "pid.jsonl").string() << "}\n"
                     << "  - name: test_parse\n"
                     << "outputs:\n  - name: record\n    plugin: test_record\n"
                     << "    config: {path: " << (dir_ / "alerts.jsonl").string() << "}\n";
  VigilProcess vigil(dir_, {"run", "-c", cfg.string()});
  const int rc = vigil.Wait();
  kill(sleeper, SIGKILL);
  waitpid(sleeper, nullptr, 0);
  ASSERT_EQ(rc, 0) << vigil.Err();
  // parse.first: the value test_parse kept with the process at its first event.
  EXPECT_THAT(ReadFile(dir_ / "alerts.jsonl"),
              HasSubstr("Informational comm=sleep first=1 args=(60 1s)\""))
      << vigil.Err();
}

}  // namespace

namespace {

// The container plugin in the real core: its fields come from the cgroups the core's state read
// from /proc for a process that started before vigil.
TEST_F(VigilCli, ContainerFieldsComeFromTheCgroupsOfTheCoresState) {
  std::ofstream(dir_ / "pid1.jsonl") << "{\"tid\": 1, \"n\": 1}\n";
  std::ofstream(dir_ / "container.yaml")
      << "- rule: container\n  desc: the container of pid 1\n"
      << "  condition: container.id != \"\"\n"
      << "  output: id=%container.id full=%container.full_id type=%container.type\n"
      << "  priority: INFO\n  source: syscall\n";
  fs::path cfg = dir_ / "container-config.yaml";
  std::ofstream(cfg) << "plugin_paths: [" << VIGIL_PLUGIN_DIR << ", " << VIGIL_TEST_PLUGIN_DIR
                     << "]\n"
                     << "rules_files: [" << (dir_ / "container.yaml").string() << "]\n"
                     << "plugins:\n  - name: test_syscall_jsonl\n"
                     << "    config: {path: " << (dir_ / "pid1.jsonl").string() << "}\n"
                     << "  - name: container\n"
                     << "outputs:\n  - name: record\n    plugin: test_record\n"
                     << "    config: {path: " << (dir_ / "alerts.jsonl").string() << "}\n";
  // What pid 1's cgroups say, by the library the plugin uses (tested on its own).
  std::vector<std::string> cgroups;
  std::istringstream lines(ReadFile("/proc/1/cgroup"));
  for (std::string line; std::getline(lines, line);) {
    size_t colon = line.find(':'), second = line.find(':', colon + 1);
    if (second != std::string::npos) {
      cgroups.push_back(line.substr(colon + 1, second - colon - 1) + "=" + line.substr(second + 1));
    }
  }
  auto c = vigil::container::FromCgroups(cgroups);
  const bool host = c.kind == vigil::container::Kind::kHost;
  std::string expected = "id=" + (host ? std::string("host") : std::string(c.ShortId())) +
                         " full=" + (host ? std::string("host") : c.full_id) +
                         " type=" + vigil::container::KindName(c.kind);
  VigilProcess vigil(dir_, {"run", "-c", cfg.string()});
  ASSERT_EQ(vigil.Wait(), 0) << vigil.Err();
  EXPECT_THAT(ReadFile(dir_ / "alerts.jsonl"), HasSubstr("Informational " + expected + "\""))
      << vigil.Err();
  EXPECT_THAT(vigil.Err(), HasSubstr("plugin container: resolved=1"));
}

}  // namespace
