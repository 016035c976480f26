// The rule compiler: collected rules in, a RulesetImpl out.
//
// Per rule: parse the condition, fold the exceptions in (`cond and not (tuple or tuple ...)`),
// expand macros (cycles reported) and list names (nested lists flattened), work out the event
// types it can match, then bind every field through the registry and build the evaluation tree,
// folding constants on the way. Errors name the text they are in: a macro's error is reported
// once, at the macro, whichever rules use it.
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "condition_parser.hpp"
#include "ruleset_impl.hpp"
#include "vigil/core/event_type_names.hpp"
#include "vigil/core/sources.hpp"

namespace vigil::rules {
namespace {

using ast::Expr;
using ast::ExprPtr;
using ast::Op;

// A condition tree larger than this after expanding macros is refused (macros referring to
// each other twice per level grow exponentially).
constexpr size_t kMaxExpandedNodes = 1u << 18;
// And deeper than this (macros within macros within ...): every later pass recurses over the tree.
constexpr int kMaxExpandedDepth = 2000;
// Lists of lists: at most this many items once expanded, and this deep.
constexpr size_t kMaxListItems = 1u << 18;
constexpr int kMaxListDepth = 2000;

struct Origin {
  std::string kind;  // "rule", "macro", "list"
  std::string name;
  const LocatedText* text = nullptr;  // offsets refer to it; null: `fixed` is the position
  Located fixed;
  std::string prefix;  // e.g. "exception 'x': "
};

std::optional<Op> OpFromText(std::string_view s) {
  if (s == "==") return Op::kEq;
  for (int i = 0; i <= static_cast<int>(Op::kExists); ++i) {
    if (s == ast::OpName(static_cast<Op>(i))) return static_cast<Op>(i);
  }
  return std::nullopt;
}

// `"x"` or `'x'` (as a condition would read it, escapes resolved); nullopt when not quoted.
std::optional<std::string> Unquote(const std::string& item) {
  if (item.size() < 2 || (item[0] != '"' && item[0] != '\'') || item.back() != item[0]) {
    return std::nullopt;
  }
  ParseResult r = ParseCondition("x.x = " + item);
  if (!r.expr || r.expr->rhs != Expr::Rhs::kValue) return std::nullopt;
  return r.expr->values[0].text;
}

bool OpAllowed(TypeClass cls, Op op) {
  if (op == Op::kExists || op == Op::kIn || op == Op::kIntersects) return true;
  switch (cls) {
    case TypeClass::kString:
      return true;
    case TypeClass::kSigned:
    case TypeClass::kUnsigned:
      return op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
             op == Op::kGe;
    case TypeClass::kBool:
    case TypeClass::kIp:
      return op == Op::kEq || op == Op::kNe;
  }
  return false;
}

class Compiler {
 public:
  Compiler(const CollectedRules& c, const LoadOptions& o, Diagnostics& d, RulesetImpl* out)
      : c_(c), opt_(o), diags_(d), out_(out) {}

  void Run() {
    for (size_t i = 0; i < c_.lists.size(); ++i) list_index_[c_.lists[i].name] = i;
    for (size_t i = 0; i < c_.macros.size(); ++i) macro_index_[c_.macros[i].name] = i;
    list_used_.assign(c_.lists.size(), false);
    list_state_.assign(c_.lists.size(), kUnvisited);
    list_items_.resize(c_.lists.size());
    macro_used_.assign(c_.macros.size(), false);
    ParseMacros();
    for (const RuleDef& r : c_.rules) CompileRule(r);
    WarnUnused();
    out_->BuildIndex(opt_.index_by_event_type);
  }

 private:
  enum ListState { kUnvisited, kExpanding, kDone };

  // Per rule being compiled.
  struct RuleCtx {
    const RuleDef* rule = nullptr;
    std::string source;
    bool failed = false;
    std::vector<std::string> unknown_fields;  // with skip-if-unknown-filter: skipped, not errors
    uint32_t unknown_origin = 0, unknown_offset = 0;  // where the first one is
    size_t nodes = 0;
  };

