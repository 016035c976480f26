#include <array>

#include "syscall_table_x86_64.hpp"
#include "vigil/event_types.h"

namespace vigil::ebpf {
namespace {

#define VIGIL__TYPE_CODE(code, name) constexpr uint16_t k_##name = code;
VIGIL_SYSCALL_EVENT_TYPES(VIGIL__TYPE_CODE)
#undef VIGIL__TYPE_CODE

#define E(name, nr) \
  SyscallEntry { #name, k_##name, nr, Capture::kSysExit }
constexpr std::array kTable = {
    E(open, 2),
    E(openat, 257),
    E(openat2, 437),
    E(creat, 85),
    E(close, 3),
    E(connect, 42),
    E(accept, 43),
    E(accept4, 288),
    E(listen, 50),
    E(bind, 49),
    E(socket, 41),
    E(socketpair, 53),
    E(sendto, 44),
    E(sendmsg, 46),
    E(recvfrom, 45),
    E(recvmsg, 47),
    SyscallEntry{"execve", k_execve, 59, Capture::kExec},
    SyscallEntry{"execveat", k_execveat, 322, Capture::kExec},
    SyscallEntry{"clone", k_clone, 56, Capture::kFork},
    SyscallEntry{"clone3", k_clone3, 435, Capture::kFork},
    SyscallEntry{"fork", k_fork, 57, Capture::kFork},
    SyscallEntry{"vfork", k_vfork, 58, Capture::kFork},
    SyscallEntry{"procexit", k_procexit, -1, Capture::kExit},
    E(ptrace, 101),
    E(rename, 82),
    E(renameat, 264),
    E(renameat2, 316),
    E(unlink, 87),
    E(unlinkat, 263),
    E(rmdir, 84),
    E(mkdir, 83),
    E(mkdirat, 258),
    E(chmod, 90),
    E(fchmod, 91),
    E(fchmodat, 268),
    E(symlink, 88),
    E(symlinkat, 266),
    E(link, 86),
    E(linkat, 265),
    E(dup, 32),
    E(dup2, 33),
    E(dup3, 292),
    E(fcntl, 72),
    E(setuid, 105),
    E(setgid, 106),
    E(setreuid, 113),
    E(setregid, 114),
    E(setresuid, 117),
    E(setresgid, 119),
    E(setns, 308),
    E(unshare, 272),
    E(mount, 165),
    E(umount2, 166),
    E(init_module, 175),
    E(finit_module, 313),
    E(bpf, 321),
    E(memfd_create, 319),
    E(userfaultfd, 323),
    E(chdir, 80),
    E(fchdir, 81),
    E(pipe, 22),
    E(pipe2, 293),
    E(capset, 126),
    E(prctl, 157),
    E(read, 0),
    E(write, 1),
    E(kill, 62),
    E(chroot, 161),
    E(pidfd_open, 434),
    E(pidfd_getfd, 438),
    E(process_vm_readv, 310),
    E(process_vm_writev, 311),
    E(io_uring_setup, 425),
    E(mprotect, 10),
    E(mmap, 9),
    E(getppid, 110),
};
#undef E

}  // namespace

std::span<const SyscallEntry> SyscallTable() { return kTable; }

std::optional<SyscallEntry> FindByEventType(uint16_t event_type) {
  for (const auto& e : kTable) {
    if (e.event_type == event_type) return e;
  }
  return std::nullopt;
}

}  // namespace vigil::ebpf
