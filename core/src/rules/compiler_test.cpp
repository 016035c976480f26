// The compiler and the compiled rule set in process: semantics per operator and type, missing
// values, macros, lists, exceptions, the event-type index, constant folding, outputs, errors.
// (The end-to-end semantics suite through `vigil run` lives in tests/rules.)
#include <arpa/inet.h>
#include <fnmatch.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "values.hpp"
#include "vigil/core/event_type_names.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::rules {
namespace {

using fields::FieldInfo;
using fields::FieldType;
using fields::Value;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Test fields `t.*` whose values the test sets per event; counts extractions.
class FakeFields final : public fields::FieldProvider {
 public:
  FakeFields() {
    auto add = [&](std::string name, FieldType type, bool list = false,
                   fields::ArgKind arg = fields::ArgKind::kNone) {
      FieldInfo f;
      f.name = std::move(name);
      f.type = type;
      f.is_list = list;
      f.arg = arg;
      fields_.push_back(std::move(f));
    };
    add("t.str", FieldType::kString);
    add("t.str2", FieldType::kString);
    add("t.u", FieldType::kUint64);
    add("t.u2", FieldType::kUint64);
    add("t.i", FieldType::kInt64);
    add("t.b", FieldType::kBool);
    add("t.ip", FieldType::kIpAddr);
    add("t.net", FieldType::kIpNet);
    add("t.rel", FieldType::kRelTime);
    add("t.abs", FieldType::kAbsTime);
    add("t.list", FieldType::kString, true);
    add("t.nlist", FieldType::kUint64, true);
    add("t.key", FieldType::kString, false, fields::ArgKind::kKey);
    add("t.idx", FieldType::kString, false, fields::ArgKind::kIndex);
    add("t.any", FieldType::kString);  // several values, any-of (like proc.aname)
    add("t.bytes", FieldType::kBytes);
    add("t.costly", FieldType::kString);  // its extractor says it is costly (like a plugin's)
  }
  const std::string& name() const override { return name_; }
  const std::vector<FieldInfo>& fields() const override { return fields_; }
  bool AppliesTo(std::string_view source) const override { return source != "other"; }
  std::vector<std::string> Sources() const override { return {}; }

  class Ex final : public fields::Extractor {
   public:
    Ex(FakeFields* owner, std::string key) : owner_(owner), key_(std::move(key)) {}
    bool costly() const override { return key_ == "t.costly"; }
    std::span<const Value> Extract(const fields::EventContext&) override {
      ++owner_->extractions;
      if (costly()) ++owner_->costly_extractions;
      out_.clear();
      auto it = owner_->values.find(key_);
      if (it == owner_->values.end()) return {};
      for (const Value& v : it->second) out_.push_back(v);
      return out_;
    }

   private:
    FakeFields* owner_;
    std::string key_;
    std::vector<Value> out_;
  };

  StatusOr<std::unique_ptr<fields::Extractor>> Bind(size_t index,
                                                    const fields::FieldArg& arg) override {
    std::string key = fields_[index].name + (arg.present ? "[" + arg.text + "]" : "");
    return std::unique_ptr<fields::Extractor>(std::make_unique<Ex>(this, key));
  }

  void Str(const std::string& key, std::vector<std::string> v) {
    auto& store = strings[key];
    store = std::move(v);
    auto& vals = values[key];
    vals.clear();
    for (const std::string& s : store) vals.push_back({s, 0});
  }
  void Num(const std::string& key, std::vector<uint64_t> v) {
    auto& vals = values[key];
    vals.clear();
    for (uint64_t n : v) vals.push_back({{}, n});
  }
  void Ip(const std::string& key, const std::string& text, int prefix = -1) {
    uint8_t buf[17];
    size_t n = 4;
    if (inet_pton(AF_INET, text.c_str(), buf) != 1) {
      ASSERT_EQ(inet_pton(AF_INET6, text.c_str(), buf), 1);
      n = 16;
    }
    if (prefix >= 0) buf[n++] = static_cast<uint8_t>(prefix);
    Str(key, {std::string(reinterpret_cast<char*>(buf), n)});
  }

  std::map<std::string, std::vector<Value>> values;
  std::map<std::string, std::vector<std::string>> strings;
  uint64_t extractions = 0;
  uint64_t costly_extractions = 0;

 private:
  std::string name_ = "fake";
  std::vector<FieldInfo> fields_;
};

class Rules : public ::testing::Test {
 protected:
  Rules() : fake_(std::make_shared<FakeFields>()) {
    fields::RegisterCoreFields(registry_, {.hostname = "node-1"});
    registry_.Add(fake_);
    options_.registry = &registry_;
  }

  std::unique_ptr<Ruleset> Load(std::vector<std::string> texts) {
    std::vector<RulesFile> files;
    for (size_t i = 0; i < texts.size(); ++i) {
      files.push_back({"f" + std::to_string(i) + ".yaml", std::move(texts[i])});
    }
    diags_ = Diagnostics();
    return LoadRuleset(files, options_, diags_);
  }

  static std::string Rule(const std::string& name, const std::string& cond,
                          const std::string& extra = "") {
    return "- rule: " + name + "\n  desc: d\n  condition: |-\n    " + cond +
           "\n  output: out\n  priority: INFO\n" + extra;
  }