  uint32_t AddOrigin(Origin o) {
    origins_.push_back(std::move(o));
    return static_cast<uint32_t>(origins_.size() - 1);
  }

  void Report(Severity sev, const std::string& code, uint32_t origin, uint32_t offset,
              std::string token, const std::string& message) {
    const Origin& o = origins_[origin];
    Located where = o.text ? o.text->At(offset) : o.fixed;
    std::string key = fmt::format("{}|{}|{}|{}", origin, offset, code, token);
    if (!reported_.insert(key).second) return;
    Diagnostic d;
    d.severity = sev;
    d.pos = c_.ToSourcePos(where);
    d.item_kind = o.kind;
    d.item_name = o.name;
    d.code = code;
    d.message = o.prefix + message;
    d.token = std::move(token);
    diags_.Add(std::move(d));
  }

  void ReportAt(Severity sev, const std::string& code, const Located& where, std::string kind,
                std::string name, std::string token, std::string message) {
    Diagnostic d;
    d.severity = sev;
    d.pos = c_.ToSourcePos(where);
    d.item_kind = std::move(kind);
    d.item_name = std::move(name);
    d.code = code;
    d.message = std::move(message);
    d.token = std::move(token);
    diags_.Add(std::move(d));
  }

  // The config's append_output entries that match `r`, added to its output. A field they name
  // that does not exist for the rule's source is an error at the entry, reported once.
  void AppendOutputs(const RuleDef& r, RuleCtx& ctx, OutputFormat& output) {
    for (const AppendOutput& a : opt_.append_output) {
      if ((!a.source.empty() && a.source != r.source) || (!a.rule.empty() && a.rule != r.name)) {
        continue;
      }
      if (!std::all_of(a.tags.begin(), a.tags.end(), [&](const std::string& t) {
            return std::find(r.tags.begin(), r.tags.end(), t) != r.tags.end();
          })) {
        continue;
      }
      std::vector<OutputFormat::Problem> problems;
      output.Append(
          a.extra_output, a.extra_fields, a.static_fields,
          [&](std::string_view text, std::string* error, fields::BindError* why) -> FieldSlot* {
            return out_->Slot(ctx.source, text, *opt_.registry, why, error);
          },
          &problems);
      for (const auto& p : problems) {
        ctx.failed = true;
        const std::string key = fmt::format("{}|{}|{}", a.path, p.token, r.source);
        if (!reported_.insert(key).second) continue;
        Diagnostic d;
        d.severity = Severity::kError;
        d.pos = a.pos;
        d.item_kind = "rule";
        d.item_name = r.name;
        d.code = p.code;
        d.message = fmt::format("{}: {} (appended to the output of the {} rules it matches)",
                                a.path, p.message, r.source);
        d.token = p.token;
        diags_.Add(std::move(d));
      }
    }
  }

  // A compile error in a rule: with skip-if-unknown-filter an unknown field skips the rule.
  void RuleError(RuleCtx& ctx, const std::string& code, uint32_t origin, uint32_t offset,
                 std::string token, const std::string& message) {
    ctx.failed = true;
    if (code == "unknown-field" && ctx.rule->skip_if_unknown_filter) {
      if (ctx.unknown_fields.empty()) {
        ctx.unknown_origin = origin;
        ctx.unknown_offset = offset;
      }
      ctx.unknown_fields.push_back(token);
      return;
    }
    Report(Severity::kError, code, origin, offset, std::move(token), message);
  }

  static void SetOrigin(Expr& e, uint32_t origin) {
    e.origin = origin;
    for (ExprPtr& c : e.children) SetOrigin(*c, origin);
  }

