#include "vigil/core/output_router.hpp"

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "vigil/core/log.hpp"

namespace vigil::router {
namespace {

using Clock = std::chrono::steady_clock;

// How often, at most, an output's thread logs that its queue overflowed (the engine thread,
// which does the dropping, must not log per alert).
constexpr auto kDropLogInterval = std::chrono::seconds(10);

// The wait before retry number `attempt` (0-based). The one place the later exponential backoff
// with jitter plugs in.
Clock::duration Backoff(const RetryPolicy& policy, uint32_t /*attempt*/) { return policy.backoff; }

struct AtomicCounters {
  std::atomic<uint64_t> accepted{0}, filtered{0}, delivered{0}, retried{0}, failed{0}, rejected{0},
      dropped{0};

  OutputCounters Snapshot() const {
    auto get = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return OutputCounters{get(accepted), get(filtered), get(delivered), get(retried),
                          get(failed),   get(rejected), get(dropped)};
  }
};

void Add(std::atomic<uint64_t>& counter, uint64_t n) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

}  // namespace

// One output: its bounded queue, its thread and its counters.
class OutputRouter::Worker {
 public:
  Worker(OutputTarget& target, const OutputOptions& options, const AlertJsonOptions& json)
      : target_(target), options_(options), json_(json), ring_(options.queue_capacity) {
    jsons_.resize(options.max_batch);
    tag_ptrs_.resize(options.max_batch);
    views_.resize(options.max_batch);
  }

  const std::string& name() const { return target_.name(); }
  OutputCounters Snapshot() const { return counters_.Snapshot(); }

  // Submit path: must stay short and allocation-free (the ring is preallocated).
  void Offer(const std::shared_ptr<const Alert>& alert) {
    if (static_cast<uint32_t>(alert->priority) > static_cast<uint32_t>(options_.min_priority)) {
      Add(counters_.filtered, 1);
      return;
    }
    {
      std::lock_guard lock(mu_);
      if (closed_ || size_ == ring_.size()) {
        Add(counters_.dropped, 1);
        return;
      }
      ring_[(head_ + size_) % ring_.size()] = alert;
      ++size_;
      Add(counters_.accepted, 1);
    }
    cv_.notify_one();
  }