  // Loads one rule with `cond` (evt.type restricted by the caller or not) and evaluates it on an
  // openat event. Fails the test on load errors.
  bool Eval(const std::string& cond) {
    auto rs = Load({Rule("r", cond, "  warn_evttypes: false\n")});
    EXPECT_TRUE(rs) << cond << "\n" << Errors();
    if (!rs) return false;
    return !Matches(*rs, *EventTypeCode("openat")).empty();
  }

  std::vector<std::string> Matches(Ruleset& rs, uint16_t type,
                                   const std::string& source = "syscall") {
    fields::EventContext ctx;
    ctx.evtnum = ++evtnum_;
    ctx.ts_ns = 1700000000123456789ull;
    ctx.type = type;
    ctx.source_name = &source;
    ctx.source_index = static_cast<uint32_t>(rs.sources().size());
    for (size_t i = 0; i < rs.sources().size(); ++i) {
      if (rs.sources()[i] == source) ctx.source_index = static_cast<uint32_t>(i);
    }
    std::vector<size_t> m;
    rs.Evaluate(ctx, &m);
    std::vector<std::string> names;
    for (size_t i : m) names.push_back(rs.rules()[i].name);
    last_ctx_ = ctx;
    return names;
  }

  std::string Errors() const {
    std::string s;
    for (const auto& d : diags_.items()) s += d.ToString() + "\n";
    return s;
  }
  const Diagnostic* Find(const std::string& code) const {
    for (const auto& d : diags_.items()) {
      if (d.code == code) return &d;
    }
    return nullptr;
  }

  std::shared_ptr<FakeFields> fake_;
  fields::FieldRegistry registry_;
  LoadOptions options_;
  Diagnostics diags_;
  uint64_t evtnum_ = 0;
  fields::EventContext last_ctx_;
};

TEST_F(Rules, StringOperators) {
  fake_->Str("t.str", {"/usr/bin/Bash"});
  EXPECT_TRUE(Eval("t.str = /usr/bin/Bash"));
  EXPECT_TRUE(Eval("t.str == /usr/bin/Bash"));
  EXPECT_FALSE(Eval("t.str = /usr/bin/bash"));
  EXPECT_TRUE(Eval("t.str != /usr/bin/bash"));
  EXPECT_TRUE(Eval("t.str contains bin/B"));
  EXPECT_FALSE(Eval("t.str contains bin/b"));
  EXPECT_TRUE(Eval("t.str icontains BIN/b"));
  EXPECT_TRUE(Eval("t.str startswith /usr/"));
  EXPECT_FALSE(Eval("t.str startswith usr"));
  EXPECT_TRUE(Eval("t.str endswith Bash"));
  fake_->Str("t.bytes", {"/usr/bin/Bash"});
  EXPECT_TRUE(Eval("t.bytes bcontains 2f42617368"));  // "/Bash"
  EXPECT_TRUE(Eval("t.bytes bstartswith 2f757372"));  // "/usr"
  EXPECT_FALSE(Eval("t.bytes bstartswith 2f757373"));
  EXPECT_TRUE(Eval("t.str glob '/usr/*/B?sh'"));
  EXPECT_FALSE(Eval("t.str glob '/usr/*/b?sh'"));
  EXPECT_TRUE(Eval("t.str iglob '/USR/*/b[a]sh'"));
  EXPECT_TRUE(Eval("t.str regex '/usr/.*/B.sh'"));
  EXPECT_FALSE(Eval("t.str regex 'bin'"));  // a full match, not a search
  EXPECT_TRUE(Eval("t.str in (a, /usr/bin/Bash)"));
  EXPECT_FALSE(Eval("t.str in (a, b)"));
  EXPECT_TRUE(Eval("t.str intersects (/usr/bin/Bash)"));
  EXPECT_TRUE(Eval("t.str pmatch (/usr/bin)"));
  EXPECT_TRUE(Eval("t.str pmatch (/usr/bin/Bash)"));
  EXPECT_FALSE(Eval("t.str pmatch (/usr/bi)"));
  EXPECT_TRUE(Eval("t.str exists"));
  EXPECT_TRUE(Eval("t.str < /v"));
  EXPECT_TRUE(Eval("t.str > /a"));
}

// `or`s of startswith/endswith/contains on one field run as one test of several constants: the
// answers are those of the tests one by one.
TEST_F(Rules, AlternativeAffixesOnOneField) {
  fake_->Str("t.str", {"/dev/vda1"});
  fake_->Str("t.any", {"/usr/bin/x", "/dev/nvme0"});
  const std::string affixes =
      "(t.str startswith /dev/sd or t.str startswith /dev/vd or "
      "t.str endswith .log or t.str contains /mapper/)";
  EXPECT_TRUE(Eval(affixes));
  for (const char* v : {"/dev/sda", "/var/x.log", "/dev/mapper/root", "/dev/vd"}) {
    fake_->Str("t.str", {v});
    EXPECT_TRUE(Eval(affixes)) << v;
  }
  for (const char* v : {"/dev/s", "/dev/xvda", "log", "/dev/mapper", ""}) {
    fake_->Str("t.str", {v});
    EXPECT_FALSE(Eval(affixes)) << v;
  }
  fake_->Str("t.str", {"abc"});
  EXPECT_TRUE(Eval("t.str startswith '' or t.str startswith zz"));
  EXPECT_TRUE(Eval("t.str endswith zz or t.str endswith abc"));
  EXPECT_FALSE(Eval("t.str startswith abcd or t.str endswith xabc"));
  // Not merged across fields, transformers or a `not`; any value of a multi-valued field.
  EXPECT_TRUE(Eval("t.str startswith zz or toupper(t.str) startswith AB"));
  EXPECT_FALSE(Eval("t.str startswith zz or toupper(t.str) startswith ab"));
  EXPECT_TRUE(Eval("t.str startswith zz or not t.str startswith zz"));
  EXPECT_TRUE(Eval("t.any startswith /dev/sd or t.any startswith /dev/nv"));
  EXPECT_FALSE(Eval("t.any startswith /dev/sd or t.any startswith /dev/vd"));
  // A shared macro keeps its own answer in the rules that use it alone.
  auto rs = Load({"- macro: m\n  condition: t.str startswith zz\n" +
                  Rule("both", "evt.type = openat and (m or t.str startswith ab)") +
                  Rule("alone", "evt.type = openat and m")});
  ASSERT_TRUE(rs) << Errors();
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("both"));
}

