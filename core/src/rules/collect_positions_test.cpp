// Tests of the rules reader and collector: the positions of tokens in conditions and outputs
// (plain, quoted and block scalars, appends, BOM and CRLF), and LocatedText.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "collect_test_support.hpp"
#include "rule_items.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules::collect_test {
namespace {

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

}  // namespace
}  // namespace vigil::rules::collect_test
