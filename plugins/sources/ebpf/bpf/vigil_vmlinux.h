/* The few kernel types the probe reads, written by hand for CO-RE.
 *
 * Not generated from the build host's kernel: every struct carries preserve_access_index, so
 * libbpf relocates each field access against the running kernel's BTF at load time. Only the
 * fields used are declared; their order and the padding do not matter. Where kernels differ,
 * `___flavour` types name the other spelling and the probe picks one with bpf_core_field_exists.
 */
#ifndef VIGIL_VMLINUX_H
#define VIGIL_VMLINUX_H

typedef signed char __s8;
typedef unsigned char __u8;
typedef short __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s32 s32;
typedef __s64 s64;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

/* uapi/linux/bpf.h values the probe uses (stable ABI numbers). */
enum bpf_map_type {
  BPF_MAP_TYPE_ARRAY = 2,
  BPF_MAP_TYPE_PROG_ARRAY = 3,
  BPF_MAP_TYPE_PERCPU_ARRAY = 6,
  BPF_MAP_TYPE_ARRAY_OF_MAPS = 12,
  BPF_MAP_TYPE_RINGBUF = 27,
};
enum {
  BPF_RB_NO_WAKEUP = 1,
  BPF_RB_FORCE_WAKEUP = 2,
};
enum {
  BPF_RB_AVAIL_DATA = 0,
};
enum { BPF_ANY = 0 };

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

struct pt_regs {
  unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8, ax, cx, dx, si, di, orig_ax, ip, cs,
      flags, sp, ss;
};

typedef struct { u32 val; } kuid_t;
typedef struct { u32 val; } kgid_t;
/* u64 `val` since 6.3, `__u32 cap[2]` before: both are 8 bytes laid out the same on a
 * little-endian machine, so the probe reads the field's 8 bytes whatever its inner spelling. */
typedef struct { u64 val; } kernel_cap_t;

struct qstr {
  u32 hash;
  u32 len;
  const unsigned char *name;
};

struct super_block {
  u32 s_dev;
  unsigned long s_magic;
};

struct inode {
  unsigned short i_mode;
  kuid_t i_uid;
  kgid_t i_gid;
  unsigned long i_ino;
  struct super_block *i_sb;
};
struct timespec64 {
  s64 tv_sec;
  long tv_nsec;
};
/* >= 6.11 */
struct inode___v611 {
  s64 i_ctime_sec;
  u32 i_ctime_nsec;
  s64 i_mtime_sec;
  u32 i_mtime_nsec;
};
/* 6.6 .. 6.10 */
struct inode___v66 {
  struct timespec64 __i_ctime;
  struct timespec64 i_mtime;
};
/* < 6.6 */
struct inode___old {
  struct timespec64 i_ctime;
  struct timespec64 i_mtime;
};

struct dentry {
  struct dentry *d_parent;
  struct qstr d_name;
  struct inode *d_inode;
  struct super_block *d_sb;
};

struct vfsmount {
  struct dentry *mnt_root;
  struct super_block *mnt_sb;
};

struct mount {
  struct mount *mnt_parent;
  struct dentry *mnt_mountpoint;
  struct vfsmount mnt;
};

struct path {
  struct vfsmount *mnt;
  struct dentry *dentry;
};

struct file {
  struct path f_path;
  struct inode *f_inode;
  unsigned int f_mode;
  void *private_data;
};

struct fdtable {
  unsigned int max_fds;
  struct file **fd;
};

struct files_struct {
  struct fdtable *fdt;
};

struct fs_struct {
  struct path root;
  struct path pwd;
};

struct mm_struct {
  unsigned long arg_start;
  unsigned long arg_end;
  unsigned long env_start;
  unsigned long env_end;
};

struct cred {
  kuid_t uid;
  kgid_t gid;
  kuid_t euid;
  kgid_t egid;
  kuid_t fsuid;
  kgid_t fsgid;
  kernel_cap_t cap_inheritable;
  kernel_cap_t cap_permitted;
  kernel_cap_t cap_effective;
};

struct ns_common {
  unsigned int inum;
};
struct pid_namespace {
  struct ns_common ns;
};
struct mnt_namespace {
  struct ns_common ns;
};
struct net {
  struct ns_common ns;
};
struct nsproxy {
  struct mnt_namespace *mnt_ns;
  struct net *net_ns;
};

struct upid {
  int nr;
  struct pid_namespace *ns;
};
struct pid {
  unsigned int level;
  struct upid numbers[1];
};

struct tty_driver {
  int major;
  int minor_start;
};
struct tty_struct {
  struct tty_driver *driver;
  int index;
};

struct signal_struct {
  struct pid *pids[4];
  struct tty_struct *tty;
};

struct kernfs_node {
  struct kernfs_node *__parent;
  const char *name;
};
/* before 6.15 */
struct kernfs_node___old {
  struct kernfs_node *parent;
};
struct cgroup {
  struct kernfs_node *kn;
};
struct cgroup_subsys_state {
  struct cgroup *cgroup;
};
struct css_set {
  struct cgroup_subsys_state *subsys[16];
};

enum cgroup_subsys_id {
  cpuset_cgrp_id,
  cpu_cgrp_id,
  memory_cgrp_id,
  pids_cgrp_id,
};

struct task_struct {
  unsigned int flags;
  void *stack;
  int exit_code;
  int pid;
  int tgid;
  struct task_struct *real_parent;
  struct task_struct *group_leader;
  struct pid *thread_pid;
  u64 start_boottime;
  const struct cred *cred;
  char comm[16];
  struct fs_struct *fs;
  struct files_struct *files;
  struct nsproxy *nsproxy;
  struct signal_struct *signal;
  kuid_t loginuid;
  struct css_set *cgroups;
  struct mm_struct *mm;
};

struct linux_binprm {
  struct file *file;
  const char *filename;
};

/* Sockets. */
struct in6_addr {
  u8 s6_addr[16];
};
struct sock_common {
  __be32 skc_daddr;
  __be32 skc_rcv_saddr;
  __be16 skc_dport;
  u16 skc_num;
  unsigned short skc_family;
  struct in6_addr skc_v6_daddr;
  struct in6_addr skc_v6_rcv_saddr;
};
struct sock {
  struct sock_common __sk_common;
};
struct socket {
  short type;
  struct sock *sk;
};
struct sockaddr_un {
  unsigned short sun_family;
  char sun_path[108];
};
struct unix_address {
  int len;
  struct sockaddr_un name[1];
};
struct unix_sock {
  struct sock sk;
  struct unix_address *addr;
  struct sock *peer;
};

#pragma clang attribute pop

#endif /* VIGIL_VMLINUX_H */
