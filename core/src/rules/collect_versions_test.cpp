// Tests of the rules reader and collector: required_engine_version and required_plugin_versions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

TEST(CollectRules, RequiredEngineVersion) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"0.26.0", ""},
      {"\"0.57.0\"", ""},
      {"15", ""},
      {"57", ""},
      {"58", "engine-version"},
      {"0.99.0", "engine-version"},
      {"1.0.0", "engine-version"},
      {"latest", "invalid-version"},
      {"[1]", "wrong-type"},
  };
  for (const auto& [version, code] : cases) {
    Diagnostics diags;
    CollectOne("- required_engine_version: " + version + "\n", diags);
    if (code.empty()) {
      EXPECT_TRUE(diags.items().empty()) << version << "\n" << Dump(diags);
    } else {
      const Diagnostic* d = Find(diags, code);
      ASSERT_NE(d, nullptr) << version << "\n" << Dump(diags);
      EXPECT_EQ(d->item_kind, "required_engine_version");
      EXPECT_EQ(DiagPos(*d), (LineCol{1, 28})) << version;
    }
  }
}

TEST(CollectRules, RequiredPluginVersions) {
  const std::string content = R"(- required_plugin_versions:
    - name: k8saudit
      version: 0.18.0
      alternatives:
        - name: k8saudit-eks
          version: 0.6.0
        - name: k8saudit-gke
          version: 0.9.0
    - name: json
      version: 0.7.0
)";
  struct Case {
    std::map<std::string, std::string> loaded;
    size_t errors;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {{{"k8saudit", "0.18.0"}, {"json", "0.7.0"}}, 0, ""},
      {{{"k8saudit", "0.19.2"}, {"json", "0.9.0"}}, 0, ""},
      {{{"k8saudit-gke", "0.9.1"}, {"json", "0.7.0"}}, 0, ""},
      {{{"json", "0.7.0"}},
       1,
       "requires plugin 'k8saudit' >= 0.18.0 (or alternatives "
       "'k8saudit-eks' >= 0.6.0, 'k8saudit-gke' >= 0.9.0), which is not "
       "loaded"},
      {{{"k8saudit", "0.17.9"}, {"json", "0.7.0"}}, 1, "loaded is 'k8saudit' 0.17.9"},
      {{{"k8saudit", "1.0.0"}, {"json", "0.7.0"}}, 1, "loaded is 'k8saudit' 1.0.0"},
      {{{"k8saudit", "0.18.0"}, {"json", "0.6.9"}}, 1, "'json' >= 0.7.0"},
      {{}, 2, "which is not loaded"},
  };
  for (const Case& c : cases) {
    Diagnostics diags;
    LoadOptions options;
    options.plugin_versions = c.loaded;
    CollectedRules out = CollectOne(content, diags, options);
    ASSERT_EQ(diags.errors(), c.errors) << Dump(diags);
    EXPECT_EQ(Count(diags, "plugin-version"), c.errors);
    ASSERT_EQ(out.required_plugins.size(), 2u);
    EXPECT_EQ(out.required_plugins[0].alternatives.size(), 2u);
    if (c.errors > 0) {
      EXPECT_NE(diags.items()[0].message.find(c.message_part), std::string::npos) << Dump(diags);
      EXPECT_EQ(diags.items()[0].item_kind, "required_plugin_versions");
    }
  }
  // The error points at the requirement.
  Diagnostics diags;
  CollectOne(content, diags, LoadOptions{.plugin_versions = {{"k8saudit", "0.18.0"}}});
  ASSERT_EQ(diags.items().size(), 1u) << Dump(diags);
  EXPECT_EQ(DiagPos(diags.items()[0]), PosIn(content, "name: json"));
  EXPECT_EQ(diags.items()[0].token, "json");
}

TEST(CollectRules, MalformedPluginRequirements) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"- required_plugin_versions: json\n", "wrong-type"},
      {"- required_plugin_versions:\n    - name: json\n", "missing-key"},
      {"- required_plugin_versions:\n    - name: json\n      version: new\n", "invalid-version"},
      {"- required_plugin_versions:\n    - name: json\n      version: 0.1.0\n      vers: 1\n",
       "unknown-key"},
      {"- required_plugin_versions:\n    - name: a\n      version: 0.1.0\n      alternatives:\n"
       "        - name: a\n          version: 0.2.0\n",
       "invalid-version"},
  };
  for (const auto& [content, code] : cases) {
    Diagnostics diags;
    CollectOne(content, diags, LoadOptions{.plugin_versions = {{"json", "0.1.0"}, {"a", "0.2.0"}}});
    EXPECT_NE(Find(diags, code), nullptr) << content << "\n" << Dump(diags);
  }
}

}  // namespace
}  // namespace vigil::rules::collect_test
