#include "condition_parser.hpp"

#include <array>
#include <optional>
#include <utility>

namespace vigil::rules {
namespace ast {

const char* OpName(Op op) {
  // In the order of the enum.
  static constexpr std::array<const char*, 19> kNames = {
      "=",         "!=",        "<",          "<=",          ">",        ">=",   "contains",
      "icontains", "bcontains", "startswith", "bstartswith", "endswith", "glob", "iglob",
      "regex",     "in",        "intersects", "pmatch",      "exists"};
  return kNames[static_cast<size_t>(op)];
}

bool IsListOp(Op op) { return op == Op::kIn || op == Op::kIntersects || op == Op::kPmatch; }

const char* TransformerName(Transformer t) {
  switch (t) {
    case Transformer::kToLower:
      return "tolower";
    case Transformer::kToUpper:
      return "toupper";
    case Transformer::kB64:
      return "b64";
    case Transformer::kBasename:
      return "basename";
    case Transformer::kLen:
      return "len";
  }
  return "?";
}

ExprPtr Expr::Clone() const {
  auto e = std::make_unique<Expr>();
  e->kind = kind;
  e->pos = pos;
  e->origin = origin;
  e->macro = macro;
  for (const ExprPtr& c : children) e->children.push_back(c->Clone());
  e->name = name;
  e->lhs = lhs;
  e->op = op;
  e->op_pos = op_pos;
  e->rhs = rhs;
  e->values = values;
  e->list_ref = list_ref;
  e->rhs_field = rhs_field;
  e->value = value;
  return e;
}

}  // namespace ast

namespace {

using ast::Expr;
using ast::ExprPtr;
using ast::Op;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsWordChar(char c) { return IsAlpha(c) || (c >= '0' && c <= '9'); }
bool IsFieldChar(char c) { return IsWordChar(c) || c == '.'; }
// A bare value ends at whitespace, parentheses, commas, quotes and '=' (Falco's bare strings).
bool IsBareChar(char c) {
  return !IsSpace(c) && c != '(' && c != ')' && c != ',' && c != '"' && c != '\'' && c != '=';
}

struct WordOp {
  std::string_view word;
  Op op;
};
constexpr std::array<WordOp, 13> kWordOps = {{
    {"contains", Op::kContains},
    {"icontains", Op::kIContains},
    {"bcontains", Op::kBContains},
    {"startswith", Op::kStartsWith},
    {"bstartswith", Op::kBStartsWith},
    {"endswith", Op::kEndsWith},
    {"glob", Op::kGlob},
    {"iglob", Op::kIGlob},
    {"regex", Op::kRegex},
    {"in", Op::kIn},
    {"intersects", Op::kIntersects},
    {"pmatch", Op::kPmatch},
    {"exists", Op::kExists},
}};

std::optional<ast::Transformer> TransformerFor(std::string_view word) {
  if (word == "tolower") return ast::Transformer::kToLower;
  if (word == "toupper") return ast::Transformer::kToUpper;
  if (word == "b64") return ast::Transformer::kB64;
  if (word == "basename") return ast::Transformer::kBasename;
  if (word == "len") return ast::Transformer::kLen;
  return std::nullopt;
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  ParseResult Run() {
    ParseResult result;
    SkipSpace();
    if (AtEnd()) {
      Fail("syntax", "empty condition", pos_);
    } else {
      ExprPtr e = ParseOr();
      SkipSpace();
      if (ok() && !AtEnd()) {
        if (s_[pos_] == ')') {
          Fail("unbalanced-parenthesis", "')' without a matching '('", pos_, ")");
        } else {
          Fail("syntax", "expected 'and', 'or' or the end of the condition", pos_, Token(pos_));
        }
      }
      if (ok()) result.expr = std::move(e);
    }
    result.error = error_;
    return result;
  }

 private:
  bool ok() const { return error_.code.empty(); }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && IsSpace(s_[pos_])) ++pos_;
  }
  void Fail(std::string code, std::string message, size_t at, std::string token = {}) {
    if (!ok()) return;  // the first error is the one worth reading
    error_.code = std::move(code);
    error_.message = std::move(message);
    error_.pos = static_cast<uint32_t>(at);
    error_.token = std::move(token);
  }
  // The token at `at`, for messages: a word, or one character.
  std::string Token(size_t at) const {
    if (at >= s_.size()) return "";
    size_t end = at;
    while (end < s_.size() && !IsSpace(s_[end]) && s_[end] != '(' && s_[end] != ')' &&
           s_[end] != ',' && end - at < 64) {
      ++end;
    }
    if (end == at) ++end;
    return std::string(s_.substr(at, end - at));
  }
  // Reads [A-Za-z0-9_] at pos_ without consuming.
  std::string_view PeekWord() const {
    size_t end = pos_;
    while (end < s_.size() && IsWordChar(s_[end])) ++end;
    return s_.substr(pos_, end - pos_);
  }
  bool AcceptKeyword(std::string_view kw) {
    SkipSpace();
    if (s_.compare(pos_, kw.size(), kw) != 0) return false;
    size_t after = pos_ + kw.size();
    if (after < s_.size() && IsFieldChar(s_[after])) return false;
    pos_ = after;
    return true;
  }

