// Unit tests of the ebpf source that need no privileges: the ring reader on fake rings in memory,
// the open-flag translation, and the syscall table against <asm/unistd_64.h>.
#include <fcntl.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "probe_shared.h"
#include "ring_reader.hpp"
#include "syscall_table_x86_64.hpp"
#include "vigil/event_record.h"

namespace {

using vigil::ebpf::RingMerger;
using vigil::ebpf::RingView;

// A ring laid out as the kernel's: data area mapped twice in a row (here: mirrored by hand).
class FakeRing {
 public:
  explicit FakeRing(uint64_t size) : size_(size), data_(2 * size, 0) {}

  // Writes a sample at the producer position with the given header bits; returns its offset.
  uint64_t Put(const std::vector<uint8_t>& sample, uint32_t bits = 0) {
    uint64_t at = prod_;
    uint32_t len = static_cast<uint32_t>(sample.size()) | bits;
    Write(at, &len, 4);
    uint32_t pgoff = 0;
    Write(at + 4, &pgoff, 4);
    Write(at + 8, sample.data(), sample.size());
    prod_ += (sample.size() + 8 + 7) & ~uint64_t{7};
    return at;
  }
  void SetBits(uint64_t at, uint32_t bits) {
    uint32_t len;
    std::memcpy(&len, &data_[at & (size_ - 1)], 4);
    len = (len & ~(vigil::ebpf::kRingBusyBit | vigil::ebpf::kRingDiscardBit)) | bits;
    Write(at, &len, 4);
  }
  void SetPositions(uint64_t pos) { cons_ = prod_ = pos; }
  RingView View() { return RingView{&cons_, &prod_, data_.data(), size_}; }
  uint64_t consumer() const { return cons_; }
  uint64_t producer() const { return prod_; }

