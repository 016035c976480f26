// container: the container each syscall event's process runs in, for Falco's container.* fields.
// Parse resolves it once per process from the cgroups in the core's state (get_process) and keeps
// it with the process (set_process_value): at the first event seen of a process, and again at each
// exec, whose record brings the cgroups the new image runs in. The runtime's metadata (name,
// image, labels, mounts ...) comes from the plugin's own threads (engines.cpp) into a cache; while
// a container's answer is on its way its processes' events are held (hold_timeout_ms), so a rule
// on the image fires right at a fresh container's first exec. Extraction is a lookup.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cgroup_container.hpp"
#include "engines.hpp"
#include "metadata_store.hpp"
#include "vigil/config_view.hpp"
#include "vigil/event_types.h"
#include "vigil/sdk.hpp"

namespace {

using vigil::container::CgroupContainer;
using vigil::container::Check;
using vigil::container::ContainerInfo;
using vigil::container::Kind;
using vigil::container::MetadataStore;

constexpr uint16_t kExecve = vigil::SyscallEventCode("execve");
constexpr uint16_t kExecveat = vigil::SyscallEventCode("execveat");
static_assert(kExecve != 0 && kExecveat != 0);

// What the plugin keeps per process: the cgroup answer and which of the container's checks (health
// check, probes) it runs, if any (its children inherit that), one value per line.
struct Resolved {
  std::string type, id, full_id, pod_uid;
  Check check = Check::kNone;
  bool host() const { return type == "host"; }
};

std::string Encode(const CgroupContainer& c, Check check) {
  const bool host = c.kind == Kind::kHost;
  return std::string(vigil::container::KindName(c.kind)) + '\n' +
         (host ? std::string("host") : std::string(c.ShortId())) + '\n' +
         (host ? std::string("host") : c.full_id) + '\n' + c.pod_uid + '\n' +
         static_cast<char>(check);
}

std::optional<Resolved> Decode(std::string_view value) {
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t nl = value.find('\n', start);
    parts.emplace_back(value.substr(start, nl == std::string_view::npos ? nl : nl - start));
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  if (parts.size() != 5) return std::nullopt;
  return Resolved{std::move(parts[0]), std::move(parts[1]), std::move(parts[2]),
                  std::move(parts[3]),
                  parts[4].size() == 1 ? static_cast<Check>(parts[4][0]) : Check::kNone};
}

// Field ids: the order of Fields().
enum Field : uint32_t {
  kId,
  kFullId,
  kType,
  kContainerName,
  kImage,
  kImageId,
  kImageRepository,
  kImageTag,
  kImageDigest,
  kPrivileged,
  kMounts,
  kMount,
  kMountSource,
  kMountDest,
  kMountMode,
  kMountRdwr,
  kMountPropagation,
  kStartTs,
  kDuration,
  kIp,
  kCniJson,
  kHostPid,
  kHostNetwork,
  kHostIpc,
  kLabel,
  kLabels,
  kHealthcheck,
  kIsHealthcheck,
  kLivenessProbe,
  kReadinessProbe,
  kIsLivenessProbe,
  kIsReadinessProbe,
  kPodName,
  kNsName,
  kPodId,
  kPodUid,
  kPodSandboxId,
  kPodFullSandboxId,
  kPodLabel,
  kPodLabels,
  kPodIp,
  kPodCniJson,
};

std::string Labels(const std::map<std::string, std::string>& labels) {
  std::string out;
  for (const auto& [key, value] : labels) {
    if (!out.empty()) out += ", ";
    out += key + ':' + value;
  }
  return out;
}

std::string Mounts(const ContainerInfo& c) {
  std::string out;
  for (const auto& m : c.mounts) {
    if (!out.empty()) out += ',';
    out += m.ToString();
  }
  return out;
}

class ContainerPlugin : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "container";
  // Falco's container plugin version whose fields this one provides: rule files ask for it
  // (required_plugin_versions: container 0.4.0 in the upstream ones).
  static constexpr const char* kVersion = "0.4.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE;
  static constexpr const char* kDescription =
      "Container metadata for syscall events (Falco's container.* fields)";
  static constexpr const char* kContact = "vigil developers";
  static constexpr const char* kExtractEventSources = R"(["syscall"])";

