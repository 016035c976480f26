#include "eval.hpp"

#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace vigil::rules {

using ast::Op;
using ast::Transformer;

// ---- operands ---------------------------------------------------------------------------

OperandEval::OperandEval(FieldSlot* slot, std::vector<Transformer> transformers)
    : slot_(slot), transformers_(std::move(transformers)) {
  std::string unused;
  Check(slot_->info(), transformers_, &type_, &is_list_, &unused);
}

bool OperandEval::Check(const fields::FieldInfo& info, const std::vector<Transformer>& tr,
                        FieldType* type, bool* is_list, std::string* error) {
  *type = info.type;
  *is_list = info.is_list;
  for (Transformer t : tr) {
    bool stringy = ClassOf(*type) == TypeClass::kString;
    if (t == Transformer::kLen) {
      if (!stringy && !*is_list) {
        *error = std::string("len() applies to strings and lists, not to ") +
                 fields::FieldTypeName(*type);
        return false;
      }
      *type = FieldType::kUint64;
      *is_list = false;
      continue;
    }
    if (!stringy) {
      *error = std::string(ast::TransformerName(t)) + "() applies to strings, not to " +
               fields::FieldTypeName(*type);
      return false;
    }
  }
  return true;
}

std::span<const Value> OperandEval::Transform(std::span<const Value> in) {
  bool list = slot_->info().is_list;
  int buf = 0;
  for (Transformer t : transformers_) {
    if (t == Transformer::kLen) {
      Value v;
      v.num = list ? in.size() : in[0].bytes.size();
      len_value_ = v;
      in = {&len_value_, 1};
      list = false;
      continue;
    }
    std::vector<std::string>& store = storage_[buf];
    std::vector<Value>& out = values_buf_[buf];
    buf ^= 1;
    store.resize(in.size());
    out.resize(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      std::string_view src = in[i].bytes;
      switch (t) {
        case Transformer::kToLower:
          store[i] = AsciiLower(src);
          break;
        case Transformer::kToUpper:
          store[i] = AsciiUpper(src);
          break;
        case Transformer::kB64: {
          auto decoded = DecodeBase64(src);
          if (!decoded) return {};  // not base64: no value, as in Falco
          store[i] = std::move(*decoded);
          break;
        }
        case Transformer::kBasename: {
          size_t slash = src.rfind('/');
          store[i] = std::string(slash == std::string_view::npos ? src : src.substr(slash + 1));
          break;
        }
        case Transformer::kLen:
          break;
      }
      out[i].bytes = store[i];
    }
    in = out;
  }
  return in;
}

// ---- boolean structure ------------------------------------------------------------------

namespace {

class ConstNode final : public Node {
 public:
  explicit ConstNode(bool v) : v_(v) {}
  bool Eval(const EvalState&) override { return v_; }
  bool Costly() const override { return false; }

 private:
  bool v_;
};

// Children are called through plain pointers: a child that refers to a shared node (a macro
// used by several rules) is called directly, without the reference in between.
class Children {
 public:
  // In an `or`, comparisons that can are merged (Node::AbsorbAlternative); shared nodes never are,
  // other rules use them as they are.
  Children(std::vector<NodePtr> c, bool alternatives) {
    if (alternatives) MergeAlternatives(c);
    std::stable_partition(c.begin(), c.end(), [](const NodePtr& n) { return !n->Costly(); });
    for (NodePtr& n : c) {
      costly_ = costly_ || n->Costly();
      Node* target = n->Unwrap();
      nodes_.push_back(target);
      if (target == n.get()) owned_.push_back(std::move(n));
    }
  }
  const std::vector<Node*>& nodes() const { return nodes_; }
  bool costly() const { return costly_; }

 private:
  static bool Own(const NodePtr& n) { return n->Unwrap() == n.get() && !n->IsShared(); }
  static void MergeAlternatives(std::vector<NodePtr>& c) {
    std::vector<NodePtr> kept;
    for (NodePtr& n : c) {
      auto by = std::find_if(kept.begin(), kept.end(), [&](const NodePtr& k) {
        return Own(n) && Own(k) && k->AbsorbAlternative(*n);
      });
      if (by == kept.end()) kept.push_back(std::move(n));
    }
    c = std::move(kept);
  }
  bool costly_ = false;
  std::vector<Node*> nodes_;
  std::vector<NodePtr> owned_;
};

class AndNode final : public Node {
 public:
  explicit AndNode(std::vector<NodePtr> c) : c_(std::move(c), false) {}
  Node* FirstConjunct() override { return c_.nodes()[0]; }
  bool Costly() const override { return c_.costly(); }
  bool Eval(const EvalState& s) override {
    for (Node* n : c_.nodes()) {
      if (!n->Eval(s)) return false;
    }
    return true;
  }

