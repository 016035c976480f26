// Tests of the rules reader and collector: Falco's item kinds, their keys and defaults, wrong and
// missing values, structural errors.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

TEST(CollectRules, EmptyFilesAndDocumentsAreFine) {
  for (const std::string content :
       {"", "# only a comment\n", "---\n...\n", "---\n---\n", "[]\n", "- \n- ~\n"}) {
    Diagnostics diags;
    CollectedRules c = CollectOne(content, diags);
    EXPECT_TRUE(diags.items().empty()) << content << "\n" << Dump(diags);
    EXPECT_TRUE(c.rules.empty() && c.macros.empty() && c.lists.empty());
    ASSERT_EQ(c.files.size(), 1u);
    EXPECT_EQ(c.files[0], "test.yaml");
  }
}

TEST(CollectRules, ReadsEveryItemKind) {
  const std::string content = ReadText(VIGIL_RULES_TESTDATA "/collect/base.yaml");
  Diagnostics diags;
  CollectedRules c = Collect({{"base.yaml", content}}, diags);
  ASSERT_FALSE(diags.has_errors()) << Dump(diags);
  EXPECT_EQ(Names(c.lists), (std::vector<std::string>{"shell_binaries", "known_users"}));
  EXPECT_EQ(Names(c.macros), (std::vector<std::string>{"spawned_process", "container"}));
  EXPECT_EQ(Names(c.rules), (std::vector<std::string>{"Shell in container", "Write below etc"}));

  EXPECT_EQ(ItemValues(c.lists[0]), (std::vector<std::string>{"bash", "sh", "zsh"}));
  EXPECT_EQ(ItemValues(c.lists[1]), (std::vector<std::string>{"root", "daemon"}));
  EXPECT_EQ((LineCol{c.lists[1].items[1].pos.line, c.lists[1].items[1].pos.column}),
            PosIn(content, "daemon"));
  EXPECT_EQ((LineCol{c.lists[0].pos.line, c.lists[0].pos.column}),
            PosIn(content, "list: shell_binaries"));
  EXPECT_EQ(c.macros[1].condition.text, "(container.id != host)");

  const RuleDef& shell = c.rules[0];
  EXPECT_EQ(shell.desc, "A shell was started in a container.");
  // Folded: lines of the same indentation are joined by a space.
  EXPECT_EQ(shell.condition.text,
            "spawned_process and container and proc.name in (shell_binaries)\n");
  EXPECT_EQ(shell.output.text, "Shell started (user=%user.name command=%proc.cmdline)");
  EXPECT_EQ(shell.priority, VIGIL_PRIORITY_WARNING);
  EXPECT_EQ(shell.tags, (std::vector<std::string>{"container", "shell"}));
  ASSERT_EQ(shell.exceptions.size(), 1u);
  EXPECT_EQ(shell.exceptions[0].name, "known_shells");
  EXPECT_EQ(c.ToSourcePos(shell.pos).file, "base.yaml");
  EXPECT_EQ(c.ToSourcePos(shell.pos).line, PosIn(content, "rule: Shell in container").line);
  EXPECT_EQ(c.rules[1].priority, VIGIL_PRIORITY_ERROR);
}

TEST(CollectRules, RuleDefaults) {
  Diagnostics diags;
  CollectedRules c = CollectOne(
      "- rule: r\n  desc: d\n  condition: evt.type = open\n  output: o\n  priority: info\n", diags);
  ASSERT_FALSE(diags.has_errors()) << Dump(diags);
  ASSERT_EQ(c.rules.size(), 1u);
  const RuleDef& r = c.rules[0];
  EXPECT_EQ(r.source, "syscall");
  EXPECT_TRUE(r.enabled);
  EXPECT_TRUE(r.warn_evttypes);
  EXPECT_FALSE(r.skip_if_unknown_filter);
  EXPECT_TRUE(r.tags.empty());
  EXPECT_TRUE(r.exceptions.empty());
  EXPECT_EQ(r.priority, VIGIL_PRIORITY_INFORMATIONAL);
  EXPECT_TRUE(diags.items().empty()) << Dump(diags);
}

