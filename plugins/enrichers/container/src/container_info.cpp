#include "container_info.hpp"

#include <fnmatch.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <stdexcept>

namespace vigil::container {

namespace {

using rapidjson::Value;

const Value* Member(const Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() || it->value.IsNull() ? nullptr : &it->value;
}
std::string String(const Value& object, const char* name) {
  const Value* v = Member(object, name);
  return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength()) : "";
}
bool Bool(const Value& object, const char* name) {
  const Value* v = Member(object, name);
  return v != nullptr && v->IsBool() && v->GetBool();
}
const Value& Object(const Value& object, const char* name) {
  static const Value kEmpty(rapidjson::kObjectType);
  const Value* v = Member(object, name);
  return v != nullptr && v->IsObject() ? *v : kEmpty;
}

bool Digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// Docker's Config.Healthcheck.Test: ["CMD", exe, args...], ["CMD-SHELL", line] or ["NONE"];
// the argv dockerd execs in the container for it (CMD-SHELL: /bin/sh -c line).
std::vector<std::string> HealthcheckArgv(const Value& config) {
  const Value* test = Member(Object(config, "Healthcheck"), "Test");
  if (test == nullptr || !test->IsArray() || test->Empty() || !(*test)[0].IsString()) return {};
  const std::string kind = (*test)[0].GetString();
  if (kind != "CMD" && kind != "CMD-SHELL") return {};
  std::vector<std::string> argv;
  if (kind == "CMD-SHELL") argv = {"/bin/sh", "-c"};
  for (rapidjson::SizeType i = 1; i < test->Size(); ++i) {
    if ((*test)[i].IsString()) argv.emplace_back((*test)[i].GetString());
  }
  return argv;
}

const Mount* FindMount(const std::vector<Mount>& mounts, std::string_view glob, bool by_dest) {
  const std::string pattern(glob);
  for (const Mount& m : mounts) {
    if (fnmatch(pattern.c_str(), (by_dest ? m.dest : m.source).c_str(), 0) == 0) return &m;
  }
  return nullptr;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool Contains(const Value* array, std::string_view item) {
  if (array == nullptr || !array->IsArray()) return false;
  for (const Value& v : array->GetArray()) {
    if (v.IsString() && std::string_view(v.GetString(), v.GetStringLength()) == item) return true;
  }
  return false;
}

// The label keys the runtimes add to a pod's containers, not the pod's own.
bool RuntimeLabel(std::string_view key) {
  return StartsWith(key, "io.kubernetes.") || StartsWith(key, "io.cri-containerd.") ||
         StartsWith(key, "io.containerd.") || key == "annotation.kubernetes.io/config.seen" ||
         key == "annotation.kubernetes.io/config.source";
}

constexpr const char* kPropagations[] = {"rprivate", "private", "rshared",
                                         "shared",   "rslave",  "slave"};

}  // namespace

std::string Mount::ToString() const {
  return source + ':' + dest + ':' + mode + ':' + (rdwr ? "true" : "false") + ':' + propagation;
}

std::string Command::ToString() const {
  std::string out;
  for (const std::string& arg : argv) {
    if (!out.empty()) out += ' ';
    out += arg;
  }
  return out;
}

bool Command::Runs(std::string_view comm, const std::vector<std::string>& args) const {
  if (argv.empty() || args.size() + 1 != argv.size()) return false;
  if (!std::equal(args.begin(), args.end(), argv.begin() + 1)) return false;
  std::string_view exe = argv[0];
  if (size_t slash = exe.rfind('/'); slash != std::string_view::npos) exe.remove_prefix(slash + 1);
  return comm == exe.substr(0, 15);
}

Check ContainerInfo::CheckOf(std::string_view comm, const std::vector<std::string>& args) const {
  if (healthcheck.Runs(comm, args)) return Check::kHealthcheck;
  if (liveness_probe.Runs(comm, args)) return Check::kLiveness;
  if (readiness_probe.Runs(comm, args)) return Check::kReadiness;
  return Check::kNone;
}

const Mount* ContainerInfo::MountAt(uint64_t index) const {
  return index < mounts.size() ? &mounts[index] : nullptr;
}
const Mount* ContainerInfo::MountBySource(std::string_view glob) const {
  return FindMount(mounts, glob, false);
}
const Mount* ContainerInfo::MountByDest(std::string_view glob) const {
  return FindMount(mounts, glob, true);
}

ImageName SplitImage(std::string_view image) {
  ImageName out;
  if (size_t at = image.find('@'); at != std::string_view::npos) {
    out.digest = std::string(image.substr(at + 1));
    image = image.substr(0, at);
  }
  // A ':' after the last '/' is the tag's; one before it is a registry's port.
  const size_t slash = image.rfind('/');
  const size_t colon = image.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    out.tag = std::string(image.substr(colon + 1));
    image = image.substr(0, colon);
  }
  out.repository = std::string(image);
  if (out.tag.empty() && out.digest.empty()) out.tag = "latest";
  return out;
}

