// vigil's configuration: the YAML file (/etc/vigil/vigil.yaml), `-o key.path=value` overrides, and
// the check of each plugin's `config:` block against the plugin's JSON Schema.
//
//   StatusOr<Config> cfg = LoadConfig("/etc/vigil/vigil.yaml", {"log.level=debug"});
//   if (!cfg.ok()) { log::error("{}", cfg.status().message()); return 2; }
//   for (const PluginSpec& p : cfg->plugins) {
//     StatusOr<std::string> json = PluginConfigToJson(p.config, schema_from_plugin, p.name);
//     ...  // pass *json to the plugin's init
//   }
//
// Every error names its place as `file:line:col: key.path: message` (1-based), or
// `command line: -o key.path: ...` for a value set by an override. A load reports all the problems
// it finds, one per line, in one Status.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/event_bus.hpp"      // OnFull
#include "vigil/core/log.hpp"
#include "vigil/core/output_router.hpp"  // OutputOptions, AlertJsonOptions
#include "vigil/core/rules.hpp"          // AppendOutput
#include "vigil/core/source_pos.hpp"
#include "vigil/core/status.hpp"
#include "vigil/core/syscall_state.hpp"  // StateOptions
#include "vigil/plugin_api.h"

namespace vigil::config {

inline constexpr std::string_view kDefaultConfigPath = "/etc/vigil/vigil.yaml";
inline constexpr std::string_view kDefaultRulesDir = "/etc/vigil/rules.d";
// Where the build installs plugins (e.g. /usr/lib/x86_64-linux-gnu/vigil/plugins for a distro
// package); the default of `plugin_paths`.
std::string_view DefaultPluginDir();

// A place in the configuration. A value without a line (set on the command line, or created by an
// override) names where it came from in `file`, e.g. "command line: -o outputs[0].config.format".
using vigil::SourcePos;

// Where the nodes of one loaded document came from. yaml-cpp keeps a line/col mark on every node
// it parsed, but nodes set by `-o` carry marks relative to the override's own text, so those are
// remembered here and reported as coming from the command line.
class SourceMap {
 public:
  explicit SourceMap(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }
  // Where `node` came from; `fallback` when yaml-cpp has no mark for it.
  SourcePos PosOf(const YAML::Node& node, const SourcePos& fallback) const;
  // Records `root` and every node under it as set by an override labelled `label`
  // ("command line: -o key.path"). Later records win.
  void AddOverride(const YAML::Node& root, const std::string& label);

