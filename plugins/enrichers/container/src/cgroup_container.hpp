// Which container a process runs in, from its cgroup paths: the first step of the container
// enricher, and the only one that needs no runtime. Runtimes name the cgroup of a container after
// its id, each in a shape of its own (README.md lists them):
//   docker      /docker/<id>, .../docker-<id>.scope
//   kubernetes  /kubepods/<qos>/pod<uid>/<id>, .../cri-containerd-<id>.scope, .../crio-<id>.scope
//   containerd  /<namespace>/<id>, .../<slice>:cri-containerd:<id>
//   podman      .../libpod-<id>.scope[/container]
//   lxc         /lxc/<name>, /lxc.payload.<name>
//   nspawn      /machine.slice/machine-<name>.scope
//
// cgroup v1 (a path per controller), v2 (one "0::" path) and hybrid layouts give the same answer:
// the first entry that names a container wins. A process in no container is on the host.
//
//   auto c = vigil::container::FromCgroups({"cpuset=/docker/3f4c...", "memory=/docker/3f4c..."});
//   c.kind == Kind::kDocker;  c.full_id == "3f4c...";  c.ShortId() == "3f4c5d6e7f80"
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::container {

enum class Kind {
  kHost,        // in no container: container.id "host"
  kDocker,      // Docker Engine (or Podman through its Docker-compatible cgroup names)
  kContainerd,  // containerd, directly or as the CRI runtime of a Kubernetes node
  kCrio,        // CRI-O
  kCri,         // a Kubernetes pod's container whose runtime the path does not say (cgroupfs
                // driver): the CRI runtime of the node knows
  kPodman,
  kLxc,
  kNspawn,  // systemd-nspawn
};

// Falco's container.type for a kind: "docker", "containerd", "cri-o", "cri", "podman", "lxc",
// "systemd-nspawn", "host".
const char* KindName(Kind kind);

struct CgroupContainer {
  Kind kind = Kind::kHost;
  std::string full_id;  // 64 hex digits for the runtimes that use ids; the name for lxc/nspawn
  std::string pod_uid;  // Kubernetes pods only: the pod's uid, with dashes
  std::string_view ShortId() const;  // container.id: the first 12 of a hex id, the name otherwise
};

// `cgroups` are "subsys=/path" (as the probe and the core's /proc reader give them) or bare paths.
CgroupContainer FromCgroups(const std::vector<std::string>& cgroups);
// One path; nullopt when it names no container.
std::optional<CgroupContainer> FromCgroupPath(std::string_view path);

}  // namespace vigil::container
