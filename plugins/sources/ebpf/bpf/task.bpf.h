/* Reading process identity, paths, files and sockets out of kernel structures (CO-RE). */
#ifndef VIGIL_EBPF_TASK_BPF_H
#define VIGIL_EBPF_TASK_BPF_H

#define PF_KTHREAD 0x00200000u
#define PIDTYPE_PGID 2
#define PIDTYPE_SID 3
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define S_IWUSR 00200
#define S_IWGRP 00020
#define S_IWOTH 00002
#define FMODE_CREATED 0x100000u
#define OVERLAYFS_SUPER_MAGIC 0x794c7630ul
#define TMPFS_MAGIC 0x01021994ul
#define HUGETLBFS_MAGIC 0x958458f6ul
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define X86_THREAD_SIZE 16384ul


static __always_inline struct task_struct *cur_task(void) {
  return (struct task_struct *)bpf_get_current_task();
}

/* The user registers saved on entry to the kernel of task t. */
static __always_inline struct pt_regs *task_regs(struct task_struct *t) {
  void *stack = BPF_CORE_READ(t, stack);
  if (!stack) return NULL;
  return (struct pt_regs *)((unsigned long)stack + X86_THREAD_SIZE - bpf_core_type_size(struct pt_regs));
}

static __always_inline long task_syscall_nr(struct task_struct *t) {
  struct pt_regs *regs = task_regs(t);
  if (!regs) return -1;
  return (long)BPF_CORE_READ(regs, orig_ax);
}

static __always_inline u32 new_encode_dev(u32 dev) {
  u32 major = dev >> 20, minor = dev & ((1u << 20) - 1);
  return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* ---- pids ---- */

static __always_inline int pid_nr_at(struct pid *pid, unsigned int level) {
  if (!pid) return 0;
  unsigned int plevel = BPF_CORE_READ(pid, level);
  if (level > plevel) return 0;
  struct upid *u = (struct upid *)((unsigned long)pid + bpf_core_field_offset(struct pid, numbers) +
                                   (unsigned long)level * bpf_core_type_size(struct upid));
  return BPF_CORE_READ(u, nr);
}

static __always_inline unsigned int pid_level(struct pid *pid) {
  return pid ? BPF_CORE_READ(pid, level) : 0;
}

static __always_inline u32 pid_ns_inum(struct pid *pid) {
  if (!pid) return 0;
  unsigned int level = BPF_CORE_READ(pid, level);
  struct upid *u = (struct upid *)((unsigned long)pid + bpf_core_field_offset(struct pid, numbers) +
                                   (unsigned long)level * bpf_core_type_size(struct upid));
  return BPF_CORE_READ(u, ns, ns.inum);
}

/* ---- paths ---- */

/* Path walks use bpf_loop (Linux >= 5.17): the verifier checks a callback once instead of every
 * path through an open-coded loop, which for nested walks (exec: cwd, exe path, four cgroups)
 * exceeds its budget. Components are collected leaf first in scratch->comp[], then emitted root
 * first. */
struct walk_ctx {
  struct rec *r;
  struct dentry *dentry;
  struct vfsmount *vfsmnt;
  struct mount *mnt;
  struct kernfs_node *kn;
  u32 steps; /* entries used in comp[]; MAX_COMPONENTS + 1 while unfinished */
  u32 any;   /* a name was collected */
};

static long path_step(u32 i, struct walk_ctx *w) {
  struct dentry *dentry = w->dentry;
  struct vfsmount *vfsmnt = w->vfsmnt;
  struct mount *mnt = w->mnt;
  struct dentry *mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
  struct dentry *parent = BPF_CORE_READ(dentry, d_parent);
  const void *name = NULL;
  if (dentry == parent && dentry != mnt_root) {
    /* A disconnected dentry: a pseudo file (memfd, anonymous shmem) is its own parent. The kernel
     * shows it as "/name" (/proc/PID/exe of a memfd program: "/memfd:NAME (deleted)"). */
    w->steps = i;
    if (i == 0) {
      w->r->s->comp[0] = BPF_CORE_READ(dentry, d_name.name);
      w->any = 1;
      w->steps = 1;
    }
    return 1;
  }
  if (dentry == mnt_root) {
    struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);
    if (!mp || mp == mnt) {
      w->steps = i;
      return 1;
    }
    w->dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
    w->mnt = mp;
    w->vfsmnt = (struct vfsmount *)((unsigned long)mp + bpf_core_field_offset(struct mount, mnt));
  } else {
    name = BPF_CORE_READ(dentry, d_name.name);
    w->any = 1;
    w->dentry = parent;
  }
  w->r->s->comp[i & (MAX_COMPONENTS - 1)] = name;
  return 0;
}

