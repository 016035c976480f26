#include "yaml_support.hpp"

#include "vigil/core/edit_distance.hpp"
#include "vigil/syntax.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <tuple>

namespace vigil::config {

SourcePos SourceMap::PosOf(const YAML::Node& node, const SourcePos& fallback) const {
  if (node.IsDefined()) {
    for (auto it = override_nodes_.rbegin(); it != override_nodes_.rend(); ++it) {
      if (node.is(it->first)) return SourcePos{it->second, 0, 0};
    }
  }
  const YAML::Mark mark = node.Mark();
  if (mark.is_null() || mark.line < 0) return fallback;
  return SourcePos{file_, static_cast<uint32_t>(mark.line + 1),
                   static_cast<uint32_t>(mark.column + 1)};
}

void SourceMap::AddOverride(const YAML::Node& root, const std::string& label) {
  // Iterative walk: a value from the command line can be nested arbitrarily deep, and an alias can
  // make it a cycle (`&x [*x]`), so the walk also stops after a bounded number of nodes.
  constexpr size_t kMaxOverrideNodes = 10000;
  std::vector<YAML::Node> todo{root};
  for (size_t visited = 0; !todo.empty() && visited < kMaxOverrideNodes; ++visited) {
    YAML::Node n = todo.back();
    todo.pop_back();
    override_nodes_.emplace_back(n, label);
    if (n.IsMap()) {
      for (const auto& kv : n) {
        override_nodes_.emplace_back(kv.first, label);
        todo.push_back(kv.second);
      }
    } else if (n.IsSequence()) {
      for (const auto& item : n) todo.push_back(item);
    }
  }
}

}  // namespace vigil::config

namespace vigil::config::internal {

void ErrorList::Add(const SourcePos& pos, std::string_view message) {
  std::string where = pos.ToString();
  lines_.emplace_back(pos,
                      where.empty() ? std::string(message) : fmt::format("{}: {}", where, message));
}

Status ErrorList::ToStatus() const {
  constexpr size_t kMaxLines = 50;
  if (lines_.empty()) return Status::Ok();
  std::vector<std::pair<SourcePos, std::string>> sorted = lines_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return std::tuple(a.first.line > 0, a.first.line, a.first.column) <
           std::tuple(b.first.line > 0, b.first.line, b.first.column);
  });
  std::string out;
  for (size_t i = 0; i < sorted.size() && i < kMaxLines; ++i) {
    if (i > 0) out += '\n';
    out += sorted[i].second;
  }
  if (lines_.size() > kMaxLines) {
    out += fmt::format("\n... and {} more errors", lines_.size() - kMaxLines);
  }
  return Status::Invalid(std::move(out));
}

namespace {

bool ParseInteger(const std::string& digits, int base, bool negative, Scalar& out) {
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(digits.c_str(), &end, base);  // NOLINT: runtime
  if (errno == ERANGE || end == digits.c_str() || *end != '\0') return false;
  if (negative) {
    // -INT64_MIN's magnitude is one more than INT64_MAX.
    if (v > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max()) + 1) return false;
    out.kind = Scalar::Kind::kInt;
    out.i = v == 0 ? 0 : static_cast<int64_t>(0 - v);
    return true;
  }
  if (v > static_cast<unsigned long long>(std::numeric_limits<int64_t>::max())) {
    out.kind = Scalar::Kind::kUint;
    out.u = v;
  } else {
    out.kind = Scalar::Kind::kInt;
    out.i = static_cast<int64_t>(v);
  }
  return true;
}

}  // namespace

