// Falco's eight alert priorities by name, for the config, the rules and the alerts alike.
//
//   ParsePriority("warning") == VIGIL_PRIORITY_WARNING;  PriorityName(VIGIL_PRIORITY_NOTICE) == "Notice"
#pragma once

#include <algorithm>
#include <iterator>
#include <optional>
#include <string_view>

#include "vigil/plugin_api.h"

namespace vigil {

inline constexpr std::string_view kPriorityNames[] = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"};

// "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug";
// "Unknown" for a value out of range.
inline std::string_view PriorityName(vigil_priority priority) {
  const auto i = static_cast<size_t>(priority);
  return i < std::size(kPriorityNames) ? kPriorityNames[i] : std::string_view("Unknown");
}

// Case-insensitive; accepts the eight names and "info" for Informational (as Falco does).
inline std::optional<vigil_priority> ParsePriority(std::string_view name) {
  auto iequals = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
             return lower(x) == lower(y);
           });
  };
  for (size_t i = 0; i < std::size(kPriorityNames); ++i) {
    if (iequals(name, kPriorityNames[i])) return static_cast<vigil_priority>(i);
  }
  if (iequals(name, "info")) return VIGIL_PRIORITY_INFORMATIONAL;
  return std::nullopt;
}

}  // namespace vigil