std::optional<uint64_t> ParseRfc3339(std::string_view s) {
  std::tm tm{};
  int year, mon, day, hour, min, sec;
  if (!Digits(s, 0, 4, year) || s.size() < 19 || s[4] != '-' || !Digits(s, 5, 2, mon) ||
      s[7] != '-' || !Digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't') ||
      !Digits(s, 11, 2, hour) || s[13] != ':' || !Digits(s, 14, 2, min) || s[16] != ':' ||
      !Digits(s, 17, 2, sec)) {
    return std::nullopt;
  }
  if (year < 1970) return std::nullopt;  // Docker's "0001-01-01T00:00:00Z": never
  size_t pos = 19;
  uint64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    uint64_t scale = 100000000;
    for (++pos; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])); ++pos) {
      frac_ns += static_cast<uint64_t>(s[pos] - '0') * scale;
      scale /= 10;
    }
  }
  int64_t offset_s = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!Digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !Digits(s, pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_s = (s[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    pos += 6;
  } else if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  const int64_t epoch = static_cast<int64_t>(timegm(&tm)) - offset_s;
  if (epoch < 0) return std::nullopt;
  return static_cast<uint64_t>(epoch) * 1000000000u + frac_ns;
}

ContainerInfo ParseDockerInspect(std::string_view json, size_t label_max_len) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    throw std::runtime_error("container inspect: not a JSON object");
  }
  ContainerInfo c;
  c.full_id = String(doc, "Id");
  if (c.full_id.empty()) throw std::runtime_error("container inspect: no Id");
  c.name = String(doc, "Name");
  if (!c.name.empty() && c.name[0] == '/') c.name.erase(0, 1);
  const Value& config = Object(doc, "Config");
  c.image = String(config, "Image");
  c.image_id = String(doc, "Image");
  if (c.image_id.rfind("sha256:", 0) == 0) c.image_id.erase(0, 7);
  ImageName split = SplitImage(c.image);
  c.image_repository = std::move(split.repository);
  c.image_tag = std::move(split.tag);
  c.image_digest = std::move(split.digest);
  for (const auto& label : Object(config, "Labels").GetObject()) {
    if (!label.value.IsString() || label.value.GetStringLength() > label_max_len) continue;
    c.labels.emplace(label.name.GetString(), label.value.GetString());
  }
  c.healthcheck.argv = HealthcheckArgv(config);
  const Value& host = Object(doc, "HostConfig");
  c.privileged = Bool(host, "Privileged");
  c.host_pid = String(host, "PidMode") == "host";
  c.host_network = String(host, "NetworkMode") == "host";
  c.host_ipc = String(host, "IpcMode") == "host";
  c.created_ns = ParseRfc3339(String(doc, "Created")).value_or(0);
  if (const Value* mounts = Member(doc, "Mounts"); mounts != nullptr && mounts->IsArray()) {
    for (const Value& m : mounts->GetArray()) {
      c.mounts.push_back(Mount{String(m, "Source"), String(m, "Destination"), String(m, "Mode"),
                               String(m, "Propagation"), Bool(m, "RW")});
    }
  }
  ApplyKubernetesLabels(c);  // a pod's container under cri-dockerd
  const Value& net = Object(doc, "NetworkSettings");
  c.ip = String(net, "IPAddress");
  for (const auto& n : Object(net, "Networks").GetObject()) {
    if (!c.ip.empty()) break;
    c.ip = String(n.value, "IPAddress");
  }
  return c;
}

void ApplyKubernetesLabels(ContainerInfo& c) {
  auto label = [&](const char* key) {
    auto it = c.labels.find(key);
    return it == c.labels.end() ? std::string() : it->second;
  };
  c.pod.name = label("io.kubernetes.pod.name");
  c.pod.ns = label("io.kubernetes.pod.namespace");
  c.pod.uid = label("io.kubernetes.pod.uid");
  if (std::string name = label("io.kubernetes.container.name"); !name.empty()) c.name = name;
  // A sandbox is its own pod's sandbox.
  if (label("io.cri-containerd.kind") == "sandbox") c.pod.sandbox_id = c.full_id;
}

std::map<std::string, std::string> PodLabelsFromSandbox(
    const std::map<std::string, std::string>& sandbox_labels, size_t label_max_len) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : sandbox_labels) {
    if (!RuntimeLabel(key) && value.size() <= label_max_len) out.emplace(key, value);
  }
  return out;
}

