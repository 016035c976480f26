#include "vigil/core/event_hold.hpp"

#include <algorithm>

namespace vigil::runtime {

struct EventHold::Held {
  std::vector<uint8_t> record;
  fields::EventContext ctx;  // points into `record` and `view`
  std::unique_ptr<state::SyscallViewCopy> view;
  Clock::time_point held_at;
};

struct EventHold::Process {
  Clock::time_point since, deadline;
  std::deque<std::unique_ptr<Held>> events;
};

// release_process calls, from plugins' threads, until the engine thread takes them.
class EventHold::Inbox final : public plugin_host::ProcessReleases {
 public:
  void Release(int64_t pid) override {
    std::function<void()> wake;
    {
      std::lock_guard lock(mu_);
      pids_.push_back(pid);
      has_.store(true, std::memory_order_release);
      wake = wake_;
    }
    if (wake) wake();
  }
  bool Has() const { return has_.load(std::memory_order_acquire); }
  void Take(std::vector<int64_t>* out) {
    std::lock_guard lock(mu_);
    out->swap(pids_);
    pids_.clear();
    has_.store(false, std::memory_order_relaxed);
  }
  void SetWaker(std::function<void()> wake) {
    std::lock_guard lock(mu_);
    wake_ = std::move(wake);
  }

 private:
  std::mutex mu_;
  std::vector<int64_t> pids_;
  std::atomic<bool> has_{false};
  std::function<void()> wake_;
};

EventHold::EventHold(size_t max_events)
    : max_events_(std::max<size_t>(1, max_events)), inbox_(std::make_shared<Inbox>()) {}

// Plugins may still call release_process: their releases go to an inbox nobody reads, and wake
// nobody.
EventHold::~EventHold() { inbox_->SetWaker(nullptr); }

std::shared_ptr<plugin_host::ProcessReleases> EventHold::releases() const { return inbox_; }

void EventHold::SetWaker(std::function<void()> wake) { inbox_->SetWaker(std::move(wake)); }

void EventHold::Hold(int64_t pid, Clock::time_point deadline) {
  auto [it, added] = processes_.try_emplace(pid);
  if (!added) return;
  it->second = std::make_unique<Process>();
  it->second->since = Clock::now();
  it->second->deadline = deadline;
  holds_.fetch_add(1, std::memory_order_relaxed);
}

void EventHold::Add(int64_t pid, const fields::EventContext& event, Clock::time_point now) {
  auto it = processes_.find(pid);
  if (it == processes_.end()) return;
  auto held = std::make_unique<Held>();
  held->record.assign(event.record, event.record + event.len);
  held->ctx = event;
  held->ctx.record = held->record.data();
  if (event.syscall != nullptr) {
    held->view = std::make_unique<state::SyscallViewCopy>(*event.syscall);
    held->ctx.syscall = &held->view->view();
  }
  held->held_at = now;
  it->second->events.push_back(std::move(held));
  ++waiting_;
  events_.fetch_add(1, std::memory_order_relaxed);
  waiting_pub_.store(waiting_, std::memory_order_relaxed);
}

EventHold::Clock::time_point EventHold::NextDeadline() const {
  if (processes_.empty()) return Clock::time_point::max();
  if (inbox_->Has()) return Clock::time_point::min();
  Clock::time_point next = Clock::time_point::max();
  for (const auto& [pid, p] : processes_) next = std::min(next, p->deadline);
  return next;
}

void EventHold::Finish(int64_t pid, End why, Clock::time_point now, const Run& run) {
  auto it = processes_.find(pid);
  if (it == processes_.end()) return;
  std::unique_ptr<Process> p = std::move(it->second);
  processes_.erase(it);
  std::atomic<uint64_t>& ended = why == End::kReleased     ? released_events_
                                 : why == End::kTimedOut   ? timed_out_
                                 : why == End::kOverflowed ? overflowed_
                                                           : stopped_;
  ended.fetch_add(p->events.size(), std::memory_order_relaxed);
  waiting_ -= p->events.size();
  waiting_pub_.store(waiting_, std::memory_order_relaxed);
  for (const auto& held : p->events) {
    const auto waited = std::chrono::duration_cast<std::chrono::microseconds>(now - held->held_at);
    wait_us_.Record(static_cast<uint64_t>(std::max<int64_t>(0, waited.count())));
    run(held->ctx);
  }
}

void EventHold::RunDue(Clock::time_point now, const Run& run) {
  if (processes_.empty()) return;
  if (inbox_->Has()) {
    inbox_->Take(&due_);
    for (int64_t pid : due_) Finish(pid, End::kReleased, now, run);
  }
  due_.clear();
  for (const auto& [pid, p] : processes_) {
    if (p->deadline <= now) due_.push_back(pid);
  }
  for (int64_t pid : due_) Finish(pid, End::kTimedOut, now, run);
  // Over the budget: the oldest holds go first.
  while (waiting_ > max_events_ && !processes_.empty()) {
    auto oldest = std::min_element(processes_.begin(), processes_.end(), [](auto& a, auto& b) {
      return a.second->since < b.second->since;
    });
    Finish(oldest->first, End::kOverflowed, now, run);
  }
}

void EventHold::RunAll(Clock::time_point now, const Run& run) {
  due_.clear();
  for (const auto& [pid, p] : processes_) due_.push_back(pid);
  std::sort(due_.begin(), due_.end(),
            [&](int64_t a, int64_t b) { return processes_[a]->since < processes_[b]->since; });
  for (int64_t pid : due_) Finish(pid, End::kStopped, now, run);
}

HoldCounters EventHold::counters() const {
  HoldCounters c;
  c.holds = holds_.load(std::memory_order_relaxed);
  c.events = events_.load(std::memory_order_relaxed);
  c.released = released_events_.load(std::memory_order_relaxed);
  c.timed_out = timed_out_.load(std::memory_order_relaxed);
  c.overflowed = overflowed_.load(std::memory_order_relaxed);
  c.stopped = stopped_.load(std::memory_order_relaxed);
  c.waiting = waiting_pub_.load(std::memory_order_relaxed);
  c.wait_p50_us = wait_us_.Percentile(0.5);
  c.wait_p99_us = wait_us_.Percentile(0.99);
  c.wait_max_us = wait_us_.max();
  return c;
}

}  // namespace vigil::runtime
