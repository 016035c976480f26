/* vigil syscall event schema: the parameters of every syscall event, in record order.
 *
 * Kernel sources (the eBPF probe, the kernel module) write, and the core reads, records in the
 * event_record.h format whose `type` is a code from event_types.h and whose parameters are the ones
 * listed here for that type, in this order. One record describes one completed syscall: it is
 * written when the syscall returns and carries the arguments rules need. Parameter names are
 * Falco's, so `evt.arg.flags`, `evt.arg.name`, `evt.res` mean what they mean in Falco.
 *
 * Encodings (all little-endian):
 *   fixed-size types  the value in its size (VIGIL_PT_SIZE); INT64 etc. are two's complement
 *   RES, ERRNO        int64: >= 0 the result, < 0 a negated errno
 *   PATH, CHARBUF     bytes of the string, no terminating NUL; PATH may be relative to a dirfd
 *                     or the cwd (the reader resolves it), except where noted
 *   CHARBUFARRAY      strings each followed by one NUL ("a\0b\0"); argv, env, cgroups
 *   BYTEBUF           raw bytes (a data snapshot, at most the configured snaplen)
 *   SOCKADDR          u8 family, then AF_INET: 4 address bytes, u16 port; AF_INET6: 16 bytes,
 *                     u16 port; AF_UNIX: the path bytes; other families: nothing more. Empty when
 *                     the syscall had none. Ports in host order.
 *   SOCKTUPLE         u8 family, then AF_INET: sip 4, sport u16, dip 4, dport u16; AF_INET6:
 *                     16/2/16/2; AF_UNIX: u64 source, u64 destination (kernel socket ids), path.
 *                     s is the client side, d the server side (for accept, s is the peer).
 *   EXE_FLAGS         u32 of VIGIL_EXE_* bits
 * A parameter may be empty (length 0) when the source could not read it; readers treat that as
 * "no value". Strings are read with a bounded length: a record with any string cut at its bound has
 * VIGIL_EVENT_F_TRUNCATED in the header's flags.
 *
 * Pure C with only macros, usable from BPF, kernel and user code:
 *
 *   #define P(name, type) VIGIL_P_OPENAT_##name,
 *   enum { VIGIL_PARAMS_openat(P) };            // index of each parameter
 *   #define X(code, name) { code, #name },      // with event_types.h
 */
#ifndef VIGIL_SYSCALL_SCHEMA_H
#define VIGIL_SYSCALL_SCHEMA_H

#include "event_types.h"

/* Bumped whenever a parameter is added, removed or changes type. Not yet checked at run time:
 * today the probe and the core are built together from one tree, so they always agree. */
#define VIGIL_SYSCALL_SCHEMA_VERSION 1

/* The event source (vigil_plugin_api.event_source) whose records follow this schema: what kernel
 * sources declare, and what rules without a `source:` key watch (Falco's default). */
#define VIGIL_SYSCALL_EVENT_SOURCE "syscall"

/* Header flags (vigil_event_header.flags). */
#define VIGIL_EVENT_F_TRUNCATED 0x1u /* a string parameter was cut at its capture bound */

