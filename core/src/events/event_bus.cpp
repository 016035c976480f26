#include "vigil/core/event_bus.hpp"

#include <pthread.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <condition_variable>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <system_error>

#include "source_queue.hpp"
#include "vigil/core/log.hpp"
#include "vigil/event_record.h"
#include "wake_signal.hpp"

namespace vigil::events {

using events_internal::Chunk;
using events_internal::kCacheLine;
using events_internal::SourceQueue;
using events_internal::WakeSignal;
using Clock = std::chrono::steady_clock;

namespace {

constexpr size_t kLenOffset = offsetof(vigil_event_header, len);
constexpr size_t kSourceIdOffset = offsetof(vigil_event_header, source_id);

// A blocked reader re-checks at least this often, in case a wakeup is ever missed.
constexpr auto kReaderRecheck = std::chrono::milliseconds(100);
// Wait() gives the engine this long past the shutdown timeout to notice it and return.
constexpr auto kEngineExitGrace = std::chrono::milliseconds(500);

const char* CheckErrorName(int rc) {
  switch (rc) {
    case VIGIL_EVENT_TRUNCATED:
      return "truncated record";
    case VIGIL_EVENT_BAD_LEN:
      return "bad record length";
    case VIGIL_EVENT_BAD_PARAMS:
      return "parameter lengths do not fill the record";
    default:
      return "invalid record";
  }
}

}  // namespace

const char* SourceStateName(SourceState state) {
  switch (state) {
    case SourceState::kRunning:
      return "running";
    case SourceState::kEof:
      return "eof";
    case SourceState::kFailed:
      return "failed";
    case SourceState::kStopped:
      return "stopped";
  }
  return "?";
}

namespace {

// Counters have a single writer each, so they are bumped with a plain load + store. Release, so
// that a snapshot reading downstream counters first (acquire) never sees more events downstream
// than upstream.
void Bump(std::atomic<uint64_t>& counter, uint64_t n) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_release);
}

}  // namespace

SourceCounters& SourceCounters::operator+=(const SourceCounters& other) {
  batches += other.batches;
  events_read += other.events_read;
  events_queued += other.events_queued;
  events_dropped += other.events_dropped;
  invalid_records += other.invalid_records;
  events_processed += other.events_processed;
  return *this;
}

SourceCounters EventBusStats::Total() const {
  SourceCounters total;
  for (const SourceStats& source : sources) total += source.counters;
  return total;
}

// Everything the threads share. Held by shared_ptr so that a thread the bus had to detach
// (stuck in NextBatch past the shutdown timeout) never touches freed memory.
class EventBus::Impl {
 public:
  struct Source {
    Source(EventSource& s, uint32_t source_id, uint32_t capacity)
        : source(&s), id(source_id), name(s.name()), queue(capacity) {}

    EventSource* source;
    const uint32_t id;
    const std::string name;
    SourceQueue queue;
    // Written by the reader thread.
    std::atomic<uint64_t> batches{0};
    std::atomic<uint64_t> events_read{0};
    std::atomic<uint64_t> events_queued{0};
    std::atomic<uint64_t> events_dropped{0};
    std::atomic<uint64_t> invalid_records{0};
    std::atomic<SourceState> state{SourceState::kRunning};
    std::string failure;  // why it failed; written before `state` becomes kFailed
    // Written by the engine thread; its own cache line so the reader's counters do not bounce it.
    alignas(kCacheLine) std::atomic<uint64_t> events_processed{0};
  };

  Impl(EventProcessor& processor, EventBusOptions options)
      : processor_(processor), options_(options) {}

  void ReaderMain(Source& source);
  void EngineMain();
  void RequestStop();

  SourceCounters CountersOf(const Source& source) const {
    SourceCounters c;
    // Read in pipeline order (processed before queued before read), so a snapshot never shows
    // more events downstream than upstream.
    c.events_processed = source.events_processed.load(std::memory_order_acquire);
    c.invalid_records = source.invalid_records.load(std::memory_order_relaxed);
    c.events_dropped = source.events_dropped.load(std::memory_order_relaxed);
    c.events_queued = source.events_queued.load(std::memory_order_acquire);
    c.events_read = source.events_read.load(std::memory_order_acquire);
    c.batches = source.batches.load(std::memory_order_relaxed);
    return c;
  }

  EventProcessor& processor_;
  const EventBusOptions options_;
  std::vector<std::unique_ptr<Source>> sources_;  // fixed once started

  std::atomic<bool> stop_requested_{false};
  std::atomic<Clock::rep> stop_deadline_{0};  // engine stops draining here (time_since_epoch)
  std::atomic<size_t> readers_ended_{0};
  WakeSignal engine_signal_;

