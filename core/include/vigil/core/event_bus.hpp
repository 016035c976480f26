// The event bus: moves event records from the sources to the one engine thread.
//
// One reader thread per source calls NextBatch, validates every record with vigil_event_check
// (lengths are never trusted), and copies the valid records into that source's bounded queue.
// One engine thread takes work from all queues, a batch at a time and round-robin so no source
// starves the others, and hands each event to the EventProcessor. The hot path takes no lock and
// allocates nothing per event: records travel in reusable chunks through single-producer /
// single-consumer rings, and threads synchronise once per batch.
//
//   ReplaySource trace(...);                  // an EventSource; the caller keeps it alive
//   RuleEngine engine(...);                   // an EventProcessor
//   EventBus bus(engine, {.queue_capacity = 65536, .on_full = OnFull::kDrop});
//   bus.AddSource(trace);
//   if (Status s = bus.Start(); !s.ok()) return Fail(s);
//   ...                                       // a signal thread may call bus.RequestStop()
//   Status end = bus.Wait();                  // every source ended (EOF) and queues drained,
//                                             // or stopped and drained
//
// Lifecycle:
//   - The bus completes by itself once every source returned VIGIL_EOF or VIGIL_FAILURE and the
//     engine drained the queues (a replayed trace file ends like this).
//   - RequestStop(): readers call NextBatch no more once their current call returns (the batch it
//     returned is still queued, without waiting for room), the engine drains what is queued, then
//     everything ends. If that takes longer than `shutdown_timeout` the engine gives up on what is
//     still queued, and Wait() returns an error naming what is still running.
//   - VIGIL_TIMEOUT from a source means "nothing now": the reader calls again.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "vigil/core/status.hpp"
#include "vigil/plugin_api.h"

namespace vigil::events {

// One checked event record as the engine sees it. `record` points into the bus's own copy,
// valid during EventProcessor::Process only; its header's source_id is already stamped.
struct EventRef {
  const uint8_t* record;
  uint32_t len;
  uint32_t source_id;  // the id AddSource returned
  uint64_t evtnum;     // the bus's running event number: 1, 2, 3... in processing order
};

// The engine step. Process, OnIdle, NextTimer and OnStop run on the engine thread only, never
// concurrently.
class EventProcessor {
 public:
  virtual ~EventProcessor() = default;
  // Called once per event, in queue order within a source. Expected not to allocate or block:
  // the time it takes is the time the whole bus takes.
  virtual void Process(const EventRef& event) = 0;
  // Called when every queue is empty, at least every `idle_interval` while the bus is idle, and
  // when NextTimer() is due: timers and housekeeping go here.
  virtual void OnIdle() {}
  // When the processor next needs OnIdle even if no event comes (a held event's deadline).
  virtual std::chrono::steady_clock::time_point NextTimer() const {
    return std::chrono::steady_clock::time_point::max();
  }
  // Called once, after the last event (the bus has drained or gave up at the shutdown timeout).
  virtual void OnStop() {}
  // The bus hands over, at construction, a function that wakes the engine thread so it checks
  // NextTimer again; safe from any thread, also after the bus is gone.
  virtual void AttachWaker(std::function<void()> wake) { (void)wake; }
};

// One opened event stream; the plugin host adapts a plugin instance to this.
// All three methods are called from that source's reader thread only.
class EventSource {
 public:
  virtual ~EventSource() = default;
  // For logs and counters; must stay valid for the life of the source.
  virtual const std::string& name() const = 0;
  // As plugin_api.h next_batch: VIGIL_OK with *batch filled (records valid until the next call),
  // VIGIL_TIMEOUT (nothing now; should return within ~100 ms so stop stays prompt), VIGIL_EOF or
  // VIGIL_FAILURE.
  virtual vigil_rc NextBatch(vigil_event_batch* batch) = 0;
  // Why the last NextBatch failed.
  virtual std::string LastError() = 0;
};

// What a reader does with a batch that does not fit in its queue.
enum class OnFull {
  kBlock,  // wait for room: nothing is lost, the source is read more slowly
  kDrop,   // queue what fits, count the rest as dropped: the source is never slowed down
};

struct EventBusOptions {
  // Events each source's queue holds, at most; at least 1. The queue also holds at most 4096
  // batches, which only a source sending tiny batches to a stalled engine would notice.
  uint32_t queue_capacity = 65536;
  OnFull on_full = OnFull::kBlock;
  // After RequestStop, how long the engine keeps draining, and how long Wait() waits for readers
  // still inside NextBatch.
  std::chrono::milliseconds shutdown_timeout{5000};
  // How often OnIdle may run (see EventProcessor::OnIdle).
  std::chrono::milliseconds idle_interval{100};
};

enum class SourceState {
  kRunning,  // still being read (or not started yet)
  kEof,      // returned VIGIL_EOF
  kFailed,   // returned VIGIL_FAILURE (or an unknown code); logged with LastError()
  kStopped,  // left because of RequestStop
};
const char* SourceStateName(SourceState state);  // "running", "eof", "failed", "stopped"

// Counters of one source. Each is exact; while the bus runs, a snapshot is not atomic across
// counters. Once the bus has ended: events_read == events_queued + events_dropped, and
// events_processed == events_queued unless the shutdown timeout cut the drain short.
struct SourceCounters {
  uint64_t batches = 0;           // VIGIL_OK answers from NextBatch
  uint64_t events_read = 0;       // valid records received
  uint64_t events_queued = 0;     // ... of which entered the queue
  uint64_t events_dropped = 0;    // ... of which were lost: queue full (kDrop) or stop while full
  uint64_t invalid_records = 0;   // records that failed vigil_event_check; each one cost the rest
                                  // of its batch
  uint64_t events_processed = 0;  // handed to EventProcessor::Process

