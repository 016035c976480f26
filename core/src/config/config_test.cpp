#include "vigil/core/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace vigil::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const std::string kTestdata = VIGIL_CONFIG_TESTDATA;

// The error message of a load that must fail.
std::string LoadError(std::string_view yaml, const std::vector<std::string>& overrides = {}) {
  StatusOr<Config> cfg = LoadConfigFromString(yaml, "vigil.yaml", overrides);
  EXPECT_FALSE(cfg.ok()) << "expected an error for:\n" << yaml;
  return cfg.ok() ? "" : cfg.status().message();
}

TEST(LoadConfig, EmptyFileGivesDefaults) {
  StatusOr<Config> cfg = LoadConfigFromString("# nothing\n", "vigil.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->path, "vigil.yaml");
  EXPECT_THAT(cfg->plugin_paths, ElementsAre(std::string(DefaultPluginDir())));
  EXPECT_FALSE(cfg->allow_insecure_plugins);
  EXPECT_TRUE(cfg->watch_rules_files);
  EXPECT_TRUE(cfg->plugins.empty());
  EXPECT_THAT(cfg->rules_files, ElementsAre("/etc/vigil/rules.d"));
  EXPECT_TRUE(cfg->outputs.empty());
  EXPECT_EQ(cfg->log.level, log::Level::kInfo);
  EXPECT_EQ(cfg->engine.queue_capacity, 65536u);
  EXPECT_EQ(cfg->engine.on_full, events::OnFull::kBlock);
  EXPECT_EQ(cfg->engine.shutdown_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(cfg->engine.stats_interval, std::chrono::seconds(0));
  EXPECT_EQ(cfg->hostname, "");
}

TEST(LoadConfig, ReadsEveryKey) {
  const std::string path = kTestdata + "/full.yaml";
  StatusOr<Config> cfg = LoadConfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_THAT(cfg->plugin_paths, ElementsAre("/opt/vigil/plugins", "/usr/lib/vigil/plugins"));
  EXPECT_TRUE(cfg->allow_insecure_plugins);
  EXPECT_FALSE(cfg->watch_rules_files);

  ASSERT_EQ(cfg->plugins.size(), 2u);
  const PluginSpec& audit = cfg->plugins[0];
  EXPECT_EQ(audit.name, "k8saudit");
  EXPECT_EQ(audit.library, "/opt/vigil/plugins/libk8saudit.so");
  EXPECT_EQ(audit.sha256, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  EXPECT_EQ(audit.open_params, "http://:9765/k8s-audit");
  EXPECT_EQ(audit.pos, (SourcePos{path, 5, 5}));
  EXPECT_EQ(audit.config.pos, (SourcePos{path, 9, 5}));
  EXPECT_EQ(audit.config.node["maxEventSize"].as<int>(), 262144);
  const PluginSpec& container = cfg->plugins[1];
  EXPECT_EQ(container.name, "container");
  EXPECT_EQ(container.library, "libcontainer.so");
  EXPECT_EQ(container.sha256, "");
  EXPECT_TRUE(container.config.node.IsNull());
  EXPECT_EQ(container.config.pos, (SourcePos{path, 12, 5}));

  EXPECT_THAT(cfg->rules_files,
              ElementsAre("/etc/vigil/rules.d", "/etc/vigil/k8s_audit_rules.yaml"));

  ASSERT_EQ(cfg->outputs.size(), 2u);
  EXPECT_EQ(cfg->outputs[0].name, "stdout");
  EXPECT_EQ(cfg->outputs[0].plugin, "stdout");
  EXPECT_EQ(cfg->outputs[0].library, "libstdout.so");
  EXPECT_EQ(cfg->outputs[0].options.min_priority, VIGIL_PRIORITY_WARNING);
  EXPECT_EQ(cfg->outputs[0].options.queue_capacity, 10000u);
  EXPECT_EQ(cfg->outputs[1].name, "slack_ops");
  EXPECT_EQ(cfg->outputs[1].plugin, "slack");
  EXPECT_EQ(cfg->outputs[1].library, "libslack.so");
  EXPECT_EQ(cfg->outputs[1].options.min_priority, VIGIL_PRIORITY_INFORMATIONAL);
  EXPECT_EQ(cfg->outputs[1].options.queue_capacity, 500u);
  EXPECT_EQ(cfg->outputs[1].options.max_batch, 16u);
  EXPECT_EQ(cfg->outputs[1].options.retry.max_retries, 5u);
  EXPECT_EQ(cfg->outputs[1].options.retry.backoff, std::chrono::milliseconds(200));
  EXPECT_EQ(cfg->outputs[1].config.node["webhook_url"].as<std::string>(),
            "https://hooks.example/T000");

  EXPECT_EQ(cfg->log.level, log::Level::kDebug);
  EXPECT_EQ(cfg->engine.queue_capacity, 1024u);
  EXPECT_EQ(cfg->engine.on_full, events::OnFull::kDrop);
  EXPECT_EQ(cfg->engine.shutdown_timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(cfg->engine.stats_interval, std::chrono::seconds(60));
  EXPECT_EQ(cfg->engine.hold_max_events, 500u);
  EXPECT_EQ(cfg->hostname, "node-1");
  EXPECT_EQ(cfg->state.max_threads, 4096u);
  EXPECT_EQ(cfg->state.proc_sweep_interval_ms, 30000u);
  EXPECT_EQ(cfg->state.max_fds_per_process, 256u);
  EXPECT_TRUE(cfg->alert_json.time_format_iso_8601);
  EXPECT_FALSE(cfg->alert_json.include_output);
  EXPECT_FALSE(cfg->alert_json.include_output_fields);
  EXPECT_FALSE(cfg->alert_json.include_tags);
  EXPECT_TRUE(cfg->alert_json.include_message);
}

// The settings wired through the reader since: wrong values are reported where they are.
TEST(LoadConfig, StateRouterAndJsonSettingsSayWhatIsWrong) {
  EXPECT_EQ(LoadError("falco_libs:\n  thread_table_size: 0\n"),
            "vigil.yaml:2:22: falco_libs.thread_table_size: must be >= 1");
  EXPECT_EQ(LoadError("falco_libs:\n  snaplen: 80\n"),
            "vigil.yaml:2:3: falco_libs: unknown key 'snaplen'");
  EXPECT_EQ(LoadError("outputs:\n  - name: stdout\n    retry: {max_retries: x}\n"),
            "vigil.yaml:3:26: outputs[0].retry.max_retries: expected a non-negative integer, got "
            "string \"x\"");
  EXPECT_EQ(LoadError("outputs:\n  - name: stdout\n    max_batch: 0\n"),
            "vigil.yaml:3:16: outputs[0].max_batch: must be >= 1");
  EXPECT_EQ(LoadError("json_include_tags_property: sometimes\n"),
            "vigil.yaml:1:29: json_include_tags_property: expected true or false, got string "
            "\"sometimes\"");
}

TEST(LoadConfig, BaseSyscalls) {
  StatusOr<Config> cfg = LoadConfigFromString(
      "base_syscalls:\n  custom_set: [openat, '!getppid']\n  repair: true\n", "vigil.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_THAT(cfg->base_syscalls.custom_set, ElementsAre("openat", "!getppid"));
  EXPECT_TRUE(cfg->base_syscalls.repair);
  EXPECT_FALSE(cfg->base_syscalls.all);
  EXPECT_EQ(cfg->base_syscalls.pos, (SourcePos{"vigil.yaml", 1, 1}));
  EXPECT_THAT(
      LoadError("base_syscalls:\n  custom: [openat]\n"),
      HasSubstr(
          "vigil.yaml:2:3: base_syscalls: unknown key 'custom' (did you mean 'custom_set'?)"));
  EXPECT_THAT(LoadError("base_syscalls:\n  all: maybe\n"), HasSubstr("base_syscalls.all"));
}

TEST(LoadConfig, MissingFileIsAClearError) {
  StatusOr<Config> cfg = LoadConfig(kTestdata + "/no-such.yaml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(),
            kTestdata + "/no-such.yaml: cannot read the configuration: No such file or directory");
  EXPECT_EQ(cfg.status().code(), StatusCode::kNotFound);  // `vigil plugins` runs on defaults then
}

TEST(LoadConfig, DirectoryIsAnError) {
  StatusOr<Config> cfg = LoadConfig(kTestdata);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(), kTestdata + ": cannot read the configuration: is a directory");
}

TEST(LoadConfig, ReportsEveryProblemOfAFileInFileOrder) {
  const std::string path = kTestdata + "/bad.yaml";
  StatusOr<Config> cfg = LoadConfig(path);
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().message(),
            path +
                ":1:15: plugin_paths: expected a list of strings, got string "
                "\"/opt/vigil/plugins\"\n" +
                path +
                ":3:11: plugins[0].name: invalid plugin name 'K8s-Audit' (use lower-case "
                "letters, digits and _)\n" +
                path + ":5:13: plugins[1].sha256: expected 64 hexadecimal digits, got 'abc'\n" +
                path + ":8:5: outputs[0]: unknown key 'min_prio' (did you mean 'min_priority'?)\n" +
                path + ":9:11: outputs[1].name: duplicate output name 'stdout' (first at " + path +
                ":7:11)\n" + path +
                ":11:10: log.level: unknown log level 'loud' (expected one of: trace, debug, "
                "info, warning, error, critical, off)");
  EXPECT_EQ(cfg.status().code(), StatusCode::kInvalid);
}

TEST(LoadConfig, YamlSyntaxErrorHasItsMark) {
  EXPECT_EQ(LoadError("log:\n  level: [debug\nengine: {}\n"),
            "vigil.yaml:3:7: end of sequence flow not found");
  EXPECT_EQ(LoadError("a: b: c\n"), "vigil.yaml:1:5: illegal map value");
}

TEST(LoadConfig, RootMustBeAMap) {
  EXPECT_EQ(LoadError("- a\n- b\n"), "vigil.yaml: expected a map, got list");
}

TEST(LoadConfig, UnknownKeys) {
  EXPECT_EQ(LoadError("rule_files: [a]\nfoo: 1\n"),
            "vigil.yaml:1:1: unknown key 'rule_files' (did you mean 'rules_files'?)\n"
            "vigil.yaml:2:1: unknown key 'foo'");
  EXPECT_EQ(LoadError("engine:\n  queue_size: 5\n"),
            "vigil.yaml:2:3: engine: unknown key 'queue_size'");
  EXPECT_EQ(LoadError("plugins:\n  - name: x\n    confg: {}\n"),
            "vigil.yaml:3:5: plugins[0]: unknown key 'confg' (did you mean 'config'?)");
}

TEST(LoadConfig, DuplicateKeys) {
  EXPECT_EQ(LoadError("log:\n  level: info\n  level: debug\n"),
            "vigil.yaml:3:3: log: duplicate key 'level' (first at vigil.yaml:2:3)");
}

TEST(LoadConfig, WrongTypes) {
  EXPECT_EQ(LoadError("rules_files: {a: b}\n"),
            "vigil.yaml:1:14: rules_files: expected a list of strings, got map");
  EXPECT_EQ(LoadError("rules_files:\n  - a\n  - [b]\n"),
            "vigil.yaml:3:5: rules_files[1]: expected a non-empty string, got list");
  EXPECT_EQ(LoadError("allow_insecure_plugins: yes\n"),
            "vigil.yaml:1:25: allow_insecure_plugins: expected true or false, got string \"yes\"");
  EXPECT_EQ(LoadError("engine:\n  queue_capacity: lots\n"),
            "vigil.yaml:2:19: engine.queue_capacity: expected a non-negative integer, got string "
            "\"lots\"");
  EXPECT_EQ(LoadError("engine:\n  queue_capacity: \"100\"\n"),
            "vigil.yaml:2:19: engine.queue_capacity: expected a non-negative integer, got string "
            "\"100\"");
  EXPECT_EQ(LoadError("engine:\n  shutdown_timeout_ms: -1\n"),
            "vigil.yaml:2:24: engine.shutdown_timeout_ms: expected a non-negative integer, got "
            "integer -1");
  EXPECT_EQ(LoadError("engine:\n  queue_capacity: 0\n"),
            "vigil.yaml:2:19: engine.queue_capacity: must be >= 1");
  EXPECT_EQ(LoadError("engine:\n  queue_capacity: 4294967296\n"),
            "vigil.yaml:2:19: engine.queue_capacity: must be <= 4294967295");
  EXPECT_EQ(LoadError("log: debug\n"), "vigil.yaml:1:6: log: expected a map, got string \"debug\"");
  EXPECT_EQ(LoadError("plugins: {name: x}\n"),
            "vigil.yaml:1:10: plugins: expected a list of plugins, got map");
  EXPECT_EQ(LoadError("outputs:\n  - stdout\n"),
            "vigil.yaml:2:5: outputs[0]: expected a map, got string \"stdout\"");
  EXPECT_EQ(LoadError("hostname: [a]\n"), "vigil.yaml:1:11: hostname: expected a string, got list");
}

TEST(LoadConfig, BadEnumValues) {
  EXPECT_EQ(LoadError("outputs:\n  - name: stdout\n    min_priority: loud\n"),
            "vigil.yaml:3:19: outputs[0].min_priority: unknown priority 'loud' (expected one of: "
            "emergency, alert, critical, error, warning, notice, informational, debug)");
  EXPECT_EQ(LoadError("engine:\n  on_full: wait\n"),
            "vigil.yaml:2:12: engine.on_full: unknown on_full policy 'wait' (expected one of: "
            "block, drop)");
  EXPECT_EQ(LoadError("log:\n  level: verbose\n"),
            "vigil.yaml:2:10: log.level: unknown log level 'verbose' (expected one of: trace, "
            "debug, info, warning, error, critical, off)");
}

TEST(LoadConfig, EnumsAreCaseInsensitive) {
  StatusOr<Config> cfg = LoadConfigFromString(
      "outputs:\n  - name: a\n    min_priority: CRITICAL\n  - name: b\n    min_priority: Info\n"
      "log: {level: WARNING}\nengine: {on_full: Drop}\n",
      "vigil.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->outputs[0].options.min_priority, VIGIL_PRIORITY_CRITICAL);
  EXPECT_EQ(cfg->outputs[1].options.min_priority, VIGIL_PRIORITY_INFORMATIONAL);
  EXPECT_EQ(cfg->log.level, log::Level::kWarning);
  EXPECT_EQ(cfg->engine.on_full, events::OnFull::kDrop);
}

TEST(LoadConfig, PluginNames) {
  EXPECT_EQ(LoadError("plugins:\n  - library: libx.so\n"),
            "vigil.yaml:2:5: plugins[0]: missing required key 'name'");
  EXPECT_EQ(LoadError("plugins:\n  - name: k8s.audit\n"),
            "vigil.yaml:2:11: plugins[0].name: invalid plugin name 'k8s.audit' (use lower-case "
            "letters, digits and _)");
  EXPECT_EQ(LoadError("plugins:\n  - name: a\n  - name: a\n"),
            "vigil.yaml:3:11: plugins[1].name: duplicate plugin 'a' (first at vigil.yaml:2:11)");
  EXPECT_EQ(LoadError("outputs:\n  - plugin: stdout\n"),
            "vigil.yaml:2:5: outputs[0]: missing required key 'name'");
  EXPECT_EQ(LoadError("outputs:\n  - name: ops-slack\n"),
            "vigil.yaml:2:11: outputs[0].plugin: invalid plugin name 'ops-slack' (use lower-case "
            "letters, digits and _; the default is the output's name)");
}

TEST(LoadConfig, LibraryAndSha256) {
  EXPECT_EQ(LoadError("plugins:\n  - name: a\n    library: plugins/liba.so\n"),
            "vigil.yaml:3:14: plugins[0].library: 'plugins/liba.so' must be a file name (looked "
            "up in plugin_paths) or an absolute path");
  EXPECT_EQ(LoadError("outputs:\n  - name: a\n    sha256: 0123\n"),
            "vigil.yaml:3:13: outputs[0].sha256: expected 64 hexadecimal digits, got '0123'");
  const std::string not_hex(64, 'g');
  EXPECT_EQ(
      LoadError("plugins:\n  - name: a\n    sha256: " + not_hex + "\n"),
      "vigil.yaml:3:13: plugins[0].sha256: expected 64 hexadecimal digits, got '" + not_hex + "'");
}

// A Falco user's plugin entries carry over: library_path, init_config (a map or a JSON string)
// and load_plugins.
TEST(LoadConfig, FalcoPluginKeys) {
  StatusOr<Config> cfg = LoadConfigFromString(
      "load_plugins: [container, k8saudit]\n"
      "plugins:\n"
      "  - name: container\n"
      "    library_path: libcontainer.so\n"
      "    init_config:\n"
      "      label_max_len: 100\n"
      "  - name: k8saudit\n"
      "    library_path: /usr/share/falco/plugins/libk8saudit.so\n"
      "    init_config: '{\"maxEventSize\": 262144}'\n"
      "    open_params: http://:9765/k8s-audit\n"
      "  - name: json\n"
      "    init_config: \"\"\n",
      "falco.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ(cfg->plugins.size(), 2u);  // json is not in load_plugins
  EXPECT_EQ(cfg->plugins[0].library, "libcontainer.so");
  EXPECT_EQ(cfg->plugins[0].config.node["label_max_len"].as<int>(), 100);
  EXPECT_EQ(cfg->plugins[0].config.pos, (SourcePos{"falco.yaml", 5, 5}));
  EXPECT_EQ(cfg->plugins[1].library, "/usr/share/falco/plugins/libk8saudit.so");
  EXPECT_EQ(cfg->plugins[1].config.node["maxEventSize"].as<int>(), 262144);

  StatusOr<Config> none =
      LoadConfigFromString("plugins:\n  - name: json\n    init_config: \"\"\n", "falco.yaml");
  ASSERT_TRUE(none.ok()) << none.status().message();
  ASSERT_EQ(none->plugins.size(), 1u);  // no load_plugins: every entry
  EXPECT_TRUE(none->plugins[0].config.node.IsNull());
}

TEST(LoadConfig, FalcoPluginKeysErrors) {
  EXPECT_EQ(LoadError("plugins:\n  - name: a\n    config: {}\n    init_config: {}\n"),
            "vigil.yaml:4:5: plugins[0].init_config: give 'config' or 'init_config', not both "
            "('config' at vigil.yaml:3:5)");
  EXPECT_EQ(LoadError("plugins:\n  - name: a\n    library: liba.so\n    library_path: liba.so\n"),
            "vigil.yaml:4:5: plugins[0].library_path: give 'library' or 'library_path', not both "
            "('library' at vigil.yaml:3:5)");
  EXPECT_EQ(LoadError("plugins:\n  - name: a\n    init_config: '[1, 2]'\n"),
            "vigil.yaml:3:18: plugins[0].init_config: expected a map or a JSON object, got list");
  EXPECT_THAT(LoadError("plugins:\n  - name: a\n    init_config: '{\"a\": [}'\n"),
              HasSubstr("vigil.yaml:3:18: plugins[0].init_config: not a JSON object: "));
  EXPECT_EQ(LoadError("load_plugins: [a, b]\nplugins:\n  - name: a\n"),
            "vigil.yaml:1:19: load_plugins[1]: 'b' is not one of the entries of 'plugins'");
}

TEST(LoadConfig, AppendOutput) {
  StatusOr<Config> cfg = LoadConfigFromString(
      "append_output:\n"
      "  - match: {source: syscall, tags: [container], rule: r}\n"
      "    extra_output: \"container=%container.id\"\n"
      "    extra_fields: [container.name, {cluster: prod}]\n"
      "  - extra_output: more\n",
      "vigil.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ(cfg->append_output.size(), 2u);
  const rules::AppendOutput& a = cfg->append_output[0];
  EXPECT_EQ(a.source, "syscall");
  EXPECT_THAT(a.tags, ElementsAre("container"));
  EXPECT_EQ(a.rule, "r");
  EXPECT_EQ(a.extra_output, "container=%container.id");
  EXPECT_THAT(a.extra_fields, ElementsAre("container.name"));
  ASSERT_EQ(a.static_fields.size(), 1u);
  EXPECT_EQ(a.static_fields[0], (std::pair<std::string, std::string>{"cluster", "prod"}));
  EXPECT_EQ(a.pos, (SourcePos{"vigil.yaml", 2, 5}));
  EXPECT_EQ(a.path, "append_output[0]");
  EXPECT_EQ(cfg->append_output[1].extra_output, "more");

  EXPECT_EQ(LoadError("append_output:\n  - match: {sorce: syscall}\n"),
            "vigil.yaml:2:13: append_output[0].match: unknown key 'sorce' (did you mean "
            "'source'?)");
  EXPECT_EQ(LoadError("append_output:\n  - extra_fields: [[a]]\n"),
            "vigil.yaml:2:20: append_output[0].extra_fields[0]: expected a field name or "
            "{name: value}, got list");
}

TEST(LoadConfig, NullValuesMeanDefaults) {
  StatusOr<Config> cfg = LoadConfigFromString(
      "plugin_paths:\nrules_files:\nlog:\nengine:\nhostname:\nplugins:\noutputs:\n", "vigil.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_TRUE(cfg->plugin_paths.empty());  // An explicit empty list: no plugin directories.
  EXPECT_TRUE(cfg->rules_files.empty());
  EXPECT_EQ(cfg->log.level, log::Level::kInfo);
}

TEST(SourcePos, ToString) {
  EXPECT_EQ((SourcePos{"a.yaml", 3, 7}).ToString(), "a.yaml:3:7");
  EXPECT_EQ((SourcePos{"command line: -o log.level", 0, 0}).ToString(),
            "command line: -o log.level");
}

}  // namespace
}  // namespace vigil::config