/* Parameter types: how the bytes are encoded and how `evt.arg.X` renders them. */
#define VIGIL_PT_INT64 1      /* int64, decimal */
#define VIGIL_PT_UINT64 2     /* uint64, decimal */
#define VIGIL_PT_UINT32 3     /* uint32, decimal */
#define VIGIL_PT_RES 4        /* int64 result: errno name (ENOENT) when negative */
#define VIGIL_PT_FD 5         /* int64 file descriptor (AT_FDCWD = -100) */
#define VIGIL_PT_PID 6        /* int64 process or thread id */
#define VIGIL_PT_PATH 7       /* string, a file system path */
#define VIGIL_PT_CHARBUF 8    /* string */
#define VIGIL_PT_CHARBUFARRAY 9
#define VIGIL_PT_BYTEBUF 10
#define VIGIL_PT_SOCKADDR 11
#define VIGIL_PT_SOCKTUPLE 12
#define VIGIL_PT_UID 13       /* uint32, rendered as the user name where known */
#define VIGIL_PT_GID 14       /* uint32, rendered as the group name where known */
#define VIGIL_PT_MODE 15      /* uint32 file mode bits: S_IRUSR|S_ISUID|... */
#define VIGIL_PT_OPEN_FLAGS 16 /* uint32 open(2) flags: O_RDONLY|O_CREAT|... (vigil's bits, below) */
#define VIGIL_PT_EXE_FLAGS 17 /* uint32 VIGIL_EXE_* */
#define VIGIL_PT_CLONE_FLAGS 18 /* uint64 clone/unshare flags: CLONE_NEWUSER|... */
#define VIGIL_PT_SOCK_FAMILY 19 /* uint32 AF_* number, rendered AF_INET, AF_PACKET, ... */
#define VIGIL_PT_PTRACE_REQ 20 /* uint32 PTRACE_* request, rendered PTRACE_ATTACH, ... */
#define VIGIL_PT_BPF_CMD 21   /* int64 bpf(2) command, rendered BPF_PROG_LOAD, ... */
#define VIGIL_PT_FCNTL_CMD 22 /* uint32 F_* command, rendered F_DUPFD, ... */
#define VIGIL_PT_SIGNAL 23    /* uint32 signal number, rendered SIGKILL, ... */
#define VIGIL_PT_ABSTIME 24   /* uint64 ns since the epoch */
#define VIGIL_PT_MOUNT_FLAGS 25 /* uint64 mount(2) flags: MS_RDONLY|MS_BIND|... */
#define VIGIL_PT_NS_TYPE 26   /* uint32 setns nstype: CLONE_NEWNET|... */
#define VIGIL_PT_CAPS 27      /* uint64 capability set, rendered CAP_CHOWN CAP_SYS_ADMIN ... */
#define VIGIL_PT_MEMFD_FLAGS 28 /* uint32 memfd_create flags: MFD_CLOEXEC|... */
#define VIGIL_PT_AT_FLAGS 29  /* uint32 AT_* flags of *at syscalls: AT_REMOVEDIR|... */
#define VIGIL_PT_PROT 30      /* uint32 mmap/mprotect prot: PROT_READ|PROT_EXEC|... */
#define VIGIL_PT_TYPE_END 31

/* Size of fixed-size types in bytes; 0 for variable-size ones. */
#define VIGIL_PT_SIZE(t)                                                                      \
  ((t) == VIGIL_PT_INT64 || (t) == VIGIL_PT_UINT64 || (t) == VIGIL_PT_RES ||                  \
           (t) == VIGIL_PT_FD || (t) == VIGIL_PT_PID || (t) == VIGIL_PT_CLONE_FLAGS ||        \
           (t) == VIGIL_PT_BPF_CMD || (t) == VIGIL_PT_ABSTIME || (t) == VIGIL_PT_MOUNT_FLAGS || \
           (t) == VIGIL_PT_CAPS                                                               \
       ? 8                                                                                    \
   : ((t) >= VIGIL_PT_PATH && (t) <= VIGIL_PT_SOCKTUPLE) ? 0                                  \
                                                         : 4)

/* Open flags as the record carries them: the kernel's O_* numbers are per architecture, so the
 * source translates them to these bits (Falco's PPM_O_* values). */
