#include "commands.hpp"

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "vigil/core/daemon.hpp"
#include "vigil/core/log.hpp"
#include "vigil/core/runtime.hpp"
#include "vigil/plugin_check.hpp"

#ifndef VIGIL_VERSION
#define VIGIL_VERSION "0.0.0"
#endif

namespace vigil::cli {
namespace {
namespace fs = std::filesystem;
using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

// Loads the config, with -r applied. `need_file`: the default path must exist (run, validate);
// otherwise a missing default file means "defaults" (plugins, fields).
StatusOr<config::Config> LoadFor(const CommonArgs& args, bool need_file) {
  std::vector<std::string> overrides = args.overrides;
  std::string path =
      args.config_path.empty() ? std::string(config::kDefaultConfigPath) : args.config_path;
  StatusOr<config::Config> cfg = config::LoadConfig(path, overrides);
  // Commands that only list (plugins, fields) run on the defaults when no config was asked for
  // and the default one is not there.
  if (!cfg.ok() && cfg.status().code() == StatusCode::kNotFound && !need_file &&
      args.config_path.empty()) {
    cfg = config::LoadConfigFromString("", "(defaults)", overrides);
  }
  if (!cfg.ok()) return cfg;
  if (!args.rules.empty()) cfg->rules_files = args.rules;
  log::SetLevel(cfg->log.level);
  return cfg;
}

void PrintJson(const rapidjson::StringBuffer& buf) { std::printf("%s\n", buf.GetString()); }

// Every lib*.so in the plugin paths, loaded and checked, or the reason it cannot be.
struct Found {
  std::string path;
  StatusOr<std::shared_ptr<const plugin_host::PluginLibrary>> library;
};

std::vector<Found> FindPlugins(const config::Config& cfg) {
  std::vector<Found> found;
  for (const std::string& dir : cfg.plugin_paths) {
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("lib", 0) == 0 && entry.path().extension() == ".so") {
        files.push_back(entry.path());
      }
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      found.push_back({f.string(), plugin_host::LoadPluginLibrary(f.string(), std::nullopt,
                                                                  runtime::LoadOptionsFrom(cfg))});
    }
  }
  return found;
}

// Each diagnostic with the line it points at and a caret under the column, as compilers do.
void PrintDiagnostics(const rules::Diagnostics& diags) {
  std::map<std::string, std::vector<std::string>> lines;  // file -> its lines, read once
  for (const rules::Diagnostic& d : diags.items()) {
    std::fprintf(stderr, "%s\n", d.ToString().c_str());
    if (d.pos.line == 0 || d.pos.file.empty()) continue;
    auto [it, inserted] = lines.try_emplace(d.pos.file);
    if (inserted) {
      std::ifstream in(d.pos.file);
      for (std::string l; std::getline(in, l);) it->second.push_back(l);
    }
    if (d.pos.line > it->second.size()) continue;
    const std::string& text = it->second[d.pos.line - 1];
    if (text.size() > 300) continue;
    std::string caret(d.pos.column > 0 ? d.pos.column - 1 : 0, ' ');
    for (size_t i = 0; i < caret.size() && i < text.size(); ++i) {
      if (text[i] == '\t') caret[i] = '\t';
    }
    std::fprintf(stderr, "  %s\n  %s^\n", text.c_str(), caret.c_str());
  }
}

}  // namespace

int Run(const CommonArgs& args) {
  auto cfg = LoadFor(args, true);
  if (!cfg.ok()) {
    log::error("{}", cfg.status().message());
    return 2;
  }
  if (args.json) {
    // --json: every stdout output prints JSON lines.
    for (config::OutputSpec& out : cfg->outputs) {
      if (out.plugin != "stdout") continue;
      if (!out.config.node.IsMap()) out.config.node = YAML::Node(YAML::NodeType::Map);
      out.config.node["format"] = "json";
    }
  }
  if (cfg->allow_insecure_plugins) {
    log::warning("allow_insecure_plugins is on: plugin ownership and permission checks are off");
  }
  Status s = runtime::RunVigil(*cfg);
  if (!s.ok()) {
    log::error("{}", s.message());
    return 1;
  }
  return 0;
}