 private:
  Children c_;
};

class OrNode final : public Node {
 public:
  explicit OrNode(std::vector<NodePtr> c) : c_(std::move(c), true) {}
  bool Costly() const override { return c_.costly(); }
  bool Eval(const EvalState& s) override {
    for (Node* n : c_.nodes()) {
      if (n->Eval(s)) return true;
    }
    return false;
  }

 private:
  Children c_;
};

class NotNode final : public Node {
 public:
  explicit NotNode(NodePtr c) : c_(MakeVector(std::move(c)), false), n_(c_.nodes()[0]) {}
  bool Eval(const EvalState& s) override { return !n_->Eval(s); }
  bool Costly() const override { return c_.costly(); }

 private:
  static std::vector<NodePtr> MakeVector(NodePtr c) {
    std::vector<NodePtr> v;
    v.push_back(std::move(c));
    return v;
  }
  Children c_;
  Node* n_;
};

class TypeCheckNode final : public Node {
 public:
  explicit TypeCheckNode(TypeSet t) : t_(t) {}
  bool Eval(const EvalState& s) override { return t_.Has(s.event->type); }
  bool Costly() const override { return false; }

 private:
  TypeSet t_;
};

class MemoNode final : public Node {
 public:
  explicit MemoNode(NodePtr inner) : inner_(std::move(inner)) {}
  bool IsShared() const override { return true; }
  bool Costly() const override { return inner_->Costly(); }
  bool Eval(const EvalState& s) override {
    if (seq_ != s.seq) {
      value_ = inner_->Eval(s);
      seq_ = s.seq;
    }
    return value_;
  }

 private:
  NodePtr inner_;
  uint64_t seq_ = ~uint64_t{0};
  bool value_ = false;
};

class RefNode final : public Node {
 public:
  explicit RefNode(Node* target) : target_(target) {}
  bool Eval(const EvalState& s) override { return target_->Eval(s); }
  Node* Unwrap() override { return target_; }
  bool Costly() const override { return target_->Costly(); }

 private:
  Node* target_;
};

}  // namespace

NodePtr MakeConst(bool value) { return std::make_unique<ConstNode>(value); }
NodePtr MakeMemo(NodePtr inner) { return std::make_unique<MemoNode>(std::move(inner)); }
NodePtr MakeRef(Node* target) { return std::make_unique<RefNode>(target); }
NodePtr MakeAnd(std::vector<NodePtr> children) {
  return std::make_unique<AndNode>(std::move(children));
}
NodePtr MakeOr(std::vector<NodePtr> children) {
  return std::make_unique<OrNode>(std::move(children));
}
NodePtr MakeNot(NodePtr child) { return std::make_unique<NotNode>(std::move(child)); }
NodePtr MakeTypeCheck(TypeSet types) { return std::make_unique<TypeCheckNode>(types); }

// ---- comparisons ------------------------------------------------------------------------

