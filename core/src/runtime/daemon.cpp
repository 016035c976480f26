// Daemon: the life of a vigil process, from config to a clean exit (daemon.hpp lists the stages).
#include "vigil/core/daemon.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "vigil/core/event_type_names.hpp"
#include "vigil/core/log.hpp"
#include "vigil/core/rule_engine.hpp"
#include "vigil/core/runtime.hpp"
#include "vigil/core/sources.hpp"
#include "vigil/core/syscall_state.hpp"

namespace vigil::runtime {
namespace {
using Clock = std::chrono::steady_clock;

uint64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string HostName(const config::Config& cfg) {
  if (!cfg.hostname.empty()) return cfg.hostname;
  char buf[256] = {};
  return ::gethostname(buf, sizeof buf - 1) == 0 ? buf : "unknown";
}

// Turns queue drops into an alert, as Falco's syscall_event_drops does: losing events is itself
// something the operator must hear about, through the same outputs as any other alert.
class DropWatch {
 public:
  DropWatch(router::OutputRouter& router, std::string hostname)
      : router_(router), hostname_(std::move(hostname)) {}

  void Check(const events::EventBusStats& stats) {
    seen_.resize(stats.sources.size(), 0);
    for (const events::SourceStats& s : stats.sources) {
      uint64_t total = s.counters.events_dropped;
      if (total == seen_[s.source_id]) continue;
      uint64_t delta = total - seen_[s.source_id];
      seen_[s.source_id] = total;
      std::string msg = fmt::format(
          "vigil internal: event drop. {} events dropped at the full queue of source {} ({} in "
          "all)",
          delta, s.name, total);
      log::warning("{}", msg);
      auto alert = std::make_shared<router::Alert>();
      alert->time_ns = NowNs();
      alert->priority = VIGIL_PRIORITY_CRITICAL;
      alert->rule = "vigil internal: event drop";
      alert->source = "internal";
      alert->hostname = hostname_;
      alert->output = std::move(msg);
      alert->output_fields = {
          {"source.name", s.name}, {"n_drops", delta}, {"n_drops_total", total}};
      alert->tags = {"vigil_internal"};
      router_.Submit(std::move(alert));
    }
  }

 private:
  router::OutputRouter& router_;
  std::string hostname_;
  std::vector<uint64_t> seen_;
};

std::string FormatCounters(const events::EventBusStats& bus, const router::OutputRouter& router,
                           const state::SyscallState* syscall_state, const ParseStage& parsers,
                           const EventHold& hold, const RunningPlugins& plugins,
                           const std::vector<std::unique_ptr<PluginSource>>& sources) {
  std::string out;
  if (syscall_state != nullptr) {
    state::StateCounters c = syscall_state->counters();
    out += fmt::format(
        "state: threads={} processes={} fds={} evicted={} fds_evicted={} missing={} "
        "malformed={}; ",
        c.threads, c.processes, c.fds, c.evicted, c.fds_evicted, c.missing_thread, c.malformed);
  }
  for (const events::SourceStats& s : bus.sources) {
    const events::SourceCounters& c = s.counters;
    out += fmt::format("source {}: read={} queued={} dropped={} invalid={} processed={}", s.name,
                       c.events_read, c.events_queued, c.events_dropped, c.invalid_records,
                       c.events_processed);
    // Bus source ids are the order the sources were added: the order of `sources`.
    if (s.source_id < sources.size()) {
      if (auto p = sources[s.source_id]->Progress()) {
        out += fmt::format(" progress={}.{:02}% ({})", p->pct_x100 / 100, p->pct_x100 % 100,
                           p->text);
      }
    }
    out += "; ";
  }
  for (const ParserCounters& c : parsers.counters()) {
    out += fmt::format("parser {}: parsed={} failed={}; ", c.name, c.parsed, c.failed);
  }
  if (HoldCounters h = hold.counters(); h.holds > 0) {
    auto ms = [](uint64_t us) { return fmt::format("{}.{:03}", us / 1000, us % 1000); };
    out += fmt::format(
        "hold: processes={} events={} released={} timed_out={} overflowed={} stopped={} "
        "waiting={} wait_ms_p50={} p99={} max={}; ",
        h.holds, h.events, h.released, h.timed_out, h.overflowed, h.stopped, h.waiting,
        ms(h.wait_p50_us), ms(h.wait_p99_us), ms(h.wait_max_us));
  }
  for (const auto* instances : {&plugins.plugins, &plugins.outputs}) {
    for (const auto& plugin : *instances) {
      auto counters = plugin->Counters();
      if (counters.empty()) continue;
      out += fmt::format("plugin {}:", plugin->instance_name());
      for (const auto& [name, value] : counters) out += fmt::format(" {}={}", name, value);
      out += "; ";
    }
  }
  for (const auto& [name, c] : router.AllCounters()) {
    out += fmt::format("output {}: accepted={} delivered={} failed={} rejected={} dropped={}; ",
                       name, c.accepted, c.delivered, c.failed, c.rejected, c.dropped);
  }
  if (out.size() >= 2) out.resize(out.size() - 2);
  return out.empty() ? "nothing configured" : out;
}

// What the rules files look like on disk (names, sizes, times, inodes), to notice a change without
// reading them. Directories contribute their rules files.
std::string RulesFilesSignature(const std::vector<std::string>& paths) {
  namespace fs = std::filesystem;
  std::string sig;
  auto add = [&](const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) {
      sig += fmt::format("{}:missing;", p.string());
      return;
    }
    sig += fmt::format("{}:{}:{}:{}.{};", p.string(), st.st_ino, st.st_size, st.st_mtim.tv_sec,
                       st.st_mtim.tv_nsec);
  };
  for (const std::string& path : paths) {
    std::error_code ec;
    add(path);
    if (!fs::is_directory(path, ec)) continue;
    for (const auto& entry : fs::directory_iterator(path, ec)) {
      auto ext = entry.path().extension();
      if (ext == ".yaml" || ext == ".yml") add(entry.path());
    }
  }
  return sig;
}

// What the syscall sources must capture for `ruleset`: its event types plus the state's, as
// base_syscalls adjusts them; handed to each source on its reader thread (set_event_types).
class SyscallSelection {
 public:
  explicit SyscallSelection(const config::BaseSyscalls& base) : base_(base) {}
  void AddSource(PluginSource& source) { sources_.push_back(&source); }

