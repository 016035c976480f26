// vigil plugin SDK: write a plugin as a C++ class instead of filling C tables.
//
// Header-only, C++17, no dependencies beyond the standard library and the two C headers of the
// ABI. The wrapper builds the vigil_plugin_api table from the class: the class declares its
// capabilities (kCapabilities) and a static_assert names any member a declared capability lacks
// (a misspelled `Parse` does not compile) and any capability's member the class has without
// declaring it; every exception thrown by the class is caught at the boundary and turned into
// last_error(), and nothing C++ crosses the ABI.
//
// Usage:
//
//   #include <vigil/sdk.hpp>
//
//   class CounterPlugin : public vigil::sdk::Plugin {
//    public:
//     static constexpr const char* kName = "counter";          // required
//     static constexpr const char* kVersion = "0.1.0";         // required
//     static constexpr uint32_t kCapabilities =                // required: what it implements
//         VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT;                 // (each checked at compile time)
//     static constexpr const char* kDescription = "counts";    // optional
//     static constexpr const char* kContact = "you@example";   // optional
//     static const char* Schema();                              // optional: config JSON Schema
//
//     explicit CounterPlugin(const vigil::sdk::InitContext& ctx);  // throw to fail init
//
//     // Source: kEventSource + Open returning a unique_ptr to a type with NextBatch.
//     static constexpr const char* kEventSource = "counter";
//     class Instance {
//      public:
//       vigil_rc NextBatch(vigil_event_batch* batch);            // required
//       std::string Progress(uint32_t& pct_x100);                // optional
//       void SetEventTypes(const std::vector<uint16_t>& types);  // optional: what the host needs
//     };
//     std::unique_ptr<Instance> Open(const std::string& params);
//     std::string EventToString(const vigil_event_input& event); // optional
//
//     // Extract: Fields + Extract. Values set through results() stay valid until the next call.
//     static const char* Fields();
//     static constexpr const char* kExtractEventSources = R"(["counter"])";  // optional
//     vigil_rc Extract(const vigil_event_input& event, uint32_t n, vigil_extract_field* fields);
//
//     // Parse: ParseEventTypes + Parse (returning vigil_rc or void).
//     std::vector<uint16_t> ParseEventTypes();   // empty: every type
//     vigil_rc Parse(const vigil_event_input& event);
//
//     // Output: Deliver (+ optional Reopen, returning vigil_rc or void).
//     vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n);
//     void Reopen();
//   };
//
//   VIGIL_PLUGIN(CounterPlugin)   // exports vigil_plugin_entry
//
// Errors: throw any std::exception; its what() becomes last_error(). Where a function returns a
// code without throwing, call vigil::sdk::SetLastError() first. Deliver maps exceptions to
// VIGIL_RETRY_LATER, except vigil::sdk::RejectedError, which means VIGIL_REJECTED.
//
// Threads: the host calls source functions from the source's reader thread, Extract/Parse/
// EventToString from the engine thread and Deliver/Reopen from the output's thread. A class with
// members of several groups must protect the state it shares between them.
#ifndef VIGIL_SDK_HPP
#define VIGIL_SDK_HPP

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "vigil/event_record.h"
#include "vigil/plugin_api.h"

namespace vigil::sdk {

// ---- Errors ---------------------------------------------------------------------------------

namespace detail {
// One message per thread, as the ABI's last_error() contract asks. Each plugin .so has its own
// copy because plugins are built with hidden visibility.
inline std::string& LastErrorStorage() {
  thread_local std::string message;
  return message;
}
}  // namespace detail

// Sets the message last_error() reports on this thread. For code paths that return a failure code
// instead of throwing.
inline void SetLastError(std::string_view message) noexcept {
  try {
    detail::LastErrorStorage().assign(message.data(), message.size());
  } catch (...) {
    // Out of memory while reporting an error: keep whatever was there rather than terminate.
  }
}

inline const std::string& LastError() noexcept { return detail::LastErrorStorage(); }

// Thrown from Deliver when retrying cannot help (the destination refused the batch for good).
class RejectedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- Host services --------------------------------------------------------------------------

// Writes to the host's log. Copyable; valid from init until the plugin is destroyed, so a plugin
// may keep one. Safe from any thread.
class Logger {
 public:
  Logger() = default;
  explicit Logger(const vigil_host_api* host) : host_(host) {}

  void Log(vigil_log_level level, std::string_view message) const {
    if (host_ == nullptr || host_->callback_log == nullptr) return;
    // The host wants a NUL-terminated string; string_view may not be.
    std::string text(message);
    host_->callback_log(host_->ctx, level, text.c_str());
  }
  void Error(std::string_view message) const { Log(VIGIL_LOG_ERROR, message); }
  void Warning(std::string_view message) const { Log(VIGIL_LOG_WARNING, message); }
  void Info(std::string_view message) const { Log(VIGIL_LOG_INFO, message); }
  void Debug(std::string_view message) const { Log(VIGIL_LOG_DEBUG, message); }

