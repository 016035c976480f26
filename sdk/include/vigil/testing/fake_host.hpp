// vigil fake host: drive a plugin in a unit test without the core.
//
// Header-only, C++17. Needs RapidJSON headers (to read the plugin's fields JSON and to render
// alerts) and libdl (CMake target vigil::sdk_testing brings both). It loads a plugin from an
// in-process table or from a shared object, checks the table with the core's own checks
// (vigil/plugin_check.hpp), and calls it the way the core does: each event with its event source
// (Record::source), fields only for the sources they apply to. It never crashes on a
// plugin failure: every call reports failure through its result and LastError().
//
// Init validates the config against the plugin's schema as the core does (an object schema with
// `properties` and no `additionalProperties` is closed: unknown keys fail), so a bad config fails
// Init with the core's words for its first problem ("config: key nested.m: unknown key", "config:
// key path: required key missing") and the plugin is never called. Plugins
// may therefore trust their config: parse it and read the keys, with no checks of their own
// beyond what a JSON Schema cannot express.
//
// Usage:
//   vigil::testing::FakeHost host(vigil::sdk::PluginTable<MyPlugin>());  // or ("/path/libx.so")
//   ASSERT_TRUE(host.Init(R"({"count": 3})")) << host.LastError();
//   ASSERT_TRUE(host.Open()) << host.LastError();
//   std::vector<vigil::testing::Record> events = host.ReadAll();
//   auto value = host.Extract(events[0], "counter.value");  // ExtractFields: several
//   ASSERT_TRUE(value) << host.LastError();
//   EXPECT_EQ(value->u64.at(0), 1u);
//
// Not thread-safe except for the log callback, which plugins may call from any thread.
#ifndef VIGIL_TESTING_FAKE_HOST_HPP
#define VIGIL_TESTING_FAKE_HOST_HPP

#include <arpa/inet.h>
#include <dlfcn.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "rapidjson/document.h"
#include "rapidjson/schema.h"
#include "rapidjson/stringbuffer.h"
#include "vigil/alert_format.hpp"
#include "vigil/config_schema.hpp"
#include "vigil/event_record.h"
#include "vigil/plugin_api.h"
#include "vigil/plugin_check.hpp"
#include "vigil/sdk.hpp"
#include "vigil/syscall_schema.h"