#define VIGIL_O_NONE 0u
#define VIGIL_O_RDONLY (1u << 0)
#define VIGIL_O_WRONLY (1u << 1)
#define VIGIL_O_RDWR (VIGIL_O_RDONLY | VIGIL_O_WRONLY)
#define VIGIL_O_CREAT (1u << 2)
#define VIGIL_O_APPEND (1u << 3)
#define VIGIL_O_DSYNC (1u << 4)
#define VIGIL_O_EXCL (1u << 5)
#define VIGIL_O_NONBLOCK (1u << 6)
#define VIGIL_O_SYNC (1u << 7)
#define VIGIL_O_TRUNC (1u << 8)
#define VIGIL_O_DIRECT (1u << 9)
#define VIGIL_O_DIRECTORY (1u << 10)
#define VIGIL_O_LARGEFILE (1u << 11)
#define VIGIL_O_CLOEXEC (1u << 12)
#define VIGIL_O_TMPFILE (1u << 13)
#define VIGIL_O_NOFOLLOW (1u << 14)
#define VIGIL_O_NOATIME (1u << 15)
#define VIGIL_O_PATH (1u << 16)
#define VIGIL_O_NOCTTY (1u << 17)
#define VIGIL_O_F_CREATED (1u << 18) /* the open created the file (O_CREAT and it was new) */

/* Properties of the executable an exec ran (the `flags` of execve/execveat). */
#define VIGIL_EXE_WRITABLE (1u << 0)    /* the caller could write the file */
#define VIGIL_EXE_UPPER_LAYER (1u << 1) /* on an overlayfs upper layer (written in the container) */
#define VIGIL_EXE_FROM_MEMFD (1u << 2)  /* a memfd_create file (fileless execution) */
#define VIGIL_EXE_LOWER_LAYER (1u << 3) /* on an overlayfs lower layer (from the image) */

/* ---- Parameters of each event type ------------------------------------------------------
 * VIGIL_PARAMS_<name>(P) calls P(param_name, VIGIL_PT_type) for each parameter in order. */

#define VIGIL__OPEN_TAIL(P) P(flags, VIGIL_PT_OPEN_FLAGS) P(mode, VIGIL_PT_MODE) \
  P(dev, VIGIL_PT_UINT32) P(ino, VIGIL_PT_UINT64)

#define VIGIL_PARAMS_open(P) P(fd, VIGIL_PT_FD) P(name, VIGIL_PT_PATH) VIGIL__OPEN_TAIL(P)
#define VIGIL_PARAMS_openat(P) \
  P(fd, VIGIL_PT_FD) P(dirfd, VIGIL_PT_FD) P(name, VIGIL_PT_PATH) VIGIL__OPEN_TAIL(P)
#define VIGIL_PARAMS_openat2(P) \
  P(fd, VIGIL_PT_FD) P(dirfd, VIGIL_PT_FD) P(name, VIGIL_PT_PATH) VIGIL__OPEN_TAIL(P)
#define VIGIL_PARAMS_creat(P) P(fd, VIGIL_PT_FD) P(name, VIGIL_PT_PATH) VIGIL__OPEN_TAIL(P)
#define VIGIL_PARAMS_close(P) P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD)

/* Sockets. tuple is read from the kernel socket after the call (so connect has its local port). */
#define VIGIL_PARAMS_connect(P) \
  P(res, VIGIL_PT_RES) P(tuple, VIGIL_PT_SOCKTUPLE) P(fd, VIGIL_PT_FD) P(addr, VIGIL_PT_SOCKADDR)