int Validate(const CommonArgs& args) {
  std::vector<std::string> errors;
  rules::Diagnostics diags;
  rules::LoadStats stats;
  size_t unreported = 0;  // uses of fields of plugins that failed to load
  auto cfg = LoadFor(args, true);
  if (!cfg.ok()) {
    errors.push_back(cfg.status().message());
  } else {
    runtime::ResolvedPlugins resolved = runtime::ResolvePlugins(*cfg);
    errors = resolved.errors;
    // The rules are checked against the plugins that did load: each problem is worth knowing,
    // but a plugin that failed is one error, not one more per use of its fields.
    const runtime::RulesSetup setup(resolved, nullptr, "validate", nullptr, cfg->append_output);
    setup.Load(cfg->rules_files, diags, &stats);
    if (!errors.empty()) diags = setup.WithoutUnprovidedFieldClasses(diags, &unreported);
  }
  const bool valid = errors.empty() && !diags.has_errors();
  const size_t error_count = errors.size() + diags.errors();
  if (args.json) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("valid");
    w.Bool(valid);
    w.Key("errors");
    w.StartArray();
    for (const std::string& e : errors) w.String(e.c_str());
    w.EndArray();
    w.Key("error_count");
    w.Uint64(error_count);
    w.Key("unreported_field_uses");
    w.Uint64(unreported);
    w.Key("rules");
    w.StartObject();
    w.Key("rules");
    w.Uint64(stats.rules);
    w.Key("enabled_rules");
    w.Uint64(stats.enabled_rules);
    w.Key("macros");
    w.Uint64(stats.macros);
    w.Key("lists");
    w.Uint64(stats.lists);
    w.Key("errors");
    w.Uint64(diags.errors());
    w.Key("warnings");
    w.Uint64(diags.warnings());
    w.Key("diagnostics");
    rapidjson::Document doc;
    doc.Parse(diags.ToJson().c_str());
    doc.Accept(w);
    w.EndObject();
    w.EndObject();
    PrintJson(buf);
    return valid ? 0 : 1;
  }
  for (const std::string& e : errors) std::fprintf(stderr, "%s\n", e.c_str());
  PrintDiagnostics(diags);
  if (unreported > 0) {
    std::fprintf(stderr,
                 "note: %zu use(s) of fields no loaded plugin provides are not reported: fix the "
                 "plugin error(s) above first\n",
                 unreported);
  }
  if (cfg.ok()) {
    std::printf(
        "%s: %s; rules: %zu (%zu enabled), %zu macros, %zu lists; %zu error(s) (%zu in plugins "
        "and config), %zu warning(s)\n",
        cfg->path.c_str(), valid ? "valid" : "invalid", stats.rules, stats.enabled_rules,
        stats.macros, stats.lists, error_count, errors.size(), diags.warnings());
  }
  return valid ? 0 : 1;
}

int Plugins(const CommonArgs& args) {
  auto cfg = LoadFor(args, false);
  if (!cfg.ok()) {
    log::error("{}", cfg.status().message());
    return 2;
  }
  std::vector<Found> found = FindPlugins(*cfg);
  if (args.json) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartArray();
    for (const Found& f : found) {
      w.StartObject();
      w.Key("path");
      w.String(f.path.c_str());
      if (!f.library.ok()) {
        w.Key("error");
        w.String(f.library.status().message().c_str());
      } else {
        const plugin_host::PluginLibrary& lib = **f.library;
        w.Key("name");
        w.String(lib.name().c_str());
        w.Key("version");
        w.String(lib.version().c_str());
        w.Key("description");
        w.String(lib.api().description ? lib.api().description : "");
        w.Key("capabilities");
        w.StartArray();
        for (const char* cap : {"source", "extract", "parse", "output"}) {
          if (plugin_check::CapabilityNames(lib.capabilities()).find(cap) != std::string::npos)
            w.String(cap);
        }
        w.EndArray();
        if (lib.Has(VIGIL_CAP_SOURCE)) {
          w.Key("event_source");
          w.String(lib.api().event_source);
        }
        w.Key("fields");
        w.Uint(static_cast<unsigned>(lib.fields().size()));
        w.Key("init_schema");
        std::string schema = lib.InitSchema();
        rapidjson::Document doc;
        if (!schema.empty() && !doc.Parse(schema.c_str()).HasParseError()) {
          doc.Accept(w);
        } else {
          w.Null();
        }
      }
      w.EndObject();
    }
    w.EndArray();
    PrintJson(buf);
    return 0;
  }
  if (found.empty()) {
    std::printf("no plugins found in %s\n",
                fmt::format("{}", fmt::join(cfg->plugin_paths, ", ")).c_str());
  }
  for (const Found& f : found) {
    if (!f.library.ok()) {
      std::printf("%s\n  not loadable: %s\n", f.path.c_str(), f.library.status().message().c_str());
      continue;
    }
    const plugin_host::PluginLibrary& lib = **f.library;
    std::printf("%s %s (%s)\n  %s\n  path: %s\n", lib.name().c_str(), lib.version().c_str(),
                plugin_check::CapabilityNames(lib.capabilities()).c_str(),
                lib.api().description ? lib.api().description : "", f.path.c_str());
    if (lib.Has(VIGIL_CAP_SOURCE)) std::printf("  event source: %s\n", lib.api().event_source);
    if (!lib.fields().empty()) std::printf("  fields: %zu\n", lib.fields().size());
    std::string schema = lib.InitSchema();
    std::printf("  config schema: %s\n", schema.empty() ? "(takes no config)" : schema.c_str());
  }
  return 0;
}