  // Works the set out (an error only for a bad base_syscalls name).
  Status Prepare(const rules::Ruleset& ruleset) {
    auto types = SelectSyscallEventTypes(ruleset.EventTypesFor(std::string(kSyscallSource)),
                                         state::StateEventTypes(), base_);
    if (!types.ok()) return types.status();
    next_ = std::move(*types);
    return Status::Ok();
  }
  // Hands the prepared set to the sources when it differs from what they have.
  void Apply() {
    if (sources_.empty() || next_ == current_) return;
    std::vector<std::string> names;
    for (uint16_t t : next_) names.emplace_back(EventTypeName(t));
    log::info("syscall sources capture {} event types: {}", next_.size(), fmt::join(names, " "));
    for (PluginSource* s : sources_) s->RequestEventTypes(next_);
    current_ = next_;
  }

 private:
  const config::BaseSyscalls& base_;
  std::vector<PluginSource*> sources_;
  std::vector<uint16_t> next_, current_;
};

// Compiles the config's rules beside the running ones and hands them to the engine; a broken file
// leaves the running rules in place.
void ReloadRules(const config::Config& cfg, const RulesSetup& setup, RuleEngine& engine,
                 SyscallSelection& selection, const char* why) {
  rules::Diagnostics diags;
  rules::LoadStats stats;
  auto ruleset = setup.Load(cfg.rules_files, diags, &stats);
  LogDiagnostics(diags);
  if (!ruleset) {
    log::error("rules reload ({}) failed with {} error(s): the running rules stay in place", why,
               diags.errors());
    return;
  }
  if (Status s = selection.Prepare(*ruleset); !s.ok()) {
    log::error("rules reload ({}): {}", why, s.message());
    return;
  }
  // Sources widen their capture before the new rules run; events the old rules needed and the
  // new ones do not are merely ignored until the sources narrow it.
  selection.Apply();
  engine.Install(std::move(ruleset));
  log::info("rules reloaded ({}): {} rules ({} enabled), {} macros, {} lists", why, stats.rules,
            stats.enabled_rules, stats.macros, stats.lists);
}

}  // namespace

// The stages, in start order (see daemon.hpp); members are destroyed in reverse, so each stage
// goes before what it uses.
struct Daemon::Stages {
  // 1. plugins
  ResolvedPlugins resolved;
  RunningPlugins running;
  // 2. state
  std::unique_ptr<state::SyscallState> syscall_state;
  // 3. rules
  std::string hostname;
  std::unique_ptr<RulesSetup> rules_setup;
  std::string rules_signature;
  rules::LoadStats rules_stats;
  // 4. outputs
  std::vector<std::unique_ptr<PluginOutput>> outputs;
  std::unique_ptr<router::OutputRouter> router;
  // 5. parsers
  ParseStage parsers;
  // 6. engine
  std::unique_ptr<EventHold> hold;
  std::unique_ptr<RuleEngine> engine;
  std::unique_ptr<SyscallSelection> selection;
  // 7. sources
  std::vector<std::unique_ptr<PluginSource>> sources;
  // 8. bus
  std::unique_ptr<events::EventBus> bus;
};

