// Reading vigil records out of BPF ring buffers (BPF_MAP_TYPE_RINGBUF), merged in time order.
//
// A ring is the kernel's layout, mmap'ed by the caller: a consumer page (our position, written
// by us), a producer page (the kernel's position) and the data area mapped twice in a row, so a
// record that wraps around the end is contiguous. Each sample has an 8-byte header: u32 length
// with BUSY (still being written) and DISCARD bits, u32 page offset; samples are 8-byte aligned.
//
// RingMerger takes the committed records of every ring, merges them k-way by the record
// header's ts (a CPU's ring is in time order; across rings only the merge orders them, which is
// what the core needs: a fork before the child's first event), checks each record with
// vigil_event_check (a bad one is counted and skipped), copies it into a batch buffer through a
// caller-supplied fix-up (timestamps), and then publishes the new consumer positions.
//
//   RingMerger merger({RingView{consumer_pos, producer_pos, data, size}, ...});
//   merger.Drain(&out, max_records, max_bytes, fixup);
#ifndef VIGIL_PLUGINS_SOURCES_EBPF_RING_READER_HPP
#define VIGIL_PLUGINS_SOURCES_EBPF_RING_READER_HPP

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace vigil::ebpf {

inline constexpr uint32_t kRingBusyBit = 1u << 31;
inline constexpr uint32_t kRingDiscardBit = 1u << 30;
inline constexpr uint32_t kRingHeaderSize = 8;

// One mapped ring. `data` must be readable for 2 * size bytes (the double mapping).
struct RingView {
  uint64_t* consumer_pos = nullptr;        // read/write page
  const uint64_t* producer_pos = nullptr;  // read-only page
  const uint8_t* data = nullptr;
  uint64_t size = 0;  // power of two
};

struct DrainStats {
  uint64_t records = 0;  // records copied out
  uint64_t invalid = 0;  // samples that were not a valid record (skipped)
  uint64_t bytes = 0;
};

class RingMerger {
 public:
  explicit RingMerger(std::vector<RingView> rings) : rings_(std::move(rings)) {}

  // Called on each copied record (mutable, `len` bytes, already checked) before it counts.
  using Fixup = std::function<void(uint8_t* record, uint32_t len)>;

  // Appends up to max_records / about max_bytes of committed records to *out, in ts order, and
  // advances every ring's consumer position past what it took (and past discarded samples).
  DrainStats Drain(std::vector<uint8_t>* out, uint32_t max_records, size_t max_bytes,
                   const Fixup& fixup);

  // Bytes committed or in flight in ring i (producer - consumer).
  uint64_t Pending(size_t i) const;
  size_t size() const { return rings_.size(); }

 private:
  std::vector<RingView> rings_;
};

}  // namespace vigil::ebpf

#endif  // VIGIL_PLUGINS_SOURCES_EBPF_RING_READER_HPP
