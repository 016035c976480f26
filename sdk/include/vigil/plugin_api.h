/*
 * vigil plugin API: the whole binary contract between the vigil core and a plugin.
 *
 * A plugin is a shared object that exports one symbol, VIGIL_PLUGIN_ENTRY_SYMBOL, a function
 * returning a pointer to a constant vigil_plugin_api table. The table begins with the API version
 * the plugin was built against and the table's own size, so later minor versions can append
 * members without breaking plugins built against older headers: the host treats any member that
 * lies beyond `table_size` as NULL.
 *
 * Compatibility (Falco's rule): the host accepts a plugin whose required major equals the host's
 * and whose required minor is not newer than the host's.
 *
 * Capabilities are explicit (`capabilities` bit set). The host checks, as separate steps with
 * separate messages: the version, the required functions, then that every declared capability has
 * all its required functions and that no capability's functions are set without the capability.
 *
 *   VIGIL_CAP_SOURCE   produces events (open / next_batch / close)
 *   VIGIL_CAP_EXTRACT  provides fields for rules (fields JSON + extract_fields)
 *   VIGIL_CAP_PARSE    sees events of the types it asks for, before extraction (enrichers' caches)
 *   VIGIL_CAP_OUTPUT   delivers batches of alerts
 *
 * Errors: every call that can fail returns a vigil_rc. The message comes from last_error().
 * No C++ type, exception or allocator crosses this boundary: strings are NUL-terminated UTF-8,
 * and whoever allocates memory frees it.
 *
 * Threads: the host calls source functions (open, next_batch, progress, close) from that source's
 * reader thread; parse, extract_fields and event_to_string from the engine thread; deliver from
 * that output's own thread. Calls within one group never overlap. A plugin that has functions of
 * several groups must protect state it shares between them. last_error() reports the most recent
 * failure on the calling thread.
 *
 * Trust: an in-process plugin is not a security boundary. It runs with the host's privileges;
 * load only plugins you trust (see sdk/README.md).
 *
 * This header includes nothing but <stdint.h> and <stddef.h>.
 */
#ifndef VIGIL_PLUGIN_API_H
#define VIGIL_PLUGIN_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ---------------------------------------------------------------------------- */

#define VIGIL_PLUGIN_API_VERSION_MAJOR 1
#define VIGIL_PLUGIN_API_VERSION_MINOR 3
#define VIGIL_PLUGIN_API_VERSION_PATCH 0
#define VIGIL_PLUGIN_API_VERSION_STRING "1.3.0"

/* The name of the one exported entry function; its type is vigil_plugin_entry_fn. */
#define VIGIL_PLUGIN_ENTRY_SYMBOL "vigil_plugin_entry"

#if defined(__GNUC__)
#define VIGIL_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define VIGIL_PLUGIN_EXPORT
#endif

/* ---- Return codes and enums --------------------------------------------------------------- */

typedef int32_t vigil_rc;
#define VIGIL_OK 0          /* success */
#define VIGIL_FAILURE 1     /* failure; see last_error() */
#define VIGIL_TIMEOUT 2     /* next_batch: no event now, call again */
#define VIGIL_EOF 3         /* next_batch: the source has ended */
#define VIGIL_NOT_FOUND 4   /* extract_fields: the event is not one this plugin knows; the host
                             * reads every requested field as having no value */

/* Capability bits for vigil_plugin_api.capabilities. */
#define VIGIL_CAP_SOURCE 0x1u
#define VIGIL_CAP_EXTRACT 0x2u
#define VIGIL_CAP_PARSE 0x4u
#define VIGIL_CAP_OUTPUT 0x8u

/* Log levels for the host's log callback, most severe first (syslog order). An integer, not an
 * enum, so a value the host does not know is still well defined on both sides. */
typedef int32_t vigil_log_level;
#define VIGIL_LOG_CRITICAL 2
#define VIGIL_LOG_ERROR 3
#define VIGIL_LOG_WARNING 4
#define VIGIL_LOG_INFO 6
#define VIGIL_LOG_DEBUG 7
#define VIGIL_LOG_TRACE 8