// Lists past 8 items are a hash set behind a one-hash filter: every item is found, others not.
TEST_F(Rules, LongListsFindEveryItem) {
  std::string items;
  std::vector<std::string> in;
  for (int i = 0; i < 40; ++i) in.push_back(std::string(i % 7, 'a') + "bin" + std::to_string(i));
  in.push_back("/a/very/long/path/past/sixty/four/bytes/of/text/for/the/filter/index");
  for (const std::string& v : in) items += (items.empty() ? "" : ", ") + v;
  for (const std::string& v : in) {
    fake_->Str("t.str", {v});
    EXPECT_TRUE(Eval("t.str in (" + items + ")")) << v;
  }
  for (const char* v : {"", "bin", "abin1x", "bin40", "/a/very/long/path"}) {
    fake_->Str("t.str", {v});
    EXPECT_FALSE(Eval("t.str in (" + items + ")")) << v;
    EXPECT_TRUE(Eval("not t.str in (" + items + ")")) << v;
  }
}

TEST(GlobMatch, AgreesWithFnmatch) {
  // Random patterns and strings over a small alphabet, against glibc's fnmatch (flags 0).
  std::mt19937 rng(42);
  const std::string pat_chars = "ab*?[]!-\\/";
  const std::string str_chars = "ab-]/";
  for (int n = 0; n < 200000; ++n) {
    std::string p, v;
    for (size_t i = rng() % 8; i > 0; --i) p += pat_chars[rng() % pat_chars.size()];
    for (size_t i = rng() % 8; i > 0; --i) v += str_chars[rng() % str_chars.size()];
    ASSERT_EQ(GlobMatch(p, v, false), fnmatch(p.c_str(), v.c_str(), 0) == 0)
        << "pattern '" << p << "' value '" << v << "'";
  }
  EXPECT_TRUE(GlobMatch("/USR/*/b[A]SH", "/usr/bin/Bash", true));
}

TEST(GlobMatch, IsLinearOnPathologicalPatterns) {
  // glibc's fnmatch takes exponential time here; a rule must not stall the engine.
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "*a";
  pattern += "*b";
  EXPECT_FALSE(GlobMatch(pattern, std::string(4000, 'a'), false));
}

TEST_F(Rules, NumericBoolIpAndTimeOperators) {
  fake_->Num("t.u", {42});
  fake_->Num("t.i", {static_cast<uint64_t>(int64_t{-5})});
  fake_->Num("t.b", {1});
  fake_->Num("t.rel", {1000});
  fake_->Num("t.abs", {1700000000000000000ull});
  fake_->Ip("t.ip", "10.1.2.3");
  fake_->Ip("t.net", "192.168.1.7", 32);
  EXPECT_TRUE(Eval("t.u = 42"));
  EXPECT_TRUE(Eval("t.u != 41"));
  EXPECT_TRUE(Eval("t.u > 41 and t.u >= 42 and t.u < 43 and t.u <= 42"));
  EXPECT_FALSE(Eval("t.u > 42"));
  EXPECT_TRUE(Eval("t.u in (1, 42)"));
  EXPECT_TRUE(Eval("t.i < 0"));  // signed comparison
  EXPECT_TRUE(Eval("t.i = -5"));
  EXPECT_FALSE(Eval("t.i > -1"));
  EXPECT_TRUE(Eval("t.b = true"));
  EXPECT_FALSE(Eval("t.b = false"));
  EXPECT_TRUE(Eval("t.b != false"));
  EXPECT_TRUE(Eval("t.rel > 999 and t.abs > 1699999999999999999"));
  EXPECT_TRUE(Eval("t.ip = 10.1.2.3"));
  EXPECT_FALSE(Eval("t.ip = 10.1.2.4"));
  EXPECT_TRUE(Eval("t.ip in (192.168.0.1, 10.1.2.3)"));
  EXPECT_FALSE(Eval("t.ip in (192.168.0.1, ::ffff:10.1.2.3)"));  // families never compare equal
  EXPECT_TRUE(Eval("t.ip != 10.1.2.4"));
  EXPECT_TRUE(Eval("t.net = 192.168.0.0/16"));
  EXPECT_TRUE(Eval("t.net in (10.0.0.0/8, 192.168.0.0/16)"));
  EXPECT_FALSE(Eval("t.net in (10.0.0.0/8, 172.16.0.0/12)"));
  fake_->Ip("t.ip", "::1");
  EXPECT_TRUE(Eval("t.ip = ::1"));
  EXPECT_TRUE(Eval("t.ip in (fe80::1, ::1)"));
  fake_->Ip("t.net", "fe80::7", 128);
  EXPECT_TRUE(Eval("t.net = fe80::/10"));
  EXPECT_FALSE(Eval("t.net in (10.0.0.0/8)"));
}

