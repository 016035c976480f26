#include "vigil/core/rule_engine.hpp"

#include <cstring>

#include "vigil/core/sources.hpp"
#include "vigil/core/syscall_state.hpp"
#include "vigil/event_record.h"
#include "vigil/sdk.hpp"

namespace vigil::runtime {

RuleEngine::RuleEngine(router::OutputRouter& router, std::string hostname,
                       std::vector<std::string> source_names)
    : router_(router), hostname_(std::move(hostname)), source_names_(std::move(source_names)) {
  for (const std::string& name : source_names_) is_syscall_.push_back(name == kSyscallSource);
  run_held_ = [this](const fields::EventContext& held) {
    // Extractors read the held event's process (its copy) through the host callbacks.
    event_state_.event = &held;
    plugin_host::EventStateScope scope(&event_state_);
    Evaluate(held);
  };
}

void RuleEngine::AttachHold(EventHold* hold) {
  hold_ = hold;
  event_state_.hold = hold;
  if (hold_ != nullptr && waker_) hold_->SetWaker(waker_);
}

void RuleEngine::AttachWaker(std::function<void()> wake) {
  waker_ = std::move(wake);
  if (hold_ != nullptr) hold_->SetWaker(waker_);
}

void RuleEngine::Install(std::unique_ptr<rules::Ruleset> ruleset) {
  std::lock_guard lock(pending_mu_);
  pending_ = std::move(ruleset);
  has_pending_.store(true, std::memory_order_release);
}

void RuleEngine::SwapIfPending() {
  if (!has_pending_.load(std::memory_order_acquire)) return;
  std::unique_ptr<rules::Ruleset> next;
  {
    std::lock_guard lock(pending_mu_);
    next = std::move(pending_);
    has_pending_.store(false, std::memory_order_relaxed);
  }
  if (!next) return;
  ruleset_ = std::move(next);  // the old set dies here, on the thread that used it
  const auto& names = ruleset_->sources();
  source_index_.assign(source_names_.size(), UINT32_MAX);
  for (size_t id = 0; id < source_names_.size(); ++id) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == source_names_[id]) source_index_[id] = static_cast<uint32_t>(i);
    }
  }
  swaps_.fetch_add(1, std::memory_order_relaxed);
}

void RuleEngine::Process(const events::EventRef& event) {
  SwapIfPending();
  if (hold_ != nullptr && hold_->Pending()) hold_->RunDue(Clock::now(), run_held_);
  events_.fetch_add(1, std::memory_order_relaxed);
  if (event.source_id >= source_names_.size()) return;
  const bool keeps_state = state_ != nullptr && is_syscall_[event.source_id];
  const bool has_rules = ruleset_ && event.source_id < source_index_.size();
  if (!keeps_state && !has_rules && parsers_ == nullptr) return;
  vigil_event_header h;
  std::memcpy(&h, event.record, sizeof h);  // the bus checked the record; copy for alignment
  fields::EventContext ctx;
  ctx.record = event.record;
  ctx.len = event.len;
  ctx.evtnum = event.evtnum;
  ctx.ts_ns = h.ts_ns;
  ctx.type = h.type;
  ctx.source_name = &source_names_[event.source_id];
  // State first (so rules see the thread, the fd and resolved paths), removals after the rules.
  if (keeps_state) ctx.syscall = &state_->Before(ctx);
  // What parsers and extractors read through get_process, for this event.
  event_state_.event = &ctx;
  plugin_host::EventStateScope scope(&event_state_);
  if (parsers_ != nullptr) {
    event_state_.parsing = true;
    parsers_->Parse(ctx);
    event_state_.parsing = false;
  }
  if (hold_ != nullptr && ctx.syscall != nullptr && ctx.syscall->thread != nullptr &&
      hold_->IsHeld(ctx.syscall->thread->pid)) {
    hold_->Add(ctx.syscall->thread->pid, ctx, Clock::now());  // its rules run at the release
  } else if (has_rules) {
    Evaluate(ctx);
  }
  if (keeps_state) state_->After();
}

void RuleEngine::Evaluate(const fields::EventContext& event) {
  vigil_event_header h;
  std::memcpy(&h, event.record, sizeof h);
  if (!ruleset_ || h.source_id >= source_index_.size()) return;
  fields::EventContext ctx = event;
  ctx.source_index = source_index_[h.source_id];
  ruleset_->Evaluate(ctx, &matches_);
  for (size_t m : matches_) {
    router_.Submit(std::make_shared<const router::Alert>(ruleset_->MakeAlert(m, ctx, hostname_)));
  }
  if (!matches_.empty()) matches_count_.fetch_add(matches_.size(), std::memory_order_relaxed);
}