namespace {

bool IsSyscallSource(const plugin_host::PluginLibrary& lib) {
  return lib.Has(VIGIL_CAP_SOURCE) && std::string_view(lib.api().event_source) == kSyscallSource;
}

sigset_t StopSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  return signals;
}

}  // namespace

Daemon::Daemon(const config::Config& cfg, const RunOptions& options)
    : cfg_(cfg), options_(options), stages_(std::make_unique<Stages>()) {}

Daemon::~Daemon() = default;

StatusOr<std::unique_ptr<Daemon>> Daemon::Create(const config::Config& cfg,
                                                 const RunOptions& options) {
  // Signals are taken by the main loop with sigtimedwait; every thread started from here on
  // (plugins' included) inherits the mask, so no handler runs in the middle of the event path.
  const sigset_t signals = StopSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  std::unique_ptr<Daemon> daemon(new Daemon(cfg, options));
  Stages& s = *daemon->stages_;

  // 1. plugins
  s.resolved = ResolvePlugins(cfg);
  if (Status st = s.resolved.status(); !st.ok()) return st;
  auto running = StartPlugins(s.resolved);
  if (!running.ok()) return running.status();
  s.running = std::move(*running);

  // 2. state: filled from /proc once the sources capture (stage 7).
  for (const auto& plugin : s.running.plugins) {
    if (IsSyscallSource(plugin->library()) && !s.syscall_state) {
      s.syscall_state = std::make_unique<state::SyscallState>(cfg.state);
    }
  }

  // 3. rules
  s.hostname = HostName(cfg);
  s.rules_setup = std::make_unique<RulesSetup>(s.resolved, &s.running, s.hostname,
                                               s.syscall_state.get(), cfg.append_output);
  s.rules_signature = RulesFilesSignature(cfg.rules_files);
  rules::Diagnostics diags;
  auto ruleset = s.rules_setup->Load(cfg.rules_files, diags, &s.rules_stats);
  LogDiagnostics(diags);
  if (!ruleset) {
    return Status::Error(fmt::format("the rules have {} error(s) (listed above)", diags.errors()));
  }

  // 4. outputs
  s.router = std::make_unique<router::OutputRouter>(router::RouterOptions{cfg.alert_json});
  for (size_t i = 0; i < s.running.outputs.size(); ++i) {
    s.outputs.push_back(std::make_unique<PluginOutput>(*s.running.outputs[i]));
    if (Status st = s.router->AddOutput(*s.outputs.back(), cfg.outputs[i].options); !st.ok()) {
      return st;
    }
  }

  // 5. parsers
  for (const auto& plugin : s.running.plugins) {
    if (plugin->library().Has(VIGIL_CAP_PARSE)) s.parsers.Add(*plugin);
  }

  // 6. engine: the event source of each bus source id, in the order stage 7 adds them.
  std::vector<std::string> event_sources;
  for (const auto& plugin : s.running.plugins) {
    if (plugin->library().Has(VIGIL_CAP_SOURCE)) {
      event_sources.emplace_back(plugin->library().api().event_source);
    }
  }
  s.selection = std::make_unique<SyscallSelection>(cfg.base_syscalls);
  if (Status st = s.selection->Prepare(*ruleset); !st.ok()) return st;
  s.engine = std::make_unique<RuleEngine>(*s.router, s.hostname, std::move(event_sources));
  s.engine->AttachSyscallState(s.syscall_state.get());
  s.engine->AttachParsers(&s.parsers);
  s.hold = std::make_unique<EventHold>(cfg.engine.hold_max_events);
  s.engine->AttachHold(s.hold.get());
  for (const auto& plugin : s.running.plugins) plugin->AttachReleases(s.hold->releases());
  s.engine->Install(std::move(ruleset));
  return daemon;
}

