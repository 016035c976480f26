// SPDX-License-Identifier: GPL-2.0-only
/* vigil syscall probe: one record per completed syscall, written at sys_exit.
 *
 * Programs:
 *   sys_exit             dispatcher: one ARRAY lookup (`interesting`: syscall number -> event
 *                        type), then a tail call into the event type's program (PROG_ARRAY
 *                        `tail_progs`, indexed by event type, one constant-key call site per type)
 *   tail_<syscall>       one per event type; reads the arguments from the saved user registers
 *                        (they still hold them at exit) and the result
 *   sched_process_exec   execve/execveat that succeeded, with the new image
 *   sched_process_fork   clone/clone3/fork/vfork, with the child's identity
 *   sched_process_exit   procexit
 * Records follow sdk/include/vigil/event_record.h and the parameters syscall_schema.h lists. */
#include "vigil_vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "probe_shared.h"
#include "record.bpf.h"
#include "task.bpf.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, VIGIL_INTERESTING_ENTRIES);
  __type(key, u32);
  __type(value, u16);
} interesting SEC(".maps");

/* Indexed by event type code (event_types.h), not by syscall number: the dispatcher switches on
 * the type and each case tail-calls with a constant key, which the x86-64 JIT turns into a direct
 * jump patched when the slot changes, instead of an indirect jump through a retpoline. */
struct {
  __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
  __uint(max_entries, VIGIL_EVENT_TYPE_END);
  __type(key, u32);
  __type(value, u32);
} tail_progs SEC(".maps");

#define NR_EXECVE 59
#define NR_EXECVEAT 322
#define NR_CLONE 56
#define NR_FORK 57
#define NR_VFORK 58
#define NR_CLONE3 435
#define X86_SIGCHLD 17
#define X86_CLONE_VM 0x100ull
#define X86_CLONE_VFORK 0x4000ull
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define EINPROGRESS 115

static __always_inline bool slot_enabled(u32 slot) {
  u16 *v = bpf_map_lookup_elem(&interesting, &slot);
  return v && *v;
}

/* ---- dispatcher ------------------------------------------------------------------------- */

#define VIGIL__TAIL_CASE(code, name)              \
  case code:                                      \
    bpf_tail_call_static(ctx, &tail_progs, code); \
    break;

SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret) {
  /* regs is a trusted BTF pointer: a direct (PROBE_MEM) load, no helper call */
  u32 nr = (u32)regs->orig_ax;
  if (nr >= VIGIL_SYSCALL_SLOTS) return 0;
  u16 *type = bpf_map_lookup_elem(&interesting, &nr);
  if (!type || !*type) return 0;
  switch (*type) { VIGIL_SYSCALL_EVENT_TYPES(VIGIL__TAIL_CASE) }
  struct vigil_probe_counters *c = counters_get();
  if (c) c->tail_misses++;
  return 0;
}

/* ---- per-syscall programs ---------------------------------------------------------------- */

/* Arguments from the saved user registers (x86_64 syscall convention). `regs` is the tracepoint's
 * own argument, a trusted BTF pointer: direct loads (offsets relocated by CO-RE), no helper. */
#define ARG0(regs) ((long)(regs)->di)
#define ARG1(regs) ((long)(regs)->si)
#define ARG2(regs) ((long)(regs)->dx)
#define ARG3(regs) ((long)(regs)->r10)
#define ARG4(regs) ((long)(regs)->r8)
#define ARG5(regs) ((long)(regs)->r9)
#define UPTR(x) ((const void *)(unsigned long)(x))

