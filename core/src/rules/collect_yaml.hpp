// YAML support private to the rules collector: a parse with a size budget, the file position of
// every byte of a scalar, and the scalar decoders Falco's rules reader uses.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rule_items.hpp"

namespace vigil::rules::internal {

// Nodes one rules file may hold, aliases expanded. The largest upstream file has ~10k; this stops
// an alias bomb (`&a [*b, *b, ...]` nested), a recursive alias or a huge flow list before any of
// it is built or walked.
inline constexpr size_t kMaxYamlNodes = 1'000'000;

struct YamlParse {
  enum class Outcome { kOk, kSyntaxError, kTooLarge, kRecursiveAlias };
  Outcome outcome = Outcome::kOk;
  std::vector<YAML::Node> documents;
  std::string message;  // kSyntaxError: yaml-cpp's message
  YAML::Mark mark;      // where the error or the limit was met
};
// Parses every document of `content`, counting nodes (aliases expanded) first so that a file past
// `max_nodes`, or with a recursive alias, is refused before its nodes are built. Never throws.
YamlParse ParseYaml(const std::string& content, size_t max_nodes);

// 1-based position of `mark` in file `file`; `fallback` when the mark is unset.
Located ToLocated(const YAML::Mark& mark, uint32_t file, const Located& fallback);

// The value of scalar `node` with where[i] the position of value byte i in `source`, the text the
// node was parsed from. Handles plain, quoted and block scalars (escapes map to their backslash,
// folded line breaks to the break); where the value cannot be matched to the source, the
// remaining bytes get the scalar's own position.
LocatedText LocateScalar(std::string_view source, const YAML::Node& node, uint32_t file);

// yaml-cpp's booleans: true/false, yes/no, on/off, y/n in lower, upper or title case.
std::optional<bool> DecodeBool(const YAML::Node& node);

struct Semver {
  uint64_t major = 0, minor = 0, patch = 0;
  auto operator<=>(const Semver&) const = default;
  std::string ToString() const;
};
// "x.y.z", optionally followed by a "-prerelease" / "+build" suffix (ignored).
std::optional<Semver> ParseSemver(std::string_view text);
// Falco's rule: same major version and at least the required one.
bool IsCompatible(const Semver& have, const Semver& required);

// " (did you mean 'x'?)" when a candidate is a likely typo of `word`, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& candidates);

}  // namespace vigil::rules::internal
