// Loading vigil.yaml: read, apply -o overrides, then read the tree into a Config, collecting every
// problem on the way so one run shows them all.
#include "vigil/core/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/syntax.hpp"
#include "yaml_support.hpp"

#ifndef VIGIL_DEFAULT_PLUGIN_DIR
#define VIGIL_DEFAULT_PLUGIN_DIR "/usr/lib/x86_64-linux-gnu/vigil/plugins"
#endif

namespace vigil::config {

std::string_view DefaultPluginDir() { return VIGIL_DEFAULT_PLUGIN_DIR; }

namespace {

using internal::ErrorList;
using internal::JoinIndex;
using internal::JoinKey;

// One member of a map, with where to point for it.
struct Member {
  YAML::Node key;
  YAML::Node value;
  SourcePos key_pos;  // The key itself: for "unknown key", "missing", "duplicate".
  SourcePos pos;      // The value if it has a useful mark, else the key.
  std::string path;   // "outputs[0].min_priority"
};

class ConfigReader {
 public:
  explicit ConfigReader(std::shared_ptr<const SourceMap> sources) : sources_(std::move(sources)) {}

  void Read(const YAML::Node& root, Config& cfg);
  ErrorList& errors() { return errors_; }

 private:
  using Members = std::map<std::string, Member, std::less<>>;

  SourcePos FilePos() const { return SourcePos{sources_->file(), 0, 0}; }
  void Error(const SourcePos& pos, std::string_view path, std::string_view message) {
    errors_.Add(pos, path.empty() ? std::string(message) : fmt::format("{}: {}", path, message));
  }

  // The known members of a map; unknown and duplicate keys are reported. `pos` locates the map.
  Members ReadMap(const YAML::Node& map, std::string_view path, const SourcePos& pos,
                  const std::vector<std::string_view>& known);

  std::optional<std::string> ReadString(const Member& m);
  std::optional<std::vector<std::string>> ReadStringList(const Member& m);
  std::optional<bool> ReadBool(const Member& m);
  std::optional<uint64_t> ReadUint(const Member& m, uint64_t min, uint64_t max);
  // A string chosen from `names`, case-insensitive; returns its index.
  std::optional<size_t> ReadChoice(const Member& m, std::string_view what,
                                   const std::vector<std::string_view>& names);
  ConfigBlock ReadConfigBlock(const Members& members, const SourcePos& spec_pos);
  void ReadLibrary(const Members& members, std::string_view default_name, std::string& library,
                   std::string& sha256);

  std::optional<std::string> ReadEntryName(const Members& members, const std::string& path,
                                           const SourcePos& pos, bool (*valid)(std::string_view),
                                           std::string_view invalid, std::string_view duplicate,
                                           std::map<std::string, SourcePos, std::less<>>& seen);
  // One setting: its key and how its value goes into the Config. A map of settings is a list of
  // them, and their keys are the map's known keys, so a new setting is one row (and its docs).
  struct Setting {
    std::string_view key;
    std::function<void(const Member&)> read;
  };
  using Settings = std::vector<Setting>;
  // Reads `map` (null: every default) by `settings`; `extra_keys` are known keys the caller reads
  // itself from the returned members.
  Members ReadSettings(const YAML::Node& map, std::string_view path, const SourcePos& pos,
                       const Settings& settings,
                       const std::vector<std::string_view>& extra_keys = {});
  Members ReadSettings(const Member& m, const Settings& settings) {
    return ReadSettings(m.value, m.path, m.pos, settings);
  }
  // Rows for the common kinds of value.
  template <class T>
  Setting Uint(std::string_view key, uint64_t min, uint64_t max, T* target, uint64_t scale = 1) {
    return {key, [this, target, min, max, scale](const Member& m) {
              if (auto v = ReadUint(m, min, max)) *target = static_cast<T>(*v * scale);
            }};
  }
  template <class Duration>
  Setting Time(std::string_view key, Duration* target) {
    return {key, [this, target](const Member& m) {
              if (auto v = ReadUint(m, 0, std::numeric_limits<uint32_t>::max())) {
                *target = Duration(*v);
              }
            }};
  }
  Setting Bool(std::string_view key, bool* target) {
    return {key, [this, target](const Member& m) {
              if (auto v = ReadBool(m)) *target = *v;
            }};
  }
  Setting Sub(std::string_view key, Settings settings) {
    return {key, [this, settings = std::move(settings)](const Member& m) {
              ReadSettings(m, settings);
            }};
  }

