// Helpers shared by the fuzz harnesses.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

namespace vigil::fuzz {

// Aborts, so the fuzzer reports the input, when an invariant of the code under test is broken.
// Unlike assert() it stays on in every build type.
inline void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
    std::abort();
  }
}

// Splits `input` at the first `separator`: {before, after}; {input, ""} when it is absent.
inline std::pair<std::string_view, std::string_view> SplitAt(std::string_view input,
                                                             std::string_view separator) {
  const size_t at = input.find(separator);
  if (at == std::string_view::npos) return {input, {}};
  return {input.substr(0, at), input.substr(at + separator.size())};
}

}  // namespace vigil::fuzz