/* Emits comp[steps-1] .. comp[0] as "/name" each (NULL entries skipped). */
static long emit_step(u32 i, struct walk_ctx *w) {
  struct rec *r = w->r;
  u32 j = w->steps - 1 - i;
  const void *name = r->s->comp[j & (MAX_COMPONENTS - 1)];
  if (!name) return 0;
  if (!put_byte_raw(r, '/')) return 1;
  append_str(r, name, 256, false, false);
  return 0;
}

/* Appends "/a/b/c" for (dentry, vfsmount), walking up through dentries and across mount points
 * (at most MAX_COMPONENTS steps; a deeper path is cut and flagged). */
static __always_inline void append_path(struct rec *r, struct dentry *dentry, struct vfsmount *vfsmnt) {
  struct walk_ctx w = {};
  w.r = r;
  w.dentry = dentry;
  w.vfsmnt = vfsmnt;
  w.mnt = (struct mount *)((unsigned long)vfsmnt - bpf_core_field_offset(struct mount, mnt));
  w.steps = MAX_COMPONENTS + 1;
  bpf_loop(MAX_COMPONENTS, path_step, &w, 0);
  if (w.steps > MAX_COMPONENTS) {
    r->flags |= VIGIL_EVENT_F_TRUNCATED;
    w.steps = MAX_COMPONENTS;
  }
  if (!w.any) {
    put_byte_raw(r, '/');
    return;
  }
  bpf_loop(w.steps, emit_step, &w, 0);
}

static __always_inline void put_path(struct rec *r, struct path *path) {
  u32 start = r->pos;
  struct dentry *d = BPF_CORE_READ(path, dentry);
  struct vfsmount *m = BPF_CORE_READ(path, mnt);
  if (d && m) append_path(r, d, m);
  param_done(r, start);
}

static __always_inline void put_cwd(struct rec *r, struct task_struct *t) {
  struct fs_struct *fs = BPF_CORE_READ(t, fs);
  if (!fs) {
    put_empty(r);
    return;
  }
  struct path pwd;
  BPF_CORE_READ_INTO(&pwd, fs, pwd);
  u32 start = r->pos;
  if (pwd.dentry && pwd.mnt) append_path(r, pwd.dentry, pwd.mnt);
  param_done(r, start);
}

/* ---- cgroups ---- */

static __always_inline struct kernfs_node *kn_parent(struct kernfs_node *kn) {
  if (bpf_core_field_exists(kn->__parent)) return BPF_CORE_READ(kn, __parent);
  struct kernfs_node___old *old = (void *)kn;
  return BPF_CORE_READ(old, parent);
}

static long cgroup_step(u32 i, struct walk_ctx *w) {
  struct kernfs_node *kn = w->kn;
  struct kernfs_node *parent = kn_parent(kn);
  if (!parent) { /* the hierarchy's root: not part of the path */
    w->steps = i;
    return 1;
  }
  w->r->s->comp[i & (MAX_COMPONENTS - 1)] = BPF_CORE_READ(kn, name);
  w->kn = parent;
  return 0;
}

/* Appends "subsys=/path\0" for one controller. */
static __always_inline void append_cgroup(struct rec *r, struct task_struct *t, const char *subsys,
                                          int id) {
  struct css_set *cgroups = BPF_CORE_READ(t, cgroups);
  if (!cgroups || id < 0 || id >= 16) return;
  struct cgroup_subsys_state *css = NULL;
  bpf_core_read(&css, sizeof css, &cgroups->subsys[id]);
  if (!css) return;
  struct kernfs_node *kn = BPF_CORE_READ(css, cgroup, kn);
  if (!kn) return;
  struct walk_ctx w = {};
  w.r = r;
  w.kn = kn;
  w.steps = 17;
  bpf_loop(16, cgroup_step, &w, 0);
  if (w.steps > 16) {
    r->flags |= VIGIL_EVENT_F_TRUNCATED;
    w.steps = 16;
  }
  append_str(r, subsys, 16, false, false);
  put_byte_raw(r, '=');
  if (w.steps == 0)
    put_byte_raw(r, '/');
  else
    bpf_loop(w.steps, emit_step, &w, 0);
  put_byte_raw(r, 0);
}