TEST_F(Rules, MissingValuesMakeEveryComparisonFalse) {
  // t.str has no value in this event.
  EXPECT_FALSE(Eval("t.str = x"));
  EXPECT_FALSE(Eval("t.str != x"));
  EXPECT_FALSE(Eval("t.str in (x)"));
  EXPECT_FALSE(Eval("t.str exists"));
  EXPECT_FALSE(Eval("t.u < 1"));
  EXPECT_TRUE(Eval("not t.str = x"));
  EXPECT_TRUE(Eval("not t.str exists"));
  EXPECT_FALSE(Eval("t.str = val(t.str2)"));
  fake_->Str("t.str", {"x"});
  EXPECT_FALSE(Eval("t.str = val(t.str2)"));  // the right side has no value either
}

TEST_F(Rules, ListFields) {
  fake_->Str("t.list", {"a", "b"});
  fake_->Num("t.nlist", {1, 2, 3});
  EXPECT_TRUE(Eval("t.list in (a, b, c)"));  // every value in the set
  EXPECT_FALSE(Eval("t.list in (a, c)"));
  EXPECT_TRUE(Eval("t.list intersects (c, b)"));  // some value in the set
  EXPECT_FALSE(Eval("t.list intersects (c)"));
  EXPECT_TRUE(Eval("t.nlist intersects (3)"));
  EXPECT_TRUE(Eval("t.nlist in (1, 2, 3, 4)"));
  EXPECT_TRUE(Eval("len(t.list) = 2"));
  EXPECT_TRUE(Eval("t.list exists"));
  EXPECT_FALSE(Load({Rule("r", "t.list = a")}));
  ASSERT_TRUE(Find("bad-operator"));
  EXPECT_THAT(Find("bad-operator")->message,
              HasSubstr("supports only 'exists', 'in' and 'intersects'"));
}

TEST_F(Rules, MultiValuedFieldsMatchAnyValue) {
  fake_->Str("t.any", {"sshd", "bash", "init"});
  EXPECT_TRUE(Eval("t.any = bash"));
  EXPECT_FALSE(Eval("t.any = zsh"));
  EXPECT_TRUE(Eval("t.any in (zsh, init)"));
}

TEST_F(Rules, Transformers) {
  fake_->Str("t.str", {"/Usr/Bin/BASH"});
  fake_->Str("t.str2", {"L3Vzci9iaW4vYmFzaA=="});  // base64 of /usr/bin/bash
  EXPECT_TRUE(Eval("tolower(t.str) = /usr/bin/bash"));
  EXPECT_TRUE(Eval("toupper(t.str) = /USR/BIN/BASH"));
  EXPECT_TRUE(Eval("basename(t.str) = BASH"));
  EXPECT_TRUE(Eval("len(t.str) = 13"));
  EXPECT_TRUE(Eval("b64(t.str2) = /usr/bin/bash"));
  EXPECT_TRUE(Eval("tolower(basename(t.str)) = bash"));
  EXPECT_TRUE(Eval("len(basename(t.str)) = 4"));
  EXPECT_TRUE(Eval("tolower(t.str) = tolower(t.str)"));
  fake_->Str("t.str2", {"not base64!"});
  EXPECT_FALSE(Eval("b64(t.str2) exists"));
  EXPECT_FALSE(Load({Rule("r", "tolower(t.u) = 1")}));
  ASSERT_TRUE(Find("bad-operator"));
}

TEST_F(Rules, FieldAgainstField) {
  fake_->Str("t.str", {"bash"});
  fake_->Str("t.str2", {"bash"});
  fake_->Num("t.u", {5});
  fake_->Num("t.u2", {7});
  EXPECT_TRUE(Eval("t.str = val(t.str2)"));
  EXPECT_TRUE(Eval("t.u < val(t.u2)"));
  EXPECT_FALSE(Eval("t.u > val(t.u2)"));
  EXPECT_TRUE(Eval("t.str startswith val(t.str2)"));
  EXPECT_FALSE(Load({Rule("r", "t.str = val(t.u)")}));
  ASSERT_TRUE(Find("bad-operator"));
}

