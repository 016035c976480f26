// k8s: Kubernetes metadata for syscall events, under the names of Falco's k8smeta plugin
// (k8smeta.pod.name, k8smeta.deployment.name, k8smeta.ns.labels, ...). vigil watches the API
// server itself (no collector): node-scoped list+watch of pods, and the namespaces, replica sets,
// deployments, replication controllers, jobs and services they link to (src/watcher.cpp). Parse
// resolves each process's pod uid and container id from its cgroups once (at its first event and
// at exec) and keeps them with the process; extraction is a lookup in the cluster state. A fresh
// pod's processes are held until the pod's watch event is in (hold_timeout_ms).
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api_config.hpp"
#include "cgroup_container.hpp"
#include "cluster_state.hpp"
#include "vigil/config_view.hpp"
#include "vigil/event_types.h"
#include "vigil/sdk.hpp"
#include "watcher.hpp"

extern char** environ;

namespace {

using vigil::k8s::Kind;
using vigil::k8s::Meta;
using vigil::k8s::PodMeta;

constexpr uint16_t kExecve = vigil::SyscallEventCode("execve");
constexpr uint16_t kExecveat = vigil::SyscallEventCode("execveat");

// The fields: per linked object, name and uid, and label[key] and labels where its labels are
// watched; then the pod's ip; the services' as lists.
enum class Group { kPod, kNs, kDeployment, kRs, kRc, kJob, kCronJob, kDaemonSet, kStatefulSet };
enum class Attr { kName, kUid, kLabel, kLabels, kIp };
struct FieldDef {
  Group group;
  Attr attr;
  bool services = false;
};

struct GroupDef {
  Group group;
  const char* prefix;
  const char* what;
  bool labels;
};
constexpr GroupDef kGroups[] = {
    {Group::kPod, "pod", "pod", true},
    {Group::kNs, "ns", "namespace", true},
    {Group::kDeployment, "deployment", "deployment", true},
    {Group::kRs, "rs", "replica set", true},
    {Group::kRc, "rc", "replication controller", true},
    {Group::kJob, "job", "job", true},
    {Group::kCronJob, "cronjob", "cron job", false},
    {Group::kDaemonSet, "daemonset", "daemon set", false},
    {Group::kStatefulSet, "statefulset", "stateful set", false},
};

struct FieldTable {
  std::vector<FieldDef> defs;
  std::string json;
};

const FieldTable& Table() {
  static const FieldTable table = [] {
    FieldTable t;
    auto add = [&](const std::string& name, FieldDef def, bool list, bool key,
                   const std::string& desc) {
      if (!t.json.empty()) t.json += ",\n";
      t.json += R"({"name": "k8smeta.)" + name + R"(", "type": "string")" +
                (list ? R"(, "list": true)" : "") +
                (key ? R"(, "arg": {"kind": "key", "required": true})" : "") + R"(, "desc": ")" +
                desc + "\"}";
      t.defs.push_back(def);
    };
    for (const GroupDef& g : kGroups) {
      const std::string p = g.prefix, w = g.what;
      add(p + ".name", {g.group, Attr::kName}, false, false, "the Kubernetes " + w + "'s name");
      add(p + ".uid", {g.group, Attr::kUid}, false, false, "the Kubernetes " + w + "'s uid");
      if (!g.labels) continue;
      add(p + ".label", {g.group, Attr::kLabel}, false, true, "a label of the " + w);
      add(p + ".labels", {g.group, Attr::kLabels}, true, false,
          "the " + w + "'s labels, as key:value");
      if (g.group == Group::kPod) {
        add("pod.ip", {g.group, Attr::kIp}, false, false, "the pod's IP address");
      }
    }
    add("svc.name", {Group::kPod, Attr::kName, true}, true, false,
        "the names of the services selecting the pod");
    add("svc.uid", {Group::kPod, Attr::kUid, true}, true, false,
        "the uids of the services selecting the pod");
    add("svc.label", {Group::kPod, Attr::kLabel, true}, true, true,
        "a label's values on the services selecting the pod");
    add("svc.labels", {Group::kPod, Attr::kLabels, true}, true, false,
        "the labels of the services selecting the pod, as key:value");
    t.json = "[\n" + t.json + "\n]";
    return t;
  }();
  return table;
}

