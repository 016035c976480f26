#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "vigil/core/config.hpp"

namespace vigil::config {
namespace {

using ::testing::ElementsAre;

constexpr std::string_view kBase =
    "log:\n"
    "  level: info\n"
    "outputs:\n"
    "  - name: stdout\n"
    "    config:\n"
    "      format: text\n"
    "  - name: file\n";

StatusOr<Config> Load(const std::vector<std::string>& overrides) {
  return LoadConfigFromString(kBase, "vigil.yaml", overrides);
}

std::string LoadError(const std::vector<std::string>& overrides) {
  StatusOr<Config> cfg = Load(overrides);
  EXPECT_FALSE(cfg.ok());
  return cfg.ok() ? "" : cfg.status().message();
}

TEST(Overrides, SetsScalarsListsAndNestedKeys) {
  StatusOr<Config> cfg =
      Load({"log.level=debug", "outputs[0].config.format=json", "rules_files=[a.yaml, b/]",
            "engine.on_full=drop", "outputs[1].min_priority=error", "hostname=node-7"});
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->log.level, log::Level::kDebug);
  EXPECT_EQ(cfg->outputs[0].config.node["format"].as<std::string>(), "json");
  EXPECT_THAT(cfg->rules_files, ElementsAre("a.yaml", "b/"));
  EXPECT_EQ(cfg->engine.on_full, events::OnFull::kDrop);  // `engine` did not exist: created.
  EXPECT_EQ(cfg->outputs[1].options.min_priority, VIGIL_PRIORITY_ERROR);
  EXPECT_EQ(cfg->hostname, "node-7");
}

TEST(Overrides, CreatesMissingMaps) {
  StatusOr<Config> cfg = Load({"outputs[1].config.path=/var/log/vigil.json"});
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->outputs[1].config.node["path"].as<std::string>(), "/var/log/vigil.json");
  EXPECT_EQ(cfg->outputs[1].config.pos.ToString(), "command line: -o outputs[1].config.path");
}

TEST(Overrides, LaterOverridesWin) {
  StatusOr<Config> cfg = Load({"log.level=debug", "log={level: error}"});
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->log.level, log::Level::kError);
}

TEST(Overrides, ApplyToAnEmptyFile) {
  StatusOr<Config> cfg = LoadConfigFromString("", "vigil.yaml", {"plugins=[{name: k8saudit}]"});
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  ASSERT_EQ(cfg->plugins.size(), 1u);
  EXPECT_EQ(cfg->plugins[0].name, "k8saudit");
}

TEST(Overrides, ValueIsParsedAsYaml) {
  StatusOr<Config> cfg = Load({"outputs[0].config={format: json, fields: [a, b]}"});
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_TRUE(cfg->outputs[0].config.node["fields"].IsSequence());
  // An empty value is null, so the key takes its default.
  cfg = Load({"log.level="});
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  EXPECT_EQ(cfg->log.level, log::Level::kInfo);
}

TEST(Overrides, BadValuesAreReportedAtTheCommandLine) {
  EXPECT_EQ(LoadError({"log.level=loud"}),
            "command line: -o log.level: log.level: unknown log level 'loud' (expected one of: "
            "trace, debug, info, warning, error, critical, off)");
  EXPECT_EQ(LoadError({"engine.queue_size=5"}),
            "command line: -o engine.queue_size: engine: unknown key 'queue_size'");
  EXPECT_EQ(LoadError({"outputs[1].name=stdout"}),
            "command line: -o outputs[1].name: outputs[1].name: duplicate output name 'stdout' "
            "(first at vigil.yaml:4:11)");
}

TEST(Overrides, Syntax) {
  EXPECT_EQ(LoadError({"log.level"}), "command line: -o log.level: expected key.path=value");
  EXPECT_EQ(LoadError({"log..level=x"}),
            "command line: -o log..level: bad key path: expected a key at offset 4");
  EXPECT_EQ(LoadError({"=x"}), "command line: -o : bad key path: expected a key at offset 0");
  EXPECT_EQ(LoadError({"outputs[x].name=a"}),
            "command line: -o outputs[x].name: bad key path: bad list index '[x]'");
  EXPECT_EQ(LoadError({"outputs[0.name=a"}),
            "command line: -o outputs[0.name: bad key path: missing ']'");
  EXPECT_EQ(LoadError({"outputs[0]name=a"}),
            "command line: -o outputs[0]name: bad key path: unexpected 'n' at offset 10");
  EXPECT_EQ(LoadError({"log.level=[a"}),
            "command line: -o log.level: the value is not valid YAML: end of sequence flow not "
            "found");
}

TEST(Overrides, PathMustMatchTheDocument) {
  EXPECT_EQ(LoadError({"outputs[2].name=x"}),
            "command line: -o outputs[2].name: index 2 is past the end of 'outputs' (2 items)");
  EXPECT_EQ(LoadError({"log[0]=x"}), "command line: -o log[0]: 'log' is a map, not a list");
  EXPECT_EQ(LoadError({"plugins[0].name=x"}),
            "command line: -o plugins[0].name: 'plugins' is absent, not a list");
  EXPECT_EQ(LoadError({"log.level.x=1"}),
            "command line: -o log.level.x: 'log.level' is a scalar, not a map");
}

TEST(Overrides, AllProblemsAreReported) {
  EXPECT_EQ(LoadError({"log.level", "outputs[5].name=x", "engine.on_full=wait"}),
            "command line: -o log.level: expected key.path=value\n"
            "command line: -o outputs[5].name: index 5 is past the end of 'outputs' (2 items)\n"
            "command line: -o engine.on_full: engine.on_full: unknown on_full policy 'wait' "
            "(expected one of: block, drop)");
}

TEST(Overrides, ApplyOverrideDirectly) {
  YAML::Node root = YAML::Load("a: {b: 1}\n");
  SourceMap sources("x.yaml");
  ASSERT_TRUE(ApplyOverride(root, "a.c.d=2", sources).ok());
  EXPECT_EQ(root["a"]["b"].as<int>(), 1);
  EXPECT_EQ(root["a"]["c"]["d"].as<int>(), 2);
  EXPECT_EQ(sources.PosOf(root["a"]["c"]["d"], {}).ToString(), "command line: -o a.c.d");
  EXPECT_EQ(sources.PosOf(root["a"]["b"], {}).ToString(), "x.yaml:1:8");
}

}  // namespace
}  // namespace vigil::config

namespace vigil::config {
namespace {

TEST(Overrides, ARecursiveAliasInAValueEnds) {
  // Found by fuzzing: `&x [*x]` is a sequence that contains itself.
  StatusOr<Config> cfg = LoadConfigFromString("log: {level: info}\n", "vigil.yaml",
                                              {"hostname=&x [*x]"});
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), testing::HasSubstr("command line: -o hostname"));
}

}  // namespace
}  // namespace vigil::config
