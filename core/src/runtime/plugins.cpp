#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "vigil/core/event_type_names.hpp"
#include "vigil/core/log.hpp"
#include "vigil/core/runtime.hpp"
#include "vigil/event_record.h"
#include "vigil/event_types.h"
#include "vigil/plugin_check.hpp"

namespace vigil::runtime {
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
  auto lib = plugin_host::LoadPluginLibrary(
      library.empty() ? plugin_host::DefaultLibraryFileName(plugin) : library,
      sha256.empty() ? std::nullopt : std::optional(sha256), LoadOptionsFrom(cfg));
  if (!lib.ok()) return lib.status().Prefixed(where);
  if ((*lib)->name() != plugin) {
    return Status::Error(fmt::format("{}: {} is plugin '{}', not '{}'", where, (*lib)->origin(),
                                     (*lib)->name(), plugin));
  }
  if (is_output && !(*lib)->Has(VIGIL_CAP_OUTPUT)) {
    return Status::Error(fmt::format("{}: plugin '{}' is not an output (it is: {})", where, plugin,
                                     plugin_check::CapabilityNames((*lib)->capabilities())));
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

plugin_host::PluginLoadOptions LoadOptionsFrom(const config::Config& cfg) {
  return plugin_host::PluginLoadOptions{cfg.plugin_paths, cfg.allow_insecure_plugins};
}

Status ResolvedPlugins::status() const {
  if (errors.empty()) return Status::Ok();
  return Status::Error(fmt::format("{}", fmt::join(errors, "\n")));
}

ResolvedPlugins ResolvePlugins(const config::Config& cfg) {
  ResolvedPlugins out;
  std::vector<std::string>& errors = out.errors;
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
    auto r = Resolve(cfg, Where(s.pos, "outputs", i, s.name), s.name, s.plugin, s.library, s.sha256,
                     s.config, true);
    if (!r.ok()) {
      errors.push_back(r.status().message());
      continue;
    }
    r->pos = s.pos;
    out.outputs.push_back(std::move(*r));
  }
  return out;
}

StatusOr<RunningPlugins> StartPlugins(const ResolvedPlugins& resolved) {
  RunningPlugins running;
  auto start = [](const ResolvedPlugin& r,
                  std::vector<std::unique_ptr<plugin_host::PluginInstance>>* into) -> Status {
    auto inst = plugin_host::PluginInstance::Create(r.library, r.instance_name, r.config_json);
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

StatusOr<std::unique_ptr<PluginSource>> PluginSource::Open(plugin_host::PluginInstance& instance,
                                                           const std::string& params) {
  vigil_source_instance* handle = nullptr;
  vigil_rc rc = instance.api().open(instance.state(), params.c_str(), &handle);
  if (rc != VIGIL_OK) {
    std::string why = instance.LastError();
    if (handle != nullptr) instance.api().close(instance.state(), handle);
    return Status::Unavailable(fmt::format("plugin '{}': open failed: {}", instance.instance_name(),
                                           why.empty() ? "(the plugin gave no reason)" : why));
  }
  return std::unique_ptr<PluginSource>(new PluginSource(instance, handle));
}

PluginSource::~PluginSource() { instance_.api().close(instance_.state(), handle_); }

vigil_rc PluginSource::NextBatch(vigil_event_batch* batch) {
  if (has_pending_types_.load(std::memory_order_acquire)) HandOverEventTypes();
  vigil_rc rc = instance_.api().next_batch(instance_.state(), handle_, batch);
  if (instance_.api().progress != nullptr) {
    auto now = std::chrono::steady_clock::now();
    if (rc == VIGIL_EOF || now >= next_progress_poll_) {
      next_progress_poll_ = now + std::chrono::seconds(1);
      PollProgress();
    }
  }
  return rc;
}

void PluginSource::PollProgress() {
  uint32_t pct_x100 = 0;
  const char* text = instance_.api().progress(instance_.state(), handle_, &pct_x100);
  std::lock_guard lock(progress_mu_);
  progress_ = SourceProgress{std::min<uint32_t>(pct_x100, 10000), text != nullptr ? text : ""};
}

std::optional<SourceProgress> PluginSource::Progress() const {
  std::lock_guard lock(progress_mu_);
  return progress_;
}

void PluginSource::RequestEventTypes(std::vector<uint16_t> types) {
  if (instance_.api().set_event_types == nullptr) return;
  std::lock_guard lock(types_mu_);
  pending_types_ = std::move(types);
  has_pending_types_.store(true, std::memory_order_release);
}

void PluginSource::HandOverEventTypes() {
  std::vector<uint16_t> types;
  {
    std::lock_guard lock(types_mu_);
    types.swap(pending_types_);
    has_pending_types_.store(false, std::memory_order_relaxed);
  }
  vigil_rc rc = instance_.api().set_event_types(instance_.state(), handle_, types.data(),
                                                static_cast<uint32_t>(types.size()));
  if (rc != VIGIL_OK) {
    log::warning("source '{}': set_event_types failed: {}; it keeps producing what it chose",
                 instance_.instance_name(), instance_.LastError());
  }
}

StatusOr<std::vector<uint16_t>> SelectSyscallEventTypes(const std::vector<uint16_t>& rule_types,
                                                        const std::vector<uint16_t>& state_types,
                                                        const config::BaseSyscalls& base) {
  std::set<uint16_t> out;
  if (base.all) {
#define VIGIL_ALL_TYPES(code, name) out.insert(code);
    VIGIL_SYSCALL_EVENT_TYPES(VIGIL_ALL_TYPES)
#undef VIGIL_ALL_TYPES
  }
  out.insert(rule_types.begin(), rule_types.end());
  if (base.custom_set.empty() || base.repair) out.insert(state_types.begin(), state_types.end());
  std::vector<std::string> unknown;
  std::vector<uint16_t> removed;
  for (const std::string& entry : base.custom_set) {
    bool remove = !entry.empty() && entry[0] == '!';
    std::string_view name = remove ? std::string_view(entry).substr(1) : std::string_view(entry);
    std::optional<uint16_t> code = EventTypeCode(name);
    if (!code || *code < VIGIL_EVENT_SYSCALL_FIRST) {
      unknown.push_back(entry);
    } else if (remove) {
      removed.push_back(*code);
    } else {
      out.insert(*code);
    }
  }
  if (!unknown.empty()) {
    return Status::Error(
        fmt::format("{}: base_syscalls.custom_set: unknown syscall event type(s) {}",
                    base.pos.ToString(), fmt::join(unknown, ", ")));
  }
  for (uint16_t code : removed) out.erase(code);
  return std::vector<uint16_t>(out.begin(), out.end());
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

}  // namespace vigil::runtime
