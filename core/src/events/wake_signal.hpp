// WakeSignal: lets one thread sleep until another changes some lock-free state, without the
// changing side taking a lock when nobody sleeps (an "eventcount").
//
//   Waiter:                                   Notifier:
//     uint32_t key = signal.PrepareWait();      <change the state (atomics)>
//     if (<state says go>) signal.CancelWait();  signal.Notify();
//     else signal.WaitUntil(key, deadline);
//
// PrepareWait and Notify each put a full fence between their own store and load, so either the
// waiter sees the new state or the notifier sees the waiter and wakes it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace vigil::events_internal {

class WakeSignal {
 public:
  uint32_t PrepareWait() {
    waiters_.fetch_add(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    return epoch_.load(std::memory_order_relaxed);
  }

  void CancelWait() { waiters_.fetch_sub(1, std::memory_order_relaxed); }

  // Sleeps until a Notify after PrepareWait returned `key`, or `deadline`.
  void WaitUntil(uint32_t key, std::chrono::steady_clock::time_point deadline) {
    {
      std::unique_lock lock(mutex_);
      cv_.wait_until(lock, deadline, [&] { return epoch_.load(std::memory_order_relaxed) != key; });
    }
    waiters_.fetch_sub(1, std::memory_order_relaxed);
  }

  // Cheap when nobody waits: a fence and a load.
  void Notify() {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (waiters_.load(std::memory_order_relaxed) == 0) return;
    {
      std::lock_guard lock(mutex_);
      epoch_.fetch_add(1, std::memory_order_relaxed);
    }
    cv_.notify_all();
  }

 private:
  std::atomic<uint32_t> waiters_{0};
  std::atomic<uint32_t> epoch_{0};  // changed under mutex_ so a wakeup cannot fall between the
                                    // waiter's check and its sleep
  std::mutex mutex_;
  std::condition_variable cv_;
};

}  // namespace vigil::events_internal