int Fields(const CommonArgs& args) {
  auto cfg = LoadFor(args, false);
  if (!cfg.ok()) {
    log::error("{}", cfg.status().message());
    return 2;
  }
  // Every field rules may use: the core's, the syscall fields, then each extract plugin's, as the
  // engine sees them (RulesSetup's order).
  fields::FieldRegistry registry;
  fields::RegisterCoreFields(registry, {});
  fields::RegisterSyscallFields(registry, nullptr);
  for (const Found& f : FindPlugins(*cfg)) {
    if (f.library.ok() && (*f.library)->Has(VIGIL_CAP_EXTRACT)) {
      registry.Add(fields::MakePluginFieldProvider(*f.library, nullptr));
    }
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  w.StartArray();
  for (const auto& provider : registry.providers()) {
    std::vector<std::string> sources = provider->Sources();
    std::string where =
        sources.empty() ? "every source" : fmt::format("{}", fmt::join(sources, ", "));
    if (!args.json) std::printf("# %s (%s)\n", provider->name().c_str(), where.c_str());
    for (const fields::FieldInfo& field : provider->fields()) {
      const char* arg = field.arg == fields::ArgKind::kKey     ? "key"
                        : field.arg == fields::ArgKind::kIndex ? "index"
                                                               : "none";
      if (!args.json) {
        std::string name =
            field.name + (field.arg == fields::ArgKind::kNone ? "" : fmt::format("[{}]", arg));
        std::string type =
            std::string(fields::FieldTypeName(field.type)) + (field.is_list ? " list" : "");
        std::printf("%-32s %-14s %s\n", name.c_str(), type.c_str(), field.description.c_str());
        continue;
      }
      w.StartObject();
      w.Key("name");
      w.String(field.name.c_str());
      w.Key("type");
      w.String(fields::FieldTypeName(field.type));
      w.Key("list");
      w.Bool(field.is_list);
      w.Key("arg");
      w.String(arg);
      w.Key("arg_required");
      w.Bool(field.arg_required);
      w.Key("description");
      w.String(field.description.c_str());
      w.Key("plugin");
      w.String(provider->name().c_str());
      w.Key("sources");
      w.StartArray();
      for (const std::string& src : sources) w.String(src.c_str());
      w.EndArray();
      w.EndObject();
    }
  }
  w.EndArray();
  if (args.json) PrintJson(buf);
  return 0;
}

int Version(const CommonArgs& args) {
  if (args.json) {
    std::printf("{\"version\": \"%s\", \"plugin_api_version\": \"%s\"}\n", VIGIL_VERSION,
                VIGIL_PLUGIN_API_VERSION_STRING);
  } else {
    std::printf("vigil %s\nplugin API %s\n", VIGIL_VERSION, VIGIL_PLUGIN_API_VERSION_STRING);
  }
  return 0;
}

}  // namespace vigil::cli