/* Field types, as named in the fields JSON ("type"). */
typedef enum vigil_field_type {
  VIGIL_FT_STRING = 1,  /* "string": const char*                                  */
  VIGIL_FT_UINT64 = 2,  /* "uint64": uint64_t                                     */
  VIGIL_FT_INT64 = 3,   /* "int64": int64_t                                       */
  VIGIL_FT_BOOL = 4,    /* "bool": uint32_t, 0 or 1                               */
  VIGIL_FT_IPADDR = 5,  /* "ipaddr": vigil_bytes of 4 (IPv4) or 16 (IPv6) bytes     */
  VIGIL_FT_IPNET = 6,   /* "ipnet": vigil_bytes: address bytes then 1 byte prefix  */
  VIGIL_FT_RELTIME = 7, /* "reltime": uint64_t nanoseconds                        */
  VIGIL_FT_ABSTIME = 8, /* "abstime": uint64_t nanoseconds since the epoch        */
  VIGIL_FT_BYTES = 9    /* "bytes": vigil_bytes                                   */
} vigil_field_type;

/* Alert priorities, Falco's eight levels, most severe first. */
typedef enum vigil_priority {
  VIGIL_PRIORITY_EMERGENCY = 0,
  VIGIL_PRIORITY_ALERT = 1,
  VIGIL_PRIORITY_CRITICAL = 2,
  VIGIL_PRIORITY_ERROR = 3,
  VIGIL_PRIORITY_WARNING = 4,
  VIGIL_PRIORITY_NOTICE = 5,
  VIGIL_PRIORITY_INFORMATIONAL = 6,
  VIGIL_PRIORITY_DEBUG = 7
} vigil_priority;

/* What an output answers for a batch. An integer, not an enum: the host treats any other value as
 * VIGIL_REJECTED. */
typedef int32_t vigil_delivery;
#define VIGIL_DELIVERED 0   /* the whole batch was accepted by the destination                */
#define VIGIL_RETRY_LATER 1 /* a transient failure (network, 5xx, 429): the host may retry     */
#define VIGIL_REJECTED 2    /* the destination refused it for good (4xx): retrying cannot help */

/* ---- Shared data types ------------------------------------------------------------------ */

typedef struct vigil_plugin vigil_plugin;                   /* a plugin's state, opaque to the host */
typedef struct vigil_source_instance vigil_source_instance; /* one opened source, opaque          */

typedef struct vigil_bytes {
  const uint8_t* data;
  uint32_t len;
} vigil_bytes;

/* What the host's state knows of the process of an event (get_process). Every pointer is the
 * host's and valid until the get_process call returns. */
typedef struct vigil_process_info {
  uint32_t struct_size; /* set by the plugin to sizeof; the host fills what fits */
  int64_t tid, pid, ptid; /* thread, process (thread group), parent process */
  int64_t vtid, vpid;     /* as seen in the process's pid namespace */
  uint64_t start_ts_ns;   /* process start, ns since the epoch */
  uint64_t pidns_ino, mntns_ino;
  uint32_t uid, gid;
  const char* comm;             /* the process's name */
  const char* exepath;          /* absolute path of its executable, "" when unknown */
  const char* const* cgroups;   /* "subsys=/path" entries, as the probe and /proc give them */
  uint32_t ncgroups;
  /* Since 1.3 (sdk/proposals/2026-12-06-api-1.3-process-args.md): the arguments after argv[0],
   * as the process's exec or /proc gave them. A host older than 1.3 leaves struct_size short of
   * them. */
  const char* const* args;
  uint32_t nargs;
} vigil_process_info;

struct vigil_event_input;

/* Services the host offers a plugin. Valid from init until destroy returns. A member the host's
 * struct_size does not cover is absent (an older host): check before calling it. */