TEST_F(Rules, FieldArguments) {
  fake_->Str("t.key[flags]", {"O_RDONLY"});
  fake_->Str("t.idx[2]", {"sshd"});
  EXPECT_TRUE(Eval("t.key.flags = O_RDONLY"));
  EXPECT_TRUE(Eval("t.key[flags] = O_RDONLY"));
  EXPECT_FALSE(Eval("t.key[other] exists"));
  EXPECT_TRUE(Eval("t.idx[2] = sshd"));
  EXPECT_FALSE(Load({Rule("r", "t.idx[x] = a")}));
  ASSERT_TRUE(Find("bad-field-argument"));
  EXPECT_FALSE(Load({Rule("r", "t.str[1] = a")}));
  ASSERT_TRUE(Find("bad-field-argument"));
}

TEST_F(Rules, MacrosAndListsAcrossFilesBeforeDefinition) {
  fake_->Str("t.str", {"zsh"});
  auto rs = Load({Rule("r", "evt.type = openat and is_shell") +
                      "- list: shells\n  items: [bash, more_shells]\n",
                  "- macro: is_shell\n  condition: t.str in (shells)\n"
                  "- list: more_shells\n  items: [zsh, \"fish\"]\n"});
  ASSERT_TRUE(rs) << Errors();
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("r"));
  fake_->Str("t.str", {"more_shells"});  // a list name is not itself an item
  EXPECT_TRUE(Matches(*rs, *EventTypeCode("openat")).empty());
}

TEST_F(Rules, QuotedListNamesAreValues) {
  fake_->Str("t.str", {"shells"});
  EXPECT_TRUE(Eval("t.str in ('shells')"));
  fake_->Str("t.str", {"bash"});
  auto rs = Load(
      {"- list: shells\n  items: [bash]\n" + Rule("r", "evt.type = openat and t.str in shells")});
  ASSERT_TRUE(rs) << Errors();  // `in name` without parentheses names a list
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("r"));
}

TEST_F(Rules, QuotedListItemsAreStringsAsInACondition) {
  // Falco's own lists write networks as '"10.0.0.0/8"': the quotes belong to the condition syntax.
  fake_->Ip("t.net", "10.9.8.7", 32);
  fake_->Str("t.str", {"a b"});
  auto rs =
      Load({"- list: nets\n  items: ['\"10.0.0.0/8\"', \"'192.168.0.0/16'\"]\n"
            "- list: names\n  items: ['\"a b\"', '\"nets\"']\n" +
            Rule("r", "evt.type = openat and t.net in (nets) and t.str in (names)")});
  ASSERT_TRUE(rs) << Errors();
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("r"));
  fake_->Str("t.str", {"nets"});  // a quoted list name is a string
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("r"));
}

TEST_F(Rules, SharedMacrosGiveEachRuleTheRightResult) {
  fake_->Str("t.str", {"x"});
  fake_->Num("t.u", {1});
  auto rs = Load({"- macro: m\n  condition: t.str = x\n" +
                  Rule("a", "evt.type = openat and m and t.u = 1") +
                  Rule("b", "evt.type = openat and not m") +
                  Rule("c", "evt.type = openat and (m or t.u = 2)")});
  ASSERT_TRUE(rs) << Errors();
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("a", "c"));
  fake_->Str("t.str", {"y"});
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("b"));
}

TEST_F(Rules, MacroErrorsAreReportedAtTheMacroOnce) {
  auto rs = Load({"- macro: m\n  condition: t.nope = 1\n" + Rule("a", "m") + Rule("b", "m")});
  EXPECT_FALSE(rs);
  size_t n = 0;
  for (const auto& d : diags_.items()) n += d.code == "unknown-field";
  EXPECT_EQ(n, 1u) << Errors();
  const Diagnostic* d = Find("unknown-field");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->item_kind, "macro");
  EXPECT_EQ(d->item_name, "m");
  EXPECT_EQ(d->pos.line, 2u);
  EXPECT_EQ(d->pos.column, 14u);
  EXPECT_EQ(d->token, "t.nope");
}

TEST_F(Rules, UndefinedMacroAndCycles) {
  EXPECT_FALSE(Load({Rule("r", "t.str = a and nosuch")}));
  const Diagnostic* d = Find("undefined-macro");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->token, "nosuch");
  EXPECT_EQ(d->pos.line, 4u);
  EXPECT_EQ(d->pos.column, 19u);
  EXPECT_FALSE(Load({"- macro: a\n  condition: b\n- macro: b\n  condition: a\n" + Rule("r", "a")}));
  EXPECT_TRUE(Find("macro-cycle")) << Errors();
  EXPECT_FALSE(
      Load({"- list: a\n  items: [b]\n- list: b\n  items: [a]\n" + Rule("r", "t.str in (a)")}));
  EXPECT_TRUE(Find("list-cycle")) << Errors();
}

TEST_F(Rules, DeepMacroChainsAreRefusedNotACrash) {
  // 20000 macros each using the next: a tree deeper than any pass may recurse.
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "- macro: m" + std::to_string(i) + "\n  condition: m" + std::to_string(i + 1) + "\n";
  }
  text += "- macro: m20000\n  condition: t.str = x\n" + Rule("r", "m0");
  EXPECT_FALSE(Load({text}));
  const Diagnostic* d = Find("syntax");
  ASSERT_TRUE(d) << Errors();
  EXPECT_THAT(d->message, HasSubstr("too deeply nested"));
}

