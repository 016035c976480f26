// counter: an example source + extract plugin.
//
// Emits `count` plugin events whose payload is the counter value (1, 2, ... as a little-endian
// uint64), and provides fields about them:
//   counter.value    uint64  the value
//   counter.even     bool    whether the value is even
//   counter.mod[n]   uint64  the value modulo n (index argument; no value when n is 0)
//
// Config: {"count": 10, "batch_size": 4}.
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vigil/config_view.hpp>
#include <vigil/sdk.hpp>

namespace {

struct CounterConfig {
  uint64_t count = 10;
  uint32_t batch_size = 4;
};

// The host (the core, or the fake host in tests) has validated the config against Schema()
// before init: read the keys and apply defaults, with no checks of your own.
CounterConfig ParseConfig(std::string_view json) {
  vigil::sdk::ConfigView view(json);  // validated against Schema() by the host
  CounterConfig config;
  config.count = view.Uint64("count", config.count);
  config.batch_size = static_cast<uint32_t>(view.Uint64("batch_size", config.batch_size));
  return config;
}

// One open stream. The host calls NextBatch from the source's reader thread.
class CounterStream {
 public:
  explicit CounterStream(const CounterConfig& config) : config_(config) {}

  vigil_rc NextBatch(vigil_event_batch* batch) {
    if (next_ > config_.count) return VIGIL_EOF;
    writer_.Clear();  // the previous batch is released: the ABI allows it now
    for (uint32_t i = 0; i < config_.batch_size && next_ <= config_.count; ++i, ++next_) {
      char payload[sizeof next_];
      std::memcpy(payload, &next_, sizeof next_);
      writer_.AppendPlugin(vigil::sdk::NowNs(), /*tid=*/-1,
                           std::string_view(payload, sizeof payload));
    }
    *batch = writer_.batch();
    return VIGIL_OK;
  }

  std::string Progress(uint32_t& pct_x100) {
    uint64_t done = next_ - 1;
    pct_x100 = config_.count == 0 ? 10000 : static_cast<uint32_t>(done * 10000 / config_.count);
    return std::to_string(done) + " of " + std::to_string(config_.count);
  }

 private:
  CounterConfig config_;
  uint64_t next_ = 1;
  vigil::sdk::EventWriter writer_;
};

}  // namespace

class CounterPlugin : public vigil::sdk::Plugin {
 public:
  static constexpr const char* kName = "counter";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_SOURCE | VIGIL_CAP_EXTRACT;
  static constexpr const char* kDescription = "Example: counts from 1 to N";
  static constexpr const char* kContact = "https://github.com/vigil/vigil/tree/main/sdk/examples";
  static constexpr const char* kEventSource = "counter";

  static const char* Schema() {
    return R"({
  "$schema": "http://json-schema.org/draft-04/schema#",
  "type": "object",
  "properties": {
    "count": {"type": "integer", "minimum": 0, "default": 10, "description": "events to emit"},
    "batch_size": {"type": "integer", "minimum": 1, "maximum": 65536, "default": 4,
                   "description": "events per batch"}
  },
  "additionalProperties": false
})";
  }

  static const char* Fields() {
    return R"([
  {"name": "counter.value", "type": "uint64", "desc": "the counter value"},
  {"name": "counter.even", "type": "bool", "desc": "whether the value is even"},
  {"name": "counter.mod", "type": "uint64", "arg": {"kind": "index", "required": true},
   "desc": "the value modulo the argument"}
])";
  }

  explicit CounterPlugin(const vigil::sdk::InitContext& ctx)
      : config_(ParseConfig(ctx.config_json())) {
    ctx.log(VIGIL_LOG_INFO, "counting to " + std::to_string(config_.count));
  }

  std::unique_ptr<CounterStream> Open(const std::string& /*params*/) {
    return std::make_unique<CounterStream>(config_);
  }

  // Called from the engine thread. Values go through results(), which keeps them alive until the
  // next call.
  vigil_rc Extract(const vigil_event_input& event, uint32_t nfields, vigil_extract_field* fields) {
    vigil::sdk::EventView view(event);
    std::string_view payload = view.payload();
    if (view.type() != VIGIL_EVENT_PLUGIN || payload.size() != sizeof(uint64_t)) {
      return VIGIL_NOT_FOUND;
    }
    uint64_t value;
    std::memcpy(&value, payload.data(), sizeof value);
    for (uint32_t i = 0; i < nfields; ++i) {
      vigil_extract_field& field = fields[i];
      switch (field.field_id) {
        case 0:
          results().SetUint64(field, value);
          break;
        case 1:
          results().SetBool(field, value % 2 == 0);
          break;
        case 2:
          if (field.arg_index != 0) results().SetUint64(field, value % field.arg_index);
          break;
        default:
          throw std::invalid_argument("unknown field id " + std::to_string(field.field_id));
      }
    }
    return VIGIL_OK;
  }

 private:
  CounterConfig config_;
};

VIGIL_PLUGIN(CounterPlugin)
