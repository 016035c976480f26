// test_parse: a test parser that counts the events the host hands it and extracts what it saw, so
// end-to-end tests can check the parse stage: every event of the asked types, once, before the
// rules of that very event.
//
// Config: {"types": [1], "fail_every": 0, "hold": {"comm": "x", "timeout_ms": 250,
//          "release_after_ms": 100}}
//   types       event type codes (vigil/event_types.h; 1 is pluginevent) it asks for; absent or
//               empty: every type
//   fail_every  every Nth parse_event call fails (VIGIL_FAILURE), after counting the event
//   hold        stands in for an enricher waiting on metadata: holds each process whose comm is
//               `comm` (hold_process with `timeout_ms`) at its first event, and releases it from
//               its own thread `release_after_ms` later (0: never; the host's timeout ends it).
//               Counter `holds`: processes held.
// Fields (any source):
//   parse.count  events parsed so far
//   parse.times  how often this event (by evtnum) was parsed: 1 when the host parsed it once
//                before extracting, 0 when it did not parse it first
//   parse.comm   the comm of the event's process, as the host's state gives it (get_process,
//                API 1.2); no value when the host knows no process for the event
//   parse.first  the evtnum of the first event parsed for the event's process, kept by the host
//                (set_process_value on the first one, get_process_value after)
//   parse.released  whether this plugin has released the event's process (its "metadata")
//   parse.args   the process's arguments (argv[1..], API 1.3), space separated
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "vigil/config_view.hpp"
#include "vigil/sdk.hpp"

namespace {

class ParseCounter : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "test_parse";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_EXTRACT | VIGIL_CAP_PARSE;
  static constexpr const char* kDescription = "Test parser: counts the events it parses";
  static constexpr const char* kContact = "vigil developers";

  static const char* Schema() {
    return R"({
  "type": "object",
  "properties": {
    "types": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 65535}},
    "fail_every": {"type": "integer", "minimum": 0},
    "hold": {
      "type": "object",
      "properties": {
        "comm": {"type": "string"},
        "timeout_ms": {"type": "integer", "minimum": 0},
        "release_after_ms": {"type": "integer", "minimum": 0}
      },
      "required": ["comm"],
      "additionalProperties": false
    }
  },
  "additionalProperties": false
})";
  }
  static const char* Fields() {
    return R"([
  {"name": "parse.count", "type": "uint64", "desc": "events parsed so far"},
  {"name": "parse.times", "type": "uint64", "desc": "how often this event was parsed"},
  {"name": "parse.comm", "type": "string", "desc": "the comm of the event's process"},
  {"name": "parse.first", "type": "string", "desc": "the first parsed event of its process"},
  {"name": "parse.released", "type": "bool", "desc": "whether its process was released"},
  {"name": "parse.args", "type": "string", "desc": "its process's arguments, space separated"}
])";
  }

  explicit ParseCounter(const vigil::sdk::InitContext& ctx) : host_(ctx.host()) {
    vigil::sdk::ConfigView config(ctx.config_json());
    if (config.Has("types")) {
      for (const auto& type : config.json()["types"].GetArray()) {
        types_.push_back(static_cast<uint16_t>(type.GetUint()));
      }
    }
    fail_every_ = config.Uint64("fail_every", 0);
    if (config.Has("hold")) {
      vigil::sdk::ConfigView hold = config.Object("hold");
      hold_comm_ = hold.String("comm");
      hold_timeout_ = std::chrono::milliseconds(hold.Uint64("timeout_ms", 250));
      release_after_ = std::chrono::milliseconds(hold.Uint64("release_after_ms", 0));
      releaser_ = std::thread([this] { ReleaseLoop(); });
    }
  }

  ~ParseCounter() {
    if (!releaser_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    releaser_.join();
  }

  std::vector<uint16_t> ParseEventTypes() { return types_; }

  vigil_rc Parse(const vigil_event_input& event) {
    ++count_;
    if (!host_.ProcessValue(event)) host_.SetProcessValue(event, std::to_string(event.evtnum));
    if (!hold_comm_.empty()) MaybeHold(event);
    times_ = event.evtnum == last_evtnum_ ? times_ + 1 : 1;
    last_evtnum_ = event.evtnum;
    if (fail_every_ != 0 && count_ % fail_every_ == 0) {
      vigil::sdk::SetLastError("failing event " + std::to_string(event.evtnum) + " as configured");
      return VIGIL_FAILURE;
    }
    return VIGIL_OK;
  }

  vigil_rc Extract(const vigil_event_input& event, uint32_t n, vigil_extract_field* fields) {
    for (uint32_t i = 0; i < n; ++i) {
      if (fields[i].field_id == 0) {
        results().SetUint64(fields[i], count_);
      } else if (fields[i].field_id == 1) {
        results().SetUint64(fields[i], event.evtnum == last_evtnum_ ? times_ : 0);
      } else if (fields[i].field_id == 2) {
        if (std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event)) {
          results().SetString(fields[i], p->comm);
        }
      } else if (fields[i].field_id == 3) {
        if (std::optional<std::string> first = host_.ProcessValue(event)) {
          results().SetString(fields[i], *first);
        }
      } else if (fields[i].field_id == 5) {
        if (std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event)) {
          std::string args;
          for (const auto& a : p->args) args += (args.empty() ? "" : " ") + a;
          results().SetString(fields[i], args);
        }
      } else if (std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event)) {
        std::lock_guard lock(mu_);
        results().SetBool(fields[i], released_.count(p->pid) != 0);
      }
    }
    return VIGIL_OK;
  }

 private:
  void MaybeHold(const vigil_event_input& event) {
    std::optional<vigil::sdk::ProcessInfo> p = host_.Process(event);
    if (!p || p->comm != hold_comm_ || !held_.insert(p->pid).second) return;
    if (!host_.HoldProcess(event, hold_timeout_)) return;
    host_.SetCounter("holds", held_.size());
    if (release_after_.count() == 0) return;
    {
      std::lock_guard lock(mu_);
      pending_.emplace_back(std::chrono::steady_clock::now() + release_after_, p->pid);
    }
    cv_.notify_all();
  }

  // The "metadata client": releases each held pid once its time has come.
  void ReleaseLoop() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      if (pending_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto [due, pid] = pending_.front();
      if (cv_.wait_until(lock, due) == std::cv_status::no_timeout) continue;
      pending_.pop_front();
      released_.insert(pid);
      lock.unlock();
      host_.ReleaseProcess(pid);
      lock.lock();
    }
  }

  vigil::sdk::Host host_;
  std::vector<uint16_t> types_;
  uint64_t fail_every_ = 0;
  uint64_t count_ = 0;
  uint64_t last_evtnum_ = 0;
  uint64_t times_ = 0;

  std::string hold_comm_;
  std::chrono::milliseconds hold_timeout_{0}, release_after_{0};
  std::set<int64_t> held_;  // engine thread
  std::mutex mu_;           // guards what follows, shared with the releaser thread
  std::condition_variable cv_;
  std::deque<std::pair<std::chrono::steady_clock::time_point, int64_t>> pending_;
  std::set<int64_t> released_;
  bool stop_ = false;
  std::thread releaser_;
};

}  // namespace

VIGIL_PLUGIN(ParseCounter)
