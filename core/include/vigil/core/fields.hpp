// Fields: the typed values rules compare and outputs print (`proc.name`, `ka.verb`, `evt.type`).
//
// A FieldProvider declares fields (name, type, list, argument) and binds one of them, with its
// argument, to an Extractor once, when rules compile; per event only Extract runs. The core's own
// fields (`evt.*`) and every plugin with the extract capability are providers; the FieldRegistry
// answers "which provider has `proc.aname[2]` for source `syscall`" at compile time.
//
//   FieldRegistry registry;
//   RegisterCoreFields(registry, {.hostname = "node-1"});
//   registry.Add(std::make_shared<PluginFieldProvider>(plugin));   // one per extract plugin
//   StatusOr<BoundField> f = registry.Bind("evt.type", "syscall");
//   std::span<const Value> v = f->extractor->Extract(ctx);          // no value: empty span
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/core/status.hpp"
#include "vigil/plugin_api.h"

namespace vigil::plugin_host {
class PluginLibrary;
class PluginInstance;
}  // namespace vigil::plugin_host

namespace vigil::state {
struct SyscallView;
class SyscallState;
}  // namespace vigil::state

namespace vigil::fields {

// Falco's field types, numbered as plugins declare them (plugin_api.h vigil_field_type).
enum class FieldType : uint8_t {
  kString = VIGIL_FT_STRING,
  kUint64 = VIGIL_FT_UINT64,
  kInt64 = VIGIL_FT_INT64,
  kBool = VIGIL_FT_BOOL,
  kIpAddr = VIGIL_FT_IPADDR,    // 4 (IPv4) or 16 (IPv6) address bytes
  kIpNet = VIGIL_FT_IPNET,      // address bytes, then one byte of prefix length
  kRelTime = VIGIL_FT_RELTIME,  // ns
  kAbsTime = VIGIL_FT_ABSTIME,  // ns since the epoch
  kBytes = VIGIL_FT_BYTES,
};
inline vigil_field_type ToAbi(FieldType type) { return static_cast<vigil_field_type>(type); }
const char* FieldTypeName(FieldType type);

// One extracted value. String-like types (string, bytes, ipaddr, ipnet) live in `bytes`; numbers,
// bools and times in `num` (int64 as its two's complement bits). Views stay valid until the next
// Extract call on the same extractor.
struct Value {
  std::string_view bytes;
  uint64_t num = 0;
};

// What an extractor sees of one event. Built once per event by the engine.
struct EventContext {
  const uint8_t* record = nullptr;  // a checked record (event_record.h)
  uint32_t len = 0;
  uint64_t evtnum = 0;
  uint64_t ts_ns = 0;
  uint16_t type = 0;
  uint32_t source_index = 0;                 // index into the engine's source names
  const std::string* source_name = nullptr;  // "syscall", "k8s_audit", ...
  // For events of source "syscall": what the syscall state found (thread, fd, resolved paths).
  const state::SyscallView* syscall = nullptr;
};

class Extractor {
 public:
  virtual ~Extractor() = default;
  // The field's values for this event: none (empty), one, or several for list fields.
  virtual std::span<const Value> Extract(const EventContext& event) = 0;
  // Whether one extraction costs far more than reading the event or the state (a call into a
  // plugin, text rendered per event): the rule compiler tests such fields after the cheap ones.
  virtual bool costly() const { return false; }
};

enum class ArgKind : uint8_t { kNone, kIndex, kKey };

struct FieldInfo {
  std::string name;
  FieldType type = FieldType::kString;
  bool is_list = false;
  ArgKind arg = ArgKind::kNone;
  bool arg_required = false;
  std::string description;
};

// The argument a rule wrote: `proc.aname[2]` (index 2), `evt.arg.flags` and `evt.arg[flags]`
// (key "flags"), `ka.uri.param[pretty]`.
struct FieldArg {
  bool present = false;
  std::string text;    // as written
  uint64_t index = 0;  // when the field takes an index
};

class FieldProvider {
 public:
  virtual ~FieldProvider() = default;
  // Who provides the fields, for messages and `vigil fields` ("core", a plugin's name).
  virtual const std::string& name() const = 0;
  virtual const std::vector<FieldInfo>& fields() const = 0;
  // Whether the fields apply to events of `source`.
  virtual bool AppliesTo(std::string_view source) const = 0;
  // `sources` for `vigil fields`: empty means every source.
  virtual std::vector<std::string> Sources() const = 0;
  // Binds field `index` (into fields()) with its already-checked argument.
  virtual StatusOr<std::unique_ptr<Extractor>> Bind(size_t index, const FieldArg& arg) = 0;
};

struct BoundField {
  const FieldInfo* info = nullptr;
  std::string provider;
  FieldArg arg;
  std::unique_ptr<Extractor> extractor;
};

// Why a name did not bind, so the rule compiler can word its error and honour
// `skip-if-unknown-filter` (which skips only unknown fields).
enum class BindError : uint8_t { kNone, kUnknownField, kBadArgument, kProvider };

class FieldRegistry {
 public:
  void Add(std::shared_ptr<FieldProvider> provider);

