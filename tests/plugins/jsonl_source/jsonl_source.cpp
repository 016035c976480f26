// test_jsonl: a test source that replays a JSON-lines file as events (payload: the line) and
// extracts typed fields from them, so rule-engine tests can declare any field of any type without a
// real source.
//
// The same code is built twice (CMakeLists.txt): as `test_jsonl`, event source "test", and as
// `test_syscall_jsonl`, event source "syscall", which stands in for the eBPF source so rules can
// use Falco's default `source: syscall` and `evt.type`. TEST_JSONL_NAME and
// TEST_JSONL_EVENT_SOURCE select which.
//
// Config: {"path": "events.jsonl", "rate": 0, "batch_size": 64, "loops": 1}. Open params, when not
// empty, replace the path. A line may carry "ts" (ns since the epoch), "tid" and "type" (an event
// type name from vigil/event_types.h, or "pluginevent", the default); otherwise the event gets the
// time of emission, tid -1 and type VIGIL_EVENT_PLUGIN. A line that is not a JSON object, or has a
// bad "ts", "tid" or "type", fails open with "path:line: ...". Blank lines are skipped.
//
// Every record has one parameter, the line, whatever its type. Fields take a JSON pointer into the
// line as key argument: test.str[/a/b] is the string at /a/b. A member that is missing or of
// another JSON type has no value (res_len 0).
#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "rapidjson/document.h"
#include "rapidjson/error/en.h"
#include "rapidjson/pointer.h"
#include "vigil/config_view.hpp"
#include "vigil/event_types.h"
#include "vigil/sdk.hpp"

#ifndef TEST_JSONL_NAME
#define TEST_JSONL_NAME "test_jsonl"
#endif
#ifndef TEST_JSONL_EVENT_SOURCE
#define TEST_JSONL_EVENT_SOURCE "test"
#endif

namespace {

struct JsonlConfig {
  std::string path;
  double rate = 0;  // events per second, 0: as fast as possible
  uint32_t batch_size = 64;
  uint64_t loops = 1;
};

// The host has validated the config against the schema.
JsonlConfig ParseConfig(std::string_view json) {
  vigil::sdk::ConfigView view(json);
  JsonlConfig config;
  config.path = view.String("path");
  config.rate = view.Double("rate", config.rate);
  config.batch_size = static_cast<uint32_t>(view.Uint64("batch_size", config.batch_size));
  config.loops = view.Uint64("loops", config.loops);
  return config;
}

struct JsonlLine {
  std::string text;
  bool has_ts = false;
  uint64_t ts_ns = 0;
  int64_t tid = -1;
  uint16_t type = VIGIL_EVENT_PLUGIN;
};

// The code of an event type name ("openat", "pluginevent"), or nullopt when there is none.
std::optional<uint16_t> EventTypeCode(std::string_view name) {
  if (name == VIGIL_PLUGIN_EVENT_NAME) return VIGIL_EVENT_PLUGIN;
#define VIGIL_JSONL_TYPE_CASE(code, type_name) \
  if (name == #type_name) return static_cast<uint16_t>(code);
  VIGIL_SYSCALL_EVENT_TYPES(VIGIL_JSONL_TYPE_CASE)
#undef VIGIL_JSONL_TYPE_CASE
  return std::nullopt;
}

std::vector<JsonlLine> ReadLines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(path + ": cannot open");
  std::vector<JsonlLine> lines;
  std::string text;
  for (uint64_t number = 1; std::getline(in, text); ++number) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    rapidjson::Document doc;
    doc.Parse(text.c_str(), text.size());
    std::string where = path + ":" + std::to_string(number) + ": ";
    if (doc.HasParseError()) {
      throw std::runtime_error(where + "invalid JSON (" +
                               rapidjson::GetParseError_En(doc.GetParseError()) + " at column " +
                               std::to_string(doc.GetErrorOffset() + 1) + ")");
    }
    if (!doc.IsObject()) throw std::runtime_error(where + "not a JSON object");
    JsonlLine line;
    if (auto ts = doc.FindMember("ts"); ts != doc.MemberEnd()) {
      if (!ts->value.IsUint64()) throw std::runtime_error(where + "\"ts\" is not a uint64");
      line.has_ts = true;
      line.ts_ns = ts->value.GetUint64();
    }
    if (auto tid = doc.FindMember("tid"); tid != doc.MemberEnd()) {
      if (!tid->value.IsInt64()) throw std::runtime_error(where + "\"tid\" is not an int64");
      line.tid = tid->value.GetInt64();
    }
    if (auto type = doc.FindMember("type"); type != doc.MemberEnd()) {
      if (!type->value.IsString()) throw std::runtime_error(where + "\"type\" is not a string");
      std::string_view name(type->value.GetString(), type->value.GetStringLength());
      std::optional<uint16_t> code = EventTypeCode(name);
      if (!code) throw std::runtime_error(where + "unknown event type '" + std::string(name) + "'");
      line.type = *code;
    }
    line.text = std::move(text);
    lines.push_back(std::move(line));
  }
  if (in.bad()) throw std::runtime_error(path + ": read error");
  return lines;
}