  void ParseMacros() {
    macro_ast_.resize(c_.macros.size());
    for (size_t i = 0; i < c_.macros.size(); ++i) {
      const MacroDef& m = c_.macros[i];
      uint32_t origin = AddOrigin({"macro", m.name, &m.condition, m.pos, ""});
      ParseResult r = ParseCondition(m.condition.text);
      if (!r.expr) {
        Report(Severity::kError, r.error.code, origin, r.error.pos, r.error.token, r.error.message);
        continue;
      }
      SetOrigin(*r.expr, origin);
      macro_ast_[i] = std::move(r.expr);
    }
  }

  // ---- lists ----

  // The items of list `idx`, with the lists it names expanded (cycles reported).
  const std::vector<std::string>& ListItems(size_t idx, int depth = 0) {
    if (list_state_[idx] == kDone) return list_items_[idx];
    list_state_[idx] = kExpanding;
    const ListDef& l = c_.lists[idx];
    std::vector<std::string> items;
    for (const ListItem& item : l.items) {
      // Falco pastes items into the condition, so an item written with quotes ('"10.0.0.0/8"')
      // is that quoted string, never a list name.
      if (auto unquoted = Unquote(item.value)) {
        items.push_back(std::move(*unquoted));
        continue;
      }
      auto it = IsIdentifier(item.value) ? list_index_.find(item.value) : list_index_.end();
      if (it == list_index_.end()) {
        items.push_back(item.value);
        continue;
      }
      list_used_[it->second] = true;
      if (list_state_[it->second] == kExpanding) {
        ReportAt(Severity::kError, "list-cycle", item.pos, "list", l.name, item.value,
                 fmt::format("list '{}' refers to itself through '{}'", l.name, item.value));
        continue;
      }
      if (depth >= kMaxListDepth) {
        ReportAt(Severity::kError, "too-large", item.pos, "list", l.name, item.value,
                 "lists nested too deeply");
        break;
      }
      const auto& nested = ListItems(it->second, depth + 1);
      if (items.size() + nested.size() > kMaxListItems) {
        ReportAt(Severity::kError, "too-large", item.pos, "list", l.name, item.value,
                 fmt::format("list has more than {} items once the lists it names are expanded",
                             kMaxListItems));
        break;
      }
      items.insert(items.end(), nested.begin(), nested.end());
    }
    list_items_[idx] = std::move(items);
    list_state_[idx] = kDone;
    return list_items_[idx];
  }

  // Replaces list names among the unquoted items of a list operand by their items.
  void ExpandListValues(Expr& e, RuleCtx& ctx) {
    if (e.rhs != Expr::Rhs::kList) return;
    if (e.list_ref && !list_index_.count(e.values[0].text)) {
      RuleError(ctx, "undefined-list", e.origin, e.values[0].pos, e.values[0].text,
                fmt::format("undefined list '{}' (a list of values needs parentheses)",
                            e.values[0].text));
      return;
    }
    std::vector<ast::ValueItem> out;
    for (ast::ValueItem& v : e.values) {
      auto it = (!v.quoted && IsIdentifier(v.text)) ? list_index_.find(v.text) : list_index_.end();
      if (it == list_index_.end()) {
        out.push_back(std::move(v));
        continue;
      }
      list_used_[it->second] = true;
      for (const std::string& item : ListItems(it->second)) {
        out.push_back({item, false, v.pos});
      }
    }
    e.values = std::move(out);
  }

  // ---- macros ----