TEST(CollectRules, ReadsEveryRuleKey) {
  Diagnostics diags;
  CollectedRules c = CollectOne(R"(
- rule: r
  desc: d
  condition: ka.verb = create
  output: "  out %ka.user.name  "
  priority: notice
  source: k8s_audit
  tags: [a, b, a, c]
  enabled: false
  warn_evttypes: false
  skip-if-unknown-filter: true
  capture: true
  capture_duration: 100
  capture_events: 10
  capture_filesize: 1000
  exceptions: []
)",
                                diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  ASSERT_EQ(c.rules.size(), 1u);
  const RuleDef& r = c.rules[0];
  EXPECT_EQ(r.source, "k8s_audit");
  EXPECT_EQ(r.tags, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(r.enabled);
  EXPECT_FALSE(r.warn_evttypes);
  EXPECT_TRUE(r.skip_if_unknown_filter);
  EXPECT_EQ(r.priority, VIGIL_PRIORITY_NOTICE);
  EXPECT_EQ(r.output.text, "out %ka.user.name");  // trimmed, as Falco does
  EXPECT_EQ(r.output.where.size(), r.output.text.size());
}

TEST(CollectRules, WrongValueTypes) {
  Diagnostics diags;
  CollectOne(R"(
- rule: r
  desc: d
  condition: c
  output: o
  priority: debug
  enabled: maybe
  tags: {a: b}
  capture_duration: soon
  source: [x]
)",
             diags);
  EXPECT_EQ(Count(diags, "wrong-type"), 4u) << Dump(diags);
  const auto bad_enabled = std::find_if(diags.items().begin(), diags.items().end(),
                                        [](const Diagnostic& d) { return d.token == "maybe"; });
  ASSERT_NE(bad_enabled, diags.items().end()) << Dump(diags);
  EXPECT_EQ(bad_enabled->code, "wrong-type");
  EXPECT_EQ(bad_enabled->item_kind, "rule");
  EXPECT_EQ(bad_enabled->item_name, "r");
  EXPECT_EQ(DiagPos(*bad_enabled), (LineCol{7, 12}));
}

TEST(CollectRules, EmptyValuesAreErrors) {
  Diagnostics diags;
  CollectedRules c =
      CollectOne("- rule: r\n  desc: d\n  condition: \"\"\n  output:\n  priority: debug\n", diags);
  EXPECT_EQ(Count(diags, "empty-value"), 2u) << Dump(diags);
  EXPECT_TRUE(c.rules.empty());
  // The null output is reported at its key.
  EXPECT_EQ(diags.items()[1].pos.line, 4u);
  EXPECT_EQ(diags.items()[1].pos.column, 3u);
}

TEST(CollectRules, PrioritiesAreCaseInsensitive) {
  const std::vector<std::pair<std::string, vigil_priority>> cases = {
      {"EMERGENCY", VIGIL_PRIORITY_EMERGENCY},
      {"Alert", VIGIL_PRIORITY_ALERT},
      {"critical", VIGIL_PRIORITY_CRITICAL},
      {"eRRoR", VIGIL_PRIORITY_ERROR},
      {"Warning", VIGIL_PRIORITY_WARNING},
      {"NOTICE", VIGIL_PRIORITY_NOTICE},
      {"Informational", VIGIL_PRIORITY_INFORMATIONAL},
      {"INFO", VIGIL_PRIORITY_INFORMATIONAL},
      {"debug", VIGIL_PRIORITY_DEBUG}};
  for (const auto& [text, expected] : cases) {
    Diagnostics diags;
    CollectedRules c = CollectOne(
        "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: " + text + "\n", diags);
    ASSERT_FALSE(diags.has_errors()) << text << "\n" << Dump(diags);
    ASSERT_EQ(c.rules.size(), 1u);
    EXPECT_EQ(c.rules[0].priority, expected) << text;
  }
}