#define TAIL(evname)                                                                   \
  static __always_inline void fill_##evname(struct rec *r, struct pt_regs *regs, long ret); \
  SEC("tp_btf/sys_exit")                                                               \
  int BPF_PROG(tail_##evname, struct pt_regs *regs, long ret) {                         \
    struct rec r;                                                                      \
    if (!rec_begin(&r, VIGIL_EVENT_##evname, VIGIL_NPARAMS(evname), current_tid()))    \
      return 0;                                                                        \
    fill_##evname(&r, regs, ret);                                                      \
    rec_submit(&r);                                                                    \
    return 0;                                                                          \
  }                                                                                    \
  static __always_inline void fill_##evname(struct rec *r, struct pt_regs *regs, long ret)

/* Event type codes by name, from event_types.h. */
#define VIGIL__DEFINE_TYPE(code, name) VIGIL_EVENT_##name = code,
enum { VIGIL_SYSCALL_EVENT_TYPES(VIGIL__DEFINE_TYPE) };

/* dev and ino of the file behind a freshly returned fd; created flag from f_mode. */
static __always_inline void put_open_tail(struct rec *r, long ret, u32 kflags, u32 mode) {
  struct file *f = ret >= 0 ? fd_file_cur(ret) : NULL;
  u32 flags = vigil_translate_open_flags(kflags);
  if (f && (kflags & VIGIL_X86_O_CREAT) && (BPF_CORE_READ(f, f_mode) & FMODE_CREATED))
    flags |= VIGIL_O_F_CREATED;
  put_u32(r, flags);
  put_u32(r, mode);
  if (f) {
    struct inode *inode = BPF_CORE_READ(f, f_inode);
    put_u32(r, new_encode_dev(BPF_CORE_READ(inode, i_sb, s_dev)));
    put_u64(r, BPF_CORE_READ(inode, i_ino));
  } else {
    put_empty(r);
    put_empty(r);
  }
}

TAIL(open) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_open_tail(r, ret, (u32)ARG1(regs), (u32)ARG2(regs));
}

TAIL(openat) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_open_tail(r, ret, (u32)ARG2(regs), (u32)ARG3(regs));
}

TAIL(openat2) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  u64 how[2] = {0, 0}; /* struct open_how: flags, mode, resolve */
  bpf_probe_read_user(how, sizeof how, UPTR(ARG2(regs)));
  put_open_tail(r, ret, (u32)how[0], (u32)how[1]);
}

TAIL(creat) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_open_tail(r, ret, VIGIL_X86_O_CREAT | VIGIL_X86_O_WRONLY | VIGIL_X86_O_TRUNC, (u32)ARG1(regs));
}

TAIL(close) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
}

TAIL(connect) {
  put_s64(r, ret);
  int fd = (int)ARG0(regs);
  if (ret == 0 || ret == -EINPROGRESS)
    put_tuple(r, file_sock(fd_file_cur(fd)), true);
  else
    put_empty(r);
  put_s64(r, fd);
  put_user_sockaddr(r, UPTR(ARG1(regs)), ARG2(regs));
}

static __always_inline void fill_accept_common(struct rec *r, struct pt_regs *regs, long ret) {
  put_s64(r, ret);
  if (ret >= 0)
    put_tuple(r, file_sock(fd_file_cur(ret)), false);
  else
    put_empty(r);
  put_s64(r, (int)ARG0(regs));
}

TAIL(accept) { fill_accept_common(r, regs, ret); }

TAIL(accept4) {
  fill_accept_common(r, regs, ret);
  put_u32(r, (u32)ARG3(regs));
}

TAIL(listen) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_s64(r, (int)ARG1(regs));
}

TAIL(bind) {
  put_s64(r, ret);
  put_user_sockaddr(r, UPTR(ARG1(regs)), ARG2(regs));
  put_s64(r, (int)ARG0(regs));
}