 private:
  const vigil_host_api* host_ = nullptr;
};

// The process of an event, as the host's state knows it (API 1.2 get_process), copied.
struct ProcessInfo {
  int64_t tid = -1, pid = -1, ptid = -1, vtid = -1, vpid = -1;
  uint64_t start_ts_ns = 0, pidns_ino = 0, mntns_ino = 0;
  uint32_t uid = 0, gid = 0;
  std::string comm, exepath;
  std::vector<std::string> cgroups;  // "subsys=/path"
  std::vector<std::string> args;     // argv[1..] (API 1.3 hosts; empty from older ones)
};

// Hands a host's complete `info` to a plugin's `out`, as far as the plugin's struct_size reaches
// (a plugin built against an older, shorter struct gets the members it knows). For hosts: the
// core and the fake host.
inline vigil_rc CopyProcessInfo(const vigil_process_info& info, vigil_process_info* out) {
  const uint32_t size = static_cast<uint32_t>(
      std::min<size_t>(std::min<size_t>(out->struct_size, sizeof info), sizeof *out));
  std::memcpy(out, &info, size);
  out->struct_size = size;
  return VIGIL_OK;
}

// The host's per-event services for parsers and extractors. Copyable; valid from init until the
// plugin is destroyed. Call only from Parse or Extract, with their event.
class Host {
 public:
  Host() = default;
  explicit Host(const vigil_host_api* host) : host_(host) {}

  // Whether the host offers get_process (API 1.2 and later).
  bool HasProcessState() const {
    return Has(offsetof(vigil_host_api, get_process), host_ ? host_->get_process : nullptr);
  }
  // The process that made `event`; nullopt when the host knows none (another source's event,
  // or an older host).
  std::optional<ProcessInfo> Process(const vigil_event_input& event) const {
    if (!HasProcessState()) return std::nullopt;
    vigil_process_info raw{};
    raw.struct_size = sizeof raw;
    if (host_->get_process(host_->ctx, &event, &raw) != VIGIL_OK) return std::nullopt;
    ProcessInfo p;
    p.tid = raw.tid;
    p.pid = raw.pid;
    p.ptid = raw.ptid;
    p.vtid = raw.vtid;
    p.vpid = raw.vpid;
    p.start_ts_ns = raw.start_ts_ns;
    p.pidns_ino = raw.pidns_ino;
    p.mntns_ino = raw.mntns_ino;
    p.uid = raw.uid;
    p.gid = raw.gid;
    p.comm = raw.comm != nullptr ? raw.comm : "";
    p.exepath = raw.exepath != nullptr ? raw.exepath : "";
    for (uint32_t i = 0; i < raw.ncgroups && raw.cgroups != nullptr; ++i) {
      if (raw.cgroups[i] != nullptr) p.cgroups.emplace_back(raw.cgroups[i]);
    }
    if (raw.struct_size >= offsetof(vigil_process_info, nargs) + sizeof raw.nargs) {
      for (uint32_t i = 0; i < raw.nargs && raw.args != nullptr; ++i) {
        if (raw.args[i] != nullptr) p.args.emplace_back(raw.args[i]);
      }
    }
    return p;
  }

  // This plugin's value for the event's process (set_process_value): what it resolved once, kept
  // by the host with the process and inherited by forked children. False when the host keeps no
  // process for the event (or is older than API 1.2); throws on a value over
  // VIGIL_PROCESS_VALUE_MAX bytes.
  bool SetProcessValue(const vigil_event_input& event, std::string_view value) const {
    if (value.size() > VIGIL_PROCESS_VALUE_MAX) {
      throw std::length_error("process value over VIGIL_PROCESS_VALUE_MAX bytes");
    }
    if (!Has(offsetof(vigil_host_api, set_process_value),
             host_ ? host_->set_process_value : nullptr)) {
      return false;
    }
    return host_->set_process_value(host_->ctx, &event, value.data(),
                                    static_cast<uint32_t>(value.size())) == VIGIL_OK;
  }
  std::optional<std::string> ProcessValue(const vigil_event_input& event) const {
    std::optional<std::string_view> view = ProcessValueView(event);
    return view ? std::optional<std::string>(*view) : std::nullopt;
  }
  // The same without a copy, for the per-event path: the host's bytes, valid until the next
  // SetProcessValue for that process (so for the rest of a Parse or Extract call that sets none).
  std::optional<std::string_view> ProcessValueView(const vigil_event_input& event) const {
    if (!Has(offsetof(vigil_host_api, get_process_value),
             host_ ? host_->get_process_value : nullptr)) {
      return std::nullopt;
    }
    const void* data = nullptr;
    uint32_t len = 0;
    if (host_->get_process_value(host_->ctx, &event, &data, &len) != VIGIL_OK) return std::nullopt;
    return std::string_view(static_cast<const char*>(data), len);
  }

