#include "engines.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <exception>
#include <random>

namespace vigil::container {

namespace {

bool IsSocket(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// Podman's rootless services: /run/user/<uid>/podman/podman.sock for each user logged in.
std::vector<std::string> PodmanSockets() {
  std::vector<std::string> out{"/run/podman/podman.sock"};
  if (DIR* dir = opendir("/run/user")) {
    while (dirent* e = readdir(dir)) {
      if (e->d_name[0] != '.')
        out.push_back("/run/user/" + std::string(e->d_name) + "/podman/podman.sock");
    }
    closedir(dir);
  }
  std::sort(out.begin() + 1, out.end());
  return out;
}

EngineConfig::Engine ReadEngine(const sdk::ConfigView& engines, const char* name,
                                std::vector<std::string> defaults) {
  EngineConfig::Engine e;
  sdk::ConfigView c = engines.Object(name);
  e.enabled = c.Bool("enabled", true);
  e.default_sockets = !c.Has("sockets");
  e.sockets = e.default_sockets ? std::move(defaults) : c.Strings("sockets");
  return e;
}

}  // namespace

EngineConfig EngineConfig::FromConfig(const sdk::ConfigView& config) {
  EngineConfig out;
  out.label_max_len = config.Uint64("label_max_len", 100);
  out.request_timeout = std::chrono::milliseconds(config.Uint64("request_timeout_ms", 2000));
  sdk::ConfigView engines = config.Object("engines");
  out.docker = ReadEngine(engines, "docker", {"/var/run/docker.sock"});
  out.podman = ReadEngine(engines, "podman", PodmanSockets());
  out.containerd =
      ReadEngine(engines, "containerd",
                 {"/run/containerd/containerd.sock", "/run/k3s/containerd/containerd.sock",
                  "/run/host-containerd/containerd.sock"});
  // The CRI: CRI-O's, and containerd's CRI plugin (on the same socket as its own API).
  out.cri = ReadEngine(engines, "cri",
                       {"/run/crio/crio.sock", "/run/containerd/containerd.sock",
                        "/run/k3s/containerd/containerd.sock"});
  return out;
}

Engines::Engines(const EngineConfig& config, MetadataStore& store, sdk::Host host, sdk::Logger log)
    : store_(store), host_(host), log_(log) {
  // The sockets of an engine to follow. One that is not there yet is followed anyway when
  // configured: the runtime may start after vigil.
  auto sockets = [&](const EngineConfig::Engine& engine, const char* name) {
    std::vector<std::string> out;
    if (!engine.enabled) return out;
    for (const std::string& socket : engine.sockets) {
      if (!IsSocket(socket)) {
        std::string what = std::string("engines.") + name + ": " + socket +
                           ": no socket there (yet); its containers get metadata once it is";
        engine.default_sockets ? log_.Debug(what) : log_.Warning(what);
        if (engine.default_sockets) continue;
      }
      out.push_back(socket);
    }
    return out;
  };
  for (const auto& [engine, name] :
       {std::pair{&config.docker, "docker"}, std::pair{&config.podman, "podman"}}) {
    for (const std::string& socket : sockets(*engine, name)) {
      docker_api_.push_back(
          std::make_unique<DockerEngine>(socket, config.request_timeout, config.label_max_len));
    }
  }
  for (const std::string& socket : sockets(config.containerd, "containerd")) {
    containerd_.push_back(
        std::make_unique<ContainerdEngine>(socket, config.request_timeout, config.label_max_len));
  }
  for (const std::string& socket : sockets(config.cri, "cri")) {
    cri_.push_back(
        std::make_unique<CriEngine>(socket, config.request_timeout, config.label_max_len));
  }
  threads_.emplace_back([this] { LookupLoop(); });
  for (const auto& engine : docker_api_) {
    threads_.emplace_back([this, e = engine.get()] {
      WatchLoop(e->socket_path(), [&](const OnEvent& on_event) { e->Watch(on_event, stop_); });
    });
  }
  for (const auto& engine : containerd_) {
    threads_.emplace_back([this, e = engine.get()] {
      WatchLoop(e->socket_path(), [&](const OnEvent& on_event) { e->Watch(on_event); });
    });
  }
  for (const auto& engine : cri_) {
    threads_.emplace_back([this, e = engine.get()] {
      WatchLoop(e->socket_path(), [&](const OnEvent& on_event) { e->Watch(on_event); });
    });
  }
}

Engines::~Engines() {
  stop_ = true;
  for (const auto& engine : containerd_) engine->Cancel();
  for (const auto& engine : cri_) engine->Cancel();
  store_.Stop();
  for (std::thread& t : threads_) t.join();
}

bool Engines::Serves(std::string_view type) const {
  if (type == "docker" || type == "podman") return !docker_api_.empty();
  if (type == "containerd") return !containerd_.empty() || !cri_.empty();
  if (type == "cri-o") return !cri_.empty();
  // A pod's container whose runtime the cgroup does not name: containerd, CRI-O or cri-dockerd's
  // Docker.
  return type == "cri" && (!containerd_.empty() || !docker_api_.empty() || !cri_.empty());
}

void Engines::Count(const char* name, std::atomic<uint64_t>& counter) {
  host_.SetCounter(name, ++counter);
}

void Engines::LookupLoop() {
  while (std::optional<std::string> id = store_.NextRequest()) {
    Count("lookups", lookups_);
    log_.Debug("looking up container " + *id);
    std::optional<ContainerInfo> found;
    // Each engine in turn until one knows the id; one that fails is counted and skipped.
    auto ask = [&](const std::string& socket, auto inspect) {
      if (found) return;
      try {
        found = inspect();
      } catch (const std::exception& e) {
        if (lookup_errors_ == 0 || IsSocket(socket)) {
          log_.Warning(std::string("lookup of container ") + id->substr(0, 12) + ": " + e.what());
        }
        Count("lookup_errors", lookup_errors_);
      }
    };
    for (const auto& e : docker_api_) ask(e->socket_path(), [&] { return e->Inspect(*id); });
    for (const auto& e : containerd_) ask(e->socket_path(), [&] { return e->Inspect(*id); });
    for (const auto& e : cri_) ask(e->socket_path(), [&] { return e->Inspect(*id); });
    // A pod's container found through containerd's own API: what only the CRI tells.
    if (found && !found->pod.sandbox_id.empty() && found->pod.ip.empty()) {
      for (const auto& e : cri_) {
        try {
          if (e->AddPod(*found)) break;
        } catch (const std::exception& ex) {
          log_.Debug(std::string("pod of container ") + id->substr(0, 12) + ": " + ex.what());
        }
      }
    }
    MetadataStore::InfoPtr info;
    if (found) {
      info = std::make_shared<const ContainerInfo>(std::move(*found));
    } else {
      Count("not_found", not_found_);
      log_.Debug("container " + *id + ": no runtime knows it");
    }
    for (int64_t pid : store_.Complete(*id, std::move(info))) host_.ReleaseProcess(pid);
    host_.SetCounter("cache_size", store_.size());
  }
}

void Engines::WatchLoop(const std::string& socket,
                        const std::function<void(const OnEvent&)>& watch) {
  std::minstd_rand jitter(std::random_device{}());
  std::chrono::milliseconds backoff(500);
  bool warned = false;
  const OnEvent on_event = [&](std::string_view action, std::string_view id) {
    backoff = std::chrono::milliseconds(500);  // connected: start over after a drop
    Count("runtime_events", runtime_events_);
    log_.Debug("runtime event " + std::string(action) + " " + std::string(id));
    if (action == "create" || action == "start") store_.Prefetch(std::string(id));
    if (action == "destroy") store_.Destroyed(std::string(id));
  };
  while (!stop_) {
    try {
      watch(on_event);
      warned = false;
    } catch (const std::exception& e) {
      if (!warned && IsSocket(socket)) log_.Warning(std::string("events: ") + e.what());
      warned = true;
    }
    // Reconnect with exponential backoff and jitter, up to 30 s, waking for stop.
    const auto wait = backoff + std::chrono::milliseconds(jitter() % (backoff.count() / 2 + 1));
    for (auto slept = std::chrono::milliseconds(0); slept < wait && !stop_;
         slept += std::chrono::milliseconds(100)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(30000));
  }
}

}  // namespace vigil::container