typedef struct vigil_host_api {
  uint32_t struct_size; /* sizeof(vigil_host_api) as the host built it; members may be appended */
  void* ctx;            /* pass back as the first argument of every callback */
  /* Writes `msg` (NUL-terminated, copied by the host) to vigil's log, tagged with the plugin's
   * name. Safe from any thread. */
  void (*callback_log)(void* ctx, vigil_log_level level, const char* msg);

  /* ---- Since 1.2 (sdk/proposals/2026-12-03-api-1.2-enrichers.md) ---- */

  /* The state the host keeps of the process that made `event`, for parsers and extractors: only
   * inside parse_event or extract_fields, with the event of that call. VIGIL_OK and *out filled
   * (processes that started before vigil included: the host reads /proc), or VIGIL_NOT_FOUND (an
   * event without a thread: another source's, or called outside those calls). */
  vigil_rc (*get_process)(void* ctx, const struct vigil_event_input* event,
                          vigil_process_info* out);

  /* One value per process and plugin, kept by the host with its process state, so what a plugin
   * resolved once (a container id on exec) is a lookup afterwards. Same calls as get_process.
   * set copies `data` (at most VIGIL_PROCESS_VALUE_MAX bytes); a forked child starts with its
   * parent's value; the value goes with the process. get sets *data (the host's, valid until the
   * next set for that process) and *len, or returns VIGIL_NOT_FOUND when none is set or the event
   * has no process. */
  vigil_rc (*set_process_value)(void* ctx, const struct vigil_event_input* event, const void* data,
                                uint32_t len);
  vigil_rc (*get_process_value)(void* ctx, const struct vigil_event_input* event,
                                const void** data, uint32_t* len);

  /* Hold until metadata. Inside parse_event: the host keeps the events of this event's process
   * (this one included, and the ones after it, in their order) out of the rules until
   * release_process(pid) or `timeout_ms` after the first hold (capped at VIGIL_HOLD_MAX_MS);
   * other processes' events keep flowing. Holding a held process again changes nothing. Parsing
   * is not delayed: the plugin sees held events as they come; its fields are extracted when the
   * rules run. VIGIL_OK, or VIGIL_NOT_FOUND (no process for the event, or called outside
   * parse_event). When the host holds too many events, the oldest hold ends early (counted). */
  vigil_rc (*hold_process)(void* ctx, const struct vigil_event_input* event, uint32_t timeout_ms);
  /* Ends the hold of process `pid` (the pid of vigil_process_info): its held events go to the
   * rules. From any thread, while the plugin is initialised; a pid not held is ignored. */
  void (*release_process)(void* ctx, int64_t pid);

  /* Sets the plugin's counter `name` ([a-z0-9_]+, at most 64 bytes) to `value`, shown in the
   * stats lines as `plugin <plugin>: <name>=<value>`. From any thread; at most
   * VIGIL_COUNTERS_MAX names per plugin (more are ignored). */
  void (*set_counter)(void* ctx, const char* name, uint64_t value);
} vigil_host_api;

#define VIGIL_PROCESS_VALUE_MAX 4096u
#define VIGIL_HOLD_MAX_MS 10000u
#define VIGIL_COUNTERS_MAX 64u

/* What init receives. Valid only during the init call: copy what you keep. */
typedef struct vigil_init_input {
  /* The plugin's config as JSON (an object, "{}" when none), already validated against the
   * plugin's schema by the host. */
  const char* config_json;
  const vigil_host_api* host;
} vigil_init_input;

/* A batch of event records laid end to end (see event_record.h for the record format).
 * Memory is the plugin's; it stays valid until the next next_batch or close on that instance. */
typedef struct vigil_event_batch {
  const uint8_t* data;
  uint64_t size;  /* bytes in data */
  uint32_t count; /* records in data */
} vigil_event_batch;

/* One event as the host hands it to parse, extract_fields and event_to_string.
 * Memory is the host's; valid during the call only. */
typedef struct vigil_event_input {
  const uint8_t* record; /* a checked event record (event_record.h) */
  uint32_t record_len;
  uint64_t evtnum;          /* the host's running event number */
  const char* event_source; /* the name of the source that produced it, e.g. "syscall" */
} vigil_event_input;

/* One field the host asks a plugin for. The host fills the request members; the plugin fills
 * the result members. Result memory is the plugin's and stays valid until the next
 * extract_fields call on the same plugin state, or destroy. */