namespace vigil::testing {

struct LogLine {
  vigil_log_level level;
  std::string message;
};

// One event record, copied out of the plugin's batch so it outlives the next next_batch call, and
// the event source it belongs to ("" until set: then the host picks as the core would, see
// FakeHost::SourceOf).
class Record {
 public:
  explicit Record(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {}
  Record(const uint8_t* data, size_t len) : bytes_(data, data + len) {}

  // A VIGIL_EVENT_PLUGIN record with one payload parameter, for testing extractors and parsers
  // without a source.
  static Record Plugin(std::string_view payload, uint64_t ts_ns = 0, int64_t tid = -1) {
    return Make(VIGIL_EVENT_PLUGIN, {payload}, ts_ns, tid);
  }
  static Record Make(uint16_t type, const std::vector<std::string_view>& params, uint64_t ts_ns = 0,
                     int64_t tid = -1) {
    uint64_t size = VIGIL_EVENT_HEADER_SIZE + 4u * params.size();
    for (auto p : params) size += p.size();
    std::vector<uint8_t> bytes(size);
    vigil_event_writer w;
    vigil_event_begin(&w, bytes.data(), size, type, ts_ns, tid,
                      static_cast<uint16_t>(params.size()));
    for (auto p : params) vigil_event_add_param(&w, p.data(), static_cast<uint32_t>(p.size()));
    uint32_t len = 0;
    vigil_event_end(&w, &len);
    return Record(std::move(bytes));
  }

  vigil_event_header header() const { return vigil_event_get_header(bytes_.data()); }
  uint64_t ts_ns() const { return header().ts_ns; }
  int64_t tid() const { return header().tid; }
  uint16_t type() const { return header().type; }
  uint16_t nparams() const { return header().nparams; }

  // Parameter `index` copied into a string (bytes, not necessarily text); "" when out of range.
  std::string param(uint32_t index) const {
    vigil_bytes b;
    if (vigil_event_param(bytes_.data(), index, &b) != VIGIL_EVENT_OK) return std::string();
    return std::string(reinterpret_cast<const char*>(b.data), b.len);
  }
  std::string payload() const { return param(0); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

  // The event source passed to the plugin with this record, e.g. to test extract_event_sources:
  //   host.Extract(Record::Plugin("{}").set_source("k8s_audit"), "ka.verb")
  const std::string& source() const { return source_; }
  Record& set_source(std::string source) {
    source_ = std::move(source);
    return *this;
  }

  // The event number the host gives this record: assigned on its first use, then kept, so Parse
  // and Extract of one record see one event (as the core parses and extracts each event once).
  uint64_t evtnum() const { return evtnum_; }

 private:
  friend class FakeHost;
  std::vector<uint8_t> bytes_;
  std::string source_;
  mutable uint64_t evtnum_ = 0;
};

// One extracted field, copied out of the plugin's memory. Exactly one vector is used, chosen by
// `type`; all are empty when the field has no value for the event.
struct FieldValue {
  std::string field;
  vigil_field_type type = VIGIL_FT_STRING;
  bool list = false;
  std::vector<std::string> strings;  // string
  std::vector<uint64_t> u64;         // uint64, reltime, abstime
  std::vector<int64_t> s64;          // int64
  std::vector<bool> bools;           // bool
  std::vector<std::string> bytes;    // bytes, ipaddr, ipnet (raw bytes)

  size_t size() const {
    return strings.size() + u64.size() + s64.size() + bools.size() + bytes.size();
  }
  bool present() const { return size() > 0; }

  // Values rendered as text: numbers in decimal, bools as true/false, ipaddr as the usual
  // notation, ipnet as addr/prefix, bytes as hex. Lists as "(a,b)".
  std::string ToString() const {
    std::vector<std::string> parts;
    for (const auto& s : strings) parts.push_back(s);
    for (auto v : u64) parts.push_back(std::to_string(v));
    for (auto v : s64) parts.push_back(std::to_string(v));
    for (bool v : bools) parts.push_back(v ? "true" : "false");
    for (const auto& b : bytes) parts.push_back(RenderBytes(b));
    if (!list) return parts.empty() ? std::string() : parts[0];
    std::string out = "(";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," : "") + parts[i];
    return out + ")";
  }

 private:
  std::string RenderBytes(const std::string& b) const {
    auto addr = [](const char* data, size_t n) {
      char text[INET6_ADDRSTRLEN] = {};
      inet_ntop(n == 4 ? AF_INET : AF_INET6, data, text, sizeof text);
      return std::string(text);
    };
    if (type == VIGIL_FT_IPADDR && (b.size() == 4 || b.size() == 16)) {
      return addr(b.data(), b.size());
    }
    if (type == VIGIL_FT_IPNET && (b.size() == 5 || b.size() == 17)) {
      return addr(b.data(), b.size() - 1) + "/" + std::to_string(static_cast<uint8_t>(b.back()));
    }
    static const char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned char c : b) {
      hex += kHex[c >> 4];
      hex += kHex[c & 15];
    }
    return hex;
  }
};

// An alert to deliver. When `json` is empty, the fake host renders Falco's JSON from the other
// members (and output_fields).
struct Alert {
  uint64_t time_ns = 1700000000000000000ull;
  vigil_priority priority = VIGIL_PRIORITY_WARNING;
  std::string rule = "Test rule";
  std::string source = VIGIL_SYSCALL_EVENT_SOURCE;
  std::string hostname = "testhost";
  std::string output = "test output";
  std::vector<std::string> tags;
  std::map<std::string, std::string> output_fields;
  std::string json;
};

// Falco's JSON for an alert (vigil/alert_format.hpp, as the core renders it), with "output"
// prefixed by the ISO time (as with time_format_iso_8601). output_fields values are strings here.
inline std::string RenderFalcoJson(const Alert& alert) {
  alert_format::AlertHeader header{alert.time_ns, static_cast<uint32_t>(alert.priority),
                                   alert.rule,    alert.source,
                                   alert.hostname, alert.output,
                                   {alert.tags.begin(), alert.tags.end()}};
  alert_format::JsonOptions options;
  options.time_format_iso_8601 = true;
  std::string json;
  alert_format::AppendFalcoJson(header, options, [&](std::string* out) {
    out->push_back('{');
    for (const auto& [key, value] : alert.output_fields) {  // a std::map: sorted, each once
      if (out->back() != '{') out->push_back(',');
      alert_format::AppendJsonString(key, out);
      out->push_back(':');
      alert_format::AppendJsonString(value, out);
    }
    out->push_back('}');
  }, &json);
  return json;
}

class FakeHost {
 public:
  // Drives an in-process table (e.g. vigil::sdk::PluginTable<MyPlugin>()).
  explicit FakeHost(const vigil_plugin_api* api) { Load(api, "built-in"); }