  // Thread completion, for Wait(). Index: sources' readers, then the engine.
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
  std::vector<bool> thread_done_;  // guarded by done_mutex_
  size_t threads_running_ = 0;     // guarded by done_mutex_
  Clock::time_point stop_time_;    // guarded by done_mutex_; valid once stop_requested_

  void ThreadDone(size_t index) {
    {
      std::lock_guard lock(done_mutex_);
      thread_done_[index] = true;
      --threads_running_;
    }
    done_cv_.notify_all();
  }

 private:
  // Reader side.
  void Enqueue(Source& source, const vigil_event_batch& batch, bool* invalid_logged);
  uint64_t AwaitRoom(Source& source);

  // Engine side.
  void ProcessChunk(Source& source, Chunk* chunk);
  bool PastStopDeadline() const {
    return stop_requested_.load(std::memory_order_acquire) &&
           Clock::now().time_since_epoch().count() >=
               stop_deadline_.load(std::memory_order_relaxed);
  }

  uint64_t evtnum_ = 0;  // engine thread only
};

// ---- Reader thread ----------------------------------------------------------------------------

void EventBus::Impl::ReaderMain(Source& source) {
  bool invalid_logged = false;
  SourceState end = SourceState::kStopped;
  while (!stop_requested_.load(std::memory_order_acquire)) {
    vigil_event_batch batch{};
    const vigil_rc rc = source.source->NextBatch(&batch);
    if (rc == VIGIL_TIMEOUT) continue;
    if (rc == VIGIL_OK) {
      Bump(source.batches, 1);
      Enqueue(source, batch, &invalid_logged);
      continue;
    }
    if (rc == VIGIL_EOF) {
      log::info("source {}: end of stream", source.name);
      end = SourceState::kEof;
    } else {
      const std::string why = rc == VIGIL_FAILURE
                                  ? source.source->LastError()
                                  : fmt::format("unexpected return code {} from next_batch", rc);
      source.failure = why.empty() ? "(no message)" : why;
      log::error("source {} failed: {}", source.name, source.failure);
      end = SourceState::kFailed;
    }
    break;
  }
  source.state.store(end, std::memory_order_release);
  readers_ended_.fetch_add(1, std::memory_order_release);
  engine_signal_.Notify();
}

// Walks the batch with vigil_event_check and queues its valid records in as few chunks as the
// room allows. Counting happens here once per batch, so the counters stay exact under both
// policies: every valid record is either queued or dropped.
void EventBus::Impl::Enqueue(Source& source, const vigil_event_batch& batch, bool* invalid_logged) {
  const uint8_t* record = batch.data;
  uint64_t left = batch.data != nullptr ? batch.size : 0;
  uint64_t dropped = 0;

  const uint8_t* span = nullptr;  // consecutive records waiting to be copied as one chunk
  uint64_t span_bytes = 0;
  uint32_t span_count = 0;
  uint64_t span_limit = 0;  // room when the span began
  bool dropping = false;    // the queue is full (kDrop, or stopping): the rest is counted only

  auto flush = [&] {
    if (span_count == 0) return;
    Bump(source.events_read, span_count);
    Bump(source.events_queued, span_count);
    source.queue.Publish(span, span_bytes, span_count);
    span_bytes = 0;
    span_count = 0;
  };

  int bad = VIGIL_EVENT_OK;
  if (batch.data == nullptr && batch.size > 0) bad = VIGIL_EVENT_TRUNCATED;
  while (left > 0) {
    uint32_t len = 0;
    bad = vigil_event_check(record, left, &len);
    if (bad != VIGIL_EVENT_OK) break;
    if (!dropping && span_count > 0 &&
        (span_count == span_limit || span_bytes + len > SourceQueue::kMaxChunkBytes)) {
      flush();
    }
    if (!dropping && span_count == 0) {
      span_limit = std::min<uint64_t>(AwaitRoom(source), UINT32_MAX);
      dropping = span_limit == 0;
      span = record;
    }
    if (dropping) {
      ++dropped;
    } else {
      span_bytes += len;
      ++span_count;
    }
    record += len;
    left -= len;
  }
  flush();

  if (bad != VIGIL_EVENT_OK) {
    Bump(source.invalid_records, 1);
    if (!*invalid_logged) {
      *invalid_logged = true;
      log::warning(
          "source {}: {} at byte {} of a {}-byte batch; the rest of the batch is discarded "
          "(further invalid records are only counted)",
          source.name, CheckErrorName(bad), batch.data ? record - batch.data : 0, batch.size);
    }
  }
  Bump(source.events_read, dropped);
  Bump(source.events_dropped, dropped);
  engine_signal_.Notify();
}