  void Expand(ExprPtr& e, RuleCtx& ctx, std::vector<size_t>& stack, int depth = 0) {
    if (++ctx.nodes > kMaxExpandedNodes || depth > kMaxExpandedDepth) {
      if (!ctx.failed) {
        RuleError(ctx, "syntax", e->origin, e->pos, "",
                  "condition too large or too deeply nested after expanding macros");
      }
      ctx.failed = true;
      return;
    }
    switch (e->kind) {
      case Expr::Kind::kMacro: {
        auto it = macro_index_.find(e->name);
        if (it == macro_index_.end()) {
          RuleError(ctx, "undefined-macro", e->origin, e->pos, e->name,
                    fmt::format("undefined macro '{}'", e->name));
          return;
        }
        size_t m = it->second;
        for (size_t s : stack) {
          if (s == m) {
            RuleError(ctx, "macro-cycle", e->origin, e->pos, e->name,
                      fmt::format("macro '{}' refers to itself", e->name));
            return;
          }
        }
        macro_used_[m] = true;
        if (!macro_ast_[m]) {  // its syntax error is already reported
          ctx.failed = true;
          return;
        }
        ExprPtr copy = macro_ast_[m]->Clone();
        stack.push_back(m);
        Expand(copy, ctx, stack, depth + 1);
        stack.pop_back();
        copy->macro = static_cast<int32_t>(m);
        e = std::move(copy);
        return;
      }
      case Expr::Kind::kCompare:
        ExpandListValues(*e, ctx);
        return;
      default:
        for (ExprPtr& c : e->children) Expand(c, ctx, stack, depth + 1);
        return;
    }
  }

  // ---- exceptions ----

  ExprPtr CompareExpr(const std::string& field, Op op, std::vector<std::string> values,
                      bool as_list, uint32_t origin) {
    auto e = std::make_unique<Expr>();
    e->kind = Expr::Kind::kCompare;
    e->origin = origin;
    e->lhs.field = field;
    e->op = op;
    e->rhs = as_list ? Expr::Rhs::kList : Expr::Rhs::kValue;
    for (std::string& v : values) e->values.push_back({std::move(v), false, 0});
    return e;
  }

  static ExprPtr Join(Expr::Kind kind, std::vector<ExprPtr> children, uint32_t origin) {
    if (children.size() == 1) return std::move(children[0]);
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->origin = origin;
    e->children = std::move(children);
    return e;
  }

  // `not (tuple or tuple ...)` for one exception; null when it has no values (it excludes
  // nothing) or is malformed (reported).
  ExprPtr ExceptionExpr(const RuleDef& rule, const ExceptionDef& ex, RuleCtx& ctx) {
    if (ex.values.empty() || ex.fields.empty()) return nullptr;
    uint32_t origin =
        AddOrigin({"rule", rule.name, nullptr, ex.pos, fmt::format("exception '{}': ", ex.name)});
    std::vector<Op> ops;
    for (size_t i = 0; i < ex.fields.size(); ++i) {
      std::string comp = i < ex.comps.size() ? ex.comps[i] : (ex.fields_is_list ? "=" : "in");
      auto op = OpFromText(comp);
      if (!op || *op == Op::kExists) {
        RuleError(ctx, "bad-exception", origin, 0, comp,
                  fmt::format("'{}' is not a comparison operator", comp));
        return nullptr;
      }
      ops.push_back(*op);
    }
    auto one = [&](size_t i, const ExceptionValue& v) -> ExprPtr {
      bool list_op = ast::IsListOp(ops[i]);
      if (v.is_list && !list_op) {
        RuleError(ctx, "bad-exception", origin, 0, ex.fields[i],
                  fmt::format("operator '{}' takes one value, not a list", ast::OpName(ops[i])));
        return nullptr;
      }
      if (!list_op && v.items.size() != 1) return nullptr;
      return CompareExpr(ex.fields[i], ops[i], v.items, list_op, origin);
    };
    std::vector<ExprPtr> alternatives;
    if (ex.fields_is_list) {
      for (const auto& tuple : ex.values) {
        if (tuple.size() != ex.fields.size()) continue;  // reported by the collector
        std::vector<ExprPtr> terms;
        for (size_t i = 0; i < tuple.size(); ++i) {
          ExprPtr t = one(i, tuple[i]);
          if (!t) return nullptr;
          terms.push_back(std::move(t));
        }
        alternatives.push_back(Join(Expr::Kind::kAnd, std::move(terms), origin));
      }
    } else {
      // One field: its values together, `field in (v1, v2)` (or one comparison per value).
      if (ast::IsListOp(ops[0])) {
        std::vector<std::string> all;
        for (const auto& entry : ex.values) {
          for (const ExceptionValue& v : entry)
            all.insert(all.end(), v.items.begin(), v.items.end());
        }
        alternatives.push_back(CompareExpr(ex.fields[0], ops[0], all, true, origin));
      } else {
        for (const auto& entry : ex.values) {
          for (const ExceptionValue& v : entry) {
            ExprPtr t = one(0, v);
            if (!t) return nullptr;
            alternatives.push_back(std::move(t));
          }
        }
      }
    }
    if (alternatives.empty()) return nullptr;
    auto n = std::make_unique<Expr>();
    n->kind = Expr::Kind::kNot;
    n->origin = origin;
    n->children.push_back(Join(Expr::Kind::kOr, std::move(alternatives), origin));
    return n;
  }