  // dlopens `library_path` (RTLD_NOW | RTLD_LOCAL, as the core does) and calls its entry symbol.
  explicit FakeHost(const std::string& library_path) {
    library_ = dlopen(library_path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (library_ == nullptr) {
      const char* why = dlerror();
      Fail("cannot load " + library_path + ": " + (why ? why : "unknown error"));
      return;
    }
    void* entry = dlsym(library_, VIGIL_PLUGIN_ENTRY_SYMBOL);
    if (entry == nullptr) {
      Fail(library_path + ": no symbol " VIGIL_PLUGIN_ENTRY_SYMBOL);
      return;
    }
    auto entry_fn = reinterpret_cast<vigil_plugin_entry_fn>(entry);
    Load(entry_fn(), library_path);
  }

  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  ~FakeHost() {
    Close();
    if (state_ != nullptr && loaded()) api_->destroy(state_);
    state_ = nullptr;
    if (library_ != nullptr) dlclose(library_);
  }

  // True when the table loaded and passed the checks. Otherwise LastError() says why.
  bool loaded() const { return loaded_; }
  bool initialized() const { return initialized_; }
  // The checked table, zero-extended (members an older table lacks read as NULL), or null.
  const vigil_plugin_api* api() const { return loaded_ ? api_ : nullptr; }
  // The plugin's state after Init (for calling the table directly), or null.
  vigil_plugin* state() const { return state_; }

  // The message of the most recent failure (the fake host's own, or the plugin's last_error()).
  const std::string& LastError() const { return last_error_; }

  // The plugin's config schema, or "" when it declares none.
  std::string Schema() const {
    auto fn = loaded_ ? api_->get_init_schema : nullptr;
    const char* schema = fn != nullptr ? fn() : nullptr;
    return schema != nullptr ? schema : "";
  }
  std::string FieldsJson() const {
    const char* fields = loaded_ ? api_->fields : nullptr;
    return fields != nullptr ? fields : "";
  }

  // Validates `config_json` against Schema() as the core does, then calls init with it.
  bool Init(const std::string& config_json = "{}") {
    if (!RequireLoaded()) return false;
    if (state_ != nullptr) return Fail("Init called twice");
    if (!ValidateConfig(config_json)) return false;
    vigil_init_input input{config_json.c_str(), &host_api_};
    vigil_rc rc = VIGIL_FAILURE;
    state_ = api_->init(&input, &rc);
    if (rc != VIGIL_OK) return FailFromPlugin("init", rc);
    if (state_ == nullptr) return Fail("init returned VIGIL_OK and no state");
    initialized_ = true;
    return true;
  }

  // Log lines the plugin sent through the host callback, in order.
  std::vector<LogLine> logs() const {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return logs_;
  }
  bool LogContains(std::string_view text) const {
    std::lock_guard<std::mutex> lock(log_mutex_);
    for (const auto& line : logs_) {
      if (line.message.find(text) != std::string::npos) return true;
    }
    return false;
  }

  // ---- source ----

  bool Open(const std::string& params = "") {
    if (!RequireCapability(VIGIL_CAP_SOURCE, "source")) return false;
    if (instance_ != nullptr) return Fail("Open called while an instance is open");
    vigil_rc rc = api_->open(state_, params.c_str(), &instance_);
    if (rc != VIGIL_OK) {
      instance_ = nullptr;
      return FailFromPlugin("open", rc);
    }
    if (instance_ == nullptr) return Fail("open returned VIGIL_OK and no instance");
    eof_ = false;
    return true;
  }

  void Close() {
    if (instance_ != nullptr) api_->close(state_, instance_);
    instance_ = nullptr;
  }

  // One next_batch call. Appends the records (checked and copied) to *out and returns the code;
  // a corrupt batch is reported as VIGIL_FAILURE with a message.
  vigil_rc NextBatch(std::vector<Record>* out) {
    if (instance_ == nullptr) {
      Fail("NextBatch without an open instance");
      return VIGIL_FAILURE;
    }
    vigil_event_batch batch{nullptr, 0, 0};
    vigil_rc rc = api_->next_batch(state_, instance_, &batch);
    if (rc == VIGIL_EOF) eof_ = true;
    if (rc == VIGIL_FAILURE) {
      FailFromPlugin("next_batch", rc);
      return rc;
    }
    if (rc != VIGIL_OK && rc != VIGIL_TIMEOUT && rc != VIGIL_EOF) {
      Fail("next_batch returned unknown code " + std::to_string(rc));
      return VIGIL_FAILURE;
    }
    if (rc != VIGIL_OK) return rc;
    if (batch.size > 0 && batch.data == nullptr) {
      Fail("next_batch: size > 0 and no data");
      return VIGIL_FAILURE;
    }
    const uint8_t* p = batch.data;
    uint64_t left = batch.size;
    uint32_t seen = 0;
    while (left > 0) {
      uint32_t len = 0;
      int err = vigil_event_check(p, left, &len);
      if (err != VIGIL_EVENT_OK) {
        Fail("next_batch: record " + std::to_string(seen) + " is corrupt (event error " +
             std::to_string(err) + ")");
        return VIGIL_FAILURE;
      }
      out->emplace_back(p, len);
      out->back().set_source(api_->event_source);
      p += len;
      left -= len;
      ++seen;
    }
    if (seen != batch.count) {
      Fail("next_batch: count says " + std::to_string(batch.count) + " but data holds " +
           std::to_string(seen) + " records");
      return VIGIL_FAILURE;
    }
    return VIGIL_OK;
  }

  // Calls next_batch until EOF, `max_events` records, `max_timeouts` consecutive timeouts or a
  // failure (then LastError() is set, and eof() is false). Returns what it read.
  std::vector<Record> ReadAll(size_t max_events = std::numeric_limits<size_t>::max(),
                              size_t max_timeouts = 1000) {
    std::vector<Record> records;
    size_t timeouts = 0;
    while (records.size() < max_events && timeouts < max_timeouts) {
      vigil_rc rc = NextBatch(&records);
      if (rc == VIGIL_EOF || rc == VIGIL_FAILURE) break;
      timeouts = rc == VIGIL_TIMEOUT ? timeouts + 1 : 0;
    }
    if (records.size() > max_events) records.erase(records.begin() + max_events, records.end());
    return records;
  }
  bool eof() const { return eof_; }

  // Tells the open instance which event types the host needs (set_event_types, API 1.1).
  bool SetEventTypes(const std::vector<uint16_t>& types) {
    auto fn = api_->set_event_types;
    if (fn == nullptr || instance_ == nullptr) {
      return Fail("SetEventTypes: no set_event_types function or no open instance");
    }
    vigil_rc rc = fn(state_, instance_, types.data(), static_cast<uint32_t>(types.size()));
    return rc == VIGIL_OK || FailFromPlugin("set_event_types", rc);
  }

  std::optional<std::string> Progress(uint32_t* pct_x100) {
    auto fn = api_->progress;
    if (fn == nullptr || instance_ == nullptr) {
      Fail("Progress: no progress function or no open instance");
      return std::nullopt;
    }
    const char* text = fn(state_, instance_, pct_x100);
    return std::string(text != nullptr ? text : "");
  }

  std::optional<std::string> EventToString(const Record& record) {
    auto fn = api_->event_to_string;
    if (fn == nullptr || !RequireInitialized()) {
      Fail("EventToString: no event_to_string function or not initialized");
      return std::nullopt;
    }
    vigil_event_input input = InputFor(record);
    const char* text = fn(state_, &input);
    return std::string(text != nullptr ? text : "");
  }

  // ---- extract ----

  // Extracts one field, written as in a rule: "name", "name[key]" or "name[3]".
  std::optional<FieldValue> Extract(const Record& record, const std::string& field) {
    auto values = ExtractFields(record, {field});
    if (!values) return std::nullopt;
    return std::move(values->front());
  }

  // Extracts several fields in one extract_fields call (as the engine does), so a test can check
  // that each result stays valid while the others are filled.
  std::optional<std::vector<FieldValue>> ExtractFields(const Record& record,
                                                       const std::vector<std::string>& fields) {
    if (!RequireCapability(VIGIL_CAP_EXTRACT, "extract")) return std::nullopt;
    std::vector<vigil_extract_field> requests(fields.size());
    std::vector<std::string> names(fields.size()), keys(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!Resolve(fields[i], &requests[i], &names[i], &keys[i])) return std::nullopt;
    }
    for (size_t i = 0; i < fields.size(); ++i) {
      requests[i].field = names[i].c_str();
      if (requests[i].arg_present && checked_.fields[requests[i].field_id].arg == ArgKind::kKey) {
        requests[i].arg_key = keys[i].c_str();
      }
    }
    if (std::string source = SourceOf(record); !ExtractsFrom(source)) {
      Fail("the plugin's fields do not apply to events of source '" + source +
           "' (its extract_event_sources, or its own event_source), so vigil never asks it");
      return std::nullopt;
    }
    vigil_event_input input = InputFor(record);
    current_event_ = &input;  // what get_process may answer for, during the call
    vigil_rc rc = api_->extract_fields(state_, &input, static_cast<uint32_t>(requests.size()),
                                       requests.data());
    current_event_ = nullptr;
    if (rc != VIGIL_OK) {
      FailFromPlugin("extract_fields", rc);
      return std::nullopt;
    }
    std::vector<FieldValue> values;
    for (const auto& request : requests) {
      auto value = Copy(request);
      if (!value) return std::nullopt;
      values.push_back(std::move(*value));
    }
    return values;
  }