  // Inside Parse: keeps the events of the event's process (this one first) out of the rules until
  // ReleaseProcess(pid) or `timeout` (the host caps it at VIGIL_HOLD_MAX_MS) — for an enricher
  // whose metadata for the process is on its way. False when nothing is held: no process for the
  // event, an older host, or a zero timeout.
  bool HoldProcess(const vigil_event_input& event, std::chrono::milliseconds timeout) const {
    if (timeout.count() <= 0 ||
        !Has(offsetof(vigil_host_api, hold_process), host_ ? host_->hold_process : nullptr)) {
      return false;
    }
    const auto ms = static_cast<uint32_t>(
        std::min<int64_t>(timeout.count(), std::numeric_limits<uint32_t>::max()));
    return host_->hold_process(host_->ctx, &event, ms) == VIGIL_OK;
  }
  // Ends the hold of `pid` (ProcessInfo::pid). Any thread; a pid not held is ignored.
  void ReleaseProcess(int64_t pid) const {
    if (Has(offsetof(vigil_host_api, release_process), host_ ? host_->release_process : nullptr)) {
      host_->release_process(host_->ctx, pid);
    }
  }
  // Sets counter `name` ([a-z0-9_]+, at most 64 bytes) for the stats lines. Any thread; ignored by
  // an older host.
  void SetCounter(std::string_view name, uint64_t value) const {
    if (Has(offsetof(vigil_host_api, set_counter), host_ ? host_->set_counter : nullptr)) {
      host_->set_counter(host_->ctx, std::string(name).c_str(), value);
    }
  }

 private:
  // Whether the host's struct reaches the member at `offset` and sets it.
  template <class Fn>
  bool Has(size_t offset, Fn fn) const {
    return host_ != nullptr && host_->struct_size >= offset + sizeof(Fn) && fn != nullptr;
  }

  const vigil_host_api* host_ = nullptr;
};

// What the plugin's constructor receives. Valid during the constructor only; logger() and host()
// may be kept.
class InitContext {
 public:
  explicit InitContext(const vigil_init_input* input)
      : config_json_(input != nullptr && input->config_json != nullptr ? input->config_json : "{}"),
        logger_(input != nullptr ? HostIfUsable(input->host) : nullptr),
        host_(input != nullptr ? HostIfUsable(input->host) : nullptr) {}

  // The config as JSON, already validated by the host against Schema(); "{}" when none.
  std::string_view config_json() const { return config_json_; }
  void log(vigil_log_level level, std::string_view message) const { logger_.Log(level, message); }
  const Logger& logger() const { return logger_; }
  const Host& host() const { return host_; }

 private:
  static const vigil_host_api* HostIfUsable(const vigil_host_api* host) {
    // A host built against an older header may have a shorter struct.
    if (host == nullptr) return nullptr;
    size_t needed = offsetof(vigil_host_api, callback_log) + sizeof(host->callback_log);
    return host->struct_size >= needed ? host : nullptr;
  }

  std::string_view config_json_;
  Logger logger_;
  Host host_;
};

inline uint64_t NowNs() {
  using std::chrono::duration_cast;
  using std::chrono::nanoseconds;
  using std::chrono::system_clock;
  return static_cast<uint64_t>(
      duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count());
}

// ---- Event records --------------------------------------------------------------------------

// Appends event records to a growing buffer and hands them out as a vigil_event_batch. A source
// instance typically keeps one, calls Clear() at the start of NextBatch and returns batch(): the
// memory stays valid until the next Clear(), which is what the ABI asks.
class EventWriter {
 public:
  void Clear() {
    buffer_.clear();
    count_ = 0;
  }
  void Reserve(size_t bytes) { buffer_.reserve(bytes); }

  // Appends one record. Parameters are raw bytes (a string_view can hold any). Throws
  // std::length_error when the record would exceed VIGIL_EVENT_MAX_LEN or 65535 parameters.
  void Append(uint16_t type, uint64_t ts_ns, int64_t tid,
              std::initializer_list<std::string_view> params) {
    Append(type, ts_ns, tid, params.begin(), params.size());
  }
  void Append(uint16_t type, uint64_t ts_ns, int64_t tid,
              const std::vector<std::string_view>& params) {
    Append(type, ts_ns, tid, params.data(), params.size());
  }

  // Appends a VIGIL_EVENT_PLUGIN record: one parameter, the payload.
  void AppendPlugin(uint64_t ts_ns, int64_t tid, std::string_view payload) {
    Append(VIGIL_EVENT_PLUGIN, ts_ns, tid, &payload, 1);
  }

  vigil_event_batch batch() const {
    return vigil_event_batch{buffer_.data(), static_cast<uint64_t>(buffer_.size()), count_};
  }
  uint32_t count() const { return count_; }
  size_t size_bytes() const { return buffer_.size(); }
  const std::vector<uint8_t>& bytes() const { return buffer_; }

 private:
  void Append(uint16_t type, uint64_t ts_ns, int64_t tid, const std::string_view* params,
              size_t nparams) {
    if (nparams > UINT16_MAX) throw std::length_error("event record: too many parameters");
    uint64_t size = VIGIL_EVENT_HEADER_SIZE + 4u * static_cast<uint64_t>(nparams);
    for (size_t i = 0; i < nparams; ++i) size += params[i].size();
    if (size > VIGIL_EVENT_MAX_LEN) throw std::length_error("event record: over the size limit");
    size_t start = buffer_.size();
    buffer_.resize(start + size);
    vigil_event_writer writer;
    int err = vigil_event_begin(&writer, buffer_.data() + start, size, type, ts_ns, tid,
                                static_cast<uint16_t>(nparams));
    for (size_t i = 0; i < nparams && err == VIGIL_EVENT_OK; ++i) {
      err =
          vigil_event_add_param(&writer, params[i].data(), static_cast<uint32_t>(params[i].size()));
    }
    uint32_t len = 0;
    if (err == VIGIL_EVENT_OK) err = vigil_event_end(&writer, &len);
    if (err != VIGIL_EVENT_OK) {
      buffer_.resize(start);
      throw std::length_error("event record: writer error " + std::to_string(err));
    }
    ++count_;
  }