  void Start() {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "vigil-router");  // as top -H shows it
      Run();
    });
  }

  void RequestReopen() {
    {
      std::lock_guard lock(mu_);
      reopen_requested_ = true;
    }
    cv_.notify_one();
  }

  // Closes the queue to new alerts and sets the drain deadline; the thread ends once the queue
  // is empty or the deadline has passed.
  void BeginStop(Clock::time_point deadline) {
    {
      std::lock_guard lock(mu_);
      closed_ = true;
      stopping_ = true;
      deadline_ = deadline;
    }
    cv_.notify_one();
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
    // Never started, or ended at the deadline: what is still queued is lost.
    DropQueued("not delivered by the stop deadline");
  }

 private:
  void Run() {
    std::vector<std::shared_ptr<const Alert>> batch;
    batch.reserve(options_.max_batch);
    for (;;) {
      bool reopen = false;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return size_ > 0 || stopping_ || reopen_requested_; });
        if (reopen_requested_) {
          reopen_requested_ = false;
          reopen = true;
        } else if (size_ == 0 || Clock::now() >= deadline_) {
          return;  // stopping: drained, or out of time (Join counts the rest)
        } else {
          while (size_ > 0 && batch.size() < options_.max_batch) {
            batch.push_back(std::move(ring_[head_]));
            head_ = (head_ + 1) % ring_.size();
            --size_;
          }
        }
      }
      if (reopen) {
        DoReopen();
        continue;
      }
      DeliverBatch(batch);
      batch.clear();
      ReportQueueDrops();
    }
  }

  void DoReopen() {
    Status s = target_.Reopen();
    if (!s.ok()) log::error("output {}: reopen failed: {}", name(), s.message());
  }

  // Takes a pending reopen request, if any, so it happens between two Deliver calls.
  void ReopenIfRequested() {
    bool reopen;
    {
      std::lock_guard lock(mu_);
      reopen = reopen_requested_;
      reopen_requested_ = false;
    }
    if (reopen) DoReopen();
  }

  void Render(const std::vector<std::shared_ptr<const Alert>>& batch) {
    for (size_t i = 0; i < batch.size(); ++i) {
      jsons_[i].clear();
      AppendAlertJson(*batch[i], json_, &jsons_[i]);
      FillAlertView(*batch[i], jsons_[i], &tag_ptrs_[i], &views_[i]);
    }
  }

  void DeliverBatch(const std::vector<std::shared_ptr<const Alert>>& batch) {
    Render(batch);
    const auto n = static_cast<uint32_t>(batch.size());
    for (uint32_t attempt = 0;; ++attempt) {
      ReopenIfRequested();
      const vigil_delivery answer = target_.Deliver(views_.data(), n);
      if (answer == VIGIL_DELIVERED) {
        Add(counters_.delivered, n);
        return;
      }
      if (answer != VIGIL_RETRY_LATER) {
        Add(counters_.rejected, n);
        log::error("output {}: {} alerts rejected{}: {}", name(), n,
                   answer == VIGIL_REJECTED ? "" : " (invalid answer)", target_.LastError());
        return;
      }
      if (attempt >= options_.retry.max_retries) {
        Add(counters_.failed, n);
        log::error("output {}: {} alerts failed after {} retries: {}", name(), n, attempt,
                   target_.LastError());
        return;
      }
      if (!WaitBeforeRetry(Backoff(options_.retry, attempt))) {
        Add(counters_.dropped, n);
        log::warning("output {}: {} alerts dropped: retry would end after the stop deadline: {}",
                     name(), n, target_.LastError());
        return;
      }
      Add(counters_.retried, n);
    }
  }

  // Sleeps `wait` unless Stop's deadline would come first; false then.
  bool WaitBeforeRetry(Clock::duration wait) {
    const Clock::time_point wake = Clock::now() + wait;
    std::unique_lock lock(mu_);
    for (;;) {
      if (stopping_ && wake > deadline_) return false;
      if (Clock::now() >= wake) return true;
      cv_.wait_until(lock, wake);  // also woken by Stop, to check the deadline again
    }
  }

  void DropQueued(const char* why) {
    size_t n;
    {
      std::lock_guard lock(mu_);
      n = size_;
      for (; size_ > 0; --size_) {
        ring_[head_].reset();
        head_ = (head_ + 1) % ring_.size();
      }
    }
    if (n > 0) {
      Add(counters_.dropped, n);
      log::warning("output {}: {} alerts dropped: {}", name(), n, why);
    }
  }

  void ReportQueueDrops() {
    const uint64_t dropped = counters_.dropped.load(std::memory_order_relaxed);
    const Clock::time_point now = Clock::now();
    if (dropped == reported_dropped_ || now - last_drop_log_ < kDropLogInterval) return;
    log::warning("output {}: {} alerts dropped so far (queue of {} full)", name(), dropped,
                 options_.queue_capacity);
    reported_dropped_ = dropped;
    last_drop_log_ = now;
  }

  OutputTarget& target_;
  const OutputOptions options_;
  const AlertJsonOptions json_;
  AtomicCounters counters_;

  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_: a ring of queue_capacity slots, size_ of them in use from head_.
  std::vector<std::shared_ptr<const Alert>> ring_;
  size_t head_ = 0;
  size_t size_ = 0;
  bool closed_ = false;                                    // guarded by mu_: Submit drops
  bool stopping_ = false;                                  // guarded by mu_
  bool reopen_requested_ = false;                          // guarded by mu_
  Clock::time_point deadline_ = Clock::time_point::max();  // guarded by mu_

  std::thread thread_;

  // Output thread only: reused between batches.
  std::vector<std::string> jsons_;
  std::vector<std::vector<const char*>> tag_ptrs_;
  std::vector<vigil_alert> views_;
  uint64_t reported_dropped_ = 0;
  Clock::time_point last_drop_log_{};
};

OutputRouter::OutputRouter(RouterOptions options) : options_(std::move(options)) {}

OutputRouter::~OutputRouter() { Stop(Clock::now()); }

Status OutputRouter::AddOutput(OutputTarget& target, OutputOptions options) {
  const std::string& name = target.name();
  if (started_ || stopped_) return Status::Error("output " + name + ": added after Start");
  if (options.queue_capacity == 0) return Status::Error("output " + name + ": queue_capacity 0");
  if (options.max_batch == 0) return Status::Error("output " + name + ": max_batch 0");
  if (static_cast<uint32_t>(options.min_priority) > VIGIL_PRIORITY_DEBUG) {
    return Status::Error("output " + name + ": invalid min_priority");
  }
  for (const auto& w : workers_) {
    if (w->name() == name) return Status::Error("output " + name + ": added twice");
  }
  workers_.push_back(std::make_unique<Worker>(target, options, options_.json));
  return Status::Ok();
}

Status OutputRouter::Start() {
  if (started_ || stopped_) return Status::Error("output router: started twice");
  started_ = true;
  for (auto& w : workers_) w->Start();
  return Status::Ok();
}

void OutputRouter::Submit(std::shared_ptr<const Alert> alert) {
  if (!alert) return;
  for (auto& w : workers_) w->Offer(alert);
}

void OutputRouter::RequestReopen() {
  for (auto& w : workers_) w->RequestReopen();
}

void OutputRouter::Stop(std::chrono::steady_clock::time_point deadline) {
  if (stopped_) return;
  stopped_ = true;
  for (auto& w : workers_) w->BeginStop(deadline);
  for (auto& w : workers_) w->Join();
}

std::optional<OutputCounters> OutputRouter::Counters(std::string_view name) const {
  for (const auto& w : workers_) {
    if (w->name() == name) return w->Snapshot();
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, OutputCounters>> OutputRouter::AllCounters() const {
  std::vector<std::pair<std::string, OutputCounters>> out;
  out.reserve(workers_.size());
  for (const auto& w : workers_) out.emplace_back(w->name(), w->Snapshot());
  return out;
}

}  // namespace vigil::router