namespace {

template <typename T>
bool Ordered(Op op, T a, T b) {
  switch (op) {
    case Op::kEq:
      return a == b;
    case Op::kNe:
      return a != b;
    case Op::kLt:
      return a < b;
    case Op::kLe:
      return a <= b;
    case Op::kGt:
      return a > b;
    case Op::kGe:
      return a >= b;
    default:
      return false;
  }
}

// Paths and names share their first bytes ("/", "/usr/"): the last byte of the affix rejects
// most values before the full compare.
bool StartsWith(std::string_view v, std::string_view p) {
  return v.size() >= p.size() && (p.empty() || (v[p.size() - 1] == p.back() &&
                                                std::memcmp(v.data(), p.data(), p.size()) == 0));
}
bool EndsWith(std::string_view v, std::string_view s) {
  return v.size() >= s.size() &&
         (s.empty() || (v[v.size() - s.size()] == s.front() &&
                        std::memcmp(v.data() + v.size() - s.size(), s.data(), s.size()) == 0));
}

// A string against a prefix, suffix or substring: what an `or` of several on one field folds into.
bool IsAffix(Op op) {
  return op == Op::kStartsWith || op == Op::kBStartsWith || op == Op::kEndsWith ||
         op == Op::kContains || op == Op::kBContains;
}

// Two values of the same type class (a field against a field).
bool CompareValues(Op op, FieldType type, const Value& a, const Value& b) {
  switch (ClassOf(type)) {
    case TypeClass::kString:
      switch (op) {
        case Op::kContains:
        case Op::kBContains:
          return a.bytes.find(b.bytes) != std::string_view::npos;
        case Op::kIContains:
          return IContains(a.bytes, AsciiLower(b.bytes));
        case Op::kStartsWith:
        case Op::kBStartsWith:
          return StartsWith(a.bytes, b.bytes);
        case Op::kEndsWith:
          return EndsWith(a.bytes, b.bytes);
        case Op::kGlob:
          return GlobMatch(b.bytes, a.bytes, false);
        case Op::kIGlob:
          return GlobMatch(b.bytes, a.bytes, true);
        case Op::kIn:
        case Op::kIntersects:
          return a.bytes == b.bytes;
        case Op::kPmatch: {
          PathPrefixSet one;
          one.Add(b.bytes);
          return one.Match(a.bytes);
        }
        default:
          return Ordered(op, a.bytes, b.bytes);
      }
    case TypeClass::kSigned:
      return Ordered(op == Op::kIn || op == Op::kIntersects ? Op::kEq : op,
                     static_cast<int64_t>(a.num), static_cast<int64_t>(b.num));
    case TypeClass::kUnsigned:
    case TypeClass::kBool:
      return Ordered(op == Op::kIn || op == Op::kIntersects ? Op::kEq : op, a.num, b.num);
    case TypeClass::kIp: {
      auto x = IpOfValue(a, type), y = IpOfValue(b, type);
      if (!x || !y) return false;
      bool eq = x->v6 == y->v6 && x->bytes == y->bytes;
      return op == Op::kNe ? !eq : eq;
    }
  }
  return false;
}

// Most values are not in a rule's list (`not proc.name in (shell_binaries)`): one bit per item,
// indexed by its length and three of its bytes, rejects nearly all of them without hashing the
// whole string (a Bloom filter of one hash; 4096 bits against lists of tens to hundreds).
class StringFilter {
 public:
  void Add(std::string_view s) { bits_.set(Index(s)); }
  bool MayHave(std::string_view v) const { return bits_[Index(v)]; }

 private:
  static size_t Index(std::string_view s) {
    if (s.empty()) return 0;
    size_t n = s.size();
    auto byte = [&](size_t i) { return static_cast<size_t>(static_cast<uint8_t>(s[i])); };
    return (n * 0x9e37 ^ byte(0) * 0x85 ^ byte(n / 2) * 0x3d1 ^ byte(n - 1) * 0x1f3) & 4095;
  }
  std::bitset<4096> bits_;
};

class CompareNode final : public Node {
 public:
  CompareNode(std::unique_ptr<OperandEval> lhs, CompareSpec spec)
      : lhs_(std::move(lhs)), spec_(std::move(spec)), cls_(ClassOf(spec_.type)) {
    for (const Constant& c : spec_.constants) {
      switch (cls_) {
        case TypeClass::kString:
          strings_.insert(c.text);
          if (spec_.op == Op::kPmatch) paths_.Add(c.text);
          break;
        case TypeClass::kIp:
          nets_.push_back(c.net);
          break;
        default:
          numbers_.insert(c.num);
          break;
      }
    }
    small_ = cls_ == TypeClass::kString && strings_.size() <= 8;
    if (small_) small_strings_.assign(strings_.begin(), strings_.end());
    if (cls_ == TypeClass::kString && !small_) {
      filter_ = std::make_unique<StringFilter>();
      for (const std::string& t : strings_) filter_->Add(t);
    }
    if (!spec_.constants.empty()) {
      first_ = spec_.constants[0];
      if (spec_.op == Op::kIContains) first_.text = AsciiLower(first_.text);
      if (IsAffix(spec_.op)) texts_.push_back(first_.text);
    }
  }

  bool AbsorbAlternative(Node& other) override {
    auto* o = dynamic_cast<CompareNode*>(&other);
    if (!o || !Mergeable() || !o->Mergeable() || o->spec_.op != spec_.op ||
        o->lhs_->plain_field() != lhs_->plain_field()) {
      return false;
    }
    texts_.insert(texts_.end(), o->texts_.begin(), o->texts_.end());
    return true;
  }

  bool Costly() const override { return lhs_->costly() || (spec_.rhs && spec_.rhs->costly()); }

  bool Eval(const EvalState& s) override {
    std::span<const Value> values = lhs_->Get(s);
    if (values.empty()) return false;
    if (spec_.op == Op::kExists) return true;
    if (spec_.rhs) return EvalAgainstField(s, values);
    if (spec_.lhs_is_list && spec_.op == Op::kIn) {
      for (const Value& v : values) {
        if (!MatchOne(v)) return false;
      }
      return true;
    }
    for (const Value& v : values) {
      if (MatchOne(v)) return true;
    }
    return false;
  }