  std::vector<uint8_t> buffer_;
  uint32_t count_ = 0;
};

// A read-only view of one record that passed vigil_event_check.
class EventView {
 public:
  // The record the host hands to Extract/Parse/EventToString (already checked by the host).
  explicit EventView(const vigil_event_input& event) : EventView(event.record, event.record_len) {}
  EventView(const uint8_t* record, uint32_t len)
      : record_(record), len_(len), header_(vigil_event_get_header(record)) {}

  // Checks `avail` bytes at `data`; nullopt (and *error set when given) if they are not a record.
  static std::optional<EventView> Check(const uint8_t* data, uint64_t avail, int* error = nullptr) {
    uint32_t len = 0;
    int rc = data == nullptr ? VIGIL_EVENT_TRUNCATED : vigil_event_check(data, avail, &len);
    if (error != nullptr) *error = rc;
    if (rc != VIGIL_EVENT_OK) return std::nullopt;
    return EventView(data, len);
  }

  uint64_t ts_ns() const { return header_.ts_ns; }
  int64_t tid() const { return header_.tid; }
  uint16_t type() const { return header_.type; }
  uint16_t nparams() const { return header_.nparams; }
  uint32_t size() const { return len_; }
  const uint8_t* data() const { return record_; }

  // Parameter `index` as bytes, or nullopt when out of range.
  std::optional<std::string_view> param(uint32_t index) const {
    vigil_bytes bytes;
    if (vigil_event_param(record_, index, &bytes) != VIGIL_EVENT_OK) return std::nullopt;
    return std::string_view(reinterpret_cast<const char*>(bytes.data), bytes.len);
  }
  // The payload of a plugin event (parameter 0), or "" when there is none.
  std::string_view payload() const { return param(0).value_or(std::string_view()); }

 private:
  const uint8_t* record_;
  uint32_t len_;
  vigil_event_header header_;
};

// Walks the records of a batch, checking each one.
//   vigil::sdk::BatchReader reader(batch);
//   while (auto event = reader.Next()) { ... }
//   if (reader.error() != VIGIL_EVENT_OK) { ... corrupt batch ... }
class BatchReader {
 public:
  explicit BatchReader(const vigil_event_batch& batch) : BatchReader(batch.data, batch.size) {}
  BatchReader(const uint8_t* data, uint64_t size) : data_(data), left_(size) {}

  std::optional<EventView> Next() {
    if (left_ == 0 || error_ != VIGIL_EVENT_OK) return std::nullopt;
    auto event = EventView::Check(data_, left_, &error_);
    if (!event) return std::nullopt;
    data_ += event->size();
    left_ -= event->size();
    ++count_;
    return event;
  }
  int error() const { return error_; }
  uint32_t count() const { return count_; }

 private:
  const uint8_t* data_;
  uint64_t left_;
  int error_ = VIGIL_EVENT_OK;
  uint32_t count_ = 0;
};

// ---- Extraction results -------------------------------------------------------------------------

// Owns the values an extractor hands back, so they stay valid until the next extract call as the
// ABI asks. Storage is recycled between calls, so steady state allocates nothing. A class deriving
// from vigil::sdk::Plugin gets one from results(), reset by the wrapper before every Extract.
// Setters check the field's declared type and throw std::logic_error on a mismatch (a plugin bug).
class ExtractResults {
 public:
  void Reset() { used_ = 0; }

  static void SetNone(vigil_extract_field& field) { field.res_len = 0; }

  void SetString(vigil_extract_field& field, std::string_view value) {
    SetStrings(field, &value, 1);
  }
  template <class Strings>
  void SetStrings(vigil_extract_field& field, const Strings& values) {
    std::vector<std::string_view> views(std::begin(values), std::end(values));
    SetStrings(field, views.data(), views.size());
  }
  void SetStrings(vigil_extract_field& field, const std::string_view* values, size_t n) {
    Expect(field, VIGIL_FT_STRING, n);
    Slot& slot = Claim();
    slot.strings.resize(n);
    for (size_t i = 0; i < n; ++i) slot.strings[i].assign(values[i].data(), values[i].size());
    // Pointers are taken only once every string is in place: assigning can move short strings.
    slot.cstrs.resize(n);
    for (size_t i = 0; i < n; ++i) slot.cstrs[i] = slot.strings[i].c_str();
    field.res.str = slot.cstrs.data();
    field.res_len = n;
  }

  // For uint64, reltime and abstime fields.
  void SetUint64(vigil_extract_field& field, uint64_t value) { SetUint64s(field, &value, 1); }
  void SetUint64s(vigil_extract_field& field, const std::vector<uint64_t>& values) {
    SetUint64s(field, values.data(), values.size());
  }
  void SetUint64s(vigil_extract_field& field, const uint64_t* values, size_t n) {
    if (field.ftype != VIGIL_FT_RELTIME && field.ftype != VIGIL_FT_ABSTIME) {
      Expect(field, VIGIL_FT_UINT64, n);
    } else {
      Expect(field, field.ftype, n);
    }
    Slot& slot = Claim();
    slot.u64.assign(values, values + n);
    field.res.u64 = slot.u64.data();
    field.res_len = n;
  }

