// file: appends alerts to a file, as Falco's file_output does, and reopens it on SIGHUP so that
// logrotate can move it away.
//
// The file is opened O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC with `mode` (less the umask).
// Each batch is one buffer and, short of a short write, one write(2).
//
// A failed write answers VIGIL_RETRY_LATER (last_error names the path and errno). When part of
// a batch had reached the file, the router's retry of that same batch writes only the rest, so no
// line is torn or doubled; a batch given up mid-line gets its line ended before the next batch.
// Reopen (SIGHUP) closes and reopens `path`; if it cannot, the next delivery tries again.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "vigil/alert_format.hpp"
#include "vigil/config_view.hpp"
#include "vigil/sdk.hpp"

namespace {

struct FileConfig {
  std::string path;
  bool json = true;
  bool iso_8601 = false;
  mode_t mode = 0640;
};

// The host has validated the config against Schema().
FileConfig ParseConfig(std::string_view json) {
  vigil::sdk::ConfigView view(json);
  FileConfig config;
  config.path = view.String("path");
  config.json = view.String("format", "json") == "json";
  config.iso_8601 = view.Bool("time_format_iso_8601", false);
  if (view.Has("mode")) {
    // Octal digits as a string ("0640"): a YAML or JSON number would be read as decimal.
    config.mode = static_cast<mode_t>(std::strtoul(view.String("mode").c_str(), nullptr, 8));
  }
  return config;
}

class FileOutput {
 public:
  static constexpr const char* kName = "file";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr uint32_t kCapabilities = VIGIL_CAP_OUTPUT;
  static constexpr const char* kDescription =
      "Appends alerts to a file (JSON lines or text), reopened on SIGHUP";
  static constexpr const char* kContact = "vigil developers";

  static const char* Schema() {
    return R"({
  "type": "object",
  "properties": {
    "path": {"type": "string", "minLength": 1},
    "format": {"type": "string", "enum": ["json", "text"]},
    "time_format_iso_8601": {"type": "boolean"},
    "mode": {"type": "string", "pattern": "^0?[0-7]{3}$"}
  },
  "required": ["path"],
  "additionalProperties": false
})";
  }

  // Fails init when the file cannot be opened: a wrong path is a config error worth stopping for.
  explicit FileOutput(const vigil::sdk::InitContext& ctx)
      : config_(ParseConfig(ctx.config_json())) {
    if (!Open()) throw std::runtime_error(error_);
  }
  ~FileOutput() { Close(); }
  FileOutput(const FileOutput&) = delete;
  FileOutput& operator=(const FileOutput&) = delete;

  vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n) {
    if (fd_ < 0 && !Open()) return RetryLater();
    rendered_.clear();
    for (uint32_t i = 0; i < n; ++i) {
      if (config_.json) {
        vigil::alert_format::AppendAlertJsonLine(alerts[i], &rendered_);
      } else {
        vigil::alert_format::AppendAlertTextLine(alerts[i], config_.iso_8601, &rendered_);
      }
    }
    std::string out;
    if (!pending_.empty() && rendered_ == pending_for_) {
      out = std::move(pending_);  // the same batch, retried: only what did not reach the file
    } else {
      if (torn_) out = "\n";  // the last batch was given up mid-line
      out += rendered_;
    }
    pending_.clear();
    pending_for_.clear();

    size_t done = 0;
    while (done < out.size()) {
      const ssize_t w = ::write(fd_, out.data() + done, out.size() - done);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        error_ = config_.path + ": write: " + std::strerror(errno);
        if (done > 0) torn_ = out[done - 1] != '\n';
        pending_ = out.substr(done);
        pending_for_ = std::move(rendered_);
        return RetryLater();
      }
      done += static_cast<size_t>(w);
    }
    if (done > 0) torn_ = false;
    return VIGIL_DELIVERED;
  }

  // Throws (reopen fails) when the path cannot be opened; the next Deliver tries again.
  void Reopen() {
    Close();
    // The rest of a half-written batch would start the new file mid-line: the retry writes the
    // whole batch there instead.
    if (!pending_.empty()) pending_ = pending_for_;
    torn_ = false;
    if (!Open()) throw std::runtime_error(error_);
  }

 private:
  bool Open() {
    fd_ = ::open(config_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, config_.mode);
    if (fd_ < 0) error_ = config_.path + ": open: " + std::strerror(errno);
    return fd_ >= 0;
  }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  vigil_delivery RetryLater() {
    vigil::sdk::SetLastError(error_);
    return VIGIL_RETRY_LATER;
  }

  const FileConfig config_;
  int fd_ = -1;
  std::string error_;
  std::string rendered_;     // this batch's lines; reused between batches
  std::string pending_;      // what a failed write left unwritten
  std::string pending_for_;  // the batch pending_ belongs to
  bool torn_ = false;        // the file ends mid-line
};

}  // namespace

VIGIL_PLUGIN(FileOutput)
