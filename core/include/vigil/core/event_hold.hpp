// EventHold: the events the engine keeps out of the rules until an enricher has their metadata
// (hold_process / release_process, plugin_api.h). A hold is per process (pid): once a parser
// holds a process, its events, the one being parsed included, wait here in their order, each with
// a copy of the state it saw (SyscallViewCopy), until a plugin releases the pid (from any thread)
// or the hold's deadline passes; then they run through the rules. Other processes' events never
// wait. Memory is bounded: past `max_events` held, the oldest hold ends early.
//
//   EventHold hold(65536);
//   instance.AttachReleases(hold.releases());         // release_process reaches the hold
//   // engine thread, per event, after the parsers:
//   if (hold.IsHeld(pid)) hold.Add(pid, ctx, now); else Evaluate(ctx);
//   hold.RunDue(now, [&](const fields::EventContext& e) { Evaluate(e); });  // releases, deadlines
//   hold.RunAll(...);                                  // when the bus has drained
//
// Engine thread only, except releases(), SetWaker and counters().
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "vigil/core/fields.hpp"
#include "vigil/core/latency_histogram.hpp"
#include "vigil/core/plugin_host.hpp"
#include "vigil/core/syscall_state.hpp"

namespace vigil::runtime {

struct HoldCounters {
  uint64_t holds = 0;       // processes held
  uint64_t events = 0;      // events that waited
  uint64_t released = 0;    // ... of which went to the rules at a release (metadata arrived)
  uint64_t timed_out = 0;   // ... at the deadline, without the metadata
  uint64_t overflowed = 0;  // ... early, because max_events were held
  uint64_t stopped = 0;     // ... at the end of the run
  uint64_t waiting = 0;     // held now
  uint64_t wait_p50_us = 0, wait_p99_us = 0, wait_max_us = 0;  // how long the events waited
};

class EventHold {
 public:
  using Clock = std::chrono::steady_clock;
  using Run = std::function<void(const fields::EventContext&)>;

  explicit EventHold(size_t max_events);
  ~EventHold();
  EventHold(const EventHold&) = delete;
  EventHold& operator=(const EventHold&) = delete;

  // What plugin instances hand release_process to. Safe to call from any thread, also after the
  // hold is gone (then it does nothing).
  std::shared_ptr<plugin_host::ProcessReleases> releases() const;
  // Called (from the releasing thread) after a release, to wake the engine thread.
  void SetWaker(std::function<void()> wake);

  // Starts holding `pid` until `deadline` (a held pid keeps its first deadline).
  void Hold(int64_t pid, Clock::time_point deadline);
  bool IsHeld(int64_t pid) const { return !processes_.empty() && processes_.count(pid) != 0; }
  // Keeps a copy of `event` (a syscall event of held process `pid`) and of the state it saw.
  void Add(int64_t pid, const fields::EventContext& event, Clock::time_point now);

  // Whether RunDue may have work (a release of a pid not held changes nothing). Cheap, per event.
  bool Pending() const { return !processes_.empty(); }
  // When RunDue next has work: the earliest deadline, or min when a release is waiting; max when
  // nothing is held.
  Clock::time_point NextDeadline() const;
  // Hands every event whose hold ended (released or past its deadline) to `run`, in order within
  // each process, and forgets it.
  void RunDue(Clock::time_point now, const Run& run);
  // Ends every hold (the bus has drained).
  void RunAll(Clock::time_point now, const Run& run);

  HoldCounters counters() const;

 private:
  struct Held;
  struct Process;
  class Inbox;
  enum class End { kReleased, kTimedOut, kOverflowed, kStopped };

  void Finish(int64_t pid, End why, Clock::time_point now, const Run& run);

  size_t max_events_;
  std::shared_ptr<Inbox> inbox_;
  std::unordered_map<int64_t, std::unique_ptr<Process>> processes_;
  size_t waiting_ = 0;
  std::vector<int64_t> due_;

  std::atomic<uint64_t> holds_{0}, events_{0}, released_events_{0}, timed_out_{0}, overflowed_{0},
      stopped_{0}, waiting_pub_{0};
  LatencyHistogram wait_us_;
};

}  // namespace vigil::runtime
