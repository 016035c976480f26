// SyscallState: the thread/process/fd tables kept from syscall events (see syscall_state.hpp).
//
// Layout: threads live in one hash map by tid (nodes never move, so EventView can point into it);
// the threads of a process share one Process through a shared_ptr, which holds the fd table. Only
// table entries hold Process references, so a Process dies with its last thread. A FIFO of
// (tid, generation) with a "recently active" bit per thread (the CLOCK algorithm) picks the entry
// to evict when the table is full, after entries whose /proc entry is gone.
#include "vigil/core/syscall_state.hpp"

#include <errno.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>

#include "paths.hpp"
#include "proc_reader.hpp"
#include "record_params.hpp"
#include "vigil/core/fields.hpp"
#include "vigil/event_record.h"
#include "vigil/syscall_schema.h"

namespace vigil::state {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kAtFdcwd = -100;
constexpr uint64_t kCloneThread = 0x10000;
constexpr uint32_t kNoIndex = UINT32_MAX;
constexpr uint32_t kNoId = UINT32_MAX;  // setre*id/setres*id: "unchanged"
constexpr uint32_t kSockCloexec = 02000000;
constexpr uint32_t kSockNonblock = 04000;
constexpr uint32_t kMfdCloexec = 1;
constexpr int64_t kFdupfd = 0, kFdupfdCloexec = 1030, kFsetfd = 2;
constexpr uint8_t kIpprotoTcp = 6, kIpprotoUdp = 17, kIpprotoIcmp = 1, kIpprotoIcmpv6 = 58,
                  kL4Raw = 255;

// Event type codes by name, from event_types.h.
consteval uint16_t Code(std::string_view name) {
#define VIGIL_STATE_CODE(code, n) \
  if (name == #n) return code;
  VIGIL_SYSCALL_EVENT_TYPES(VIGIL_STATE_CODE)
#undef VIGIL_STATE_CODE
  return 0;
}

// Per event type, from the schema's parameter names: where the `fd` argument is (for events that
// act on an fd), and which PATH parameters (within EventView::abs_paths) go with which dirfd.
struct TypeLayout {
  uint32_t fd_arg = kNoIndex;
  std::array<uint32_t, 8> path_dirfd{};  // kNoIndex: not a path; kAtFdcwd-like marker below
  std::array<bool, 8> is_path{};
};

const TypeLayout& LayoutFor(uint16_t type) {
  static const std::array<TypeLayout, VIGIL_EVENT_TYPE_END> table = [] {
    std::array<TypeLayout, VIGIL_EVENT_TYPE_END> t{};
    struct P {
      std::string_view name;
      int type;
    };
#define VIGIL_STATE_PARAM(n, ty) P{#n, ty},
#define VIGIL_STATE_ROW(code, name)                                     \
  {                                                                     \
    static const P params[] = {VIGIL_PARAMS_##name(VIGIL_STATE_PARAM)}; \
    fill(t[code], params, sizeof params / sizeof params[0]);            \
  }
    auto fill = [](TypeLayout& l, const P* params, size_t n) {
      l.path_dirfd.fill(kNoIndex);
      uint32_t dirfd = kNoIndex;
      for (uint32_t i = 0; i < n; ++i) {
        if (params[i].name == "fd" && params[i].type == VIGIL_PT_FD && i != 0) l.fd_arg = i;
        if (params[i].type == VIGIL_PT_FD && params[i].name.find("dir") != std::string_view::npos) {
          dirfd = i;
        }
        if (params[i].type == VIGIL_PT_PATH && i < l.is_path.size()) {
          l.is_path[i] = true;
          l.path_dirfd[i] = dirfd;
        }
      }
    };
    VIGIL_SYSCALL_SCHEMA(VIGIL_STATE_ROW)
#undef VIGIL_STATE_ROW
#undef VIGIL_STATE_PARAM
    return t;
  }();
  static const TypeLayout kNone{};
  return type < table.size() ? table[type] : kNone;
}

FdType TypeForFamily(uint32_t family) {
  switch (family) {
    case AF_INET:
      return FdType::kIpv4;
    case AF_INET6:
      return FdType::kIpv6;
    case AF_UNIX:
      return FdType::kUnix;
    case AF_NETLINK:
      return FdType::kNetlink;
    default:
      return FdType::kPacket;
  }
}

// A SOCKTUPLE or SOCKADDR parameter (syscall_schema.h), bounds-checked.
struct SockAddr {
  uint8_t family = 0;
  std::array<uint8_t, 16> sip{}, dip{};
  uint16_t sport = 0, dport = 0;
  std::string_view path;  // AF_UNIX
};

bool ParseTuple(std::string_view b, SockAddr* out) {
  if (b.empty()) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  out->family = p[0];
  auto addr = [&](size_t off, size_t n, std::array<uint8_t, 16>* ip, uint16_t* port) {
    std::memcpy(ip->data(), p + off, n);
    std::memcpy(port, p + off + n, 2);
  };
  switch (out->family) {
    case AF_INET:
      if (b.size() < 13) return false;
      addr(1, 4, &out->sip, &out->sport);
      addr(7, 4, &out->dip, &out->dport);
      return true;
    case AF_INET6:
      if (b.size() < 37) return false;
      addr(1, 16, &out->sip, &out->sport);
      addr(19, 16, &out->dip, &out->dport);
      return true;
    case AF_UNIX:
      if (b.size() < 17) return false;
      out->path = b.substr(17);
      return true;
    default:
      return true;
  }
}

bool ParseSockaddr(std::string_view b, SockAddr* out) {
  if (b.empty()) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(b.data());
  out->family = p[0];
  switch (out->family) {
    case AF_INET:
      if (b.size() < 7) return false;
      std::memcpy(out->dip.data(), p + 1, 4);
      std::memcpy(&out->dport, p + 5, 2);
      return true;
    case AF_INET6:
      if (b.size() < 19) return false;
      std::memcpy(out->dip.data(), p + 1, 16);
      std::memcpy(&out->dport, p + 17, 2);
      return true;
    case AF_UNIX:
      out->path = b.substr(1);
      return true;
    default:
      return true;
  }
}

// Resets an entry, keeping its strings' capacity.
void ResetFd(FdInfo* fd) {
  std::string name = std::move(fd->name), raw = std::move(fd->name_raw);
  *fd = FdInfo{};
  name.clear();
  raw.clear();
  fd->name = std::move(name);
  fd->name_raw = std::move(raw);
}

void AssignStrings(std::string_view buf, std::vector<std::string>* out) {
  out->clear();
  ForEachString(buf, [&](std::string_view s) { out->emplace_back(s); });
}

}  // namespace

struct ThreadEntry {
  ThreadInfo info;
  uint64_t gen = 0;
  bool referenced = true;  // active since the eviction hand last passed
  bool dead = false;       // a process leader that exited while other threads of it still run
};

struct SyscallState::Impl {
  explicit Impl(StateOptions o)
      : opt(std::move(o)), reader(opt.proc_root, opt.max_fds_per_process) {
    if (opt.max_threads == 0) opt.max_threads = 1;
    if (opt.max_fds_per_process == 0) opt.max_fds_per_process = 1;
    unknown.process = std::make_shared<Process>();
  }

  using Map = std::unordered_map<int64_t, ThreadEntry>;

  StateOptions opt;
  ProcReader reader;
  Map threads;
  std::deque<std::pair<int64_t, uint64_t>> order;  // (tid, gen), oldest first; may hold stale ones
  uint64_t next_gen = 1;
  uint64_t n_processes = 0, n_fds = 0, evicted = 0, fds_evicted = 0, missing = 0, malformed = 0;
  std::atomic<uint64_t> pub_threads{0}, pub_processes{0}, pub_fds{0}, pub_evicted{0},
      pub_missing{0}, pub_fds_evicted{0}, pub_malformed{0};
  Clock::time_point next_sweep{}, next_fd_sweep{};

  // Per event.
  EventView view;
  RecordParams params;
  FdInfo scratch_fd;   // the entry of a failed open
  ThreadInfo unknown;  // the thread of events without one (tid -1) or of malformed records
  int64_t current_tid = -1;
  int64_t pending_close = -1;
  Process* pending_close_proc = nullptr;
  int64_t pending_exit = -1;
  std::vector<int64_t> fd_list;

  // ---- tables ----

  void Publish() {
    pub_threads.store(threads.size(), std::memory_order_relaxed);
    pub_processes.store(n_processes, std::memory_order_relaxed);
    pub_fds.store(n_fds, std::memory_order_relaxed);
    pub_evicted.store(evicted, std::memory_order_relaxed);
    pub_missing.store(missing, std::memory_order_relaxed);
    pub_fds_evicted.store(fds_evicted, std::memory_order_relaxed);
    pub_malformed.store(malformed, std::memory_order_relaxed);
  }

  // Removes a thread; when it was the last of its process, the process (and its fds) go too. A
  // dead leader kept for its remaining threads goes with the last of them. Returns how many
  // threads were removed.
  size_t EraseThread(Map::iterator it) {
    const int64_t tid = it->first, pid = it->second.info.pid;
    std::shared_ptr<Process> proc = std::move(it->second.info.process);
    threads.erase(it);
    size_t removed = 1;
    if (!proc) return removed;
    if (proc.use_count() == 2 && tid != pid) {
      auto leader = threads.find(pid);
      if (leader != threads.end() && leader->second.dead && leader->second.info.process == proc) {
        leader->second.info.process.reset();
        threads.erase(leader);
        ++removed;
      }
    }
    if (proc.use_count() == 1) {
      if (n_processes > 0) --n_processes;
      n_fds -= std::min<uint64_t>(n_fds, proc->fds.size());
    }
    return removed;
  }

  void CompactOrder() {
    if (order.size() <= 2 * threads.size() + 1024) return;
    std::deque<std::pair<int64_t, uint64_t>> kept;
    for (const auto& [tid, gen] : order) {
      auto it = threads.find(tid);
      if (it != threads.end() && it->second.gen == gen) kept.emplace_back(tid, gen);
    }
    order.swap(kept);
  }

  // Drops every thread whose /proc entry is gone (their exit events were lost).
  void SweepDead() {
    std::vector<int64_t> dead;
    for (const auto& [tid, e] : threads) {
      if (tid != current_tid && !reader.ThreadExists(tid)) dead.push_back(tid);
    }
    for (int64_t tid : dead) {
      auto it = threads.find(tid);
      if (it != threads.end()) evicted += EraseThread(it);
    }
  }

  // CLOCK: the oldest entry not active since the hand last passed it goes.
  bool EvictOne() {
    size_t budget = 2 * order.size() + 2;
    while (!order.empty() && budget-- > 0) {
      auto [tid, gen] = order.front();
      order.pop_front();
      auto it = threads.find(tid);
      if (it == threads.end() || it->second.gen != gen) continue;  // stale
      if (tid == current_tid || it->second.referenced) {
        it->second.referenced = false;
        order.emplace_back(tid, gen);
        continue;
      }
      evicted += EraseThread(it);
      return true;
    }
    return false;
  }

  void MakeRoom() {
    while (threads.size() >= opt.max_threads) {
      Clock::time_point now = Clock::now();
      if (now >= next_sweep) {
        next_sweep = now + std::chrono::milliseconds(opt.proc_sweep_interval_ms);
        SweepDead();
        continue;
      }
      if (!EvictOne()) break;
    }
  }

  // Adds (or replaces) a thread. `new_process`: its Process is not yet referenced by the table.
  ThreadEntry& Insert(ThreadInfo&& t, bool new_process) {
    const int64_t tid = t.tid;
    if (auto it = threads.find(tid); it != threads.end()) EraseThread(it);  // tid reused
    MakeRoom();
    if (!t.process) {
      t.process = std::make_shared<Process>();
      t.process->pid = t.pid;
      new_process = true;
    }
    const uint64_t gen = next_gen++;
    size_t nfds = t.process->fds.size();
    auto [it, inserted] = threads.emplace(tid, ThreadEntry{std::move(t), gen, true, false});
    order.emplace_back(tid, gen);
    if (new_process) {
      ++n_processes;
      n_fds += nfds;
    }
    CompactOrder();
    return it->second;
  }

  ThreadEntry* Find(int64_t tid) {
    auto it = threads.find(tid);
    return it == threads.end() ? nullptr : &it->second;
  }

  // The thread of `tid`: from the table, else from /proc (with its process), else a placeholder
  // built from nothing but the tid. Null for tid < 0.
  ThreadEntry* Ensure(int64_t tid) {
    if (tid < 0) return nullptr;
    if (ThreadEntry* e = Find(tid)) {
      e->referenced = true;
      return e;
    }
    ++missing;
    ThreadInfo t;
    if (reader.ReadThread(tid, tid, &t)) {
      const int64_t pid = t.pid;
      std::shared_ptr<Process> proc;
      bool fresh = false;
      ThreadEntry* leader = Find(pid);
      if (leader != nullptr && leader->info.pid == pid && leader->info.process) {
        proc = leader->info.process;
      } else {
        proc = std::make_shared<Process>();
        if (!reader.ReadProcess(pid, proc.get())) proc->pid = pid;
        fresh = true;
      }
      if (tid == pid) proc->start_ts = t.start_ts;
      t.process = proc;
      ThreadEntry& e = Insert(std::move(t), fresh);
      if (fresh && pid != tid && Find(pid) == nullptr) {
        ThreadInfo lt;
        if (reader.ReadThread(pid, pid, &lt)) {
          proc->start_ts = lt.start_ts;
          lt.process = proc;
          Insert(std::move(lt), false);
        }
      }
      return &e;
    }
    t.tid = tid;
    t.pid = tid;
    return &Insert(std::move(t), true);
  }

  FdInfo* FindFd(Process* p, int64_t fd) {
    if (p == nullptr) return nullptr;
    auto it = p->fds.find(fd);
    return it == p->fds.end() ? nullptr : &it->second;
  }

  void MakeFdRoom(Process& p) {
    Clock::time_point now = Clock::now();
    if (now >= next_fd_sweep) {
      next_fd_sweep = now + std::chrono::milliseconds(opt.proc_sweep_interval_ms);
      if (reader.ListFds(p.pid, &fd_list)) {
        std::sort(fd_list.begin(), fd_list.end());
        for (auto it = p.fds.begin(); it != p.fds.end();) {
          if (std::binary_search(fd_list.begin(), fd_list.end(), it->first)) {
            ++it;
          } else {
            it = p.fds.erase(it);
            --n_fds;
            ++fds_evicted;
          }
        }
      }
    }
    while (p.fds.size() >= opt.max_fds_per_process && !p.fds.empty()) {
      p.fds.erase(p.fds.begin());
      --n_fds;
      ++fds_evicted;
    }
  }

  // A fresh entry for `fd` (an existing one is reset).
  FdInfo& AddFd(Process& p, int64_t fd) {
    if (auto it = p.fds.find(fd); it != p.fds.end()) {
      ResetFd(&it->second);
      return it->second;
    }
    if (p.fds.size() >= opt.max_fds_per_process) MakeFdRoom(p);
    ++n_fds;
    return p.fds[fd];
  }

  void EraseFd(Process& p, int64_t fd) {
    if (p.fds.erase(fd) > 0) --n_fds;
  }

  // ---- paths ----

  // Resolves `path` as the syscall would: absolute as is, else against the cwd (dirfd AT_FDCWD)
  // or the directory `dirfd` names. Empty when it cannot be made absolute.
  void ResolveAt(Process* p, int64_t dirfd, std::string_view path, std::string* out) {
    out->clear();
    if (path.empty()) return;
    std::string_view base;
    if (path.front() != '/' && p != nullptr) {
      if (dirfd == kAtFdcwd) {
        base = p->cwd;
      } else if (const FdInfo* d = FindFd(p, dirfd)) {
        base = d->name;
      }
    }
    ResolvePath(base, path, out);
    if (out->empty() || out->front() != '/') out->clear();
  }

  // ---- events ----

  void SetView(FdInfo* fd, int64_t num) {
    view.fd = fd;
    view.fd_num = num;
  }

  void ReadIdentity(uint32_t base, ThreadInfo& t, Process* p) {
    const RecordParams& r = params;
    auto i64 = [&](uint32_t k, int64_t* dst) {
      if (r.Has(base + k)) *dst = r.I64(base + k, *dst);
    };
    auto u32 = [&](uint32_t k, uint32_t* dst) {
      if (r.Has(base + k)) *dst = r.U32(base + k, *dst);
    };
    auto u64 = [&](uint32_t k, uint64_t* dst) {
      if (r.Has(base + k)) *dst = r.U64(base + k, *dst);
    };
    i64(proc_p::ptid, &t.ptid);
    if (r.Has(base + proc_p::comm)) t.comm.assign(r.Str(base + proc_p::comm));
    u32(proc_p::uid, &t.uid);
    u32(proc_p::gid, &t.gid);
    u32(proc_p::euid, &t.euid);
    u32(proc_p::egid, &t.egid);
    u32(proc_p::loginuid, &t.loginuid);
    u64(proc_p::cap_inheritable, &t.cap_inheritable);
    u64(proc_p::cap_permitted, &t.cap_permitted);
    u64(proc_p::cap_effective, &t.cap_effective);
    u32(proc_p::tty, &t.tty);
    i64(proc_p::sid, &t.sid);
    i64(proc_p::pgid, &t.pgid);
    i64(proc_p::vtid, &t.vtid);
    i64(proc_p::vpid, &t.vpid);
    i64(proc_p::vpgid, &t.vpgid);
    if (p == nullptr) return;
    if (r.Has(base + proc_p::cgroups)) AssignStrings(r.Str(base + proc_p::cgroups), &p->cgroups);
    auto ns = [&](uint32_t k, uint64_t* dst) {
      if (r.Has(base + k)) *dst = r.U32(base + k, 0);
    };
    ns(proc_p::pidns_ino, &p->pidns_ino);
    ns(proc_p::mntns_ino, &p->mntns_ino);
    ns(proc_p::netns_ino, &p->netns_ino);
  }

  void OnClone(ThreadEntry* parent) {
    constexpr uint32_t base = clone_p::tid;
    const int64_t res = params.I64(clone_p::res, -1);
    if (res <= 0) return;  // failed, or the child's side
    const int64_t ctid = params.I64(base + proc_p::tid, res);
    if (ctid <= 0 || ctid == current_tid) return;
    const uint64_t flags = params.U64(clone_p::flags, 0);
    const bool thread = (flags & kCloneThread) != 0;
    const ThreadInfo* pinfo = parent ? &parent->info : nullptr;
    const int64_t cpid = params.I64(base + proc_p::pid, thread && pinfo ? pinfo->pid : ctid);
    ThreadInfo t;
    if (pinfo != nullptr) {  // what the record does not say is inherited
      t = *pinfo;
      t.process.reset();
    }
    t.tid = ctid;
    t.pid = cpid;
    t.ptid = pinfo ? (thread ? pinfo->ptid : pinfo->pid) : -1;
    t.vtid = t.vpid = -1;
    bool fresh = false;
    if (thread) {
      if (pinfo != nullptr && pinfo->pid == cpid) {
        t.process = pinfo->process;
      } else if (ThreadEntry* leader = Find(cpid); leader && leader->info.pid == cpid) {
        t.process = leader->info.process;
      }
    }
    if (!t.process) {
      t.process = pinfo && pinfo->process ? std::make_shared<Process>(*pinfo->process)
                                          : std::make_shared<Process>();
      t.process->pid = cpid;
      fresh = true;
    }
    Process* p = fresh ? t.process.get() : nullptr;
    ReadIdentity(base, t, p);
    if (params.Has(base + proc_p::start_ts)) {
      t.start_ts = params.U64(base + proc_p::start_ts, 0);
      if (fresh) t.process->start_ts = t.start_ts;
    }
    Insert(std::move(t), fresh);
  }

  void OnExec(ThreadEntry* self, uint16_t type) {
    if (self == nullptr || params.I64(execve_p::res, -1) != 0) return;  // failed: nothing changes
    ThreadInfo& t = self->info;
    Process& p = *t.process;
    AssignStrings(params.Str(execve_p::args), &p.args);
    if (!p.args.empty()) {
      p.exe = std::move(p.args.front());
      p.args.erase(p.args.begin());
    } else {
      p.exe.assign(params.Str(execve_p::exe));
    }
    if (std::string_view cwd = params.Str(execve_p::cwd); !cwd.empty() && cwd.front() == '/') {
      ResolvePath("", cwd, &p.cwd);
    }
    std::string_view trusted = params.Str(execve_p::trusted_exepath);
    if (!trusted.empty()) {
      p.exepath.assign(trusted);
    } else {
      int64_t dirfd = type == Code("execveat") ? params.I64(execveat_p::dirfd, kAtFdcwd) : kAtFdcwd;
      ResolveAt(&p, dirfd, params.Str(execve_p::exe), &p.exepath);
    }
    view.abs_paths[execve_p::exe] = p.exepath;
    if (params.Has(execve_p::env)) AssignStrings(params.Str(execve_p::env), &p.env);
    p.exe_flags = params.U32(execve_p::flags, 0);
    p.exe_ino = params.U64(execve_p::exe_ino, 0);
    p.exe_ino_ctime = params.U64(execve_p::exe_ino_ctime, 0);
    p.exe_ino_mtime = params.U64(execve_p::exe_ino_mtime, 0);
    ReadIdentity(execve_p::tid, t, &p);
    for (auto it = p.fds.begin(); it != p.fds.end();) {
      if (it->second.open_flags & VIGIL_O_CLOEXEC) {
        it = p.fds.erase(it);
        --n_fds;
      } else {
        ++it;
      }
    }
  }

  void OnOpen(Process* p, uint32_t dirfd_idx, uint32_t name_idx) {
    const int64_t fd = params.I64(0, -1);
    std::string_view raw = params.Str(name_idx);
    std::string& abs = view.abs_paths[name_idx];
    if (abs.empty()) {
      ResolveAt(p, dirfd_idx == kNoIndex ? kAtFdcwd : params.I64(dirfd_idx, kAtFdcwd), raw, &abs);
    }
    FdInfo* e;
    if (fd >= 0 && p != nullptr) {
      e = &AddFd(*p, fd);
      SetView(e, fd);
    } else {
      ResetFd(&scratch_fd);
      e = &scratch_fd;
      SetView(e, -1);
    }
    const uint32_t flags = params.U32(name_idx + 1, 0);
    e->type = (flags & VIGIL_O_DIRECTORY) ? FdType::kDirectory : FdType::kFile;
    e->name.assign(abs.empty() ? raw : std::string_view(abs));
    e->name_raw.assign(raw);
    e->open_flags = flags;
    e->dev = params.U32(name_idx + 3, 0);
    e->ino = params.U64(name_idx + 4, 0);
  }

  // An fd-creating call's new entry of type `type` named `name`.
  FdInfo* NewFd(Process* p, int64_t fd, FdType type, std::string_view name, uint32_t flags) {
    if (p == nullptr || fd < 0) {
      SetView(nullptr, -1);
      return nullptr;
    }
    FdInfo& e = AddFd(*p, fd);
    e.type = type;
    e.name.assign(name);
    e.open_flags = flags;
    SetView(&e, fd);
    return &e;
  }

  FdInfo& SocketEntry(Process& p, int64_t fd) {
    if (FdInfo* e = FindFd(&p, fd)) return *e;
    return AddFd(p, fd);
  }

  static void ApplyAddr(const SockAddr& a, FdInfo& e, bool tuple) {
    e.family = a.family;
    if (e.type == FdType::kUnknown || e.type == FdType::kFile) e.type = TypeForFamily(a.family);
    if (a.family == AF_INET || a.family == AF_INET6) {
      if (tuple) {
        e.sip = a.sip;
        e.sport = a.sport;
      }
      e.dip = a.dip;
      e.dport = a.dport;
      if (e.l4proto == 0) e.l4proto = kIpprotoTcp;
    }
  }

  void Name(FdInfo& e, const SockAddr& a) {
    if (a.family == AF_UNIX) {
      if (!a.path.empty()) e.name.assign(a.path);
    } else {
      FormatSocketName(e, &e.name);
    }
    view.fd_name_changed = true;
  }

  void OnConnect(Process* p) {
    const int64_t res = params.I64(connect_p::res, 0);
    const int64_t fd = params.I64(connect_p::fd, -1);
    if (p == nullptr || fd < 0 || (res < 0 && res != -EINPROGRESS)) return;
    SockAddr a;
    bool tuple = ParseTuple(params.Bytes(connect_p::tuple), &a);
    if (!tuple && !ParseSockaddr(params.Bytes(connect_p::addr), &a)) return;
    FdInfo& e = SocketEntry(*p, fd);
    ApplyAddr(a, e, tuple);
    e.role = SocketRole::kClient;
    e.connected = true;
    Name(e, a);
    SetView(&e, fd);
  }

  void OnAccept(Process* p, uint16_t type) {
    const int64_t fd = params.I64(accept_p::fd, -1);
    if (p == nullptr || fd < 0) {
      SetView(nullptr, -1);
      return;
    }
    uint8_t l4 = 0;
    if (const FdInfo* l = FindFd(p, params.I64(accept_p::listen_fd, -1))) l4 = l->l4proto;
    FdInfo& e = AddFd(*p, fd);
    SockAddr a;
    if (ParseTuple(params.Bytes(accept_p::tuple), &a)) {
      e.l4proto = l4;
      ApplyAddr(a, e, true);
      e.connected = true;
      Name(e, a);
    }
    e.role = SocketRole::kServer;
    if (type == Code("accept4")) {
      uint32_t flags = params.U32(accept4_p::flags, 0);
      if (flags & kSockCloexec) e.open_flags |= VIGIL_O_CLOEXEC;
      if (flags & kSockNonblock) e.open_flags |= VIGIL_O_NONBLOCK;
    }
    e.open_flags |= VIGIL_O_RDWR;
    SetView(&e, fd);
  }

  void OnBind(Process* p) {
    const int64_t fd = params.I64(bind_p::fd, -1);
    if (p == nullptr || fd < 0 || params.I64(bind_p::res, -1) != 0) return;
    SockAddr a;
    if (!ParseSockaddr(params.Bytes(bind_p::addr), &a)) return;
    FdInfo& e = SocketEntry(*p, fd);
    if (e.connected) return;
    ApplyAddr(a, e, false);
    if (a.family == AF_INET || a.family == AF_INET6) e.role = SocketRole::kServer;
    Name(e, a);
    SetView(&e, fd);
  }

  void OnSocket(Process* p) {
    const uint32_t family = params.U32(socket_p::domain, 0);
    const uint32_t stype = params.U32(socket_p::type, 0);
    const uint32_t proto = params.U32(socket_p::proto, 0);
    uint32_t flags = VIGIL_O_RDWR;
    if (stype & kSockCloexec) flags |= VIGIL_O_CLOEXEC;
    if (stype & kSockNonblock) flags |= VIGIL_O_NONBLOCK;
    FdInfo* e = NewFd(p, params.I64(socket_p::fd, -1), TypeForFamily(family), "", flags);
    if (e == nullptr) return;
    e->family = static_cast<uint8_t>(family);
    if (family == AF_INET || family == AF_INET6) {
      switch (stype & 0xf) {
        case SOCK_STREAM:
          e->l4proto = kIpprotoTcp;
          break;
        case SOCK_DGRAM:
          e->l4proto = kIpprotoUdp;
          break;
        case SOCK_RAW:
          e->l4proto = (proto == kIpprotoIcmp || proto == kIpprotoIcmpv6) ? kIpprotoIcmp : kL4Raw;
          break;
        default:
          break;
      }
    }
  }

  void OnSocketpair(Process* p) {
    if (p == nullptr || params.I64(socketpair_p::res, -1) < 0) return;
    const uint32_t family = params.U32(socketpair_p::domain, AF_UNIX);
    const uint32_t stype = params.U32(socketpair_p::type, 0);
    uint32_t flags = VIGIL_O_RDWR | ((stype & kSockCloexec) ? VIGIL_O_CLOEXEC : 0);
    const int64_t fd1 = params.I64(socketpair_p::fd1, -1), fd2 = params.I64(socketpair_p::fd2, -1);
    for (int64_t fd : {fd2, fd1}) {
      if (FdInfo* e = NewFd(p, fd, TypeForFamily(family), "", flags)) {
        e->family = static_cast<uint8_t>(family);
      }
    }
  }

  void OnIo(Process* p) {
    // sendto/recvfrom/sendmsg/recvmsg share their layout.
    const int64_t fd = params.I64(sendto_p::fd, -1);
    FdInfo* e = FindFd(p, fd);
    if (e == nullptr || params.I64(sendto_p::res, -1) < 0 || e->sport != 0) return;
    if (e->type != FdType::kIpv4 && e->type != FdType::kIpv6) return;
    SockAddr a;
    if (!ParseTuple(params.Bytes(sendto_p::tuple), &a)) return;
    if (a.family != AF_INET && a.family != AF_INET6) return;
    ApplyAddr(a, *e, true);
    e->connected = true;
    Name(*e, a);
  }

  void OnPipe(Process* p, uint16_t type) {
    if (p == nullptr || params.I64(pipe_p::res, -1) < 0) return;
    const uint64_t ino = params.U64(pipe_p::ino, 0);
    uint32_t flags = type == Code("pipe2") ? params.U32(pipe2_p::flags, 0) : 0;
    char name[48];
    std::snprintf(name, sizeof name, "pipe:[%llu]", static_cast<unsigned long long>(ino));
    const int64_t fd1 = params.I64(pipe_p::fd1, -1), fd2 = params.I64(pipe_p::fd2, -1);
    if (FdInfo* e = NewFd(p, fd2, FdType::kPipe, name, flags | VIGIL_O_WRONLY)) e->ino = ino;
    if (FdInfo* e = NewFd(p, fd1, FdType::kPipe, name, flags | VIGIL_O_RDONLY)) e->ino = ino;
  }

  void OnMemfd(Process* p) {
    std::string name = "memfd:";
    name.append(params.Str(memfd_create_p::name));
    uint32_t flags = VIGIL_O_RDWR;
    if (params.U32(memfd_create_p::flags, 0) & kMfdCloexec) flags |= VIGIL_O_CLOEXEC;
    NewFd(p, params.I64(memfd_create_p::fd, -1), FdType::kMemfd, name, flags);
  }

  void OnBpf(Process* p) {
    const int64_t fd = params.I64(bpf_p::res_or_fd, -1);
    const int64_t cmd = params.I64(bpf_p::cmd, -1);
    // The bpf(2) commands that return a new fd.
    static constexpr int64_t kFdCmds[] = {0, 5, 7, 13, 14, 17, 18, 19, 28, 30, 32, 33};
    if (std::find(std::begin(kFdCmds), std::end(kFdCmds), cmd) == std::end(kFdCmds)) return;
    NewFd(p, fd, FdType::kBpf, cmd == 0 ? "anon_inode:bpf-map" : "anon_inode:bpf-prog",
          VIGIL_O_RDWR | VIGIL_O_CLOEXEC);
  }

  void OnPidfdGetfd(Process* p) {
    const int64_t fd = params.I64(pidfd_getfd_p::fd, -1);
    if (p == nullptr || fd < 0) return;
    FdInfo copy;
    bool found = false;
    if (const FdInfo* pidfd = FindFd(p, params.I64(pidfd_getfd_p::pidfd, -1))) {
      const ThreadEntry* target = Find(pidfd->pid);
      if (target != nullptr) {
        if (const FdInfo* src =
                FindFd(target->info.process.get(), params.I64(pidfd_getfd_p::targetfd, -1))) {
          copy = *src;
          found = true;
        }
      }
    }
    FdInfo& e = AddFd(*p, fd);
    if (found) e = std::move(copy);
    e.open_flags |= VIGIL_O_CLOEXEC;  // pidfd_getfd always sets it
    SetView(&e, fd);
  }

  void Dup(Process* p, int64_t oldfd, int64_t newfd, bool cloexec) {
    if (p == nullptr || newfd < 0) return;
    SetView(FindFd(p, newfd), newfd);
    if (newfd == oldfd) return;
    const FdInfo* old = FindFd(p, oldfd);
    if (old == nullptr) {
      EraseFd(*p, newfd);  // whatever newfd was is closed; what it is now is unknown
      SetView(nullptr, newfd);
      return;
    }
    FdInfo copy = *old;
    FdInfo& e = AddFd(*p, newfd);
    e = std::move(copy);
    if (cloexec) {
      e.open_flags |= VIGIL_O_CLOEXEC;
    } else {
      e.open_flags &= ~VIGIL_O_CLOEXEC;
    }
    SetView(&e, newfd);
  }

  void OnFcntl(Process* p) {
    const int64_t res = params.I64(fcntl_p::res, -1);
    const int64_t fd = params.I64(fcntl_p::fd, -1);
    const int64_t cmd = params.U32(fcntl_p::cmd, UINT32_MAX);
    if (res < 0) return;
    if (cmd == kFdupfd || cmd == kFdupfdCloexec) {
      Dup(p, fd, res, cmd == kFdupfdCloexec);
    } else if (cmd == kFsetfd) {
      if (FdInfo* e = FindFd(p, fd)) {
        if (params.I64(fcntl_p::arg, 0) & 1) {
          e->open_flags |= VIGIL_O_CLOEXEC;
        } else {
          e->open_flags &= ~VIGIL_O_CLOEXEC;
        }
      }
    }
  }

  // setuid/setgid: a privileged caller sets every id, others only the effective one.
  static void SetIds(uint32_t* real, uint32_t* eff, uint32_t r, uint32_t e, bool privileged_all,
                     uint32_t all) {
    if (privileged_all) {
      *real = all;
      *eff = all;
      return;
    }
    if (r != kNoId) *real = r;
    if (e != kNoId) *eff = e;
  }

  // As the kernel does when the effective/real user ids leave root (without file capabilities).
  static void DropCapsOnUidChange(ThreadInfo& t, uint32_t old_uid, uint32_t old_euid) {
    if (old_euid == 0 && t.euid != 0) t.cap_effective = 0;
    if ((old_uid == 0 || old_euid == 0) && t.uid != 0 && t.euid != 0) {
      t.cap_permitted = 0;
      t.cap_effective = 0;
    }
  }

  void OnSetId(ThreadInfo& t, uint16_t type) {
    if (params.I64(0, -1) != 0) return;
    const uint32_t a = params.U32(1, kNoId), b = params.U32(2, kNoId);
    const uint32_t old_uid = t.uid, old_euid = t.euid;
    if (type == Code("setuid")) {
      if (a == kNoId) return;
      SetIds(&t.uid, &t.euid, kNoId, a, t.euid == 0, a);
    } else if (type == Code("setgid")) {
      if (a == kNoId) return;
      SetIds(&t.gid, &t.egid, kNoId, a, t.euid == 0, a);
    } else if (type == Code("setreuid") || type == Code("setresuid")) {
      SetIds(&t.uid, &t.euid, a, b, false, 0);
    } else {
      SetIds(&t.gid, &t.egid, a, b, false, 0);
    }
    if (type == Code("setuid") || type == Code("setreuid") || type == Code("setresuid")) {
      DropCapsOnUidChange(t, old_uid, old_euid);
    }
  }

  void OnChdir(Process* p, uint16_t type) {
    if (p == nullptr || params.I64(0, -1) != 0) return;
    std::string_view cwd = params.Str(2);  // chdir and fchdir both carry the new cwd there
    if (!cwd.empty() && cwd.front() == '/') {
      ResolvePath("", cwd, &p->cwd);
    } else if (type == Code("chdir")) {
      if (!view.abs_paths[chdir_p::path].empty()) p->cwd = view.abs_paths[chdir_p::path];
    } else if (const FdInfo* d = FindFd(p, params.I64(fchdir_p::fd, -1))) {
      if (!d->name.empty() && d->name.front() == '/') p->cwd = d->name;
    }
  }

  const EventView& Before(const fields::EventContext& ev) {
    view.thread = nullptr;
    view.fd = nullptr;
    view.fd_num = -1;
    view.fd_name_changed = false;
    for (std::string& s : view.abs_paths) s.clear();
    pending_close = -1;
    pending_close_proc = nullptr;
    pending_exit = -1;
    current_tid = -1;

    int64_t tid = -1;
    if (ev.record != nullptr && ev.len >= VIGIL_EVENT_HEADER_SIZE) {
      tid = vigil_event_get_header(ev.record).tid;
    }
    current_tid = tid;
    if (!params.Load(ev.record, ev.len) || !params.MatchesSchema(ev.type)) {
      ++malformed;
      ThreadEntry* e = Find(tid);
      if (e != nullptr) {
        view.thread = &e->info;
      } else {
        unknown.tid = tid;
        view.thread = &unknown;
      }
      Publish();
      return view;
    }

    ThreadEntry* self = Ensure(tid);
    if (self == nullptr) unknown.tid = tid;
    view.thread = self ? &self->info : &unknown;
    Process* p = self ? self->info.process.get() : nullptr;

    const uint16_t type = ev.type;
    const TypeLayout& layout = LayoutFor(type);
    for (uint32_t i = 0; i < layout.is_path.size(); ++i) {
      if (!layout.is_path[i]) continue;
      int64_t dirfd =
          layout.path_dirfd[i] == kNoIndex ? kAtFdcwd : params.I64(layout.path_dirfd[i], kAtFdcwd);
      ResolveAt(p, dirfd, params.Str(i), &view.abs_paths[i]);
    }
    if (layout.fd_arg != kNoIndex) {
      const int64_t fd = params.I64(layout.fd_arg, -1);
      if (fd >= 0) SetView(FindFd(p, fd), fd);
    }

    switch (type) {
      case Code("clone"):
      case Code("clone3"):
      case Code("fork"):
      case Code("vfork"):
        OnClone(self);
        break;
      case Code("execve"):
      case Code("execveat"):
        OnExec(self, type);
        break;
      case Code("procexit"):
        pending_exit = tid;
        break;
      case Code("open"):
      case Code("creat"):
        OnOpen(p, kNoIndex, open_p::name);
        break;
      case Code("openat"):
      case Code("openat2"):
        OnOpen(p, openat_p::dirfd, openat_p::name);
        break;
      case Code("close"):
        if (p != nullptr && params.I64(close_p::res, 0) != -EBADF) {
          pending_close = params.I64(close_p::fd, -1);
          pending_close_proc = p;
        }
        break;
      case Code("dup"):
        if (params.I64(dup_p::res, -1) >= 0) {
          Dup(p, params.I64(dup_p::oldfd, -1), params.I64(dup_p::res, -1), false);
        }
        break;
      case Code("dup2"):
      case Code("dup3"):
        if (params.I64(dup2_p::res, -1) >= 0) {
          bool cloexec =
              type == Code("dup3") && (params.U32(dup3_p::flags, 0) & VIGIL_O_CLOEXEC) != 0;
          Dup(p, params.I64(dup2_p::oldfd, -1), params.I64(dup2_p::res, -1), cloexec);
        }
        break;
      case Code("fcntl"):
        OnFcntl(p);
        break;
      case Code("socket"):
        OnSocket(p);
        break;
      case Code("socketpair"):
        OnSocketpair(p);
        break;
      case Code("connect"):
        OnConnect(p);
        break;
      case Code("accept"):
      case Code("accept4"):
        OnAccept(p, type);
        break;
      case Code("bind"):
        OnBind(p);
        break;
      case Code("listen"):
        if (params.I64(listen_p::res, -1) == 0) {
          if (FdInfo* e = FindFd(p, params.I64(listen_p::fd, -1))) e->role = SocketRole::kServer;
        }
        break;
      case Code("sendto"):
      case Code("sendmsg"):
      case Code("recvfrom"):
      case Code("recvmsg"):
        OnIo(p);
        break;
      case Code("pipe"):
      case Code("pipe2"):
        OnPipe(p, type);
        break;
      case Code("memfd_create"):
        OnMemfd(p);
        break;
      case Code("userfaultfd"):
        NewFd(p, params.I64(userfaultfd_p::res, -1), FdType::kUserfaultfd,
              "anon_inode:[userfaultfd]",
              VIGIL_O_RDWR | (params.U32(userfaultfd_p::flags, 0) & VIGIL_O_CLOEXEC));
        break;
      case Code("bpf"):
        OnBpf(p);
        break;
      case Code("pidfd_open"):
        if (FdInfo* e = NewFd(p, params.I64(pidfd_open_p::fd, -1), FdType::kPidfd,
                              "anon_inode:[pidfd]", VIGIL_O_RDWR | VIGIL_O_CLOEXEC)) {
          e->pid = params.I64(pidfd_open_p::pid, -1);
        }
        break;
      case Code("pidfd_getfd"):
        OnPidfdGetfd(p);
        break;
      case Code("io_uring_setup"):
        NewFd(p, params.I64(io_uring_setup_p::res, -1), FdType::kIoUring, "anon_inode:[io_uring]",
              VIGIL_O_RDWR | VIGIL_O_CLOEXEC);
        break;
      case Code("chdir"):
      case Code("fchdir"):
        OnChdir(p, type);
        break;
      case Code("setuid"):
      case Code("setgid"):
      case Code("setreuid"):
      case Code("setregid"):
      case Code("setresuid"):
      case Code("setresgid"):
        if (self != nullptr) OnSetId(self->info, type);
        break;
      case Code("capset"):
        if (self != nullptr && params.I64(capset_p::res, -1) == 0) {
          ThreadInfo& t = self->info;
          t.cap_inheritable = params.U64(capset_p::cap_inheritable, t.cap_inheritable);
          t.cap_permitted = params.U64(capset_p::cap_permitted, t.cap_permitted);
          t.cap_effective = params.U64(capset_p::cap_effective, t.cap_effective);
        }
        break;
      default:
        break;  // chroot, setns, unshare, rename*, ...: paths resolved above, tables unchanged
    }
    Publish();
    return view;
  }

  void After() {
    if (pending_close >= 0 && pending_close_proc != nullptr) {
      // The process is still referenced by the event's thread, which nothing removed since.
      EraseFd(*pending_close_proc, pending_close);
    }
    if (pending_exit >= 0) {
      auto it = threads.find(pending_exit);
      if (it != threads.end()) {
        ThreadEntry& e = it->second;
        if (e.info.tid == e.info.pid && e.info.process && e.info.process.use_count() > 1) {
          e.dead = true;  // other threads still run: lineage needs the leader until they end
        } else {
          EraseThread(it);
        }
      }
    }
    pending_close = -1;
    pending_close_proc = nullptr;
    pending_exit = -1;
    view.thread = nullptr;
    view.fd = nullptr;
    Publish();
  }

  Status ScanProc() {
    reader.ClearSocketCache();
    std::vector<int64_t> pids = reader.ListPids();
    if (pids.empty()) {
      return Status::Error("state: no process found under " + opt.proc_root);
    }
    current_tid = -1;
    for (int64_t pid : pids) {
      if (threads.size() >= opt.max_threads) break;
      auto proc = std::make_shared<Process>();
      if (!reader.ReadProcess(pid, proc.get())) continue;
      bool first = true;
      for (int64_t tid : reader.ListTasks(pid)) {
        if (threads.size() >= opt.max_threads) break;
        ThreadInfo t;
        if (!reader.ReadThread(pid, tid, &t)) continue;
        t.pid = pid;
        if (tid == pid) proc->start_ts = t.start_ts;
        t.process = proc;
        Insert(std::move(t), first);
        first = false;
      }
    }
    reader.ClearSocketCache();
    Publish();
    return Status::Ok();
  }
};

SyscallState::SyscallState(StateOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
SyscallState::~SyscallState() = default;

Status SyscallState::ScanProc() { return impl_->ScanProc(); }

const EventView& SyscallState::Before(const fields::EventContext& event) {
  return impl_->Before(event);
}

void SyscallState::After() { impl_->After(); }

const ThreadInfo* SyscallState::FindThread(int64_t tid) const {
  auto it = impl_->threads.find(tid);
  return it == impl_->threads.end() ? nullptr : &it->second.info;
}

const ThreadInfo* SyscallState::FindProcessLeader(int64_t pid) const {
  auto it = impl_->threads.find(pid);
  if (it == impl_->threads.end() || it->second.info.pid != pid) return nullptr;
  return &it->second.info;
}

StateCounters SyscallState::counters() const {
  const Impl& i = *impl_;
  StateCounters c;
  c.threads = i.pub_threads.load(std::memory_order_relaxed);
  c.processes = i.pub_processes.load(std::memory_order_relaxed);
  c.fds = i.pub_fds.load(std::memory_order_relaxed);
  c.evicted = i.pub_evicted.load(std::memory_order_relaxed);
  c.missing_thread = i.pub_missing.load(std::memory_order_relaxed);
  c.fds_evicted = i.pub_fds_evicted.load(std::memory_order_relaxed);
  c.malformed = i.pub_malformed.load(std::memory_order_relaxed);
  return c;
}

std::vector<uint16_t> StateEventTypes() {
  static constexpr uint16_t kCodes[] = {
      Code("clone"),        Code("clone3"),         Code("fork"),        Code("vfork"),
      Code("execve"),       Code("execveat"),       Code("procexit"),    Code("open"),
      Code("openat"),       Code("openat2"),        Code("creat"),       Code("close"),
      Code("dup"),          Code("dup2"),           Code("dup3"),        Code("fcntl"),
      Code("socket"),       Code("socketpair"),     Code("connect"),     Code("accept"),
      Code("accept4"),      Code("bind"),           Code("pipe"),        Code("pipe2"),
      Code("memfd_create"), Code("chdir"),          Code("fchdir"),      Code("setuid"),
      Code("setgid"),       Code("setreuid"),       Code("setregid"),    Code("setresuid"),
      Code("setresgid"),    Code("capset"),         Code("userfaultfd"), Code("pidfd_open"),
      Code("pidfd_getfd"),  Code("io_uring_setup"), Code("bpf"),
  };
  std::vector<uint16_t> out(std::begin(kCodes), std::end(kCodes));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace vigil::state
