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
  std::string healthcheck;  // the health check's command line; empty when none
  std::string cni_json;

  // Falco's container.mount[...] lookups: by index, or the first mount whose source (dest for
  // ByDest) matches a glob.
  const Mount* MountAt(uint64_t index) const;
  const Mount* MountBySource(std::string_view glob) const;
  const Mount* MountByDest(std::string_view glob) const;
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
// GET /images/{id}/json: the registry digest among RepoDigests for `repository` ("" if none).
std::string DigestFromDockerImage(std::string_view json, std::string_view repository);

}  // namespace vigil::container
