#include "probe_loader.hpp"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>

#include "probe.skel.h"
#include "probe_shared.h"
#include "syscall_table_x86_64.hpp"
#include "vigil/event_record.h"

static_assert(VIGIL_EVENT_HEADER_SIZE == 32u, "probe_shared.h and event_record.h disagree");

namespace vigil::ebpf {
namespace {

constexpr const char* kRequiredTracepoints[] = {"sys_exit", "sched_process_exec",
                                                "sched_process_fork", "sched_process_exit"};

// libbpf reports through one global print callback; keep the tail of what it said during a load
// so an error can quote the verifier.
std::mutex g_libbpf_mutex;
std::string* g_libbpf_log = nullptr;

int LibbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  if (g_libbpf_log == nullptr) return 0;
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (n > 0) {
    std::string line(static_cast<size_t>(n) + 1, '\0');
    vsnprintf(line.data(), line.size(), format, args);
    line.resize(static_cast<size_t>(n));
    g_libbpf_log->append(line);
    if (g_libbpf_log->size() > 65536) g_libbpf_log->erase(0, g_libbpf_log->size() - 65536);
  }
  return 0;
}

std::string Errno(int err) { return std::strerror(err < 0 ? -err : err); }

[[noreturn]] void Fail(const std::string& what, const std::string& log = "") {
  std::string message = "ebpf: " + what;
  if (const char* path = getenv("VIGIL_EBPF_LIBBPF_LOG"); path != nullptr && !log.empty()) {
    if (FILE* f = fopen(path, "w")) {  // developer aid: the whole verifier log
      fwrite(log.data(), 1, log.size(), f);
      fclose(f);
    }
  }
  if (!log.empty()) {
    // the last lines are where libbpf and the verifier say what went wrong
    std::string tail = log.size() > 3000 ? log.substr(log.size() - 3000) : log;
    message += "\nlibbpf says:\n" + tail;
  }
  throw std::runtime_error(message);
}

bool HasCap(const __user_cap_data_struct (&data)[2], int cap) {
  return (data[cap / 32].effective & (1u << (cap % 32))) != 0;
}

}  // namespace

void CheckKernelSupport() {
  if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
    Fail(
        "this kernel has no BTF (CONFIG_DEBUG_INFO_BTF; /sys/kernel/btf/vmlinux is missing); use "
        "the kmod source");
  }
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  if (syscall(SYS_capget, &header, data) != 0) Fail("capget failed: " + Errno(errno));
  constexpr int kCapSysAdmin = 21, kCapPerfmon = 38, kCapBpf = 39;
  if (!HasCap(data, kCapSysAdmin)) {
    std::string missing;
    if (!HasCap(data, kCapBpf)) missing += " CAP_BPF";
    if (!HasCap(data, kCapPerfmon)) missing += " CAP_PERFMON";
    if (!missing.empty()) {
      Fail(std::string(geteuid() == 0 ? "running as root but without" : "not root; missing") +
           missing + " (the probe needs CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)");
    }
  }
  struct btf* vmlinux = btf__load_vmlinux_btf();
  if (vmlinux == nullptr) Fail("cannot read the kernel's BTF: " + Errno(errno));
  std::string missing;
  for (const char* tp : kRequiredTracepoints) {
    std::string name = std::string("btf_trace_") + tp;
    if (btf__find_by_name_kind(vmlinux, name.c_str(), BTF_KIND_TYPEDEF) < 0)
      missing += " " + std::string(tp);
  }
  btf__free(vmlinux);
  if (!missing.empty()) {
    Fail("this kernel lacks the BTF tracepoints" + missing +
         " (tp_btf needs Linux >= 5.5 with BTF); use the kmod source");
  }
}