  void SetInt64(vigil_extract_field& field, int64_t value) { SetInt64s(field, &value, 1); }
  void SetInt64s(vigil_extract_field& field, const int64_t* values, size_t n) {
    Expect(field, VIGIL_FT_INT64, n);
    Slot& slot = Claim();
    slot.s64.assign(values, values + n);
    field.res.s64 = slot.s64.data();
    field.res_len = n;
  }

  void SetBool(vigil_extract_field& field, bool value) { SetBools(field, {value}); }
  void SetBools(vigil_extract_field& field, const std::vector<bool>& values) {
    Expect(field, VIGIL_FT_BOOL, values.size());
    Slot& slot = Claim();
    slot.u32.assign(values.begin(), values.end());
    field.res.boolean = slot.u32.data();
    field.res_len = values.size();
  }

  // For bytes, ipaddr (4 or 16 bytes) and ipnet (address bytes then the prefix length) fields.
  void SetBytes(vigil_extract_field& field, std::string_view value) {
    SetBytesList(field, &value, 1);
  }
  void SetBytesList(vigil_extract_field& field, const std::string_view* values, size_t n) {
    if (field.ftype != VIGIL_FT_IPADDR && field.ftype != VIGIL_FT_IPNET) {
      Expect(field, VIGIL_FT_BYTES, n);
    } else {
      Expect(field, field.ftype, n);
    }
    Slot& slot = Claim();
    slot.strings.resize(n);
    for (size_t i = 0; i < n; ++i) slot.strings[i].assign(values[i].data(), values[i].size());
    slot.bytes.resize(n);
    for (size_t i = 0; i < n; ++i) {
      slot.bytes[i].data = reinterpret_cast<const uint8_t*>(slot.strings[i].data());
      slot.bytes[i].len = static_cast<uint32_t>(slot.strings[i].size());
    }
    field.res.bytes = slot.bytes.data();
    field.res_len = n;
  }

 private:
  struct Slot {
    std::vector<std::string> strings;
    std::vector<const char*> cstrs;
    std::vector<uint64_t> u64;
    std::vector<int64_t> s64;
    std::vector<uint32_t> u32;
    std::vector<vigil_bytes> bytes;
  };

  static void Expect(const vigil_extract_field& field, uint32_t type, size_t n) {
    if (field.ftype != type) {
      throw std::logic_error("field " + std::string(field.field ? field.field : "?") +
                             ": value of type " + std::to_string(type) +
                             " set for a field declared as type " + std::to_string(field.ftype));
    }
    if (n > 1 && !field.flist) {
      throw std::logic_error("field " + std::string(field.field ? field.field : "?") +
                             ": several values set for a field not declared as a list");
    }
  }

  // Slots live behind unique_ptr so a slot handed out earlier in this call never moves.
  Slot& Claim() {
    if (used_ == slots_.size()) slots_.push_back(std::make_unique<Slot>());
    return *slots_[used_++];
  }

  std::vector<std::unique_ptr<Slot>> slots_;
  size_t used_ = 0;
};

// Optional base class. Gives Extract a results() store that the wrapper resets before each call.
class Plugin {
 protected:
  Plugin() = default;
  ExtractResults& results() { return results_; }

