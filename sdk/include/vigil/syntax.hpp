// The few name and number shapes vigil checks in untrusted text (configs, plugin tables), matched
// by hand: libstdc++'s std::regex recurses once per character and overflows the stack on long
// input, which a config file or a plugin can supply.
//
//   IsPluginName("k8saudit")  IsFieldName("proc.name")  IsSemver("1.2.3-rc1")  IsHexDigits(s, 64)
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace vigil::syntax {

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }
inline bool IsLowerAlnumOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_';
}
inline bool IsAlnumOrUnderscore(char c) {
  return IsLowerAlnumOrUnderscore(c) || (c >= 'A' && c <= 'Z');
}
inline bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Non-empty and every character satisfies `pred`.
template <typename Pred>
bool AllOf(std::string_view s, Pred pred) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

// [a-z0-9_]+: plugin names and event source names.
inline bool IsPluginName(std::string_view s) { return AllOf(s, IsLowerAlnumOrUnderscore); }

// [A-Za-z0-9_.-]+: output instance names.
inline bool IsInstanceName(std::string_view s) {
  return AllOf(s, [](char c) { return IsAlnumOrUnderscore(c) || c == '.' || c == '-'; });
}

// Exactly `n` hexadecimal digits.
inline bool IsHexDigits(std::string_view s, size_t n) {
  return s.size() == n && AllOf(s, IsHexDigit);
}

// [A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+: a field name such as proc.name or ka.target.namespace.
inline bool IsFieldName(std::string_view s) {
  size_t parts = 0;
  for (size_t start = 0;;) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!AllOf(part, IsAlnumOrUnderscore)) return false;
    ++parts;
    if (dot == std::string_view::npos) return parts >= 2;
    start = dot + 1;
  }
}

// MAJOR.MINOR.PATCH with an optional, non-empty -pre or +build suffix of [0-9A-Za-z.+-].
inline bool IsSemver(std::string_view s) {
  for (int i = 0; i < 3; ++i) {
    size_t n = 0;
    while (n < s.size() && IsDigit(s[n])) ++n;
    if (n == 0) return false;
    s.remove_prefix(n);
    if (i < 2) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
  }
  if (s.empty()) return true;
  if ((s[0] != '-' && s[0] != '+') || s.size() == 1) return false;
  return std::all_of(s.begin() + 1, s.end(), [](char c) {
    return IsAlnumOrUnderscore(c) ? c != '_' : (c == '.' || c == '+' || c == '-');
  });
}

// [-+]?[0-9]+: a YAML 1.2 core-schema decimal integer.
inline bool IsYamlInt(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  return AllOf(s, IsDigit);
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?: a YAML 1.2 core-schema float.
inline bool IsYamlFloat(std::string_view s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  size_t i = 0, int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
    if (int_digits == 0 && frac_digits == 0) return false;
  } else if (int_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

}  // namespace vigil::syntax
