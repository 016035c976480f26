// LatencyHistogram: durations in microseconds counted in log-linear buckets (16 per power of two,
// so a percentile is off by at most 1/16), lock-free, for the percentiles of stats lines (how long
// held events waited; later an output's delivery latency).
//
//   LatencyHistogram h;
//   h.Record(elapsed_us);                  // any thread
//   uint64_t p99 = h.Percentile(0.99);     // any thread; 0 when empty
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace vigil {

class LatencyHistogram {
 public:
  void Record(uint64_t us) {
    counts_[Bucket(us)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    uint64_t seen = max_.load(std::memory_order_relaxed);
    while (us > seen && !max_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
    }
  }

  uint64_t count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t max() const { return max_.load(std::memory_order_relaxed); }

  // The smallest recorded-bucket bound at or below which a share `p` (0..1] of the values lies:
  // the upper end of that bucket, never above the largest value recorded.
  uint64_t Percentile(double p) const {
    const uint64_t n = count();
    if (n == 0) return 0;
    const auto target = std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(p * n)));
    uint64_t seen = 0;
    for (size_t b = 0; b < kBuckets; ++b) {
      seen += counts_[b].load(std::memory_order_relaxed);
      if (seen >= target) return std::min(UpperBound(b), max());
    }
    return max();
  }

  // Bucket arithmetic, public for its test: values below kSub have a bucket each; above, the
  // power of two is split into kSub equal parts.
  static constexpr size_t kSub = 16;
  static constexpr size_t kBuckets = kSub + (64 - 4) * kSub;
  static size_t Bucket(uint64_t v) {
    if (v < kSub) return static_cast<size_t>(v);
    const int e = 63 - std::countl_zero(v);  // >= 4
    const uint64_t sub = (v >> (e - 4)) & (kSub - 1);
    return kSub + static_cast<size_t>(e - 4) * kSub + static_cast<size_t>(sub);
  }
  static uint64_t UpperBound(size_t b) {
    if (b < kSub) return b;
    const size_t e = (b - kSub) / kSub + 4;
    const uint64_t sub = (b - kSub) % kSub;
    const uint64_t lower = (kSub + sub) << (e - 4);
    return lower + ((uint64_t{1} << (e - 4)) - 1);
  }

 private:
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::atomic<uint64_t> count_{0}, max_{0};
};

}  // namespace vigil