  // ---- parse ----

  std::optional<std::vector<uint16_t>> ParseEventTypes() {
    if (!RequireCapability(VIGIL_CAP_PARSE, "parse")) return std::nullopt;
    uint32_t n = 0;
    const uint16_t* types = api_->parse_event_types(state_, &n);
    if (n > 0 && types == nullptr) {
      Fail("parse_event_types: count without an array");
      return std::nullopt;
    }
    return std::vector<uint16_t>(types, types + n);
  }

  bool Parse(const Record& record) {
    if (!RequireCapability(VIGIL_CAP_PARSE, "parse")) return false;
    vigil_event_input input = InputFor(record);
    current_event_ = &input;
    parsing_ = true;
    vigil_rc rc = api_->parse_event(state_, &input);
    parsing_ = false;
    current_event_ = nullptr;
    return rc == VIGIL_OK || FailFromPlugin("parse_event", rc);
  }

  // ---- the host's process state (API 1.2 get_process) ----

  // What get_process answers, during Parse and Extract, for events whose record has tid
  // `info.tid`, as the core's state would for a process it knows. Others get VIGIL_NOT_FOUND.
  // set/get_process_value keep one value per `info.pid` (a child here does not inherit it).
  void SetProcess(const vigil::sdk::ProcessInfo& info) { processes_[info.tid] = info; }
  void ForgetProcess(int64_t tid) { processes_.erase(tid); }

