// Internal to core/src/state: reads processes, threads and their fds from a proc tree (/proc, or a
// fake one in tests), as the start scan and the lookup of threads first seen mid-stream need them.
//
//   ProcReader reader("/proc", /*max_fds=*/4096);
//   Process p;  ThreadInfo t;
//   if (reader.ReadProcess(pid, &p) && reader.ReadThread(pid, tid, &t)) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/core/syscall_state.hpp"

namespace vigil::state {

class ProcReader {
 public:
  ProcReader(std::string root, size_t max_fds);

  // Numeric entries of the root (processes), and of <root>/<pid>/task (threads; {pid} when the
  // task directory cannot be read).
  std::vector<int64_t> ListPids() const;
  std::vector<int64_t> ListTasks(int64_t pid) const;

  // stat, status, comm, loginuid of <root>/<pid>/task/<tid> (of <root>/<tid> when the task entry
  // is missing). False when the thread does not exist.
  bool ReadThread(int64_t pid, int64_t tid, ThreadInfo* out);
  // cmdline, environ, exe, cwd, cgroup, namespaces and fds of <root>/<pid>. False when the
  // process does not exist. Sockets are resolved through the net tables of the process's network
  // namespace (read once per namespace and kept until ClearSocketCache).
  bool ReadProcess(int64_t pid, Process* out);
  void ClearSocketCache() { sockets_.clear(); }

  // Whether <root>/<tid> exists (a thread whose exit event was lost does not).
  bool ThreadExists(int64_t tid) const;
  // The fd numbers listed in <root>/<pid>/fd; false when the directory cannot be read.
  bool ListFds(int64_t pid, std::vector<int64_t>* out) const;

  // Kernel open(2) flags (as /proc/<pid>/fdinfo prints them, octal) to VIGIL_O_* bits.
  static uint32_t OpenFlagsFromKernel(uint64_t kernel_flags);
  // Classifies the target of a /proc/<pid>/fd/N link that is not a path or a socket
  // ("pipe:[12]", "anon_inode:[eventpoll]", "/memfd:x (deleted)") into `fd`. False when unknown.
  static bool ClassifyLink(std::string_view link, FdInfo* fd);

 private:
  struct SocketTable {
    std::unordered_map<uint64_t, FdInfo> by_inode;
  };
  const SocketTable& SocketsOf(int64_t pid, uint64_t netns);
  void ReadFds(int64_t pid, uint64_t netns, Process* out);

  std::string root_;
  size_t max_fds_;
  uint64_t btime_ns_ = 0;
  long clk_tck_ = 100;
  std::unordered_map<uint64_t, SocketTable> sockets_;  // by network namespace inode
  SocketTable scratch_sockets_;
};

// Formats a socket name as Falco does: "1.2.3.4:80->5.6.7.8:443", "::1:80->::1:443", or
// "1.2.3.4:80" for a socket with only a local (server) address. Uses fd's family, tuple, role.
void FormatSocketName(const FdInfo& fd, std::string* out);

}  // namespace vigil::state
