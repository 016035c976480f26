/* Building one event record (sdk event_record.h layout) in a per-CPU scratch buffer, then
 * handing it to the CPU's ring buffer.
 *
 * Every write goes to rec[pos & REC_MASK] with a size <= REC_MAX while the buffer is 2 * REC_MAX
 * long: the verifier sees every access in bounds whatever pos is, and the logic below keeps
 * pos <= REC_MAX so nothing real is ever cut by the mask. */
#ifndef VIGIL_EBPF_RECORD_BPF_H
#define VIGIL_EBPF_RECORD_BPF_H

#define REC_MAX VIGIL_PROBE_MAX_RECORD
#define REC_MASK (REC_MAX - 1)
/* Room kept free for the fixed-size parameters that follow a string. */
#define REC_RESERVE 1024u
#define MAX_COMPONENTS 48
#define MAX_PARAMS 64

/* Stops clang from folding a bounds check the verifier needs to see. */
#define BARRIER_VAR(x) asm volatile("" : "+r"(x))

struct scratch {
  u8 rec[REC_MAX * 2];
  const void *comp[MAX_COMPONENTS]; /* path components collected leaf first */
  u64 unchecked; /* bytes this CPU wrote since it last asked how full its ring is */
};

struct rec {
  struct scratch *s;
  u32 pos;
  u32 idx;
  u32 flags;
};

/* Set by user space before load. */
const volatile __u32 cfg_max_str = 4096;
const volatile __u32 cfg_max_args = 4096;
const volatile __u32 cfg_snaplen = 80;
const volatile __u64 cfg_wakeup_bytes = 4u << 20;
/* How often (bytes written by one CPU) to check the ring's fill against cfg_wakeup_bytes. */
const volatile __u64 cfg_wakeup_check_bytes = 256u << 10;

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1); /* one per possible CPU, set by user space */
  __type(key, u32);
  __type(value, struct scratch);
} scratch_map SEC(".maps");

struct ring_inner {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 8u << 20); /* the configured ring size, set by user space */
};

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
  __uint(max_entries, 1); /* one per possible CPU, set by user space */
  __type(key, u32);
  __array(values, struct ring_inner);
} rings SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, 1);
  __type(key, u32);
  __type(value, struct vigil_probe_counters);
} counters SEC(".maps");

static __always_inline struct vigil_probe_counters *counters_get(void) {
  u32 zero = 0;
  return bpf_map_lookup_elem(&counters, &zero);
}

/* &rec[p & REC_MASK], with the mask kept where clang would fold it away (it knows p is small;
 * the verifier must see the mask). */
static __always_inline u8 *rec_at(struct rec *r, u32 p) {
  BARRIER_VAR(p);
  return &r->s->rec[p & REC_MASK];
}

static __always_inline bool rec_begin(struct rec *r, u16 type, u32 nparams, s64 tid) {
  u32 cpu = bpf_get_smp_processor_id();
  struct scratch *s = bpf_map_lookup_elem(&scratch_map, &cpu);
  if (!s) return false;
  r->s = s;
  *(u64 *)&s->rec[0] = bpf_ktime_get_boot_ns(); /* user space adds the epoch offset */
  *(s64 *)&s->rec[8] = tid;
  *(u32 *)&s->rec[16] = 0;
  *(u16 *)&s->rec[20] = type;
  *(u16 *)&s->rec[22] = (u16)nparams;
  *(u32 *)&s->rec[24] = 0;
  *(u32 *)&s->rec[28] = 0;
  r->pos = VIGIL_EVENT_HEADER_SIZE + nparams * 4;
  r->idx = 0;
  r->flags = 0;
  return true;
}

static __always_inline s64 current_tid(void) { return (s64)(u32)bpf_get_current_pid_tgid(); }

/* Records the length of the parameter that started at `start` and ends at r->pos. */
static __always_inline void param_done(struct rec *r, u32 start) {
  u32 i = r->idx;
  if (i >= MAX_PARAMS) return;
  *(u32 *)&r->s->rec[VIGIL_EVENT_HEADER_SIZE + (i & (MAX_PARAMS - 1)) * 4] = r->pos - start;
  r->idx = i + 1;
}

static __always_inline void put_empty(struct rec *r) { param_done(r, r->pos); }

static __always_inline void put_u64(struct rec *r, u64 v) {
  u32 p = r->pos;
  if (p > REC_MAX - REC_RESERVE) { /* cannot happen: strings leave REC_RESERVE free */
    put_empty(r);
    return;
  }
  *(u64 *)rec_at(r, p) = v;
  r->pos = (p + 8) & REC_MASK;
  param_done(r, p);
}
static __always_inline void put_s64(struct rec *r, s64 v) { put_u64(r, (u64)v); }

static __always_inline void put_u32(struct rec *r, u32 v) {
  u32 p = r->pos;
  if (p > REC_MAX - REC_RESERVE) {
    put_empty(r);
    return;
  }
  *(u32 *)rec_at(r, p) = v;
  r->pos = (p + 4) & REC_MASK;
  param_done(r, p);
}

/* Bytes free for a variable-size parameter, at most `max`. */
static __always_inline u32 room(struct rec *r, u32 max) {
  u32 p = r->pos;
  if (p >= REC_MAX - REC_RESERVE) return 0;
  u32 avail = REC_MAX - REC_RESERVE - p;
  if (max > avail) {
    r->flags |= VIGIL_EVENT_F_TRUNCATED;
    max = avail;
  }
  return max;
}