 private:
  template <class P>
  friend struct PluginBinding;
  ExtractResults results_;
};

// ---- Capability detection -------------------------------------------------------------------

namespace detail {

template <class, template <class> class Op, class = void>
struct Detect : std::false_type {};
template <class T, template <class> class Op>
struct Detect<T, Op, std::void_t<Op<T>>> : std::true_type {};
template <class T, template <class> class Op>
inline constexpr bool kHas = Detect<T, Op>::value;

template <class T>
using NameOp = decltype(T::kName);
template <class T>
using VersionOp = decltype(T::kVersion);
template <class T>
using DescriptionOp = decltype(T::kDescription);
template <class T>
using ContactOp = decltype(T::kContact);
template <class T>
using SchemaOp = decltype(T::Schema());
template <class T>
using EventSourceOp = decltype(T::kEventSource);
template <class T>
using OpenOp = decltype(std::declval<T&>().Open(std::declval<const std::string&>()));
template <class T>
using NextBatchOp = decltype(std::declval<T&>().NextBatch(std::declval<vigil_event_batch*>()));
template <class T>
using ProgressOp = decltype(std::declval<T&>().Progress(std::declval<uint32_t&>()));
template <class T>
using SetEventTypesOp =
    decltype(std::declval<T&>().SetEventTypes(std::declval<const std::vector<uint16_t>&>()));
template <class T>
using EventToStringOp =
    decltype(std::declval<T&>().EventToString(std::declval<const vigil_event_input&>()));
template <class T>
using FieldsOp = decltype(T::Fields());
template <class T>
using ExtractSourcesOp = decltype(T::kExtractEventSources);
template <class T>
using ExtractOp = decltype(std::declval<T&>().Extract(
    std::declval<const vigil_event_input&>(), uint32_t{}, std::declval<vigil_extract_field*>()));
template <class T>
using ParseTypesOp = decltype(std::declval<T&>().ParseEventTypes());
template <class T>
using ParseOp = decltype(std::declval<T&>().Parse(std::declval<const vigil_event_input&>()));
template <class T>
using DeliverOp =
    decltype(std::declval<T&>().Deliver(std::declval<const vigil_alert*>(), uint32_t{}));
template <class T>
using ReopenOp = decltype(std::declval<T&>().Reopen());

// Runs `body` (returning vigil_rc) with exceptions turned into last_error and VIGIL_FAILURE.
template <class Body>
vigil_rc Guarded(const char* function, Body&& body) noexcept {
  LastErrorStorage().clear();
  try {
    vigil_rc rc = body();
    if (rc == VIGIL_FAILURE && LastError().empty()) {
      SetLastError(std::string(function) + " failed without a message");
    }
    return rc;
  } catch (const std::exception& e) {
    SetLastError(e.what());
  } catch (...) {
    SetLastError(std::string(function) + ": unknown exception");
  }
  return VIGIL_FAILURE;
}

// Calls a member returning vigil_rc or void (void means success).
template <class Call>
vigil_rc RcOrOk(Call&& call) {
  if constexpr (std::is_void_v<decltype(call())>) {
    call();
    return VIGIL_OK;
  } else {
    return call();
  }
}

}  // namespace detail

namespace detail {
template <class T>
using CapabilitiesOp = decltype(T::kCapabilities);

// The members each capability needs, found or not: a class declares its capabilities
// (kCapabilities) and the wrapper holds it to them, so a misspelled or mistyped member is a
// compile error, never a silently dropped capability.
template <class P>
constexpr bool kAnySourceMember = kHas<P, EventSourceOp> || kHas<P, OpenOp> ||
                                  kHas<P, EventToStringOp>;
template <class P>
constexpr bool kAnyExtractMember = kHas<P, FieldsOp> || kHas<P, ExtractOp> ||
                                   kHas<P, ExtractSourcesOp>;
template <class P>
constexpr bool kAnyParseMember = kHas<P, ParseOp> || kHas<P, ParseTypesOp>;
template <class P>
constexpr bool kAnyOutputMember = kHas<P, DeliverOp> || kHas<P, ReopenOp>;
}  // namespace detail

// The VIGIL_CAP_* bits class P declares (its kCapabilities). Usable in static_assert.
template <class P>
constexpr uint32_t Capabilities() {
  if constexpr (detail::kHas<P, detail::CapabilitiesOp>) {
    return static_cast<uint32_t>(P::kCapabilities);
  } else {
    return 0;
  }
}

// ---- The binding: C functions around the class ------------------------------------------------

template <class P>
struct PluginBinding {
  struct State {
    std::unique_ptr<P> plugin;
    std::string init_error;    // kept so last_error works even from another thread after init
    std::string event_string;  // EventToString result, valid until the next call
    std::vector<uint16_t> parse_types;
  };

  static State* Cast(vigil_plugin* state) { return reinterpret_cast<State*>(state); }

  static vigil_plugin* Init(const vigil_init_input* input, vigil_rc* rc) noexcept {
    State* state = nullptr;
    try {
      state = new State();
    } catch (...) {
      SetLastError("out of memory");
      *rc = VIGIL_FAILURE;
      return nullptr;
    }
    *rc = detail::Guarded("init", [&] {
      InitContext ctx(input);
      if constexpr (std::is_constructible_v<P, const InitContext&>) {
        state->plugin = std::make_unique<P>(ctx);
      } else {
        state->plugin = std::make_unique<P>();
      }
      return VIGIL_OK;
    });
    if (*rc != VIGIL_OK) state->init_error = LastError();
    return reinterpret_cast<vigil_plugin*>(state);
  }

  static void Destroy(vigil_plugin* state) noexcept {
    try {
      delete Cast(state);
    } catch (...) {
      // A destructor that throws would terminate; there is no one left to tell.
    }
  }

  static const char* GetLastError(vigil_plugin* state) noexcept {
    if (!LastError().empty()) return LastError().c_str();
    if (state != nullptr && !Cast(state)->plugin) return Cast(state)->init_error.c_str();
    return "";
  }

  static P& Get(vigil_plugin* state) {
    State* s = Cast(state);
    if (s == nullptr || !s->plugin) throw std::logic_error("plugin called after a failed init");
    return *s->plugin;
  }

  // ---- source ----
  template <class Q = P>
  struct InstanceHolder {
    using Instance = typename detail::OpenOp<Q>::element_type;
    std::unique_ptr<Instance> instance;
    std::string progress;
  };

  static vigil_rc Open(vigil_plugin* state, const char* params,
                       vigil_source_instance** out) noexcept {
    return detail::Guarded("open", [&] {
      auto instance = Get(state).Open(std::string(params != nullptr ? params : ""));
      if (!instance) {
        if (LastError().empty()) SetLastError("open returned no instance");
        return VIGIL_FAILURE;
      }
      auto holder = std::make_unique<InstanceHolder<>>();
      holder->instance = std::move(instance);
      *out = reinterpret_cast<vigil_source_instance*>(holder.release());
      return VIGIL_OK;
    });
  }

  static void Close(vigil_plugin*, vigil_source_instance* instance) noexcept {
    try {
      delete reinterpret_cast<InstanceHolder<>*>(instance);
    } catch (...) {
    }
  }