  // ---- event types ----

  // The event types `e` can be true for; `exact` when it is true for exactly those.
  TypeSet Types(const Expr& e, bool* exact) {
    switch (e.kind) {
      case Expr::Kind::kConst:
        *exact = true;
        return e.value ? TypeSet::All() : TypeSet{};
      case Expr::Kind::kCompare: {
        auto names = TypeNames(e);
        if (!names) {
          *exact = false;
          return TypeSet::All();
        }
        *exact = true;
        return *names;
      }
      case Expr::Kind::kNot: {
        bool ex = false;
        TypeSet t = Types(*e.children[0], &ex);
        *exact = ex;
        return ex ? t.Complement() : TypeSet::All();
      }
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        bool is_and = e.kind == Expr::Kind::kAnd;
        TypeSet acc = is_and ? TypeSet::All() : TypeSet{};
        *exact = true;
        for (const ExprPtr& c : e.children) {
          bool ex = false;
          TypeSet t = Types(*c, &ex);
          *exact = *exact && ex;
          acc.known = is_and ? (acc.known & t.known) : (acc.known | t.known);
          acc.others = is_and ? (acc.others && t.others) : (acc.others || t.others);
        }
        return acc;
      }
      case Expr::Kind::kMacro:
        break;
    }
    *exact = false;
    return TypeSet::All();
  }

  // For `evt.type = x`, `evt.type in (...)`, `evt.type != x`: the set it is true for.
  std::optional<TypeSet> TypeNames(const Expr& e) {
    if (e.lhs.field != "evt.type" || !e.lhs.transformers.empty()) return std::nullopt;
    if (e.op != Op::kEq && e.op != Op::kNe && e.op != Op::kIn && e.op != Op::kIntersects) {
      return std::nullopt;
    }
    if (e.rhs != Expr::Rhs::kValue && e.rhs != Expr::Rhs::kList) return std::nullopt;
    TypeSet t;
    for (const ast::ValueItem& v : e.values) {
      if (auto code = EventTypeCode(v.text)) {
        t.known.set(*code);
      } else {
        Report(Severity::kWarning, "unknown-event-type", e.origin, v.pos, v.text,
               fmt::format("'{}' is not an event type vigil knows; it never matches", v.text));
      }
    }
    return e.op == Op::kNe ? t.Complement() : t;
  }

  // ---- building the evaluation tree ----

  struct Built {
    NodePtr node;
    std::optional<bool> constant;
  };
  static Built Const(bool v) { return {MakeConst(v), v}; }

  // A macro's tree is the same wherever it is used: it is built once per source and shared,
  // evaluated at most once per event however many rules use it.
  Built Build(const Expr& e, RuleCtx& ctx) {
    if (e.macro < 0) return BuildNode(e, ctx);
    auto key = std::make_pair(ctx.source, e.macro);
    if (auto it = built_macros_.find(key); it != built_macros_.end()) {
      if (it->second.constant) return Const(*it->second.constant);
      return {MakeRef(it->second.node), std::nullopt};
    }
    bool failed_before = ctx.failed;
    Built b = BuildNode(e, ctx);
    if (ctx.failed && !failed_before) return b;  // not cached: another rule reports its errors
    if (b.constant) {
      built_macros_[key] = {nullptr, b.constant};
      return b;
    }
    Node* shared = out_->Share(MakeMemo(std::move(b.node)));
    built_macros_[key] = {shared, std::nullopt};
    return {MakeRef(shared), std::nullopt};
  }

