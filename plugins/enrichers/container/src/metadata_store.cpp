#include "metadata_store.hpp"

#include <algorithm>

namespace vigil::container {

bool MetadataStore::Fresh(const Entry& e, Clock::time_point now) const {
  if (e.destroyed) return now - *e.destroyed < limits_.destroyed_ttl;
  return now - e.stored < (e.info ? limits_.ttl : limits_.miss_ttl);
}

std::optional<MetadataStore::InfoPtr> MetadataStore::Find(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return std::nullopt;
  return it->second.info;
}

MetadataStore::Want MetadataStore::Request(const std::string& id, int64_t pid) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.destroyed && !Fresh(it->second, Clock::now())) {
    entries_.erase(it);  // long gone: a new container of that id, if any, is asked about
    generation_.fetch_add(1, std::memory_order_release);
    it = entries_.end();
  }
  if (it != entries_.end()) {
    if (!Fresh(it->second, Clock::now()) && !pending_.count(id)) QueueLocked(id);
    // A stale hit still answers; a stale miss is asked about again, and waited for.
    if (it->second.info || Fresh(it->second, Clock::now())) return Want::kKnown;
  }
  if (!pending_.count(id)) QueueLocked(id);
  if (pid >= 0) {
    std::vector<int64_t>& waiters = pending_[id];
    if (std::find(waiters.begin(), waiters.end(), pid) == waiters.end()) waiters.push_back(pid);
  }
  return Want::kWaiting;
}

bool MetadataStore::IsPending(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return pending_.count(id) != 0;
}

void MetadataStore::QueueLocked(const std::string& id) {
  pending_.emplace(id, std::vector<int64_t>{});
  pending_count_.store(pending_.size(), std::memory_order_relaxed);
  queue_.push_back(id);
  wake_.notify_one();
}

std::optional<std::string> MetadataStore::NextRequest() {
  std::unique_lock lock(mutex_);
  wake_.wait(lock, [&] { return stopped_ || !queue_.empty(); });
  if (stopped_) return std::nullopt;
  std::string id = std::move(queue_.front());
  queue_.pop_front();
  return id;
}

std::vector<int64_t> MetadataStore::Complete(const std::string& id, InfoPtr info) {
  std::lock_guard lock(mutex_);
  const Clock::time_point now = Clock::now();
  Entry& entry = entries_[id];
  // The runtime forgets a destroyed container: a late miss does not replace what was known.
  if (info || !entry.info || !entry.destroyed) entry = Entry{std::move(info), now, std::nullopt};
  EvictLocked(now);
  generation_.fetch_add(1, std::memory_order_release);
  std::vector<int64_t> waiters;
  if (auto it = pending_.find(id); it != pending_.end()) {
    waiters = std::move(it->second);
    pending_.erase(it);
    pending_count_.store(pending_.size(), std::memory_order_relaxed);
  }
  return waiters;
}

void MetadataStore::EvictLocked(Clock::time_point now) {
  if (entries_.size() <= limits_.max_containers) return;
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = Fresh(it->second, now) ? std::next(it) : entries_.erase(it);
  }
  while (entries_.size() > limits_.max_containers) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
      return a.second.stored < b.second.stored;
    });
    entries_.erase(oldest);
  }
}

void MetadataStore::Prefetch(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end() && it->second.info && Fresh(it->second, Clock::now())) return;
  if (!pending_.count(id)) QueueLocked(id);
}

void MetadataStore::Destroyed(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(id);
  if (it != entries_.end() && !it->second.destroyed) it->second.destroyed = Clock::now();
}

void MetadataStore::Stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  wake_.notify_all();
}

size_t MetadataStore::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace vigil::container
