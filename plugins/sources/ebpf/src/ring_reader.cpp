#include "ring_reader.hpp"

#include <cstring>
#include <queue>

#include "vigil/event_record.h"

namespace vigil::ebpf {
namespace {

uint64_t LoadAcquire(const uint64_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
uint32_t LoadAcquire32(const uint8_t* p) {
  return __atomic_load_n(reinterpret_cast<const uint32_t*>(p), __ATOMIC_ACQUIRE);
}
void StoreRelease(uint64_t* p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

uint64_t RoundUp8(uint64_t v) { return (v + 7) & ~uint64_t{7}; }

struct Cursor {
  uint64_t cons;
  uint64_t prod;
};

struct Head {
  uint64_t ts;
  size_t ring;
  bool operator>(const Head& o) const { return ts != o.ts ? ts > o.ts : ring > o.ring; }
};

}  // namespace

uint64_t RingMerger::Pending(size_t i) const {
  const RingView& r = rings_[i];
  return LoadAcquire(r.producer_pos) - __atomic_load_n(r.consumer_pos, __ATOMIC_RELAXED);
}

DrainStats RingMerger::Drain(std::vector<uint8_t>* out, uint32_t max_records, size_t max_bytes,
                             const Fixup& fixup) {
  DrainStats stats;
  std::vector<Cursor> cur(rings_.size());
  for (size_t i = 0; i < rings_.size(); ++i) {
    cur[i].cons = __atomic_load_n(rings_[i].consumer_pos, __ATOMIC_RELAXED);
    cur[i].prod = LoadAcquire(rings_[i].producer_pos);
  }

  // Moves ring i's cursor to its next committed record (skipping discarded and invalid ones).
  // Returns the record's ts in *ts, or false when the ring has nothing ready.
  auto peek = [&](size_t i, uint64_t* ts) {
    const RingView& r = rings_[i];
    Cursor& c = cur[i];
    while (c.cons < c.prod) {
      const uint8_t* hdr = r.data + (c.cons & (r.size - 1));
      uint32_t len = LoadAcquire32(hdr);
      if (len & kRingBusyBit) return false;  // being written: stop here, keep order
      uint64_t sample_len = len & ~(kRingBusyBit | kRingDiscardBit);
      uint64_t advance = RoundUp8(sample_len + kRingHeaderSize);
      if (advance > r.size || c.cons + advance > c.prod) return false;  // cannot be: wait
      if (len & kRingDiscardBit) {
        c.cons += advance;
        continue;
      }
      const uint8_t* rec = hdr + kRingHeaderSize;
      uint32_t rec_len = 0;
      if (vigil_event_check(rec, sample_len, &rec_len) != VIGIL_EVENT_OK || rec_len != sample_len) {
        ++stats.invalid;
        c.cons += advance;
        continue;
      }
      std::memcpy(ts, rec, sizeof *ts);
      return true;
    }
    return false;
  };

  std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
  for (size_t i = 0; i < rings_.size(); ++i) {
    uint64_t ts;
    if (peek(i, &ts)) heads.push(Head{ts, i});
  }
  while (!heads.empty() && stats.records < max_records && out->size() < max_bytes) {
    Head h = heads.top();
    heads.pop();
    const RingView& r = rings_[h.ring];
    Cursor& c = cur[h.ring];
    const uint8_t* hdr = r.data + (c.cons & (r.size - 1));
    uint32_t len = LoadAcquire32(hdr) & ~(kRingBusyBit | kRingDiscardBit);
    size_t at = out->size();
    out->resize(at + len);
    std::memcpy(out->data() + at, hdr + kRingHeaderSize, len);
    // The copy is checked again: the kernel never rewrites a committed sample, but a reader
    // never trusts a length it did not check on the bytes it keeps.
    uint32_t checked = 0;
    if (vigil_event_check(out->data() + at, len, &checked) != VIGIL_EVENT_OK || checked != len) {
      out->resize(at);
      ++stats.invalid;
    } else {
      if (fixup) fixup(out->data() + at, len);
      ++stats.records;
      stats.bytes += len;
    }
    c.cons += RoundUp8(uint64_t{len} + kRingHeaderSize);
    uint64_t ts;
    if (peek(h.ring, &ts)) heads.push(Head{ts, h.ring});
  }
  for (size_t i = 0; i < rings_.size(); ++i) StoreRelease(rings_[i].consumer_pos, cur[i].cons);
  return stats;
}

}  // namespace vigil::ebpf