// Events that fit now; with kBlock waits for room. 0: give up on the rest of the batch (the queue
// is full under kDrop, or stop was requested while it is full).
uint64_t EventBus::Impl::AwaitRoom(Source& source) {
  SourceQueue& queue = source.queue;
  if (uint64_t room = queue.Room(); room > 0) return room;
  // The chunks already published must be able to make progress while we wait.
  engine_signal_.Notify();
  if (options_.on_full == OnFull::kDrop) return 0;
  while (!stop_requested_.load(std::memory_order_acquire)) {
    const uint32_t key = queue.room_signal.PrepareWait();
    if (uint64_t room = queue.Room(); room > 0 || stop_requested_.load(std::memory_order_acquire)) {
      queue.room_signal.CancelWait();
      if (room > 0) return room;
      break;
    }
    queue.room_signal.WaitUntil(key, Clock::now() + kReaderRecheck);
  }
  return queue.Room();
}

// ---- Engine thread ----------------------------------------------------------------------------

void EventBus::Impl::ProcessChunk(Source& source, Chunk* chunk) {
  uint8_t* record = chunk->bytes.get();
  const uint32_t id = source.id;
  for (uint32_t i = 0; i < chunk->count; ++i) {
    // The chunk is the bus's own copy of checked records, so its lengths can be trusted.
    uint32_t len;
    std::memcpy(&len, record + kLenOffset, sizeof len);
    std::memcpy(record + kSourceIdOffset, &id, sizeof id);
    processor_.Process(EventRef{record, len, id, ++evtnum_});
    record += len;
  }
  Bump(source.events_processed, chunk->count);
  source.queue.Release(chunk);
}

void EventBus::Impl::EngineMain() {
  const size_t nsources = sources_.size();
  Clock::time_point next_idle = Clock::now();
  while (true) {
    // One chunk per source per pass: round-robin by batch.
    bool worked = false;
    for (size_t i = 0; i < nsources; ++i) {
      Chunk* chunk;
      if (sources_[i]->queue.TryPop(&chunk)) {
        ProcessChunk(*sources_[i], chunk);
        worked = true;
      }
    }
    if (PastStopDeadline()) break;
    if (worked) continue;

    // Idle. Readers publish before they count themselves ended, so once all have ended, empty
    // queues stay empty.
    const auto all_queues_empty = [&] {
      return std::all_of(sources_.begin(), sources_.end(),
                         [](const auto& s) { return s->queue.Empty(); });
    };
    if (readers_ended_.load(std::memory_order_acquire) == nsources && all_queues_empty()) break;

    Clock::time_point now = Clock::now();
    if (now >= next_idle || now >= processor_.NextTimer()) {
      processor_.OnIdle();
      now = Clock::now();
      if (now >= next_idle) next_idle = now + options_.idle_interval;
    }
    Clock::time_point wake = std::min(next_idle, processor_.NextTimer());
    if (stop_requested_.load(std::memory_order_acquire)) {
      wake = std::min(
          wake, Clock::time_point(Clock::duration(stop_deadline_.load(std::memory_order_relaxed))));
    }
    const uint32_t key = engine_signal_.PrepareWait();
    if (!all_queues_empty() || readers_ended_.load(std::memory_order_acquire) == nsources ||
        PastStopDeadline()) {
      engine_signal_.CancelWait();
      continue;
    }
    engine_signal_.WaitUntil(key, wake);
  }
  processor_.OnStop();
  if (!std::all_of(sources_.begin(), sources_.end(),
                   [](const auto& s) { return s->queue.Empty(); })) {
    log::warning("event bus: shutdown timeout reached, events still queued are not processed");
  }
}

void EventBus::Impl::RequestStop() {
  {
    std::lock_guard lock(done_mutex_);
    if (stop_requested_.load(std::memory_order_relaxed)) return;
    stop_time_ = Clock::now();
    stop_deadline_.store((stop_time_ + options_.shutdown_timeout).time_since_epoch().count(),
                         std::memory_order_relaxed);
    stop_requested_.store(true, std::memory_order_release);
  }
  done_cv_.notify_all();
  engine_signal_.Notify();
  for (auto& source : sources_) source->queue.room_signal.Notify();
}

// ---- EventBus ---------------------------------------------------------------------------------

EventBus::EventBus(EventProcessor& processor, EventBusOptions options)
    : impl_(std::make_shared<Impl>(processor, options)) {
  // The waker may be called from any thread after the bus is gone: it holds the bus weakly.
  processor.AttachWaker([weak = std::weak_ptr<Impl>(impl_)] {
    if (auto impl = weak.lock()) impl->engine_signal_.Notify();
  });
}

EventBus::~EventBus() {
  if (started_ && !finished_) {
    RequestStop();
    (void)Wait();
  }
}

