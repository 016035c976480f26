// Syscall state: what the core knows about every process, thread and open file descriptor on the
// host, kept from the syscall events of whichever kernel source feeds it (eBPF probe, kmod) and
// from /proc at start. The syscall fields (`proc.*`, `thread.*`, `fd.*`, `user.*`, `group.*`,
// `evt.arg.*`) read it; nothing else writes it.
//
//   SyscallState state({.max_threads = 131072, .proc_root = "/proc"});
//   state.ScanProc();                                   // before the first event
//   // per event of source "syscall", on the engine thread:
//   ctx.syscall = &state.Before(ctx);                   // update, then rules read the view
//   ruleset.Evaluate(ctx, ...);
//   state.After();                                      // removals that must wait for the rules
//
// Records are read by the schema (syscall_schema.h), every parameter length checked: a record that
// does not match its type's schema is counted (`malformed`) and changes nothing. Memory is bounded
// by max_threads and max_fds_per_process (see StateOptions).
//
// Thread safety: engine thread only, except counters().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/core/status.hpp"

namespace vigil::fields {
struct EventContext;
}

namespace vigil::state {

// What an fd refers to; `fd.type` renders these as Falco does (file, directory, ipv4, ipv6, unix,
// pipe, event, signalfd, eventpoll, inotify, timerfd, netlink, memfd, bpf, userfaultfd, io_uring,
// pidfd), `fd.typechar` as f, d, 4, 6, u, p, e, s, l, i, t, n, m, b, ...
enum class FdType : uint8_t {
  kUnknown,
  kFile,
  kDirectory,
  kIpv4,
  kIpv6,
  kUnix,
  kNetlink,
  kPacket,  // AF_PACKET and other raw families
  kPipe,
  kEvent,
  kSignalFd,
  kEventPoll,
  kInotify,
  kTimerFd,
  kMemfd,
  kBpf,
  kUserfaultfd,
  kIoUring,
  kPidfd,
};

enum class SocketRole : uint8_t { kUnknown, kClient, kServer };

struct FdInfo {
  FdType type = FdType::kUnknown;
  // Falco's fd.name: an absolute normalised path for files ("/etc/shadow" for
  // "/etc/../etc/shadow"), "sip:sport->dip:dport" for connected IP sockets, the path for unix
  // sockets, "pipe:[ino]", the memfd name as "memfd:name".
  std::string name;
  std::string name_raw;     // the path as the syscall gave it (fd.nameraw)
  uint32_t open_flags = 0;  // VIGIL_O_* (syscall_schema.h)
  uint32_t dev = 0;
  uint64_t ino = 0;
  // Sockets. s = client side, d = server side, as in the socket tuple (syscall_schema.h).
  uint8_t family = 0;   // AF_*
  uint8_t l4proto = 0;  // IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, 255 raw; 0 unknown
  std::array<uint8_t, 16> sip{}, dip{};  // IPv4 in the first 4 bytes
  uint16_t sport = 0, dport = 0;
  SocketRole role = SocketRole::kUnknown;
  bool connected = false;
  int64_t pid = -1;  // pidfd: the process it refers to
};

// What processes share (threads of one process point to the same one): image, arguments,
// environment, working directory and fd table.
struct Process {
  int64_t pid = -1;
  std::string exe;                // argv[0] as Falco's proc.exe
  std::string exepath;            // absolute path of the executable (proc.exepath)
  std::vector<std::string> args;  // argv[1..]
  std::vector<std::string> env;   // "KEY=value"
  std::string cwd;                // absolute, ends without '/' except "/"
  uint32_t exe_flags = 0;         // VIGIL_EXE_* (writable, upper layer, memfd, lower layer)
  uint64_t exe_ino = 0;
  uint64_t exe_ino_ctime = 0, exe_ino_mtime = 0;  // ns since the epoch
  uint64_t start_ts = 0;                          // ns since the epoch (process start)
  uint64_t pidns_init_start_ts = 0;
  uint64_t mntns_ino = 0, netns_ino = 0, pidns_ino = 0;
  std::vector<std::string> cgroups;  // "subsys=/path"
  std::unordered_map<int64_t, FdInfo> fds;
  // Plugins' values (set_process_value), by plugin slot; copied to a forked child with the rest.
  std::vector<std::optional<std::string>> plugin_values;
};

struct ThreadInfo {
  int64_t tid = -1;
  int64_t pid = -1;   // thread group id
  int64_t ptid = -1;  // parent process id (real parent's pid)
  int64_t vtid = -1, vpid = -1, vpgid = -1;
  int64_t sid = -1, pgid = -1;
  std::string comm;  // the thread's name (proc.name is the process's comm)
  uint32_t uid = 0, gid = 0, euid = 0, egid = 0;
  uint32_t loginuid = UINT32_MAX;  // -1: not set
  uint64_t cap_inheritable = 0, cap_permitted = 0, cap_effective = 0;
  uint32_t tty = 0;
  uint64_t start_ts = 0;  // thread start, ns since the epoch
  std::shared_ptr<Process> process;
};

// What the state found for one event: the thread that made it (never null: an unknown thread gets
// a placeholder built from the event and /proc), and the fd the event is about when it has one
// (the new fd of open/socket/accept, the `fd` argument of read/connect/close...), which for a
// failed open is a temporary entry so `fd.name` still names the file.
struct SyscallView {
  const ThreadInfo* thread = nullptr;
  const FdInfo* fd = nullptr;
  int64_t fd_num = -1;           // fd.num: -1 when the event has no fd or the call failed
  bool fd_name_changed = false;  // this event changed fd.name (connect, bind ...)
  // Params of the record resolved by the state: absolute, normalised paths of path arguments
  // (by param index; empty when the param is not a path or could not be resolved).
  std::array<std::string, 8> abs_paths;
};

// A copy of what a SyscallView points to (the thread, its process, the fd), for an event whose
// rules run after later events changed the state: a held event (hold_process). Lineage fields
// still read the live table. Not movable: the view points into the copy.
class SyscallViewCopy {
 public:
  explicit SyscallViewCopy(const SyscallView& view);
  SyscallViewCopy(const SyscallViewCopy&) = delete;
  SyscallViewCopy& operator=(const SyscallViewCopy&) = delete;
  const SyscallView& view() const { return view_; }