  void ReadPlugins(const Member& m, Config& cfg);
  void ReadLoadPlugins(const Member& m, Config& cfg);
  void ReadAppendOutput(const Member& m, Config& cfg);
  void ReadExtraFields(const Member& m, rules::AppendOutput& a);
  void ReadOutputs(const Member& m, Config& cfg);
  Settings OutputSettings(OutputSpec& spec);
  void ReadLogLevel(const Member& m, Config& cfg);
  void ReadPriority(const Member& m, vigil_priority* target);

  std::shared_ptr<const SourceMap> sources_;
  ErrorList errors_;
};

ConfigReader::Members ConfigReader::ReadMap(const YAML::Node& map, std::string_view path,
                                            const SourcePos& pos,
                                            const std::vector<std::string_view>& known) {
  Members out;
  if (!map.IsMap()) {
    Error(pos, path, fmt::format("expected a map, got {}", internal::DescribeYaml(map)));
    return out;
  }
  std::map<std::string, SourcePos, std::less<>> seen;
  for (const auto& kv : map) {
    const SourcePos key_pos = sources_->PosOf(kv.first, pos);
    if (!kv.first.IsScalar()) {
      Error(key_pos, path, "map keys must be strings");
      continue;
    }
    const std::string& name = kv.first.Scalar();
    if (auto [it, inserted] = seen.emplace(name, key_pos); !inserted) {
      Error(key_pos, path,
            fmt::format("duplicate key '{}' (first at {})", name, it->second.ToString()));
      continue;
    }
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      Error(key_pos, path,
            fmt::format("unknown key '{}'{}", name, internal::DidYouMean(name, known)));
      continue;
    }
    out.emplace(name, Member{kv.first, kv.second, key_pos,
                             internal::MemberPos(*sources_, kv.first, kv.second, pos),
                             JoinKey(path, name)});
  }
  return out;
}

ConfigReader::Members ConfigReader::ReadSettings(const YAML::Node& map, std::string_view path,
                                                 const SourcePos& pos, const Settings& settings,
                                                 const std::vector<std::string_view>& extra_keys) {
  if (!map.IsDefined() || map.IsNull()) return {};
  std::vector<std::string_view> known = extra_keys;
  for (const Setting& s : settings) known.push_back(s.key);
  Members members = ReadMap(map, path, pos, known);
  for (const Setting& s : settings) {
    if (auto it = members.find(s.key); it != members.end()) s.read(it->second);
  }
  return members;
}

std::optional<std::string> ConfigReader::ReadString(const Member& m) {
  if (m.value.IsNull()) return std::nullopt;
  if (!m.value.IsScalar()) {
    Error(m.pos, m.path, fmt::format("expected a string, got {}", internal::DescribeYaml(m.value)));
    return std::nullopt;
  }
  return m.value.Scalar();
}

std::optional<std::vector<std::string>> ConfigReader::ReadStringList(const Member& m) {
  if (m.value.IsNull()) return std::vector<std::string>{};
  if (!m.value.IsSequence()) {
    Error(m.pos, m.path,
          fmt::format("expected a list of strings, got {}", internal::DescribeYaml(m.value)));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < m.value.size(); ++i) {
    const YAML::Node item = m.value[i];
    if (!item.IsScalar() || item.Scalar().empty()) {
      Error(sources_->PosOf(item, m.pos), JoinIndex(m.path, i),
            fmt::format("expected a non-empty string, got {}", internal::DescribeYaml(item)));
      ok = false;
      continue;
    }
    out.push_back(item.Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<bool> ConfigReader::ReadBool(const Member& m) {
  if (m.value.IsNull()) return std::nullopt;
  const internal::Scalar s = internal::ResolveScalar(m.value);
  if (!m.value.IsScalar() || s.kind != internal::Scalar::Kind::kBool) {
    Error(m.pos, m.path,
          fmt::format("expected true or false, got {}", internal::DescribeYaml(m.value)));
    return std::nullopt;
  }
  return s.b;
}

std::optional<uint64_t> ConfigReader::ReadUint(const Member& m, uint64_t min, uint64_t max) {
  if (m.value.IsNull()) return std::nullopt;
  const internal::Scalar s = internal::ResolveScalar(m.value);
  uint64_t v = 0;
  if (m.value.IsScalar() && s.kind == internal::Scalar::Kind::kInt && s.i >= 0) {
    v = static_cast<uint64_t>(s.i);
  } else if (m.value.IsScalar() && s.kind == internal::Scalar::Kind::kUint) {
    v = s.u;
  } else {
    Error(m.pos, m.path,
          fmt::format("expected a non-negative integer, got {}", internal::DescribeYaml(m.value)));
    return std::nullopt;
  }
  if (v < min) {
    Error(m.pos, m.path, fmt::format("must be >= {}", min));
    return std::nullopt;
  }
  if (v > max) {
    Error(m.pos, m.path, fmt::format("must be <= {}", max));
    return std::nullopt;
  }
  return v;
}

std::optional<size_t> ConfigReader::ReadChoice(const Member& m, std::string_view what,
                                               const std::vector<std::string_view>& names) {
  const std::optional<std::string> text = ReadString(m);
  if (!text) return std::nullopt;
  const std::string lower = internal::ToLower(*text);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == lower) return i;
  }
  Error(m.pos, m.path,
        fmt::format("unknown {} '{}' (expected one of: {})", what, *text, fmt::join(names, ", ")));
  return std::nullopt;
}

// `config`, or Falco's `init_config` for the same thing: a map, or a string holding a JSON object
// (Falco accepts both, and "" for none).
ConfigBlock ConfigReader::ReadConfigBlock(const Members& members, const SourcePos& spec_pos) {
  ConfigBlock block;
  block.sources = sources_;
  block.pos = spec_pos;
  auto config = members.find("config");
  auto init_config = members.find("init_config");
  if (config != members.end() && init_config != members.end()) {
    Error(init_config->second.key_pos, init_config->second.path,
          fmt::format("give 'config' or 'init_config', not both ('config' at {})",
                      config->second.key_pos.ToString()));
    return block;
  }
  const auto it = config != members.end() ? config : init_config;
  if (it == members.end()) return block;
  const Member& m = it->second;
  block.pos = m.key_pos;
  if (!m.value.IsScalar()) {
    block.node = m.value;
    return block;
  }
  // A string: "" for none, else a JSON object (YAML's flow style). Positions inside the string
  // are lost; `pos` names the key. (Nodes are not reassigned: yaml-cpp's operator= would write
  // through to the configuration's own tree.)
  const std::string text = m.value.Scalar();
  if (text.empty()) return block;
  YAML::Node parsed;
  try {
    parsed = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Error(m.pos, m.path, fmt::format("not a JSON object: {}", e.msg));
    return block;
  }
  if (!parsed.IsMap()) {
    Error(m.pos, m.path,
          fmt::format("expected a map or a JSON object, got {}", internal::DescribeYaml(parsed)));
    return block;
  }
  block.node = parsed;
  return block;
}

void ConfigReader::ReadLibrary(const Members& members, std::string_view default_name,
                               std::string& library, std::string& sha256) {
  library = fmt::format("lib{}.so", default_name);
  auto it = members.find("library");
  if (auto path = members.find("library_path"); path != members.end()) {  // Falco's name
    if (it != members.end()) {
      Error(path->second.key_pos, path->second.path,
            fmt::format("give 'library' or 'library_path', not both ('library' at {})",
                        it->second.key_pos.ToString()));
      it = members.end();
    } else {
      it = path;
    }
  }
  if (it != members.end()) {
    if (std::optional<std::string> lib = ReadString(it->second)) {
      if (lib->empty()) {
        Error(it->second.pos, it->second.path, "must not be empty");
      } else if (lib->find('/') != std::string::npos && (*lib)[0] != '/') {
        Error(
            it->second.pos, it->second.path,
            fmt::format("'{}' must be a file name (looked up in plugin_paths) or an absolute path",
                        *lib));
      } else {
        library = *lib;
      }
    }
  }
  if (auto sum_it = members.find("sha256"); sum_it != members.end()) {
    if (std::optional<std::string> sum = ReadString(sum_it->second)) {
      if (!syntax::IsHexDigits(*sum, 64)) {
        Error(sum_it->second.pos, sum_it->second.path,
              fmt::format("expected 64 hexadecimal digits, got '{}'", *sum));
      } else {
        sha256 = internal::ToLower(*sum);
      }
    }
  }
}

// The required, unique `name` of a list entry (a plugin or an output), or nullopt after reporting
// why not. `invalid` and `duplicate` are messages with {} for the name (and the first position).
std::optional<std::string> ConfigReader::ReadEntryName(
    const Members& members, const std::string& path, const SourcePos& pos,
    bool (*valid)(std::string_view), std::string_view invalid, std::string_view duplicate,
    std::map<std::string, SourcePos, std::less<>>& seen) {
  auto it = members.find("name");
  if (it == members.end() || it->second.value.IsNull()) {
    Error(pos, path, "missing required key 'name'");
    return std::nullopt;
  }
  const Member& m = it->second;
  std::optional<std::string> name = ReadString(m);
  if (!name) return std::nullopt;
  if (!valid(*name)) {
    Error(m.pos, m.path, fmt::format(fmt::runtime(invalid), *name));
    return std::nullopt;
  }
  if (auto [first, inserted] = seen.emplace(*name, m.pos); !inserted) {
    Error(m.pos, m.path, fmt::format(fmt::runtime(duplicate), *name, first->second.ToString()));
    return std::nullopt;
  }
  return name;
}

void ConfigReader::ReadPlugins(const Member& m, Config& cfg) {
  if (m.value.IsNull()) return;
  if (!m.value.IsSequence()) {
    Error(m.pos, m.path,
          fmt::format("expected a list of plugins, got {}", internal::DescribeYaml(m.value)));
    return;
  }
  std::map<std::string, SourcePos, std::less<>> names;
  for (size_t i = 0; i < m.value.size(); ++i) {
    const YAML::Node item = m.value[i];
    const std::string path = JoinIndex(m.path, i);
    PluginSpec spec;
    spec.pos = sources_->PosOf(item, m.pos);
    const Members members = ReadMap(
        item, path, spec.pos,
        {"name", "library", "library_path", "sha256", "config", "init_config", "open_params"});
    if (!item.IsMap()) continue;
    std::optional<std::string> name =
        ReadEntryName(members, path, spec.pos, syntax::IsPluginName,
                      "invalid plugin name '{}' (use lower-case letters, digits and _)",
                      "duplicate plugin '{}' (first at {})", names);
    if (!name) continue;
    spec.name = *name;
    ReadLibrary(members, spec.name, spec.library, spec.sha256);
    if (auto it = members.find("open_params"); it != members.end()) {
      spec.open_params = ReadString(it->second).value_or("");
    }
    spec.config = ReadConfigBlock(members, spec.pos);
    cfg.plugins.push_back(std::move(spec));
  }
}

void ConfigReader::ReadOutputs(const Member& m, Config& cfg) {
  if (m.value.IsNull()) return;
  if (!m.value.IsSequence()) {
    Error(m.pos, m.path,
          fmt::format("expected a list of outputs, got {}", internal::DescribeYaml(m.value)));
    return;
  }
  std::map<std::string, SourcePos, std::less<>> names;
  for (size_t i = 0; i < m.value.size(); ++i) {
    const YAML::Node item = m.value[i];
    const std::string path = JoinIndex(m.path, i);
    OutputSpec spec;
    spec.pos = sources_->PosOf(item, m.pos);
    const Members members = ReadSettings(item, path, spec.pos, OutputSettings(spec),
                                         {"name", "plugin", "library", "sha256", "config"});
    if (!item.IsMap()) continue;
    std::optional<std::string> name =
        ReadEntryName(members, path, spec.pos, syntax::IsInstanceName,
                      "invalid output name '{}' (use letters, digits, _, - and .)",
                      "duplicate output name '{}' (first at {})", names);
    if (!name) continue;
    spec.name = *name;
    spec.plugin = spec.name;
    if (auto it = members.find("plugin"); it != members.end()) {
      spec.plugin = ReadString(it->second).value_or(spec.name);
    }
    if (!syntax::IsPluginName(spec.plugin)) {
      auto it = members.find("plugin");
      const Member& where = it != members.end() ? it->second : members.at("name");
      Error(where.pos, JoinKey(path, "plugin"),
            fmt::format("invalid plugin name '{}' (use lower-case letters, digits and _{})",
                        spec.plugin,
                        it == members.end() ? "; the default is the output's name" : ""));
      continue;
    }
    ReadLibrary(members, spec.plugin, spec.library, spec.sha256);
    spec.config = ReadConfigBlock(members, spec.pos);
    cfg.outputs.push_back(std::move(spec));
  }
}

// An output's delivery settings (the router's OutputOptions).
ConfigReader::Settings ConfigReader::OutputSettings(OutputSpec& spec) {
  constexpr uint64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
  router::OutputOptions& o = spec.options;
  return {
      {"min_priority", [this, &o](const Member& m) { ReadPriority(m, &o.min_priority); }},
      Uint("queue_capacity", 1, kMaxU32, &o.queue_capacity),
      Uint("max_batch", 1, 1u << 20, &o.max_batch),
      Sub("retry", {Uint("max_retries", 0, 1000, &o.retry.max_retries),
                    Time("backoff_ms", &o.retry.backoff)}),
  };
}

void ConfigReader::ReadPriority(const Member& m, vigil_priority* target) {
  std::optional<std::string> text = ReadString(m);
  if (!text) return;
  if (std::optional<vigil_priority> p = alert_format::ParsePriority(*text)) {
    *target = *p;
  } else {
    Error(m.pos, m.path, fmt::format("unknown priority '{}' (expected one of: {})", *text,
                                     fmt::join(alert_format::PriorityChoices(), ", ")));
  }
}

void ConfigReader::ReadLogLevel(const Member& m, Config& cfg) {
  std::optional<std::string> text = ReadString(m);
  if (!text) return;
  if (std::optional<log::Level> level = log::ParseLevel(internal::ToLower(*text))) {
    cfg.log.level = *level;
  } else {
    Error(m.pos, m.path,
          fmt::format("unknown log level '{}' (expected one of: trace, debug, info, warning, "
                      "error, critical, off)",
                      *text));
  }
}

// Every setting of vigil.yaml, by section; README.md ("Configuration") documents each.
void ConfigReader::Read(const YAML::Node& root, Config& cfg) {
  constexpr uint64_t kMaxU32 = std::numeric_limits<uint32_t>::max();
  auto strings = [this](std::vector<std::string>* target) {
    return [this, target](const Member& m) {
      if (auto v = ReadStringList(m)) *target = std::move(*v);
    };
  };
  EngineConfig& e = cfg.engine;
  state::StateOptions& st = cfg.state;
  std::optional<Member> load_plugins;  // read once every plugin entry is known
  router::AlertJsonOptions& json = cfg.alert_json;
  const Settings settings = {
      {"plugin_paths", strings(&cfg.plugin_paths)},
      Bool("allow_insecure_plugins", &cfg.allow_insecure_plugins),
      {"plugins", [&](const Member& m) { ReadPlugins(m, cfg); }},
      {"load_plugins", [&](const Member& m) { load_plugins = m; }},
      {"append_output", [&](const Member& m) { ReadAppendOutput(m, cfg); }},
      {"rules_files", strings(&cfg.rules_files)},
      Bool("watch_rules_files", &cfg.watch_rules_files),
      {"outputs", [&](const Member& m) { ReadOutputs(m, cfg); }},
      Sub("log", {{"level", [&](const Member& m) { ReadLogLevel(m, cfg); }}}),
      Sub("engine", {Uint("queue_capacity", 1, kMaxU32, &e.queue_capacity),
                     {"on_full",
                      [&](const Member& m) {
                        if (auto v = ReadChoice(m, "on_full policy", {"block", "drop"})) {
                          e.on_full = *v == 0 ? events::OnFull::kBlock : events::OnFull::kDrop;
                        }
                      }},
                     Time("shutdown_timeout_ms", &e.shutdown_timeout),
                     Time("stats_interval_s", &e.stats_interval),
                     Uint("hold_max_events", 1, kMaxU32, &e.hold_max_events)}),
      {"base_syscalls",
       [&](const Member& m) {
         cfg.base_syscalls.pos = m.key_pos;
         ReadSettings(m, {{"custom_set", strings(&cfg.base_syscalls.custom_set)},
                          Bool("repair", &cfg.base_syscalls.repair),
                          Bool("all", &cfg.base_syscalls.all)});
       }},
      {"hostname", [&](const Member& m) { cfg.hostname = ReadString(m).value_or(""); }},
      Sub("falco_libs", {Uint("thread_table_size", 1, kMaxU32, &st.max_threads),
                         Uint("fd_table_size", 1, kMaxU32, &st.max_fds_per_process),
                         Uint("thread_table_auto_purging_interval_s", 1, 86400,
                              &st.proc_sweep_interval_ms, 1000)}),
      Bool("time_format_iso_8601", &json.time_format_iso_8601),
      Bool("json_include_output_property", &json.include_output),
      Bool("json_include_output_fields_property", &json.include_output_fields),
      Bool("json_include_tags_property", &json.include_tags),
      Bool("json_include_message_property", &json.include_message),
  };
  ReadSettings(root, "", FilePos(), settings);  // an empty file: all defaults
  if (load_plugins) ReadLoadPlugins(*load_plugins, cfg);
}

// Falco's `append_output`: a list of {match: {source, tags, rule}, extra_output, extra_fields}.
// The fields are checked when the rules load (they depend on the plugins).
void ConfigReader::ReadAppendOutput(const Member& m, Config& cfg) {
  if (m.value.IsNull()) return;
  if (!m.value.IsSequence()) {
    Error(m.pos, m.path, fmt::format("expected a list, got {}", internal::DescribeYaml(m.value)));
    return;
  }
  for (size_t i = 0; i < m.value.size(); ++i) {
    rules::AppendOutput a;
    a.path = JoinIndex(m.path, i);
    a.pos = sources_->PosOf(m.value[i], m.pos);
    ReadSettings(
        m.value[i], a.path, a.pos,
        {Sub("match", {{"source", [&](const Member& v) { a.source = ReadString(v).value_or(""); }},
                       {"tags",
                        [&](const Member& v) {
                          a.tags = ReadStringList(v).value_or(std::vector<std::string>{});
                        }},
                       {"rule", [&](const Member& v) { a.rule = ReadString(v).value_or(""); }}}),
         {"extra_output", [&](const Member& v) { a.extra_output = ReadString(v).value_or(""); }},
         {"extra_fields", [&](const Member& v) { ReadExtraFields(v, a); }},
         // Falco 0.41's: the fields plugins suggest. vigil's plugins suggest none.
         Bool("suggested_output", &a.suggested_output)});
    cfg.append_output.push_back(std::move(a));
  }
}

// extra_fields: each a field name, or {name: value} for a fixed value.
void ConfigReader::ReadExtraFields(const Member& m, rules::AppendOutput& a) {
  if (!m.value.IsSequence()) {
    Error(m.pos, m.path, fmt::format("expected a list, got {}", internal::DescribeYaml(m.value)));
    return;
  }
  for (size_t i = 0; i < m.value.size(); ++i) {
    const YAML::Node item = m.value[i];
    const std::string path = JoinIndex(m.path, i);
    const SourcePos pos = sources_->PosOf(item, m.pos);
    if (item.IsScalar()) {
      a.extra_fields.push_back(item.Scalar());
    } else if (item.IsMap() && item.size() == 1 && item.begin()->second.IsScalar()) {
      a.static_fields.emplace_back(item.begin()->first.Scalar(), item.begin()->second.Scalar());
    } else {
      Error(pos, path,
            fmt::format("expected a field name or {{name: value}}, got {}",
                        internal::DescribeYaml(item)));
    }
  }
}

// Falco's `load_plugins`: of the `plugins` entries, only those it names are loaded.
void ConfigReader::ReadLoadPlugins(const Member& m, Config& cfg) {
  std::optional<std::vector<std::string>> names = ReadStringList(m);
  if (!names) return;
  for (size_t i = 0; i < names->size(); ++i) {
    const std::string& name = (*names)[i];
    if (std::none_of(cfg.plugins.begin(), cfg.plugins.end(),
                     [&](const PluginSpec& p) { return p.name == name; })) {
      Error(sources_->PosOf(m.value[i], m.pos), JoinIndex(m.path, i),
            fmt::format("'{}' is not one of the entries of 'plugins'", name));
    }
  }
  std::erase_if(cfg.plugins, [&](const PluginSpec& p) {
    return std::find(names->begin(), names->end(), p.name) == names->end();
  });
}

}  // namespace

StatusOr<Config> LoadConfigFromString(std::string_view text, const std::string& name,
                                      const std::vector<std::string>& overrides) {
  auto sources = std::make_shared<SourceMap>(name);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& e) {
    // The parser stops at its first error, so this is the only one there is.
    return Status::Invalid(
        fmt::format("{}:{}:{}: {}", name, e.mark.line + 1, e.mark.column + 1, e.msg));
  } catch (const YAML::Exception& e) {
    return Status::Invalid(fmt::format("{}: {}", name, e.msg));
  }

  ErrorList errors;
  for (const std::string& o : overrides) {
    if (Status s = ApplyOverride(root, o, *sources); !s.ok()) errors.Add(SourcePos{}, s.message());
  }
  Config cfg;
  cfg.path = name;
  ConfigReader reader(sources);
  reader.Read(root, cfg);
  // Override errors first: they usually explain what follows.
  Status override_status = errors.ToStatus();
  Status read_status = reader.errors().ToStatus();
  if (!override_status.ok() && !read_status.ok()) {
    return Status::Invalid(override_status.message() + "\n" + read_status.message());
  }
  if (!override_status.ok()) return override_status;
  if (!read_status.ok()) return read_status;
  return cfg;
}

StatusOr<Config> LoadConfig(const std::string& path, const std::vector<std::string>& overrides) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return Status::Error(fmt::format("{}: cannot read the configuration: is a directory", path));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int why = errno;
    std::string message =
        fmt::format("{}: cannot read the configuration: {}", path, std::strerror(why));
    return why == ENOENT ? Status::NotFound(std::move(message)) : Status::Error(std::move(message));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::Error(fmt::format("{}: cannot read the configuration: read error", path));
  }
  return LoadConfigFromString(text.str(), path, overrides);
}

}  // namespace vigil::config
