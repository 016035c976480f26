// SourceQueue: one source's bounded queue from its reader thread (the only producer) to the engine
// thread (the only consumer).
//
// Records travel in chunks: a chunk holds a copy of consecutive valid records of one batch. Chunks
// are reused: the producer takes a spare one, fills it, and pushes it to `ready_`; the consumer
// processes it and hands it back through `spare_`. Both are SPSC rings, so the hot path is a memcpy
// and a few atomics per batch. The bound is in events (`queued_`, counting chunks not yet released)
// and, because every chunk holds at least one event, at most kMaxChunks chunks are in flight.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "spsc_ring.hpp"
#include "wake_signal.hpp"

namespace vigil::events_internal {

struct Chunk {
  std::unique_ptr<uint8_t[]> bytes;  // not value-initialised: filled by memcpy before use
  uint64_t capacity = 0;
  uint64_t size = 0;
  uint32_t count = 0;
};

class SourceQueue {
 public:
  // A batch is split into chunks of at most this many bytes (a single larger record gets a chunk of
  // its own), which bounds what each reused chunk keeps allocated and keeps round-robin fair.
  static constexpr uint64_t kMaxChunkBytes = 256 * 1024;
  // Upper bound of chunks in flight. Above this many events of capacity, a source that sends
  // one-event batches may see its queue "full" before queue_capacity events.
  static constexpr uint32_t kMaxChunks = 4096;

  explicit SourceQueue(uint32_t capacity_events)
      : capacity_(std::max<uint32_t>(capacity_events, 1)),
        max_chunks_(std::bit_ceil(std::min(capacity_, kMaxChunks))),
        ready_(max_chunks_),
        returned_(max_chunks_) {
    owned_.reserve(max_chunks_);
    spare_.reserve(max_chunks_);
  }

  // --- producer (reader thread) ---

  // How many events may be published now, 0 when the queue is full (events or chunks).
  uint64_t Room() {
    const uint64_t queued = queued_.load(std::memory_order_acquire);
    if (queued >= capacity_) return 0;
    CollectReturned();
    if (spare_.empty() && owned_.size() >= max_chunks_) return 0;
    return capacity_ - queued;
  }

  // Copies `count` records (`bytes` bytes at `records`) into a chunk and queues it. Only after
  // Room() returned at least `count`.
  void Publish(const uint8_t* records, uint64_t bytes, uint32_t count) {
    Chunk* chunk = TakeChunk(bytes);
    std::memcpy(chunk->bytes.get(), records, bytes);
    chunk->size = bytes;
    chunk->count = count;
    // Counted before it is visible, so the consumer's subtraction can never go below zero.
    queued_.fetch_add(count, std::memory_order_relaxed);
    ready_.TryPush(chunk);  // cannot fail: at most max_chunks_ chunks exist
  }

  // --- consumer (engine thread) ---

  bool TryPop(Chunk** chunk) { return ready_.TryPop(chunk); }

  // The chunk was processed: its room and the chunk itself go back to the producer.
  void Release(Chunk* chunk) {
    const uint32_t count = chunk->count;
    returned_.TryPush(chunk);  // cannot fail, as above
    queued_.fetch_sub(count, std::memory_order_release);
    room_signal.Notify();
  }

  // --- any thread ---

  bool Empty() const { return ready_.Empty(); }

  // The producer sleeps here when the queue is full; the consumer and RequestStop wake it.
  WakeSignal room_signal;

 private:
  void CollectReturned() {
    Chunk* chunk;
    while (returned_.TryPop(&chunk)) spare_.push_back(chunk);  // reserved: no allocation
  }

  Chunk* TakeChunk(uint64_t bytes) {
    Chunk* chunk;
    if (!spare_.empty()) {
      // The most recently returned chunk: its memory is warm, and cold chunks keep their size.
      chunk = spare_.back();
      spare_.pop_back();
    } else {
      owned_.push_back(std::make_unique<Chunk>());
      chunk = owned_.back().get();
    }
    // Reallocates only while warming up, and after an oversized record to give the memory back.
    const bool too_small = chunk->capacity < bytes;
    const bool oversized = chunk->capacity > kMaxChunkBytes && bytes <= kMaxChunkBytes;
    if (too_small || oversized) {
      const uint64_t capacity =
          bytes > kMaxChunkBytes ? bytes
                                 : std::clamp<uint64_t>(std::bit_ceil(bytes), 4096, kMaxChunkBytes);
      chunk->bytes.reset(new uint8_t[capacity]);
      chunk->capacity = capacity;
    }
    return chunk;
  }

  const uint32_t capacity_;
  const uint32_t max_chunks_;
  SpscRing<Chunk*> ready_;                               // producer -> consumer: filled chunks
  SpscRing<Chunk*> returned_;                            // consumer -> producer: processed chunks
  alignas(kCacheLine) std::atomic<uint64_t> queued_{0};  // events in chunks not yet released
  // Producer-only below.
  alignas(kCacheLine) std::vector<std::unique_ptr<Chunk>> owned_;
  std::vector<Chunk*> spare_;
};

}  // namespace vigil::events_internal