  Built BuildNode(const Expr& e, RuleCtx& ctx) {
    switch (e.kind) {
      case Expr::Kind::kConst:
        return Const(e.value);
      case Expr::Kind::kMacro:
        ctx.failed = true;
        return Const(false);
      case Expr::Kind::kNot: {
        Built inner = Build(*e.children[0], ctx);
        if (inner.constant) return Const(!*inner.constant);
        return {MakeNot(std::move(inner.node)), std::nullopt};
      }
      case Expr::Kind::kAnd:
      case Expr::Kind::kOr: {
        bool is_and = e.kind == Expr::Kind::kAnd;
        std::vector<NodePtr> kept;
        bool decided = false;
        for (const ExprPtr& c : e.children) {
          Built b = Build(*c, ctx);
          if (decided) continue;  // still built, so every error is reported
          if (b.constant) {
            if (*b.constant != is_and) decided = true;  // false in an and, true in an or
            continue;
          }
          kept.push_back(std::move(b.node));
        }
        if (decided) return Const(!is_and);
        if (kept.empty()) return Const(is_and);
        if (kept.size() == 1) return {std::move(kept[0]), std::nullopt};
        return {is_and ? MakeAnd(std::move(kept)) : MakeOr(std::move(kept)), std::nullopt};
      }
      case Expr::Kind::kCompare:
        return BuildCompare(e, ctx);
    }
    return Const(false);
  }

  // Binds an operand; null (error reported) when it does not bind or its transformers do not
  // apply.
  std::unique_ptr<OperandEval> BindOperand(const ast::Operand& op, uint32_t origin, RuleCtx& ctx) {
    fields::BindError why = fields::BindError::kNone;
    std::string error;
    FieldSlot* slot = out_->Slot(ctx.source, op.field, *opt_.registry, &why, &error);
    if (!slot) {
      RuleError(ctx,
                why == fields::BindError::kUnknownField ? "unknown-field" : "bad-field-argument",
                origin, op.pos, op.field, error);
      return nullptr;
    }
    FieldType type;
    bool is_list;
    if (!OperandEval::Check(slot->info(), op.transformers, &type, &is_list, &error)) {
      RuleError(ctx, "bad-operator", origin, op.transformer_pos, op.field, error);
      return nullptr;
    }
    return std::make_unique<OperandEval>(slot, op.transformers);
  }

