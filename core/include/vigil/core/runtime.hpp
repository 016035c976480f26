// The runtime: from a loaded Config to running plugins.
//
// ResolvePlugins loads and checks every library the config names and validates each `config:`
// block against that plugin's schema, without calling init: `vigil validate` stops there, and
// reports every problem found, each prefixed with its place in the config. StartPlugins then
// inits them. PluginSource and PluginOutput adapt plugin instances to the event bus and the router.
//
//   auto resolved = ResolvePlugins(cfg);                // all errors, with file:line:col
//   auto running = StartPlugins(std::move(*resolved));  // init, in config order
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "vigil/core/config.hpp"
#include "vigil/core/event_bus.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/core/output_router.hpp"
#include "vigil/core/plugin_host.hpp"
#include "vigil/core/rules.hpp"
#include "vigil/core/status.hpp"

namespace vigil::runtime {

// One configured plugin or output, checked but not yet initialised.
struct ResolvedPlugin {
  std::string instance_name;  // the plugin's name, or the output's name
  std::shared_ptr<const plugin_host::PluginLibrary> library;
  std::string config_json;  // validated against the plugin's schema
  std::string open_params;  // for sources
  config::SourcePos pos;    // of the entry in the config
};

struct ResolvedPlugins {
  std::vector<ResolvedPlugin> plugins;  // `plugins:` that resolved, in config order
  std::vector<ResolvedPlugin> outputs;  // `outputs:` that resolved, in config order
  std::vector<std::string> errors;      // one per entry that did not, with its place
  // Ok, or every error, one per line.
  Status status() const;
};

plugin_host::PluginLoadOptions LoadOptionsFrom(const config::Config& cfg);

// Loads every library of `plugins:` and `outputs:`, checks each is what its entry says (name,
// capabilities) and validates its config. Keeps what resolved beside the errors, so `vigil
// validate` can still check the rules against the plugins that load.
ResolvedPlugins ResolvePlugins(const config::Config& cfg);

struct RunningPlugins {
  std::vector<std::unique_ptr<plugin_host::PluginInstance>> plugins;
  std::vector<std::unique_ptr<plugin_host::PluginInstance>> outputs;
};

// Inits every resolved plugin, in config order; stops at the first failure.
StatusOr<RunningPlugins> StartPlugins(const ResolvedPlugins& resolved);

// The fields rules may use and how rules load, for the plugins of one config: the core's fields
// and every extract plugin's, the plugin versions for `required_plugin_versions`, the event
// sources that exist ("syscall" and each source plugin's). With `running` (vigil run) plugin
// fields extract from the running instances; without (`vigil validate`, plugins not initialised)
// they only declare. The syscall fields read `syscall_state` (the daemon's; null for `vigil
// validate`, where they only declare). Lives as long as any rule set it loaded.
class RulesSetup {
 public:
  // `append_output`: the config's, applied to every load.
  RulesSetup(const ResolvedPlugins& resolved, const RunningPlugins* running,
             const std::string& hostname, const state::SyscallState* syscall_state,
             std::vector<rules::AppendOutput> append_output);
  RulesSetup(const RulesSetup&) = delete;
  RulesSetup& operator=(const RulesSetup&) = delete;

  // Reads `paths` (files and directories, in order) and compiles them; null on any error.
  std::unique_ptr<rules::Ruleset> Load(const std::vector<std::string>& paths,
                                       rules::Diagnostics& diags,
                                       rules::LoadStats* stats = nullptr) const;
  const fields::FieldRegistry& registry() const { return registry_; }

  // `diags` without the unknown-field errors whose field class (`ka` of `ka.verb`) no loaded
  // provider has: after a plugin failed to load, its failure is the one error to report, not one
  // per use of its fields. *dropped counts what was left out. A typo in a class that exists
  // (`proc.nmae`) stays.
  rules::Diagnostics WithoutUnprovidedFieldClasses(const rules::Diagnostics& diags,
                                                   size_t* dropped) const;

 private:
  fields::FieldRegistry registry_;
  rules::LoadOptions options_;
};

// Logs each diagnostic at its severity, one line each.
void LogDiagnostics(const rules::Diagnostics& diags);

// How far a finite source got, as its plugin says (progress): 0..10000 and a human text.
struct SourceProgress {
  uint32_t pct_x100 = 0;
  std::string text;
};

// An opened source plugin instance, as the event bus reads it. Closes on destruction.
class PluginSource final : public events::EventSource {
 public:
  static StatusOr<std::unique_ptr<PluginSource>> Open(plugin_host::PluginInstance& instance,
                                                      const std::string& params);
  ~PluginSource() override;
  const std::string& name() const override { return instance_.instance_name(); }
  vigil_rc NextBatch(vigil_event_batch* batch) override;
  std::string LastError() override { return instance_.LastError(); }

  // Tells the plugin which event types the host needs (set_event_types), on the reader thread
  // before its next NextBatch, so the plugin never sees two calls at once. Safe from any thread;
  // a later request replaces one not yet handed over. No-op for plugins without the function.
  void RequestEventTypes(std::vector<uint16_t> types);

  // The plugin's progress (a replay's), polled on the reader thread at most once a second and
  // after its last batch; nullopt for plugins without progress or before the first poll. Safe from
  // any thread.
  std::optional<SourceProgress> Progress() const;

 private:
  PluginSource(plugin_host::PluginInstance& instance, vigil_source_instance* handle)
      : instance_(instance), handle_(handle) {}
  void HandOverEventTypes();
  void PollProgress();

  plugin_host::PluginInstance& instance_;
  vigil_source_instance* handle_;
  std::mutex types_mu_;
  std::vector<uint16_t> pending_types_;
  std::atomic<bool> has_pending_types_{false};
  std::chrono::steady_clock::time_point next_progress_poll_{};  // reader thread only
  mutable std::mutex progress_mu_;
  std::optional<SourceProgress> progress_;
};

// The event types a source of syscall events must produce: those the rules need (`rule_types`)
// plus those state keeping needs (`state_types`), as `base` (Falco's base_syscalls) adjusts them.
// Sorted. An unknown name in base.custom_set is an error naming it and base.pos.
StatusOr<std::vector<uint16_t>> SelectSyscallEventTypes(const std::vector<uint16_t>& rule_types,
                                                        const std::vector<uint16_t>& state_types,
                                                        const config::BaseSyscalls& base);

// An output plugin instance, as the router delivers to it.
class PluginOutput final : public router::OutputTarget {
 public:
  explicit PluginOutput(plugin_host::PluginInstance& instance) : instance_(instance) {}
  const std::string& name() const override { return instance_.instance_name(); }
  vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n) override;
  std::string LastError() override { return instance_.LastError(); }
  Status Reopen() override;

 private:
  plugin_host::PluginInstance& instance_;
};

}  // namespace vigil::runtime
