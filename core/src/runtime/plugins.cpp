#include <fmt/format.h>

#include "vigil/core/runtime.hpp"

namespace vigil {
namespace {

std::string Where(const config::SourcePos& pos, const char* section, size_t index,
                  const std::string& name) {
  return fmt::format("{}: {}[{}] ({})", pos.ToString(), section, index, name);
}

// Loads one entry's library and validates its config; `plugin` is the name the entry expects.
StatusOr<ResolvedPlugin> Resolve(const config::Config& cfg, const std::string& where,
                                 const std::string& instance_name, const std::string& plugin,
                                 const std::string& library, const std::string& sha256,
                                 const config::ConfigBlock& block, bool is_output) {
  auto lib = LoadPluginLibrary(library.empty() ? DefaultLibraryFileName(plugin) : library,
                               sha256.empty() ? std::nullopt : std::optional(sha256),
                               LoadOptionsFrom(cfg));
  if (!lib.ok()) return lib.status().Prefixed(where);
  if ((*lib)->name() != plugin) {
    return Status::Error(fmt::format("{}: {} is plugin '{}', not '{}'", where, (*lib)->origin(),
                                     (*lib)->name(), plugin));
  }
  if (is_output && !(*lib)->Has(VIGIL_CAP_OUTPUT)) {
    return Status::Error(fmt::format("{}: plugin '{}' is not an output (it is: {})", where, plugin,
                                     CapabilityNames((*lib)->capabilities())));
  }
  if (!is_output && (*lib)->capabilities() == VIGIL_CAP_OUTPUT) {
    return Status::Error(fmt::format(
        "{}: plugin '{}' is an output; list it under outputs:, not plugins:", where, plugin));
  }
  auto json = config::PluginConfigToJson(block, (*lib)->InitSchema(), instance_name);
  if (!json.ok()) return json.status();
  return ResolvedPlugin{instance_name, *lib, *json, "", {}};
}

}  // namespace

PluginLoadOptions LoadOptionsFrom(const config::Config& cfg) {
  return PluginLoadOptions{cfg.plugin_paths, cfg.allow_insecure_plugins};
}

StatusOr<ResolvedPlugins> ResolvePlugins(const config::Config& cfg) {
  ResolvedPlugins out;
  std::vector<std::string> errors;
  for (size_t i = 0; i < cfg.plugins.size(); ++i) {
    const config::PluginSpec& s = cfg.plugins[i];
    auto r = Resolve(cfg, Where(s.pos, "plugins", i, s.name), s.name, s.name, s.library, s.sha256,
                     s.config, false);
    if (!r.ok()) {
      errors.push_back(r.status().message());
      continue;
    }
    r->open_params = s.open_params;
    r->pos = s.pos;
    out.plugins.push_back(std::move(*r));
  }
  for (size_t i = 0; i < cfg.outputs.size(); ++i) {
    const config::OutputSpec& s = cfg.outputs[i];
    auto r = Resolve(cfg, Where(s.pos, "outputs", i, s.name), s.name, s.plugin, s.library,
                     s.sha256, s.config, true);
    if (!r.ok()) {
      errors.push_back(r.status().message());
      continue;
    }
    r->pos = s.pos;
    out.outputs.push_back(std::move(*r));
  }
  if (!errors.empty()) return Status::Error(fmt::format("{}", fmt::join(errors, "\n")));
  return out;
}

StatusOr<RunningPlugins> StartPlugins(const ResolvedPlugins& resolved) {
  RunningPlugins running;
  auto start = [](const ResolvedPlugin& r,
                  std::vector<std::unique_ptr<PluginInstance>>* into) -> Status {
    auto inst = PluginInstance::Create(r.library, r.instance_name, r.config_json);
    if (!inst.ok()) return inst.status().Prefixed(r.pos.ToString());
    into->push_back(std::move(*inst));
    return Status::Ok();
  };
  for (const ResolvedPlugin& r : resolved.plugins) {
    if (Status s = start(r, &running.plugins); !s.ok()) return s;
  }
  for (const ResolvedPlugin& r : resolved.outputs) {
    if (Status s = start(r, &running.outputs); !s.ok()) return s;
  }
  return running;
}

StatusOr<std::unique_ptr<PluginSource>> PluginSource::Open(PluginInstance& instance,
                                                           const std::string& params) {
  vigil_source_instance* handle = nullptr;
  vigil_rc rc = instance.api().open(instance.state(), params.c_str(), &handle);
  if (rc != VIGIL_OK) {
    std::string why = instance.LastError();
    if (handle != nullptr) instance.api().close(instance.state(), handle);
    return Status::Error(fmt::format("plugin '{}': open failed: {}", instance.instance_name(),
                                     why.empty() ? "(the plugin gave no reason)" : why));
  }
  return std::unique_ptr<PluginSource>(new PluginSource(instance, handle));
}

PluginSource::~PluginSource() { instance_.api().close(instance_.state(), handle_); }

vigil_rc PluginSource::NextBatch(vigil_event_batch* batch) {
  return instance_.api().next_batch(instance_.state(), handle_, batch);
}

vigil_delivery PluginOutput::Deliver(const vigil_alert* alerts, uint32_t n) {
  return instance_.api().deliver(instance_.state(), alerts, n);
}

Status PluginOutput::Reopen() {
  if (instance_.api().reopen == nullptr) return Status::Ok();
  if (instance_.api().reopen(instance_.state()) == VIGIL_OK) return Status::Ok();
  return Status::Error(fmt::format("output '{}': reopen failed: {}", instance_.instance_name(),
                                   instance_.LastError()));
}

}  // namespace vigil