void RuleEngine::OnIdle() {
  SwapIfPending();
  if (hold_ != nullptr && hold_->Pending()) hold_->RunDue(Clock::now(), run_held_);
}

std::chrono::steady_clock::time_point RuleEngine::NextTimer() const {
  return hold_ != nullptr ? hold_->NextDeadline() : Clock::time_point::max();
}

void RuleEngine::OnStop() {
  SwapIfPending();
  if (hold_ != nullptr) hold_->RunAll(Clock::now(), run_held_);
}

state::Process* RuleEngine::SyscallEventState::ProcessOf(const vigil_event_input& input) const {
  if (event == nullptr || input.evtnum != event->evtnum || event->syscall == nullptr ||
      event->syscall->thread == nullptr) {
    return nullptr;
  }
  return event->syscall->thread->process.get();
}

vigil_rc RuleEngine::SyscallEventState::SetProcessValue(uint32_t slot,
                                                        const vigil_event_input& input,
                                                        std::string_view value) {
  state::Process* p = ProcessOf(input);
  if (p == nullptr) return VIGIL_NOT_FOUND;
  if (p->plugin_values.size() <= slot) p->plugin_values.resize(slot + 1);
  p->plugin_values[slot] = std::string(value);
  return VIGIL_OK;
}

vigil_rc RuleEngine::SyscallEventState::GetProcessValue(uint32_t slot,
                                                        const vigil_event_input& input,
                                                        std::string_view* value) {
  state::Process* p = ProcessOf(input);
  if (p == nullptr || p->plugin_values.size() <= slot || !p->plugin_values[slot]) {
    return VIGIL_NOT_FOUND;
  }
  *value = *p->plugin_values[slot];
  return VIGIL_OK;
}

vigil_rc RuleEngine::SyscallEventState::HoldProcess(const vigil_event_input& input,
                                                    uint32_t timeout_ms) {
  // Only while the event is parsed, and only with a thread.
  if (hold == nullptr || !parsing || ProcessOf(input) == nullptr ||
      event->syscall->thread->pid < 0) {
    return VIGIL_NOT_FOUND;
  }
  if (timeout_ms == 0) return VIGIL_OK;
  hold->Hold(event->syscall->thread->pid, Clock::now() + std::chrono::milliseconds(timeout_ms));
  return VIGIL_OK;
}

vigil_rc RuleEngine::SyscallEventState::GetProcess(const vigil_event_input& input,
                                                   vigil_process_info* out) {
  // Only the event being processed, and only when the state knows its thread.
  if (event == nullptr || input.evtnum != event->evtnum || event->syscall == nullptr ||
      event->syscall->thread == nullptr) {
    return VIGIL_NOT_FOUND;
  }
  const state::ThreadInfo& t = *event->syscall->thread;
  vigil_process_info info{};
  info.struct_size = sizeof info;
  info.tid = t.tid;
  info.pid = t.pid;
  info.ptid = t.ptid;
  info.vtid = t.vtid;
  info.vpid = t.vpid;
  info.uid = t.uid;
  info.gid = t.gid;
  info.comm = t.comm.c_str();
  info.exepath = "";
  cgroups_.clear();
  args_.clear();
  if (t.process) {
    const state::Process& p = *t.process;
    info.start_ts_ns = p.start_ts;
    info.pidns_ino = p.pidns_ino;
    info.mntns_ino = p.mntns_ino;
    info.exepath = p.exepath.c_str();
    for (const std::string& c : p.cgroups) cgroups_.push_back(c.c_str());
    for (const std::string& a : p.args) args_.push_back(a.c_str());
  }
  info.cgroups = cgroups_.data();
  info.ncgroups = static_cast<uint32_t>(cgroups_.size());
  info.args = args_.data();
  info.nargs = static_cast<uint32_t>(args_.size());
  return sdk::CopyProcessInfo(info, out);
}

RuleEngineCounters RuleEngine::counters() const {
  return {events_.load(std::memory_order_relaxed), matches_count_.load(std::memory_order_relaxed),
          swaps_.load(std::memory_order_relaxed)};
}

}  // namespace vigil::runtime
