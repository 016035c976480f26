// The Docker Engine API client (also Podman's Docker-compatible service): a container's metadata
// from GET /containers/{id}/json (+ its image's registry digest), and the container events that
// keep the plugin's cache current (GET /events, streamed).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "container_info.hpp"
#include "unix_http.hpp"

namespace vigil::container {

class DockerEngine {
 public:
  DockerEngine(std::string socket_path, std::chrono::milliseconds timeout, size_t label_max_len);

  const std::string& socket_path() const { return http_.socket_path(); }

  // The container `id` (full or a unique prefix); nullopt when the runtime does not know it (404).
  // Throws std::runtime_error naming the socket on any other failure.
  std::optional<ContainerInfo> Inspect(const std::string& id) const;

  // Follows container events until `stop` or the stream ends: on_event(action, full id) for each
  // ("create", "start", "die", "destroy", ...). Throws as Inspect when it cannot (re)connect.
  void Watch(const std::function<void(std::string_view action, std::string_view id)>& on_event,
             const std::atomic<bool>& stop) const;

 private:
  UnixHttpClient http_;
  size_t label_max_len_;
};

}  // namespace vigil::container
