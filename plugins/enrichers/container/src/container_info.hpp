// What a runtime tells about a container, in the shape of Falco's container.* fields, and the
// parsers from the runtimes' answers to it. Pure functions: the clients (docker_engine.*) fetch,
// these read, the plugin renders.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::container {

struct Mount {
  std::string source, dest, mode, propagation;
  bool rdwr = false;
  // Falco's rendering: "source:dest:mode:rdwr:propagation" (rdwr is true/false).
  std::string ToString() const;
};

// A Kubernetes pod, as the CRI runtime names it on the pod's containers (Falco's k8s.pod.* and
// k8s.ns.name of its container plugin). Empty name: not a pod's container.
struct PodInfo {
  std::string name, ns, uid;
  std::string sandbox_id;  // the full id of the pod's sandbox ("pause") container
  std::map<std::string, std::string> labels;
  std::string ip, cni_json;
};

// A command the runtime execs in the container to check on it: Docker's health check, a
// Kubernetes exec probe.
struct Command {
  std::vector<std::string> argv;  // as the runtime execs it; empty: none
  // Falco's rendering: the arguments joined by spaces.
  std::string ToString() const;
  // Whether a process just exec'd with this comm and these arguments (argv[1..]) runs it: the
  // same arguments, the comm argv[0]'s name (as the kernel keeps it: 15 characters).
  bool Runs(std::string_view comm, const std::vector<std::string>& args) const;
};

// Which of a container's checks a process runs (proc.is_container_healthcheck and the probes).
enum class Check : char { kNone = '0', kHealthcheck = 'h', kLiveness = 'l', kReadiness = 'r' };

struct ContainerInfo {
  std::string full_id, name;
  std::string image;     // as the container was created from: "nginx:1.25", "localhost/a/b:1"
  std::string image_id;  // the image's digest, hex without "sha256:"
  std::string image_repository, image_tag, image_digest;  // digest with its "sha256:"
  bool privileged = false, host_pid = false, host_network = false, host_ipc = false;
  std::vector<Mount> mounts;
  std::map<std::string, std::string> labels;  // those up to label_max_len bytes
  uint64_t created_ns = 0;                    // container.start_ts, as Falco: the creation time
  std::string ip;
  Command healthcheck, liveness_probe, readiness_probe;

  std::string cni_json;
  PodInfo pod;

  // Falco's container.mount[...] lookups: by index, or the first mount whose source (dest for
  // ByDest) matches a glob.
  const Mount* MountAt(uint64_t index) const;
  const Mount* MountBySource(std::string_view glob) const;
  const Mount* MountByDest(std::string_view glob) const;
  // The check a process just exec'd with this comm and these arguments runs, if any.
  Check CheckOf(std::string_view comm, const std::vector<std::string>& args) const;
};

struct ImageName {
  std::string repository, tag, digest;
};
// Splits "registry:port/path/name:tag@sha256:hex" as Falco does: the repository keeps the
// registry when the name has one; the tag is "latest" when neither tag nor digest is given.
ImageName SplitImage(std::string_view image);

// An RFC 3339 time with optional fraction and offset ("2024-01-02T03:04:05.123456789Z") as ns
// since the epoch; nullopt when it is not one, or Docker's zero time.
std::optional<uint64_t> ParseRfc3339(std::string_view text);

// Docker Engine API: GET /containers/{id}/json. Throws std::runtime_error naming the problem when
// `json` is not a container object. Labels over `label_max_len` bytes are left out, as Falco.
ContainerInfo ParseDockerInspect(std::string_view json, size_t label_max_len);
// The pod names a CRI runtime puts in a container's labels (io.kubernetes.pod.name, .namespace,
// .uid; the sandbox id of containerd's CRI) into c.pod, and the container's name in its pod
// (io.kubernetes.container.name) into c.name, as Falco names a Kubernetes container.
void ApplyKubernetesLabels(ContainerInfo& c);
// The pod's labels from the labels of its sandbox container, where the CRI keeps them, without
// the ones the runtime adds (io.kubernetes.*, io.cri-containerd.*); over `label_max_len` left out.
std::map<std::string, std::string> PodLabelsFromSandbox(
    const std::map<std::string, std::string>& sandbox_labels, size_t label_max_len);

// An OCI runtime spec (config.json; containerd keeps it with the container): the bind mounts (what
// `docker inspect` lists as Mounts), the namespaces shared with the host (those the spec does not
// make), privileged (every capability and no masked paths, as --privileged and the CRI's
// privileged make it) and the annotations CRI puts there (the pod's sandbox id). Throws
// std::runtime_error when `json` is not a spec object.
void ApplyOciSpec(std::string_view json, ContainerInfo& c);

// The CRI's verbose container info (ContainerStatus' info["info"], containerd's and CRI-O's): the
// OCI spec in it (as ApplyOciSpec), the pod's sandbox id and whether the kubelet asked for
// privileged. Throws std::runtime_error when `json` is not an object.
void ApplyCriContainerInfo(std::string_view json, ContainerInfo& c);
// The CNI result in the CRI's verbose pod sandbox info (PodSandboxStatus' info["info"]), as
// compact JSON: Falco's container.cni.json. "" when there is none.
std::string CniResultFromSandboxInfo(std::string_view json);

// A pod's `kubectl.kubernetes.io/last-applied-configuration` annotation (the pod as applied, JSON):
// the exec liveness and readiness probes of its container `container` into c, as Falco finds
// them. Anything else (no such container, no exec probe, not JSON) leaves c as it is.
void ApplyLastAppliedProbes(std::string_view json, std::string_view container, ContainerInfo& c);

// GET /images/{id}/json: the registry digest among RepoDigests for `repository` ("" if none).
std::string DigestFromDockerImage(std::string_view json, std::string_view repository);

}  // namespace vigil::container