TAIL(socket) {
  put_s64(r, ret);
  put_u32(r, (u32)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(socketpair) {
  put_s64(r, ret);
  int fds[2] = {-1, -1};
  if (ret == 0) bpf_probe_read_user(fds, sizeof fds, UPTR(ARG3(regs)));
  put_s64(r, fds[0]);
  put_s64(r, fds[1]);
  put_u32(r, (u32)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
  put_u32(r, (u32)ARG2(regs));
}

/* send/recv with a buffer argument: data is what was sent or received (ret bytes). */
static __always_inline void fill_io_buf(struct rec *r, struct pt_regs *regs, long ret) {
  int fd = (int)ARG0(regs);
  put_s64(r, ret);
  put_s64(r, fd);
  put_u32(r, (u32)ARG2(regs));
  put_tuple(r, file_sock(fd_file_cur(fd)), true);
  if (ret > 0)
    put_bytes(r, UPTR(ARG1(regs)), (u64)ret, cfg_snaplen, true);
  else
    put_empty(r);
}

/* sendmsg/recvmsg: size and data from the first iovec. */
static __always_inline void fill_io_msg(struct rec *r, struct pt_regs *regs, long ret) {
  int fd = (int)ARG0(regs);
  put_s64(r, ret);
  put_s64(r, fd);
  /* struct user_msghdr: name, namelen(+pad), iov, iovlen, ... */
  const void *msg = UPTR(ARG1(regs));
  u64 hdr[4] = {0, 0, 0, 0};
  bpf_probe_read_user(hdr, sizeof hdr, msg);
  u64 iov[2] = {0, 0}; /* iov_base, iov_len */
  if (hdr[2] && hdr[3]) bpf_probe_read_user(iov, sizeof iov, UPTR(hdr[2]));
  put_u32(r, (u32)iov[1]);
  put_tuple(r, file_sock(fd_file_cur(fd)), true);
  u64 n = ret > 0 ? (u64)ret : 0;
  if (n > iov[1]) n = iov[1];
  if (n > 0)
    put_bytes(r, UPTR(iov[0]), n, cfg_snaplen, true);
  else
    put_empty(r);
}

TAIL(sendto) { fill_io_buf(r, regs, ret); }
TAIL(recvfrom) { fill_io_buf(r, regs, ret); }
TAIL(sendmsg) { fill_io_msg(r, regs, ret); }
TAIL(recvmsg) { fill_io_msg(r, regs, ret); }

static __always_inline void fill_rw(struct rec *r, struct pt_regs *regs, long ret) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_u32(r, (u32)ARG2(regs));
  if (ret > 0)
    put_bytes(r, UPTR(ARG1(regs)), (u64)ret, cfg_snaplen, true);
  else
    put_empty(r);
}
TAIL(read) { fill_rw(r, regs, ret); }
TAIL(write) { fill_rw(r, regs, ret); }

TAIL(ptrace) {
  put_s64(r, ret);
  put_u32(r, (u32)ARG0(regs));
  put_s64(r, (int)ARG1(regs));
  put_u64(r, ARG2(regs));
  put_u64(r, ARG3(regs));
}

TAIL(rename) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_user_str(r, UPTR(ARG1(regs)));
}

TAIL(renameat) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_s64(r, (int)ARG2(regs));
  put_user_str(r, UPTR(ARG3(regs)));
}

TAIL(renameat2) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_s64(r, (int)ARG2(regs));
  put_user_str(r, UPTR(ARG3(regs)));
  put_u32(r, (u32)ARG4(regs));
}

TAIL(unlink) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
}

TAIL(unlinkat) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(rmdir) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
}

TAIL(mkdir) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(mkdirat) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(chmod) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(fchmod) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(fchmodat) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(symlink) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_user_str(r, UPTR(ARG1(regs)));
}

TAIL(symlinkat) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_s64(r, (int)ARG1(regs));
  put_user_str(r, UPTR(ARG2(regs)));
}

TAIL(link) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_user_str(r, UPTR(ARG1(regs)));
}

TAIL(linkat) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_s64(r, (int)ARG2(regs));
  put_user_str(r, UPTR(ARG3(regs)));
  put_u32(r, (u32)ARG4(regs));
}

TAIL(dup) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
}

TAIL(dup2) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_s64(r, (int)ARG1(regs));
}

