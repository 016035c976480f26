// PluginInstance: init, the host callbacks a plugin sees, and destroy.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "vigil/core/log.hpp"
#include "vigil/core/plugin_host.hpp"
#include "vigil/plugin_check.hpp"

namespace vigil::plugin_host {
namespace {

log::Level FromPluginLevel(vigil_log_level level) {
  switch (level) {
    case VIGIL_LOG_CRITICAL: return log::Level::kCritical;
    case VIGIL_LOG_ERROR: return log::Level::kError;
    case VIGIL_LOG_WARNING: return log::Level::kWarning;
    case VIGIL_LOG_INFO: return log::Level::kInfo;
    case VIGIL_LOG_DEBUG: return log::Level::kDebug;
    case VIGIL_LOG_TRACE: return log::Level::kTrace;
  }
  return log::Level::kInfo;
}

void HostLog(void* ctx, vigil_log_level level, const char* msg) {
  auto* instance = static_cast<const PluginInstance*>(ctx);
  log::Level l = FromPluginLevel(level);
  if (log::Enabled(l)) {
    log::Write(l, fmt::format("[{}] {}", instance->instance_name(), msg ? msg : ""));
  }
}

thread_local EventState* current_event_state = nullptr;

vigil_rc HostGetProcess(void*, const vigil_event_input* event, vigil_process_info* out) {
  if (event == nullptr || out == nullptr || current_event_state == nullptr) return VIGIL_NOT_FOUND;
  return current_event_state->GetProcess(*event, out);
}

vigil_rc HostSetProcessValue(void* ctx, const vigil_event_input* event, const void* data,
                             uint32_t len) {
  if (event == nullptr || (data == nullptr && len > 0) || len > VIGIL_PROCESS_VALUE_MAX) {
    return VIGIL_FAILURE;
  }
  if (current_event_state == nullptr) return VIGIL_NOT_FOUND;
  auto* instance = static_cast<const PluginInstance*>(ctx);
  return current_event_state->SetProcessValue(
      instance->slot(), *event, std::string_view(static_cast<const char*>(data), len));
}

vigil_rc HostGetProcessValue(void* ctx, const vigil_event_input* event, const void** data,
                             uint32_t* len) {
  if (event == nullptr || data == nullptr || len == nullptr) return VIGIL_FAILURE;
  if (current_event_state == nullptr) return VIGIL_NOT_FOUND;
  auto* instance = static_cast<const PluginInstance*>(ctx);
  std::string_view value;
  vigil_rc rc = current_event_state->GetProcessValue(instance->slot(), *event, &value);
  if (rc != VIGIL_OK) return rc;
  *data = value.data();
  *len = static_cast<uint32_t>(value.size());
  return VIGIL_OK;
}

vigil_rc HostHoldProcess(void*, const vigil_event_input* event, uint32_t timeout_ms) {
  if (event == nullptr || current_event_state == nullptr) return VIGIL_NOT_FOUND;
  return current_event_state->HoldProcess(*event, std::min(timeout_ms, VIGIL_HOLD_MAX_MS));
}

void HostReleaseProcess(void* ctx, int64_t pid) {
  static_cast<const PluginInstance*>(ctx)->Release(pid);
}

void HostSetCounter(void* ctx, const char* name, uint64_t value) {
  if (name == nullptr || !plugin_check::IsCounterName(name)) return;
  static_cast<PluginInstance*>(ctx)->SetCounter(name, value);
}

std::atomic<uint32_t> next_slot{0};

}  // namespace

EventStateScope::EventStateScope(EventState* state) : previous_(current_event_state) {
  current_event_state = state;
}

EventStateScope::~EventStateScope() { current_event_state = previous_; }

PluginInstance::PluginInstance(std::shared_ptr<const PluginLibrary> library,
                               std::string instance_name)
    : library_(std::move(library)),
      instance_name_(std::move(instance_name)),
      slot_(next_slot.fetch_add(1, std::memory_order_relaxed)) {
  host_.struct_size = sizeof(host_);
  host_.ctx = this;
  host_.callback_log = HostLog;
  host_.get_process = HostGetProcess;
  host_.set_process_value = HostSetProcessValue;
  host_.get_process_value = HostGetProcessValue;
  host_.hold_process = HostHoldProcess;
  host_.release_process = HostReleaseProcess;
  host_.set_counter = HostSetCounter;
}

void PluginInstance::AttachReleases(std::shared_ptr<ProcessReleases> releases) {
  std::lock_guard lock(mu_);
  releases_ = std::move(releases);
}

void PluginInstance::Release(int64_t pid) const {
  std::shared_ptr<ProcessReleases> releases;
  {
    std::lock_guard lock(mu_);
    releases = releases_;
  }
  if (releases) releases->Release(pid);
}

void PluginInstance::SetCounter(std::string_view name, uint64_t value) {
  std::lock_guard lock(mu_);
  for (auto& [n, v] : counters_) {
    if (n == name) {
      v = value;
      return;
    }
  }
  if (counters_.size() < VIGIL_COUNTERS_MAX) counters_.emplace_back(name, value);
}

std::vector<std::pair<std::string, uint64_t>> PluginInstance::Counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

StatusOr<std::unique_ptr<PluginInstance>> PluginInstance::Create(
    std::shared_ptr<const PluginLibrary> library, std::string instance_name,
    const std::string& config_json) {
  std::unique_ptr<PluginInstance> instance(
      new PluginInstance(std::move(library), std::move(instance_name)));
  vigil_init_input input{config_json.c_str(), &instance->host_};
  vigil_rc rc = VIGIL_FAILURE;
  instance->state_ = instance->api().init(&input, &rc);
  if (rc != VIGIL_OK) {
    std::string why = instance->LastError();
    // The destructor calls destroy on whatever state init left.
    return Status::Error(fmt::format("plugin '{}': init failed: {}", instance->instance_name_,
                                     why.empty() ? "(the plugin gave no reason)" : why));
  }
  return instance;
}

PluginInstance::~PluginInstance() {
  if (state_ != nullptr) api().destroy(state_);
}

std::string PluginInstance::LastError() const {
  const char* e = api().last_error(state_);
  return e ? e : "";
}

}  // namespace vigil::plugin_host
