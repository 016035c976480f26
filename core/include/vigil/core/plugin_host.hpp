// The plugin host: finds, checks and loads plugin libraries, and creates plugin instances.
//
// A PluginLibrary is a checked plugin table, from a shared object on disk (LoadPluginLibrary) or
// from an in-memory table (PluginLibrary::FromTable, for built-ins and tests): both go through the
// same checks (sdk/include/vigil/plugin_check.hpp, which the SDK's fake host runs too): version,
// required members, capabilities, an extractor's fields and extract_event_sources.
// A PluginInstance is one initialised state of a library (an output plugin configured twice gives
// two instances of one library).
//
//   PluginLoadOptions opts{.search_paths = {"/usr/lib/x86_64-linux-gnu/vigil/plugins"}};
//   auto lib = LoadPluginLibrary("libstdout.so", std::nullopt, opts);
//   if (!lib.ok()) return lib.status();
//   auto inst = PluginInstance::Create(*lib, "stdout", R"({"format":"json"})");
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/fields.hpp"
#include "vigil/core/status.hpp"
#include "vigil/plugin_api.h"

namespace vigil::plugin_host {

class PluginLibrary {
 public:
  // Checks `table` (plugin_check::Check). `origin` names where it came from in messages: a path, or
  // "built-in". `keep_alive` holds whatever keeps the table's memory valid (the loaded library).
  static StatusOr<std::shared_ptr<const PluginLibrary>> FromTable(
      const vigil_plugin_api* table, std::string origin, std::shared_ptr<void> keep_alive = {});

  // The table, copied and zero-extended to this host's size: members the plugin's older table
  // lacks read as NULL.
  const vigil_plugin_api& api() const { return api_; }
  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const std::string& origin() const { return origin_; }
  uint32_t capabilities() const { return api_.capabilities; }
  bool Has(uint32_t capability) const { return (api_.capabilities & capability) != 0; }
  // The init schema, "" when the plugin takes no config.
  std::string InitSchema() const;
  // An extractor's fields, in the order of its fields JSON (the index is the ABI's field_id).
  const std::vector<fields::FieldInfo>& fields() const { return fields_; }
  // The sources an extractor's fields apply to, from extract_event_sources; empty when it gives
  // none (then: its own event_source when it is a source, else every source).
  const std::vector<std::string>& extract_sources() const { return extract_sources_; }

 private:
  PluginLibrary() = default;

  std::shared_ptr<void> keep_alive_;
  vigil_plugin_api api_{};
  std::string name_, version_, origin_;
  std::vector<fields::FieldInfo> fields_;
  std::vector<std::string> extract_sources_;
};

struct PluginLoadOptions {
  // The only directories plugins may be loaded from.
  std::vector<std::string> search_paths;
  // Development only: skip the ownership and permission checks.
  bool allow_insecure = false;
};

// Finds `library` (a file name looked up in the search paths, or an absolute path that must lie in
// one of them), refuses it unless the file and its directory are owned by root and not
// group/world-writable (unless allow_insecure), checks its SHA-256 against `sha256` when given,
// loads it (RTLD_NOW | RTLD_LOCAL) and checks its table. The file is opened once, and checked,
// hashed and loaded through that descriptor, so what was checked is what is loaded.
StatusOr<std::shared_ptr<const PluginLibrary>> LoadPluginLibrary(
    const std::string& library, const std::optional<std::string>& sha256,
    const PluginLoadOptions& options);

// The file name a plugin called `name` has by default: lib<name>.so.
std::string DefaultLibraryFileName(const std::string& name);

// What the host API's per-event callbacks (get_process) read for the event a plugin is handed:
// the engine provides it, on its own thread, around each parse and extraction (EventStateScope).
class EventState {
 public:
  virtual ~EventState() = default;
  // VIGIL_OK and *out filled as far as out->struct_size allows, or VIGIL_NOT_FOUND.
  virtual vigil_rc GetProcess(const vigil_event_input& event, vigil_process_info* out) = 0;
  // The value of plugin instance `slot` for the event's process (set_process_value).
  virtual vigil_rc SetProcessValue(uint32_t slot, const vigil_event_input& event,
                                   std::string_view value) = 0;
  virtual vigil_rc GetProcessValue(uint32_t slot, const vigil_event_input& event,
                                   std::string_view* value) = 0;
  // hold_process: holds the event's process for at most `timeout_ms` (already capped).
  virtual vigil_rc HoldProcess(const vigil_event_input& event, uint32_t timeout_ms) = 0;
};

// Where release_process goes, from any thread (the engine's EventHold). A plugin may outlive the
// engine, so instances share it (shared_ptr) and it must stay safe to call after the engine ended.
class ProcessReleases {
 public:
  virtual ~ProcessReleases() = default;
  virtual void Release(int64_t pid) = 0;
};

// Makes `state` what this thread's plugin callbacks read until the scope ends (then the previous).
class EventStateScope {
 public:
  explicit EventStateScope(EventState* state);
  ~EventStateScope();
  EventStateScope(const EventStateScope&) = delete;
  EventStateScope& operator=(const EventStateScope&) = delete;

 private:
  EventState* previous_;
};

// One initialised plugin state. Not copyable; destroy runs in the destructor.
class PluginInstance {
 public:
  // Calls init with `config_json` (already validated against the plugin's schema). `instance_name`
  // tags the plugin's log lines and messages (the output name, or the plugin name).
  static StatusOr<std::unique_ptr<PluginInstance>> Create(
      std::shared_ptr<const PluginLibrary> library, std::string instance_name,
      const std::string& config_json);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const PluginLibrary& library() const { return *library_; }
  const vigil_plugin_api& api() const { return library_->api(); }
  vigil_plugin* state() const { return state_; }
  const std::string& instance_name() const { return instance_name_; }
  // This instance's index among all instances, for the state the host keeps per plugin.
  uint32_t slot() const { return slot_; }
  // The plugin's last_error on this thread, never null.
  std::string LastError() const;

  // Where this instance's release_process calls go (null: dropped). Safe from any thread.
  void AttachReleases(std::shared_ptr<ProcessReleases> releases);
  void Release(int64_t pid) const;
  // set_counter: the plugin's counters, in the order first set. Safe from any thread.
  void SetCounter(std::string_view name, uint64_t value);
  std::vector<std::pair<std::string, uint64_t>> Counters() const;

 private:
  PluginInstance(std::shared_ptr<const PluginLibrary> library, std::string instance_name);

  std::shared_ptr<const PluginLibrary> library_;
  std::string instance_name_;
  uint32_t slot_;
  vigil_host_api host_{};
  vigil_plugin* state_ = nullptr;

  mutable std::mutex mu_;  // guards releases_ and counters_: plugins call from their own threads
  std::shared_ptr<ProcessReleases> releases_;
  std::vector<std::pair<std::string, uint64_t>> counters_;
};

}  // namespace vigil::plugin_host
