// The container enricher's runtime clients and their threads: which engines are configured
// (Falco's container plugin `engines:` shape), one thread that looks ids up in the store's queue,
// and one per socket that follows its runtime's event stream. Parse and Extract never wait on
// them: they only read the store.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "containerd_engine.hpp"
#include "cri_engine.hpp"
#include "docker_engine.hpp"
#include "metadata_store.hpp"
#include "vigil/config_view.hpp"
#include "vigil/sdk.hpp"

namespace vigil::container {

struct EngineConfig {
  struct Engine {
    bool enabled = true;
    bool default_sockets = true;  // sockets not configured: the usual paths, quietly skipped
    std::vector<std::string> sockets;
  };
  Engine docker, podman, containerd, cri;
  size_t label_max_len = 100;
  std::chrono::milliseconds request_timeout{2000};

  // The plugin's config (already checked against its schema), defaults filled in.
  static EngineConfig FromConfig(const sdk::ConfigView& config);
};

class Engines {
 public:
  Engines(const EngineConfig& config, MetadataStore& store, sdk::Host host, sdk::Logger log);
  ~Engines();  // stops the store's queue and joins every thread
  Engines(const Engines&) = delete;
  Engines& operator=(const Engines&) = delete;

  // Whether some configured engine can answer for containers of this container.type.
  bool Serves(std::string_view type) const;

 private:
  using OnEvent = std::function<void(std::string_view action, std::string_view id)>;
  void LookupLoop();
  // Follows one runtime's event stream (`watch` returns when it ends, throws when it cannot
  // connect), reconnecting with backoff and jitter until stop_.
  void WatchLoop(const std::string& socket, const std::function<void(const OnEvent&)>& watch);
  void Count(const char* name, std::atomic<uint64_t>& counter);

  MetadataStore& store_;
  sdk::Host host_;
  sdk::Logger log_;
  std::vector<std::unique_ptr<DockerEngine>> docker_api_;  // docker's sockets, then podman's
  std::vector<std::unique_ptr<ContainerdEngine>> containerd_;
  std::vector<std::unique_ptr<CriEngine>> cri_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> lookups_{0}, lookup_errors_{0}, not_found_{0}, runtime_events_{0};
  std::vector<std::thread> threads_;
};

}  // namespace vigil::container