TAIL(dup3) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_s64(r, (int)ARG1(regs));
  /* only O_CLOEXEC is meaningful; no access mode bits */
  put_u32(r, vigil_translate_open_flags((u32)ARG2(regs)) & ~VIGIL_O_RDWR);
}

TAIL(fcntl) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
  put_s64(r, ARG2(regs));
}

TAIL(setuid) { put_s64(r, ret); put_u32(r, (u32)ARG0(regs)); }
TAIL(setgid) { put_s64(r, ret); put_u32(r, (u32)ARG0(regs)); }
TAIL(setreuid) { put_s64(r, ret); put_u32(r, (u32)ARG0(regs)); put_u32(r, (u32)ARG1(regs)); }
TAIL(setregid) { put_s64(r, ret); put_u32(r, (u32)ARG0(regs)); put_u32(r, (u32)ARG1(regs)); }
TAIL(setresuid) {
  put_s64(r, ret);
  put_u32(r, (u32)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
  put_u32(r, (u32)ARG2(regs));
}
TAIL(setresgid) {
  put_s64(r, ret);
  put_u32(r, (u32)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(setns) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(unshare) {
  put_s64(r, ret);
  put_u64(r, (u64)ARG0(regs));
}

TAIL(mount) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_user_str(r, UPTR(ARG1(regs)));
  put_user_str(r, UPTR(ARG2(regs)));
  put_u64(r, (u64)ARG3(regs));
}

TAIL(umount2) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(init_module) {
  put_s64(r, ret);
  put_u64(r, (u64)ARG1(regs));
  put_user_str(r, UPTR(ARG2(regs)));
}

TAIL(finit_module) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_user_str(r, UPTR(ARG1(regs)));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(bpf) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
}

TAIL(memfd_create) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(userfaultfd) {
  put_s64(r, ret);
  put_u32(r, vigil_translate_open_flags((u32)ARG0(regs)) & ~VIGIL_O_RDWR);
}

TAIL(chdir) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
  put_cwd(r, cur_task());
}

TAIL(fchdir) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_cwd(r, cur_task());
}

TAIL(chroot) {
  put_s64(r, ret);
  put_user_str(r, UPTR(ARG0(regs)));
}

static __always_inline void fill_pipe_common(struct rec *r, struct pt_regs *regs, long ret) {
  put_s64(r, ret);
  int fds[2] = {-1, -1};
  if (ret == 0) bpf_probe_read_user(fds, sizeof fds, UPTR(ARG0(regs)));
  put_s64(r, fds[0]);
  put_s64(r, fds[1]);
  struct file *f = ret == 0 ? fd_file_cur(fds[0]) : NULL;
  if (f)
    put_u64(r, BPF_CORE_READ(f, f_inode, i_ino));
  else
    put_empty(r);
}
TAIL(pipe) { fill_pipe_common(r, regs, ret); }
TAIL(pipe2) {
  fill_pipe_common(r, regs, ret);
  put_u32(r, vigil_translate_open_flags((u32)ARG1(regs)) & ~VIGIL_O_RDWR);
}

TAIL(capset) {
  put_s64(r, ret);
  const struct cred *cred = BPF_CORE_READ(cur_task(), cred);
  put_u64(r, cap_read(__builtin_preserve_access_index(&cred->cap_inheritable)));
  put_u64(r, cap_read(__builtin_preserve_access_index(&cred->cap_permitted)));
  put_u64(r, cap_read(__builtin_preserve_access_index(&cred->cap_effective)));
}

TAIL(prctl) {
  put_s64(r, ret);
  u32 option = (u32)ARG0(regs);
  put_u32(r, option);
  if (option == PR_SET_NAME || option == PR_GET_NAME)
    put_str(r, UPTR(ARG1(regs)), 16, true);
  else
    put_empty(r);
  put_s64(r, ARG1(regs));
}

TAIL(kill) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(pidfd_open) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_u32(r, (u32)ARG1(regs));
}

