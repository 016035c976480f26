// The rule engine step of the event bus: every event runs through the current rule set, every
// matching rule becomes an alert for the router. A new rule set (a reload) is handed over from
// another thread and swapped in between two events, so no event is skipped or seen twice.
//
//   RuleEngine engine(router, hostname, {"syscall", "k8s_audit"});   // event source per bus id
//   engine.AttachSyscallState(&state);                               // before bus.Start
//   engine.Install(std::move(ruleset));                              // before bus.Start, or any
//   time EventBus bus(engine, options);
//
// Per event, in this order: the syscall state (when attached, events of source "syscall":
// SyscallState::Before, seen by the rules through EventContext::syscall), the parsers (when
// attached: ParseStage), the rules, then the state's removals (After). State and parsers run
// whether or not a rule set is loaded or any rule uses the event type. With an EventHold attached,
// the events of a process a parser held (hold_process) go to the hold instead of the rules and
// are evaluated, in their order, when it is released or times out (EventHold).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vigil/core/event_bus.hpp"
#include "vigil/core/event_hold.hpp"
#include "vigil/core/output_router.hpp"
#include "vigil/core/parse_stage.hpp"
#include "vigil/core/plugin_host.hpp"
#include "vigil/core/rules.hpp"

namespace vigil::state {
class SyscallState;
struct Process;
}

namespace vigil::runtime {

struct RuleEngineCounters {
  uint64_t events = 0;   // events evaluated
  uint64_t matches = 0;  // rules that matched (alerts submitted)
  uint64_t swaps = 0;    // rule sets installed
};

class RuleEngine final : public events::EventProcessor {
 public:
  // `source_names[id]`: the event source (e.g. "syscall") of the bus source with that id.
  RuleEngine(router::OutputRouter& router, std::string hostname,
             std::vector<std::string> source_names);

  // Hands over a compiled rule set; the engine thread starts using it at its next event (or idle
  // tick). Safe from any thread.
  void Install(std::unique_ptr<rules::Ruleset> ruleset);

  // The state the events of source "syscall" keep (null: none). Call before the bus starts; the
  // state must outlive the engine thread's use of it.
  void AttachSyscallState(state::SyscallState* state) { state_ = state; }
  // The parse plugins every event passes before the rules (null or empty: none). Same rules.
  void AttachParsers(ParseStage* parsers) {
    parsers_ = parsers != nullptr && !parsers->empty() ? parsers : nullptr;
  }

  // Where hold_process keeps events (null: plugins cannot hold). Same rules as the state.
  void AttachHold(EventHold* hold);

  void Process(const events::EventRef& event) override;
  void OnIdle() override;
  std::chrono::steady_clock::time_point NextTimer() const override;
  void OnStop() override;
  void AttachWaker(std::function<void()> wake) override;

  // Approximate while running, exact once the bus has stopped.
  RuleEngineCounters counters() const;

 private:
  using Clock = std::chrono::steady_clock;
  void SwapIfPending();
  // The rules on one event (now, or a held one at its release); its alerts to the router.
  void Evaluate(const fields::EventContext& event);

  // get_process for the plugins the engine calls: the thread of the event being processed.
  class SyscallEventState final : public plugin_host::EventState {
   public:
    const fields::EventContext* event = nullptr;
    EventHold* hold = nullptr;
    bool parsing = false;  // inside the parsers (hold_process is for them only)
    vigil_rc GetProcess(const vigil_event_input& input, vigil_process_info* out) override;
    vigil_rc SetProcessValue(uint32_t slot, const vigil_event_input& input,
                             std::string_view value) override;
    vigil_rc GetProcessValue(uint32_t slot, const vigil_event_input& input,
                             std::string_view* value) override;
    vigil_rc HoldProcess(const vigil_event_input& input, uint32_t timeout_ms) override;

   private:
    // The process of `input` when it is the event being processed and the state knows it.
    state::Process* ProcessOf(const vigil_event_input& input) const;
    std::vector<const char*> cgroups_, args_;
  };
  SyscallEventState event_state_;

  router::OutputRouter& router_;
  std::string hostname_;
  std::vector<std::string> source_names_;
  std::vector<bool> is_syscall_;          // bus source id -> its events are syscall events
  state::SyscallState* state_ = nullptr;  // engine thread only
  ParseStage* parsers_ = nullptr;         // engine thread only
  EventHold* hold_ = nullptr;             // engine thread only
  EventHold::Run run_held_;               // Evaluate for a held event, made once
  std::function<void()> waker_;

  std::unique_ptr<rules::Ruleset> ruleset_;  // engine thread only
  std::vector<uint32_t> source_index_;       // bus source id -> ruleset source index
  std::vector<size_t> matches_;

  std::mutex pending_mu_;
  std::unique_ptr<rules::Ruleset> pending_;
  std::atomic<bool> has_pending_{false};

  std::atomic<uint64_t> events_{0}, matches_count_{0}, swaps_{0};
};

}  // namespace vigil::runtime