const Meta& Of(const PodMeta& m, Group g) {
  switch (g) {
    case Group::kPod:
      return m.pod;
    case Group::kNs:
      return m.ns;
    case Group::kDeployment:
      return m.deployment;
    case Group::kRs:
      return m.rs;
    case Group::kRc:
      return m.rc;
    case Group::kJob:
      return m.job;
    case Group::kCronJob:
      return m.cronjob;
    case Group::kDaemonSet:
      return m.daemonset;
    case Group::kStatefulSet:
      return m.statefulset;
  }
  return m.pod;
}

std::vector<std::string> LabelList(const vigil::k8s::Labels& labels) {
  std::vector<std::string> out;
  for (const auto& [k, v] : labels) out.push_back(k + ":" + v);
  return out;
}

std::map<std::string, std::string> Environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string kv(*e);
    if (size_t eq = kv.find('='); eq != std::string::npos)
      env[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return env;
}

std::string Hostname() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// What the plugin keeps per process: "<pod uid>\n<container full id>" (either may be empty).
struct Resolved {
  std::string_view pod_uid, container_id;  // into the host's bytes
};
Resolved Decode(std::string_view v) {
  const size_t nl = v.find('\n');
  if (nl == std::string_view::npos) return {};
  return {v.substr(0, nl), v.substr(nl + 1)};
}