/* A string without its NUL. user: from user memory, else kernel memory. */
static __always_inline void put_str(struct rec *r, const void *ptr, u32 max, bool user) {
  u32 p = r->pos;
  u32 n = room(r, max);
  if (!ptr || n == 0) {
    put_empty(r);
    return;
  }
  BARRIER_VAR(n);
  n &= REC_MASK; /* lossless: room() keeps n below REC_MAX */
  long got = user ? bpf_probe_read_user_str(rec_at(r, p), n, ptr)
                  : bpf_probe_read_kernel_str(rec_at(r, p), n, ptr);
  if (got <= 1) {
    put_empty(r);
    return;
  }
  if ((u32)got >= n) r->flags |= VIGIL_EVENT_F_TRUNCATED;
  r->pos = (p + (u32)got - 1) & REC_MASK;
  param_done(r, p);
}
static __always_inline void put_user_str(struct rec *r, const void *ptr) {
  put_str(r, ptr, cfg_max_str, true);
}
static __always_inline void put_kernel_str(struct rec *r, const void *ptr) {
  put_str(r, ptr, cfg_max_str, false);
}

/* Raw bytes, `len` of them at most `max`. */
static __always_inline void put_bytes(struct rec *r, const void *ptr, u64 len, u32 max, bool user) {
  u32 p = r->pos;
  if (!ptr || len == 0) {
    put_empty(r);
    return;
  }
  if (len > max) len = max;
  u32 n = room(r, (u32)len);
  if (n == 0) {
    put_empty(r);
    return;
  }
  BARRIER_VAR(n);
  n &= REC_MASK; /* lossless: room() keeps n below REC_MAX */
  long err = user ? bpf_probe_read_user(rec_at(r, p), n, ptr)
                  : bpf_probe_read_kernel(rec_at(r, p), n, ptr);
  if (err) {
    put_empty(r);
    return;
  }
  r->pos = (p + n) & REC_MASK;
  param_done(r, p);
}

/* Writes one byte at the current position (inside a parameter being built). */
static __always_inline bool put_byte_raw(struct rec *r, u8 c) {
  u32 p = r->pos;
  if (p >= REC_MAX - REC_RESERVE) {
    r->flags |= VIGIL_EVENT_F_TRUNCATED;
    return false;
  }
  *rec_at(r, p) = c;
  r->pos = (p + 1) & REC_MASK;
  return true;
}

/* Appends a kernel string with its NUL when keep_nul, inside a parameter being built. Returns the
 * bytes written (0 when nothing fit). */
static __always_inline u32 append_str(struct rec *r, const void *ptr, u32 max, bool user,
                                      bool keep_nul) {
  u32 p = r->pos;
  u32 n = room(r, max);
  if (!ptr || n == 0) return 0;
  BARRIER_VAR(n);
  n &= REC_MASK; /* lossless: room() keeps n below REC_MAX */
  long got = user ? bpf_probe_read_user_str(rec_at(r, p), n, ptr)
                  : bpf_probe_read_kernel_str(rec_at(r, p), n, ptr);
  if (got <= 0) return 0;
  if ((u32)got >= n && (u32)got < max) r->flags |= VIGIL_EVENT_F_TRUNCATED;
  u32 w = keep_nul ? (u32)got : (u32)got - 1;
  r->pos = (p + w) & REC_MASK; /* lossless (room()); equal ranges let the verifier prune */
  return w;
}

/* Appends at most `max` (< 128) bytes of a string, without its NUL, inside a parameter. */
static __always_inline void append_short_str(struct rec *r, const void *src, u32 max, bool user) {
  u32 p = r->pos;
  if (p >= REC_MAX - REC_RESERVE) return;
  u32 n = max;
  BARRIER_VAR(n);
  n &= 127;
  if (n == 0) return;
  long got = user ? bpf_probe_read_user_str(rec_at(r, p), n, src)
                  : bpf_probe_read_kernel_str(rec_at(r, p), n, src);
  if (got > 1) r->pos = (p + (u32)got - 1) & REC_MASK;
}

/* Hands the finished record to this CPU's ring. */
static __always_inline void rec_submit(struct rec *r) {
  struct vigil_probe_counters *c = counters_get();
  u32 len = r->pos;
  if (len < VIGIL_EVENT_HEADER_SIZE || len > REC_MAX) return;
  *(u32 *)&r->s->rec[16] = len;
  *(u32 *)&r->s->rec[28] = r->flags;
  u32 cpu = bpf_get_smp_processor_id();
  void *ring = bpf_map_lookup_elem(&rings, &cpu);
  if (!ring) {
    if (c) c->drops_nomap++;
    return;
  }
  /* No wakeup per event: user space polls; it is woken only when the ring fills past the
   * threshold, so a burst is drained before it overflows. The fill is checked only every
   * cfg_wakeup_check_bytes written by this CPU: bpf_ringbuf_query reads the consumer position,
   * a cache line the reader keeps writing, which on every event was one of the probe's larger
   * costs. */
  u64 flags = BPF_RB_NO_WAKEUP;
  u64 unchecked = r->s->unchecked + len;
  if (unchecked >= cfg_wakeup_check_bytes) {
    unchecked = 0;
    if (bpf_ringbuf_query(ring, BPF_RB_AVAIL_DATA) + len > cfg_wakeup_bytes)
      flags = BPF_RB_FORCE_WAKEUP;
  }
  r->s->unchecked = unchecked;
  BARRIER_VAR(len);
  if (len > REC_MAX) return;
  if (bpf_ringbuf_output(ring, r->s->rec, len, flags) != 0) {
    if (c) c->drops++;
    return;
  }
  if (c) c->events++;
}

#endif /* VIGIL_EBPF_RECORD_BPF_H */
