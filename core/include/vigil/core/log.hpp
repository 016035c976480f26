// vigil's log: leveled, thread-safe lines on stderr.
//
//   log::info("loaded plugin {} {}", name, version);
//   log::SetLevel(log::Level::kDebug);
//
// Lines look like `2026-11-27T20:03:23.123Z info  message`. Plugins log through the host
// callback, which lands here tagged with the plugin's name.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>

namespace vigil::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarning, kError, kCritical, kOff };

void SetLevel(Level level);
Level GetLevel();
// Parses "trace", "debug", "info", "warning"/"warn", "error", "critical", "off".
std::optional<Level> ParseLevel(std::string_view name);
std::string_view LevelName(Level level);

// Writes one line if `level` is enabled.
void Write(Level level, std::string_view message);

inline bool Enabled(Level level) { return level >= GetLevel(); }

template <typename... Args>
void Log(Level level, fmt::format_string<Args...> f, Args&&... args) {
  if (Enabled(level)) Write(level, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
  Log(Level::kTrace, f, std::forward<Args>(args)...);
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  Log(Level::kDebug, f, std::forward<Args>(args)...);
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  Log(Level::kInfo, f, std::forward<Args>(args)...);
}
template <typename... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  Log(Level::kWarning, f, std::forward<Args>(args)...);
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  Log(Level::kError, f, std::forward<Args>(args)...);
}
template <typename... Args>
void critical(fmt::format_string<Args...> f, Args&&... args) {
  Log(Level::kCritical, f, std::forward<Args>(args)...);
}

}  // namespace vigil::log