  Built BuildCompare(const Expr& e, RuleCtx& ctx) {
    if (auto types = TypeNames(e)) {
      if (types->all()) return Const(true);
      if (types->known.none() && !types->others) return Const(false);
      return {MakeTypeCheck(*types), std::nullopt};
    }
    auto lhs = BindOperand(e.lhs, e.origin, ctx);
    if (!lhs) return Const(false);
    CompareSpec spec;
    spec.op = e.op;
    spec.type = lhs->type();
    spec.lhs_is_list = lhs->is_list();
    TypeClass cls = ClassOf(spec.type);
    const std::string& field = e.lhs.field;
    if (lhs->is_list() && e.op != Op::kIn && e.op != Op::kIntersects && e.op != Op::kExists) {
      RuleError(
          ctx, "bad-operator", e.origin, e.op_pos, ast::OpName(e.op),
          fmt::format("list field '{}' supports only 'exists', 'in' and 'intersects', not '{}'",
                      field, ast::OpName(e.op)));
      return Const(false);
    }
    bool bytes_op = e.op == Op::kBContains || e.op == Op::kBStartsWith;
    if (!OpAllowed(cls, e.op) || (bytes_op && spec.type != FieldType::kBytes)) {
      RuleError(ctx, "bad-operator", e.origin, e.op_pos, ast::OpName(e.op),
                fmt::format("operator '{}' does not apply to field '{}' of type {}",
                            ast::OpName(e.op), field, fields::FieldTypeName(spec.type)));
      return Const(false);
    }
    if (e.rhs == Expr::Rhs::kField) {
      auto rhs = BindOperand(e.rhs_field, e.origin, ctx);
      if (!rhs) return Const(false);
      if (ClassOf(rhs->type()) != cls || e.op == Op::kRegex) {
        RuleError(ctx, "bad-operator", e.origin, e.rhs_field.pos, e.rhs_field.field,
                  fmt::format("'{}' ({}) cannot be compared with '{}' ({}) by '{}'", field,
                              fields::FieldTypeName(spec.type), e.rhs_field.field,
                              fields::FieldTypeName(rhs->type()), ast::OpName(e.op)));
        return Const(false);
      }
      if (rhs->is_list() && !ast::IsListOp(e.op)) {
        RuleError(ctx, "bad-operator", e.origin, e.rhs_field.pos, e.rhs_field.field,
                  fmt::format("list field '{}' can be the right side of 'in' or 'intersects' only",
                              e.rhs_field.field));
        return Const(false);
      }
      spec.rhs = std::move(rhs);
      return {MakeCompare(std::move(lhs), std::move(spec)), std::nullopt};
    }
    bool ok = true;
    for (const ast::ValueItem& v : e.values) {
      std::string error;
      std::optional<Constant> c;
      if (e.op == Op::kBContains || e.op == Op::kBStartsWith) {
        if (auto bytes = DecodeHex(v.text)) {
          c = Constant{*bytes, 0, {}};
        } else {
          error = "is not hex bytes (e.g. 2f6574632f)";
        }
      } else {
        c = ParseConstant(spec.type, v.text, &error);
      }
      if (!c) {
        RuleError(ctx, "bad-value", e.origin, v.pos, v.text,
                  fmt::format("'{}' {} (field '{}' is {})", v.text, error, field,
                              fields::FieldTypeName(spec.type)));
        ok = false;
        continue;
      }
      spec.constants.push_back(std::move(*c));
    }
    if (!ok) return Const(false);
    if (e.op == Op::kRegex) {
      RE2::Options options;
      options.set_log_errors(false);
      spec.regex = std::make_unique<RE2>(spec.constants[0].text, options);
      if (!spec.regex->ok()) {
        RuleError(ctx, "bad-regex", e.origin, e.values[0].pos, e.values[0].text,
                  fmt::format("bad regular expression: {}", spec.regex->error()));
        return Const(false);
      }
    }
    if (ast::IsListOp(e.op) && spec.constants.empty()) return Const(false);  // `in ()`
    return {MakeCompare(std::move(lhs), std::move(spec)), std::nullopt};
  }

  // ---- rules ----