namespace {

void ApplyOciSpecValue(const Value& doc, ContainerInfo& c) {
  if (const Value* mounts = Member(doc, "mounts"); mounts != nullptr && mounts->IsArray()) {
    for (const Value& m : mounts->GetArray()) {
      const Value* options = Member(m, "options");
      if (String(m, "type") != "bind" && !Contains(options, "bind") && !Contains(options, "rbind"))
        continue;  // proc, sysfs, tmpfs ...: the runtime's, not the user's
      Mount out{String(m, "source"), String(m, "destination"), "", "", !Contains(options, "ro")};
      for (const char* p : kPropagations) {
        if (Contains(options, p)) {
          out.propagation = p;
          break;
        }
      }
      c.mounts.push_back(std::move(out));
    }
  }
  const Value& linux = Object(doc, "linux");
  bool own_pid = false, own_net = false, own_ipc = false;
  if (const Value* ns = Member(linux, "namespaces"); ns != nullptr && ns->IsArray()) {
    for (const Value& n : ns->GetArray()) {
      const std::string type = String(n, "type");
      own_pid |= type == "pid";
      own_net |= type == "network";
      own_ipc |= type == "ipc";
    }
  }
  c.host_pid = !own_pid;
  c.host_network = !own_net;
  c.host_ipc = !own_ipc;
  const Value* masked = Member(linux, "maskedPaths");
  const Value* bounding = Member(Object(Object(doc, "process"), "capabilities"), "bounding");
  c.privileged = (masked == nullptr || (masked->IsArray() && masked->Empty())) &&
                 Contains(bounding, "CAP_SYS_ADMIN");
  const Value& annotations = Object(doc, "annotations");
  if (std::string sandbox = String(annotations, "io.kubernetes.cri.sandbox-id"); !sandbox.empty())
    c.pod.sandbox_id = sandbox;
}

}  // namespace

void ApplyOciSpec(std::string_view json, ContainerInfo& c) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw std::runtime_error("OCI spec: not a JSON object");
  ApplyOciSpecValue(doc, c);
}

void ApplyCriContainerInfo(std::string_view json, ContainerInfo& c) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    throw std::runtime_error("CRI container info: not a JSON object");
  if (const Value& spec = Object(doc, "runtimeSpec"); spec.MemberCount() > 0)
    ApplyOciSpecValue(spec, c);
  if (std::string sandbox = String(doc, "sandboxID"); !sandbox.empty()) c.pod.sandbox_id = sandbox;
  // What the kubelet asked for: containerd keeps the CRI config, CRI-O says it.
  const Value& security = Object(Object(Object(doc, "config"), "linux"), "security_context");
  c.privileged |= Bool(doc, "privileged") || Bool(security, "privileged");
}

std::string CniResultFromSandboxInfo(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  const Value* result = doc.HasParseError() ? nullptr : Member(doc, "cniResult");
  if (result == nullptr || !result->IsObject()) return "";
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> writer(out);
  result->Accept(writer);
  return std::string(out.GetString(), out.GetSize());
}

void ApplyLastAppliedProbes(std::string_view json, std::string_view container, ContainerInfo& c) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return;
  const Value* containers = Member(Object(doc, "spec"), "containers");
  if (containers == nullptr || !containers->IsArray()) return;
  // An exec probe's command, as the kubelet has the runtime exec it (no shell of its own).
  auto exec_argv = [](const Value& probe) {
    std::vector<std::string> argv;
    const Value* command = Member(Object(probe, "exec"), "command");
    if (command == nullptr || !command->IsArray()) return argv;
    for (const Value& arg : command->GetArray()) {
      if (!arg.IsString()) return std::vector<std::string>{};
      argv.emplace_back(arg.GetString(), arg.GetStringLength());
    }
    return argv;
  };
  for (const Value& spec : containers->GetArray()) {
    if (String(spec, "name") != container) continue;
    c.liveness_probe.argv = exec_argv(Object(spec, "livenessProbe"));
    c.readiness_probe.argv = exec_argv(Object(spec, "readinessProbe"));
    return;
  }
}

std::string DigestFromDockerImage(std::string_view json, std::string_view repository) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "";
  const Value* digests = Member(doc, "RepoDigests");
  if (digests == nullptr || !digests->IsArray()) return "";
  std::string first;
  for (const Value& d : digests->GetArray()) {
    if (!d.IsString()) continue;
    std::string_view s(d.GetString(), d.GetStringLength());
    const size_t at = s.find('@');
    if (at == std::string_view::npos) continue;
    if (s.substr(0, at) == repository) return std::string(s.substr(at + 1));
    if (first.empty()) first = std::string(s.substr(at + 1));
  }
  return first;
}

}  // namespace vigil::container
