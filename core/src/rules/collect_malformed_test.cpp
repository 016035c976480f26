// Tests of the rules reader and collector: robustness against malformed and hostile input (YAML
// syntax errors, alias bombs, parser loops, node limits, odd and truncated input).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

TEST(CollectRules, YamlSyntaxErrorHasPosition) {
  const std::string bad = "- rule: r\n  desc: d\n  condition: [a, b\n- list: l\n";
  const std::string good = "- list: ok\n  items: []\n";
  Diagnostics diags;
  CollectedRules c = Collect({{"bad.yaml", bad}, {"good.yaml", good}}, diags);
  ASSERT_EQ(diags.items().size(), 1u) << Dump(diags);
  const Diagnostic& d = diags.items()[0];
  EXPECT_EQ(d.code, "yaml-syntax");
  EXPECT_EQ(d.pos.file, "bad.yaml");
  EXPECT_GE(d.pos.line, 3u);
  EXPECT_GT(d.pos.column, 0u);
  EXPECT_FALSE(d.message.empty());
  // Later files are still read.
  EXPECT_EQ(Names(c.lists), (std::vector<std::string>{"ok"}));
}

TEST(CollectRules, AliasBombIsRejectedQuickly) {
  // 10^12 nodes once expanded, from 1 KiB.
  std::string bomb = "- list: l\n  items: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 12; ++i) {
    bomb += "- list: l" + std::to_string(i) + "\n  items: &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) bomb += (j ? ", *a" : "*a") + std::to_string(i - 1);
    bomb += "]\n";
  }
  const auto start = std::chrono::steady_clock::now();
  Diagnostics diags;
  CollectedRules c = CollectOne(bomb, diags);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const Diagnostic* d = Find(diags, "too-large");
  ASSERT_NE(d, nullptr) << Dump(diags);
  EXPECT_GT(d->pos.line, 1u);  // where the limit was crossed
  EXPECT_TRUE(c.lists.empty());
  // An alias inside the node it names would make an infinite tree.
  for (const std::string cyclic : {"- &a [*a]\n", "- list: l\n  items: &i [a, *i]\n"}) {
    Diagnostics cycle;
    CollectOne(cyclic, cycle);
    EXPECT_NE(Find(cycle, "too-large"), nullptr) << cyclic << Dump(cycle);
  }
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

// yaml-cpp 0.7 loops forever, emitting nodes, on a document that starts with ','.
TEST(CollectRules, ParserLoopIsStopped) {
  const auto start = std::chrono::steady_clock::now();
  Diagnostics diags;
  CollectOne(", list: l\n  items: [a]\n", diags);
  EXPECT_NE(Find(diags, "yaml-syntax"), nullptr) << Dump(diags);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST(CollectRules, TooManyNodesIsRejectedBeforeBuildingThem) {
  std::string big = "- list: l\n  items: [";
  for (int i = 0; i < 1'100'000; ++i) big += "x,";
  big += "x]\n";
  Diagnostics diags;
  CollectOne(big, diags);
  EXPECT_NE(Find(diags, "too-large"), nullptr) << Dump(diags);
}

TEST(CollectRules, OddInputNeverCrashes) {
  const std::vector<std::string> inputs = {
      "- &a [*a]\n",
      "&a [*a, {rule: *a}]\n",
      "- rule: &r r\n  desc: *r\n  condition: *r\n  output: *r\n  priority: debug\n",
      "- macro: m\n  condition: &c [*c]\n",
      "- rule: r\n  desc: d\n  condition: \"\\x\"\n",
      "- macro: m\n  condition: \"\\u12\"\n",
      "- macro: m\n  condition: >\n",
      "- macro: m\n  condition: |",
      "- macro: m\n  condition: '",
      std::string("- macro: m\n  condition: a\0b\n", 26),
      "\xff\xfe- \x00r\x00",
      "- {rule: r, desc: d, condition: c, output: o, priority: debug, tags: [[[[]]]]}\n",
      "- ? [a]\n  : b\n",
      "- rule: r\n  override: {condition: [append]}\n  condition: c\n",
      "- required_plugin_versions: [{name: [a], version: {}}]\n",
      "- required_engine_version: 99999999999999999999999\n",
      "- required_engine_version: 0.1.99999999999999999999999\n",
      std::string(3000, '[') + std::string(3000, ']'),
      "- rule: r\n  exceptions: [{name: e, fields: [a], values: &v [*v]}]\n",
      "\t- rule: r\n",
      "- macro: m\n  condition: !!binary aGVsbG8=\n",
  };
  for (const std::string& input : inputs) {
    Diagnostics diags;
    CollectOne(input, diags);
    SUCCEED();
  }
}

TEST(CollectRules, EveryTruncationOfARealFileIsSafe) {
  const std::string content = ReadText(VIGIL_RULES_TESTDATA "/collect/local.yaml");
  for (size_t n = 0; n < content.size(); n += 13) {
    Diagnostics diags;
    CollectRules({RulesFile{"local.yaml", content.substr(0, n)},
                  RulesFile{"local2.yaml", content.substr(n)}},
                 {}, diags);
  }
}

}  // namespace
}  // namespace vigil::rules::collect_test