static const char k_cpuset[] = "cpuset";
static const char k_cpu[] = "cpu";
static const char k_memory[] = "memory";
static const char k_pids[] = "pids";

static __always_inline void put_cgroups(struct rec *r, struct task_struct *t) {
  u32 start = r->pos;
  if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpuset_cgrp_id))
    append_cgroup(r, t, k_cpuset, bpf_core_enum_value(enum cgroup_subsys_id, cpuset_cgrp_id));
  if (bpf_core_enum_value_exists(enum cgroup_subsys_id, cpu_cgrp_id))
    append_cgroup(r, t, k_cpu, bpf_core_enum_value(enum cgroup_subsys_id, cpu_cgrp_id));
  if (bpf_core_enum_value_exists(enum cgroup_subsys_id, memory_cgrp_id))
    append_cgroup(r, t, k_memory, bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id));
  if (bpf_core_enum_value_exists(enum cgroup_subsys_id, pids_cgrp_id))
    append_cgroup(r, t, k_pids, bpf_core_enum_value(enum cgroup_subsys_id, pids_cgrp_id));
  param_done(r, start);
}

/* ---- identity ---- */

static __always_inline u64 cap_read(const kernel_cap_t *field) {
  u64 v = 0;
  bpf_probe_read_kernel(&v, sizeof v, field);
  return v;
}

static __always_inline u32 task_tty(struct task_struct *t) {
  struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
  if (!tty) return 0;
  int index = BPF_CORE_READ(tty, index);
  int major = BPF_CORE_READ(tty, driver, major);
  int minor_start = BPF_CORE_READ(tty, driver, minor_start);
  u32 dev = ((u32)major << 20) + (u32)minor_start + (u32)index;
  return new_encode_dev(dev);
}

/* The VIGIL__PROC parameters of task t. */
static __always_inline void put_proc(struct rec *r, struct task_struct *t) {
  put_s64(r, BPF_CORE_READ(t, pid));
  put_s64(r, BPF_CORE_READ(t, tgid));
  put_s64(r, BPF_CORE_READ(t, real_parent, tgid));
  put_str(r, __builtin_preserve_access_index(&t->comm), 16, false);
  put_cgroups(r, t);
  const struct cred *cred = BPF_CORE_READ(t, cred);
  put_u32(r, BPF_CORE_READ(cred, uid.val));
  put_u32(r, BPF_CORE_READ(cred, gid.val));
  put_u32(r, BPF_CORE_READ(cred, euid.val));
  put_u32(r, BPF_CORE_READ(cred, egid.val));
  if (bpf_core_field_exists(t->loginuid))
    put_u32(r, BPF_CORE_READ(t, loginuid.val));
  else
    put_u32(r, (u32)-1);
  put_u64(r, cap_read(__builtin_preserve_access_index(&cred->cap_inheritable)));
  put_u64(r, cap_read(__builtin_preserve_access_index(&cred->cap_permitted)));
  put_u64(r, cap_read(__builtin_preserve_access_index(&cred->cap_effective)));
  put_u32(r, task_tty(t));
  struct signal_struct *sig = BPF_CORE_READ(t, signal);
  struct pid *sid_pid = NULL, *pgid_pid = NULL;
  if (sig) {
    bpf_core_read(&sid_pid, sizeof sid_pid, &sig->pids[PIDTYPE_SID]);
    bpf_core_read(&pgid_pid, sizeof pgid_pid, &sig->pids[PIDTYPE_PGID]);
  }
  put_s64(r, pid_nr_at(sid_pid, 0));
  put_s64(r, pid_nr_at(pgid_pid, 0));
  struct pid *tpid = BPF_CORE_READ(t, thread_pid);
  unsigned int level = pid_level(tpid);
  put_s64(r, pid_nr_at(tpid, level));
  put_s64(r, pid_nr_at(BPF_CORE_READ(t, group_leader, thread_pid), level));
  put_s64(r, pid_nr_at(pgid_pid, level));
  put_u32(r, pid_ns_inum(tpid));
  struct nsproxy *ns = BPF_CORE_READ(t, nsproxy);
  put_u32(r, ns ? BPF_CORE_READ(ns, mnt_ns, ns.inum) : 0);
  put_u32(r, ns ? BPF_CORE_READ(ns, net_ns, ns.inum) : 0);
  put_u64(r, BPF_CORE_READ(t, start_boottime)); /* boot ns: user space adds the epoch offset */
}

