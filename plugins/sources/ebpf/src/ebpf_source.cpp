// ebpf: the syscall source plugin. Loads the CO-RE probe (bpf/probe.bpf.c), lets the host choose
// which syscalls it captures (set_event_types), and hands out the probe's records merged in time
// order across the per-CPU rings.
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "probe_loader.hpp"
#include "probe_shared.h"
#include "rapidjson/document.h"
#include "ring_reader.hpp"
#include "syscall_table_x86_64.hpp"
#include "vigil/event_record.h"
#include "vigil/sdk.hpp"
#include "vigil/syscall_schema.h"

namespace vigil::ebpf {
namespace {

// Parameter indexes of start_ts in the exec and fork records (the schema's order).
#define VIGIL__IDX(name, type) k_##name,
struct ExecParams {
  enum { VIGIL_PARAMS_execve(VIGIL__IDX) };
};
struct ForkParams {
  enum { VIGIL_PARAMS_clone(VIGIL__IDX) };
};
#undef VIGIL__IDX
#define VIGIL__TYPE_CODE(code, name) constexpr uint16_t kType_##name = code;
VIGIL_SYSCALL_EVENT_TYPES(VIGIL__TYPE_CODE)
#undef VIGIL__TYPE_CODE

struct Config {
  ProbeOptions probe;
  uint32_t poll_interval_ms = 5;
  uint32_t stats_interval_s = 60;
};

uint32_t GetUint(const rapidjson::Document& doc, const char* key, uint32_t fallback) {
  auto it = doc.FindMember(key);
  return it != doc.MemberEnd() && it->value.IsUint() ? it->value.GetUint() : fallback;
}

// The host has validated the config against Schema(); only what a schema cannot say is checked.
Config ParseConfig(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  Config c;
  if (!doc.IsObject()) return c;
  c.probe.ring_size_kib = GetUint(doc, "ring_size_kib", c.probe.ring_size_kib);
  c.probe.cpus_per_ring = GetUint(doc, "cpus_per_ring", c.probe.cpus_per_ring);
  c.probe.snaplen = GetUint(doc, "snaplen", c.probe.snaplen);
  c.probe.max_string_len = GetUint(doc, "max_string_len", c.probe.max_string_len);
  c.poll_interval_ms = GetUint(doc, "poll_interval_ms", c.poll_interval_ms);
  c.stats_interval_s = GetUint(doc, "stats_interval_s", c.stats_interval_s);
  uint32_t kib = c.probe.ring_size_kib;
  if ((kib & (kib - 1)) != 0) {
    throw std::invalid_argument("ebpf: ring_size_kib must be a power of two (got " +
                                std::to_string(kib) + ")");
  }
  return c;
}

uint64_t ClockNs(clockid_t clock) {
  timespec ts{};
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// CLOCK_REALTIME - CLOCK_BOOTTIME: what turns the probe's boot-time stamps into epoch time. The
// tightest of a few samples.
uint64_t BootToEpochOffset() {
  uint64_t best_gap = UINT64_MAX, offset = 0;
  for (int i = 0; i < 5; ++i) {
    uint64_t b1 = ClockNs(CLOCK_BOOTTIME);
    uint64_t rt = ClockNs(CLOCK_REALTIME);
    uint64_t b2 = ClockNs(CLOCK_BOOTTIME);
    if (b2 - b1 < best_gap) {
      best_gap = b2 - b1;
      offset = rt - (b1 + (b2 - b1) / 2);
    }
  }
  return offset;
}

void AddToParam(uint8_t* rec, uint32_t index, uint64_t offset) {
  vigil_bytes b;
  if (vigil_event_param(rec, index, &b) != VIGIL_EVENT_OK || b.len != 8) return;
  uint64_t v;
  std::memcpy(&v, b.data, 8);
  if (v == 0) return;
  v += offset;
  std::memcpy(const_cast<uint8_t*>(b.data), &v, 8);
}

constexpr uint32_t kMaxBatchRecords = 4096;
constexpr size_t kMaxBatchBytes = 1u << 20;

class EbpfInstance {
 public:
  EbpfInstance(std::unique_ptr<Probe> probe, const Config& config, sdk::Logger logger)
      : probe_(std::move(probe)),
        config_(config),
        logger_(std::move(logger)),
        merger_(probe_->rings()),
        epoch_offset_(BootToEpochOffset()) {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) throw std::runtime_error("ebpf: epoll_create1 failed");
    for (int fd : probe_->ring_fds()) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        throw std::runtime_error("ebpf: cannot poll a ring buffer");
      }
    }
    batch_.reserve(kMaxBatchBytes + VIGIL_PROBE_MAX_RECORD);
    last_stats_ = std::chrono::steady_clock::now();
    fixup_ = [this](uint8_t* rec, uint32_t) { ToEpoch(rec); };
  }
  ~EbpfInstance() {
    if (epoll_fd_ >= 0) close(epoll_fd_);
  }