typedef struct vigil_extract_field {
  /* request */
  uint32_t field_id;     /* index into the plugin's fields JSON array */
  const char* field;     /* the field's name, e.g. "ka.verb" */
  const char* arg_key;   /* the argument of key-argument fields (e.g. "foo" in x.label[foo]), or NULL */
  uint64_t arg_index;    /* the argument of index-argument fields */
  uint32_t arg_present;  /* 1 when the rule gave an argument */
  uint32_t ftype;        /* vigil_field_type the plugin declared */
  uint32_t flist;        /* 1 when the field was declared as a list */
  /* result: res_len values of type ftype; res_len 0 means the field has no value here */
  union {
    const char** str;
    const uint64_t* u64;
    const int64_t* s64;
    const uint32_t* boolean;
    const vigil_bytes* bytes;
  } res;
  uint64_t res_len;
} vigil_extract_field;

/* One alert handed to an output. Memory is the host's; valid during the deliver call only. */
typedef struct vigil_alert {
  uint64_t time_ns;      /* when the event happened, ns since the epoch */
  uint32_t priority;     /* vigil_priority */
  const char* rule;      /* rule name */
  const char* source;    /* event source, e.g. "syscall" */
  const char* hostname;  /* host the alert comes from */
  const char* output;    /* the rule's rendered message, without Falco's "<time>: <Priority> "
                          * prefix (the "output" member of `json` has it) */
  const char* const* tags;
  uint32_t ntags;
  /* The complete Falco JSON alert (time, rule, priority, source, hostname, output, output_fields,
   * tags) on one line, without a newline. */
  const char* json;
  uint32_t json_len;
} vigil_alert;

/* ---- The table -------------------------------------------------------------------------- */

