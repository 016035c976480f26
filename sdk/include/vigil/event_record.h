/*
 * vigil event records: the binary format every source produces and the core consumes.
 *
 * A record is little-endian and length-prefixed:
 *
 *   +--------------------------- header, 32 bytes ---------------------------+
 *   | ts_ns u64 | tid i64 | len u32 | type u16 | nparams u16 | source_id u32 | flags u32 |
 *   +-------------------------------------------------------------------------+
 *   | param_len[0] u32 | ... | param_len[nparams-1] u32 |
 *   | param bytes 0 | param bytes 1 | ... |
 *
 * `len` counts the whole record. The parameter bytes fill the record exactly. A batch is records
 * laid end to end. Readers never trust a length: vigil_event_check() validates a record once
 * against the bytes available, after which vigil_event_param() is safe.
 *
 * Usage (reading a batch):
 *   const uint8_t* p = batch.data; uint64_t left = batch.size;
 *   uint32_t len;
 *   while (left > 0 && vigil_event_check(p, left, &len) == VIGIL_EVENT_OK) {
 *     vigil_bytes payload;
 *     vigil_event_param(p, 0, &payload);
 *     p += len; left -= len;
 *   }
 *
 * Usage (writing one plugin event):
 *   vigil_event_writer w;
 *   vigil_event_begin(&w, buf, sizeof buf, VIGIL_EVENT_PLUGIN, ts, tid, 1);
 *   vigil_event_add_param(&w, json, json_len);
 *   uint32_t len; if (vigil_event_end(&w, &len) != VIGIL_EVENT_OK) { ... }
 *
 * Only <stdint.h>/<stddef.h> and compiler builtins, for user code and kernel modules. BPF programs
 * cannot include <stdint.h>: the eBPF probe restates the header size in its probe_shared.h and
 * the plugin checks the two agree.
 * Assumes a little-endian host, as vigil's supported targets are.
 */
#ifndef VIGIL_EVENT_RECORD_H
#define VIGIL_EVENT_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "plugin_api.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VIGIL_EVENT_HEADER_SIZE 32u
/* Upper bound for one record, so a corrupt length cannot make a reader walk far. */
#define VIGIL_EVENT_MAX_LEN (64u * 1024u * 1024u)

/* Event types. 0 is never valid. VIGIL_EVENT_PLUGIN is the generic event of non-syscall sources:
 * one parameter, the payload (its format is the source's: JSON for Kubernetes audit events).
 * Syscall event types start at VIGIL_EVENT_SYSCALL_FIRST and are defined by the syscall schema. */
#define VIGIL_EVENT_INVALID 0u
#define VIGIL_EVENT_PLUGIN 1u
#define VIGIL_EVENT_SYSCALL_FIRST 16u

/* Result codes of the functions below. */
#define VIGIL_EVENT_OK 0
#define VIGIL_EVENT_TRUNCATED 1  /* fewer bytes available than the header or len says */
#define VIGIL_EVENT_BAD_LEN 2    /* len smaller than header + table, or over VIGIL_EVENT_MAX_LEN */
#define VIGIL_EVENT_BAD_PARAMS 3 /* parameter lengths do not fill the record exactly */
#define VIGIL_EVENT_NO_PARAM 4   /* parameter index out of range */
#define VIGIL_EVENT_NO_SPACE 5   /* writer: the buffer is too small */
#define VIGIL_EVENT_MISUSE 6     /* writer: wrong number of parameters */

typedef struct vigil_event_header {
  uint64_t ts_ns;     /* nanoseconds since the epoch */
  int64_t tid;        /* thread id, or -1 when the event has none */
  uint32_t len;       /* the whole record, header included */
  uint16_t type;      /* VIGIL_EVENT_* */
  uint16_t nparams;   /* entries in the length table */
  uint32_t source_id; /* set by the host when the record enters the bus; sources write 0 */
  uint32_t flags;     /* reserved, 0 */
} vigil_event_header;

#if defined(__cplusplus)
static_assert(sizeof(vigil_event_header) == VIGIL_EVENT_HEADER_SIZE, "header layout");
#else
_Static_assert(sizeof(vigil_event_header) == VIGIL_EVENT_HEADER_SIZE, "header layout");
#endif

static inline uint32_t vigil__load_u32(const uint8_t* p) {
  uint32_t v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}

static inline void vigil__store_u32(uint8_t* p, uint32_t v) { __builtin_memcpy(p, &v, sizeof v); }

/* Copies the header of a record whose first VIGIL_EVENT_HEADER_SIZE bytes are readable. */
static inline vigil_event_header vigil_event_get_header(const uint8_t* rec) {
  vigil_event_header h;
  __builtin_memcpy(&h, rec, sizeof h);
  return h;
}