  // ---- holds and counters (API 1.2) ----

  // Whether the plugin holds process `pid` (hold_process in a Parse, for a process SetProcess
  // gave) and has not released it; the timeout it asked for.
  bool Held(int64_t pid) const {
    std::lock_guard<std::mutex> lock(log_mutex_);
    return holds_.count(pid) != 0;
  }
  std::optional<uint32_t> HoldTimeoutMs(int64_t pid) const {
    std::lock_guard<std::mutex> lock(log_mutex_);
    auto it = holds_.find(pid);
    return it == holds_.end() ? std::nullopt : std::optional<uint32_t>(it->second);
  }
  // Waits until the plugin releases `pid` (release_process, from any of its threads); false at
  // the timeout, or when `pid` is not held.
  bool WaitForRelease(int64_t pid, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(log_mutex_);
    return released_cv_.wait_for(lock, timeout, [&] { return holds_.count(pid) == 0; }) &&
           released_.count(pid) != 0;
  }
  // The plugin's counter `name` (set_counter), if it set it.
  std::optional<uint64_t> Counter(const std::string& name) const {
    std::lock_guard<std::mutex> lock(log_mutex_);
    auto it = counters_.find(name);
    return it == counters_.end() ? std::nullopt : std::optional<uint64_t>(it->second);
  }

  // ---- output ----

  // Delivers `alerts` in one call. Anything but VIGIL_DELIVERED sets LastError(); a plugin that is
  // not an initialized output gets VIGIL_REJECTED.
  vigil_delivery Deliver(const std::vector<Alert>& alerts) {
    std::vector<std::string> json(alerts.size());
    std::vector<std::vector<const char*>> tags(alerts.size());
    std::vector<vigil_alert> raw(alerts.size());
    for (size_t i = 0; i < alerts.size(); ++i) {
      const Alert& a = alerts[i];
      json[i] = a.json.empty() ? RenderFalcoJson(a) : a.json;
      for (const auto& tag : a.tags) tags[i].push_back(tag.c_str());
      raw[i] = vigil_alert{a.time_ns,          static_cast<uint32_t>(a.priority),
                           a.rule.c_str(),     a.source.c_str(),
                           a.hostname.c_str(), a.output.c_str(),
                           tags[i].data(),     static_cast<uint32_t>(tags[i].size()),
                           json[i].c_str(),    static_cast<uint32_t>(json[i].size())};
    }
    return Deliver(raw.data(), static_cast<uint32_t>(raw.size()));
  }

  vigil_delivery Deliver(const vigil_alert* alerts, uint32_t nalerts) {
    if (!RequireCapability(VIGIL_CAP_OUTPUT, "output")) return VIGIL_REJECTED;
    vigil_delivery result = api_->deliver(state_, alerts, nalerts);
    if (result == VIGIL_DELIVERED) return result;
    if (result != VIGIL_RETRY_LATER && result != VIGIL_REJECTED) {
      Fail("deliver returned unknown value " + std::to_string(static_cast<int>(result)));
      return VIGIL_REJECTED;
    }
    FailFromPlugin(result == VIGIL_RETRY_LATER ? "deliver (retry later)" : "deliver (rejected)",
                   VIGIL_FAILURE);
    return result;
  }

