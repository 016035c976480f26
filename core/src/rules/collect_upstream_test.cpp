// Tests of the rules reader and collector on the upstream Falco rules files (when present): item
// counts against a line scan, and the positions of every condition token.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

namespace fs = std::filesystem;

struct UpstreamCounts {
  std::set<std::string> lists, macros, rules;
};

// Counts item definitions by a line scan (`- rule: name`, or `  macro: name` when the kind key is
// not the item's first, as one upstream macro has it): independent of the YAML reader. A
// redefinition keeps one entry, so a set of names is what to compare.
void ScanItems(const std::string& content, UpstreamCounts& counts) {
  static const std::regex kItem(R"(^(?:- |  )(rule|macro|list): *(.*?) *$)");
  std::istringstream in(content);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, kItem)) continue;
    std::string name = m[2];
    if (name.size() >= 2 && (name.front() == '"' || name.front() == '\'')) {
      name = name.substr(1, name.size() - 2);
    }
    (m[1] == "rule" ? counts.rules : m[1] == "macro" ? counts.macros : counts.lists).insert(name);
  }
}

std::set<std::string> NameSet(const std::vector<std::string>& names) {
  return {names.begin(), names.end()};
}

TEST(CollectRules, UpstreamFalcoRulesFiles) {
  const std::string upstream = VIGIL_SOURCE_DIR "/../shared/upstream";
  if (!fs::exists(upstream)) GTEST_SKIP() << upstream << " is absent";
  const std::vector<std::vector<std::string>> loads = {
      {"falco-rules/falco_rules.yaml"},
      {"falco-rules/falco-incubating_rules.yaml"},
      {"falco-rules/falco-sandbox_rules.yaml"},
      {"k8saudit-rules/k8s_audit_rules.yaml"},
      // Loaded together, as a deployment does: later files redefine earlier items.
      {"falco-rules/falco_rules.yaml", "falco-rules/falco-incubating_rules.yaml",
       "falco-rules/falco-sandbox_rules.yaml"},
  };
  LoadOptions with_plugins;
  with_plugins.plugin_versions = {
      {"container", "0.4.0"}, {"k8saudit", "0.18.0"}, {"json", "0.7.0"}};
  for (const auto& load : loads) {
    std::vector<RulesFile> files;
    UpstreamCounts expected;
    for (const std::string& name : load) {
      files.push_back(RulesFile{name, ReadText(upstream + "/" + name)});
      ASSERT_FALSE(files.back().content.empty()) << name;
      ScanItems(files.back().content, expected);
    }
    // Without the plugins: only the plugin requirements fail.
    Diagnostics without;
    CollectRules(files, {}, without);
    EXPECT_GT(without.errors(), 0u) << load[0];
    EXPECT_EQ(Count(without, "plugin-version"), without.items().size()) << Dump(without);

    Diagnostics diags;
    CollectedRules c = CollectRules(files, with_plugins, diags);
    EXPECT_TRUE(diags.items().empty()) << load[0] << "\n" << Dump(diags);
    EXPECT_EQ(NameSet(Names(c.lists)), expected.lists) << load[0];
    EXPECT_EQ(NameSet(Names(c.macros)), expected.macros) << load[0];
    EXPECT_EQ(NameSet(Names(c.rules)), expected.rules) << load[0];
    EXPECT_EQ(c.lists.size(), expected.lists.size());
    EXPECT_EQ(c.macros.size(), expected.macros.size());
    EXPECT_EQ(c.rules.size(), expected.rules.size());
    EXPECT_GT(c.rules.size(), 20u);
    for (const RuleDef& r : c.rules) {
      EXPECT_FALSE(r.condition.text.empty()) << r.name;
      EXPECT_EQ(r.condition.where.size(), r.condition.text.size()) << r.name;
      EXPECT_EQ(r.output.where.size(), r.output.text.size()) << r.name;
    }
  }
}

// Every condition token of every upstream rule sits where a scan of the file finds it: the
// positions are exact on real rules, not only on the small examples above.
TEST(CollectRules, UpstreamConditionPositionsMatchTheFile) {
  const std::string path = VIGIL_SOURCE_DIR "/../shared/upstream/falco-rules/falco_rules.yaml";
  if (!fs::exists(path)) GTEST_SKIP() << path << " is absent";
  const std::string content = ReadText(path);
  std::vector<size_t> line_starts = {0};
  for (size_t i = 0; i < content.size(); ++i) {
    if (content[i] == '\n') line_starts.push_back(i + 1);
  }
  Diagnostics diags;
  CollectedRules c = CollectRules({RulesFile{"falco_rules.yaml", content}},
                                  LoadOptions{.plugin_versions = {{"container", "0.4.0"}}}, diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  size_t checked = 0;
  auto check = [&](const LocatedText& t, const std::string& what) {
    for (size_t i = 0; i < t.text.size(); ++i) {
      const char ch = t.text[i];
      if (ch == ' ' || ch == '\n') continue;  // folded whitespace has no single source byte
      const Located at = t.At(i);
      ASSERT_GT(at.line, 0u);
      ASSERT_LE(at.line, line_starts.size()) << what;
      const size_t offset = line_starts[at.line - 1] + at.column - 1;
      ASSERT_LT(offset, content.size()) << what;
      // An escape of a double-quoted scalar is placed at its backslash.
      ASSERT_TRUE(content[offset] == ch || content[offset] == '\\') << what << " byte " << i;
      ++checked;
    }
  };
  for (const RuleDef& r : c.rules) {
    check(r.condition, r.name);
    check(r.output, r.name);
  }
  for (const MacroDef& m : c.macros) check(m.condition, m.name);
  EXPECT_GT(checked, 10000u);
}

}  // namespace
}  // namespace vigil::rules::collect_test