class JsonlReplay {
 public:
  JsonlReplay(const JsonlConfig& config, std::vector<JsonlLine> lines)
      : config_(config), lines_(std::move(lines)) {
    total_ = static_cast<uint64_t>(lines_.size()) * config_.loops;
  }

  vigil_rc NextBatch(vigil_event_batch* batch) {
    if (emitted_ >= total_) return VIGIL_EOF;
    uint64_t allowed = std::min<uint64_t>(config_.batch_size, total_ - emitted_);
    if (config_.rate > 0) {
      allowed = std::min(allowed, PacedAllowance());
      if (allowed == 0) return VIGIL_TIMEOUT;
    }
    writer_.Clear();
    for (uint64_t i = 0; i < allowed; ++i, ++emitted_) {
      const JsonlLine& line = lines_[emitted_ % lines_.size()];
      writer_.Append(line.type, line.has_ts ? line.ts_ns : vigil::sdk::NowNs(), line.tid,
                     {std::string_view(line.text)});
    }
    *batch = writer_.batch();
    return VIGIL_OK;
  }

  std::string Progress(uint32_t& pct_x100) {
    pct_x100 = total_ == 0 ? 10000 : static_cast<uint32_t>(emitted_ * 10000 / total_);
    return std::to_string(emitted_) + "/" + std::to_string(total_) + " events";
  }

 private:
  using Clock = std::chrono::steady_clock;

  // How many events the rate allows now. Waits (at most ~100 ms, the ABI's bound) for the next one
  // when none is due.
  uint64_t PacedAllowance() {
    if (emitted_ == 0 && !started_) {
      started_ = true;
      start_ = Clock::now();
    }
    auto due_count = [&] {
      double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
      auto due = static_cast<uint64_t>(elapsed * config_.rate) + 1;
      return due > emitted_ ? due - emitted_ : 0;
    };
    if (uint64_t n = due_count(); n > 0) return n;
    auto next_due = start_ + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(emitted_ / config_.rate));
    std::this_thread::sleep_until(
        std::min(next_due, Clock::now() + std::chrono::milliseconds(100)));
    return due_count();
  }

  JsonlConfig config_;
  std::vector<JsonlLine> lines_;
  uint64_t total_ = 0;
  uint64_t emitted_ = 0;
  bool started_ = false;
  Clock::time_point start_;
  vigil::sdk::EventWriter writer_;
};

enum FieldId : uint32_t {
  kRaw,
  kStr,
  kUint64,
  kInt64,
  kBool,
  kIpAddr,
  kIpNet,
  kRelTime,
  kAbsTime,
  kStrList,
  kUint64List,
  kBytes,
};

// Parses "1.2.3.4" or "::1" into 4 or 16 bytes.
bool ParseAddress(const std::string& text, std::string* bytes) {
  unsigned char buf[16];
  if (inet_pton(AF_INET, text.c_str(), buf) == 1) {
    bytes->assign(reinterpret_cast<char*>(buf), 4);
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), buf) == 1) {
    bytes->assign(reinterpret_cast<char*>(buf), 16);
    return true;
  }
  return false;
}

