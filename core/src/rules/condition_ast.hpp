// The syntax tree of a Falco condition, as parsed (before macros and lists are expanded). Every
// node keeps the byte offset of its token in the condition text, so the compiler's errors can
// name a line and column.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vigil::rules::ast {

enum class Op : uint8_t {
  kEq,  // = and ==
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kContains,
  kIContains,
  kBContains,
  kStartsWith,
  kBStartsWith,
  kEndsWith,
  kGlob,
  kIGlob,
  kRegex,
  kIn,
  kIntersects,
  kPmatch,
  kExists,
};
const char* OpName(Op op);
bool IsListOp(Op op);  // in, intersects, pmatch: the right side is a list

enum class Transformer : uint8_t { kToLower, kToUpper, kB64, kBasename, kLen };
const char* TransformerName(Transformer t);

// A field as written, possibly inside transformers: `tolower(proc.name)`, `proc.aname[2]`.
struct Operand {
  std::string field;                      // "proc.aname[2]", "evt.arg.flags": the whole field token
  uint32_t pos = 0;                       // offset of the field token
  std::vector<Transformer> transformers;  // innermost first: len(tolower(x)) = {kToLower, kLen}
  uint32_t transformer_pos = 0;           // offset of the outermost transformer, or pos
};

// One value on the right side: a bare word or a quoted string (escapes resolved).
struct ValueItem {
  std::string text;
  bool quoted = false;
  uint32_t pos = 0;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind : uint8_t {
    kAnd,      // children
    kOr,       // children
    kNot,      // children[0]
    kMacro,    // name: a bare identifier, a macro reference
    kCompare,  // lhs op (value | list | rhs_field); kExists has no right side
    kConst,    // constant (after folding): value
  };
  Kind kind = Kind::kConst;
  uint32_t pos = 0;
  // Which text `pos` (and the offsets below) refer to: set by the compiler, which expands macros
  // from other texts into a rule's tree (an index into its table of origins).
  uint32_t origin = 0;
  // The root of an expanded macro: that macro's index (the compiler builds each macro once per
  // source and shares it between rules), or -1.
  int32_t macro = -1;
  std::vector<ExprPtr> children;
  std::string name;  // kMacro

  // kCompare
  Operand lhs;
  Op op = Op::kEq;
  uint32_t op_pos = 0;
  enum class Rhs : uint8_t { kNone, kValue, kList, kField } rhs = Rhs::kNone;
  std::vector<ValueItem> values;  // kValue: one; kList: the items, nested lists flattened
  bool list_ref = false;          // `in name` without parentheses: values[0] must name a list
  Operand rhs_field;              // kField: val(field) or a transformer of a field

  bool value = false;  // kConst

  ExprPtr Clone() const;
};

}  // namespace vigil::rules::ast
