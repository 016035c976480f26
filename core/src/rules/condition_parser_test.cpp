#include "condition_parser.hpp"

#include <gtest/gtest.h>

namespace vigil::rules {
namespace {

using ast::Expr;
using ast::Op;

// A compact rendering of a tree, to compare shapes: and(...), or(...), not(...), macro names,
// comparisons as `field op value` / `field op [a,b]` / `field op val(f)`.
std::string Show(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::kAnd:
    case Expr::Kind::kOr: {
      std::string s = e.kind == Expr::Kind::kAnd ? "and(" : "or(";
      for (size_t i = 0; i < e.children.size(); ++i) {
        s += (i ? "," : "") + Show(*e.children[i]);
      }
      return s + ")";
    }
    case Expr::Kind::kNot:
      return "not(" + Show(*e.children[0]) + ")";
    case Expr::Kind::kMacro:
      return "@" + e.name;
    case Expr::Kind::kConst:
      return e.value ? "true" : "false";
    case Expr::Kind::kCompare: {
      std::string lhs = e.lhs.field;
      for (auto t : e.lhs.transformers)
        lhs = std::string(ast::TransformerName(t)) + "(" + lhs + ")";
      std::string s = lhs + " " + ast::OpName(e.op);
      if (e.rhs == Expr::Rhs::kValue) s += " " + e.values[0].text;
      if (e.rhs == Expr::Rhs::kList) {
        s += " [";
        for (size_t i = 0; i < e.values.size(); ++i) s += (i ? "," : "") + e.values[i].text;
        s += "]";
      }
      if (e.rhs == Expr::Rhs::kField) {
        std::string r = e.rhs_field.field;
        for (auto t : e.rhs_field.transformers) {
          r = std::string(ast::TransformerName(t)) + "(" + r + ")";
        }
        s += " val(" + r + ")";
      }
      return s;
    }
  }
  return "?";
}

std::string Parse(std::string_view text) {
  ParseResult r = ParseCondition(text);
  if (!r.expr)
    return "error " + r.error.code + " @" + std::to_string(r.error.pos) + ": " + r.error.message;
  return Show(*r.expr);
}

TEST(ConditionParser, EveryOperator) {
  EXPECT_EQ(Parse("a.b = x"), "a.b = x");
  EXPECT_EQ(Parse("a.b == x"), "a.b = x");
  EXPECT_EQ(Parse("a.b!=x"), "a.b != x");
  EXPECT_EQ(Parse("a.b<1"), "a.b < 1");
  EXPECT_EQ(Parse("a.b <= 1"), "a.b <= 1");
  EXPECT_EQ(Parse("a.b>1"), "a.b > 1");
  EXPECT_EQ(Parse("a.b >= 1"), "a.b >= 1");
  for (const char* op : {"contains", "icontains", "bcontains", "startswith", "bstartswith",
                         "endswith", "glob", "iglob", "regex"}) {
    EXPECT_EQ(Parse(std::string("a.b ") + op + " x"), std::string("a.b ") + op + " x") << op;
  }
  EXPECT_EQ(Parse("a.b in (x, y)"), "a.b in [x,y]");
  EXPECT_EQ(Parse("a.b intersects (x)"), "a.b intersects [x]");
  EXPECT_EQ(Parse("a.b pmatch (/etc, /usr)"), "a.b pmatch [/etc,/usr]");
  EXPECT_EQ(Parse("a.b exists"), "a.b exists");
}

TEST(ConditionParser, PrecedenceNotAndOr) {
  EXPECT_EQ(Parse("not a.b = 1 and c.d = 2 or e.f = 3"), "or(and(not(a.b = 1),c.d = 2),e.f = 3)");
  EXPECT_EQ(Parse("a.b = 1 or c.d = 2 and e.f = 3"), "or(a.b = 1,and(c.d = 2,e.f = 3))");
  EXPECT_EQ(Parse("not (a.b = 1 or c.d = 2)"), "not(or(a.b = 1,c.d = 2))");
  EXPECT_EQ(Parse("not not m"), "not(not(@m))");
  EXPECT_EQ(Parse("((m1)) and not(m2)"), "and(@m1,not(@m2))");
}

TEST(ConditionParser, MacrosAndKeywordsNeedWordBoundaries) {
  EXPECT_EQ(Parse("android and notify or order"), "or(and(@android,@notify),@order)");
  EXPECT_EQ(Parse("a.b = andx"), "a.b = andx");
}

TEST(ConditionParser, FieldArguments) {
  EXPECT_EQ(Parse("proc.aname[2] = bash"), "proc.aname[2] = bash");
  EXPECT_EQ(Parse("evt.arg.flags contains O_WRONLY"), "evt.arg.flags contains O_WRONLY");
  EXPECT_EQ(Parse("evt.arg[0] = 1"), "evt.arg[0] = 1");
  EXPECT_EQ(Parse("container.mount.dest[/etc] exists"), "container.mount.dest[/etc] exists");
  EXPECT_EQ(Parse("k8s.pod.label[app.kubernetes.io/name] = x"),
            "k8s.pod.label[app.kubernetes.io/name] = x");
  EXPECT_EQ(Parse("x.y[\"a b]\"] = 1"), "x.y[a b]] = 1");  // quoted arguments, unquoted
  EXPECT_EQ(Parse("a.b in shells"), "a.b in [shells]");    // a list by name
}

TEST(ConditionParser, TransformersAndFieldValues) {
  EXPECT_EQ(Parse("tolower(proc.name) = bash"), "tolower(proc.name) = bash");
  EXPECT_EQ(Parse("len(toupper(fd.name)) > 3"), "len(toupper(fd.name)) > 3");
  EXPECT_EQ(Parse("basename( fd.name ) = x"), "basename(fd.name) = x");
  EXPECT_EQ(Parse("b64(x.y) contains z"), "b64(x.y) contains z");
  EXPECT_EQ(Parse("proc.name = val(proc.pname)"), "proc.name = val(proc.pname)");
  EXPECT_EQ(Parse("proc.name = tolower(proc.pname)"), "proc.name = val(tolower(proc.pname))");
}

TEST(ConditionParser, QuotedStringsAndEscapes) {
  ParseResult r = ParseCondition(R"(a.b = "x y (z), \"q\" \\ \n")");
  ASSERT_TRUE(r.expr);
  EXPECT_EQ(r.expr->values[0].text, "x y (z), \"q\" \\ \n");
  EXPECT_TRUE(r.expr->values[0].quoted);
  r = ParseCondition(R"(a.b = 'it\'s' and c.d regex '\\d+')");
  ASSERT_TRUE(r.expr);
  EXPECT_EQ(r.expr->children[0]->values[0].text, "it's");
  EXPECT_EQ(r.expr->children[1]->values[0].text, "\\d+");
  EXPECT_EQ(ParseCondition(R"(a.b = "a\qb")").error.code, "syntax");  // as Falco: no \q
  EXPECT_EQ(Parse("a.b in (\"a b\", 'c,d', e)"), "a.b in [a b,c,d,e]");
}

TEST(ConditionParser, NestedListsFlatten) {
  EXPECT_EQ(Parse("a.b in (x, (y, (z)), w)"), "a.b in [x,y,z,w]");
  EXPECT_EQ(Parse("a.b in ()"), "a.b in []");
  EXPECT_EQ(Parse("a.b in ( )"), "a.b in []");
}

TEST(ConditionParser, PositionsPointAtTokens) {
  ParseResult r = ParseCondition("m1 and  proc.name   contains   'x'");
  ASSERT_TRUE(r.expr);
  const Expr& c = *r.expr->children[1];
  EXPECT_EQ(c.lhs.pos, 8u);
  EXPECT_EQ(c.op_pos, 20u);
  EXPECT_EQ(c.values[0].pos, 31u);
  EXPECT_EQ(r.expr->children[0]->pos, 0u);
}

TEST(ConditionParser, Errors) {
  auto err = [](std::string_view text) { return ParseCondition(text).error; };
  EXPECT_EQ(err("(a.b = 1").code, "unbalanced-parenthesis");
  EXPECT_EQ(err("(a.b = 1").pos, 0u);
  EXPECT_EQ(err("a.b = 1)").code, "unbalanced-parenthesis");
  EXPECT_EQ(err("a.b = 1)").pos, 7u);
  EXPECT_EQ(err("a.b in (x, y").code, "unbalanced-parenthesis");
  EXPECT_EQ(err("").code, "syntax");
  EXPECT_EQ(err("a.b =").code, "syntax");
  EXPECT_EQ(err("a.b bogus x").code, "syntax");
  EXPECT_EQ(err("a.b bogus x").pos, 4u);
  EXPECT_EQ(err("a.b bogus x").token, "bogus");
  EXPECT_EQ(err("a.b in 'x'").code, "syntax");
  EXPECT_EQ(err("a.b = = x").code, "syntax");  // '=' cannot start a bare value
  EXPECT_EQ(err("(a.b = 1 and (c.d = 2").code, "unbalanced-parenthesis");
  EXPECT_EQ(err("(a.b = 1 and (c.d = 2").pos, 13u);
  EXPECT_EQ(err("a.b = (x)").code, "syntax");
  EXPECT_EQ(err("a.b = 'x").code, "syntax");
  EXPECT_EQ(err("a.b = 1 m").code, "syntax");
  EXPECT_EQ(err("and").code, "syntax");
  EXPECT_EQ(err("tolower(a.b = 1").code, "syntax");
  EXPECT_EQ(err("a.b[1 = 1").code, "syntax");
}

TEST(ConditionParser, DeepNestingIsRefusedNotACrash) {
  std::string deep(100000, '(');
  EXPECT_EQ(ParseCondition(deep).error.code, "syntax");
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  EXPECT_EQ(ParseCondition(nots + "m").error.code, "syntax");
  std::string lists = "a.b in " + std::string(100000, '(');
  EXPECT_EQ(ParseCondition(lists).error.code, "syntax");
  // Long flat chains are fine (iterative).
  std::string chain = "m";
  for (int i = 0; i < 20000; ++i) chain += " and m";
  ParseResult r = ParseCondition(chain);
  ASSERT_TRUE(r.expr);
  EXPECT_EQ(r.expr->children.size(), 20001u);
}

}  // namespace
}  // namespace vigil::rules
