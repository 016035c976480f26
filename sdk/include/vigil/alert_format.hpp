// Falco's alert formats, in one place for the core, the SDK's fake host and the output plugins:
// the priority names, the two time formats, the text line and the JSON alert, byte for byte what
// Falco prints, so Falcosidekick and everything that reads Falco's alerts accept vigil's.
//
//   PriorityName(VIGIL_PRIORITY_WARNING) == "Warning";  ParsePriority("info") == INFORMATIONAL
//   AppendTimeIso8601(ts, &s);   // "2026-11-27T20:03:23.123456789Z"  (Falco's "time")
//   AppendTimeOfDay(ts, &s);     // "20:03:23.123456789", local time    (Falco's %evt.time)
//   AppendAlertLine(ts, prio, "Shell in container", /*iso_8601=*/false, &s);
//                                // "20:03:23.123456789: Warning Shell in container"
//   AppendFalcoJson(header, options, write_output_fields, &s);
//
// Header-only, C++17, no dependencies beyond plugin_api.h.
#ifndef VIGIL_ALERT_FORMAT_HPP
#define VIGIL_ALERT_FORMAT_HPP

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/plugin_api.h"

namespace vigil::alert_format {

inline constexpr std::string_view kPriorityNames[] = {
    "Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug"};

// Falco's name of a priority; "Unknown" for a value out of range.
inline std::string_view PriorityName(uint32_t priority) {
  return priority < std::size(kPriorityNames) ? kPriorityNames[priority]
                                              : std::string_view("Unknown");
}

// The names as configs and rules write them ("emergency" ... "debug"), for "one of" messages.
inline const std::vector<std::string_view>& PriorityChoices() {
  static const std::vector<std::string> lower = [] {
    std::vector<std::string> out;
    for (std::string_view name : kPriorityNames) {
      std::string l(name);
      for (char& c : l) c = (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c;
      out.push_back(std::move(l));
    }
    return out;
  }();
  static const std::vector<std::string_view> views(lower.begin(), lower.end());
  return views;
}

// Case-insensitive; accepts the eight names and "info" for Informational (as Falco does).
inline std::optional<vigil_priority> ParsePriority(std::string_view name) {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
  auto iequals = [&](std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
  };
  for (size_t i = 0; i < std::size(kPriorityNames); ++i) {
    if (iequals(name, kPriorityNames[i])) return static_cast<vigil_priority>(i);
  }
  if (iequals(name, "info")) return VIGIL_PRIORITY_INFORMATIONAL;
  return std::nullopt;
}

namespace detail {
constexpr uint64_t kNsPerSec = 1000000000ull;

inline void AppendTime(uint64_t time_ns, bool iso_8601, std::string* out) {
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
  if (len > 0) out->append(buf, std::min(static_cast<size_t>(len), sizeof buf - 1));
}
}  // namespace detail

// RFC 3339 UTC with nanoseconds: Falco's "time" and %evt.time.iso8601.
inline void AppendTimeIso8601(uint64_t time_ns, std::string* out) {
  detail::AppendTime(time_ns, true, out);
}
// Local time of day with nanoseconds: Falco's %evt.time.
inline void AppendTimeOfDay(uint64_t time_ns, std::string* out) {
  detail::AppendTime(time_ns, false, out);
}
inline std::string FormatTimeIso8601(uint64_t time_ns) {
  std::string s;
  AppendTimeIso8601(time_ns, &s);
  return s;
}
inline std::string FormatTimeOfDay(uint64_t time_ns) {
  std::string s;
  AppendTimeOfDay(time_ns, &s);
  return s;
}

// "<time>: <Priority> <message>": Falco's text line (and the JSON "output"), no newline. <time> is
// the time of day, or RFC 3339 with time_format_iso_8601.
inline void AppendAlertLine(uint64_t time_ns, uint32_t priority, std::string_view message,
                            bool iso_8601, std::string* out) {
  detail::AppendTime(time_ns, iso_8601, out);
  out->append(": ");
  out->append(PriorityName(priority));
  out->push_back(' ');
  out->append(message);
}

// Appends `s` as a JSON string literal exactly as nlohmann::json::dump(-1, ' ', false, replace)
// does, which is what Falco prints: control characters as \b \t \n \f \r or \u00xx (lower-case
// hex), UTF-8 kept as is, each maximal invalid UTF-8 subpart replaced by U+FFFD.
inline void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      switch (b) {
        case '"': out->append("\\\""); break;
        case '\\': out->append("\\\\"); break;
        case '\b': out->append("\\b"); break;
        case '\f': out->append("\\f"); break;
        case '\n': out->append("\\n"); break;
        case '\r': out->append("\\r"); break;
        case '\t': out->append("\\t"); break;
        default:
          if (b < 0x20) {
            const char esc[] = {'\\', 'u', '0', '0', kHex[b >> 4], kHex[b & 0xF]};
            out->append(esc, sizeof esc);
          } else {
            out->push_back(static_cast<char>(b));
          }
      }
      ++i;
      continue;
    }
    // Well-formed sequences (Unicode table 3-7): the lead byte fixes the length and the range of
    // the second byte; later bytes are 80..BF.
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;  // no surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    }
    if (len == 0) {  // a continuation byte or a lead that can never start a sequence
      out->append(kReplacement);
      ++i;
      continue;
    }
    size_t k = 1;
    for (; k < len && i + k < n; ++k) {
      const unsigned char c = p[i + k];
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) break;
    }
    if (k == len) {
      out->append(s.substr(i, len));
    } else {
      // The byte that broke the sequence is read again: it may start a valid one.
      out->append(kReplacement);
    }
    i += k;
  }
  out->push_back('"');
}