/* ---- files ---- */

/* The file behind the current task's fd. The task from bpf_get_current_task_btf() is a trusted
 * BTF pointer, so task->files->fdt->{max_fds,fd} are direct (PROBE_MEM) loads; only the slot of
 * the fd array (a `struct file **`, which the verifier does not walk) needs a helper. */
static __always_inline struct file *fd_file_cur(s64 fd) {
  if (fd < 0) return NULL;
  struct files_struct *files = bpf_get_current_task_btf()->files;
  if (!files) return NULL;
  struct fdtable *fdt = files->fdt;
  if (!fdt) return NULL;
  if ((u64)fd >= fdt->max_fds) return NULL;
  struct file **fds = fdt->fd;
  struct file *f = NULL;
  bpf_probe_read_kernel(&f, sizeof f, &fds[fd]);
  return f;
}

static __always_inline void inode_times(struct inode *inode, u64 *ctime, u64 *mtime) {
  struct inode___v611 *a = (void *)inode;
  struct inode___v66 *b = (void *)inode;
  struct inode___old *c = (void *)inode;
  if (bpf_core_field_exists(a->i_ctime_sec)) {
    *ctime = BPF_CORE_READ(a, i_ctime_sec) * 1000000000ull + BPF_CORE_READ(a, i_ctime_nsec);
    *mtime = BPF_CORE_READ(a, i_mtime_sec) * 1000000000ull + BPF_CORE_READ(a, i_mtime_nsec);
  } else if (bpf_core_field_exists(b->__i_ctime)) {
    *ctime = BPF_CORE_READ(b, __i_ctime.tv_sec) * 1000000000ull + BPF_CORE_READ(b, __i_ctime.tv_nsec);
    *mtime = BPF_CORE_READ(b, i_mtime.tv_sec) * 1000000000ull + BPF_CORE_READ(b, i_mtime.tv_nsec);
  } else {
    *ctime = BPF_CORE_READ(c, i_ctime.tv_sec) * 1000000000ull + BPF_CORE_READ(c, i_ctime.tv_nsec);
    *mtime = BPF_CORE_READ(c, i_mtime.tv_sec) * 1000000000ull + BPF_CORE_READ(c, i_mtime.tv_nsec);
  }
}

/* ---- sockets ---- */

static __always_inline struct sock *file_sock(struct file *f) {
  if (!f) return NULL;
  unsigned short mode = BPF_CORE_READ(f, f_inode, i_mode);
  if ((mode & S_IFMT) != S_IFSOCK) return NULL;
  struct socket *sock = BPF_CORE_READ(f, private_data);
  return sock ? BPF_CORE_READ(sock, sk) : NULL;
}

static __always_inline void put_raw(struct rec *r, const void *src, u32 len) {
  /* len is a small constant at every call site */
  u32 p = r->pos;
  if (p > REC_MAX - REC_RESERVE) return;
  bpf_probe_read_kernel(rec_at(r, p), len & 31, src);
  r->pos = (p + (len & 31)) & REC_MASK;
}

/* SOCKTUPLE of the socket of fd. local_is_source: s = the local end (connect, send/recv), else
 * s = the remote end (accept: the peer is the client). */
