// The container enricher's cache of runtime metadata, shared by the engine thread (Parse, Extract)
// and the plugin's worker threads (lookups, event streams). Bounded in size; entries expire after
// a TTL (a miss — the runtime did not know the id, or did not answer — after a shorter one, so a
// container is asked about again soon; a destroyed container's entry after `destroyed_ttl`, since
// its events come out of the core's queue well after the runtime said it is gone). Also the queue
// of ids to look up and, per id, the pids whose events the core holds until the answer is in.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "container_info.hpp"

namespace vigil::container {

class MetadataStore {
 public:
  using Clock = std::chrono::steady_clock;
  using InfoPtr = std::shared_ptr<const ContainerInfo>;  // null: looked up, nothing known

  struct Limits {
    size_t max_containers = 4096;
    std::chrono::milliseconds ttl = std::chrono::minutes(10);
    std::chrono::milliseconds miss_ttl = std::chrono::seconds(5);
    std::chrono::milliseconds destroyed_ttl = std::chrono::seconds(60);
  };
  explicit MetadataStore(Limits limits) : limits_(limits) {}

  // What the cache holds for `id` (null for a miss), fresh or stale; nullopt if nothing. A stale
  // entry still answers: Want refreshes it without a hold.
  std::optional<InfoPtr> Find(const std::string& id) const;

  enum class Want { kKnown, kWaiting };
  // Engine thread. kKnown: a fresh entry is there (a stale one is queued for refresh). kWaiting:
  // `pid` (if >= 0) is now among the id's waiters, and the id is queued unless it already was.
  Want Request(const std::string& id, int64_t pid);
  // Number of ids being looked up: a lock-free check before Request for every event.
  size_t pending() const { return pending_count_.load(std::memory_order_relaxed); }
  bool IsPending(const std::string& id) const;

  // Worker threads: the next id to look up; nullopt once Stop() was called.
  std::optional<std::string> NextRequest();
  // Stores the answer and returns the pids that waited for it (to release their holds).
  std::vector<int64_t> Complete(const std::string& id, InfoPtr info);
  // A started container: look it up now, before its first process needs it.
  void Prefetch(const std::string& id);
  // A destroyed container: what is known of it still answers for destroyed_ttl, then goes.
  void Destroyed(const std::string& id);
  void Stop();

  size_t size() const;
  // Changes whenever an entry does (stored, refreshed, destroyed, dropped): what Find answered is
  // still the answer while it has not changed. Lock-free.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  struct Entry {
    InfoPtr info;
    Clock::time_point stored;
    std::optional<Clock::time_point> destroyed;
  };
  bool Fresh(const Entry& e, Clock::time_point now) const;
  void QueueLocked(const std::string& id);
  void EvictLocked(Clock::time_point now);

  const Limits limits_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<std::string, Entry> entries_;
  std::unordered_map<std::string, std::vector<int64_t>> pending_;  // queued or being looked up
  std::atomic<size_t> pending_count_{0};  // pending_.size(), read without the lock
  std::atomic<uint64_t> generation_{0};   // bumped under the lock with every change of entries_
  std::deque<std::string> queue_;
  bool stopped_ = false;
};

}  // namespace vigil::container
