// stdout: writes alerts to the process's standard output, as Falco's stdout_output does.
//
// Each batch becomes one buffer written with write(2) straight to fd 1 (no stdio buffering), so
// a batch's lines reach the reader together and never interleave with another writer's partial
// lines. A failed write answers VIGIL_RETRY_LATER.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "vigil/alert_format.hpp"
#include "vigil/config_view.hpp"
#include "vigil/sdk.hpp"

namespace {

class StdoutOutput {
 public:
  static constexpr const char* kName = "stdout";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  static constexpr const char* kDescription = "Writes alerts to standard output (text or JSON)";
  static constexpr const char* kContact = "vigil developers";

  static const char* Schema() {
    return R"({
  "type": "object",
  "properties": {
    "format": {"type": "string", "enum": ["text", "json"]},
    "time_format_iso_8601": {"type": "boolean"}
  },
  "additionalProperties": false
})";
  }

  // The host has validated the config against Schema().
  explicit StdoutOutput(const vigil::sdk::InitContext& ctx) {
    vigil::sdk::ConfigView config(ctx.config_json());
    json_ = config.String("format", "text") == "json";
    iso_8601_ = config.Bool("time_format_iso_8601", false);
  }

  vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n) {
    buffer_.clear();
    for (uint32_t i = 0; i < n; ++i) {
      if (json_) {
        vigil::alert_format::AppendAlertJsonLine(alerts[i], &buffer_);
      } else {
        vigil::alert_format::AppendAlertTextLine(alerts[i], iso_8601_, &buffer_);
      }
    }
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t w = ::write(STDOUT_FILENO, buffer_.data() + done, buffer_.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        // A retry rewrites the whole batch: lines written before the error may repeat (a pipe or
        // terminal gives no way to take them back).
        vigil::sdk::SetLastError(std::string("stdout: write: ") + std::strerror(errno));
        return VIGIL_RETRY_LATER;
      }
      done += static_cast<size_t>(w);
    }
    return VIGIL_DELIVERED;
  }

 private:
  bool json_ = false;
  bool iso_8601_ = false;
  std::string buffer_;  // reused between batches
};

}  // namespace

VIGIL_PLUGIN(StdoutOutput)
