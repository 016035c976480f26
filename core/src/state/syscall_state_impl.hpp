// Internal to core/src/state: the private side of SyscallState (syscall_state.hpp), shared by
// the files that implement it:
//   syscall_state.cpp     the per-event dispatch (Before/After), path resolution, the public API
//   thread_table.cpp      the thread/process table: lookup, /proc placeholders, eviction, scan
//   process_handlers.cpp  clone, exec, set*id, chdir: the events that change threads and processes
//   fd_handlers.cpp       the fd table and the events that change it: open, dup, fcntl, close,
//                         sockets, pipes, memfd, ...
//
// Layout: threads live in one hash map by tid (nodes never move, so SyscallView can point into it);
// the threads of a process share one Process through a shared_ptr, which holds the fd table. Only
// table entries hold Process references, so a Process dies with its last thread. A FIFO of
// (tid, generation) with a "recently active" bit per thread (the CLOCK algorithm) picks the entry
// to evict when the table is full, after entries whose /proc entry is gone.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "proc_reader.hpp"
#include "record_params.hpp"
#include "vigil/core/syscall_state.hpp"
#include "vigil/event_types.h"
#include "vigil/syscall_schema.h"

namespace vigil::state {

using Clock = std::chrono::steady_clock;

inline constexpr int64_t kAtFdcwd = -100;
inline constexpr uint32_t kNoIndex = UINT32_MAX;

// Event type codes by name, from event_types.h; consteval so a misspelt name does not compile.
consteval uint16_t Code(std::string_view name) {
  const uint16_t code = SyscallEventCode(name);
  if (code == 0) throw "not an event type name";
  return code;
}

struct SockAddr;  // a socket address parameter, parsed (fd_handlers.cpp)

struct ThreadEntry {
  ThreadInfo info;
  uint64_t gen = 0;
  bool referenced = true;  // active since the eviction hand last passed
  bool dead = false;       // a process leader that exited while other threads of it still run
};

struct SyscallState::Impl {
  explicit Impl(StateOptions o);

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
  SyscallView view;
  RecordParams params;
  FdInfo scratch_fd;   // the entry of a failed open
  ThreadInfo unknown;  // the thread of events without one (tid -1) or of malformed records
  int64_t current_tid = -1;
  int64_t pending_close = -1;
  Process* pending_close_proc = nullptr;
  int64_t pending_exit = -1;
  std::vector<int64_t> fd_list;

  // ---- thread table (thread_table.cpp) ----

  void Publish();
  // Removes a thread; when it was the last of its process, the process (and its fds) go too. A
  // dead leader kept for its remaining threads goes with the last of them. Returns how many
  // threads were removed.
  size_t EraseThread(Map::iterator it);
  void CompactOrder();
  // Drops every thread whose /proc entry is gone (their exit events were lost).
  void SweepDead();
  // CLOCK: the oldest entry not active since the hand last passed it goes.
  bool EvictOne();
  void MakeRoom();
  // Adds (or replaces) a thread. `new_process`: its Process is not yet referenced by the table.
  ThreadEntry& Insert(ThreadInfo&& t, bool new_process);
  ThreadEntry* Find(int64_t tid);
  // The thread of `tid`: from the table, else from /proc (with its process), else a placeholder
  // built from nothing but the tid. Null for tid < 0.
  ThreadEntry* Ensure(int64_t tid);
  Status ScanProc();

  // ---- fd table (fd_handlers.cpp) ----

  FdInfo* FindFd(Process* p, int64_t fd);
  void MakeFdRoom(Process& p);
  // A fresh entry for `fd` (an existing one is reset).
  FdInfo& AddFd(Process& p, int64_t fd);
  void EraseFd(Process& p, int64_t fd);

  // ---- paths (syscall_state.cpp) ----

  // Resolves `path` as the syscall would: absolute as is, else against the cwd (dirfd AT_FDCWD)
  // or the directory `dirfd` names. Empty when it cannot be made absolute.
  void ResolveAt(Process* p, int64_t dirfd, std::string_view path, std::string* out);

  // ---- events ----

  void SetView(FdInfo* fd, int64_t num) {
    view.fd = fd;
    view.fd_num = num;
  }

  // The dispatch (syscall_state.cpp).
  const SyscallView& Before(const fields::EventContext& ev);
  void After();

  // Threads and processes (process_handlers.cpp).
  void ReadIdentity(uint32_t base, ThreadInfo& t, Process* p);
  void OnClone(ThreadEntry* parent);
  void OnExec(ThreadEntry* self, uint16_t type);
  void OnSetId(ThreadInfo& t, uint16_t type);
  void OnChdir(Process* p, uint16_t type);

  // Fds and sockets (fd_handlers.cpp).
  void OnOpen(Process* p, uint32_t dirfd_idx, uint32_t name_idx);
  // An fd-creating call's new entry of type `type` named `name`.
  FdInfo* NewFd(Process* p, int64_t fd, FdType type, std::string_view name, uint32_t flags);
  FdInfo& SocketEntry(Process& p, int64_t fd);
  void Name(FdInfo& e, const SockAddr& a);
  void OnConnect(Process* p);
  void OnAccept(Process* p, uint16_t type);
  void OnBind(Process* p);
  void OnSocket(Process* p);
  void OnSocketpair(Process* p);
  void OnIo(Process* p);
  void OnPipe(Process* p, uint16_t type);
  void OnMemfd(Process* p);
  void OnBpf(Process* p);
  void OnPidfdGetfd(Process* p);
  void Dup(Process* p, int64_t oldfd, int64_t newfd, bool cloexec);
  void OnFcntl(Process* p);
};

}  // namespace vigil::state
