// test_record: a test output that appends each delivered alert's JSON as one line to `path`, and
// answers what the config says, so router and end-to-end tests can script an output's behaviour.
//
// Config: {"path": "alerts.jsonl", "answer": "delivered", "fail_times": 0}
//   answer      delivered (default) | retry_later | rejected: the answer to every deliver call
//   fail_times  the first N deliver calls answer retry_later (and write nothing), then `answer`
// Only a call answered delivered writes its batch (one write). Reopen closes and reopens `path`.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "vigil/config_view.hpp"
#include "vigil/sdk.hpp"

namespace {

class RecordOutput {
 public:
  static constexpr const char* kName = "test_record";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  static constexpr const char* kDescription =
      "Test output: appends alerts' JSON to a file and answers as configured";
  static constexpr const char* kContact = "vigil developers";

  static const char* Schema() {
    return R"({
  "type": "object",
  "properties": {
    "path": {"type": "string", "minLength": 1},
    "answer": {"type": "string", "enum": ["delivered", "retry_later", "rejected"]},
    "fail_times": {"type": "integer", "minimum": 0}
  },
  "required": ["path"],
  "additionalProperties": false
})";
  }

  // The host has validated the config against Schema().
  explicit RecordOutput(const vigil::sdk::InitContext& ctx) {
    vigil::sdk::ConfigView config(ctx.config_json());
    path_ = config.String("path");
    const std::string answer = config.String("answer", "delivered");
    answer_ = answer == "retry_later" ? VIGIL_RETRY_LATER
              : answer == "rejected"  ? VIGIL_REJECTED
                                      : VIGIL_DELIVERED;
    fail_times_ = config.Uint64("fail_times", 0);
    Open();
  }

  ~RecordOutput() {
    if (fd_ >= 0) ::close(fd_);
  }
  RecordOutput(const RecordOutput&) = delete;
  RecordOutput& operator=(const RecordOutput&) = delete;

  vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n) {
    if (calls_++ < fail_times_) {
      vigil::sdk::SetLastError("test_record: scripted retry_later");
      return VIGIL_RETRY_LATER;
    }
    if (answer_ != VIGIL_DELIVERED) {
      vigil::sdk::SetLastError(answer_ == VIGIL_REJECTED ? "test_record: scripted rejected"
                                                         : "test_record: scripted retry_later");
      return answer_;
    }
    std::string buffer;
    for (uint32_t i = 0; i < n; ++i) {
      buffer.append(alerts[i].json, alerts[i].json_len);
      buffer.push_back('\n');
    }
    if (fd_ < 0) Open();
    size_t done = 0;
    while (done < buffer.size()) {
      ssize_t w = ::write(fd_, buffer.data() + done, buffer.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        vigil::sdk::SetLastError(path_ + ": write: " + std::strerror(errno));
        return VIGIL_RETRY_LATER;
      }
      done += static_cast<size_t>(w);
    }
    return VIGIL_DELIVERED;
  }

  void Reopen() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    Open();
  }

 private:
  void Open() {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error(path_ + ": open: " + std::strerror(errno));
  }

  std::string path_;
  vigil_delivery answer_ = VIGIL_DELIVERED;
  uint64_t fail_times_ = 0;
  uint64_t calls_ = 0;
  int fd_ = -1;
};

}  // namespace

VIGIL_PLUGIN(RecordOutput)
