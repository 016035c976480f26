// SPDX-License-Identifier: GPL-2.0-only
// The reference tracer of the syscall benchmark: the least a syscall tracer can do on this kernel.
// sys_enter and sys_exit (tp_btf, so the arguments are read straight from pt_regs) look the syscall
// up in `wanted`, and for the wanted ones write a fixed 40-byte record into one BPF ring buffer
// without waking the consumer (it polls); a wake-up is forced only when the ring is more than half
// full. No strings, no process state: whatever a real tracer adds costs more than this.
//
// Built against a hand-written minimum (below and <linux/bpf.h> from the uapi headers), not a
// vmlinux.h of the build host: pt_regs is relocated by CO-RE at load time.
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "bare_tracer.h"

// x86-64 only (the benchmark's machine); CO-RE finds these fields in the running kernel's BTF.
struct pt_regs {
  unsigned long dx;
  unsigned long si;
  unsigned long di;
  unsigned long orig_ax;
} __attribute__((preserve_access_index));

char LICENSE[] SEC("license") = "GPL";

// Set before load: force a wake-up once more than this many bytes wait (half the ring).
const volatile __u64 wakeup_threshold = 4u << 20;

struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8u << 20);  // resized before load (--ring-kib)
} events SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, BARE_MAX_SYSCALL);
  __type(key, __u32);
  __type(value, __u8);
} wanted SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct bare_counters);
} counters SEC(".maps");

static __always_inline int emit(long id, __u16 kind, __u64 a0, __u64 a1, __u64 a2) {
  if (id < 0 || id >= BARE_MAX_SYSCALL) return 0;
  __u32 key = (__u32)id;
  __u8* want = bpf_map_lookup_elem(&wanted, &key);
  if (!want || !*want) return 0;

  __u32 zero = 0;
  struct bare_counters* c = bpf_map_lookup_elem(&counters, &zero);
  if (!c) return 0;
  struct bare_record* r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
  if (!r) {
    c->dropped++;
    return 0;
  }
  r->ts_ns = bpf_ktime_get_ns();
  r->tid = (__u32)bpf_get_current_pid_tgid();
  r->id = (__u16)id;
  r->kind = kind;
  r->a[0] = a0;
  r->a[1] = a1;
  r->a[2] = a2;
  __u64 flags = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > wakeup_threshold
                    ? BPF_RB_FORCE_WAKEUP
                    : BPF_RB_NO_WAKEUP;
  bpf_ringbuf_submit(r, flags);
  c->events++;
  return 0;
}

// tp_btf/sys_enter: (struct pt_regs *regs, long id)
SEC("tp_btf/sys_enter")
int bare_sys_enter(__u64* ctx) {
  struct pt_regs* regs = (struct pt_regs*)ctx[0];
  long id = (long)ctx[1];
  return emit(id, BARE_ENTER, regs->di, regs->si, regs->dx);
}

// tp_btf/sys_exit: (struct pt_regs *regs, long ret)
SEC("tp_btf/sys_exit")
int bare_sys_exit(__u64* ctx) {
  struct pt_regs* regs = (struct pt_regs*)ctx[0];
  long ret = (long)ctx[1];
  return emit((long)regs->orig_ax, BARE_EXIT, (__u64)ret, 0, 0);
}