  static vigil_rc NextBatch(vigil_plugin*, vigil_source_instance* instance,
                            vigil_event_batch* batch) noexcept {
    return detail::Guarded("next_batch", [&] {
      *batch = vigil_event_batch{nullptr, 0, 0};
      return reinterpret_cast<InstanceHolder<>*>(instance)->instance->NextBatch(batch);
    });
  }

  static vigil_rc SetEventTypes(vigil_plugin*, vigil_source_instance* instance,
                                const uint16_t* types, uint32_t ntypes) noexcept {
    return detail::Guarded("set_event_types", [&] {
      reinterpret_cast<InstanceHolder<>*>(instance)->instance->SetEventTypes(
          std::vector<uint16_t>(types, types + ntypes));
      return VIGIL_OK;
    });
  }

  static const char* Progress(vigil_plugin*, vigil_source_instance* instance,
                              uint32_t* pct_x100) noexcept {
    auto* holder = reinterpret_cast<InstanceHolder<>*>(instance);
    try {
      uint32_t pct = 0;
      holder->progress = holder->instance->Progress(pct);
      *pct_x100 = pct > 10000 ? 10000 : pct;
    } catch (const std::exception& e) {
      SetLastError(e.what());
      holder->progress.clear();
      *pct_x100 = 0;
    } catch (...) {
      holder->progress.clear();
      *pct_x100 = 0;
    }
    return holder->progress.c_str();
  }

  static const char* EventToString(vigil_plugin* state, const vigil_event_input* event) noexcept {
    State* s = Cast(state);
    try {
      s->event_string = Get(state).EventToString(*event);
    } catch (const std::exception& e) {
      SetLastError(e.what());
      s->event_string.clear();
    } catch (...) {
      s->event_string.clear();
    }
    return s->event_string.c_str();
  }

  // ---- extract ----
  static vigil_rc ExtractFields(vigil_plugin* state, const vigil_event_input* event,
                                uint32_t nfields, vigil_extract_field* fields) noexcept {
    return detail::Guarded("extract_fields", [&] {
      P& plugin = Get(state);
      if constexpr (std::is_base_of_v<sdk::Plugin, P>)
        static_cast<sdk::Plugin&>(plugin).results_.Reset();
      for (uint32_t i = 0; i < nfields; ++i) fields[i].res_len = 0;
      return plugin.Extract(*event, nfields, fields);
    });
  }

  // ---- parse ----
  static const uint16_t* ParseEventTypes(vigil_plugin* state, uint32_t* ntypes) noexcept {
    *ntypes = 0;
    try {
      State* s = Cast(state);
      s->parse_types = Get(state).ParseEventTypes();
      *ntypes = static_cast<uint32_t>(s->parse_types.size());
      return s->parse_types.data();
    } catch (const std::exception& e) {
      SetLastError(e.what());
    } catch (...) {
    }
    return nullptr;
  }

  static vigil_rc ParseEvent(vigil_plugin* state, const vigil_event_input* event) noexcept {
    return detail::Guarded(
        "parse_event", [&] { return detail::RcOrOk([&] { return Get(state).Parse(*event); }); });
  }

  // ---- output ----
  static vigil_delivery Deliver(vigil_plugin* state, const vigil_alert* alerts,
                                uint32_t nalerts) noexcept {
    LastErrorStorage().clear();
    try {
      vigil_delivery result = Get(state).Deliver(alerts, nalerts);
      if (result != VIGIL_DELIVERED && LastError().empty()) {
        SetLastError(result == VIGIL_REJECTED ? "deliver: rejected without a message"
                                              : "deliver: retry later without a message");
      }
      return result;
    } catch (const RejectedError& e) {
      SetLastError(e.what());
      return VIGIL_REJECTED;
    } catch (const std::exception& e) {
      SetLastError(e.what());
    } catch (...) {
      SetLastError("deliver: unknown exception");
    }
    return VIGIL_RETRY_LATER;
  }

  static vigil_rc Reopen(vigil_plugin* state) noexcept {
    return detail::Guarded("reopen",
                           [&] { return detail::RcOrOk([&] { return Get(state).Reopen(); }); });
  }