uint32_t EventBus::AddSource(EventSource& source) {
  assert(!started_ && "AddSource after Start");
  const auto id = static_cast<uint32_t>(impl_->sources_.size());
  impl_->sources_.push_back(
      std::make_unique<Impl::Source>(source, id, impl_->options_.queue_capacity));
  return id;
}

namespace {

// Names the calling thread as `top -H`, `ps -L` and /proc/PID/task/TID/comm show it (15 bytes kept).
void NameThread(const std::string& name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace

Status EventBus::Start() {
  if (started_) return Status::Error("event bus: already started");
  started_ = true;
  Impl& impl = *impl_;
  const size_t nsources = impl.sources_.size();
  {
    std::lock_guard lock(impl.done_mutex_);
    impl.thread_done_.assign(nsources + 1, false);
    impl.threads_running_ = nsources + 1;
  }
  // Threads that could not be created count as done; so do readers whose thread never started.
  size_t created = 0;
  try {
    for (size_t i = 0; i < nsources; ++i) {
      threads_.emplace_back([shared = impl_, i] {
        NameThread("vigil-read-" + std::to_string(i));
        shared->ReaderMain(*shared->sources_[i]);
        shared->ThreadDone(i);
      });
      ++created;
    }
    threads_.emplace_back([shared = impl_, nsources] {
      NameThread("vigil-engine");
      shared->EngineMain();
      shared->ThreadDone(nsources);
    });
    ++created;
  } catch (const std::system_error& e) {
    for (size_t i = created; i < nsources; ++i) {
      impl.readers_ended_.fetch_add(1, std::memory_order_release);
    }
    for (size_t i = created; i <= nsources; ++i) impl.ThreadDone(i);
    RequestStop();
    (void)Wait();
    return Status::Error(fmt::format("event bus: cannot start a thread: {}", e.what()));
  }
  return Status::Ok();
}

void EventBus::RequestStop() { impl_->RequestStop(); }

Status EventBus::Wait() {
  Status result = Status::Ok();
  while (!WaitUntil(Clock::now() + std::chrono::hours(1), &result)) {
  }
  return result;
}

bool EventBus::WaitUntil(Clock::time_point deadline, Status* result) {
  if (!finished_) {
    if (!started_) {
      if (result) *result = Status::Error("event bus: not started");
      return true;
    }
    Impl& impl = *impl_;
    std::unique_lock lock(impl.done_mutex_);
    while (impl.threads_running_ > 0) {
      Clock::time_point until = deadline;
      bool shutdown_bound = false;
      if (impl.stop_requested_.load(std::memory_order_relaxed)) {
        const Clock::time_point give_up =
            impl.stop_time_ + impl.options_.shutdown_timeout + kEngineExitGrace;
        if (give_up <= until) {
          until = give_up;
          shutdown_bound = true;
        }
      }
      if (Clock::now() >= until) {
        if (!shutdown_bound) return false;
        break;  // shutdown timeout: Finish() detaches what still runs
      }
      impl.done_cv_.wait_until(lock, until);
    }
    lock.unlock();
    result_ = Finish();
  }
  if (result) *result = result_;
  return true;
}

Status EventBus::Finish() {
  Impl& impl = *impl_;
  std::vector<std::string> problems;
  std::vector<bool> done;
  {
    std::lock_guard lock(impl.done_mutex_);
    done = impl.thread_done_;
  }
  for (size_t i = 0; i < threads_.size(); ++i) {
    if (!threads_[i].joinable()) continue;
    if (done[i]) {
      threads_[i].join();
      continue;
    }
    threads_[i].detach();
    abandoned_threads_ = true;
    problems.push_back(i < impl.sources_.size()
                           ? fmt::format("source {} still in next_batch after the shutdown timeout",
                                         impl.sources_[i]->name)
                           : "the engine thread still running after the shutdown timeout");
  }
  for (const auto& source : impl.sources_) {
    if (source->state.load(std::memory_order_acquire) == SourceState::kFailed) {
      problems.push_back(fmt::format("source {} failed: {}", source->name, source->failure));
    }
  }
  finished_ = true;
  if (problems.empty()) return Status::Ok();
  std::string message = "event bus: " + problems[0];
  for (size_t i = 1; i < problems.size(); ++i) message += "; " + problems[i];
  return Status::Error(std::move(message));
}

EventBusStats EventBus::Stats() const {
  EventBusStats stats;
  stats.sources.reserve(impl_->sources_.size());
  for (const auto& source : impl_->sources_) {
    stats.sources.push_back(SourceStats{source->id, source->name,
                                        source->state.load(std::memory_order_acquire),
                                        impl_->CountersOf(*source)});
  }
  return stats;
}

SourceCounters EventBus::Counters(uint32_t source_id) const {
  if (source_id >= impl_->sources_.size()) return {};
  return impl_->CountersOf(*impl_->sources_[source_id]);
}

}  // namespace vigil::events
