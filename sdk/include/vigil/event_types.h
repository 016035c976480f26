/* vigil event types: the number in an event record's header (event_record.h) and its name, the
 * `evt.type` value rules compare against (`evt.type in (open, openat)`).
 *
 * Names are Falco's (syscall names), so Falco rules work unchanged. Codes are part of the ABI:
 * append new types at the end, never renumber. The parameters of each syscall event are defined by
 * the syscall schema (written with the probe); this table only names the types.
 *
 * Pure C, usable from BPF, kernel and user code:
 *
 *   #define X(code, name) case code: return #name;
 *   switch (type) { VIGIL_SYSCALL_EVENT_TYPES(X) }
 */
#ifndef VIGIL_EVENT_TYPES_H
#define VIGIL_EVENT_TYPES_H

#define VIGIL_EVENT_TYPES_VERSION 1

/* VIGIL_EVENT_PLUGIN (1), the generic event of non-syscall sources, is named "pluginevent" as in
 * Falco. Syscall events start at VIGIL_EVENT_SYSCALL_FIRST (16). */
#define VIGIL_PLUGIN_EVENT_NAME "pluginevent"

#define VIGIL_SYSCALL_EVENT_TYPES(X) \
  X(16, open)                        \
  X(17, openat)                      \
  X(18, openat2)                     \
  X(19, creat)                       \
  X(20, close)                       \
  X(21, connect)                     \
  X(22, accept)                      \
  X(23, accept4)                     \
  X(24, listen)                      \
  X(25, bind)                        \
  X(26, socket)                      \
  X(27, socketpair)                  \
  X(28, sendto)                      \
  X(29, sendmsg)                     \
  X(30, recvfrom)                    \
  X(31, recvmsg)                     \
  X(32, execve)                      \
  X(33, execveat)                    \
  X(34, clone)                       \
  X(35, clone3)                      \
  X(36, fork)                        \
  X(37, vfork)                       \
  X(38, procexit)                    \
  X(39, ptrace)                      \
  X(40, rename)                      \
  X(41, renameat)                    \
  X(42, renameat2)                   \
  X(43, unlink)                      \
  X(44, unlinkat)                    \
  X(45, rmdir)                       \
  X(46, mkdir)                       \
  X(47, mkdirat)                     \
  X(48, chmod)                       \
  X(49, fchmod)                      \
  X(50, fchmodat)                    \
  X(51, symlink)                     \
  X(52, symlinkat)                   \
  X(53, link)                        \
  X(54, linkat)                      \
  X(55, dup)                         \
  X(56, dup2)                        \
  X(57, dup3)                        \
  X(58, fcntl)                       \
  X(59, setuid)                      \
  X(60, setgid)                      \
  X(61, setreuid)                    \
  X(62, setregid)                    \
  X(63, setresuid)                   \
  X(64, setresgid)                   \
  X(65, setns)                       \
  X(66, unshare)                     \
  X(67, mount)                       \
  X(68, umount2)                     \
  X(69, init_module)                 \
  X(70, finit_module)                \
  X(71, bpf)                         \
  X(72, memfd_create)                \
  X(73, userfaultfd)                 \
  X(74, chdir)                       \
  X(75, fchdir)                      \
  X(76, pipe)                        \
  X(77, pipe2)                       \
  X(78, capset)                      \
  X(79, prctl)                       \
  X(80, read)                        \
  X(81, write)                       \
  X(82, kill)                        \
  X(83, switch)                      \
  X(84, signaldeliver)               \
  X(85, chroot)                      \
  X(86, pidfd_open)                  \
  X(87, pidfd_getfd)                 \
  X(88, process_vm_readv)            \
  X(89, process_vm_writev)           \
  X(90, io_uring_setup)              \
  X(91, mprotect)                    \
  X(92, mmap)                        \
  X(93, getppid)

/* One past the highest code above. */
#define VIGIL_EVENT_TYPE_END 94u

#ifdef __cplusplus
#include <cstdint>
#include <string_view>
namespace vigil {
/* The code of syscall event type `name` ("execve"), 0 for none: for constants in C++ code,
 *   constexpr uint16_t kExecve = vigil::SyscallEventCode("execve");  */
constexpr uint16_t SyscallEventCode(std::string_view name) {
#define VIGIL_EVENT_TYPE_CODE_X(code, n) \
  if (name == #n) return code;
  VIGIL_SYSCALL_EVENT_TYPES(VIGIL_EVENT_TYPE_CODE_X)
#undef VIGIL_EVENT_TYPE_CODE_X
  return 0;
}
}  // namespace vigil
#endif

#endif /* VIGIL_EVENT_TYPES_H */