/* Validates the record at `rec` with `avail` bytes readable. On VIGIL_EVENT_OK sets *len to the
 * record's length (<= avail). */
static inline int vigil_event_check(const uint8_t* rec, uint64_t avail, uint32_t* len) {
  if (avail < VIGIL_EVENT_HEADER_SIZE) return VIGIL_EVENT_TRUNCATED;
  vigil_event_header h = vigil_event_get_header(rec);
  uint64_t table = (uint64_t)h.nparams * 4u;
  if (h.len < VIGIL_EVENT_HEADER_SIZE + table || h.len > VIGIL_EVENT_MAX_LEN) {
    return VIGIL_EVENT_BAD_LEN;
  }
  if (h.len > avail) return VIGIL_EVENT_TRUNCATED;
  uint64_t sum = 0;
  const uint8_t* lens = rec + VIGIL_EVENT_HEADER_SIZE;
  for (uint32_t i = 0; i < h.nparams; i++) sum += vigil__load_u32(lens + 4u * i);
  if (sum != h.len - VIGIL_EVENT_HEADER_SIZE - table) return VIGIL_EVENT_BAD_PARAMS;
  *len = h.len;
  return VIGIL_EVENT_OK;
}

/* Parameter `idx` of a record that passed vigil_event_check. */
static inline int vigil_event_param(const uint8_t* rec, uint32_t idx, vigil_bytes* out) {
  vigil_event_header h = vigil_event_get_header(rec);
  if (idx >= h.nparams) return VIGIL_EVENT_NO_PARAM;
  const uint8_t* lens = rec + VIGIL_EVENT_HEADER_SIZE;
  uint64_t off = VIGIL_EVENT_HEADER_SIZE + (uint64_t)h.nparams * 4u;
  for (uint32_t i = 0; i < idx; i++) off += vigil__load_u32(lens + 4u * i);
  out->data = rec + off;
  out->len = vigil__load_u32(lens + 4u * idx);
  return VIGIL_EVENT_OK;
}

/* Writes one record into a caller-owned buffer. Parameters must be added in order, exactly
 * `nparams` of them. The writer never writes past buf + cap. */
typedef struct vigil_event_writer {
  uint8_t* rec;      /* start of the record being written */
  uint64_t cap;      /* bytes available from rec */
  uint64_t pos;      /* bytes written so far */
  uint16_t nparams;  /* declared */
  uint16_t nwritten; /* added so far */
  int error;         /* first error, sticky */
} vigil_event_writer;

static inline int vigil_event_begin(vigil_event_writer* w, uint8_t* buf, uint64_t cap,
                                    uint16_t type, uint64_t ts_ns, int64_t tid, uint16_t nparams) {
  w->rec = buf;
  w->cap = cap;
  w->nparams = nparams;
  w->nwritten = 0;
  w->pos = VIGIL_EVENT_HEADER_SIZE + (uint64_t)nparams * 4u;
  w->error = w->pos > cap ? VIGIL_EVENT_NO_SPACE : VIGIL_EVENT_OK;
  if (w->error) return w->error;
  vigil_event_header h = {ts_ns, tid, 0, type, nparams, 0, 0};
  __builtin_memcpy(buf, &h, sizeof h);
  return VIGIL_EVENT_OK;
}

static inline int vigil_event_add_param(vigil_event_writer* w, const void* data, uint32_t len) {
  if (w->error) return w->error;
  if (w->nwritten >= w->nparams) return w->error = VIGIL_EVENT_MISUSE;
  if (len > w->cap - w->pos) return w->error = VIGIL_EVENT_NO_SPACE;
  if (len) __builtin_memcpy(w->rec + w->pos, data, len);
  vigil__store_u32(w->rec + VIGIL_EVENT_HEADER_SIZE + 4u * w->nwritten, len);
  w->nwritten++;
  w->pos += len;
  return VIGIL_EVENT_OK;
}

/* Finishes the record: checks the parameter count and the size limit, writes len. */
static inline int vigil_event_end(vigil_event_writer* w, uint32_t* len) {
  if (w->error) return w->error;
  if (w->nwritten != w->nparams) return w->error = VIGIL_EVENT_MISUSE;
  if (w->pos > VIGIL_EVENT_MAX_LEN) return w->error = VIGIL_EVENT_NO_SPACE;
  vigil__store_u32(w->rec + 16, (uint32_t)w->pos);
  *len = (uint32_t)w->pos;
  return VIGIL_EVENT_OK;
}

#ifdef __cplusplus
}
#endif

#endif /* VIGIL_EVENT_RECORD_H */