Status Daemon::Run() {
  Stages& s = *stages_;
  const config::Config& cfg = cfg_;

  // 7. sources, and 8. the bus they feed
  events::EventBusOptions bus_options;
  bus_options.queue_capacity = cfg.engine.queue_capacity;
  bus_options.on_full = cfg.engine.on_full;
  bus_options.shutdown_timeout = cfg.engine.shutdown_timeout;
  s.bus = std::make_unique<events::EventBus>(*s.engine, bus_options);
  for (size_t i = 0; i < s.running.plugins.size(); ++i) {
    plugin_host::PluginInstance& inst = *s.running.plugins[i];
    if (!inst.library().Has(VIGIL_CAP_SOURCE)) continue;
    auto src = PluginSource::Open(inst, s.resolved.plugins[i].open_params);
    if (!src.ok()) return src.status().Prefixed(s.resolved.plugins[i].pos.ToString());
    s.sources.push_back(std::move(*src));
    s.bus->AddSource(*s.sources.back());
    if (IsSyscallSource(inst.library())) s.selection->AddSource(*s.sources.back());
  }
  s.selection->Apply();
  if (s.syscall_state) {
    // After the sources opened: a process that starts or ends during the scan is in the rings too,
    // and its events, applied after the scan, bring the table up to date.
    auto started = Clock::now();
    if (Status st = s.syscall_state->ScanProc(); !st.ok()) log::warning("{}", st.message());
    state::StateCounters c = s.syscall_state->counters();
    log::info(
        "state: read {} processes, {} threads, {} fds from /proc in {} ms", c.processes, c.threads,
        c.fds,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  }

  // Start: the router first, so the engine's first alert has somewhere to go.
  if (Status st = s.router->Start(); !st.ok()) return st;
  if (Status st = s.bus->Start(); !st.ok()) return st;
  std::vector<std::string> names;
  for (const auto& src : s.sources) names.push_back(src->name());
  std::vector<std::string> output_names;
  for (const auto& o : s.outputs) output_names.push_back(o->name());
  log::info(
      "vigil running: sources [{}], outputs [{}], rules: {} ({} enabled), {} macros, {} lists",
      fmt::join(names, ", "), fmt::join(output_names, ", "), s.rules_stats.rules,
      s.rules_stats.enabled_rules, s.rules_stats.macros, s.rules_stats.lists);
  if (s.sources.empty()) log::warning("no source plugin is configured: nothing to watch");

  auto counters = [&] {
    return FormatCounters(s.bus->Stats(), *s.router, s.syscall_state.get(), s.parsers, *s.hold,
                          s.running, s.sources);
  };
  const sigset_t signals = StopSignals();
  DropWatch drops(*s.router, s.hostname);
  auto next_stats = Clock::now() + cfg.engine.stats_interval;
  const timespec tick{options_.tick.count() / 1000, (options_.tick.count() % 1000) * 1000000};
  bool stopping = false;
  for (;;) {
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if ((sig == SIGINT || sig == SIGTERM) && !stopping) {
      log::info("{} received: stopping sources and draining", strsignal(sig));
      s.bus->RequestStop();
      stopping = true;
    } else if (sig == SIGHUP) {
      log::info("SIGHUP received: reopening outputs and reloading rules");
      s.router->RequestReopen();
      s.rules_signature = RulesFilesSignature(cfg.rules_files);
      ReloadRules(cfg, *s.rules_setup, *s.engine, *s.selection, "SIGHUP");
    } else if (cfg.watch_rules_files && !stopping) {
      if (std::string now = RulesFilesSignature(cfg.rules_files); now != s.rules_signature) {
        s.rules_signature = std::move(now);
        ReloadRules(cfg, *s.rules_setup, *s.engine, *s.selection, "a rules file changed");
      }
    }
    drops.Check(s.bus->Stats());
    if (cfg.engine.stats_interval.count() > 0 && Clock::now() >= next_stats) {
      log::info("stats: {}", counters());
      next_stats += cfg.engine.stats_interval;
    }
    if ((!s.sources.empty() || stopping) && s.bus->WaitUntil(Clock::now())) break;
  }

  // Stop, in reverse: the bus (sources, then the engine drains), then the router (outputs drain).
  Status ended = s.bus->Wait();
  drops.Check(s.bus->Stats());
  s.router->Stop(Clock::now() + cfg.engine.shutdown_timeout);
  RuleEngineCounters rc = s.engine->counters();
  log::info("final counters: {}; rules: events={} matches={} rule sets={}", counters(), rc.events,
            rc.matches, rc.swaps);
  if (s.bus->abandoned_threads()) {
    // A reader is stuck inside a plugin: its source must not be destroyed under it.
    log::critical("{}; exiting without closing sources", ended.message());
    std::fflush(nullptr);
    std::_Exit(1);
  }
  return ended;
}

Status RunVigil(const config::Config& cfg, const RunOptions& options) {
  auto daemon = Daemon::Create(cfg, options);
  if (!daemon.ok()) return daemon.status();
  return (*daemon)->Run();
}

}  // namespace vigil::runtime
