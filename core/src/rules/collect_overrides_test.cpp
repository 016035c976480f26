// Tests of the rules reader and collector: redefinition, append and override of lists, macros and
// rules, within a file and across files; enabled-only items.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

TEST(CollectRules, RedefinitionReplacesInPlace) {
  const std::string first = R"(
- list: a
  items: [1]
- list: b
  items: [2]
- macro: m1
  condition: one
- macro: m2
  condition: two
- rule: R1
  desc: d
  condition: c1
  output: o
  priority: debug
- rule: R2
  desc: d
  condition: c2
  output: o
  priority: debug
)";
  const std::string second = R"(
- list: a
  items: [3, 4]
- macro: m1
  condition: uno
- rule: R1
  desc: new
  condition: new1
  output: o
  priority: alert
- rule: R3
  desc: d
  condition: c3
  output: o
  priority: debug
)";
  Diagnostics diags;
  CollectedRules c = Collect({{"first.yaml", first}, {"second.yaml", second}}, diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  EXPECT_EQ(Names(c.lists), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ItemValues(c.lists[0]), (std::vector<std::string>{"3", "4"}));
  EXPECT_EQ(Names(c.macros), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(c.macros[0].condition.text, "uno");
  EXPECT_EQ(Names(c.rules), (std::vector<std::string>{"R1", "R2", "R3"}));
  EXPECT_EQ(c.rules[0].condition.text, "new1");
  EXPECT_EQ(c.rules[0].priority, VIGIL_PRIORITY_ALERT);
  EXPECT_EQ(c.ToSourcePos(c.rules[0].pos).file, "second.yaml");
  EXPECT_EQ(c.ToSourcePos(c.rules[0].condition.At(0)).file, "second.yaml");
}

TEST(CollectRules, RedefinitionWithAnotherSourceIsAnError) {
  Diagnostics diags;
  CollectedRules c = CollectOne(R"(
- rule: r
  desc: d
  condition: c
  output: o
  priority: debug
- rule: r
  desc: d
  condition: other
  output: o
  priority: debug
  source: k8s_audit
)",
                                diags);
  ASSERT_NE(Find(diags, "source-mismatch"), nullptr) << Dump(diags);
  EXPECT_EQ(c.rules[0].condition.text, "c");
}

TEST(CollectRules, AppendAndOverrideAppendAcrossFiles) {
  const std::string base = ReadText(VIGIL_RULES_TESTDATA "/collect/base.yaml");
  const std::string local = ReadText(VIGIL_RULES_TESTDATA "/collect/local.yaml");
  Diagnostics diags;
  CollectedRules c = Collect({{"base.yaml", base}, {"local.yaml", local}}, diags);
  ASSERT_FALSE(diags.has_errors()) << Dump(diags);
  // `append: true` (three items use it) is deprecated, not wrong.
  EXPECT_EQ(Count(diags, "deprecated"), 3u) << Dump(diags);

  EXPECT_EQ(ItemValues(*ByName(c.lists, "shell_binaries")),
            (std::vector<std::string>{"bash", "sh", "zsh", "fish"}));
  EXPECT_EQ(ItemValues(*ByName(c.lists, "known_users")),
            (std::vector<std::string>{"root", "daemon", "nobody"}));
  EXPECT_EQ(ByName(c.macros, "container")->condition.text,
            "(container.id != host) and container.name != sandbox");
  EXPECT_EQ(ByName(c.macros, "spawned_process")->condition.text,
            "evt.type in (execve, execveat) and evt.dir = < or evt.type = clone");

  const RuleDef& shell = *ByName(c.rules, "Shell in container");
  EXPECT_EQ(shell.condition.text,
            "spawned_process and container and proc.name in (shell_binaries)\n and not "
            "user.name = admin");
  ASSERT_EQ(shell.exceptions.size(), 2u);
  const ExceptionDef& known = shell.exceptions[0];
  ASSERT_EQ(known.values.size(), 2u);
  EXPECT_EQ(known.values[1][0].items, (std::vector<std::string>{"zsh"}));
  EXPECT_EQ(known.values[1][1].items, (std::vector<std::string>{"admin"}));
  EXPECT_EQ(c.ToSourcePos(known.values[1][0].pos).file, "local.yaml");
  const ExceptionDef& parents = shell.exceptions[1];
  EXPECT_EQ(parents.name, "known_parents");
  EXPECT_FALSE(parents.fields_is_list);
  EXPECT_EQ(parents.comps, (std::vector<std::string>{"in"}));
  EXPECT_EQ(parents.values.size(), 2u);

  const RuleDef& etc = *ByName(c.rules, "Write below etc");
  EXPECT_EQ(etc.condition.text, "open_write and fd.name startswith /etc and not proc.name = vi");
  EXPECT_EQ(etc.output.text, "File below /etc opened for writing (file=%fd.name) (by=%proc.name)");
  EXPECT_EQ(etc.desc, "A file below /etc was opened for writing. Edits are fine.");
  EXPECT_EQ(etc.tags, (std::vector<std::string>{"filesystem", "mitre_persistence"}));
  EXPECT_EQ(etc.priority, VIGIL_PRIORITY_CRITICAL);
  EXPECT_FALSE(etc.enabled);
  // Appended items keep their first place.
  EXPECT_EQ(Names(c.rules), (std::vector<std::string>{"Shell in container", "Write below etc"}));
}