static __always_inline void put_tuple(struct rec *r, struct sock *sk, bool local_is_source) {
  u32 start = r->pos;
  if (!sk) {
    put_empty(r);
    return;
  }
  struct sock_common *c = (void *)sk;
  u16 family = BPF_CORE_READ(c, skc_family);
  u16 lport = BPF_CORE_READ(c, skc_num);
  u16 rport = bpf_ntohs(BPF_CORE_READ(c, skc_dport));
  if (family == AF_INET) {
    u32 laddr = BPF_CORE_READ(c, skc_rcv_saddr), raddr = BPF_CORE_READ(c, skc_daddr);
    u8 fam = AF_INET;
    put_raw(r, &fam, 1);
    if (local_is_source) {
      put_raw(r, &laddr, 4); put_raw(r, &lport, 2); put_raw(r, &raddr, 4); put_raw(r, &rport, 2);
    } else {
      put_raw(r, &raddr, 4); put_raw(r, &rport, 2); put_raw(r, &laddr, 4); put_raw(r, &lport, 2);
    }
  } else if (family == AF_INET6) {
    struct in6_addr l, rm;
    BPF_CORE_READ_INTO(&l, c, skc_v6_rcv_saddr);
    BPF_CORE_READ_INTO(&rm, c, skc_v6_daddr);
    u8 fam = AF_INET6;
    put_raw(r, &fam, 1);
    if (local_is_source) {
      put_raw(r, &l, 16); put_raw(r, &lport, 2); put_raw(r, &rm, 16); put_raw(r, &rport, 2);
    } else {
      put_raw(r, &rm, 16); put_raw(r, &rport, 2); put_raw(r, &l, 16); put_raw(r, &lport, 2);
    }
  } else if (family == AF_UNIX) {
    struct unix_sock *us = (void *)sk;
    struct sock *peer = BPF_CORE_READ(us, peer);
    u64 src = (u64)(unsigned long)sk, dst = (u64)(unsigned long)peer;
    u8 fam = AF_UNIX;
    put_raw(r, &fam, 1);
    put_raw(r, &src, 8);
    put_raw(r, &dst, 8);
    struct unix_address *addr = BPF_CORE_READ(us, addr);
    if (!addr && peer) addr = BPF_CORE_READ((struct unix_sock *)peer, addr);
    if (addr) {
      int alen = BPF_CORE_READ(addr, len);
      const char *path = (const char *)__builtin_preserve_access_index(&addr->name[0].sun_path);
      if (alen > 2) {
        u32 plen = (u32)(alen - 2);
        char first = 0;
        bpf_probe_read_kernel(&first, 1, path);
        if (first == 0) { /* abstract: '@' then the name, as Falco shows it */
          put_byte_raw(r, '@');
          path++;
          plen--;
        }
        if (plen > 107) plen = 107;
        append_short_str(r, path, plen + 1, false);
      }
    }
  } else {
    u8 fam = (u8)family;
    put_raw(r, &fam, 1);
  }
  param_done(r, start);
}

/* SOCKADDR from a user struct sockaddr of `len` bytes. */
static __always_inline void put_user_sockaddr(struct rec *r, const void *uaddr, long len) {
  u32 start = r->pos;
  u16 family = 0;
  if (!uaddr || len < 2 || bpf_probe_read_user(&family, 2, uaddr)) {
    put_empty(r);
    return;
  }
  u8 fam = (u8)family;
  put_raw(r, &fam, 1);
  if (family == AF_INET && len >= 8) {
    u8 buf[8];
    if (!bpf_probe_read_user(buf, 8, uaddr)) {
      u16 port = ((u16)buf[2] << 8) | buf[3];
      put_raw(r, &buf[4], 4);
      put_raw(r, &port, 2);
    }
  } else if (family == AF_INET6 && len >= 24) {
    u8 buf[24];
    if (!bpf_probe_read_user(buf, 24, uaddr)) {
      u16 port = ((u16)buf[2] << 8) | buf[3];
      put_raw(r, &buf[8], 16);
      put_raw(r, &port, 2);
    }
  } else if (family == AF_UNIX && len > 2) {
    const char *path = (const char *)uaddr + 2;
    u32 plen = (u32)(len - 2);
    char first = 0;
    bpf_probe_read_user(&first, 1, path);
    if (first == 0 && plen > 1) {
      put_byte_raw(r, '@');
      path++;
      plen--;
    }
    if (plen > 107) plen = 107;
    append_short_str(r, path, plen + 1, true);
  }
  param_done(r, start);
}

#endif /* VIGIL_EBPF_TASK_BPF_H */
