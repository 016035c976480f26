// container: the container each syscall event's process runs in, for Falco's container.* fields.
// Parse resolves it once per process from the cgroups in the core's state (get_process) and keeps
// it with the process (set_process_value): at the first event seen of a process, and again at each
// exec, whose record brings the cgroups the new image runs in. Extraction is a lookup.
// Runtime metadata (name, image, labels: Docker, containerd, CRI clients) comes next (README.md).
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup_container.hpp"
#include "vigil/event_types.h"
#include "vigil/sdk.hpp"

namespace {

using vigil::container::CgroupContainer;

constexpr uint16_t kExecve = vigil::SyscallEventCode("execve");
constexpr uint16_t kExecveat = vigil::SyscallEventCode("execveat");
static_assert(kExecve != 0 && kExecveat != 0);

// What the plugin keeps per process: the field values, one per line.
struct Resolved {
  std::string type, id, full_id, pod_uid;
};

std::string Encode(const CgroupContainer& c) {
  const bool host = c.kind == vigil::container::Kind::kHost;
  return std::string(vigil::container::KindName(c.kind)) + '\n' +
         (host ? std::string("host") : std::string(c.ShortId())) + '\n' +
         (host ? std::string("host") : c.full_id) + '\n' + c.pod_uid;
}

std::optional<Resolved> Decode(std::string_view value) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t nl = value.find('\n', start);
    parts.emplace_back(value.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (parts.size() != 4) return std::nullopt;
  return Resolved{std::move(parts[0]), std::move(parts[1]), std::move(parts[2]),
                  std::move(parts[3])};
}

enum Field : uint32_t { kId, kFullId, kType };

class ContainerPlugin : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "container";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE;
  static constexpr const char* kDescription =
      "Container metadata for syscall events (Falco's container.* fields)";
  static constexpr const char* kContact = "vigil developers";
  static constexpr const char* kExtractEventSources = R"(["syscall"])";

  static const char* Schema() {
    return R"({"type": "object", "properties": {}, "additionalProperties": false})";
  }
  static const char* Fields() {
    return R"([
  {"name": "container.id", "type": "string",
   "desc": "the container id (its first 12 characters), or 'host' for a process in no container"},
  {"name": "container.full_id", "type": "string",
   "desc": "the full container id (64 hex digits; the name for lxc and systemd-nspawn), or 'host'"},
  {"name": "container.type", "type": "string",
   "desc": "the container runtime: docker, containerd, cri-o, cri, podman, lxc, systemd-nspawn, host"}
])";
  }

  explicit ContainerPlugin(const vigil::sdk::InitContext& ctx) : host_(ctx.host()) {
    if (!host_.HasProcessState()) {
      throw std::runtime_error("this vigil has no process state for plugins (API 1.2 or later)");
    }
  }

  // Every type: the first event of a process that started before vigil may be any.
  std::vector<uint16_t> ParseEventTypes() { return {}; }

  vigil_rc Parse(const vigil_event_input& event) {
    const uint16_t type = vigil::sdk::EventView(event).type();
    const bool exec = type == kExecve || type == kExecveat;
    if (!exec && host_.ProcessValue(event)) return VIGIL_OK;  // resolved already
    std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event);
    if (!p) return VIGIL_OK;  // not a syscall event with a thread
    host_.SetProcessValue(event, Encode(vigil::container::FromCgroups(p->cgroups)));
    ++resolved_;
    host_.SetCounter("resolved", resolved_);
    return VIGIL_OK;
  }

  vigil_rc Extract(const vigil_event_input& event, uint32_t n, vigil_extract_field* fields) {
    std::optional<std::string> value = host_.ProcessValue(event);
    std::optional<Resolved> c = value ? Decode(*value) : std::nullopt;
    if (!c) return VIGIL_OK;  // no process known: no values
    for (uint32_t i = 0; i < n; ++i) {
      switch (fields[i].field_id) {
        case kId:
          results().SetString(fields[i], c->id);
          break;
        case kFullId:
          results().SetString(fields[i], c->full_id);
          break;
        case kType:
          results().SetString(fields[i], c->type);
          break;
      }
    }
    return VIGIL_OK;
  }

 private:
  vigil::sdk::Host host_;
  uint64_t resolved_ = 0;
};

}  // namespace

VIGIL_PLUGIN(ContainerPlugin)
