// containerd's native API client (gRPC over its unix socket): a container's metadata from the
// containers service (labels, image, OCI spec) in whichever namespace holds it (`k8s.io` for the
// CRI's containers, `default` for ctr's, `moby` for Docker's ...), its image's digest from the
// images service, and the container and task events that keep the plugin's cache current.
// gRPC stays inside the .cpp: this header is all the rest of the plugin sees.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "container_info.hpp"

namespace vigil::container {

class ContainerdEngine {
 public:
  ContainerdEngine(std::string socket_path, std::chrono::milliseconds timeout,
                   size_t label_max_len);
  ~ContainerdEngine();
  ContainerdEngine(const ContainerdEngine&) = delete;
  ContainerdEngine& operator=(const ContainerdEngine&) = delete;

  const std::string& socket_path() const { return socket_path_; }

  // The container with this full id, from the first namespace that has it; nullopt when none
  // does. Pod fields come from the CRI's labels on it and on its pod's sandbox container.
  // Throws std::runtime_error naming the socket when containerd does not answer.
  std::optional<ContainerInfo> Inspect(const std::string& id) const;

  // Follows container and task events of every namespace until Cancel() or the stream ends:
  // on_event(action, container id) with action "create", "start" or "destroy" (Docker's names).
  // Throws as Inspect when it cannot subscribe.
  void Watch(
      const std::function<void(std::string_view action, std::string_view id)>& on_event) const;
  // Ends a Watch running on another thread, now and for good: stopping the plugin.
  void Cancel();

 private:
  struct Impl;
  std::string socket_path_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::container