  ExprPtr ParseOr() {
    size_t start = (SkipSpace(), pos_);
    ExprPtr first = ParseAnd();
    if (!ok()) return nullptr;
    if (!AcceptKeyword("or")) return first;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kOr;
    node->pos = static_cast<uint32_t>(start);
    node->children.push_back(std::move(first));
    do {
      ExprPtr next = ParseAnd();
      if (!ok()) return nullptr;
      node->children.push_back(std::move(next));
    } while (AcceptKeyword("or"));
    return node;
  }

  ExprPtr ParseAnd() {
    size_t start = (SkipSpace(), pos_);
    ExprPtr first = ParseNot();
    if (!ok()) return nullptr;
    if (!AcceptKeyword("and")) return first;
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kAnd;
    node->pos = static_cast<uint32_t>(start);
    node->children.push_back(std::move(first));
    do {
      ExprPtr next = ParseNot();
      if (!ok()) return nullptr;
      node->children.push_back(std::move(next));
    } while (AcceptKeyword("and"));
    return node;
  }

  ExprPtr ParseNot() {
    SkipSpace();
    size_t start = pos_;
    if (AcceptKeyword("not")) {
      if (++depth_ > kMaxConditionDepth) {
        Fail("syntax", "condition nested too deeply", start);
        return nullptr;
      }
      ExprPtr inner = ParseNot();
      --depth_;
      if (!ok()) return nullptr;
      auto node = std::make_unique<Expr>();
      node->kind = Expr::Kind::kNot;
      node->pos = static_cast<uint32_t>(start);
      node->children.push_back(std::move(inner));
      return node;
    }
    return ParsePrimary();
  }

