// Falco's text alert line: "<time>: <Priority> <output>", as Falco prints it on stdout and in
// files when json_output is false. <time> is local HH:MM:SS.nnnnnnnnn (%evt.time), or RFC 3339
// UTC with nanoseconds (%evt.time.iso8601) with time_format_iso_8601.
//
// Plugins build against the SDK alone, so this cannot use the core's FormatAlertLine; it must
// render the same bytes (the core's alert_test pins them). Shared by every output plugin.
#pragma once

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <string>

#include "vigil/plugin_api.h"

namespace vigil_outputs {

inline const char* PriorityName(uint32_t priority) {
  static const char* const kNames[] = {"Emergency", "Alert",  "Critical",      "Error",
                                       "Warning",   "Notice", "Informational", "Debug"};
  return priority < 8 ? kNames[priority] : "Unknown";
}

// Appends the time prefix of `time_ns` (ns since the epoch).
inline void AppendAlertTime(uint64_t time_ns, bool iso_8601, std::string* out) {
  constexpr uint64_t kNsPerSec = 1000000000ull;
  const auto secs = static_cast<std::time_t>(time_ns / kNsPerSec);
  const auto ns = static_cast<unsigned long long>(time_ns % kNsPerSec);
  std::tm tm{};
  char buf[64];
  int len = 0;
  if (iso_8601) {
    if (gmtime_r(&secs, &tm) == nullptr) return;
    len = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ns);
  } else {
    if (localtime_r(&secs, &tm) == nullptr) return;
    len = std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%09llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
                        ns);
  }
  if (len > 0) out->append(buf, static_cast<size_t>(len));
}

// Appends "<time>: <Priority> <output>\n".
inline void AppendAlertTextLine(const vigil_alert& alert, bool iso_8601, std::string* out) {
  AppendAlertTime(alert.time_ns, iso_8601, out);
  out->append(": ");
  out->append(PriorityName(alert.priority));
  out->push_back(' ');
  if (alert.output != nullptr) out->append(alert.output);
  out->push_back('\n');
}

// Appends the alert's Falco JSON and a newline.
inline void AppendAlertJsonLine(const vigil_alert& alert, std::string* out) {
  if (alert.json != nullptr) out->append(alert.json, alert.json_len);
  out->push_back('\n');
}

}  // namespace vigil_outputs
