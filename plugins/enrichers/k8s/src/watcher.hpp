// One resource kept current with the API server's list+watch: a paginated list (limit/continue)
// replaces what the state holds of it, then a watch from the list's resourceVersion applies the
// changes, with bookmarks (allowWatchBookmarks) moving the version on while nothing changes. A
// watch that ends is resumed from the last version seen; "410 Gone" (the version is too old, or
// a list's continue token expired) starts over with a fresh list; any other failure (refused
// token, dropped connection, bad JSON) is logged and retried after a backoff with jitter.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "api_client.hpp"
#include "cluster_state.hpp"
#include "vigil/sdk.hpp"

namespace vigil::k8s {

struct Resource {
  Kind kind;
  std::string path;            // "/api/v1/pods", "/apis/apps/v1/replicasets", ...
  std::string field_selector;  // "spec.nodeName=node-1", or ""
};

struct WatchOptions {
  size_t page_size = 500;
  std::chrono::seconds watch_timeout{300};  // asked of the server (timeoutSeconds); silence
                                            // beyond it and a minute is a dead connection
  std::chrono::milliseconds backoff_min{500}, backoff_max{30000};
};

class Watcher {
 public:
  Watcher(const ApiClient& client, Resource resource, ClusterState& state, sdk::Logger log,
          WatchOptions options);

  // Lists and watches until `stop` (set it, then Wake()).
  void Run(const std::atomic<bool>& stop);
  void Wake();

  uint64_t lists() const { return lists_; }    // full lists made (the first, and relists)
  uint64_t events() const { return events_; }  // watch events applied
  uint64_t errors() const { return errors_; }  // failures retried after a backoff
  bool synced() const { return synced_; }      // a list has been applied

 private:
  std::string List();                                          // returns the list's resourceVersion
  bool Watch(std::string& rv, const std::atomic<bool>& stop);  // false: relist
  std::string Target(bool watch, const std::string& rv, const std::string& cont) const;
  void Sleep(std::chrono::milliseconds d, const std::atomic<bool>& stop);

  const ApiClient& client_;
  Resource resource_;
  ClusterState& state_;
  sdk::Logger log_;
  WatchOptions options_;
  std::atomic<uint64_t> lists_{0}, events_{0}, errors_{0};
  std::atomic<bool> synced_{false};
  std::mutex mu_;
  std::condition_variable wake_;
};

}  // namespace vigil::k8s