  ExprPtr ParsePrimary() {
    SkipSpace();
    size_t start = pos_;
    if (AtEnd()) {
      if (!open_.empty()) {
        Fail("unbalanced-parenthesis", "'(' is never closed", open_.back(), "(");
      } else {
        Fail("syntax", "unexpected end of condition", pos_);
      }
      return nullptr;
    }
    if (Peek() == '(') {
      open_.push_back(pos_);
      ++pos_;
      if (++depth_ > kMaxConditionDepth) {
        Fail("syntax", "condition nested too deeply", start);
        return nullptr;
      }
      ExprPtr inner = ParseOr();
      --depth_;
      if (!ok()) return nullptr;
      SkipSpace();
      open_.pop_back();
      if (Peek() != ')') {
        if (AtEnd()) {
          Fail("unbalanced-parenthesis", "'(' is never closed", start, "(");
        } else {
          Fail("syntax", "expected ')', 'and' or 'or'", pos_, Token(pos_));
        }
        return nullptr;
      }
      ++pos_;
      return inner;
    }
    if (Peek() == ')') {
      Fail("unbalanced-parenthesis", "')' without a matching '('", pos_, ")");
      return nullptr;
    }
    if (!IsAlpha(Peek())) {
      Fail("syntax", "expected a field, a macro or '('", pos_, Token(pos_));
      return nullptr;
    }
    // A word without dots not followed by '(' or an operator is a macro reference.
    std::string_view word = PeekWord();
    if (word == "and" || word == "or") {
      Fail("syntax", "expected a field, a macro or '(' before '" + std::string(word) + "'", pos_,
           std::string(word));
      return nullptr;
    }
    size_t after = pos_ + word.size();
    bool dotted = after < s_.size() && (s_[after] == '.' || s_[after] == '[');
    if (!dotted && !TransformerFor(word)) {
      size_t save = pos_;
      pos_ = after;
      SkipSpace();
      bool op_follows = PeekOperator().has_value();
      pos_ = save;
      if (!op_follows) {
        pos_ = after;
        auto node = std::make_unique<Expr>();
        node->kind = Expr::Kind::kMacro;
        node->pos = static_cast<uint32_t>(start);
        node->name = std::string(word);
        return node;
      }
    }
    return ParseCheck();
  }

  // The operator at pos_ (after whitespace), and its length, without consuming it.
  std::optional<std::pair<Op, size_t>> PeekOperator() const {
    if (AtEnd()) return std::nullopt;
    std::string_view rest = s_.substr(pos_);
    if (rest.starts_with("==")) return std::pair{Op::kEq, size_t{2}};
    if (rest.starts_with("!=")) return std::pair{Op::kNe, size_t{2}};
    if (rest.starts_with("<=")) return std::pair{Op::kLe, size_t{2}};
    if (rest.starts_with(">=")) return std::pair{Op::kGe, size_t{2}};
    if (rest.starts_with("=")) return std::pair{Op::kEq, size_t{1}};
    if (rest.starts_with("<")) return std::pair{Op::kLt, size_t{1}};
    if (rest.starts_with(">")) return std::pair{Op::kGt, size_t{1}};
    std::string_view word = PeekWord();
    for (const WordOp& w : kWordOps) {
      if (word == w.word) return std::pair{w.op, word.size()};
    }
    return std::nullopt;
  }

  // operand := field | transformer '(' operand ')'
  bool ParseOperand(ast::Operand* out) {
    SkipSpace();
    size_t start = pos_;
    std::vector<ast::Transformer> outer;  // outermost first while reading
    std::vector<size_t> opens;
    while (true) {
      std::string_view word = PeekWord();
      size_t after = pos_ + word.size();
      auto t = TransformerFor(word);
      size_t p = after;
      while (p < s_.size() && IsSpace(s_[p])) ++p;
      if (t && p < s_.size() && s_[p] == '(') {
        if (outer.size() >= static_cast<size_t>(kMaxConditionDepth)) {
          Fail("syntax", "transformers nested too deeply", pos_);
          return false;
        }
        outer.push_back(*t);
        opens.push_back(p);
        pos_ = p + 1;
        SkipSpace();
        continue;
      }
      break;
    }
    if (!ReadField(&out->field, &out->pos)) return false;
    for (size_t i = outer.size(); i-- > 0;) {
      SkipSpace();
      if (Peek() != ')') {
        if (AtEnd()) {
          Fail("unbalanced-parenthesis", "'(' is never closed", opens[i], "(");
        } else {
          Fail("syntax",
               std::string("expected ')' closing ") + ast::TransformerName(outer[i]) + "(", pos_,
               Token(pos_));
        }
        return false;
      }
      ++pos_;
      out->transformers.push_back(outer[i]);
    }
    out->transformer_pos = static_cast<uint32_t>(start);
    return true;
  }