  bool Reopen() {
    if (!RequireCapability(VIGIL_CAP_OUTPUT, "output")) return false;
    auto fn = api_->reopen;
    if (fn == nullptr) return true;  // optional: nothing to reopen
    vigil_rc rc = fn(state_);
    return rc == VIGIL_OK || FailFromPlugin("reopen", rc);
  }

 private:
  using ArgKind = plugin_check::ArgKind;

  bool Fail(std::string message) {
    last_error_ = std::move(message);
    return false;
  }

  bool ValidateConfig(const std::string& config_json) {
    rapidjson::Document config;
    config.Parse<rapidjson::kParseIterativeFlag>(config_json.c_str(), config_json.size());
    if (config.HasParseError()) return Fail("config: not valid JSON");
    std::string schema_json = Schema();
    if (schema_json.empty()) {
      if (config.IsObject() && config.MemberCount() == 0) return true;
      return Fail("config: the plugin takes no config");
    }
    rapidjson::Document schema;  // read exactly as the core reads it
    if (std::string why = config_schema::Prepare(schema_json, &schema); !why.empty()) {
      return Fail("the plugin's config schema is " + why);
    }
    std::optional<config_schema::Failure> failure = config_schema::FirstFailure(schema, config);
    if (!failure) return true;
    return Fail(failure->path.empty() ? "config: " + failure->message
                                      : "config: key " + failure->path + ": " + failure->message);
  }

  bool FailFromPlugin(const std::string& what, vigil_rc rc) {
    const char* message = api_->last_error(state_);
    return Fail(what + " failed (rc " + std::to_string(rc) +
                "): " + (message != nullptr && *message != '\0' ? message : "(no message)"));
  }

  // The core's checks (plugin_check.hpp), so what passes here is what vigil loads.
  void Load(const vigil_plugin_api* api, const std::string& origin) {
    if (std::string why = plugin_check::Check(api, origin, &checked_); !why.empty()) {
      Fail(why);
      return;
    }
    loaded_ = true;
  }

  bool RequireLoaded() {
    return loaded() || Fail(last_error_.empty() ? "not loaded" : last_error_);
  }
  bool RequireInitialized() { return RequireLoaded() && (initialized_ || Fail("not initialized")); }
  bool RequireCapability(uint32_t cap, const char* what) {
    if (!RequireInitialized()) return false;
    if ((api_->capabilities & cap) == 0) {
      return Fail(std::string("the plugin has no ") + what + " capability");
    }
    return true;
  }

  // Splits "name[arg]" and fills the request members from the fields JSON.
  bool Resolve(const std::string& spec, vigil_extract_field* request, std::string* name,
               std::string* key) {
    *request = vigil_extract_field{};
    std::string arg;
    bool has_arg = false;
    size_t open = spec.find('[');
    if (open == std::string::npos) {
      *name = spec;
    } else {
      if (spec.back() != ']') return Fail("field " + spec + ": missing ']'");
      *name = spec.substr(0, open);
      arg = spec.substr(open + 1, spec.size() - open - 2);
      has_arg = true;
    }
    for (size_t id = 0; id < checked_.fields.size(); ++id) {
      const plugin_check::Field& def = checked_.fields[id];
      if (def.name != *name) continue;
      request->field_id = static_cast<uint32_t>(id);
      request->ftype = def.type;
      request->flist = def.is_list ? 1 : 0;
      if (has_arg && def.arg == ArgKind::kNone) {
        return Fail("field " + *name + " takes no argument");
      }
      if (!has_arg && def.arg_required) return Fail("field " + *name + " needs an argument");
      if (has_arg) {
        request->arg_present = 1;
        if (def.arg == ArgKind::kIndex) {
          char* end = nullptr;
          request->arg_index = std::strtoull(arg.c_str(), &end, 10);
          if (arg.empty() || *end != '\0') return Fail("field " + spec + ": index is not a number");
        } else {
          *key = arg;
        }
      }
      return true;
    }
    return Fail("field " + *name + " is not among the plugin's fields");
  }