 private:
  static std::string& LastErrorStorage() { return detail::LastErrorStorage(); }
};

// The table for class P. Use this to load a plugin in-process (tests, built-ins); VIGIL_PLUGIN
// exports it from a shared object.
template <class P>
const vigil_plugin_api* PluginTable() {
  using detail::kHas;
  using B = PluginBinding<P>;
  static_assert(kHas<P, detail::NameOp>, "a plugin needs static constexpr const char* kName");
  static_assert(kHas<P, detail::VersionOp>, "a plugin needs static constexpr const char* kVersion");
  constexpr uint32_t caps = Capabilities<P>();
  static_assert(kHas<P, detail::CapabilitiesOp>,
                "a plugin needs static constexpr uint32_t kCapabilities (VIGIL_CAP_SOURCE | "
                "VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE | VIGIL_CAP_OUTPUT, the ones it has)");
  static_assert(!kHas<P, detail::CapabilitiesOp> || caps != 0,
                "kCapabilities must name at least one capability");
  static_assert((caps & ~uint32_t{VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE |
                                   VIGIL_CAP_OUTPUT}) == 0,
                "kCapabilities has bits that are no VIGIL_CAP_*");
  constexpr bool source = (caps & VIGIL_CAP_SOURCE) != 0, extract = (caps & VIGIL_CAP_EXTRACT) != 0,
                 parse = (caps & VIGIL_CAP_PARSE) != 0, output = (caps & VIGIL_CAP_OUTPUT) != 0;
  static_assert(!source || kHas<P, detail::EventSourceOp>,
                "VIGIL_CAP_SOURCE needs static constexpr const char* kEventSource");
  static_assert(!source || kHas<P, detail::OpenOp>,
                "VIGIL_CAP_SOURCE needs std::unique_ptr<Instance> Open(const std::string&)");
  static_assert(source || !detail::kAnySourceMember<P>,
                "has source members (kEventSource, Open, EventToString) but kCapabilities lacks "
                "VIGIL_CAP_SOURCE");
  static_assert(!extract || kHas<P, detail::FieldsOp>,
                "VIGIL_CAP_EXTRACT needs static const char* Fields()");
  static_assert(!extract || kHas<P, detail::ExtractOp>,
                "VIGIL_CAP_EXTRACT needs vigil_rc Extract(const vigil_event_input&, uint32_t, "
                "vigil_extract_field*)");
  static_assert(extract || !detail::kAnyExtractMember<P>,
                "has extract members (Fields, Extract, kExtractEventSources) but kCapabilities "
                "lacks VIGIL_CAP_EXTRACT");
  static_assert(!parse || kHas<P, detail::ParseOp>,
                "VIGIL_CAP_PARSE needs vigil_rc Parse(const vigil_event_input&) (or void)");
  static_assert(!parse || kHas<P, detail::ParseTypesOp>,
                "VIGIL_CAP_PARSE needs std::vector<uint16_t> ParseEventTypes()");
  static_assert(parse || !detail::kAnyParseMember<P>,
                "has parse members (Parse, ParseEventTypes) but kCapabilities lacks "
                "VIGIL_CAP_PARSE");
  static_assert(!output || kHas<P, detail::DeliverOp>,
                "VIGIL_CAP_OUTPUT needs vigil_delivery Deliver(const vigil_alert*, uint32_t)");
  static_assert(output || !detail::kAnyOutputMember<P>,
                "has output members (Deliver, Reopen) but kCapabilities lacks VIGIL_CAP_OUTPUT");
  static_assert(
      std::is_constructible_v<P, const InitContext&> || std::is_default_constructible_v<P>,
      "a plugin needs a constructor taking const vigil::sdk::InitContext& (or none)");

  static const vigil_plugin_api table = [] {
    vigil_plugin_api t;
    std::memset(&t, 0, sizeof t);
    t.api_version_major = VIGIL_PLUGIN_API_VERSION_MAJOR;
    t.api_version_minor = VIGIL_PLUGIN_API_VERSION_MINOR;
    t.table_size = sizeof(vigil_plugin_api);
    t.capabilities = caps;
    t.name = P::kName;
    t.version = P::kVersion;
    if constexpr (kHas<P, detail::DescriptionOp>) {
      t.description = P::kDescription;
    } else {
      t.description = "";
    }
    if constexpr (kHas<P, detail::ContactOp>) {
      t.contact = P::kContact;
    } else {
      t.contact = "";
    }
    if constexpr (kHas<P, detail::SchemaOp>) t.get_init_schema = [] { return P::Schema(); };
    t.init = &B::Init;
    t.destroy = &B::Destroy;
    t.last_error = &B::GetLastError;

    if constexpr (source) {
      using Instance = typename detail::OpenOp<P>::element_type;
      static_assert(kHas<Instance, detail::NextBatchOp>,
                    "a source instance needs vigil_rc NextBatch(vigil_event_batch*)");
      t.event_source = P::kEventSource;
      t.open = &B::Open;
      t.close = &B::Close;
      t.next_batch = &B::NextBatch;
      if constexpr (kHas<Instance, detail::ProgressOp>) t.progress = &B::Progress;
      if constexpr (kHas<Instance, detail::SetEventTypesOp>) t.set_event_types = &B::SetEventTypes;
      if constexpr (kHas<P, detail::EventToStringOp>) t.event_to_string = &B::EventToString;
    }
    if constexpr (extract) {
      t.fields = P::Fields();
      if constexpr (kHas<P, detail::ExtractSourcesOp>) {
        t.extract_event_sources = P::kExtractEventSources;
      }
      t.extract_fields = &B::ExtractFields;
    }
    if constexpr (parse) {
      t.parse_event_types = &B::ParseEventTypes;
      t.parse_event = &B::ParseEvent;
    }
    if constexpr (output) {
      t.deliver = &B::Deliver;
      if constexpr (kHas<P, detail::ReopenOp>) t.reopen = &B::Reopen;
    }
    return t;
  }();
  return &table;
}

}  // namespace vigil::sdk

// Defines the exported entry symbol of a plugin shared object. Use once per plugin, at namespace
// scope, outside any namespace.
#define VIGIL_PLUGIN(PluginClass)                                                   \
  extern "C" VIGIL_PLUGIN_EXPORT const vigil_plugin_api* vigil_plugin_entry(void) { \
    return ::vigil::sdk::PluginTable<PluginClass>();                                \
  }

#endif  // VIGIL_SDK_HPP