 private:
  ThreadInfo thread_;
  std::optional<FdInfo> fd_;
  SyscallView view_;
};

struct StateOptions {
  size_t max_threads = 131072;        // table bound: beyond it the oldest dead-looking entries go
  size_t max_fds_per_process = 4096;  // per-process fd table bound
  std::string proc_root = "/proc";    // for the start scan and for threads first seen mid-stream
  // When a table is full, entries whose /proc entry is gone (lost exit events) are dropped first;
  // that check reads the whole table, so it runs at most this often (ms); between checks the
  // least recently active entry goes.
  uint32_t proc_sweep_interval_ms = 10000;
};

struct StateCounters {
  uint64_t threads = 0;
  uint64_t processes = 0;
  uint64_t fds = 0;
  uint64_t evicted = 0;         // entries removed to stay within max_threads
  uint64_t missing_thread = 0;  // events of threads not in the table (filled from /proc or events)
  uint64_t fds_evicted = 0;     // fds removed to stay within max_fds_per_process
  uint64_t malformed = 0;       // records that do not match the schema (ignored by the state)
};

class SyscallState {
 public:
  explicit SyscallState(StateOptions options);
  ~SyscallState();

  // Reads every process and thread (and their fds) from the proc root. Call once before events.
  Status ScanProc();

  // Applies the event (a checked record of source "syscall") and returns what rules may read
  // about it; valid until After.
  const SyscallView& Before(const fields::EventContext& event);
  // Removals that must follow the rules: the fd a close closed, the thread a procexit ended.
  void After();

  const ThreadInfo* FindThread(int64_t tid) const;
  const ThreadInfo* FindProcessLeader(int64_t pid) const;  // the main thread of process `pid`
  StateCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The syscall event types state keeping needs whatever the rules say (fork, exec, exit, close,
// the calls that create or duplicate fds, chdir ...): the host asks the source for these plus the
// rules' types (Falco's base syscalls).
std::vector<uint16_t> StateEventTypes();

}  // namespace vigil::state