  // field := name ('.' name)+ ['[' arg ']']; one word without a dot is accepted here too (the
  // compiler reports it as an unknown field, which is what it is).
  bool ReadField(std::string* field, uint32_t* at) {
    SkipSpace();
    size_t start = pos_;
    if (!IsAlpha(Peek())) {
      Fail("syntax", "expected a field", pos_, Token(pos_));
      return false;
    }
    while (!AtEnd() && IsFieldChar(s_[pos_])) ++pos_;
    *field = std::string(s_.substr(start, pos_ - start));
    *at = static_cast<uint32_t>(start);
    if (Peek() != '[') return true;
    size_t open = pos_++;
    std::string arg;
    if (Peek() == '"' || Peek() == '\'') {  // x["a b"]: a quoted argument, escapes resolved
      ast::ValueItem v;
      if (!ParseQuoted(&v, Peek())) return false;
      arg = std::move(v.text);
    } else {
      size_t arg_start = pos_;
      while (!AtEnd() && s_[pos_] != ']') ++pos_;
      arg = std::string(s_.substr(arg_start, pos_ - arg_start));
    }
    if (Peek() != ']') {
      Fail("syntax", "'[' of a field argument is never closed", open, "[");
      return false;
    }
    ++pos_;
    *field += "[" + arg + "]";
    return true;
  }

  ExprPtr ParseCheck() {
    auto node = std::make_unique<Expr>();
    node->kind = Expr::Kind::kCompare;
    if (!ParseOperand(&node->lhs)) return nullptr;
    node->pos = node->lhs.transformer_pos;
    SkipSpace();
    auto op = PeekOperator();
    if (!op) {
      Fail("syntax", "expected an operator after '" + node->lhs.field + "'", pos_, Token(pos_));
      return nullptr;
    }
    node->op = op->first;
    node->op_pos = static_cast<uint32_t>(pos_);
    pos_ += op->second;
    if (node->op == Op::kExists) return node;
    SkipSpace();
    if (ast::IsListOp(node->op)) {
      // `in list_name`: a reference to a list, without parentheses.
      if (IsAlpha(Peek())) {
        std::string_view word = PeekWord();
        size_t after = pos_ + word.size();
        if (after >= s_.size() || !IsFieldChar(s_[after])) {
          node->rhs = Expr::Rhs::kList;
          node->values.push_back({std::string(word), false, static_cast<uint32_t>(pos_)});
          node->list_ref = true;
          pos_ = after;
          return node;
        }
      }
      if (Peek() != '(') {
        Fail("syntax", std::string("expected '(' and a list after '") + ast::OpName(node->op) + "'",
             pos_, Token(pos_));
        return nullptr;
      }
      node->rhs = Expr::Rhs::kList;
      if (!ParseList(&node->values, 0)) return nullptr;
      return node;
    }
    if (AtEnd()) {
      Fail("syntax", std::string("expected a value after '") + ast::OpName(node->op) + "'", pos_);
      return nullptr;
    }
    // val(field), or a transformer of a field, compares against another field.
    std::string_view word = PeekWord();
    size_t p = pos_ + word.size();
    while (p < s_.size() && IsSpace(s_[p])) ++p;
    bool call = p < s_.size() && s_[p] == '(';
    if (call && word == "val") {
      size_t open = p;
      pos_ = p + 1;
      if (!ReadField(&node->rhs_field.field, &node->rhs_field.pos)) return nullptr;
      SkipSpace();
      if (Peek() != ')') {
        Fail(AtEnd() ? "unbalanced-parenthesis" : "syntax", "expected ')' closing val(",
             AtEnd() ? open : pos_, AtEnd() ? "(" : Token(pos_));
        return nullptr;
      }
      ++pos_;
      node->rhs_field.transformer_pos = node->rhs_field.pos;
      node->rhs = Expr::Rhs::kField;
      return node;
    }
    if (call && TransformerFor(word)) {
      if (!ParseOperand(&node->rhs_field)) return nullptr;
      node->rhs = Expr::Rhs::kField;
      return node;
    }
    if (Peek() == '(') {
      Fail("syntax", std::string("'") + ast::OpName(node->op) + "' takes one value, not a list",
           pos_, "(");
      return nullptr;
    }
    ast::ValueItem v;
    if (!ParseValue(&v)) return nullptr;
    node->rhs = Expr::Rhs::kValue;
    node->values.push_back(std::move(v));
    return node;
  }