std::unique_ptr<Probe> Probe::Load(const ProbeOptions& options, const sdk::Logger& logger) {
  CheckKernelSupport();
  std::unique_ptr<Probe> probe(new Probe());
  std::lock_guard<std::mutex> lock(g_libbpf_mutex);
  std::string log;
  g_libbpf_log = &log;
  libbpf_set_print(LibbpfPrint);
  struct Reset {
    ~Reset() { g_libbpf_log = nullptr; }
  } reset;

  // Kernels >= 5.11 account BPF memory to the cgroup, not RLIMIT_MEMLOCK; raising it is only a
  // courtesy to older ones and fails without CAP_SYS_RESOURCE.
  rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_MEMLOCK, &unlimited) != 0) {
    logger.Debug("ebpf: cannot raise RLIMIT_MEMLOCK (" + Errno(errno) +
                 "); fine on kernels >= 5.11, which do not use it for BPF");
  }

  int ncpus = libbpf_num_possible_cpus();
  if (ncpus <= 0) Fail("cannot count the possible CPUs: " + Errno(ncpus));
  probe->ncpus_ = ncpus;
  probe->ring_size_ = uint64_t{options.ring_size_kib} * 1024;
  long page = sysconf(_SC_PAGESIZE);
  if (probe->ring_size_ < static_cast<uint64_t>(page) ||
      (probe->ring_size_ & (probe->ring_size_ - 1)) != 0) {
    Fail("ring_size_kib must be a power of two of at least one page");
  }

  vigil_probe* skel = vigil_probe__open();
  if (skel == nullptr) Fail("cannot open the probe: " + Errno(errno), log);
  probe->skel_ = skel;
  skel->rodata->cfg_max_str = options.max_string_len;
  skel->rodata->cfg_max_args = options.max_string_len;
  skel->rodata->cfg_snaplen = options.snaplen;
  skel->rodata->cfg_wakeup_bytes = probe->ring_size_ / 2;
  // Each CPU checks its ring's fill every (1/16 ring) / cpus_per_ring bytes it writes, so a ring
  // fills at most 1/16 past the wakeup threshold (half) before one of its CPUs notices.
  uint32_t check_div = 16 * (options.cpus_per_ring == 0 ? 1 : options.cpus_per_ring);
  skel->rodata->cfg_wakeup_check_bytes = std::max<uint64_t>(probe->ring_size_ / check_div, 1);
  bpf_map__set_max_entries(skel->maps.scratch_map, ncpus);
  bpf_map__set_max_entries(skel->maps.rings, ncpus);
  // Rings: one per group of cpus_per_ring CPUs; the outer map sends each CPU to its group's ring.
  uint32_t per = options.cpus_per_ring == 0 ? 1 : options.cpus_per_ring;
  uint32_t ngroups = (static_cast<uint32_t>(ncpus) + per - 1) / per;
  for (uint32_t g = 0; g < ngroups; ++g) {
    int fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "vigil_ring", 0, 0,
                            static_cast<uint32_t>(probe->ring_size_), nullptr);
    if (fd < 0)
      Fail("cannot create a ring buffer of " + std::to_string(options.ring_size_kib) +
           " KiB: " + Errno(errno));
    probe->ring_fds_.push_back(fd);
    void* cons = mmap(nullptr, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (cons == MAP_FAILED) Fail("cannot map a ring's consumer page: " + Errno(errno));
    probe->consumer_maps_.push_back(cons);
    void* prod = mmap(nullptr, page + 2 * probe->ring_size_, PROT_READ, MAP_SHARED, fd, page);
    if (prod == MAP_FAILED) Fail("cannot map a ring's data: " + Errno(errno));
    probe->producer_maps_.push_back(prod);
    probe->ring_views_.push_back(
        RingView{static_cast<uint64_t*>(cons), static_cast<const uint64_t*>(prod),
                 static_cast<const uint8_t*>(prod) + page, probe->ring_size_});
  }
  // The inner map template: a ring of the configured size (libbpf 1.1 cannot resize the
  // template it would build from the object, so it gets one of ours).
  if (int err = bpf_map__set_inner_map_fd(skel->maps.rings, probe->ring_fds_[0]); err != 0) {
    Fail("cannot set the ring template: " + Errno(err));
  }
  // Tail programs run through the PROG_ARRAY only; the dispatcher and the sched programs attach.
  struct bpf_program* prog;
  bpf_object__for_each_program(prog, skel->obj) {
    if (std::strncmp(bpf_program__name(prog), "tail_", 5) == 0) {
      bpf_program__set_autoattach(prog, false);
    } else {
      ++probe->programs_attached_;
    }
  }
  if (int err = vigil_probe__load(skel); err != 0) {
    Fail("the kernel refused the probe (" + Errno(err) + ")", log);
  }

  // Tail programs, by event type (the dispatcher switches on the type `interesting` gives).
  int tail_fd = bpf_map__fd(skel->maps.tail_progs);
  for (const SyscallEntry& e : SyscallTable()) {
    if (e.capture != Capture::kSysExit && e.capture != Capture::kExec) continue;
    std::string name = "tail_" + std::string(e.name);
    struct bpf_program* p = bpf_object__find_program_by_name(skel->obj, name.c_str());
    if (p == nullptr) Fail("the probe has no program " + name);
    uint32_t key = e.event_type;
    int fd = bpf_program__fd(p);
    if (bpf_map_update_elem(tail_fd, &key, &fd, BPF_ANY) != 0) {
      Fail("cannot install " + name + ": " + Errno(errno));
    }
  }

  int outer_fd = bpf_map__fd(skel->maps.rings);
  for (uint32_t cpu = 0; cpu < static_cast<uint32_t>(ncpus); ++cpu) {
    int fd = probe->ring_fds_[cpu / per];
    if (bpf_map_update_elem(outer_fd, &cpu, &fd, BPF_ANY) != 0) {
      Fail("cannot assign a ring to CPU " + std::to_string(cpu) + ": " + Errno(errno));
    }
  }

  probe->interesting_.assign(VIGIL_INTERESTING_ENTRIES, 0);
  probe->EnableEventTypes({});
  if (int err = vigil_probe__attach(skel); err != 0) {
    Fail("cannot attach the probe (" + Errno(err) + ")", log);
  }
  return probe;
}