 private:
  void Write(uint64_t at, const void* src, size_t n) {
    const auto* p = static_cast<const uint8_t*>(src);
    for (size_t i = 0; i < n; ++i) {
      uint64_t off = (at + i) & (size_ - 1);
      data_[off] = p[i];
      data_[off + size_] = p[i];  // the second mapping
    }
  }
  uint64_t size_;
  std::vector<uint8_t> data_;
  uint64_t cons_ = 0;
  uint64_t prod_ = 0;
};

std::vector<uint8_t> MakeRecord(uint64_t ts, int64_t tid, std::string payload = "x") {
  std::vector<uint8_t> buf(VIGIL_EVENT_HEADER_SIZE + 4 + payload.size());
  vigil_event_writer w;
  vigil_event_begin(&w, buf.data(), buf.size(), 20, ts, tid, 1);
  vigil_event_add_param(&w, payload.data(), static_cast<uint32_t>(payload.size()));
  uint32_t len;
  vigil_event_end(&w, &len);
  return buf;
}

std::vector<uint64_t> Timestamps(const std::vector<uint8_t>& out) {
  std::vector<uint64_t> ts;
  size_t off = 0;
  while (off < out.size()) {
    uint32_t len = 0;
    EXPECT_EQ(vigil_event_check(out.data() + off, out.size() - off, &len), VIGIL_EVENT_OK);
    if (len == 0) break;
    ts.push_back(vigil_event_get_header(out.data() + off).ts_ns);
    off += len;
  }
  return ts;
}

TEST(RingMergerTest, MergesRingsByTimestamp) {
  FakeRing a(4096), b(4096);
  for (uint64_t ts : {1, 4, 6}) a.Put(MakeRecord(ts, 1));
  for (uint64_t ts : {2, 3, 5, 7}) b.Put(MakeRecord(ts, 2));
  RingMerger merger({a.View(), b.View()});
  std::vector<uint8_t> out;
  auto stats = merger.Drain(&out, 100, 1 << 20, nullptr);
  EXPECT_EQ(stats.records, 7u);
  EXPECT_EQ(Timestamps(out), (std::vector<uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(a.consumer(), a.producer());
  EXPECT_EQ(b.consumer(), b.producer());
}

TEST(RingMergerTest, SkipsDiscardedAndStopsAtBusy) {
  FakeRing a(4096);
  a.Put(MakeRecord(1, 1));
  uint64_t discarded = a.Put(MakeRecord(2, 1));
  a.SetBits(discarded, vigil::ebpf::kRingDiscardBit);
  a.Put(MakeRecord(3, 1));
  uint64_t busy = a.Put(MakeRecord(4, 1));
  a.SetBits(busy, vigil::ebpf::kRingBusyBit);
  a.Put(MakeRecord(5, 1));
  RingMerger merger({a.View()});
  std::vector<uint8_t> out;
  merger.Drain(&out, 100, 1 << 20, nullptr);
  EXPECT_EQ(Timestamps(out), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(a.consumer(), busy);  // waits at the record still being written
  a.SetBits(busy, 0);
  out.clear();
  merger.Drain(&out, 100, 1 << 20, nullptr);
  EXPECT_EQ(Timestamps(out), (std::vector<uint64_t>{4, 5}));
}

TEST(RingMergerTest, ReadsRecordsThatWrapAroundTheEnd) {
  FakeRing a(4096);
  a.SetPositions(4096 * 3 - 24);  // the next record straddles the end of the data area
  a.Put(MakeRecord(10, 1, std::string(100, 'w')));
  a.Put(MakeRecord(11, 1));
  RingMerger merger({a.View()});
  std::vector<uint8_t> out;
  auto stats = merger.Drain(&out, 100, 1 << 20, nullptr);
  EXPECT_EQ(stats.records, 2u);
  EXPECT_EQ(Timestamps(out), (std::vector<uint64_t>{10, 11}));
  vigil_bytes p;
  ASSERT_EQ(vigil_event_param(out.data(), 0, &p), VIGIL_EVENT_OK);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(p.data), p.len), std::string(100, 'w'));
}

TEST(RingMergerTest, SkipsAndCountsInvalidRecords) {
  FakeRing a(4096);
  a.Put(MakeRecord(1, 1));
  std::vector<uint8_t> bad = MakeRecord(2, 1);
  uint32_t wrong = 1000;  // header len beyond the sample
  std::memcpy(bad.data() + 16, &wrong, 4);
  a.Put(bad);
  std::vector<uint8_t> short_sample(10, 0);
  a.Put(short_sample);
  a.Put(MakeRecord(3, 1));
  RingMerger merger({a.View()});
  std::vector<uint8_t> out;
  auto stats = merger.Drain(&out, 100, 1 << 20, nullptr);
  EXPECT_EQ(stats.invalid, 2u);
  EXPECT_EQ(Timestamps(out), (std::vector<uint64_t>{1, 3}));
  EXPECT_EQ(a.consumer(), a.producer());
}

TEST(RingMergerTest, RespectsTheBatchBoundAndAppliesTheFixup) {
  FakeRing a(1 << 16);
  for (uint64_t ts = 1; ts <= 50; ++ts) a.Put(MakeRecord(ts, 1));
  RingMerger merger({a.View()});
  std::vector<uint8_t> out;
  auto add = [](uint8_t* rec, uint32_t) {
    uint64_t ts;
    std::memcpy(&ts, rec, 8);
    ts += 1000;
    std::memcpy(rec, &ts, 8);
  };
  auto stats = merger.Drain(&out, 20, 1 << 20, add);
  EXPECT_EQ(stats.records, 20u);
  EXPECT_EQ(Timestamps(out).front(), 1001u);
  out.clear();
  stats = merger.Drain(&out, 100, 1 << 20, add);
  EXPECT_EQ(stats.records, 30u);
  EXPECT_EQ(Timestamps(out).front(), 1021u);
  EXPECT_EQ(a.consumer(), a.producer());
}

TEST(OpenFlagsTest, TranslatesX86FlagsToVigilBits) {
  EXPECT_EQ(vigil_translate_open_flags(O_RDONLY), VIGIL_O_RDONLY);
  EXPECT_EQ(vigil_translate_open_flags(O_WRONLY), VIGIL_O_WRONLY);
  EXPECT_EQ(vigil_translate_open_flags(O_RDWR), VIGIL_O_RDWR);
  EXPECT_EQ(vigil_translate_open_flags(O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC),
            VIGIL_O_WRONLY | VIGIL_O_CREAT | VIGIL_O_TRUNC | VIGIL_O_CLOEXEC);
  EXPECT_EQ(vigil_translate_open_flags(O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_PATH),
            VIGIL_O_RDONLY | VIGIL_O_DIRECTORY | VIGIL_O_NOFOLLOW | VIGIL_O_PATH);
  EXPECT_EQ(vigil_translate_open_flags(O_RDWR | O_APPEND | O_EXCL | O_NONBLOCK | O_NOCTTY),
            VIGIL_O_RDWR | VIGIL_O_APPEND | VIGIL_O_EXCL | VIGIL_O_NONBLOCK | VIGIL_O_NOCTTY);
  // glibc's O_SYNC and O_TMPFILE are composites
  EXPECT_EQ(vigil_translate_open_flags(O_WRONLY | O_SYNC),
            VIGIL_O_WRONLY | VIGIL_O_SYNC | VIGIL_O_DSYNC);
  EXPECT_EQ(vigil_translate_open_flags(O_RDWR | O_TMPFILE),
            VIGIL_O_RDWR | VIGIL_O_TMPFILE | VIGIL_O_DIRECTORY);
  EXPECT_EQ(vigil_translate_open_flags(O_RDONLY | O_DIRECT | O_NOATIME | O_DSYNC | O_LARGEFILE),
            VIGIL_O_RDONLY | VIGIL_O_DIRECT | VIGIL_O_NOATIME | VIGIL_O_DSYNC |
                (O_LARGEFILE != 0 ? VIGIL_O_LARGEFILE : 0u));
  EXPECT_EQ(vigil_translate_open_flags(0100000), VIGIL_O_RDONLY | VIGIL_O_LARGEFILE);
}

TEST(SyscallTableTest, NumbersMatchUnistd64) {
  std::ifstream in("/usr/include/x86_64-linux-gnu/asm/unistd_64.h");
  if (!in) GTEST_SKIP() << "no /usr/include/x86_64-linux-gnu/asm/unistd_64.h (linux-libc-dev)";
  std::map<std::string, int> numbers;
  std::regex line(R"(^#define __NR_(\w+) (\d+))");
  std::string text;
  while (std::getline(in, text)) {
    std::smatch m;
    if (std::regex_search(text, m, line)) numbers[m[1]] = std::stoi(m[2]);
  }
  ASSERT_FALSE(numbers.empty());
  std::set<uint16_t> types;
  for (const auto& e : vigil::ebpf::SyscallTable()) {
    EXPECT_TRUE(types.insert(e.event_type).second) << e.name << " listed twice";
    if (e.syscall_nr < 0) continue;
    ASSERT_TRUE(numbers.count(std::string(e.name))) << e.name << " is not a syscall";
    EXPECT_EQ(numbers[std::string(e.name)], e.syscall_nr) << e.name;
    EXPECT_LT(static_cast<uint32_t>(e.syscall_nr), VIGIL_SYSCALL_SLOTS) << e.name;
  }
}

TEST(SyscallTableTest, CoversEverySchemaTypeExceptSchedulerEvents) {
#define CHECK_TYPE(code_, nm_)                                                 \
  if (std::string(#nm_) != "switch" && std::string(#nm_) != "signaldeliver") { \
    auto e = vigil::ebpf::FindByEventType(code_);                              \
    EXPECT_TRUE(e.has_value()) << #nm_;                                        \
    if (e) {                                                                   \
      EXPECT_EQ(e->name, #nm_);                                                \
    }                                                                          \
  }
  VIGIL_SYSCALL_EVENT_TYPES(CHECK_TYPE)
#undef CHECK_TYPE
  EXPECT_FALSE(vigil::ebpf::FindByEventType(83).has_value());  // switch
}

}  // namespace