class K8sPlugin : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "k8s";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE;
  static constexpr const char* kDescription =
      "Kubernetes API metadata for syscall events (Falco's k8smeta.* fields)";
  static constexpr const char* kContact = "vigil developers";
  static constexpr const char* kExtractEventSources = R"(["syscall"])";

  static const char* Schema() {
    return R"({"type": "object", "additionalProperties": false, "properties": {
  "nodeName": {"type": "string"},
  "api_server": {"type": "string", "minLength": 1},
  "kubeconfig": {"type": "string", "minLength": 1},
  "token_file": {"type": "string", "minLength": 1},
  "ca_file": {"type": "string", "minLength": 1},
  "hold_timeout_ms": {"type": "integer", "minimum": 0, "maximum": 10000},
  "request_timeout_ms": {"type": "integer", "minimum": 1, "maximum": 600000},
  "watch_timeout_s": {"type": "integer", "minimum": 1, "maximum": 3600},
  "page_size": {"type": "integer", "minimum": 1, "maximum": 10000},
  "max_objects": {"type": "integer", "minimum": 1},
  "backoff_max_ms": {"type": "integer", "minimum": 1},
  "verbosity": {"enum": ["trace", "debug", "info", "warning", "error", "critical"]},
  "collectorHostname": {"type": "string"},
  "collectorPort": {"type": "integer"},
  "caPEMBundle": {"type": "string"}}})";
  }
  static const char* Fields() { return Table().json.c_str(); }

  explicit K8sPlugin(const vigil::sdk::InitContext& ctx) : host_(ctx.host()), log_(ctx.logger()) {
    if (!host_.HasProcessState()) {
      throw std::runtime_error("this vigil has no process state for plugins (API 1.2 or later)");
    }
    vigil::sdk::ConfigView config(ctx.config_json());
    if (config.json().HasMember("collectorHostname") || config.json().HasMember("collectorPort") ||
        config.json().HasMember("caPEMBundle")) {
      log_.Warning(
          "collectorHostname, collectorPort, caPEMBundle: vigil watches the API server "
          "itself, no k8s-metacollector; ignored");
    }
    hold_ = std::chrono::milliseconds(config.Uint64("hold_timeout_ms", 250));
    vigil::k8s::ApiSettings settings;
    settings.api_server = config.String("api_server", "");
    settings.kubeconfig = config.String("kubeconfig", "");
    settings.token_file = config.String("token_file", settings.token_file);
    settings.ca_file = config.String("ca_file", settings.ca_file);
    std::optional<vigil::k8s::ApiEndpoint> endpoint =
        vigil::k8s::ResolveEndpoint(settings, Environment());
    state_ = std::make_unique<vigil::k8s::ClusterState>(config.Uint64("max_objects", 100000));
    if (!endpoint) {
      log_.Info(
          "no kubeconfig and not in a cluster (no KUBERNETES_SERVICE_HOST): the k8smeta.* "
          "fields have no value");
      return;
    }
    const std::string node = config.String("nodeName", Hostname());
    client_ = std::make_unique<vigil::k8s::ApiClient>(
        *endpoint, std::chrono::milliseconds(config.Uint64("request_timeout_ms", 10000)));
    vigil::k8s::WatchOptions options;
    options.watch_timeout = std::chrono::seconds(config.Uint64("watch_timeout_s", 300));
    options.page_size = config.Uint64("page_size", 500);
    options.backoff_max = std::chrono::milliseconds(config.Uint64("backoff_max_ms", 30000));
    state_->OnPod([this](const std::string& uid) { ReleasePod(uid); });
    const vigil::k8s::Resource resources[] = {
        {Kind::kPod, "/api/v1/pods", "spec.nodeName=" + node},
        {Kind::kNamespace, "/api/v1/namespaces", ""},
        {Kind::kReplicaSet, "/apis/apps/v1/replicasets", ""},
        {Kind::kDeployment, "/apis/apps/v1/deployments", ""},
        {Kind::kReplicationController, "/api/v1/replicationcontrollers", ""},
        {Kind::kJob, "/apis/batch/v1/jobs", ""},
        {Kind::kService, "/api/v1/services", ""},
    };
    for (const auto& r : resources) {
      watchers_.push_back(
          std::make_unique<vigil::k8s::Watcher>(*client_, r, *state_, log_, options));
    }
    log_.Info("watching " + endpoint->Describe() + " for the pods of node '" + node + "'");
    for (auto& w : watchers_) {
      threads_.emplace_back([this, w = w.get()] { w->Run(stop_); });
    }
    counters_ = std::thread([this] { CountLoop(); });
  }

  ~K8sPlugin() {
    stop_ = true;
    for (auto& w : watchers_) w->Wake();
    {
      std::lock_guard<std::mutex> lock(count_mu_);
      count_wake_.notify_all();
    }
    for (auto& t : threads_) t.join();
    if (counters_.joinable()) counters_.join();
  }

  std::vector<uint16_t> ParseEventTypes() { return {}; }

  vigil_rc Parse(const vigil_event_input& event) {
    const uint16_t type = vigil::sdk::EventView(event).type();
    const bool exec = type == kExecve || type == kExecveat;
    if (!exec && host_.ProcessValueView(event)) return VIGIL_OK;  // resolved already
    std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event);
    if (!p) return VIGIL_OK;
    vigil::container::CgroupContainer c = vigil::container::FromCgroups(p->cgroups);
    const std::string full_id = c.kind == vigil::container::Kind::kHost ? "" : c.full_id;
    host_.SetProcessValue(event, c.pod_uid + '\n' + full_id);
    // A pod the watch has not told of yet: hold its processes until it does.
    if (c.pod_uid.empty() || hold_.count() == 0 || watchers_.empty() || !watchers_[0]->synced() ||
        state_->HasPod(c.pod_uid)) {
      return VIGIL_OK;
    }
    if (!host_.HoldProcess(event, hold_)) return VIGIL_OK;
    host_.SetCounter("held", ++held_);
    {
      std::lock_guard<std::mutex> lock(pending_mu_);
      pending_[c.pod_uid].push_back(p->pid);
    }
    if (state_->HasPod(c.pod_uid)) ReleasePod(c.pod_uid);  // it came in meanwhile
    return VIGIL_OK;
  }

  vigil_rc Extract(const vigil_event_input& event, uint32_t n, vigil_extract_field* fields) {
    std::optional<std::string_view> value = host_.ProcessValueView(event);
    if (!value) return VIGIL_OK;
    const Resolved r = Decode(*value);
    if (r.pod_uid.empty() && r.container_id.empty()) return VIGIL_OK;  // on the host
    std::shared_ptr<const PodMeta> meta = state_->Find(r.container_id, r.pod_uid);
    if (!meta) return VIGIL_OK;
    const FieldTable& table = Table();
    for (uint32_t i = 0; i < n; ++i) {
      vigil_extract_field& f = fields[i];
      if (f.field_id >= table.defs.size()) continue;
      const FieldDef& def = table.defs[f.field_id];
      if (def.services) {
        ExtractServices(*meta, def.attr, f);
      } else if (def.attr == Attr::kIp) {
        if (!meta->ip.empty()) results().SetString(f, meta->ip);
      } else {
        ExtractMeta(Of(*meta, def.group), def.attr, f);
      }
    }
    return VIGIL_OK;
  }

 private:
  void ExtractMeta(const Meta& m, Attr attr, vigil_extract_field& f) {
    if (!m.known() && m.name.empty()) return;
    switch (attr) {
      case Attr::kName:
        if (!m.name.empty()) results().SetString(f, m.name);
        return;
      case Attr::kUid:
        if (!m.uid.empty()) results().SetString(f, m.uid);
        return;
      case Attr::kLabel:
        if (f.arg_key != nullptr) {
          if (auto it = m.labels.find(f.arg_key); it != m.labels.end()) {
            results().SetString(f, it->second);
          }
        }
        return;
      case Attr::kLabels:
        if (m.known()) results().SetStrings(f, LabelList(m.labels));
        return;
      case Attr::kIp:
        return;
    }
  }

  void ExtractServices(const PodMeta& meta, Attr attr, vigil_extract_field& f) {
    if (meta.services.empty()) return;
    std::vector<std::string> out;
    for (const Meta& s : meta.services) {
      if (attr == Attr::kName) out.push_back(s.name);
      if (attr == Attr::kUid) out.push_back(s.uid);
      if (attr == Attr::kLabels) {
        for (auto& l : LabelList(s.labels)) out.push_back(std::move(l));
      }
      if (attr == Attr::kLabel && f.arg_key != nullptr) {
        if (auto it = s.labels.find(f.arg_key); it != s.labels.end()) out.push_back(it->second);
      }
    }
    if (!out.empty()) results().SetStrings(f, out);
  }

  void ReleasePod(const std::string& uid) {
    std::vector<int64_t> pids;
    {
      std::lock_guard<std::mutex> lock(pending_mu_);
      auto it = pending_.find(uid);
      if (it == pending_.end()) return;
      pids = std::move(it->second);
      pending_.erase(it);
    }
    for (int64_t pid : pids) host_.ReleaseProcess(pid);
  }

  // Counters for the stats line, every second.
  void CountLoop() {
    std::unique_lock<std::mutex> lock(count_mu_);
    while (!stop_) {
      uint64_t lists = 0, events = 0, errors = 0;
      for (const auto& w : watchers_) {
        lists += w->lists();
        events += w->events();
        errors += w->errors();
      }
      host_.SetCounter("lists", lists);
      host_.SetCounter("watch_events", events);
      host_.SetCounter("watch_errors", errors);
      host_.SetCounter("pods", state_->size(Kind::kPod));
      host_.SetCounter("objects_dropped", state_->dropped());
      count_wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_.load(); });
    }
  }

  vigil::sdk::Host host_;
  vigil::sdk::Logger log_;
  std::chrono::milliseconds hold_{250};
  std::unique_ptr<vigil::k8s::ClusterState> state_;
  std::unique_ptr<vigil::k8s::ApiClient> client_;
  std::vector<std::unique_ptr<vigil::k8s::Watcher>> watchers_;  // pods first
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
  std::thread counters_;
  std::mutex count_mu_;
  std::condition_variable count_wake_;
  std::mutex pending_mu_;
  std::unordered_map<std::string, std::vector<int64_t>> pending_;  // pod uid -> held pids
  uint64_t held_ = 0;
};

}  // namespace

VIGIL_PLUGIN(K8sPlugin)
