// Tests of the rules reader and collector: Falco's item kinds, keys, defaults, redefinition,
// append and override, exceptions, versions, positions, and robustness against malformed input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules {
namespace {

namespace fs = std::filesystem;

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

CollectedRules Collect(const std::vector<RulesFile>& files, Diagnostics& diags,
                       LoadOptions options = {}) {
  return CollectRules(files, options, diags);
}

CollectedRules CollectOne(const std::string& content, Diagnostics& diags,
                          LoadOptions options = {}) {
  return CollectRules({RulesFile{"test.yaml", content}}, options, diags);
}

// All diagnostics, one per line, for failure messages.
std::string Dump(const Diagnostics& diags) {
  std::string out;
  for (const Diagnostic& d : diags.items()) out += d.ToString() + " [" + d.code + "]\n";
  return out;
}

// The first diagnostic with `code`, or null.
const Diagnostic* Find(const Diagnostics& diags, std::string_view code) {
  for (const Diagnostic& d : diags.items()) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

size_t Count(const Diagnostics& diags, std::string_view code) {
  return std::count_if(diags.items().begin(), diags.items().end(),
                       [code](const Diagnostic& d) { return d.code == code; });
}

template <typename Def>
const Def* ByName(const std::vector<Def>& defs, std::string_view name) {
  for (const Def& d : defs) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

template <typename Def>
std::vector<std::string> Names(const std::vector<Def>& defs) {
  std::vector<std::string> out;
  for (const Def& d : defs) out.push_back(d.name);
  return out;
}

std::vector<std::string> ItemValues(const ListDef& list) {
  std::vector<std::string> out;
  for (const ListItem& i : list.items) out.push_back(i.value);
  return out;
}

struct LineCol {
  uint32_t line = 0, column = 0;
  bool operator==(const LineCol&) const = default;
};
std::ostream& operator<<(std::ostream& os, const LineCol& p) {
  return os << p.line << ":" << p.column;
}

// The 1-based line and column of the `nth` occurrence of `needle` in `content`, by a plain scan.
LineCol PosIn(const std::string& content, std::string_view needle, size_t nth = 0) {
  size_t offset = content.find(needle);
  for (size_t i = 0; i < nth && offset != std::string::npos; ++i) {
    offset = content.find(needle, offset + 1);
  }
  EXPECT_NE(offset, std::string::npos) << needle;
  if (offset == std::string::npos) return {};
  LineCol p{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (content[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

// Where `token` (its `nth` occurrence in the text) is according to the LocatedText.
LineCol TokenPos(const LocatedText& t, std::string_view token, size_t nth = 0) {
  size_t offset = t.text.find(token);
  for (size_t i = 0; i < nth && offset != std::string::npos; ++i) {
    offset = t.text.find(token, offset + 1);
  }
  EXPECT_NE(offset, std::string::npos) << token << " in " << t.text;
  if (offset == std::string::npos) return {};
  const Located at = t.At(offset);
  return {at.line, at.column};
}

LineCol DiagPos(const Diagnostic& d) { return {d.pos.line, d.pos.column}; }

// Every byte of `token` in the text is at consecutive columns of one line (a sanity check that
// the whole token, not just its first byte, is mapped).
void ExpectContiguous(const LocatedText& t, std::string_view token) {
  const size_t offset = t.text.find(token);
  ASSERT_NE(offset, std::string::npos);
  for (size_t i = 1; i < token.size(); ++i) {
    EXPECT_EQ(t.At(offset + i).line, t.At(offset).line);
    EXPECT_EQ(t.At(offset + i).column, t.At(offset).column + i) << token;
  }
}

// ---------------------------------------------------------------------------------------------
// Item kinds, keys and defaults

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

// ---------------------------------------------------------------------------------------------
// Redefinition, append, override

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

// ---------------------------------------------------------------------------------------------
// Exceptions

TEST(CollectRules, ExceptionForms) {
  Diagnostics diags;
  CollectedRules c = CollectOne(R"(
- rule: r
  desc: d
  condition: c
  output: o
  priority: debug
  exceptions:
    - name: tuples
      fields: [proc.name, fd.directory]
      values:
        - [apk, [/usr/lib, /usr/bin]]
        - [dpkg, /var/lib]
    - name: with_comps
      fields: [proc.name, fd.name]
      comps: [in, startswith]
      values:
        - [[a, b], /tmp]
    - name: single
      fields: proc.name
      values: [sshd, cron]
    - name: single_pmatch
      fields: fd.name
      comps: pmatch
      values: [/etc]
    - name: no_values
      fields: [proc.name]
)",
                                diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  const auto& ex = c.rules[0].exceptions;
  ASSERT_EQ(ex.size(), 5u);

  EXPECT_TRUE(ex[0].fields_is_list);
  EXPECT_EQ(ex[0].fields, (std::vector<std::string>{"proc.name", "fd.directory"}));
  EXPECT_EQ(ex[0].comps, (std::vector<std::string>{"=", "="}));
  ASSERT_EQ(ex[0].values.size(), 2u);
  EXPECT_FALSE(ex[0].values[0][0].is_list);
  EXPECT_EQ(ex[0].values[0][0].items, (std::vector<std::string>{"apk"}));
  EXPECT_TRUE(ex[0].values[0][1].is_list);
  EXPECT_EQ(ex[0].values[0][1].items, (std::vector<std::string>{"/usr/lib", "/usr/bin"}));
  EXPECT_EQ(ex[0].values[1][1].items, (std::vector<std::string>{"/var/lib"}));

  EXPECT_EQ(ex[1].comps, (std::vector<std::string>{"in", "startswith"}));
  EXPECT_EQ(ex[1].values[0][0].items, (std::vector<std::string>{"a", "b"}));

  EXPECT_FALSE(ex[2].fields_is_list);
  EXPECT_EQ(ex[2].fields, (std::vector<std::string>{"proc.name"}));
  EXPECT_EQ(ex[2].comps, (std::vector<std::string>{"in"}));
  ASSERT_EQ(ex[2].values.size(), 2u);
  EXPECT_EQ(ex[2].values[1].size(), 1u);
  EXPECT_EQ(ex[2].values[1][0].items, (std::vector<std::string>{"cron"}));

  EXPECT_EQ(ex[3].comps, (std::vector<std::string>{"pmatch"}));
  EXPECT_TRUE(ex[4].values.empty());
}

TEST(CollectRules, ExceptionErrors) {
  struct Case {
    std::string exceptions;  // the `exceptions:` value, indented 4
    std::string code;
    std::string message_part;
  };
  const std::vector<Case> cases = {
      {"    - fields: [a]\n", "missing-key", "name"},
      {"    - name: e\n      fields: [a]\n    - name: e\n      fields: [b]\n", "bad-exception",
       "unique"},
      {"    - name: e\n      values: [[a]]\n", "bad-exception", "'fields'"},
      {"    - name: e\n      fields: [a, b]\n      comps: [=]\n", "bad-exception",
       "'fields' has 2 items but 'comps' has 1"},
      {"    - name: e\n      fields: [a, b]\n      comps: =\n", "bad-exception", "must be a list"},
      {"    - name: e\n      fields: [a]\n      comps: [like]\n", "bad-exception",
       "'like' is not a supported comparison operator"},
      {"    - name: e\n      fields: a\n      comps: startswith\n", "bad-exception",
       "in, pmatch or intersects"},
      {"    - name: e\n      fields: a\n      comps: [in]\n", "bad-exception", "single operator"},
      {"    - name: e\n      fields: [a]\n      values: x\n", "bad-exception",
       "'values' must be a list"},
      {"    - name: e\n      fields: [a, b]\n      values: [[x]]\n", "bad-exception",
       "a value has 1 items but there are 2 fields"},
      {"    - name: e\n      fields: [a, b]\n      values: [x]\n", "bad-exception",
       "one per field"},
      {"    - name: e\n      fields: a\n      values: [[x]]\n", "bad-exception",
       "must be a string, not a list"},
      {"    - name: e\n      fields: [a]\n      values: [[\"\"]]\n", "empty-value", "empty"},
      {"    - name: e\n      fields: [a]\n      values: [[[[x]]]]\n", "wrong-type", "a list"},
      {"    - name: e\n      fields: []\n", "bad-exception", "at least one field"},
      {"    - name: e\n      field: [a]\n", "unknown-key", "did you mean 'fields'?"},
      {"    - just a string\n", "bad-exception", "mapping"},
  };
  for (const Case& c : cases) {
    const std::string content =
        "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n  exceptions:\n" +
        c.exceptions;
    Diagnostics diags;
    CollectOne(content, diags);
    const Diagnostic* d = Find(diags, c.code);
    ASSERT_NE(d, nullptr) << c.exceptions << "\n" << Dump(diags);
    EXPECT_NE(d->message.find(c.message_part), std::string::npos) << c.exceptions << "\n"
                                                                  << Dump(diags);
    EXPECT_EQ(d->item_kind, "rule");
    EXPECT_EQ(d->item_name, "r");
    EXPECT_GE(d->pos.line, 7u) << c.exceptions << "\n" << Dump(diags);
  }
  // Exceptions must be a list.
  Diagnostics diags;
  CollectOne(
      "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n"
      "  exceptions: {name: e}\n",
      diags);
  EXPECT_NE(Find(diags, "wrong-type"), nullptr) << Dump(diags);
}

TEST(CollectRules, ExceptionAppendErrors) {
  const std::string rule =
      "- rule: r\n  desc: d\n  condition: c\n  output: o\n  priority: debug\n  exceptions:\n"
      "    - name: e\n      fields: [a, b]\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"    - name: e\n      fields: [a, b]\n      values: [[x, y]]\n", "cannot append fields"},
      {"    - name: e\n      comps: [=, =]\n      values: [[x, y]]\n", "cannot append comps"},
      {"    - name: e\n      values: [[x]]\n", "a value has 1 items but there are 2 fields"},
      {"    - name: new\n      fields: [a]\n", "must have values"},
  };
  for (const auto& [exceptions, message] : cases) {
    for (const std::string how : {"  append: true\n", "  override:\n    exceptions: append\n"}) {
      Diagnostics diags;
      CollectedRules c =
          CollectOne(rule + "- rule: r\n" + how + "  exceptions:\n" + exceptions, diags);
      const Diagnostic* d = Find(diags, "bad-exception");
      ASSERT_NE(d, nullptr) << exceptions << how << "\n" << Dump(diags);
      EXPECT_NE(d->message.find(message), std::string::npos) << Dump(diags);
      ASSERT_EQ(c.rules.size(), 1u);
    }
  }
  // Appending values to an existing exception is fine.
  Diagnostics diags;
  CollectedRules c = CollectOne(rule +
                                    "- rule: r\n  override:\n    exceptions: append\n"
                                    "  exceptions:\n    - name: e\n      values: [[x, y]]\n",
                                diags);
  ASSERT_FALSE(diags.has_errors()) << Dump(diags);
  ASSERT_EQ(c.rules[0].exceptions[0].values.size(), 1u);
  EXPECT_EQ(c.rules[0].exceptions[0].values[0][1].items, (std::vector<std::string>{"y"}));
}

// ---------------------------------------------------------------------------------------------
// Positions in conditions and outputs

TEST(CollectRules, PositionsInPlainAndQuotedScalars) {
  const std::string content = R"(- macro: plain
  condition: proc.name = bash and fd.num >= 0
- macro: plain_multiline
  condition: proc.name = bash
    and fd.num >= 0
- macro: single
  condition: 'proc.name = ''it''s'' and fd.num >= 0'
- macro: double
  condition: "proc.name = \"x\ty\" and fd.num >= 0"
- macro: tagged
  condition: !!str proc.name = bash and fd.num >= 0
)";
  Diagnostics diags;
  CollectedRules c = CollectOne(content, diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  ASSERT_EQ(c.macros.size(), 5u);
  EXPECT_EQ(c.macros[2].condition.text, "proc.name = 'it's' and fd.num >= 0");
  EXPECT_EQ(c.macros[3].condition.text, "proc.name = \"x\ty\" and fd.num >= 0");
  for (size_t i = 0; i < c.macros.size(); ++i) {
    const LocatedText& t = c.macros[i].condition;
    ASSERT_EQ(t.where.size(), t.text.size());
    EXPECT_EQ(TokenPos(t, "fd.num"), PosIn(content, "fd.num", i)) << c.macros[i].name;
    EXPECT_EQ(TokenPos(t, "proc.name"), PosIn(content, "proc.name", i)) << c.macros[i].name;
    ExpectContiguous(t, "fd.num >= 0");
  }
  // Escapes map to their backslash; the byte after an escape is back in step.
  const LocatedText& dq = c.macros[3].condition;
  EXPECT_EQ(TokenPos(dq, "\t"), PosIn(content, "\\t"));
  EXPECT_EQ(TokenPos(dq, "y"), PosIn(content, "y\\\""));
  EXPECT_EQ(TokenPos(c.macros[2].condition, "s'"), PosIn(content, "s''"));
}

TEST(CollectRules, PositionsInBlockScalars) {
  const std::string content = R"(- rule: folded
  desc: d
  condition: >
    spawned_process and container
      and not proc.pname in (known_parents)

    and proc.name in (shell_binaries)
  output: |
    Shell started
      (user=%user.name shell=%proc.name)
  priority: debug
- macro: literal_keep
  condition: |+
     evt.type = open   # not a comment inside a block
     and fd.name = /etc/shadow

- macro: folded_strip
  condition: >-   # a header comment
    evt.type = open
    and fd.typechar = f
)";
  Diagnostics diags;
  CollectedRules c = CollectOne(content, diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  const RuleDef& r = c.rules[0];
  EXPECT_EQ(r.condition.text,
            "spawned_process and container\n  and not proc.pname in (known_parents)\n\nand "
            "proc.name in (shell_binaries)\n");
  // Tokens in the middle of a multi-line folded condition, on each line.
  EXPECT_EQ(TokenPos(r.condition, "container"), PosIn(content, "container\n"));
  EXPECT_EQ(TokenPos(r.condition, "known_parents"), PosIn(content, "known_parents"));
  EXPECT_EQ(TokenPos(r.condition, "known_parents"), (LineCol{5, 30}));
  EXPECT_EQ(TokenPos(r.condition, "shell_binaries"), PosIn(content, "shell_binaries"));
  ExpectContiguous(r.condition, "proc.pname in (known_parents)");
  // The literal output is trimmed and its tokens still placed.
  EXPECT_EQ(r.output.text, "Shell started\n  (user=%user.name shell=%proc.name)");
  EXPECT_EQ(TokenPos(r.output, "%proc.name"), PosIn(content, "%proc.name"));
  EXPECT_EQ(TokenPos(r.output, "Shell"), PosIn(content, "Shell started"));

  const LocatedText& keep = c.macros[0].condition;
  EXPECT_EQ(keep.text,
            "evt.type = open   # not a comment inside a block\nand fd.name = /etc/shadow\n\n");
  EXPECT_EQ(TokenPos(keep, "/etc/shadow"), PosIn(content, "/etc/shadow"));
  EXPECT_EQ(TokenPos(keep, "# not"), PosIn(content, "# not"));
  const LocatedText& strip = c.macros[1].condition;
  EXPECT_EQ(strip.text, "evt.type = open and fd.typechar = f");
  EXPECT_EQ(TokenPos(strip, "fd.typechar"), PosIn(content, "fd.typechar"));
  EXPECT_EQ(TokenPos(strip, "evt.type", 0), PosIn(content, "evt.type", 1));
}

TEST(CollectRules, PositionsAfterAppend) {
  const std::string first =
      "- macro: m\n  condition: >\n    a.b = 1\n    and c.d = 2\n"
      "- rule: r\n  desc: d\n  condition: x.y = 1\n  output: o\n  priority: debug\n";
  const std::string second =
      "- macro: m\n  condition: or e.f = 3\n  override:\n    condition: append\n"
      "- rule: r\n  condition: |\n    and g.h = 4\n  append: true\n";
  Diagnostics diags;
  CollectedRules c = Collect({{"one.yaml", first}, {"two.yaml", second}}, diags);
  ASSERT_FALSE(diags.has_errors()) << Dump(diags);
  const LocatedText& m = c.macros[0].condition;
  EXPECT_EQ(m.text, "a.b = 1 and c.d = 2\n or e.f = 3");
  ASSERT_EQ(m.where.size(), m.text.size());
  EXPECT_EQ(c.ToSourcePos(m.At(m.text.find("c.d"))).file, "one.yaml");
  EXPECT_EQ(TokenPos(m, "c.d"), PosIn(first, "c.d"));
  EXPECT_EQ(c.ToSourcePos(m.At(m.text.find("e.f"))).file, "two.yaml");
  EXPECT_EQ(TokenPos(m, "e.f"), PosIn(second, "e.f"));
  // The joining space is placed just after the earlier piece.
  const Located space = m.At(m.text.find(" or"));
  EXPECT_EQ(c.ToSourcePos(space).file, "one.yaml");

  const LocatedText& r = c.rules[0].condition;
  EXPECT_EQ(r.text, "x.y = 1 and g.h = 4\n");
  EXPECT_EQ(TokenPos(r, "g.h"), PosIn(second, "g.h"));
  EXPECT_EQ(c.ToSourcePos(r.At(r.text.find("g.h"))).file, "two.yaml");
  EXPECT_EQ(TokenPos(r, "x.y"), PosIn(first, "x.y"));
}

TEST(CollectRules, PositionsWithByteOrderMarkAndCrlf) {
  const std::string content =
      "\xEF\xBB\xBF- macro: m\r\n  condition: a.b = 1\r\n    and c.d = 2\r\n";
  Diagnostics diags;
  CollectedRules c = CollectOne(content, diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  const LocatedText& t = c.macros[0].condition;
  EXPECT_EQ(t.text, "a.b = 1 and c.d = 2");
  EXPECT_EQ(TokenPos(t, "c.d"), (LineCol{3, 9}));
}

TEST(LocatedText, AtAndAppend) {
  LocatedText a;
  a.start = {0, 3, 5};
  EXPECT_EQ(a.At(0).line, 3u);  // empty: the start
  a.text = "ab";
  a.where = {{0, 1, 1}, {0, 1, 2}};
  EXPECT_EQ(a.At(1).column, 2u);
  EXPECT_EQ(a.At(2).column, 3u);  // just past the end
  EXPECT_EQ(a.At(99).column, 3u);
  LocatedText b;
  b.text = "cd";
  b.where = {{1, 7, 4}, {1, 7, 5}};
  a.Append(b);
  EXPECT_EQ(a.text, "ab cd");
  ASSERT_EQ(a.where.size(), 5u);
  EXPECT_EQ(a.At(2).file, 0u);
  EXPECT_EQ(a.At(2).column, 3u);
  EXPECT_EQ(a.At(3).file, 1u);
  EXPECT_EQ(a.At(4).column, 5u);
}

// ---------------------------------------------------------------------------------------------
// Versions

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

// ---------------------------------------------------------------------------------------------
// Malformed and hostile input

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

// ---------------------------------------------------------------------------------------------
// Diagnostics

TEST(Diagnostics, ToStringAndJson) {
  Diagnostic d;
  d.pos = {"rules.yaml", 12, 21};
  d.item_kind = "rule";
  d.item_name = "Shell";
  d.code = "unknown-field";
  d.message = "unknown field 'proc.nmae'";
  d.token = "proc.nmae";
  EXPECT_EQ(d.ToString(), "rules.yaml:12:21: error: rule 'Shell': unknown field 'proc.nmae'");
  Diagnostic w;
  w.severity = Severity::kWarning;
  w.pos = {"rules.yaml", 0, 0};
  w.message = "m";
  EXPECT_EQ(w.ToString(), "rules.yaml: warning: m");
  w.pos.line = 3;
  w.item_kind = "required_engine_version";
  EXPECT_EQ(w.ToString(), "rules.yaml:3: warning: required_engine_version: m");
  w.pos.file.clear();
  EXPECT_EQ(w.ToString(), "warning: required_engine_version: m");

  Diagnostics diags;
  diags.Add(d);
  diags.Add(w);
  EXPECT_EQ(diags.errors(), 1u);
  EXPECT_EQ(diags.warnings(), 1u);
  EXPECT_TRUE(diags.has_errors());
  EXPECT_EQ(diags.ToJson(),
            "[{\"severity\":\"error\",\"file\":\"rules.yaml\",\"line\":12,\"column\":21,"
            "\"item_kind\":\"rule\",\"item_name\":\"Shell\",\"code\":\"unknown-field\","
            "\"message\":\"unknown field 'proc.nmae'\",\"token\":\"proc.nmae\"},"
            "{\"severity\":\"warning\",\"file\":\"\",\"line\":3,\"column\":0,"
            "\"item_kind\":\"required_engine_version\",\"item_name\":\"\",\"code\":\"\","
            "\"message\":\"m\",\"token\":\"\"}]");
  EXPECT_EQ(Diagnostics().ToJson(), "[]");
}

// ---------------------------------------------------------------------------------------------
// ReadRulesPaths

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("vigil_collect_test_" + std::to_string(::getpid()) + "_" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Write(const std::string& name, const std::string& content) const {
    fs::create_directories((path_ / name).parent_path());
    std::ofstream(path_ / name, std::ios::binary) << content;
  }

 private:
  fs::path path_;
};

TEST(ReadRulesPaths, FilesAndDirectoriesInOrder) {
  TempDir dir;
  dir.Write("rules.d/b.yaml", "b");
  dir.Write("rules.d/a.yml", "a");
  dir.Write("rules.d/c.yaml", "c");
  dir.Write("rules.d/notes.txt", "not rules");
  dir.Write("rules.d/nested/d.yaml", "not read: not recursive");
  dir.Write("first.yaml", "first");
  dir.Write("last.yaml", "last");
  Diagnostics diags;
  std::vector<RulesFile> files =
      ReadRulesPaths({(dir.path() / "first.yaml").string(), (dir.path() / "rules.d").string(),
                      (dir.path() / "last.yaml").string()},
                     diags);
  ASSERT_TRUE(diags.items().empty()) << Dump(diags);
  std::vector<std::string> contents;
  for (const RulesFile& f : files) contents.push_back(f.content);
  EXPECT_EQ(contents, (std::vector<std::string>{"first", "a", "b", "c", "last"}));
  EXPECT_EQ(files[0].name, (dir.path() / "first.yaml").string());
  EXPECT_EQ(files[1].name, (dir.path() / "rules.d" / "a.yml").string());
}

TEST(ReadRulesPaths, MissingPathIsAnError) {
  TempDir dir;
  dir.Write("ok.yaml", "ok");
  const std::string missing = (dir.path() / "missing.yaml").string();
  Diagnostics diags;
  std::vector<RulesFile> files =
      ReadRulesPaths({missing, (dir.path() / "ok.yaml").string()}, diags);
  ASSERT_EQ(diags.items().size(), 1u);
  EXPECT_EQ(diags.items()[0].code, "unreadable-file");
  EXPECT_EQ(diags.items()[0].pos.file, missing);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].content, "ok");
}

TEST(ReadRulesPaths, RefusesHugeFiles) {
  TempDir dir;
  const fs::path big = dir.path() / "big.yaml";
  std::ofstream(big, std::ios::binary) << "x";
  fs::resize_file(big, (uintmax_t{64} << 20) + 1);  // sparse: costs no disk
  Diagnostics diags;
  std::vector<RulesFile> files = ReadRulesPaths({big.string()}, diags);
  EXPECT_TRUE(files.empty());
  EXPECT_NE(Find(diags, "file-too-large"), nullptr) << Dump(diags);
}

// ---------------------------------------------------------------------------------------------
// Upstream Falco rules files

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
}  // namespace vigil::rules
