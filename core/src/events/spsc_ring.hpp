// A bounded single-producer / single-consumer ring of trivially copyable values (here: chunk
// pointers). Lock-free; each side keeps a cached copy of the other side's index so the shared
// cache line is read only when the ring looks full (producer) or empty (consumer).
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>

namespace vigil::events_internal {

// Keeps the producer's and the consumer's indexes on separate cache lines.
inline constexpr size_t kCacheLine = 64;

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  // `capacity` is rounded up to a power of two.
  explicit SpscRing(size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1),
        slots_(std::make_unique<T[]>(mask_ + 1)) {}

  size_t capacity() const { return mask_ + 1; }

  // Producer only. False when full.
  bool TryPush(T value) {
    const uint64_t tail = producer_.tail.load(std::memory_order_relaxed);
    if (tail - producer_.cached_head > mask_) {
      producer_.cached_head = consumer_.head.load(std::memory_order_acquire);
      if (tail - producer_.cached_head > mask_) return false;
    }
    slots_[tail & mask_] = value;
    producer_.tail.store(tail + 1, std::memory_order_release);
    return true;
  }

  // Consumer only. False when empty.
  bool TryPop(T* out) {
    const uint64_t head = consumer_.head.load(std::memory_order_relaxed);
    if (head == consumer_.cached_tail) {
      consumer_.cached_tail = producer_.tail.load(std::memory_order_acquire);
      if (head == consumer_.cached_tail) return false;
    }
    *out = slots_[head & mask_];
    consumer_.head.store(head + 1, std::memory_order_release);
    return true;
  }

  // Any thread; exact only when the other side is quiet.
  bool Empty() const {
    return consumer_.head.load(std::memory_order_acquire) ==
           producer_.tail.load(std::memory_order_acquire);
  }

 private:
  struct alignas(kCacheLine) ProducerSide {
    std::atomic<uint64_t> tail{0};
    uint64_t cached_head = 0;
  };
  struct alignas(kCacheLine) ConsumerSide {
    std::atomic<uint64_t> head{0};
    uint64_t cached_tail = 0;
  };

  const size_t mask_;
  std::unique_ptr<T[]> slots_;
  ProducerSide producer_;
  ConsumerSide consumer_;
};

}  // namespace vigil::events_internal
