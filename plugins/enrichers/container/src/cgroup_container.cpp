#include "cgroup_container.hpp"

#include <algorithm>

namespace vigil::container {
namespace {

bool IsHexId(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// "<prefix><64 hex>.scope" -> the id; "" otherwise.
std::string_view ScopeId(std::string_view component, std::string_view prefix) {
  if (!StartsWith(component, prefix) || !EndsWith(component, ".scope")) return {};
  std::string_view id = component.substr(prefix.size(), component.size() - prefix.size() - 6);
  return IsHexId(id) ? id : std::string_view();
}

// systemd escapes unit name bytes as \xNN ("-" in a machine name is "\x2d").
std::string SystemdUnescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex(s[i + 2]) >= 0 &&
        hex(s[i + 3]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 2]) * 16 + hex(s[i + 3])));
      i += 3;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The pod uid a Kubernetes cgroup component names: "pod<uid>" (cgroupfs driver) or
// "kubepods-<qos>-pod<uid with _ for ->.slice" (systemd driver).
std::string PodUid(std::string_view component) {
  std::string_view uid;
  if (StartsWith(component, "pod")) {
    uid = component.substr(3);
  } else if (StartsWith(component, "kubepods-") && EndsWith(component, ".slice")) {
    size_t at = component.rfind("-pod");
    if (at == std::string_view::npos) return "";
    uid = component.substr(at + 4, component.size() - at - 4 - 6);
  } else {
    return "";
  }
  std::string out(uid);
  std::replace(out.begin(), out.end(), '_', '-');
  if (out.size() != 36 || std::count(out.begin(), out.end(), '-') != 4) return "";
  return out;
}

std::vector<std::string_view> Components(std::string_view path) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view c =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!c.empty()) out.push_back(c);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

}  // namespace

const char* KindName(Kind kind) {
  switch (kind) {
    case Kind::kHost:
      return "host";
    case Kind::kDocker:
      return "docker";
    case Kind::kContainerd:
      return "containerd";
    case Kind::kCrio:
      return "cri-o";
    case Kind::kCri:
      return "cri";
    case Kind::kPodman:
      return "podman";
    case Kind::kLxc:
      return "lxc";
    case Kind::kNspawn:
      return "systemd-nspawn";
  }
  return "host";
}

std::string_view CgroupContainer::ShortId() const {
  std::string_view id = full_id;
  return IsHexId(id) ? id.substr(0, 12) : id;
}

std::optional<CgroupContainer> FromCgroupPath(std::string_view path) {
  const std::vector<std::string_view> parts = Components(path);
  bool kubepods = false, docker_dir = false;
  std::string pod_uid;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string_view c = parts[i];
    auto found = [&](Kind kind, std::string_view id) {
      CgroupContainer out;
      out.kind = kind;
      out.full_id = std::string(id);
      out.pod_uid = pod_uid;
      return std::optional<CgroupContainer>(std::move(out));
    };
    if (StartsWith(c, "kubepods")) kubepods = true;
    if (kubepods && pod_uid.empty()) pod_uid = PodUid(c);
    if (c == "docker") docker_dir = true;

    if (auto id = ScopeId(c, "docker-"); !id.empty()) return found(Kind::kDocker, id);
    if (auto id = ScopeId(c, "cri-containerd-"); !id.empty()) return found(Kind::kContainerd, id);
    if (auto id = ScopeId(c, "crio-"); !id.empty()) return found(Kind::kCrio, id);
    if (auto id = ScopeId(c, "libpod-"); !id.empty()) return found(Kind::kPodman, id);
    // containerd under a systemd slice with the cgroupfs naming: "<slice>:cri-containerd:<id>".
    if (size_t colon = c.rfind(':'); colon != std::string_view::npos) {
      std::string_view id = c.substr(colon + 1);
      std::string_view rest = c.substr(0, colon);
      if (IsHexId(id)) {
        if (EndsWith(rest, ":cri-containerd")) return found(Kind::kContainerd, id);
        if (EndsWith(rest, ":crio")) return found(Kind::kCrio, id);
        if (EndsWith(rest, ":docker")) return found(Kind::kDocker, id);
      }
    }
    if (IsHexId(c)) {
      if (docker_dir) return found(Kind::kDocker, c);
      if (kubepods) return found(Kind::kCri, c);
      // containerd's own layout: /<namespace>/<id>.
      if (parts.size() == 2 && i == 1) return found(Kind::kContainerd, c);
    }
    if (c == "lxc" && i + 1 < parts.size()) return found(Kind::kLxc, parts[i + 1]);
    if (StartsWith(c, "lxc.payload.") && c.size() > 12) return found(Kind::kLxc, c.substr(12));
    if (StartsWith(c, "machine-") && EndsWith(c, ".scope") && i > 0 &&
        parts[i - 1] == "machine.slice") {
      std::string name = SystemdUnescape(c.substr(8, c.size() - 8 - 6));
      // libvirt's QEMU machines are virtual machines, not containers.
      if (!name.empty() && !StartsWith(name, "qemu-")) return found(Kind::kNspawn, name);
    }
  }
  return std::nullopt;
}

CgroupContainer FromCgroups(const std::vector<std::string>& cgroups) {
  for (const std::string& entry : cgroups) {
    std::string_view path = entry;
    if (size_t eq = path.find('='); eq != std::string_view::npos && path.find('/') > eq) {
      path = path.substr(eq + 1);
    }
    if (auto c = FromCgroupPath(path)) return *c;
  }
  CgroupContainer host;
  host.full_id = "host";
  return host;
}

}  // namespace vigil::container