TEST(CollectRules, AppendedTagsAreUnionedInFirstSeenOrder) {
  Diagnostics diags;
  CollectedRules c = CollectOne(R"(
- rule: r
  desc: d
  condition: c
  output: o
  priority: debug
  tags: [b, a]
- rule: r
  tags: [c, a, d]
  override:
    tags: append
)",
                                diags);
  ASSERT_FALSE(diags.has_errors()) << Dump(diags);
  EXPECT_EQ(c.rules[0].tags, (std::vector<std::string>{"b", "a", "c", "d"}));
}

TEST(CollectRules, OverrideReplace) {
  Diagnostics diags;
  CollectedRules c = CollectOne(R"(
- list: l
  items: [a, b]
- list: l
  items: [c]
  override:
    items: replace
- macro: m
  condition: old
- macro: m
  condition: new
  override:
    condition: replace
- rule: r
  desc: d
  condition: c
  output: o
  priority: debug
  tags: [x]
  exceptions:
    - name: e1
      fields: proc.name
      values: [a]
- rule: r
  desc: d2
  condition: c2
  output: o2
  priority: Critical
  tags: [y]
  enabled: false
  warn_evttypes: false
  skip-if-unknown-filter: true
  exceptions:
    - name: e2
      fields: [proc.name]
      values: [[b]]
  override:
    desc: replace
    condition: replace
    output: replace
    priority: replace
    tags: replace
    enabled: replace
    warn_evttypes: replace
    skip-if-unknown-filter: replace
    exceptions: replace
)",
                                diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  EXPECT_EQ(ItemValues(c.lists[0]), (std::vector<std::string>{"c"}));
  EXPECT_EQ(c.macros[0].condition.text, "new");
  const RuleDef& r = c.rules[0];
  EXPECT_EQ(r.desc, "d2");
  EXPECT_EQ(r.condition.text, "c2");
  EXPECT_EQ(r.output.text, "o2");
  EXPECT_EQ(r.priority, VIGIL_PRIORITY_CRITICAL);
  EXPECT_EQ(r.tags, (std::vector<std::string>{"y"}));
  EXPECT_FALSE(r.enabled);
  EXPECT_FALSE(r.warn_evttypes);
  EXPECT_TRUE(r.skip_if_unknown_filter);
  ASSERT_EQ(r.exceptions.size(), 1u);
  EXPECT_EQ(r.exceptions[0].name, "e2");
  EXPECT_EQ(r.exceptions[0].comps, (std::vector<std::string>{"="}));
}