  std::optional<FieldValue> Copy(const vigil_extract_field& r) {
    FieldValue value;
    value.field = r.field;
    value.type = static_cast<vigil_field_type>(r.ftype);
    value.list = r.flist != 0;
    if (r.res_len == 0) return value;
    if (r.res_len > 1 && !value.list) {
      Fail("field " + value.field + ": " + std::to_string(r.res_len) +
           " values for a field that is not a list");
      return std::nullopt;
    }
    if (r.res.str == nullptr) {
      Fail("field " + value.field + ": res_len > 0 and no values");
      return std::nullopt;
    }
    for (uint64_t i = 0; i < r.res_len; ++i) {
      switch (r.ftype) {
        case VIGIL_FT_STRING:
          if (r.res.str[i] == nullptr) {
            Fail("field " + value.field + ": null string");
            return std::nullopt;
          }
          value.strings.emplace_back(r.res.str[i]);
          break;
        case VIGIL_FT_UINT64:
        case VIGIL_FT_RELTIME:
        case VIGIL_FT_ABSTIME:
          value.u64.push_back(r.res.u64[i]);
          break;
        case VIGIL_FT_INT64:
          value.s64.push_back(r.res.s64[i]);
          break;
        case VIGIL_FT_BOOL:
          value.bools.push_back(r.res.boolean[i] != 0);
          break;
        default: {
          const vigil_bytes& b = r.res.bytes[i];
          if (b.len > 0 && b.data == nullptr) {
            Fail("field " + value.field + ": null bytes");
            return std::nullopt;
          }
          value.bytes.emplace_back(reinterpret_cast<const char*>(b.data), b.len);
        }
      }
    }
    return value;
  }

  // The record's source; when unset, the one the plugin most likely means: its own event_source
  // when it is a source, else the first of its extract_event_sources, else "syscall".
  std::string SourceOf(const Record& record) const {
    if (!record.source().empty()) return record.source();
    if (api_->capabilities & VIGIL_CAP_SOURCE) return api_->event_source;
    if (!checked_.extract_sources.empty()) return checked_.extract_sources.front();
    return VIGIL_SYSCALL_EVENT_SOURCE;
  }

  // The core's rule: extract_event_sources when given, else the plugin's own event_source when it
  // is a source, else every source.
  bool ExtractsFrom(const std::string& source) const {
    if (!checked_.extract_sources.empty()) {
      for (const auto& s : checked_.extract_sources) {
        if (s == source) return true;
      }
      return false;
    }
    if (api_->capabilities & VIGIL_CAP_SOURCE) return source == api_->event_source;
    return true;
  }

  vigil_event_input InputFor(const Record& record) {
    source_text_ = SourceOf(record);
    if (record.evtnum_ == 0) record.evtnum_ = ++evtnum_;
    return vigil_event_input{record.bytes().data(), static_cast<uint32_t>(record.bytes().size()),
                             record.evtnum_, source_text_.c_str()};
  }

  static vigil_rc GetProcessCallback(void* ctx, const vigil_event_input* event,
                                     vigil_process_info* out) {
    auto* self = static_cast<FakeHost*>(ctx);
    // As in the core: only for the event of the current parse or extract call.
    if (event == nullptr || out == nullptr || self->current_event_ == nullptr ||
        event->evtnum != self->current_event_->evtnum ||
        event->record_len < VIGIL_EVENT_HEADER_SIZE) {
      return VIGIL_NOT_FOUND;
    }
    auto it = self->processes_.find(vigil_event_get_header(event->record).tid);
    if (it == self->processes_.end()) return VIGIL_NOT_FOUND;
    const vigil::sdk::ProcessInfo& p = it->second;
    self->cgroup_ptrs_.clear();
    for (const std::string& c : p.cgroups) self->cgroup_ptrs_.push_back(c.c_str());
    self->arg_ptrs_.clear();
    for (const std::string& a : p.args) self->arg_ptrs_.push_back(a.c_str());
    vigil_process_info info{};
    info.struct_size = sizeof info;
    info.tid = p.tid;
    info.pid = p.pid;
    info.ptid = p.ptid;
    info.vtid = p.vtid;
    info.vpid = p.vpid;
    info.start_ts_ns = p.start_ts_ns;
    info.pidns_ino = p.pidns_ino;
    info.mntns_ino = p.mntns_ino;
    info.uid = p.uid;
    info.gid = p.gid;
    info.comm = p.comm.c_str();
    info.exepath = p.exepath.c_str();
    info.cgroups = self->cgroup_ptrs_.data();
    info.ncgroups = static_cast<uint32_t>(self->cgroup_ptrs_.size());
    info.args = self->arg_ptrs_.data();
    info.nargs = static_cast<uint32_t>(self->arg_ptrs_.size());
    return vigil::sdk::CopyProcessInfo(info, out);
  }

  // The pid whose value (set_process_value) the current event's process holds; -1 when none.
  int64_t ProcessKey(const vigil_event_input* event) const {
    if (event == nullptr || current_event_ == nullptr || event->evtnum != current_event_->evtnum ||
        event->record_len < VIGIL_EVENT_HEADER_SIZE) {
      return -1;
    }
    auto it = processes_.find(vigil_event_get_header(event->record).tid);
    return it == processes_.end() ? -1 : it->second.pid;
  }