  vigil_rc NextBatch(vigil_event_batch* batch) {
    batch_.clear();
    DrainStats s = merger_.Drain(&batch_, kMaxBatchRecords, kMaxBatchBytes, fixup_);
    if (s.records == 0 && s.invalid == 0) {
      epoll_event events[16];
      epoll_wait(epoll_fd_, events, 16, static_cast<int>(config_.poll_interval_ms));
      s = merger_.Drain(&batch_, kMaxBatchRecords, kMaxBatchBytes, fixup_);
    }
    records_ += s.records;
    invalid_ += s.invalid;
    MaybeLogStats();
    if (s.records == 0) return VIGIL_TIMEOUT;
    *batch = vigil_event_batch{batch_.data(), batch_.size(), static_cast<uint32_t>(s.records)};
    return VIGIL_OK;
  }

  void SetEventTypes(const std::vector<uint16_t>& types) {
    std::set<uint16_t> wanted(types.begin(), types.end());
    size_t n = probe_->EnableEventTypes(wanted);
    logger_.Debug("ebpf: capturing " + std::to_string(n) + " syscalls at sys_exit");
    if (!first_types_logged_) {
      first_types_logged_ = true;
      std::string names;
      for (const SyscallEntry& e : SyscallTable()) {
        if (wanted.count(e.event_type) == 0) continue;
        names += (names.empty() ? "" : ",") + std::string(e.name);
      }
      logger_.Info("ebpf: capturing " + std::to_string(n) +
                   " syscalls plus fork/exec/exit: " + (names.empty() ? "(none)" : names));
    }
  }

 private:
  void ToEpoch(uint8_t* rec) {
    uint64_t ts;
    std::memcpy(&ts, rec, 8);
    ts += epoch_offset_;
    std::memcpy(rec, &ts, 8);
    uint16_t type;
    std::memcpy(&type, rec + 20, 2);
    switch (type) {
      case kType_execve:
      case kType_execveat:
        AddToParam(rec, ExecParams::k_start_ts, epoch_offset_);
        break;
      case kType_clone:
      case kType_clone3:
      case kType_fork:
      case kType_vfork:
        AddToParam(rec, ForkParams::k_start_ts, epoch_offset_);
        break;
      default:
        break;
    }
  }

  void MaybeLogStats() {
    if (config_.stats_interval_s == 0) return;
    auto now = std::chrono::steady_clock::now();
    double secs = std::chrono::duration<double>(now - last_stats_).count();
    if (secs < config_.stats_interval_s) return;
    last_stats_ = now;
    ProbeCounters c = probe_->ReadCounters();
    uint64_t total = 0, drops = 0;
    std::string per_cpu;
    for (size_t i = 0; i < c.events.size(); ++i) {
      total += c.events[i];
      drops += c.drops[i];
      if (c.drops[i] > 0) per_cpu += " cpu" + std::to_string(i) + "=" + std::to_string(c.drops[i]);
    }
    uint64_t fill = 0;
    for (size_t i = 0; i < merger_.size(); ++i) fill = std::max(fill, merger_.Pending(i));
    double rate = static_cast<double>(records_ - last_records_) / secs;
    last_records_ = records_;
    char line[512];
    snprintf(line, sizeof line,
             "ebpf: %.0f events/s, %llu read, %llu written by the probe, drops %llu%s%s, "
             "fullest ring %.1f%%, invalid %llu",
             rate, static_cast<unsigned long long>(records_),
             static_cast<unsigned long long>(total), static_cast<unsigned long long>(drops),
             per_cpu.empty() ? "" : " (", per_cpu.c_str(),
             100.0 * static_cast<double>(fill) / static_cast<double>(probe_->ring_size()),
             static_cast<unsigned long long>(invalid_));
    std::string text = line;
    if (!per_cpu.empty()) text.insert(text.find(per_cpu) + per_cpu.size(), ")");
    logger_.Info(text);
    if (drops > last_drops_) {
      logger_.Warning("ebpf: the probe dropped " + std::to_string(drops - last_drops_) +
                      " events in the last " + std::to_string(static_cast<int>(secs)) +
                      " s (rings full): raise ring_size_kib or capture fewer syscalls");
    }
    last_drops_ = drops;
  }