#define VIGIL_PARAMS_accept(P) P(fd, VIGIL_PT_FD) P(tuple, VIGIL_PT_SOCKTUPLE) P(listen_fd, VIGIL_PT_FD)
#define VIGIL_PARAMS_accept4(P) \
  P(fd, VIGIL_PT_FD) P(tuple, VIGIL_PT_SOCKTUPLE) P(listen_fd, VIGIL_PT_FD) P(flags, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_listen(P) P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(backlog, VIGIL_PT_INT64)
#define VIGIL_PARAMS_bind(P) P(res, VIGIL_PT_RES) P(addr, VIGIL_PT_SOCKADDR) P(fd, VIGIL_PT_FD)
#define VIGIL_PARAMS_socket(P) \
  P(fd, VIGIL_PT_FD) P(domain, VIGIL_PT_SOCK_FAMILY) P(type, VIGIL_PT_UINT32) P(proto, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_socketpair(P)                                                     \
  P(res, VIGIL_PT_RES) P(fd1, VIGIL_PT_FD) P(fd2, VIGIL_PT_FD)                         \
  P(domain, VIGIL_PT_SOCK_FAMILY) P(type, VIGIL_PT_UINT32) P(proto, VIGIL_PT_UINT32)
#define VIGIL__IO(P) \
  P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(size, VIGIL_PT_UINT32) P(tuple, VIGIL_PT_SOCKTUPLE) \
  P(data, VIGIL_PT_BYTEBUF)
#define VIGIL_PARAMS_sendto(P) VIGIL__IO(P)
#define VIGIL_PARAMS_sendmsg(P) VIGIL__IO(P)
#define VIGIL_PARAMS_recvfrom(P) VIGIL__IO(P)
#define VIGIL_PARAMS_recvmsg(P) VIGIL__IO(P)
#define VIGIL_PARAMS_read(P) \
  P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(size, VIGIL_PT_UINT32) P(data, VIGIL_PT_BYTEBUF)
#define VIGIL_PARAMS_write(P) VIGIL_PARAMS_read(P)

/* Processes. Exec events are written after the new image is in place (sched_process_exec) when
 * the exec succeeded, and at syscall exit when it failed (then only res, exe, args and the
 * identity of the caller are filled). exe is the path as given; trusted_exepath is the kernel's
 * absolute path of the file that runs; cwd is absolute. cgroups entries are "subsys=/path". */
#define VIGIL__PROC(P)                                                                         \
  P(tid, VIGIL_PT_PID) P(pid, VIGIL_PT_PID) P(ptid, VIGIL_PT_PID) P(comm, VIGIL_PT_CHARBUF)    \
  P(cgroups, VIGIL_PT_CHARBUFARRAY) P(uid, VIGIL_PT_UID) P(gid, VIGIL_PT_GID)                  \
  P(euid, VIGIL_PT_UID) P(egid, VIGIL_PT_GID) P(loginuid, VIGIL_PT_UID)                        \
  P(cap_inheritable, VIGIL_PT_CAPS) P(cap_permitted, VIGIL_PT_CAPS)                           \
  P(cap_effective, VIGIL_PT_CAPS) P(tty, VIGIL_PT_UINT32) P(sid, VIGIL_PT_PID)                 \
  P(pgid, VIGIL_PT_PID) P(vtid, VIGIL_PT_PID) P(vpid, VIGIL_PT_PID) P(vpgid, VIGIL_PT_PID)     \
  P(pidns_ino, VIGIL_PT_UINT32) P(mntns_ino, VIGIL_PT_UINT32) P(netns_ino, VIGIL_PT_UINT32)    \
  P(start_ts, VIGIL_PT_ABSTIME)
#define VIGIL__EXEC(P)                                                                         \
  P(res, VIGIL_PT_RES) P(exe, VIGIL_PT_PATH) P(args, VIGIL_PT_CHARBUFARRAY) VIGIL__PROC(P)     \
  P(cwd, VIGIL_PT_PATH) P(env, VIGIL_PT_CHARBUFARRAY) P(flags, VIGIL_PT_EXE_FLAGS)             \
  P(exe_ino, VIGIL_PT_UINT64) P(exe_ino_ctime, VIGIL_PT_ABSTIME)                               \
  P(exe_ino_mtime, VIGIL_PT_ABSTIME) P(trusted_exepath, VIGIL_PT_PATH)
#define VIGIL_PARAMS_execve(P) VIGIL__EXEC(P)
#define VIGIL_PARAMS_execveat(P) VIGIL__EXEC(P) P(dirfd, VIGIL_PT_FD) P(at_flags, VIGIL_PT_AT_FLAGS)

/* Process and thread creation, written by sched_process_fork in the parent before the child
 * first runs, named after the syscall that made it. res is the child's tid; the identity is the
 * child's. The child shares the parent's exe, args, env and cwd (the reader copies them). */
#define VIGIL__FORK(P) P(res, VIGIL_PT_RES) VIGIL__PROC(P) P(flags, VIGIL_PT_CLONE_FLAGS)
#define VIGIL_PARAMS_clone(P) VIGIL__FORK(P)
#define VIGIL_PARAMS_clone3(P) VIGIL__FORK(P)
#define VIGIL_PARAMS_fork(P) VIGIL__FORK(P)
#define VIGIL_PARAMS_vfork(P) VIGIL__FORK(P)

/* A thread ended (sched_process_exit). status is the raw wait status. */
#define VIGIL_PARAMS_procexit(P) \
  P(status, VIGIL_PT_INT64) P(ret, VIGIL_PT_INT64) P(sig, VIGIL_PT_SIGNAL) P(core, VIGIL_PT_UINT32)

#define VIGIL_PARAMS_ptrace(P)                                                         \
  P(res, VIGIL_PT_RES) P(request, VIGIL_PT_PTRACE_REQ) P(pid, VIGIL_PT_PID)            \
  P(addr, VIGIL_PT_UINT64) P(data, VIGIL_PT_UINT64)

/* Files. */
#define VIGIL_PARAMS_rename(P) P(res, VIGIL_PT_RES) P(oldpath, VIGIL_PT_PATH) P(newpath, VIGIL_PT_PATH)
#define VIGIL_PARAMS_renameat(P)                                                        \
  P(res, VIGIL_PT_RES) P(olddirfd, VIGIL_PT_FD) P(oldpath, VIGIL_PT_PATH)               \
  P(newdirfd, VIGIL_PT_FD) P(newpath, VIGIL_PT_PATH)
#define VIGIL_PARAMS_renameat2(P) VIGIL_PARAMS_renameat(P) P(flags, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_unlink(P) P(res, VIGIL_PT_RES) P(path, VIGIL_PT_PATH)
#define VIGIL_PARAMS_unlinkat(P) \
  P(res, VIGIL_PT_RES) P(dirfd, VIGIL_PT_FD) P(name, VIGIL_PT_PATH) P(flags, VIGIL_PT_AT_FLAGS)
#define VIGIL_PARAMS_rmdir(P) P(res, VIGIL_PT_RES) P(path, VIGIL_PT_PATH)
#define VIGIL_PARAMS_mkdir(P) P(res, VIGIL_PT_RES) P(path, VIGIL_PT_PATH) P(mode, VIGIL_PT_MODE)
#define VIGIL_PARAMS_mkdirat(P) \
  P(res, VIGIL_PT_RES) P(dirfd, VIGIL_PT_FD) P(path, VIGIL_PT_PATH) P(mode, VIGIL_PT_MODE)
#define VIGIL_PARAMS_chmod(P) P(res, VIGIL_PT_RES) P(filename, VIGIL_PT_PATH) P(mode, VIGIL_PT_MODE)
#define VIGIL_PARAMS_fchmod(P) P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(mode, VIGIL_PT_MODE)
#define VIGIL_PARAMS_fchmodat(P) \
  P(res, VIGIL_PT_RES) P(dirfd, VIGIL_PT_FD) P(filename, VIGIL_PT_PATH) P(mode, VIGIL_PT_MODE)
#define VIGIL_PARAMS_symlink(P) \
  P(res, VIGIL_PT_RES) P(target, VIGIL_PT_CHARBUF) P(linkpath, VIGIL_PT_PATH)
#define VIGIL_PARAMS_symlinkat(P)                                                      \
  P(res, VIGIL_PT_RES) P(target, VIGIL_PT_CHARBUF) P(linkdirfd, VIGIL_PT_FD)           \
  P(linkpath, VIGIL_PT_PATH)
#define VIGIL_PARAMS_link(P) P(res, VIGIL_PT_RES) P(oldpath, VIGIL_PT_PATH) P(newpath, VIGIL_PT_PATH)
#define VIGIL_PARAMS_linkat(P)                                                         \
  P(res, VIGIL_PT_RES) P(olddir, VIGIL_PT_FD) P(oldpath, VIGIL_PT_PATH)                \
  P(newdir, VIGIL_PT_FD) P(newpath, VIGIL_PT_PATH) P(flags, VIGIL_PT_AT_FLAGS)
#define VIGIL_PARAMS_dup(P) P(res, VIGIL_PT_FD) P(oldfd, VIGIL_PT_FD)
#define VIGIL_PARAMS_dup2(P) P(res, VIGIL_PT_FD) P(oldfd, VIGIL_PT_FD) P(newfd, VIGIL_PT_FD)
#define VIGIL_PARAMS_dup3(P) VIGIL_PARAMS_dup2(P) P(flags, VIGIL_PT_OPEN_FLAGS)
#define VIGIL_PARAMS_fcntl(P) \
  P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(cmd, VIGIL_PT_FCNTL_CMD) P(arg, VIGIL_PT_INT64)
#define VIGIL_PARAMS_chdir(P) P(res, VIGIL_PT_RES) P(path, VIGIL_PT_PATH) P(cwd, VIGIL_PT_PATH)
#define VIGIL_PARAMS_fchdir(P) P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(cwd, VIGIL_PT_PATH)
#define VIGIL_PARAMS_chroot(P) P(res, VIGIL_PT_RES) P(path, VIGIL_PT_PATH)
#define VIGIL_PARAMS_pipe(P) \
  P(res, VIGIL_PT_RES) P(fd1, VIGIL_PT_FD) P(fd2, VIGIL_PT_FD) P(ino, VIGIL_PT_UINT64)
#define VIGIL_PARAMS_pipe2(P) VIGIL_PARAMS_pipe(P) P(flags, VIGIL_PT_OPEN_FLAGS)
#define VIGIL_PARAMS_memfd_create(P) \
  P(fd, VIGIL_PT_FD) P(name, VIGIL_PT_CHARBUF) P(flags, VIGIL_PT_MEMFD_FLAGS)

/* Identity and privileges. The ids are the arguments; the thread's new ids come with later events. */
#define VIGIL_PARAMS_setuid(P) P(res, VIGIL_PT_RES) P(uid, VIGIL_PT_UID)
#define VIGIL_PARAMS_setgid(P) P(res, VIGIL_PT_RES) P(gid, VIGIL_PT_GID)
#define VIGIL_PARAMS_setreuid(P) P(res, VIGIL_PT_RES) P(ruid, VIGIL_PT_UID) P(euid, VIGIL_PT_UID)
#define VIGIL_PARAMS_setregid(P) P(res, VIGIL_PT_RES) P(rgid, VIGIL_PT_GID) P(egid, VIGIL_PT_GID)
#define VIGIL_PARAMS_setresuid(P) \
  P(res, VIGIL_PT_RES) P(ruid, VIGIL_PT_UID) P(euid, VIGIL_PT_UID) P(suid, VIGIL_PT_UID)
#define VIGIL_PARAMS_setresgid(P) \
  P(res, VIGIL_PT_RES) P(rgid, VIGIL_PT_GID) P(egid, VIGIL_PT_GID) P(sgid, VIGIL_PT_GID)
/* capset: the thread's sets after the call. */
#define VIGIL_PARAMS_capset(P)                                                         \
  P(res, VIGIL_PT_RES) P(cap_inheritable, VIGIL_PT_CAPS) P(cap_permitted, VIGIL_PT_CAPS) \
  P(cap_effective, VIGIL_PT_CAPS)
#define VIGIL_PARAMS_prctl(P) \
  P(res, VIGIL_PT_RES) P(option, VIGIL_PT_UINT32) P(arg2_str, VIGIL_PT_CHARBUF) P(arg2_int, VIGIL_PT_INT64)
#define VIGIL_PARAMS_setns(P) P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(nstype, VIGIL_PT_NS_TYPE)
#define VIGIL_PARAMS_unshare(P) P(res, VIGIL_PT_RES) P(flags, VIGIL_PT_CLONE_FLAGS)

/* System. */
#define VIGIL_PARAMS_mount(P)                                                          \
  P(res, VIGIL_PT_RES) P(dev, VIGIL_PT_CHARBUF) P(dir, VIGIL_PT_PATH) P(type, VIGIL_PT_CHARBUF) \
  P(flags, VIGIL_PT_MOUNT_FLAGS)
#define VIGIL_PARAMS_umount2(P) P(res, VIGIL_PT_RES) P(name, VIGIL_PT_PATH) P(flags, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_init_module(P) \
  P(res, VIGIL_PT_RES) P(length, VIGIL_PT_UINT64) P(uargs, VIGIL_PT_CHARBUF)
#define VIGIL_PARAMS_finit_module(P) \
  P(res, VIGIL_PT_RES) P(fd, VIGIL_PT_FD) P(uargs, VIGIL_PT_CHARBUF) P(flags, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_bpf(P) P(res_or_fd, VIGIL_PT_RES) P(cmd, VIGIL_PT_BPF_CMD)
#define VIGIL_PARAMS_userfaultfd(P) P(res, VIGIL_PT_RES) P(flags, VIGIL_PT_OPEN_FLAGS)
#define VIGIL_PARAMS_kill(P) P(res, VIGIL_PT_RES) P(pid, VIGIL_PT_PID) P(sig, VIGIL_PT_SIGNAL)
#define VIGIL_PARAMS_pidfd_open(P) P(fd, VIGIL_PT_FD) P(pid, VIGIL_PT_PID) P(flags, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_pidfd_getfd(P) \
  P(fd, VIGIL_PT_FD) P(pidfd, VIGIL_PT_FD) P(targetfd, VIGIL_PT_FD) P(flags, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_process_vm_readv(P) P(res, VIGIL_PT_RES) P(pid, VIGIL_PT_PID)
#define VIGIL_PARAMS_process_vm_writev(P) P(res, VIGIL_PT_RES) P(pid, VIGIL_PT_PID)
#define VIGIL_PARAMS_io_uring_setup(P) \
  P(res, VIGIL_PT_RES) P(entries, VIGIL_PT_UINT32) P(flags, VIGIL_PT_UINT32)
#define VIGIL_PARAMS_mprotect(P) \
  P(res, VIGIL_PT_RES) P(addr, VIGIL_PT_UINT64) P(length, VIGIL_PT_UINT64) P(prot, VIGIL_PT_PROT)
#define VIGIL_PARAMS_mmap(P)                                                           \
  P(res, VIGIL_PT_UINT64) P(addr, VIGIL_PT_UINT64) P(length, VIGIL_PT_UINT64)          \
  P(prot, VIGIL_PT_PROT) P(flags, VIGIL_PT_UINT32) P(fd, VIGIL_PT_FD) P(offset, VIGIL_PT_UINT64)
#define VIGIL_PARAMS_getppid(P) P(res, VIGIL_PT_RES)

/* Event types the kernel sources do not write today (scheduler and signal events); declared so
 * every type in event_types.h has a schema. */
#define VIGIL_PARAMS_switch(P) P(next, VIGIL_PT_PID)
#define VIGIL_PARAMS_signaldeliver(P) \
  P(spid, VIGIL_PT_PID) P(dpid, VIGIL_PT_PID) P(sig, VIGIL_PT_SIGNAL)

/* Calls M(code, name) for every syscall event type: with VIGIL_PARAMS_##name it gives the whole
 * schema, e.g. a table of parameter names and types per type. */
#define VIGIL_SYSCALL_SCHEMA(M) VIGIL_SYSCALL_EVENT_TYPES(M)

#endif /* VIGIL_SYSCALL_SCHEMA_H */