  static const char* Schema() {
    return R"({"type": "object", "additionalProperties": false, "properties": {
  "label_max_len": {"type": "integer", "minimum": 0},
  "with_size": {"type": "boolean"},
  "verbosity": {"enum": ["trace", "debug", "info", "warning", "error", "critical"]},
  "hold_timeout_ms": {"type": "integer", "minimum": 0, "maximum": 10000},
  "request_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000},
  "cache": {"type": "object", "additionalProperties": false, "properties": {
    "max_containers": {"type": "integer", "minimum": 1},
    "ttl_s": {"type": "integer", "minimum": 1}}},
  "engines": {"type": "object", "additionalProperties": false, "properties": {
    "docker": {"$ref": "#/definitions/engine"},
    "podman": {"$ref": "#/definitions/engine"},
    "containerd": {"$ref": "#/definitions/engine"},
    "cri": {"$ref": "#/definitions/engine"},
    "lxc": {"$ref": "#/definitions/engine"},
    "libvirt_lxc": {"$ref": "#/definitions/engine"},
    "bpm": {"$ref": "#/definitions/engine"}}}},
 "definitions": {"engine": {"type": "object", "additionalProperties": false, "properties": {
    "enabled": {"type": "boolean"},
    "sockets": {"type": "array", "items": {"type": "string", "minLength": 1}}}}}})";
  }
  static const char* Fields() {
    return R"json([
  {"name": "container.id", "type": "string",
   "desc": "the container id (its first 12 characters), or 'host' for a process in no container"},
  {"name": "container.full_id", "type": "string",
   "desc": "the full container id (64 hex digits; the name for lxc and systemd-nspawn), or 'host'"},
  {"name": "container.type", "type": "string",
   "desc": "the container runtime: docker, containerd, cri-o, cri, podman, lxc, systemd-nspawn, host"},
  {"name": "container.name", "type": "string", "desc": "the container name ('host' on the host)"},
  {"name": "container.image", "type": "string", "desc": "the image as the container names it"},
  {"name": "container.image.id", "type": "string", "desc": "the image id (hex, no sha256:)"},
  {"name": "container.image.repository", "type": "string", "desc": "the image repository"},
  {"name": "container.image.tag", "type": "string", "desc": "the image tag"},
  {"name": "container.image.digest", "type": "string",
   "desc": "the image's registry digest (sha256:...)"},
  {"name": "container.privileged", "type": "bool", "desc": "whether the container is privileged"},
  {"name": "container.mounts", "type": "string",
   "desc": "the mounts, as source:dest:mode:rdwr:propagation, comma separated"},
  {"name": "container.mount", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "one mount, by index or by a glob on its source, as source:dest:mode:rdwr:propagation"},
  {"name": "container.mount.source", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "a mount's source, by index or by a glob on its destination"},
  {"name": "container.mount.dest", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "a mount's destination, by index or by a glob on its source"},
  {"name": "container.mount.mode", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "a mount's mode, by index or by a glob on its source"},
  {"name": "container.mount.rdwr", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "whether a mount is read-write (true/false), by index or by a glob on its source"},
  {"name": "container.mount.propagation", "type": "string",
   "arg": {"kind": "key", "required": true},
   "desc": "a mount's propagation, by index or by a glob on its source"},
  {"name": "container.start_ts", "type": "abstime",
   "desc": "when the container was created, ns since the epoch"},
  {"name": "container.duration", "type": "reltime",
   "desc": "ns from the container's creation to the event"},
  {"name": "container.ip", "type": "string", "desc": "the container's IP address"},
  {"name": "container.cni.json", "type": "string", "desc": "the CNI result (CRI runtimes)"},
  {"name": "container.host_pid", "type": "bool", "desc": "whether it shares the host's pid namespace"},
  {"name": "container.host_network", "type": "bool",
   "desc": "whether it shares the host's network namespace"},
  {"name": "container.host_ipc", "type": "bool", "desc": "whether it shares the host's ipc namespace"},
  {"name": "container.label", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "a container label's value"},
  {"name": "container.labels", "type": "string",
   "desc": "the container's labels, as key:value, comma and space separated"},
  {"name": "container.healthcheck", "type": "string",
   "desc": "the container's health check command line"},
  {"name": "proc.is_container_healthcheck", "type": "bool",
   "desc": "whether the process runs the container's health check (or is a child of one)"},
  {"name": "container.liveness_probe", "type": "string",
   "desc": "the container's Kubernetes exec liveness probe command line"},
  {"name": "container.readiness_probe", "type": "string",
   "desc": "the container's Kubernetes exec readiness probe command line"},
  {"name": "proc.is_container_liveness_probe", "type": "bool",
   "desc": "whether the process runs the container's liveness probe (or is a child of one)"},
  {"name": "proc.is_container_readiness_probe", "type": "bool",
   "desc": "whether the process runs the container's readiness probe (or is a child of one)"},
  {"name": "k8s.pod.name", "type": "string", "desc": "the Kubernetes pod's name (CRI labels)"},
  {"name": "k8s.ns.name", "type": "string", "desc": "the Kubernetes pod's namespace"},
  {"name": "k8s.pod.id", "type": "string", "desc": "the pod's uid (k8s.pod.uid's older name)"},
  {"name": "k8s.pod.uid", "type": "string", "desc": "the pod's uid"},
  {"name": "k8s.pod.sandbox_id", "type": "string",
   "desc": "the pod's sandbox container id, its first 12 characters"},
  {"name": "k8s.pod.full_sandbox_id", "type": "string",
   "desc": "the pod's sandbox container id, in full"},
  {"name": "k8s.pod.label", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "a pod label's value"},
  {"name": "k8s.pod.labels", "type": "string",
   "desc": "the pod's labels, as key:value, comma and space separated"},
  {"name": "k8s.pod.ip", "type": "string", "desc": "the pod's IP address"},
  {"name": "k8s.pod.cni.json", "type": "string", "desc": "the pod's CNI result"}
])json";
  }

  explicit ContainerPlugin(const vigil::sdk::InitContext& ctx)
      : host_(ctx.host()), log_(ctx.logger()) {
    if (!host_.HasProcessState()) {
      throw std::runtime_error("this vigil has no process state for plugins (API 1.2 or later)");
    }
    vigil::sdk::ConfigView config(ctx.config_json());
    hold_ = std::chrono::milliseconds(config.Uint64("hold_timeout_ms", 250));
    if (config.Bool("with_size", false)) {
      log_.Warning("with_size: container sizes are not computed by vigil; ignored");
    }
    vigil::sdk::ConfigView cache = config.Object("cache");
    MetadataStore::Limits limits;
    limits.max_containers = cache.Uint64("max_containers", limits.max_containers);
    limits.ttl = std::chrono::seconds(cache.Uint64("ttl_s", 600));
    store_ = std::make_unique<MetadataStore>(limits);
    engines_ = std::make_unique<vigil::container::Engines>(
        vigil::container::EngineConfig::FromConfig(config), *store_, host_, log_);
  }

  ~ContainerPlugin() { engines_.reset(); }  // stops the threads before the store goes

  // Every type: the first event of a process that started before vigil may be any.
  std::vector<uint16_t> ParseEventTypes() { return {}; }

  vigil_rc Parse(const vigil_event_input& event) {
    const uint16_t type = vigil::sdk::EventView(event).type();
    const bool exec = type == kExecve || type == kExecveat;
    std::optional<std::string_view> value = host_.ProcessValueView(event);
    std::string encoded;
    if (value && !exec) {
      if (store_->pending() == 0) return VIGIL_OK;  // nothing on its way: the common case
    } else {
      std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event);
      if (!p) return VIGIL_OK;  // not a syscall event with a thread
      const CgroupContainer cg = vigil::container::FromCgroups(p->cgroups);
      const std::optional<Resolved> before = value ? Decode(*value) : std::nullopt;
      encoded = Encode(cg, CheckOf(cg, *p, before));
      host_.SetProcessValue(event, encoded);  // the host's old bytes (value) go with this
      value = encoded;
      host_.SetCounter("resolved", ++resolved_);
    }
    std::optional<Resolved> c = Decode(*value);
    if (!c || !engines_->Serves(c->type)) return VIGIL_OK;
    if (store_->Request(c->full_id, -1) == MetadataStore::Want::kKnown) return VIGIL_OK;
    // Hold first, then register: the worker's release can never come before the hold.
    std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event);
    if (!p || !host_.HoldProcess(event, hold_)) return VIGIL_OK;
    host_.SetCounter("held", ++held_);
    if (store_->Request(c->full_id, p->pid) == MetadataStore::Want::kKnown) {
      host_.ReleaseProcess(p->pid);
    }
    return VIGIL_OK;
  }

  vigil_rc Extract(const vigil_event_input& event, uint32_t n, vigil_extract_field* fields) {
    std::optional<std::string_view> value = host_.ProcessValueView(event);
    if (!value) return VIGIL_OK;  // no process known: no values
    const Lookup& l = LookUp(*value);
    if (!l.resolved) return VIGIL_OK;
    const Resolved* c = &*l.resolved;
    const ContainerInfo* info = l.info.get();
    for (uint32_t i = 0; i < n; ++i) {
      vigil_extract_field& f = fields[i];
      switch (f.field_id) {
        case kId:
          results().SetString(f, c->id);
          break;
        case kFullId:
          results().SetString(f, c->full_id);
          break;
        case kType:
          results().SetString(f, c->type);
          break;
        case kPodUid:
        case kPodId:
          // Known from the cgroup path even before (or without) the runtime's answer.
          if (info && !info->pod.uid.empty()) {
            results().SetString(f, info->pod.uid);
          } else if (!c->pod_uid.empty()) {
            results().SetString(f, c->pod_uid);
          }
          break;
        case kIsHealthcheck:
          results().SetBool(f, c->check == Check::kHealthcheck);
          break;
        case kIsLivenessProbe:
          results().SetBool(f, c->check == Check::kLiveness);
          break;
        case kIsReadinessProbe:
          results().SetBool(f, c->check == Check::kReadiness);
          break;
        case kContainerName:
          if (c->host()) results().SetString(f, "host");
          if (info && !info->name.empty()) results().SetString(f, info->name);
          break;
        default:
          if (info) ExtractInfo(*info, vigil::sdk::EventView(event).ts_ns(), f);
      }
    }
    return VIGIL_OK;
  }

 private:
  // The last process value decoded and what the store had for it: the events of one process come
  // in runs, and a rule set asks for several fields of each (engine thread only, as Extract).
  struct Lookup {
    std::string value;  // decoded into resolved
    std::optional<Resolved> resolved;
    uint64_t generation = ~uint64_t{0};  // the store's when info was found
    MetadataStore::InfoPtr info;
  };
  const Lookup& LookUp(std::string_view value) {
    if (value != last_.value) {
      last_.value.assign(value);
      last_.resolved = Decode(value);
      last_.generation = ~uint64_t{0};
    }
    // Read before Find: a change in between makes the next call look again.
    if (const uint64_t g = store_->generation(); g != last_.generation) {
      const Resolved* c = last_.resolved ? &*last_.resolved : nullptr;
      last_.info = c && !c->host() ? store_->Find(c->full_id).value_or(nullptr) : nullptr;
      last_.generation = g;
    }
    return last_;
  }

  // A health check or probe is the runtime's exec of its command in the container; what it starts
  // is part of it (the value a fork inherits says so, and an exec in the container keeps it).
  Check CheckOf(const CgroupContainer& cg, const vigil::sdk::ProcessInfo& p,
                const std::optional<Resolved>& before) const {
    if (cg.kind == Kind::kHost) return Check::kNone;
    if (before && before->check != Check::kNone && before->full_id == cg.full_id)
      return before->check;
    MetadataStore::InfoPtr info = store_->Find(cg.full_id).value_or(nullptr);
    return info ? info->CheckOf(p.comm, p.args) : Check::kNone;
  }

  void ExtractInfo(const ContainerInfo& c, uint64_t ts_ns, vigil_extract_field& f) {
    auto text = [&](const std::string& s) {
      if (!s.empty()) results().SetString(f, s);
    };
    switch (f.field_id) {
      case kImage:
        return text(c.image);
      case kImageId:
        return text(c.image_id);
      case kImageRepository:
        return text(c.image_repository);
      case kImageTag:
        return text(c.image_tag);
      case kImageDigest:
        return text(c.image_digest);
      case kPrivileged:
        return results().SetBool(f, c.privileged);
      case kMounts:  // "" for none, as Falco: the runtime answered, there are none
        return results().SetString(f, Mounts(c));
      case kMount:
      case kMountSource:
      case kMountDest:
      case kMountMode:
      case kMountRdwr:
      case kMountPropagation:
        return ExtractMount(c, f);
      case kStartTs:
        if (c.created_ns != 0) results().SetUint64s(f, &c.created_ns, 1);
        return;
      case kDuration:
        if (c.created_ns != 0 && ts_ns >= c.created_ns) {
          const uint64_t d = ts_ns - c.created_ns;
          results().SetUint64s(f, &d, 1);
        }
        return;
      case kIp:
        return text(c.ip);
      case kCniJson:
        return text(c.cni_json);
      case kHostPid:
        return results().SetBool(f, c.host_pid);
      case kHostNetwork:
        return results().SetBool(f, c.host_network);
      case kHostIpc:
        return results().SetBool(f, c.host_ipc);
      case kLabel:
        if (f.arg_key != nullptr) {
          if (auto it = c.labels.find(f.arg_key); it != c.labels.end()) text(it->second);
        }
        return;
      case kLabels:
        return text(Labels(c.labels));
      case kHealthcheck:
        return text(c.healthcheck.ToString());
      case kLivenessProbe:
        return text(c.liveness_probe.ToString());
      case kReadinessProbe:
        return text(c.readiness_probe.ToString());
      case kPodName:
        return text(c.pod.name);
      case kNsName:
        return text(c.pod.ns);
      case kPodSandboxId:
        return text(c.pod.sandbox_id.substr(0, 12));
      case kPodFullSandboxId:
        return text(c.pod.sandbox_id);
      case kPodLabel:
        if (f.arg_key != nullptr) {
          if (auto it = c.pod.labels.find(f.arg_key); it != c.pod.labels.end()) text(it->second);
        }
        return;
      case kPodLabels:
        return text(Labels(c.pod.labels));
      case kPodIp:
        return text(c.pod.ip);
      case kPodCniJson:
        return text(c.pod.cni_json);
      case kPodId:
      case kPodUid:
      case kIsHealthcheck:
      case kIsLivenessProbe:
      case kIsReadinessProbe:
        return;  // Extract's
    }
  }

  // container.mount*[i] by index; [glob] by the source (the destination for mount.source).
  void ExtractMount(const ContainerInfo& c, vigil_extract_field& f) {
    if (f.arg_key == nullptr) return;
    const std::string_view key = f.arg_key;
    const bool index =
        !key.empty() && key.size() <= 9 && key.find_first_not_of("0123456789") == std::string::npos;
    const vigil::container::Mount* m = index ? c.MountAt(std::stoull(std::string(key)))
                                       : f.field_id == kMountSource ? c.MountByDest(key)
                                                                    : c.MountBySource(key);
    if (m == nullptr) return;
    switch (f.field_id) {
      case kMount:
        return results().SetString(f, m->ToString());
      case kMountSource:
        return results().SetString(f, m->source);
      case kMountDest:
        return results().SetString(f, m->dest);
      case kMountMode:
        return results().SetString(f, m->mode);
      case kMountRdwr:
        return results().SetString(f, m->rdwr ? "true" : "false");
      case kMountPropagation:
        return results().SetString(f, m->propagation);
    }
  }

  vigil::sdk::Host host_;
  vigil::sdk::Logger log_;
  std::chrono::milliseconds hold_{250};
  std::unique_ptr<MetadataStore> store_;
  std::unique_ptr<vigil::container::Engines> engines_;
  uint64_t resolved_ = 0, held_ = 0;
  Lookup last_;
};

}  // namespace

VIGIL_PLUGIN(ContainerPlugin)
