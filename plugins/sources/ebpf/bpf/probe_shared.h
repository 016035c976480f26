/* Definitions shared by the eBPF probe (bpf/probe.bpf.c) and the plugin (src/): map slots, the
 * per-CPU counters and the open-flag translation. Pure C with fixed-width types only, so it
 * compiles for the BPF target and in C++. */
#ifndef VIGIL_EBPF_PROBE_SHARED_H
#define VIGIL_EBPF_PROBE_SHARED_H

#ifndef __bpf__
#include <stdint.h>
typedef uint8_t vigil_u8;
typedef uint16_t vigil_u16;
typedef uint32_t vigil_u32;
typedef uint64_t vigil_u64;
#else
typedef __u8 vigil_u8;
typedef __u16 vigil_u16;
typedef __u32 vigil_u32;
typedef __u64 vigil_u64;
#endif

#include "vigil/syscall_schema.h"

/* The `interesting` map: index = x86_64 syscall number (0..VIGIL_SYSCALL_SLOTS-1), value = the
 * vigil event type written for it, 0 = not captured. The scheduler tracepoints have their own
 * slots past the syscall range. */
#define VIGIL_SYSCALL_SLOTS 512u
#define VIGIL_SLOT_PROCEXIT (VIGIL_SYSCALL_SLOTS + 0u)
#define VIGIL_SLOT_FORK (VIGIL_SYSCALL_SLOTS + 1u)
#define VIGIL_SLOT_EXEC (VIGIL_SYSCALL_SLOTS + 2u)
#define VIGIL_INTERESTING_ENTRIES (VIGIL_SYSCALL_SLOTS + 4u)

/* event_record.h's header size (that header needs <stdint.h>, which BPF code cannot include);
 * the plugin checks the two agree. */
#ifndef VIGIL_EVENT_HEADER_SIZE
#define VIGIL_EVENT_HEADER_SIZE 32u
#endif

/* Largest record the probe writes: one per-CPU scratch buffer. */
#define VIGIL_PROBE_MAX_RECORD 32768u

/* Per-CPU counters (the `counters` PERCPU_ARRAY, one entry). */
struct vigil_probe_counters {
  vigil_u64 events;       /* records written to a ring */
  vigil_u64 drops;        /* records lost: the ring was full */
  vigil_u64 drops_nomap;  /* records lost: no ring for this CPU (should never happen) */
  vigil_u64 tail_misses;  /* interesting syscalls whose tail program was missing */
};

/* x86_64 (asm-generic) open(2) flag bits, octal as in the kernel headers. */
#define VIGIL_X86_O_ACCMODE 00000003u
#define VIGIL_X86_O_WRONLY 00000001u
#define VIGIL_X86_O_RDWR 00000002u
#define VIGIL_X86_O_CREAT 00000100u
#define VIGIL_X86_O_EXCL 00000200u
#define VIGIL_X86_O_NOCTTY 00000400u
#define VIGIL_X86_O_TRUNC 00001000u
#define VIGIL_X86_O_APPEND 00002000u
#define VIGIL_X86_O_NONBLOCK 00004000u
#define VIGIL_X86_O_DSYNC 00010000u
#define VIGIL_X86_O_DIRECT 00040000u
#define VIGIL_X86_O_LARGEFILE 00100000u
#define VIGIL_X86_O_DIRECTORY 00200000u
#define VIGIL_X86_O_NOFOLLOW 00400000u
#define VIGIL_X86_O_NOATIME 01000000u
#define VIGIL_X86_O_CLOEXEC 02000000u
#define VIGIL_X86_O___SYNC 04000000u
#define VIGIL_X86_O_PATH 010000000u
#define VIGIL_X86_O___TMPFILE 020000000u

/* Kernel open flags -> VIGIL_O_* (Falco's PPM_O_* values). O_SYNC is __O_SYNC|O_DSYNC and
 * O_TMPFILE is __O_TMPFILE|O_DIRECTORY on Linux, so both halves show. */
static inline vigil_u32 vigil_translate_open_flags(vigil_u32 f) {
  vigil_u32 r = 0;
  vigil_u32 acc = f & VIGIL_X86_O_ACCMODE;
  if (acc == 0) r |= VIGIL_O_RDONLY;
  else if (acc == VIGIL_X86_O_WRONLY) r |= VIGIL_O_WRONLY;
  else if (acc == VIGIL_X86_O_RDWR) r |= VIGIL_O_RDWR;
  if (f & VIGIL_X86_O_CREAT) r |= VIGIL_O_CREAT;
  if (f & VIGIL_X86_O_APPEND) r |= VIGIL_O_APPEND;
  if (f & VIGIL_X86_O_DSYNC) r |= VIGIL_O_DSYNC;
  if (f & VIGIL_X86_O_EXCL) r |= VIGIL_O_EXCL;
  if (f & VIGIL_X86_O_NONBLOCK) r |= VIGIL_O_NONBLOCK;
  if (f & VIGIL_X86_O___SYNC) r |= VIGIL_O_SYNC;
  if (f & VIGIL_X86_O_TRUNC) r |= VIGIL_O_TRUNC;
  if (f & VIGIL_X86_O_DIRECT) r |= VIGIL_O_DIRECT;
  if (f & VIGIL_X86_O_DIRECTORY) r |= VIGIL_O_DIRECTORY;
  if (f & VIGIL_X86_O_LARGEFILE) r |= VIGIL_O_LARGEFILE;
  if (f & VIGIL_X86_O_CLOEXEC) r |= VIGIL_O_CLOEXEC;
  if (f & VIGIL_X86_O___TMPFILE) r |= VIGIL_O_TMPFILE;
  if (f & VIGIL_X86_O_NOFOLLOW) r |= VIGIL_O_NOFOLLOW;
  if (f & VIGIL_X86_O_NOATIME) r |= VIGIL_O_NOATIME;
  if (f & VIGIL_X86_O_PATH) r |= VIGIL_O_PATH;
  if (f & VIGIL_X86_O_NOCTTY) r |= VIGIL_O_NOCTTY;
  return r;
}

/* Number of parameters of an event type, from the schema. */
#define VIGIL__COUNT_PARAM(name, type) +1
#define VIGIL_NPARAMS(evname) (0 VIGIL_PARAMS_##evname(VIGIL__COUNT_PARAM))

#endif /* VIGIL_EBPF_PROBE_SHARED_H */