 private:
  std::string file_;
  std::vector<std::pair<YAML::Node, std::string>> override_nodes_;
};

// A plugin's or output's `config:` block, kept as YAML until the plugin host knows the plugin's
// schema (see PluginConfigToJson).
struct ConfigBlock {
  YAML::Node node;                           // Null when the key is absent.
  SourcePos pos;                             // Of the `config:` key, or of the spec when absent.
  std::shared_ptr<const SourceMap> sources;  // Positions of nodes inside `node`; may be null.
};

// One entry of `plugins:` (sources, extractors, enrichers).
struct PluginSpec {
  std::string name;         // [a-z0-9_]+
  std::string library;      // A file name looked up in plugin_paths, or an absolute path.
                            // "lib<name>.so" when not given.
  std::string sha256;       // Lower-case hex pin of the library file; empty when not pinned.
  std::string open_params;  // What a source plugin is opened with.
  ConfigBlock config;
  SourcePos pos;  // Of the list entry.
};

// One entry of `outputs:`: an instance of an output plugin.
struct OutputSpec {
  std::string name;     // Unique instance name.
  std::string plugin;   // The output plugin; defaults to `name`.
  std::string library;  // As PluginSpec::library; "lib<plugin>.so" when not given.
  std::string sha256;
  ConfigBlock config;
  // min_priority, queue_capacity, max_batch, retry: {max_retries, backoff_ms}.
  router::OutputOptions options;
  SourcePos pos;
};

struct EngineConfig {
  uint32_t queue_capacity = 65536;  // Events per source queue.
  events::OnFull on_full = events::OnFull::kBlock;
  std::chrono::milliseconds shutdown_timeout{5000};
  std::chrono::seconds stats_interval{0};  // 0 = off.
  // Events the engine keeps for enrichers waiting on metadata (hold_process); past it the
  // oldest hold ends early.
  uint32_t hold_max_events = 65536;
};

// Which syscalls kernel sources capture besides those the rules need (Falco's `base_syscalls`).
// Empty custom_set: the ones state keeping needs. Otherwise exactly custom_set (names of event
// types; "!name" removes a type even when a rule needs it), plus state's own when `repair`.
// `all`: every syscall the source knows, whatever the rules say.
struct BaseSyscalls {
  std::vector<std::string> custom_set;
  bool repair = false;
  bool all = false;
  SourcePos pos;  // of `base_syscalls`, for messages about names
};

struct LogConfig {
  log::Level level = log::Level::kInfo;
};

struct Config {
  std::string path;  // The file (or name) it was loaded from.
  std::vector<std::string> plugin_paths{std::string(DefaultPluginDir())};
  bool allow_insecure_plugins = false;  // Development only: skip owner/mode checks.
  std::vector<PluginSpec> plugins;
  std::vector<std::string> rules_files{std::string(kDefaultRulesDir)};
  // Reload the rules when a rules file changes (as SIGHUP does), like Falco's watch_config_files.
  bool watch_rules_files = true;
  std::vector<OutputSpec> outputs;
  std::vector<rules::AppendOutput> append_output;  // Falco's: more output for matching rules
  LogConfig log;
  EngineConfig engine;
  BaseSyscalls base_syscalls;
  std::string hostname;  // Empty: use the host's name.
  // Falco's falco_libs: thread_table_size, thread_table_auto_purging_interval_s, and vigil's
  // fd_table_size (per process).
  state::StateOptions state;
  // Falco's top-level json_include_*_property and time_format_iso_8601.
  router::AlertJsonOptions alert_json;
};

// Reads `path`, applies `overrides` (each "key.path=value", Falco's -o syntax: dotted keys and
// [index], the value parsed as YAML; missing map keys are created, an index past the end of a list
// is an error), and parses the result. A missing file is an error like any other: a caller that
// wants to run on defaults can use LoadConfigFromString("", ...).
StatusOr<Config> LoadConfig(const std::string& path,
                            const std::vector<std::string>& overrides = {});
// As LoadConfig, from text; `name` stands for the file name in positions.
StatusOr<Config> LoadConfigFromString(std::string_view text, const std::string& name,
                                      const std::vector<std::string>& overrides = {});

// Applies one override to a parsed document; `sources` learns the nodes it sets. Exposed for tests
// and tools; LoadConfig calls it.
Status ApplyOverride(YAML::Node& root, std::string_view override_arg, SourceMap& sources);

// The check the plugin host runs before a plugin's init: converts `config` to JSON (plain scalars
// by YAML 1.2 core-schema rules, quoted scalars as strings, a null/absent block as {}), validates
// it against `schema_json` with unknown keys rejected (an object schema with `properties` and no
// `additionalProperties` is treated as `additionalProperties: false`), and returns the JSON text.
// An empty `schema_json` means the plugin takes no config. Errors, one per line:
//   file:line:col: plugin NAME: key servers[1].port: expected integer, got string "abc"
// A schema that is not valid JSON is reported as the plugin's bug.
StatusOr<std::string> PluginConfigToJson(const ConfigBlock& config, std::string_view schema_json,
                                         std::string_view plugin_name);
// The same for a bare node; marks inside it are reported against `where.file`.
StatusOr<std::string> PluginConfigToJson(const YAML::Node& config, const SourcePos& where,
                                         std::string_view schema_json,
                                         std::string_view plugin_name);

}  // namespace vigil::config
