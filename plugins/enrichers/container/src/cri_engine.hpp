// The CRI API client (gRPC runtime.v1 over the runtime's unix socket; CRI-O, and containerd's CRI
// plugin): a container's metadata from ContainerStatus, and its pod's from PodSandboxStatus: the
// pod's IP and CNI result, its host namespaces and the exec probes of the pod as applied. CRI-O's
// containers come only through it; containerd's come through its native API (containerd_engine.*)
// and get from here what only the CRI tells (AddPod). gRPC stays inside the .cpp.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "container_info.hpp"

namespace vigil::container {

class CriEngine {
 public:
  CriEngine(std::string socket_path, std::chrono::milliseconds timeout, size_t label_max_len);
  ~CriEngine();
  CriEngine(const CriEngine&) = delete;
  CriEngine& operator=(const CriEngine&) = delete;

  const std::string& socket_path() const { return socket_path_; }

  // The container (or pod sandbox) with this full id, with its pod; nullopt when the runtime does
  // not know it. Throws std::runtime_error naming the socket when the runtime does not answer.
  std::optional<ContainerInfo> Inspect(const std::string& id) const;
  // What the CRI tells about c's pod (c.pod.sandbox_id) that containerd's own API does not: the
  // pod's IP (also container.ip), its CNI result and c's probes. False when this runtime does not
  // know the sandbox; throws as Inspect.
  bool AddPod(ContainerInfo& c) const;

  // Follows GetContainerEvents until Cancel() or the stream ends: on_event(action, container id)
  // with "create", "start" or "destroy" (Docker's names). A runtime without the call (CRI-O before
  // 1.26, containerd before 1.7) ends it at once: lookups then go by the cache's TTL alone.
  void Watch(
      const std::function<void(std::string_view action, std::string_view id)>& on_event) const;
  void Cancel();  // ends a Watch on another thread, now and for good

 private:
  struct Impl;
  std::string socket_path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::container
