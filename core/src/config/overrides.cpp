// `-o key.path=value`: Falco's override syntax, applied to the parsed YAML before it is read into
// a Config, so an override is checked exactly like the file.
#include <fmt/format.h>

#include <charconv>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "vigil/core/config.hpp"
#include "yaml_support.hpp"

namespace vigil::config {
namespace {

using Segment = std::variant<std::string, size_t>;  // A map key or a list index.

// Parses "a.b[2].c" into its segments, or explains what is wrong.
StatusOr<std::vector<Segment>> ParseKeyPath(std::string_view path) {
  std::vector<Segment> out;
  size_t i = 0;
  while (true) {
    const size_t start = i;
    while (i < path.size() && path[i] != '.' && path[i] != '[' && path[i] != ']') ++i;
    if (i == start) {
      return Status::Error(fmt::format("expected a key at offset {}", start));
    }
    out.emplace_back(std::string(path.substr(start, i - start)));
    while (i < path.size() && path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) return Status::Error("missing ']'");
      const std::string_view digits = path.substr(i + 1, close - i - 1);
      size_t index = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
        return Status::Error(fmt::format("bad list index '[{}]'", digits));
      }
      out.emplace_back(index);
      i = close + 1;
    }
    if (i == path.size()) return out;
    if (path[i] != '.') {
      return Status::Error(fmt::format("unexpected '{}' at offset {}", path[i], i));
    }
    ++i;
  }
}

std::string_view KindName(const YAML::Node& n) {
  if (n.IsMap()) return "a map";
  if (n.IsSequence()) return "a list";
  return "a scalar";
}

}  // namespace

Status ApplyOverride(YAML::Node& root, std::string_view override_arg, SourceMap& sources) {
  const size_t eq = override_arg.find('=');
  if (eq == std::string_view::npos) {
    return Status::Error(fmt::format("command line: -o {}: expected key.path=value", override_arg));
  }
  const std::string_view path = override_arg.substr(0, eq);
  const std::string label = fmt::format("command line: -o {}", path);
  StatusOr<std::vector<Segment>> segments = ParseKeyPath(path);
  if (!segments.ok()) {
    return Status::Error(fmt::format("{}: bad key path: {}", label, segments.status().message()));
  }
  YAML::Node value;
  try {
    value = YAML::Load(std::string(override_arg.substr(eq + 1)));
  } catch (const YAML::Exception& e) {
    return Status::Error(fmt::format("{}: the value is not valid YAML: {}", label, e.msg));
  }

  if (!root.IsDefined() || root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) {
    return Status::Error(
        fmt::format("{}: the configuration is {}, not a map", label, KindName(root)));
  }
  // yaml-cpp's operator= writes through to the tree; reset() only rebinds the handle.
  YAML::Node cur;
  cur.reset(root);
  std::string walked;
  for (size_t s = 0; s < segments->size(); ++s) {
    const bool last = s + 1 == segments->size();
    const Segment& seg = (*segments)[s];
    if (const std::string* key = std::get_if<std::string>(&seg)) {
      if (!cur.IsDefined() || cur.IsNull()) {
        cur = YAML::Node(YAML::NodeType::Map);
        sources.AddOverride(cur, label);
      }
      if (!cur.IsMap()) {
        return Status::Error(
            fmt::format("{}: '{}' is {}, not a map", label, walked, KindName(cur)));
      }
      walked = internal::JoinKey(walked, *key);
      const bool existed = std::as_const(cur)[*key].IsDefined();
      if (!existed && !last && std::holds_alternative<size_t>((*segments)[s + 1])) {
        // Only maps are created: a list index needs a list that is already there.
        return Status::Error(fmt::format("{}: '{}' is absent, not a list", label, walked));
      }
      YAML::Node next = cur[*key];
      if (last) {
        next = value;
        sources.AddOverride(next, label);
      } else if (!existed) {
        next = YAML::Node(YAML::NodeType::Map);
        sources.AddOverride(next, label);
      }
      if (!existed) {
        // Label the new key too, so errors about it point at the command line.
        for (const auto& kv : cur) {
          if (kv.first.IsScalar() && kv.first.Scalar() == *key)
            sources.AddOverride(kv.first, label);
        }
      }
      cur.reset(next);
    } else {
      const size_t index = std::get<size_t>(seg);
      if (!cur.IsSequence()) {
        return Status::Error(
            fmt::format("{}: '{}' is {}, not a list", label, walked,
                        cur.IsDefined() && !cur.IsNull() ? KindName(cur) : "absent"));
      }
      if (index >= cur.size()) {
        return Status::Error(fmt::format("{}: index {} is past the end of '{}' ({} items)", label,
                                         index, walked, cur.size()));
      }
      walked = internal::JoinIndex(walked, index);
      YAML::Node next = cur[index];
      if (last) {
        next = value;
        sources.AddOverride(next, label);
      }
      cur.reset(next);
    }
  }
  return Status::Ok();
}

}  // namespace vigil::config