TEST(CollectRules, OverrideMismatchesAreErrors) {
  const std::string rule = "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n";
  struct Case {
    std::string item;
    std::string code;
  };
  const std::vector<Case> cases = {
      // A key listed under override but absent.
      {"- rule: r\n  override:\n    condition: append\n", "override-mismatch"},
      // A key present but not listed.
      {"- rule: r\n  condition: x\n  output: y\n  override:\n    condition: append\n",
       "override-mismatch"},
      // Priority cannot be appended to.
      {"- rule: r\n  priority: debug\n  override:\n    priority: append\n", "override-mismatch"},
      {"- rule: r\n  condition: x\n  override:\n    condition: merge\n", "override-mismatch"},
      {"- rule: r\n  source: x\n  override:\n    source: replace\n", "unknown-key"},
      {"- rule: r\n  condition: x\n  override: append\n", "override-mismatch"},
      {"- rule: r\n  condition: x\n  append: true\n  override:\n    condition: append\n",
       "append-and-override"},
      {"- macro: m\n  condition: x\n  append: true\n  override:\n    condition: append\n",
       "append-and-override"},
      {"- list: l\n  items: [x]\n  override:\n    condition: append\n", "unknown-key"},
  };
  for (const Case& c : cases) {
    Diagnostics diags;
    CollectedRules out =
        CollectOne("- list: l\n  items: [a]\n- macro: m\n  condition: a\n" + rule + c.item, diags);
    EXPECT_NE(Find(diags, c.code), nullptr) << c.item << "\n" << Dump(diags);
    // Nothing was changed.
    EXPECT_EQ(out.rules[0].condition.text, "c") << c.item;
    EXPECT_EQ(out.macros[0].condition.text, "a") << c.item;
    EXPECT_EQ(out.lists[0].items.size(), 1u) << c.item;
  }
  // The position of the unlisted key.
  Diagnostics diags;
  const std::string content =
      rule + "- rule: r\n  condition: x\n  output: y\n  override:\n    condition: append\n";
  CollectOne(content, diags);
  const Diagnostic* d = Find(diags, "override-mismatch");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->token, "output");
  EXPECT_EQ(DiagPos(*d), PosIn(content, "output: y"));
}

TEST(CollectRules, AppendToUndefinedItemIsAnError) {
  const std::vector<std::string> items = {
      "- list: l\n  items: [a]\n  append: true\n",
      "- list: l\n  items: [a]\n  override:\n    items: append\n",
      "- macro: m\n  condition: a\n  append: true\n",
      "- macro: m\n  condition: a\n  override:\n    condition: append\n",
      "- rule: r\n  condition: a\n  append: true\n",
      "- rule: r\n  condition: a\n  override:\n    condition: append\n",
      "- rule: r\n  priority: debug\n  override:\n    priority: replace\n",
  };
  for (const std::string& item : items) {
    Diagnostics diags;
    CollectedRules c = CollectOne(item, diags);
    const Diagnostic* d = Find(diags, "undefined-item");
    ASSERT_NE(d, nullptr) << item << "\n" << Dump(diags);
    EXPECT_EQ(d->pos.line, 1u);
    EXPECT_TRUE(c.rules.empty() && c.macros.empty() && c.lists.empty());
  }
}

TEST(CollectRules, AppendedRuleNeedsConditionOrExceptions) {
  Diagnostics diags;
  CollectOne(
      "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n"
      "- rule: r\n  output: ignored\n  append: true\n",
      diags);
  EXPECT_NE(Find(diags, "missing-key"), nullptr) << Dump(diags);
  EXPECT_NE(Find(diags, "ignored-key"), nullptr) << Dump(diags);
}

TEST(CollectRules, EnabledOnlyItems) {
  const std::string rule = "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n";
  {
    Diagnostics diags;
    CollectedRules c = CollectOne(rule + "- rule: r\n  enabled: false\n", diags);
    ASSERT_FALSE(diags.has_errors()) << Dump(diags);
    EXPECT_FALSE(c.rules[0].enabled);
    EXPECT_EQ(c.rules[0].condition.text, "c");
    EXPECT_NE(Find(diags, "deprecated"), nullptr);
  }
  {
    Diagnostics diags;
    CollectedRules c = CollectOne(rule +
                                      "- rule: r\n  enabled: false\n  override:\n"
                                      "    enabled: replace\n",
                                  diags);
    EXPECT_TRUE(diags.items().empty()) << Dump(diags);
    EXPECT_FALSE(c.rules[0].enabled);
  }
  {
    Diagnostics diags;
    CollectOne("- rule: nothing\n  enabled: true\n", diags);
    EXPECT_NE(Find(diags, "undefined-item"), nullptr) << Dump(diags);
  }
  {
    Diagnostics diags;
    CollectOne(rule + "- rule: r\n  tags: [x]\n", diags);
    const Diagnostic* d = Find(diags, "missing-key");
    ASSERT_NE(d, nullptr) << Dump(diags);
    EXPECT_EQ(d->token, "enabled");
  }
}

}  // namespace
}  // namespace vigil::rules::collect_test
