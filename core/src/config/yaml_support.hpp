// Helpers shared by the config loader and the plugin-config check. Private to core/src/config.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/config.hpp"
#include "vigil/core/status.hpp"

namespace vigil::config::internal {

// Collects every problem of one pass so the user fixes them all at once.
class ErrorList {
 public:
  void Add(const SourcePos& pos, std::string_view message);
  bool empty() const { return lines_.empty(); }
  // One line per problem in file order (those without a line first); a long list is cut so a
  // broken file cannot flood the terminal.
  Status ToStatus() const;

 private:
  std::vector<std::pair<SourcePos, std::string>> lines_;
};

// A scalar resolved by the YAML 1.2 core schema: plain scalars may be null, bool, int or float;
// quoted, block and !!str scalars are strings.
struct Scalar {
  enum class Kind { kNull, kBool, kInt, kUint, kDouble, kString };
  Kind kind = Kind::kNull;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;  // kUint: a plain integer above INT64_MAX.
  double d = 0;
  std::string text;  // The scalar as written.
};
Scalar ResolveScalar(const YAML::Node& node);
// "string \"abc\"", "integer 5", "boolean true", "null", "map", "list": for "got ..." messages.
std::string DescribeYaml(const YAML::Node& node);

// " (did you mean 'x'?)" when a candidate is a likely typo of `word`, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

// Key paths as users write them: "outputs[0].config.format".
std::string JoinKey(std::string_view parent, std::string_view key);
std::string JoinIndex(std::string_view parent, size_t index);

// Where to point at for a member: a scalar value's own mark is the most precise; a null or
// block value has no useful mark of its own, so its key's is used.
SourcePos MemberPos(const SourceMap& sources, const YAML::Node& key, const YAML::Node& value,
                    const SourcePos& fallback);

std::string ToLower(std::string_view s);

}  // namespace vigil::config::internal
