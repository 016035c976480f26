// The compiled form of a condition: a tree of nodes evaluated per event, with no allocation on
// the way (extraction scratch space is owned by the nodes and reused).
#pragma once

#include <bitset>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "condition_ast.hpp"
#include "values.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/event_types.h"

namespace re2 {
class RE2;
}

namespace vigil::rules {

// Per event: which event, and a number that changes with every event so cached extractions are
// known to be stale.
struct EvalState {
  const fields::EventContext* event = nullptr;
  uint64_t seq = 0;
};

// One bound field, shared by every node and output of the rule set that uses the same field text
// for the same source; its values are extracted at most once per event.
class FieldSlot {
 public:
  explicit FieldSlot(fields::BoundField bound) : bound_(std::move(bound)) {}
  std::span<const Value> Get(const EvalState& s) {
    if (seq_ != s.seq) {
      values_ = bound_.extractor->Extract(*s.event);
      seq_ = s.seq;
    }
    return values_;
  }
  const fields::FieldInfo& info() const { return *bound_.info; }
  bool costly() const { return bound_.extractor->costly(); }

 private:
  fields::BoundField bound_;
  uint64_t seq_ = ~uint64_t{0};
  std::span<const Value> values_;
};

// A field with its transformers applied: tolower(proc.name), len(ka.req.pod.containers.image).
class OperandEval {
 public:
  OperandEval(FieldSlot* slot, std::vector<ast::Transformer> transformers);
  // The type and list-ness after the transformers; whether they apply to the field's type.
  static bool Check(const fields::FieldInfo& info, const std::vector<ast::Transformer>& tr,
                    FieldType* type, bool* is_list, std::string* error);
  std::span<const Value> Get(const EvalState& s) {
    std::span<const Value> in = slot_->Get(s);
    if (transformers_.empty() || in.empty()) return in;  // inline: most operands are plain
    return Transform(in);
  }
  FieldType type() const { return type_; }
  bool is_list() const { return is_list_; }
  bool costly() const { return slot_->costly(); }
  // The field itself, as read (no transformers); null with transformers.
  const FieldSlot* plain_field() const { return transformers_.empty() ? slot_ : nullptr; }

 private:
  std::span<const Value> Transform(std::span<const Value> in);

  FieldSlot* slot_;
  std::vector<ast::Transformer> transformers_;
  FieldType type_;
  bool is_list_;
  // Ping-pong buffers for chained transformers, reused from event to event.
  std::vector<std::string> storage_[2];
  std::vector<Value> values_buf_[2];
  Value len_value_;
};

class Node {
 public:
  virtual ~Node() = default;
  virtual bool Eval(const EvalState& s) = 0;
  // The node that does the work: a reference (MakeRef) answers its target, so parents call the
  // shared node directly.
  virtual Node* Unwrap() { return this; }
  // A node this one is false without: an `and` answers its first child. Rules that start with the
  // same shared node are skipped together when it is false (see RulesetImpl::BuildIndex).
  virtual Node* FirstConjunct() { return this; }
  // Whether the node is shared between rules (a macro, evaluated once per event).
  virtual bool IsShared() const { return false; }
  // Whether evaluating it may read a costly field (fields::Extractor::costly).
  virtual bool Costly() const = 0;
  // Takes over `other`, another alternative of the same `or`: true when this node now answers for
  // both (`fd.name startswith /dev/sd or fd.name startswith /dev/vd` is one test of two prefixes).
  virtual bool AbsorbAlternative(Node& /*other*/) { return false; }
};
using NodePtr = std::unique_ptr<Node>;

NodePtr MakeConst(bool value);
// A subtree evaluated at most once per event, whichever rules refer to it (a shared macro).
NodePtr MakeMemo(NodePtr inner);
// Refers to a node owned elsewhere (by the rule set), so several rules can share it.
NodePtr MakeRef(Node* target);
// Every node is a pure test of the event (a field without a value makes a comparison false, never
// an error), so the children of an and/or may run in any order: the costly ones run last, after
// the cheap ones that usually decide (`evt.arg.flags contains O_CREAT and fd.directory = /dev`
// tests the directory first). Otherwise the order is the rule's.
NodePtr MakeAnd(std::vector<NodePtr> children);
NodePtr MakeOr(std::vector<NodePtr> children);
NodePtr MakeNot(NodePtr child);

// Event types as a set: one bit per known code, and one bit for every code past the table.
struct TypeSet {
  std::bitset<VIGIL_EVENT_TYPE_END> known;
  bool others = false;
  static TypeSet All() {
    TypeSet t;
    t.known.set();
    t.others = true;
    return t;
  }
  bool all() const { return others && known.all(); }
  bool Has(uint16_t type) const { return type < VIGIL_EVENT_TYPE_END ? known[type] : others; }
  TypeSet Complement() const {
    TypeSet t;
    t.known = ~known;
    t.others = !others;
    return t;
  }
};
// `evt.type` compared to names, compiled to a bit test.
NodePtr MakeTypeCheck(TypeSet types);

// What one comparison checks a value against.
struct CompareSpec {
  ast::Op op = ast::Op::kEq;
  FieldType type = FieldType::kString;  // the left side's type after transformers
  bool lhs_is_list = false;
  // Constants (already parsed for `type`); for string sets also `set`, for pmatch `prefixes`.
  std::vector<Constant> constants;
  std::unique_ptr<re2::RE2> regex;
  // The right side is a field (val(x) or a transformer of x).
  std::unique_ptr<OperandEval> rhs;
};
// `lhs op ...`: false when the field has no value.
NodePtr MakeCompare(std::unique_ptr<OperandEval> lhs, CompareSpec spec);

}  // namespace vigil::rules