TEST(CollectRules, BadPriorityIsAnError) {
  Diagnostics diags;
  CollectOne("- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: urgent\n", diags);
  const Diagnostic* d = Find(diags, "bad-priority");
  ASSERT_NE(d, nullptr) << Dump(diags);
  EXPECT_EQ(d->token, "urgent");
  EXPECT_EQ(DiagPos(*d), (LineCol{5, 13}));
}

TEST(CollectRules, UnknownKeyWithPositionAndSuggestion) {
  const std::string content =
      "- rule: r\n  desc: d\n  conditon: c\n  condition: c\n  output: o\n  priority: debug\n"
      "- macro: m\n  condition: x\n  frobnicate: 1\n";
  Diagnostics diags;
  CollectOne(content, diags);
  ASSERT_EQ(Count(diags, "unknown-key"), 2u) << Dump(diags);
  const Diagnostic& typo = diags.items()[0];
  EXPECT_EQ(typo.code, "unknown-key");
  EXPECT_EQ(typo.item_kind, "rule");
  EXPECT_EQ(typo.item_name, "r");
  EXPECT_EQ(typo.token, "conditon");
  EXPECT_EQ(DiagPos(typo), PosIn(content, "conditon"));
  EXPECT_NE(typo.message.find("did you mean 'condition'?"), std::string::npos) << typo.message;
  const Diagnostic& other = diags.items()[1];
  EXPECT_EQ(other.item_kind, "macro");
  EXPECT_EQ(DiagPos(other), PosIn(content, "frobnicate"));
  EXPECT_EQ(other.message.find("did you mean"), std::string::npos) << other.message;
}

TEST(CollectRules, MissingRequiredKeysAreEachReported) {
  Diagnostics diags;
  CollectedRules c = CollectOne("- rule: r\n  condition: evt.type = open\n", diags);
  EXPECT_EQ(Count(diags, "missing-key"), 3u) << Dump(diags);
  std::set<std::string> missing;
  for (const Diagnostic& d : diags.items()) {
    EXPECT_EQ(d.item_name, "r");
    EXPECT_EQ(d.pos.line, 1u);
    missing.insert(d.token);
  }
  EXPECT_EQ(missing, (std::set<std::string>{"output", "desc", "priority"}));
  EXPECT_TRUE(c.rules.empty());

  Diagnostics list_diags;
  CollectOne("- list: l\n- macro: m\n", list_diags);
  EXPECT_EQ(Count(list_diags, "missing-key"), 2u) << Dump(list_diags);
}

TEST(CollectRules, StructuralErrors) {
  struct Case {
    std::string content;
    std::string code;
    LineCol pos;
  };
  const std::vector<Case> cases = {
      {"rule: r\n", "not-a-sequence", {1, 1}},
      {"just text\n", "not-a-sequence", {1, 1}},
      {"- [a, b]\n", "not-a-mapping", {1, 3}},
      {"- text\n", "not-a-mapping", {1, 3}},
      {"- rules: r\n  condition: c\n", "unknown-item", {1, 3}},
      {"- macro: m\n  condition: a\n  condition: b\n", "duplicate-key", {3, 3}},
      {"- macro: 1bad\n  condition: a\n", "invalid-name", {1, 3}},
      {"- macro: has space\n  condition: a\n", "invalid-name", {1, 3}},
      {"- list: \"a,b\"\n  items: []\n", "invalid-name", {1, 3}},
      {"- list: l\n  items: [a, [b]]\n", "wrong-type", {2, 14}},
      {"- list: l\n  items: a\n", "wrong-type", {2, 10}},
      {"- rule: [r]\n", "wrong-type", {1, 9}},
  };
  for (const Case& c : cases) {
    Diagnostics diags;
    CollectOne(c.content, diags);
    const Diagnostic* d = Find(diags, c.code);
    ASSERT_NE(d, nullptr) << c.content << "\n" << Dump(diags);
    EXPECT_EQ(DiagPos(*d), c.pos) << c.content;
  }
  Diagnostics diags;
  CollectOne("- rules: r\n", diags);
  EXPECT_NE(diags.items()[0].message.find("did you mean 'rule'?"), std::string::npos);
}

}  // namespace
}  // namespace vigil::rules::collect_test