  std::unique_ptr<Probe> probe_;
  Config config_;
  sdk::Logger logger_;
  RingMerger merger_;
  uint64_t epoch_offset_;
  RingMerger::Fixup fixup_;
  int epoll_fd_ = -1;
  std::vector<uint8_t> batch_;
  bool first_types_logged_ = false;
  uint64_t records_ = 0, last_records_ = 0, invalid_ = 0, last_drops_ = 0;
  std::chrono::steady_clock::time_point last_stats_;
};

}  // namespace

class EbpfPlugin : public sdk::Plugin {
 public:
  static constexpr const char* kName = "ebpf";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_SOURCE;
  static constexpr const char* kDescription =
      "Syscall events from a CO-RE eBPF probe (tp_btf sys_exit and sched tracepoints)";
  static constexpr const char* kContact = "https://github.com/vigil";
  static constexpr const char* kEventSource = VIGIL_SYSCALL_EVENT_SOURCE;

  static const char* Schema() {
    return R"json({
  "type": "object",
  "properties": {
    "ring_size_kib": {"type": "integer", "minimum": 64, "maximum": 1048576,
                      "description": "size of each ring buffer in KiB, a power of two (8192)"},
    "cpus_per_ring": {"type": "integer", "minimum": 1, "maximum": 4096,
                      "description": "CPUs sharing one ring buffer (1)"},
    "snaplen": {"type": "integer", "minimum": 0, "maximum": 16384,
                "description": "bytes of data captured by read/write/send/recv (80)"},
    "max_string_len": {"type": "integer", "minimum": 64, "maximum": 16384,
                       "description": "bound of each captured string, and of args/env (4096)"},
    "poll_interval_ms": {"type": "integer", "minimum": 1, "maximum": 100,
                         "description": "how long next_batch waits on empty rings (5)"},
    "stats_interval_s": {"type": "integer", "minimum": 0,
                         "description": "seconds between statistics lines, 0 off (60)"}
  },
  "additionalProperties": false
})json";
  }

  explicit EbpfPlugin(const sdk::InitContext& ctx)
      : config_(ParseConfig(ctx.config_json())), logger_(ctx.logger()) {
    CheckKernelSupport();  // BTF, privileges, tracepoints: fail init with the cause
  }

  std::unique_ptr<EbpfInstance> Open(const std::string&) {
    auto probe = Probe::Load(config_.probe, logger_);
    size_t tails = 0;
    for (const SyscallEntry& e : SyscallTable()) {
      if (e.capture == Capture::kSysExit || e.capture == Capture::kExec) ++tails;
    }
    logger_.Info("ebpf: probe attached: " + std::to_string(probe->programs_attached()) +
                 " programs (sys_exit dispatcher, sched_process_exec/fork/exit) + " +
                 std::to_string(tails) +
                 " tail programs; rings: " + std::to_string(probe->ring_fds().size()) + " x " +
                 std::to_string(config_.probe.ring_size_kib) + " KiB for " +
                 std::to_string(probe->num_cpus()) +
                 " CPUs; syscalls enabled: 0 (fork/exec/exit only until the host says which)");
    return std::make_unique<EbpfInstance>(std::move(probe), config_, logger_);
  }

 private:
  Config config_;
  sdk::Logger logger_;
};

}  // namespace vigil::ebpf

VIGIL_PLUGIN(vigil::ebpf::EbpfPlugin)