typedef struct vigil_plugin_api {
  /* The API version the plugin was built against: VIGIL_PLUGIN_API_VERSION_MAJOR/MINOR. */
  uint32_t api_version_major;
  uint32_t api_version_minor;
  /* sizeof(vigil_plugin_api) as the plugin built it. */
  uint32_t table_size;
  /* VIGIL_CAP_* bits. At least one. */
  uint32_t capabilities;

  /* Required. Static strings, valid for the life of the loaded library.
   * name: [a-z0-9_]+, unique among loaded plugins. version: semver "MAJOR.MINOR.PATCH". */
  const char* name;
  const char* version;
  /* Optional (NULL or static strings): shown by `vigil plugins`. */
  const char* description;
  const char* contact;

  /* Optional. A JSON Schema (draft 4 subset RapidJSON implements) for the plugin's config, static.
   * NULL: the plugin takes no config, and any key given to it is an error. */
  const char* (*get_init_schema)(void);

  /* Required. Creates the plugin's state from its config. Sets *rc. On failure it may still return
   * a state, so that last_error() can say why; the host then calls destroy on it. The returned state
   * is the plugin's and lives until destroy. */
  vigil_plugin* (*init)(const vigil_init_input* input, vigil_rc* rc);

  /* Required. Frees the state and everything it owns. Called once, after every other call ended. */
  void (*destroy)(vigil_plugin* state);

  /* Required. The message of the most recent failure on the calling thread, or "" when none.
   * The string is the plugin's, valid until the next call on that thread. `state` may be NULL when
   * init returned NULL. */
  const char* (*last_error)(vigil_plugin* state);

  /* ---- VIGIL_CAP_SOURCE ---- */

  /* Required for sources. The name of the events it produces, e.g. "syscall", "k8s_audit".
   * Static string. */
  const char* event_source;

  /* Required for sources. Opens an event stream with `params` (a plugin-defined string, may be ""),
   * valid during the call only. On VIGIL_OK *instance is set; the instance is the plugin's and lives
   * until close. */
  vigil_rc (*open)(vigil_plugin* state, const char* params, vigil_source_instance** instance);

  /* Required for sources. Closes an instance opened by open, freeing it. */
  void (*close)(vigil_plugin* state, vigil_source_instance* instance);

  /* Required for sources. Fills *batch with zero or more records and returns VIGIL_OK, or returns
   * VIGIL_TIMEOUT (nothing now; should block at most ~100 ms so shutdown stays prompt), VIGIL_EOF
   * (the stream ended) or VIGIL_FAILURE. Batch memory: see vigil_event_batch. */
  vigil_rc (*next_batch)(vigil_plugin* state, vigil_source_instance* instance,
                         vigil_event_batch* batch);

  /* Optional for sources. How far a finite source got: sets *pct_x100 (0..10000) and returns a
   * human string, the plugin's, valid until the next call. */
  const char* (*progress)(vigil_plugin* state, vigil_source_instance* instance, uint32_t* pct_x100);

  /* Optional for sources. A one-line human rendering of an event it produced (evt.plugininfo).
   * The string is the plugin's, valid until the next call. */
  const char* (*event_to_string)(vigil_plugin* state, const vigil_event_input* event);

  /* ---- VIGIL_CAP_EXTRACT ---- */

  /* Required for extractors. A JSON array describing the fields, static:
   *   [{"name": "ka.verb", "type": "string", "list": false,
   *     "arg": {"kind": "none"|"index"|"key", "required": false},   (optional; default none)
   *     "desc": "the action being performed"}]
   * name: class.field, each once; type: one of string uint64 int64 bool ipaddr ipnet reltime
   * abstime bytes; desc: required, non-empty (`vigil fields` shows it). The index of a field in
   * the array is its field_id. vigil/plugin_check.hpp holds the checks every host runs. */
  const char* fields;

  /* Optional for extractors. A non-empty JSON array of the event sources ([a-z0-9_]+, each
   * once) whose events it extracts from, static; a malformed one refuses the plugin. NULL: its own
   * event_source when it is a source, else every source. */
  const char* extract_event_sources;

  /* Required for extractors. Fills the result members of `fields[0..nfields)` for `event`.
   * Returns VIGIL_OK (fields without a value get res_len 0) or VIGIL_FAILURE. */
  vigil_rc (*extract_fields)(vigil_plugin* state, const vigil_event_input* event, uint32_t nfields,
                             vigil_extract_field* fields);

  /* ---- VIGIL_CAP_PARSE ---- */

  /* Required for parsers. The event types it wants to see, as a static array; *ntypes 0 means all. */
  const uint16_t* (*parse_event_types)(vigil_plugin* state, uint32_t* ntypes);

  /* Required for parsers. Sees `event` before any rule runs on it. VIGIL_OK or VIGIL_FAILURE
   * (logged by the host, event still processed). */
  vigil_rc (*parse_event)(vigil_plugin* state, const vigil_event_input* event);

  /* ---- VIGIL_CAP_OUTPUT ---- */

  /* Required for outputs. Delivers `alerts[0..nalerts)` in order, all or nothing, and says how it
   * went. On VIGIL_RETRY_LATER or VIGIL_REJECTED last_error() says why. Alert memory: see
   * vigil_alert. */
  vigil_delivery (*deliver)(vigil_plugin* state, const vigil_alert* alerts, uint32_t nalerts);

  /* Optional for outputs. Called when the operator asks outputs to reopen files (SIGHUP), from the
   * output's thread, between deliveries. */
  vigil_rc (*reopen)(vigil_plugin* state);

  /* ---- Since 1.1 ---- */

  /* Optional for sources. The event types the host needs from this instance: those its loaded
   * rules can match plus those its state keeping needs, so the source can leave the others out
   * where they arise (the eBPF probe filters them in the kernel). types[0..ntypes) are event type
   * codes (event_types.h), sorted, valid during the call only. Called from the source's reader
   * thread between next_batch calls: before the first next_batch and again after every rules
   * reload that changes the set. Without it, or on VIGIL_FAILURE (logged), the source produces
   * what it chooses and the host ignores what no rule needs. */
  vigil_rc (*set_event_types)(vigil_plugin* state, vigil_source_instance* instance,
                              const uint16_t* types, uint32_t ntypes);
} vigil_plugin_api;

/* The type of the exported entry function. The table is static, valid for the library's life. */
typedef const vigil_plugin_api* (*vigil_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* VIGIL_PLUGIN_API_H */