TEST_F(Rules, ListBombsAreRefused) {
  // Each list names the next one 16 times: 16^8 items if expanded blindly.
  std::string text;
  for (int i = 0; i < 8; ++i) {
    text += "- list: l" + std::to_string(i) + "\n  items: [";
    for (int j = 0; j < 16; ++j) text += (j ? ", l" : "l") + std::to_string(i + 1);
    text += "]\n";
  }
  text += "- list: l8\n  items: [a]\n" + Rule("r", "t.str in (l0)");
  EXPECT_FALSE(Load({text}));
  EXPECT_TRUE(Find("too-large")) << Errors();
  text.clear();
  for (int i = 0; i < 20000; ++i) {
    text += "- list: d" + std::to_string(i) + "\n  items: [d" + std::to_string(i + 1) + "]\n";
  }
  EXPECT_FALSE(Load({text + Rule("r", "t.str in (d0)")}));
  EXPECT_TRUE(Find("too-large")) << Errors();
}

TEST_F(Rules, TypeErrors) {
  EXPECT_FALSE(Load({Rule("r", "t.u = abc")}));
  const Diagnostic* d = Find("bad-value");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->token, "abc");
  EXPECT_THAT(d->message, HasSubstr("uint64"));
  EXPECT_FALSE(Load({Rule("r", "t.u contains 1")}));
  EXPECT_TRUE(Find("bad-operator"));
  EXPECT_FALSE(Load({Rule("r", "t.b > true")}));
  EXPECT_TRUE(Find("bad-operator"));
  EXPECT_FALSE(Load({Rule("r", "t.b = yes")}));
  EXPECT_TRUE(Find("bad-value"));
  EXPECT_FALSE(Load({Rule("r", "t.ip = 300.1.1.1")}));
  EXPECT_TRUE(Find("bad-value"));
  EXPECT_FALSE(Load({Rule("r", "t.ip = 10.0.0.0/8")}));  // networks are for ipnet fields
  EXPECT_TRUE(Find("bad-value"));
  EXPECT_FALSE(Load({Rule("r", "t.str bcontains 41")}));  // bytes operators are for bytes fields
  EXPECT_TRUE(Find("bad-operator"));
  EXPECT_FALSE(Load({Rule("r", "t.str in nosuchlist")}));
  EXPECT_TRUE(Find("undefined-list"));
  EXPECT_FALSE(Load({Rule("r", "t.str regex '(unclosed'")}));
  EXPECT_TRUE(Find("bad-regex"));
  EXPECT_FALSE(Load({Rule("r", "t.bytes bcontains xyz")}));
  EXPECT_TRUE(Find("bad-value"));
  EXPECT_FALSE(Load({Rule("r", "t.sr = x")}));
  d = Find("unknown-field");
  ASSERT_TRUE(d);
  EXPECT_THAT(d->message, HasSubstr("did you mean 't.str'?"));
  EXPECT_FALSE(Load({Rule("r", "(t.str = x")}));
  EXPECT_TRUE(Find("unbalanced-parenthesis"));
}

TEST_F(Rules, FieldsOfAnotherSourceAreUnknownThere) {
  EXPECT_FALSE(Load({Rule("r", "t.str = x", "  source: other\n")}));
  const Diagnostic* d = Find("unknown-field");
  ASSERT_TRUE(d);
  EXPECT_THAT(d->message, HasSubstr("not available for source 'other'"));
}

TEST_F(Rules, SkipIfUnknownFilter) {
  auto rs =
      Load({Rule("r", "t.nope = x", "  skip-if-unknown-filter: true\n") + Rule("ok", "t.str = x")});
  ASSERT_TRUE(rs) << Errors();
  EXPECT_EQ(rs->rules().size(), 1u);
  EXPECT_TRUE(Find("skipped-unknown-field"));
}

TEST_F(Rules, Exceptions) {
  const std::string rule = Rule("r", "t.str startswith /etc", R"(  exceptions:
    - name: writers
      fields: [t.str2, t.str]
      comps: [=, pmatch]
      values:
        - [apk, [/etc/apk]]
        - [dpkg, dirs]
    - name: one
      fields: t.u
      values: [7, 8]
    - name: unused
      fields: [t.str]
)");
  auto rs = Load({"- list: dirs\n  items: [/etc/dpkg, /etc/apt]\n" + rule});
  ASSERT_TRUE(rs) << Errors();
  auto fires = [&](const std::string& path, const std::string& proc, uint64_t u) {
    fake_->Str("t.str", {path});
    fake_->Str("t.str2", {proc});
    fake_->Num("t.u", {u});
    return !Matches(*rs, *EventTypeCode("openat")).empty();
  };
  EXPECT_TRUE(fires("/etc/passwd", "vi", 1));
  EXPECT_FALSE(fires("/etc/apk/world", "apk", 1));
  EXPECT_TRUE(fires("/etc/apk/world", "dpkg", 1));
  EXPECT_FALSE(fires("/etc/apt/sources.list", "dpkg", 1));
  EXPECT_FALSE(fires("/etc/passwd", "vi", 8));
  EXPECT_FALSE(fires("/usr/x", "vi", 1));
}