  static vigil_rc SetProcessValueCallback(void* ctx, const vigil_event_input* event,
                                          const void* data, uint32_t len) {
    auto* self = static_cast<FakeHost*>(ctx);
    if ((data == nullptr && len > 0) || len > VIGIL_PROCESS_VALUE_MAX) return VIGIL_FAILURE;
    int64_t pid = self->ProcessKey(event);
    if (pid < 0) return VIGIL_NOT_FOUND;
    self->process_values_[pid].assign(static_cast<const char*>(data), len);
    return VIGIL_OK;
  }

  static vigil_rc GetProcessValueCallback(void* ctx, const vigil_event_input* event,
                                          const void** data, uint32_t* len) {
    auto* self = static_cast<FakeHost*>(ctx);
    auto it = self->process_values_.find(self->ProcessKey(event));
    if (it == self->process_values_.end()) return VIGIL_NOT_FOUND;
    *data = it->second.data();
    *len = static_cast<uint32_t>(it->second.size());
    return VIGIL_OK;
  }

  static vigil_rc HoldProcessCallback(void* ctx, const vigil_event_input* event,
                                      uint32_t timeout_ms) {
    auto* self = static_cast<FakeHost*>(ctx);
    int64_t pid = self->parsing_ ? self->ProcessKey(event) : -1;
    if (pid < 0) return VIGIL_NOT_FOUND;  // as the core: in parse_event, for a known process
    if (timeout_ms == 0) return VIGIL_OK;
    std::lock_guard<std::mutex> lock(self->log_mutex_);
    self->holds_.emplace(pid, std::min(timeout_ms, VIGIL_HOLD_MAX_MS));
    self->released_.erase(pid);
    return VIGIL_OK;
  }

  static void ReleaseProcessCallback(void* ctx, int64_t pid) {
    auto* self = static_cast<FakeHost*>(ctx);
    {
      std::lock_guard<std::mutex> lock(self->log_mutex_);
      if (self->holds_.erase(pid) == 0) return;
      self->released_.insert(pid);
    }
    self->released_cv_.notify_all();
  }

  static void SetCounterCallback(void* ctx, const char* name, uint64_t value) {
    auto* self = static_cast<FakeHost*>(ctx);
    if (name == nullptr) return;
    std::string_view n(name);
    const bool valid = plugin_check::IsCounterName(n);
    std::lock_guard<std::mutex> lock(self->log_mutex_);
    if (!valid) {  // the core ignores it; a test sees why in Logs()
      self->logs_.push_back(LogLine{
          VIGIL_LOG_WARNING, "host: set_counter: '" + std::string(n) + "' is not a counter name"});
      return;
    }
    if (self->counters_.size() < VIGIL_COUNTERS_MAX || self->counters_.count(n) != 0) {
      self->counters_[std::string(n)] = value;
    }
  }

  static void LogCallback(void* ctx, vigil_log_level level, const char* msg) {
    auto* self = static_cast<FakeHost*>(ctx);
    std::lock_guard<std::mutex> lock(self->log_mutex_);
    self->logs_.push_back(LogLine{level, msg != nullptr ? msg : ""});
  }

  void* library_ = nullptr;
  plugin_check::Table checked_;
  const vigil_plugin_api* const api_ = &checked_.api;  // zeros until loaded
  bool loaded_ = false;
  vigil_plugin* state_ = nullptr;
  vigil_source_instance* instance_ = nullptr;
  bool initialized_ = false;
  bool eof_ = false;
  uint64_t evtnum_ = 0;
  std::string source_text_;  // the event_source of the event being passed, kept alive for the call
  std::string last_error_;
  const vigil_event_input* current_event_ = nullptr;  // during Parse and Extract only
  std::map<int64_t, vigil::sdk::ProcessInfo> processes_;
  std::vector<const char*> cgroup_ptrs_, arg_ptrs_;
  std::map<int64_t, std::string> process_values_;  // by pid
  bool parsing_ = false;                           // inside Parse: hold_process applies
  // Guarded by log_mutex_ (plugins release and count from their own threads).
  std::map<int64_t, uint32_t> holds_;  // pid -> timeout_ms
  std::set<int64_t> released_;
  std::condition_variable released_cv_;
  std::map<std::string, uint64_t, std::less<>> counters_;
  vigil_host_api host_api_{sizeof(vigil_host_api),
                           this,
                           &FakeHost::LogCallback,
                           &FakeHost::GetProcessCallback,
                           &FakeHost::SetProcessValueCallback,
                           &FakeHost::GetProcessValueCallback,
                           &FakeHost::HoldProcessCallback,
                           &FakeHost::ReleaseProcessCallback,
                           &FakeHost::SetCounterCallback};
  // Guards the log, and the holds and counters above.
  mutable std::mutex log_mutex_;
  std::vector<LogLine> logs_;
};

}  // namespace vigil::testing

#endif  // VIGIL_TESTING_FAKE_HOST_HPP