  // list := '(' [item (',' item)*] ')'; nested lists are flattened into `out`.
  bool ParseList(std::vector<ast::ValueItem>* out, int depth) {
    size_t open = pos_;
    if (depth > kMaxConditionDepth) {
      Fail("syntax", "list nested too deeply", open);
      return false;
    }
    ++pos_;  // '('
    SkipSpace();
    if (Peek() == ')') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipSpace();
      if (AtEnd()) {
        Fail("unbalanced-parenthesis", "'(' of a list is never closed", open, "(");
        return false;
      }
      if (Peek() == '(') {
        if (!ParseList(out, depth + 1)) return false;
      } else {
        ast::ValueItem v;
        if (!ParseValue(&v)) return false;
        out->push_back(std::move(v));
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        continue;
      }
      if (Peek() == ')') {
        ++pos_;
        return true;
      }
      if (AtEnd()) {
        Fail("unbalanced-parenthesis", "'(' of a list is never closed", open, "(");
      } else {
        Fail("syntax", "expected ',' or ')' in a list", pos_, Token(pos_));
      }
      return false;
    }
  }

  bool ParseValue(ast::ValueItem* v) {
    SkipSpace();
    v->pos = static_cast<uint32_t>(pos_);
    char q = Peek();
    if (q == '"' || q == '\'') return ParseQuoted(v, q);
    size_t start = pos_;
    while (!AtEnd() && IsBareChar(s_[pos_])) ++pos_;
    if (pos_ == start) {
      Fail("syntax", "expected a value", pos_, Token(pos_));
      return false;
    }
    v->text = std::string(s_.substr(start, pos_ - start));
    return true;
  }

  bool ParseQuoted(ast::ValueItem* v, char quote) {
    size_t open = pos_;
    ++pos_;
    v->quoted = true;
    while (!AtEnd()) {
      char c = s_[pos_++];
      if (c == quote) return true;
      if (c != '\\' || AtEnd()) {
        v->text.push_back(c);
        continue;
      }
      char e = s_[pos_++];
      // Falco's escapes (libsinsp filter/escaping.cpp): "\ " is a backslash (kept for old rules
      // that wrote it so), a quote may be escaped only inside the same kind of quotes.
      switch (e) {
        case 'b':
          v->text.push_back('\b');
          break;
        case 'f':
          v->text.push_back('\f');
          break;
        case 'n':
          v->text.push_back('\n');
          break;
        case 'r':
          v->text.push_back('\r');
          break;
        case 't':
          v->text.push_back('\t');
          break;
        case ' ':
        case '\\':
          v->text.push_back('\\');
          break;
        case '/':
          v->text.push_back('/');
          break;
        case '"':
        case '\'':
          if (e == quote) {
            v->text.push_back(e);
            break;
          }
          [[fallthrough]];
        default:
          Fail("syntax", std::string("unsupported escape '\\") + e + "' in a quoted string",
               pos_ - 2, std::string("\\") + e);
          return false;
      }
    }
    Fail("syntax", "quoted string is never closed", open, std::string(1, quote));
    return false;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::vector<size_t> open_;  // offsets of the '(' being parsed
  ParseError error_;
};

}  // namespace

ParseResult ParseCondition(std::string_view text) { return Parser(text).Run(); }

bool IsIdentifier(std::string_view word) {
  if (word.empty() || !IsAlpha(word[0])) return false;
  for (char c : word) {
    if (!IsWordChar(c)) return false;
  }
  return true;
}

}  // namespace vigil::rules