TEST_F(Rules, IndexRunsOnlyRulesOfTheEventsType) {
  fake_->Str("t.str", {"x"});
  auto rs = Load({Rule("open", "evt.type in (open, openat) and t.str = x") +
                  Rule("exec", "evt.type = execve and t.str = x") +
                  Rule("notexec", "evt.type != execve and t.str = x") +
                  Rule("all", "t.str = x", "  warn_evttypes: false\n")});
  ASSERT_TRUE(rs) << Errors();
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("open", "notexec", "all"));
  EXPECT_THAT(Matches(*rs, *EventTypeCode("execve")), ElementsAre("exec", "all"));
  // Rules that cannot match a type are not even evaluated: only `all` extracts t.str for connect
  // (`notexec` too: connect is not execve).
  fake_->extractions = 0;
  EXPECT_THAT(Matches(*rs, *EventTypeCode("connect")), ElementsAre("notexec", "all"));
  EXPECT_EQ(fake_->extractions, 1u);  // one shared slot per field and event
  EXPECT_THAT(rs->EventTypesFor("syscall"), ::testing::Contains(*EventTypeCode("execve")));
}

TEST_F(Rules, WithoutTheIndexEveryRuleRuns) {
  options_.index_by_event_type = false;
  fake_->Str("t.str", {"y"});
  auto rs = Load({Rule("exec", "evt.type = execve and t.str = x") +
                  Rule("open", "t.str = x and evt.type = open")});
  ASSERT_TRUE(rs);
  fake_->extractions = 0;
  EXPECT_TRUE(Matches(*rs, *EventTypeCode("connect")).empty());
  EXPECT_EQ(fake_->extractions, 1u);  // `open` ran its t.str check (cached for the next)
}

TEST_F(Rules, CostlyFieldsAreTestedAfterTheCheapOnes) {
  fake_->Str("t.costly", {"a"});
  fake_->Str("t.str", {"x"});
  auto rs = Load({"- macro: in_a\n  condition: t.costly = a\n" +
                  Rule("and", "evt.type = openat and in_a and t.str = y") +
                  Rule("or", "evt.type = openat and (t.costly = a or t.str = x)") +
                  Rule("not", "evt.type = openat and not (t.costly = b and t.str = y)")});
  ASSERT_TRUE(rs) << Errors();
  // The cheap test decides each rule: the costly field is never extracted.
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("or", "not"));
  EXPECT_EQ(fake_->costly_extractions, 0u);
  // Where the cheap test does not decide, the costly one still runs, and the results are the
  // rule's as written.
  fake_->Str("t.str", {"y"});
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("and", "or", "not"));
  EXPECT_EQ(fake_->costly_extractions, 1u);  // once per event, shared by the rules
}

TEST_F(Rules, ConstantFolding) {
  fake_->Str("t.str", {"x"});
  auto rs = Load({"- list: empty\n  items: []\n" +
                  Rule("never", "evt.type = openat and t.str in (empty)") +
                  Rule("always", "evt.type = openat and not t.str in (empty)")});
  ASSERT_TRUE(rs) << Errors();
  fake_->extractions = 0;
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("always"));
  EXPECT_EQ(fake_->extractions, 0u);  // both folded to constants
}

TEST_F(Rules, EveryMatchingRuleFiresInFileOrder) {
  fake_->Str("t.str", {"x"});
  auto rs = Load({Rule("b", "evt.type = openat and t.str = x") +
                      Rule("a", "evt.type = openat and t.str exists"),
                  Rule("c", "evt.type = openat")});
  ASSERT_TRUE(rs);
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("b", "a", "c"));
}

TEST_F(Rules, DisabledRulesDoNotRun) {
  auto rs =
      Load({Rule("a", "evt.type = openat", "  enabled: false\n") + Rule("b", "evt.type = openat")});
  ASSERT_TRUE(rs);
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("b"));
}

TEST_F(Rules, SourcesSeparateRules) {
  auto rs = Load({Rule("sys", "evt.type = openat") +
                  Rule("plug", "evt.type = pluginevent", "  source: k8s_audit\n")});
  ASSERT_TRUE(rs);
  EXPECT_THAT(Matches(*rs, *EventTypeCode("openat"), "syscall"), ElementsAre("sys"));
  EXPECT_THAT(Matches(*rs, 1, "k8s_audit"), ElementsAre("plug"));
  EXPECT_TRUE(Matches(*rs, *EventTypeCode("openat"), "k8s_audit").empty());
}

