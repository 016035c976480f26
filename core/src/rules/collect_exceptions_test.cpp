// Tests of the rules reader and collector: rule exceptions, their forms, errors and appends.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

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

}  // namespace
}  // namespace vigil::rules::collect_test