  // Resolves `text` as written in a rule (`proc.aname[2]`, `evt.arg.flags`) for `source`.
  // `*why` says which kind of failure an error is.
  StatusOr<BoundField> Bind(std::string_view text, std::string_view source,
                            BindError* why = nullptr) const;

  // Finds the declaration only (no extractor), for type checks and `vigil fields`.
  const FieldInfo* Find(std::string_view name, std::string_view source) const;

  const std::vector<std::shared_ptr<FieldProvider>>& providers() const { return providers_; }

 private:
  std::vector<std::shared_ptr<FieldProvider>> providers_;
};

// Splits a field as written into name and argument: `proc.aname[2]` → ("proc.aname", "2");
// `evt.arg.flags` stays whole (the registry tries the dotted-key form when the whole name is not a
// field). nullopt when the text is not a field reference.
struct FieldText {
  std::string_view name;
  std::optional<std::string_view> bracket_arg;
};
std::optional<FieldText> SplitFieldText(std::string_view text);

// The core's own fields, for every source: evt.num, evt.time, evt.time.iso8601, evt.rawtime,
// evt.rawtime.s, evt.rawtime.ns, evt.type, evt.source, evt.hostname (`vigil fields` lists them).
// Falco's evt.datetime does not exist yet; evt.plugininfo is MakePluginInfoProvider's (below).
struct CoreFieldOptions {
  std::string hostname;
};
void RegisterCoreFields(FieldRegistry& registry, const CoreFieldOptions& options);

// The fields of a plugin with the extract capability, for the sources its
// `extract_event_sources` names (default: its own event source when it is a source, else all).
// Extraction calls the plugin's extract_fields on `instance`; with no instance (`vigil validate`,
// which does not init plugins) fields declare and bind but never have a value. The instance must
// outlive the extractors.
std::shared_ptr<FieldProvider> MakePluginFieldProvider(
    std::shared_ptr<const plugin_host::PluginLibrary> library,
    plugin_host::PluginInstance* instance);

// evt.plugininfo for the events of a source plugin with event_to_string (its own event source
// only). Same instance rule as above.
std::shared_ptr<FieldProvider> MakePluginInfoProvider(
    std::shared_ptr<const plugin_host::PluginLibrary> library,
    plugin_host::PluginInstance* instance);

// The syscall fields (`evt.arg.*`, `evt.res`, `proc.*`, `thread.*`, `fd.*`, `user.*`, `group.*`)
// for source "syscall", read from the event record and `state` (through EventContext::syscall).
// With no state (`vigil validate`) they declare and bind but never have a value.
void RegisterSyscallFields(FieldRegistry& registry, const state::SyscallState* state);

}  // namespace vigil::fields
