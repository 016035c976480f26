// Alert: what a rule firing produces, and its rendering to Falco's JSON alert.
//
// The JSON is byte for byte what Falco prints with `json_output: true` (vigil/alert_format.hpp,
// shared with the SDK's fake host and the output plugins, writes it), so Falcosidekick and
// everything that reads Falco's alerts accept it unchanged:
//
//   {"hostname":"node-1","output":"20:03:23.123456789: Warning Shell in container (pid=42)",
//    "output_fields":{"evt.time":1795809803123456789,"proc.pid":42},"priority":"Warning",
//    "rule":"Terminal shell in container","source":"syscall","tags":["container","shell"],
//    "time":"2026-11-27T20:03:23.123456789Z"}
//
// Alert::output is the rule's rendered message only. Falco's JSON "output" (and its text line on
// stdout) prefixes it with the event time and the priority: "<time>: <Priority> <message>", where
// <time> is local HH:MM:SS.nnnnnnnnn, or RFC 3339 UTC with `time_format_iso_8601`.
//
//   Alert a{.time_ns = ts, .priority = VIGIL_PRIORITY_WARNING, .rule = "r", .source = "syscall",
//           .hostname = "node-1", .output = "Shell in container (pid=42)",
//           .output_fields = {{"proc.pid", int64_t{42}}}, .tags = {"shell"}};
//   std::string json = RenderAlertJson(a);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "vigil/alert_format.hpp"
#include "vigil/plugin_api.h"

namespace vigil::router {

// One value of a list field (`ka.req.pod.containers.image`), rendered as a JSON array element.
using AlertFieldItem = std::variant<std::string, int64_t, uint64_t, bool>;
// A field value in output_fields. monostate renders as null (a field with no value, Falco's <NA>);
// a list field renders as a JSON array, as Falco does.
using AlertFieldValue = std::variant<std::monostate, std::string, int64_t, uint64_t, bool, double,
                                     std::vector<AlertFieldItem>>;

struct AlertField {
  std::string name;
  AlertFieldValue value;
};

struct Alert {
  uint64_t time_ns = 0;  // when the event happened, ns since the epoch
  vigil_priority priority = VIGIL_PRIORITY_DEBUG;
  std::string rule;
  std::string source;  // event source, e.g. "syscall", "k8s_audit"
  std::string hostname;
  std::string output;  // the rule's rendered message, without Falco's time/priority prefix
  // In the order the engine found them. The JSON sorts them by name, as Falco does; of two fields
  // with one name the later wins.
  std::vector<AlertField> output_fields;
  std::vector<std::string> tags;  // the JSON sorts them and drops duplicates (Falco's std::set)
};

// Falco's json_* switches, with Falco's defaults.
using AlertJsonOptions = alert_format::JsonOptions;

// The alert as Falco's JSON, on one line, without a newline.
std::string RenderAlertJson(const Alert& alert, const AlertJsonOptions& options = {});
// Appends the JSON to `out` (reuses its capacity; for output threads).
void AppendAlertJson(const Alert& alert, const AlertJsonOptions& options, std::string* out);

// Fills `view` for an output plugin. The view points into `alert`, `json` (the alert's rendered
// JSON) and `tag_ptrs` (filled here, one pointer per tag, in Alert::tags order): it stays valid
// while all three live unchanged.
void FillAlertView(const Alert& alert, const std::string& json, std::vector<const char*>* tag_ptrs,
                   vigil_alert* view);

}  // namespace vigil::router