  void CompileRule(const RuleDef& r) {
    RuleCtx ctx;
    ctx.rule = &r;
    ctx.source = r.source;
    if (!opt_.known_sources.empty() &&
        std::find(opt_.known_sources.begin(), opt_.known_sources.end(), r.source) ==
            opt_.known_sources.end()) {
      ReportAt(
          Severity::kWarning, "unknown-source", r.pos, "rule", r.name, r.source,
          fmt::format("no loaded plugin produces events of source '{}'; rule skipped", r.source));
      return;
    }
    uint32_t origin = AddOrigin({"rule", r.name, &r.condition, r.pos, ""});
    ParseResult parsed = ParseCondition(r.condition.text);
    if (!parsed.expr) {
      Report(Severity::kError, parsed.error.code, origin, parsed.error.pos, parsed.error.token,
             parsed.error.message);
      return;
    }
    SetOrigin(*parsed.expr, origin);
    ExprPtr cond = std::move(parsed.expr);
    std::vector<ExprPtr> parts;
    parts.push_back(std::move(cond));
    for (const ExceptionDef& ex : r.exceptions) {
      if (ExprPtr n = ExceptionExpr(r, ex, ctx)) parts.push_back(std::move(n));
    }
    cond = Join(Expr::Kind::kAnd, std::move(parts), origin);
    std::vector<size_t> stack;
    Expand(cond, ctx, stack);
    if (ctx.failed && ctx.unknown_fields.empty()) return;

    bool exact = false;
    TypeSet types = Types(*cond, &exact);
    Built built = Build(*cond, ctx);

    RulesetImpl::Exec exec;
    std::vector<OutputFormat::Problem> problems;
    exec.output = OutputFormat::Parse(
        r.output.text,
        [&](std::string_view text, std::string* error, fields::BindError* why) -> FieldSlot* {
          return out_->Slot(ctx.source, text, *opt_.registry, why, error);
        },
        &problems);
    uint32_t out_origin = AddOrigin({"rule", r.name, &r.output, r.pos, "output: "});
    for (const auto& p : problems) {
      RuleError(ctx, p.code, out_origin, static_cast<uint32_t>(p.offset), p.token, p.message);
    }
    AppendOutputs(r, ctx, exec.output);
    if (!ctx.unknown_fields.empty()) {
      Report(Severity::kWarning, "skipped-unknown-field", ctx.unknown_origin, ctx.unknown_offset,
             ctx.unknown_fields[0],
             fmt::format("rule skipped (skip-if-unknown-filter): unknown field '{}'",
                         ctx.unknown_fields[0]));
      return;
    }
    if (ctx.failed) return;
    if (r.source == kSyscallSource && types.all() && r.warn_evttypes) {
      ReportAt(Severity::kWarning, "all-event-types", r.pos, "rule", r.name, "",
               "rule matches every event type (no evt.type restriction): it runs on every event, "
               "which costs; add an evt.type condition or warn_evttypes: false");
    }
    exec.condition = std::move(built.node);
    exec.types = types;
    exec.enabled = r.enabled;
    exec.source_index = out_->SourceIndex(r.source);
    CompiledRule rule;
    rule.name = r.name;
    rule.description = r.desc;
    rule.priority = r.priority;
    rule.source = r.source;
    rule.tags = r.tags;
    rule.pos = c_.ToSourcePos(r.pos);
    out_->AddRule(std::move(rule), std::move(exec));
  }

  void WarnUnused() {
    // A rule that did not compile may be the one that uses them: no noise on top of the errors.
    if (diags_.has_errors()) return;
    for (size_t i = 0; i < c_.lists.size(); ++i) {
      if (list_used_[i]) continue;
      const ListDef& l = c_.lists[i];
      ReportAt(Severity::kWarning, "unused-list", l.pos, "list", l.name, l.name,
               "list is not used by any rule or macro");
    }
    for (size_t i = 0; i < c_.macros.size(); ++i) {
      if (macro_used_[i]) continue;
      const MacroDef& m = c_.macros[i];
      ReportAt(Severity::kWarning, "unused-macro", m.pos, "macro", m.name, m.name,
               "macro is not used by any rule");
    }
  }

  const CollectedRules& c_;
  const LoadOptions& opt_;
  Diagnostics& diags_;
  RulesetImpl* out_;

  std::vector<Origin> origins_;
  std::set<std::string> reported_;
  std::unordered_map<std::string, size_t> list_index_, macro_index_;
  std::vector<bool> list_used_, macro_used_;
  std::vector<ListState> list_state_;
  std::vector<std::vector<std::string>> list_items_;
  std::vector<ExprPtr> macro_ast_;
  struct SharedMacro {
    Node* node;
    std::optional<bool> constant;
  };
  std::map<std::pair<std::string, int32_t>, SharedMacro> built_macros_;
};

}  // namespace

void CompileRules(const CollectedRules& collected, const LoadOptions& options, Diagnostics& diags,
                  RulesetImpl* out) {
  Compiler(collected, options, diags, out).Run();
}

}  // namespace vigil::rules