 private:
  // An affix test of the field itself against one constant: others like it on the same field
  // fold into it.
  bool Mergeable() const {
    return IsAffix(spec_.op) && cls_ == TypeClass::kString && !spec_.rhs && !spec_.lhs_is_list &&
           spec_.constants.size() == 1 && lhs_->plain_field();
  }

  bool InSet(const Value& v) {
    switch (cls_) {
      case TypeClass::kString:
        if (small_) {  // a few items: comparing beats hashing
          for (const std::string& c : small_strings_) {
            if (c.size() == v.bytes.size() && c == v.bytes) return true;
          }
          return false;
        }
        return filter_->MayHave(v.bytes) && strings_.find(v.bytes) != strings_.end();
      case TypeClass::kIp: {
        auto a = IpOfValue(v, spec_.type);
        if (!a) return false;
        for (const IpNet& n : nets_) {
          if (n.Contains(*a)) return true;
        }
        return false;
      }
      default:
        return numbers_.count(v.num) != 0;
    }
  }

  bool MatchOne(const Value& v) {
    Op op = spec_.op;
    if (op == Op::kIn || op == Op::kIntersects) return InSet(v);
    switch (cls_) {
      case TypeClass::kString: {
        std::string_view c = first_.text;
        switch (op) {
          case Op::kEq:
            return v.bytes == c;
          case Op::kNe:
            return v.bytes != c;
          case Op::kContains:
          case Op::kBContains:
            return std::any_of(texts_.begin(), texts_.end(), [&](const std::string& t) {
              return v.bytes.find(t) != std::string_view::npos;
            });
          case Op::kIContains:
            return IContains(v.bytes, c);
          case Op::kStartsWith:
          case Op::kBStartsWith:
            return std::any_of(texts_.begin(), texts_.end(),
                               [&](const std::string& t) { return StartsWith(v.bytes, t); });
          case Op::kEndsWith:
            return std::any_of(texts_.begin(), texts_.end(),
                               [&](const std::string& t) { return EndsWith(v.bytes, t); });
          case Op::kGlob:
            return GlobMatch(c, v.bytes, false);
          case Op::kIGlob:
            return GlobMatch(c, v.bytes, true);
          case Op::kRegex:
            return RE2::FullMatch(re2::StringPiece(v.bytes.data(), v.bytes.size()), *spec_.regex);
          case Op::kPmatch:
            return paths_.Match(v.bytes);
          default:
            return Ordered(op, v.bytes, c);
        }
      }
      case TypeClass::kSigned:
        return Ordered(op, static_cast<int64_t>(v.num), static_cast<int64_t>(first_.num));
      case TypeClass::kUnsigned:
      case TypeClass::kBool:
        return Ordered(op, v.num, first_.num);
      case TypeClass::kIp: {
        auto a = IpOfValue(v, spec_.type);
        if (!a) return false;
        bool in = first_.net.Contains(*a);
        return op == Op::kNe ? !in : in;
      }
    }
    return false;
  }

  bool EvalAgainstField(const EvalState& s, std::span<const Value> values) {
    std::span<const Value> rhs = spec_.rhs->Get(s);
    if (rhs.empty()) return false;
    Op op = spec_.op;
    auto matches = [&](const Value& v) {
      if (op == Op::kIn || op == Op::kIntersects) {
        for (const Value& r : rhs) {
          if (CompareValues(op, spec_.type, v, r)) return true;
        }
        return false;
      }
      return CompareValues(op, spec_.type, v, rhs[0]);
    };
    if (spec_.lhs_is_list && op == Op::kIn) {
      for (const Value& v : values) {
        if (!matches(v)) return false;
      }
      return true;
    }
    for (const Value& v : values) {
      if (matches(v)) return true;
    }
    return false;
  }

  std::unique_ptr<OperandEval> lhs_;
  CompareSpec spec_;
  TypeClass cls_;
  Constant first_;
  // An affix test's constant, and those of the alternatives it absorbed: any matches.
  std::vector<std::string> texts_;
  StringSet strings_;
  std::unique_ptr<StringFilter> filter_;  // every string set past small_ has one
  bool small_ = false;
  std::vector<std::string> small_strings_;
  std::unordered_set<uint64_t> numbers_;
  std::vector<IpNet> nets_;
  PathPrefixSet paths_;
};

}  // namespace

NodePtr MakeCompare(std::unique_ptr<OperandEval> lhs, CompareSpec spec) {
  return std::make_unique<CompareNode>(std::move(lhs), std::move(spec));
}

}  // namespace vigil::rules