TAIL(pidfd_getfd) {
  put_s64(r, ret);
  put_s64(r, (int)ARG0(regs));
  put_s64(r, (int)ARG1(regs));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(process_vm_readv) { put_s64(r, ret); put_s64(r, (int)ARG0(regs)); }
TAIL(process_vm_writev) { put_s64(r, ret); put_s64(r, (int)ARG0(regs)); }

TAIL(io_uring_setup) {
  put_s64(r, ret);
  put_u32(r, (u32)ARG0(regs));
  u32 flags = 0; /* struct io_uring_params: sq_entries, cq_entries, flags, ... */
  bpf_probe_read_user(&flags, sizeof flags, (const char *)UPTR(ARG1(regs)) + 8);
  put_u32(r, flags);
}

TAIL(mprotect) {
  put_s64(r, ret);
  put_u64(r, (u64)ARG0(regs));
  put_u64(r, (u64)ARG1(regs));
  put_u32(r, (u32)ARG2(regs));
}

TAIL(mmap) {
  put_u64(r, (u64)ret);
  put_u64(r, (u64)ARG0(regs));
  put_u64(r, (u64)ARG1(regs));
  put_u32(r, (u32)ARG2(regs));
  put_u32(r, (u32)ARG3(regs));
  put_s64(r, (int)ARG4(regs));
  put_u64(r, (u64)ARG5(regs));
}

TAIL(getppid) { put_s64(r, ret); }

/* ---- exec -------------------------------------------------------------------------------- */

struct argv_ctx {
  struct rec *r;
  const char *argv;
  u32 start;
};

static long argv_step(u32 i, struct argv_ctx *a) {
  struct rec *r = a->r;
  const void *arg = NULL;
  if (bpf_probe_read_user(&arg, sizeof arg, a->argv + (u64)i * 8) || !arg) return 1;
  u32 used = r->pos - a->start;
  u32 budget = cfg_max_args;
  if (used >= budget) {
    r->flags |= VIGIL_EVENT_F_TRUNCATED;
    return 1;
  }
  if (append_str(r, arg, budget - used, true, true) == 0) return 1;
  return 0;
}

/* CHARBUFARRAY from a user argv: each string with its NUL, at most 256 of them. */
static __always_inline void put_user_argv(struct rec *r, const void *argv) {
  struct argv_ctx a = {r, argv, r->pos};
  if (argv) bpf_loop(256, argv_step, &a, 0);
  param_done(r, a.start);
}

/* CHARBUFARRAY from the new image's memory (mm->arg_start..arg_end or env_start..env_end). */
static __always_inline void put_mm_area(struct rec *r, unsigned long from, unsigned long to) {
  u32 start = r->pos;
  if (!from || to <= from) {
    put_empty(r);
    return;
  }
  u64 len = to - from;
  if (len > cfg_max_args) len = cfg_max_args;
  u32 n = room(r, (u32)len);
  if (n < len) r->flags |= VIGIL_EVENT_F_TRUNCATED;
  if (to - from > cfg_max_args) r->flags |= VIGIL_EVENT_F_TRUNCATED;
  BARRIER_VAR(n);
  n &= REC_MASK;
  if (n == 0) {
    put_empty(r);
    return;
  }
  if (bpf_probe_read_user(rec_at(r, start), n, UPTR(from))) {
    put_empty(r);
    return;
  }
  r->pos = (start + n) & REC_MASK;
  /* a cut area must still end with a NUL */
  *rec_at(r, start + n - 1) = 0;
  param_done(r, start);
}

static __always_inline u32 exe_flags(struct task_struct *t, struct file *f) {
  u32 flags = 0;
  if (!f) return 0;
  struct inode *inode = BPF_CORE_READ(f, f_inode);
  struct dentry *dentry = BPF_CORE_READ(f, f_path.dentry);
  /* Overlayfs: f_path is the overlay's dentry; its inode is an ovl_inode whose __upperdentry
   * follows the embedded vfs inode (Falco's check). */
  unsigned long magic = BPF_CORE_READ(dentry, d_sb, s_magic);
  if (magic == OVERLAYFS_SUPER_MAGIC) {
    struct inode *ovl = BPF_CORE_READ(dentry, d_inode);
    void *upper = NULL;
    if (ovl)
      bpf_probe_read_kernel(&upper, sizeof upper,
                            (const char *)ovl + bpf_core_type_size(struct inode));
    flags |= upper ? VIGIL_EXE_UPPER_LAYER : VIGIL_EXE_LOWER_LAYER;
  }
  /* memfd: the file lives on the internal shmem/hugetlbfs mount and is named "memfd:..." */
  unsigned long imagic = BPF_CORE_READ(inode, i_sb, s_magic);
  if (imagic == TMPFS_MAGIC || imagic == HUGETLBFS_MAGIC) {
    char name[6] = {};
    bpf_probe_read_kernel(name, sizeof name, BPF_CORE_READ(dentry, d_name.name));
    if (name[0] == 'm' && name[1] == 'e' && name[2] == 'm' && name[3] == 'f' && name[4] == 'd' &&
        name[5] == ':')
      flags |= VIGIL_EXE_FROM_MEMFD;
  }
  /* Writable by the caller: the permission bits that apply to its fsuid/fsgid (no capability
   * override, no ACLs, no read-only mount check). */
  const struct cred *cred = BPF_CORE_READ(t, cred);
  u32 fsuid = BPF_CORE_READ(cred, fsuid.val), fsgid = BPF_CORE_READ(cred, fsgid.val);
  unsigned short mode = BPF_CORE_READ(inode, i_mode);
  if (BPF_CORE_READ(inode, i_uid.val) == fsuid) {
    if (mode & S_IWUSR) flags |= VIGIL_EXE_WRITABLE;
  } else if (BPF_CORE_READ(inode, i_gid.val) == fsgid) {
    if (mode & S_IWGRP) flags |= VIGIL_EXE_WRITABLE;
  } else if (mode & S_IWOTH) {
    flags |= VIGIL_EXE_WRITABLE;
  }
  return flags;
}

static __always_inline void put_exec_success(struct rec *r, struct task_struct *t,
                                             struct linux_binprm *bprm, bool at) {
  put_s64(r, 0);
  put_kernel_str(r, BPF_CORE_READ(bprm, filename));
  struct mm_struct *mm = BPF_CORE_READ(t, mm);
  put_mm_area(r, BPF_CORE_READ(mm, arg_start), BPF_CORE_READ(mm, arg_end));
  put_proc(r, t);
  put_cwd(r, t);
  put_mm_area(r, BPF_CORE_READ(mm, env_start), BPF_CORE_READ(mm, env_end));
  struct file *f = BPF_CORE_READ(bprm, file);
  put_u32(r, exe_flags(t, f));
  struct inode *inode = BPF_CORE_READ(f, f_inode);
  if (inode) {
    u64 ctime = 0, mtime = 0;
    inode_times(inode, &ctime, &mtime);
    put_u64(r, BPF_CORE_READ(inode, i_ino));
    put_u64(r, ctime);
    put_u64(r, mtime);
  } else {
    put_empty(r);
    put_empty(r);
    put_empty(r);
  }
  if (f) {
    u32 start = r->pos;
    append_path(r, BPF_CORE_READ(f, f_path.dentry), BPF_CORE_READ(f, f_path.mnt));
    param_done(r, start);
  } else {
    put_empty(r);
  }
  if (at) {
    struct pt_regs *regs = task_regs(t);
    put_s64(r, (int)BPF_CORE_READ(regs, di));
    put_u32(r, (u32)BPF_CORE_READ(regs, r8));
  }
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(sched_process_exec, struct task_struct *p, int old_pid, struct linux_binprm *bprm) {
  if (!slot_enabled(VIGIL_SLOT_EXEC)) return 0;
  struct task_struct *t = cur_task();
  bool at = task_syscall_nr(t) == NR_EXECVEAT;
  struct rec r;
  if (at) {
    if (!rec_begin(&r, VIGIL_EVENT_execveat, VIGIL_NPARAMS(execveat), current_tid())) return 0;
  } else {
    if (!rec_begin(&r, VIGIL_EVENT_execve, VIGIL_NPARAMS(execve), current_tid())) return 0;
  }
  put_exec_success(&r, t, bprm, at);
  rec_submit(&r);
  return 0;
}

/* A failed exec: res, exe, args and the caller's identity; the rest empty. */
static __always_inline void put_exec_failed(struct rec *r, long ret, const void *filename,
                                            const void *argv) {
  put_s64(r, ret);
  put_user_str(r, filename);
  put_user_argv(r, argv);
  put_proc(r, cur_task());
  for (int i = 0; i < 7; i++) put_empty(r); /* cwd env flags exe_ino ctime mtime trusted_exepath */
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_execve, struct pt_regs *regs, long ret) {
  if (ret >= 0) return 0; /* success is written by sched_process_exec */
  struct rec r;
  if (!rec_begin(&r, VIGIL_EVENT_execve, VIGIL_NPARAMS(execve), current_tid())) return 0;
  put_exec_failed(&r, ret, UPTR(ARG0(regs)), UPTR(ARG1(regs)));
  rec_submit(&r);
  return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(tail_execveat, struct pt_regs *regs, long ret) {
  if (ret >= 0) return 0;
  struct rec r;
  if (!rec_begin(&r, VIGIL_EVENT_execveat, VIGIL_NPARAMS(execveat), current_tid())) return 0;
  put_exec_failed(&r, ret, UPTR(ARG1(regs)), UPTR(ARG2(regs)));
  put_s64(&r, (int)ARG0(regs));
  put_u32(&r, (u32)ARG4(regs));
  rec_submit(&r);
  return 0;
}

/* ---- fork / exit ------------------------------------------------------------------------- */

SEC("tp_btf/sched_process_fork")
int BPF_PROG(sched_process_fork, struct task_struct *parent, struct task_struct *child) {
  if (!slot_enabled(VIGIL_SLOT_FORK)) return 0;
  struct task_struct *t = cur_task();
  u16 type = VIGIL_EVENT_clone;
  u64 flags = 0;
  if (!(BPF_CORE_READ(t, flags) & PF_KTHREAD)) {
    struct pt_regs *regs = task_regs(t);
    long nr = (long)BPF_CORE_READ(regs, orig_ax);
    if (nr == NR_CLONE) {
      flags = BPF_CORE_READ(regs, di);
    } else if (nr == NR_CLONE3) {
      type = VIGIL_EVENT_clone3;
      bpf_probe_read_user(&flags, sizeof flags, UPTR(BPF_CORE_READ(regs, di)));
    } else if (nr == NR_FORK) {
      type = VIGIL_EVENT_fork;
      flags = X86_SIGCHLD;
    } else if (nr == NR_VFORK) {
      type = VIGIL_EVENT_vfork;
      flags = X86_CLONE_VM | X86_CLONE_VFORK | X86_SIGCHLD;
    }
  }
  struct rec r;
  /* the clone family shares one parameter list */
  if (!rec_begin(&r, type, VIGIL_NPARAMS(clone), current_tid())) return 0;
  put_s64(&r, BPF_CORE_READ(child, pid));
  put_proc(&r, child);
  put_u64(&r, flags);
  rec_submit(&r);
  return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *p) {
  if (!slot_enabled(VIGIL_SLOT_PROCEXIT)) return 0;
  struct rec r;
  if (!rec_begin(&r, VIGIL_EVENT_procexit, VIGIL_NPARAMS(procexit), current_tid())) return 0;
  int status = BPF_CORE_READ(cur_task(), exit_code);
  put_s64(&r, status);
  put_s64(&r, status >> 8);
  put_u32(&r, status & 0x7f);
  put_u32(&r, (status >> 7) & 1);
  rec_submit(&r);
  return 0;
}