Probe::~Probe() {
  if (skel_ != nullptr) vigil_probe__destroy(skel_);  // detaches first
  long page = sysconf(_SC_PAGESIZE);
  for (void* p : consumer_maps_) munmap(p, page);
  for (void* p : producer_maps_) munmap(p, page + 2 * ring_size_);
  for (int fd : ring_fds_) close(fd);
}

size_t Probe::EnableEventTypes(const std::set<uint16_t>& types) {
  std::vector<uint16_t> want(VIGIL_INTERESTING_ENTRIES, 0);
  // State keeping needs these whatever the rules ask.
  want[VIGIL_SLOT_FORK] = 1;
  want[VIGIL_SLOT_EXEC] = 1;
  want[VIGIL_SLOT_PROCEXIT] = 1;
  size_t syscalls = 0;
  for (uint16_t type : types) {
    auto e = FindByEventType(type);
    if (!e) continue;
    if (e->capture == Capture::kSysExit || e->capture == Capture::kExec) {
      if (want[e->syscall_nr] == 0) ++syscalls;
      want[e->syscall_nr] = e->event_type;
    }
  }
  int fd = bpf_map__fd(skel_->maps.interesting);
  // Set what is new first, then clear what went away, so a needed syscall is never off.
  for (int pass = 0; pass < 2; ++pass) {
    for (uint32_t slot = 0; slot < want.size(); ++slot) {
      bool set = pass == 0 && want[slot] != 0 && want[slot] != interesting_[slot];
      bool clear = pass == 1 && want[slot] == 0 && interesting_[slot] != 0;
      if (!set && !clear) continue;
      uint16_t value = want[slot];
      if (bpf_map_update_elem(fd, &slot, &value, BPF_ANY) != 0) {
        throw std::runtime_error("ebpf: cannot update the syscall filter: " + Errno(errno));
      }
      interesting_[slot] = value;
    }
  }
  return syscalls;
}

ProbeCounters Probe::ReadCounters() const {
  ProbeCounters out;
  std::vector<vigil_probe_counters> values(ncpus_);
  uint32_t key = 0;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.counters), &key, values.data()) != 0) return out;
  for (const auto& v : values) {
    out.events.push_back(v.events);
    out.drops.push_back(v.drops + v.drops_nomap);
    out.tail_misses += v.tail_misses;
  }
  return out;
}

}  // namespace vigil::ebpf