// Parses "10.0.0.0/8" into the address bytes then one prefix byte.
bool ParseNetwork(const std::string& text, std::string* bytes) {
  size_t slash = text.find('/');
  if (slash == std::string::npos || !ParseAddress(text.substr(0, slash), bytes)) return false;
  std::string prefix_text = text.substr(slash + 1);
  if (prefix_text.empty() || prefix_text.size() > 3 ||
      prefix_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  unsigned prefix = static_cast<unsigned>(std::stoul(prefix_text));
  if (prefix > bytes->size() * 8) return false;
  bytes->push_back(static_cast<char>(prefix));
  return true;
}

}  // namespace

class JsonlSourcePlugin : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = TEST_JSONL_NAME;
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT;
  static constexpr const char* kDescription =
      "Test source: replays a JSON-lines file as " TEST_JSONL_EVENT_SOURCE
      " events, with typed fields by JSON pointer";
  static constexpr const char* kContact = "https://github.com/vigil/vigil (tests/plugins)";
  static constexpr const char* kEventSource = TEST_JSONL_EVENT_SOURCE;
  static constexpr const char* kExtractEventSources = "[\"" TEST_JSONL_EVENT_SOURCE "\"]";

  static const char* Schema() {
    return R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "type": "object",
  "properties": {
    "path": {"type": "string", "minLength": 1, "description": "the JSON-lines file"},
    "rate": {"type": "number", "minimum": 0, "description": "events per second, 0: unpaced"},
    "batch_size": {"type": "integer", "minimum": 1, "maximum": 65536, "default": 64},
    "loops": {"type": "integer", "minimum": 1, "default": 1, "description": "file replays"}
  },
  "required": ["path"],
  "additionalProperties": false
})";
  }

  static const char* Fields() {
    return R"([
  {"name": "test.raw", "type": "string", "desc": "the whole line"},
  {"name": "test.str", "type": "string", "arg": {"kind": "key", "required": true},
   "desc": "the string at a JSON pointer"},
  {"name": "test.uint64", "type": "uint64", "arg": {"kind": "key", "required": true},
   "desc": "the unsigned integer at a JSON pointer"},
  {"name": "test.int64", "type": "int64", "arg": {"kind": "key", "required": true},
   "desc": "the integer at a JSON pointer"},
  {"name": "test.bool", "type": "bool", "arg": {"kind": "key", "required": true},
   "desc": "the boolean at a JSON pointer"},
  {"name": "test.ipaddr", "type": "ipaddr", "arg": {"kind": "key", "required": true},
   "desc": "the IPv4/IPv6 address text at a JSON pointer"},
  {"name": "test.ipnet", "type": "ipnet", "arg": {"kind": "key", "required": true},
   "desc": "the CIDR network text at a JSON pointer"},
  {"name": "test.reltime", "type": "reltime", "arg": {"kind": "key", "required": true},
   "desc": "the duration in ns at a JSON pointer"},
  {"name": "test.abstime", "type": "abstime", "arg": {"kind": "key", "required": true},
   "desc": "the time in ns since the epoch at a JSON pointer"},
  {"name": "test.strlist", "type": "string", "list": true,
   "arg": {"kind": "key", "required": true}, "desc": "the array of strings at a JSON pointer"},
  {"name": "test.uint64list", "type": "uint64", "list": true,
   "arg": {"kind": "key", "required": true},
   "desc": "the array of unsigned integers at a JSON pointer"},
  {"name": "test.bytes", "type": "bytes", "arg": {"kind": "key", "required": true},
   "desc": "the bytes of the string at a JSON pointer, any byte by a \\u escape"}
])";
  }

  explicit JsonlSourcePlugin(const vigil::sdk::InitContext& ctx)
      : config_(ParseConfig(ctx.config_json())) {
    ctx.log(VIGIL_LOG_DEBUG, std::string(kName) + ": replaying " + config_.path);
  }

  std::unique_ptr<JsonlReplay> Open(const std::string& params) {
    JsonlConfig config = config_;
    if (!params.empty()) config.path = params;
    return std::make_unique<JsonlReplay>(config, ReadLines(config.path));
  }

  std::string EventToString(const vigil_event_input& event) {
    return std::string(vigil::sdk::EventView(event).payload());
  }

  vigil_rc Extract(const vigil_event_input& event, uint32_t nfields, vigil_extract_field* fields) {
    vigil::sdk::EventView view(event);
    // Every record this plugin emits, of any type, has one parameter: the line. Others are not
    // ours.
    if (view.nparams() != 1) return VIGIL_NOT_FOUND;
    const rapidjson::Document& doc = Parsed(event.evtnum, view.payload());
    for (uint32_t i = 0; i < nfields; ++i) ExtractOne(view, doc, fields[i]);
    return VIGIL_OK;
  }

 private:
  // Fields of one event usually come in several calls; parse each line once. The line is compared
  // too, so a host that numbers events loosely never gets another event's values.
  const rapidjson::Document& Parsed(uint64_t evtnum, std::string_view payload) {
    if (!parsed_valid_ || evtnum != parsed_evtnum_ || payload != parsed_text_) {
      parsed_text_.assign(payload);
      parsed_.Parse(parsed_text_.data(), parsed_text_.size());
      parsed_valid_ = true;
      parsed_evtnum_ = evtnum;
    }
    return parsed_;
  }

  const rapidjson::Pointer& CompiledPointer(const char* text) {
    auto found = pointers_.find(text);
    if (found == pointers_.end()) {
      rapidjson::Pointer pointer(text);
      if (!pointer.IsValid()) {
        throw std::invalid_argument(std::string("invalid JSON pointer '") + text + "'");
      }
      found = pointers_.emplace(text, std::move(pointer)).first;
    }
    return found->second;
  }

  void ExtractOne(const vigil::sdk::EventView& view, const rapidjson::Document& doc,
                  vigil_extract_field& field) {
    auto& out = results();
    if (field.field_id == kRaw) {
      out.SetString(field, view.payload());
      return;
    }
    if (doc.HasParseError() || !field.arg_present || field.arg_key == nullptr) return;
    const rapidjson::Value* value = CompiledPointer(field.arg_key).Get(doc);
    if (value == nullptr) return;
    std::string bytes;
    switch (field.field_id) {
      case kStr:
        if (value->IsString()) out.SetString(field, {value->GetString(), value->GetStringLength()});
        break;
      case kUint64:
      case kRelTime:
      case kAbsTime:
        if (value->IsUint64()) out.SetUint64(field, value->GetUint64());
        break;
      case kInt64:
        if (value->IsInt64()) out.SetInt64(field, value->GetInt64());
        break;
      case kBool:
        if (value->IsBool()) out.SetBool(field, value->GetBool());
        break;
      case kIpAddr:
        if (value->IsString() && ParseAddress(value->GetString(), &bytes))
          out.SetBytes(field, bytes);
        break;
      case kIpNet:
        if (value->IsString() && ParseNetwork(value->GetString(), &bytes))
          out.SetBytes(field, bytes);
        break;
      case kStrList:
        if (value->IsArray()) {
          std::vector<std::string_view> items;
          for (const auto& item : value->GetArray()) {
            if (!item.IsString()) return;
            items.emplace_back(item.GetString(), item.GetStringLength());
          }
          out.SetStrings(field, items.data(), items.size());
        }
        break;
      case kBytes:
        if (value->IsString()) out.SetBytes(field, {value->GetString(), value->GetStringLength()});
        break;
      case kUint64List:
        if (value->IsArray()) {
          std::vector<uint64_t> items;
          for (const auto& item : value->GetArray()) {
            if (!item.IsUint64()) return;
            items.push_back(item.GetUint64());
          }
          out.SetUint64s(field, items);
        }
        break;
      default:
        throw std::invalid_argument("unknown field id " + std::to_string(field.field_id));
    }
  }

  JsonlConfig config_;
  rapidjson::Document parsed_;
  bool parsed_valid_ = false;
  uint64_t parsed_evtnum_ = 0;
  std::string parsed_text_;
  std::map<std::string, rapidjson::Pointer, std::less<>> pointers_;
};

VIGIL_PLUGIN(JsonlSourcePlugin)