  SourceCounters& operator+=(const SourceCounters& other);
};

struct SourceStats {
  uint32_t source_id = 0;
  std::string name;
  SourceState state = SourceState::kRunning;
  SourceCounters counters;
};

struct EventBusStats {
  std::vector<SourceStats> sources;  // indexed by source id
  SourceCounters Total() const;
};

class EventBus {
 public:
  // `processor` is not owned; it must outlive the bus (see Wait() for the timeout case).
  explicit EventBus(EventProcessor& processor, EventBusOptions options = {});
  // Requests stop and waits (bounded by shutdown_timeout) for the threads to end.
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  // Registers a source before Start(). Not owned: it must outlive the bus. Returns its id, the
  // index of the call (0, 1, 2...), which is stamped into every record's header.
  uint32_t AddSource(EventSource& source);

  // Starts the reader threads and the engine thread. Once only.
  Status Start();

  // Asks everything to end (see the lifecycle above). Thread-safe, idempotent, returns at once.
  // Not async-signal-safe: call it from a normal thread (e.g. one that waits in sigwait).
  void RequestStop();

  // Blocks until the bus has ended. Ok when every source reached EOF or was stopped and the queues
  // were drained; an error naming the sources that failed, or the threads still running when the
  // shutdown timeout expired. In that last case those threads are detached: a reader stuck in
  // NextBatch still uses its source, so the caller should exit the process rather than destroy it.
  Status Wait();
  // As Wait(), but gives up at `deadline`, returning false (and the bus keeps running).
  bool WaitUntil(std::chrono::steady_clock::time_point deadline, Status* result = nullptr);

  // Thread-safe snapshots, cheap enough to poll (the first allocates).
  EventBusStats Stats() const;
  SourceCounters Counters(uint32_t source_id) const;

  // After Wait(): true when the shutdown timeout left threads running (detached). Their sources
  // and the processor are still in use, so the caller must not destroy them; exit instead.
  bool abandoned_threads() const { return abandoned_threads_; }

 private:
  class Impl;  // shared with the threads, so a detached thread never outlives its state

  Status Finish();

  std::shared_ptr<Impl> impl_;
  std::vector<std::thread> threads_;  // readers first, the engine last
  bool started_ = false;
  bool finished_ = false;
  bool abandoned_threads_ = false;
  Status result_ = Status::Ok();
};

}  // namespace vigil::events
