/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What bare_tracer.bpf.c (kernel) and bare_tracer.c (user space) share: the record written to the
 * ring buffer and the counters. Only fixed-width types, so both sides agree without vmlinux.h. */
#ifndef VIGIL_BENCH_BARE_TRACER_H_
#define VIGIL_BENCH_BARE_TRACER_H_

#define BARE_MAX_SYSCALL 512 /* syscall ids >= this are never traced */

enum bare_kind { BARE_ENTER = 0, BARE_EXIT = 1 };

/* 40 bytes (48 in the ring with its header): what a minimal syscall event needs. */
struct bare_record {
  unsigned long long ts_ns;
  unsigned int tid;
  unsigned short id;   /* syscall number */
  unsigned short kind; /* enum bare_kind */
  unsigned long long a[3]; /* enter: the first three arguments; exit: a[0] = return value */
};

/* Per-CPU counters kept by the BPF side. */
struct bare_counters {
  unsigned long long events;  /* records submitted */
  unsigned long long dropped; /* ring full: bpf_ringbuf_reserve failed */
};

#endif /* VIGIL_BENCH_BARE_TRACER_H_ */