Scalar ResolveScalar(const YAML::Node& node) {
  Scalar out;
  if (!node.IsDefined() || node.IsNull()) return out;
  out.text = node.Scalar();
  out.kind = Scalar::Kind::kString;
  // yaml-cpp tags plain scalars "?", quoted and block scalars "!"; anything else is explicit.
  const std::string& tag = node.Tag();
  if (tag != "?") return out;
  const std::string& t = out.text;
  if (t == "true" || t == "True" || t == "TRUE") {
    out.kind = Scalar::Kind::kBool;
    out.b = true;
  } else if (t == "false" || t == "False" || t == "FALSE") {
    out.kind = Scalar::Kind::kBool;
    out.b = false;
  } else if (t == "null" || t == "Null" || t == "NULL" || t == "~" || t.empty()) {
    out.kind = Scalar::Kind::kNull;
  } else if (syntax::IsYamlInt(t)) {
    const bool negative = t[0] == '-';
    const size_t skip = (t[0] == '-' || t[0] == '+') ? 1 : 0;
    if (!ParseInteger(t.substr(skip), 10, negative, out)) {
      out.kind = Scalar::Kind::kDouble;  // Too big for 64 bits: keep it a number.
      out.d = std::strtod(t.c_str(), nullptr);
    }
  } else if (t.size() > 2 && t[0] == '0' && (t[1] == 'o' || t[1] == 'x')) {
    const bool octal = t[1] == 'o';
    const std::string digits = t.substr(2);
    const bool ok_digits = std::all_of(digits.begin(), digits.end(), [octal](char c) {
      return octal ? (c >= '0' && c <= '7') : std::isxdigit(static_cast<unsigned char>(c)) != 0;
    });
    if (ok_digits && !ParseInteger(digits, octal ? 8 : 16, false, out)) {
      out.kind = Scalar::Kind::kString;
    }
  } else if (syntax::IsYamlFloat(t)) {
    out.kind = Scalar::Kind::kDouble;
    out.d = std::strtod(t.c_str(), nullptr);
  } else {
    const std::string_view body =
        (t[0] == '-' || t[0] == '+') ? std::string_view(t).substr(1) : std::string_view(t);
    if (body == ".inf" || body == ".Inf" || body == ".INF") {
      out.kind = Scalar::Kind::kDouble;
      out.d = t[0] == '-' ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
    } else if (t == ".nan" || t == ".NaN" || t == ".NAN") {
      out.kind = Scalar::Kind::kDouble;
      out.d = std::numeric_limits<double>::quiet_NaN();
    }
  }
  return out;
}

std::string DescribeYaml(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsMap()) return "map";
  if (node.IsSequence()) return "list";
  const Scalar s = ResolveScalar(node);
  switch (s.kind) {
    case Scalar::Kind::kNull:
      return "null";
    case Scalar::Kind::kBool:
      return fmt::format("boolean {}", s.text);
    case Scalar::Kind::kInt:
    case Scalar::Kind::kUint:
      return fmt::format("integer {}", s.text);
    case Scalar::Kind::kDouble:
      return fmt::format("number {}", s.text);
    case Scalar::Kind::kString:
      return fmt::format("string \"{}\"", s.text);
  }
  return "value";
}


std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  size_t best_distance = std::numeric_limits<size_t>::max();
  for (std::string_view c : candidates) {
    // A truncated key ("min_prio") is a typo as much as a misspelled one.
    const bool prefix = word.size() >= 3 && c.substr(0, word.size()) == word;
    const size_t d = prefix ? 1 : EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  const size_t limit = std::max<size_t>(1, std::min<size_t>(3, word.size() / 3));
  if (best.empty() || best_distance > limit) return "";
  return fmt::format(" (did you mean '{}'?)", best);
}

std::string JoinKey(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return fmt::format("{}.{}", parent, key);
}

std::string JoinIndex(std::string_view parent, size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

SourcePos MemberPos(const SourceMap& sources, const YAML::Node& key, const YAML::Node& value,
                    const SourcePos& fallback) {
  const SourcePos key_pos = sources.PosOf(key, fallback);
  if (value.IsDefined() && value.IsScalar() && !value.IsNull()) {
    return sources.PosOf(value, key_pos);
  }
  if (value.IsDefined() && (value.IsMap() || value.IsSequence()) &&
      value.Style() == YAML::EmitterStyle::Flow) {
    return sources.PosOf(value, key_pos);
  }
  return key_pos;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace vigil::config::internal