// Falco's json_* switches, with Falco's defaults.
struct JsonOptions {
  bool time_format_iso_8601 = false;  // the time in "output": RFC 3339 UTC instead of local time
  bool include_output = true;         // json_include_output_property
  bool include_output_fields = true;  // json_include_output_fields_property
  bool include_tags = true;           // json_include_tags_property
  bool include_message = false;       // json_include_message_property: "message", no prefix
};

// What every alert has, besides its output fields.
struct AlertHeader {
  uint64_t time_ns = 0;
  uint32_t priority = VIGIL_PRIORITY_DEBUG;
  std::string_view rule, source, hostname;
  std::string_view message;           // the rule's rendered output, without the time/priority prefix
  std::vector<std::string_view> tags;  // any order, duplicates allowed (Falco prints a std::set)
};

// Appends Falco's JSON alert, on one line, without a newline: keys in nlohmann's (sorted) order.
// `append_output_fields(out)` appends the "output_fields" object ("{...}"), with its keys sorted
// and each once, as Falco's map prints them.
template <class AppendOutputFields>
void AppendFalcoJson(const AlertHeader& a, const JsonOptions& options,
                     AppendOutputFields&& append_output_fields, std::string* out) {
  bool first = true;
  auto member = [&](std::string_view key) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(key);  // the keys here need no escaping
    out->append("\":");
  };
  out->push_back('{');
  member("hostname");
  AppendJsonString(a.hostname, out);
  if (options.include_message) {
    member("message");
    AppendJsonString(a.message, out);
  }
  if (options.include_output) {
    member("output");
    std::string line;
    AppendAlertLine(a.time_ns, a.priority, a.message, options.time_format_iso_8601, &line);
    AppendJsonString(line, out);
  }
  if (options.include_output_fields) {
    member("output_fields");
    append_output_fields(out);
  }
  member("priority");
  AppendJsonString(PriorityName(a.priority), out);
  member("rule");
  AppendJsonString(a.rule, out);
  member("source");
  AppendJsonString(a.source, out);
  if (options.include_tags) {
    member("tags");
    std::vector<std::string_view> tags = a.tags;
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    out->push_back('[');
    for (size_t i = 0; i < tags.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonString(tags[i], out);
    }
    out->push_back(']');
  }
  member("time");
  std::string time;
  AppendTimeIso8601(a.time_ns, &time);
  AppendJsonString(time, out);
  out->push_back('}');
}

// Falco's text line of a delivered alert and a newline (outputs with json_output false).
inline void AppendAlertTextLine(const vigil_alert& alert, bool iso_8601, std::string* out) {
  AppendAlertLine(alert.time_ns, alert.priority, alert.output != nullptr ? alert.output : "",
                  iso_8601, out);
  out->push_back('\n');
}

// A delivered alert's Falco JSON and a newline (outputs with json_output true).
inline void AppendAlertJsonLine(const vigil_alert& alert, std::string* out) {
  if (alert.json != nullptr) out->append(alert.json, alert.json_len);
  out->push_back('\n');
}

}  // namespace vigil::alert_format

#endif  // VIGIL_ALERT_FORMAT_HPP