TEST_F(Rules, Outputs) {
  fake_->Str("t.str", {"bash"});
  fake_->Num("t.u", {42});
  fake_->Num("t.b", {0});
  fake_->Str("t.list", {"a", "b"});
  fake_->Ip("t.ip", "10.0.0.1");
  auto rs =
      Load({"- rule: r\n  desc: d\n  condition: evt.type = openat\n"
            "  output: \"p=%t.str n=%t.u b=%t.b l=%t.list ip=%t.ip miss=%t.str2 "
            "t=%evt.type k=%t.key[x]. %%t.u 100% at %evt.time.\"\n"
            "  priority: WARNING\n  tags: [z, a]\n"});
  ASSERT_TRUE(rs) << Errors();
  ASSERT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("r"));
  router::Alert a = rs->MakeAlert(0, last_ctx_, "node-1");
  EXPECT_EQ(a.rule, "r");
  EXPECT_EQ(a.priority, VIGIL_PRIORITY_WARNING);
  EXPECT_EQ(a.hostname, "node-1");
  EXPECT_EQ(a.time_ns, 1700000000123456789ull);
  EXPECT_EQ(a.output,
            "p=bash n=42 b=false l=(a,b) ip=10.0.0.1 miss=<NA> t=openat k=<NA>. %42 "
            "100% at " +
                alert_format::FormatTimeOfDay(1700000000123456789ull) + ".");
  std::map<std::string, router::AlertFieldValue> f;
  for (const router::AlertField& x : a.output_fields) f[x.name] = x.value;
  EXPECT_EQ(f["t.str"], router::AlertFieldValue(std::string("bash")));
  EXPECT_EQ(f["t.u"], router::AlertFieldValue(uint64_t{42}));
  EXPECT_EQ(f["t.b"], router::AlertFieldValue(false));
  EXPECT_EQ(f["t.str2"], router::AlertFieldValue(std::monostate{}));
  EXPECT_EQ(f["evt.time"], router::AlertFieldValue(uint64_t{1700000000123456789ull}));
  EXPECT_EQ(f["t.key[x]"], router::AlertFieldValue(std::monostate{}));
  EXPECT_EQ(f["t.list"], router::AlertFieldValue(std::vector<router::AlertFieldItem>{
                             std::string("a"), std::string("b")}));
  EXPECT_THAT(a.tags, ElementsAre("z", "a"));
}

// Falco's append_output: matched by source, tags (all of them) and rule name; extra_output goes
// after the message, extra_fields and fixed fields only into output_fields.
TEST_F(Rules, AppendOutput) {
  fake_->Str("t.str", {"bash"});
  fake_->Num("t.u", {42});
  AppendOutput all;
  all.source = "syscall";
  all.extra_output = "u=%t.u";
  all.extra_fields = {"t.str"};
  all.static_fields = {{"cluster", "prod"}};
  AppendOutput tagged;
  tagged.tags = {"container", "shell"};
  tagged.extra_output = "tagged";
  AppendOutput named;
  named.rule = "b";
  named.extra_output = "named";
  AppendOutput other_source;
  other_source.source = "k8s_audit";
  other_source.extra_output = "audit";
  options_.append_output = {all, tagged, named, other_source};
  auto rs = Load({Rule("a", "evt.type = openat", "  tags: [shell, container, x]\n") +
                  Rule("b", "evt.type = openat", "  tags: [shell]\n")});
  ASSERT_TRUE(rs) << Errors();
  ASSERT_THAT(Matches(*rs, *EventTypeCode("openat")), ElementsAre("a", "b"));
  router::Alert a = rs->MakeAlert(0, last_ctx_, "node-1");
  router::Alert b = rs->MakeAlert(1, last_ctx_, "node-1");
  EXPECT_EQ(a.output, "out u=42 tagged");
  EXPECT_EQ(b.output, "out u=42 named");
  std::map<std::string, router::AlertFieldValue> f;
  for (const router::AlertField& x : a.output_fields) f[x.name] = x.value;
  EXPECT_EQ(f.size(), 3u);
  EXPECT_EQ(f["t.u"], router::AlertFieldValue(uint64_t{42}));
  EXPECT_EQ(f["t.str"], router::AlertFieldValue(std::string("bash")));
  EXPECT_EQ(f["cluster"], router::AlertFieldValue(std::string("prod")));
}

TEST_F(Rules, AppendOutputWithAnUnknownFieldIsAnErrorAtTheConfigEntry) {
  AppendOutput a;
  a.extra_fields = {"t.nope"};
  a.path = "append_output[0]";
  a.pos = SourcePos{"vigil.yaml", 7, 5};
  options_.append_output = {a};
  EXPECT_FALSE(Load({Rule("a", "evt.type = openat") + Rule("b", "evt.type = openat")}));
  ASSERT_EQ(diags_.items().size(), 1u) << Errors();  // once, not once per rule
  const Diagnostic& d = diags_.items()[0];
  EXPECT_EQ(d.code, "unknown-field");
  EXPECT_EQ(d.pos, (SourcePos{"vigil.yaml", 7, 5}));
  EXPECT_THAT(d.message, HasSubstr("append_output[0]: "));
  EXPECT_EQ(d.token, "t.nope");
}

TEST_F(Rules, UnknownOutputFieldIsAnError) {
  EXPECT_FALSE(
      Load({"- rule: r\n  desc: d\n  condition: evt.type = openat\n"
            "  output: \"x=%t.nope\"\n  priority: INFO\n"}));
  const Diagnostic* d = Find("unknown-field");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->pos.line, 4u);
  EXPECT_EQ(d->pos.column, 15u);
}

TEST_F(Rules, Warnings) {
  auto rs = Load({"- list: lonely\n  items: [a]\n- macro: idle\n  condition: t.str = a\n" +
                  Rule("r", "t.str = b") + Rule("e", "evt.type = nosuchtype")});
  ASSERT_TRUE(rs) << Errors();
  EXPECT_TRUE(Find("unused-list"));
  EXPECT_TRUE(Find("unused-macro"));
  const Diagnostic* all = Find("all-event-types");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->item_name, "r");
  EXPECT_TRUE(Find("unknown-event-type"));
  EXPECT_EQ(diags_.errors(), 0u);
}

}  // namespace
}  // namespace vigil::rules
