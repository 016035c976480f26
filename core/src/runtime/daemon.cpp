// RunVigil: the life of a vigil process, from config to a clean exit.
#include <fmt/format.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "vigil/core/event_types.hpp"
#include "vigil/core/log.hpp"
#include "vigil/core/rule_engine.hpp"
#include "vigil/core/runtime.hpp"
#include "vigil/core/syscall_state.hpp"

namespace vigil {
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
  DropWatch(OutputRouter& router, std::string hostname)
      : router_(router), hostname_(std::move(hostname)) {}

  void Check(const EventBusStats& stats) {
    seen_.resize(stats.sources.size(), 0);
    for (const SourceStats& s : stats.sources) {
      uint64_t total = s.counters.events_dropped;
      if (total == seen_[s.source_id]) continue;
      uint64_t delta = total - seen_[s.source_id];
      seen_[s.source_id] = total;
      std::string msg = fmt::format(
          "vigil internal: event drop. {} events dropped at the full queue of source {} ({} in "
          "all)",
          delta, s.name, total);
      log::warning("{}", msg);
      auto alert = std::make_shared<Alert>();
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
  OutputRouter& router_;
  std::string hostname_;
  std::vector<uint64_t> seen_;
};

std::string FormatCounters(const EventBusStats& bus, const OutputRouter& router,
                           const state::SyscallState* syscall_state, const ParseStage& parsers,
                           const std::vector<std::unique_ptr<PluginSource>>& sources) {
  std::string out;
  if (syscall_state != nullptr) {
    state::StateCounters c = syscall_state->counters();
    out += fmt::format(
        "state: threads={} processes={} fds={} evicted={} fds_evicted={} missing={} "
        "malformed={}; ",
        c.threads, c.processes, c.fds, c.evicted, c.fds_evicted, c.missing_thread, c.malformed);
  }
  for (const SourceStats& s : bus.sources) {
    const SourceCounters& c = s.counters;
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
    auto types =
        SelectSyscallEventTypes(ruleset.EventTypesFor("syscall"), state::StateEventTypes(), base_);
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

Status RunVigil(const config::Config& cfg, const RunOptions& options) {
  // Signals are taken by this thread with sigtimedwait; every thread started from here on
  // (plugins' included) inherits the mask, so no handler runs in the middle of the event path.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto resolved = ResolvePlugins(cfg);
  if (!resolved.ok()) return resolved.status();
  auto running = StartPlugins(*resolved);
  if (!running.ok()) return running.status();

  // The syscall state, when a source produces syscall events (it is filled from /proc once the
  // sources capture, below).
  auto is_syscall_source = [](const PluginLibrary& lib) {
    return lib.Has(VIGIL_CAP_SOURCE) && lib.api().event_source != nullptr &&
           std::string_view(lib.api().event_source) == "syscall";
  };
  std::unique_ptr<state::SyscallState> syscall_state;
  for (const auto& plugin : running->plugins) {
    if (is_syscall_source(plugin->library()) && !syscall_state) {
      syscall_state = std::make_unique<state::SyscallState>(state::StateOptions{});
    }
  }

  const std::string hostname = HostName(cfg);
  const RulesSetup rules_setup(*resolved, &*running, hostname, syscall_state.get());
  std::string rules_signature = RulesFilesSignature(cfg.rules_files);
  rules::Diagnostics diags;
  rules::LoadStats rules_stats;
  auto ruleset = rules_setup.Load(cfg.rules_files, diags, &rules_stats);
  LogDiagnostics(diags);
  if (!ruleset) {
    return Status::Error(fmt::format("the rules have {} error(s) (listed above)", diags.errors()));
  }
  // Adapters before the router and sources before the bus, so on every way out the router and
  // the bus (whose destructors stop their threads) go first.
  std::vector<std::unique_ptr<PluginOutput>> outputs;
  std::vector<std::unique_ptr<PluginSource>> sources;
  OutputRouter router;
  for (size_t i = 0; i < running->outputs.size(); ++i) {
    const config::OutputSpec& spec = cfg.outputs[i];
    outputs.push_back(std::make_unique<PluginOutput>(*running->outputs[i]));
    OutputOptions opts;
    opts.min_priority = spec.min_priority;
    opts.queue_capacity = spec.queue_capacity;
    if (Status s = router.AddOutput(*outputs.back(), opts); !s.ok()) return s;
  }

  std::vector<std::string> event_sources;  // per bus source id
  for (size_t i = 0; i < running->plugins.size(); ++i) {
    const PluginLibrary& lib = running->plugins[i]->library();
    if (lib.Has(VIGIL_CAP_SOURCE)) event_sources.emplace_back(lib.api().event_source);
  }
  SyscallSelection selection(cfg.base_syscalls);
  if (Status s = selection.Prepare(*ruleset); !s.ok()) return s;
  RuleEngine engine(router, hostname, event_sources);
  engine.AttachSyscallState(syscall_state.get());
  ParseStage parsers;
  for (const auto& plugin : running->plugins) {
    if (plugin->library().Has(VIGIL_CAP_PARSE)) parsers.Add(*plugin);
  }
  engine.AttachParsers(&parsers);
  engine.Install(std::move(ruleset));
  EventBusOptions bus_options;
  bus_options.queue_capacity = cfg.engine.queue_capacity;
  bus_options.on_full = cfg.engine.on_full;
  bus_options.shutdown_timeout = cfg.engine.shutdown_timeout;
  EventBus bus(engine, bus_options);
  for (size_t i = 0; i < running->plugins.size(); ++i) {
    PluginInstance& inst = *running->plugins[i];
    if (!inst.library().Has(VIGIL_CAP_SOURCE)) continue;
    auto src = PluginSource::Open(inst, resolved->plugins[i].open_params);
    if (!src.ok()) return src.status().Prefixed(resolved->plugins[i].pos.ToString());
    sources.push_back(std::move(*src));
    bus.AddSource(*sources.back());
    if (is_syscall_source(inst.library())) selection.AddSource(*sources.back());
  }
  selection.Apply();
  if (syscall_state) {
    // After the sources opened: a process that starts or ends during the scan is in the rings too,
    // and its events, applied after the scan, bring the table up to date.
    auto started = Clock::now();
    if (Status s = syscall_state->ScanProc(); !s.ok()) log::warning("{}", s.message());
    state::StateCounters c = syscall_state->counters();
    log::info(
        "state: read {} processes, {} threads, {} fds from /proc in {} ms", c.processes, c.threads,
        c.fds,
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
  }

  if (Status s = router.Start(); !s.ok()) return s;
  if (Status s = bus.Start(); !s.ok()) return s;
  std::vector<std::string> names;
  for (const auto& s : sources) names.push_back(s->name());
  std::vector<std::string> output_names;
  for (const auto& o : outputs) output_names.push_back(o->name());
  log::info(
      "vigil running: sources [{}], outputs [{}], rules: {} ({} enabled), {} macros, {} lists",
      fmt::join(names, ", "), fmt::join(output_names, ", "), rules_stats.rules,
      rules_stats.enabled_rules, rules_stats.macros, rules_stats.lists);
  if (sources.empty()) log::warning("no source plugin is configured: nothing to watch");

  DropWatch drops(router, hostname);
  auto next_stats = Clock::now() + cfg.engine.stats_interval;
  const timespec tick{options.tick.count() / 1000, (options.tick.count() % 1000) * 1000000};
  bool stopping = false;
  for (;;) {
    int sig = sigtimedwait(&signals, nullptr, &tick);
    if ((sig == SIGINT || sig == SIGTERM) && !stopping) {
      log::info("{} received: stopping sources and draining", strsignal(sig));
      bus.RequestStop();
      stopping = true;
    } else if (sig == SIGHUP) {
      log::info("SIGHUP received: reopening outputs and reloading rules");
      router.RequestReopen();
      rules_signature = RulesFilesSignature(cfg.rules_files);
      ReloadRules(cfg, rules_setup, engine, selection, "SIGHUP");
    } else if (cfg.watch_rules_files && !stopping) {
      if (std::string sig_now = RulesFilesSignature(cfg.rules_files); sig_now != rules_signature) {
        rules_signature = std::move(sig_now);
        ReloadRules(cfg, rules_setup, engine, selection, "a rules file changed");
      }
    }
    drops.Check(bus.Stats());
    if (cfg.engine.stats_interval.count() > 0 && Clock::now() >= next_stats) {
      log::info("stats: {}", FormatCounters(bus.Stats(), router, syscall_state.get(), parsers, sources));
      next_stats += cfg.engine.stats_interval;
    }
    if ((!sources.empty() || stopping) && bus.WaitUntil(Clock::now())) break;
  }

  Status ended = bus.Wait();
  drops.Check(bus.Stats());
  router.Stop(Clock::now() + cfg.engine.shutdown_timeout);
  RuleEngineCounters rc = engine.counters();
  log::info("final counters: {}; rules: events={} matches={} rule sets={}",
            FormatCounters(bus.Stats(), router, syscall_state.get(), parsers, sources), rc.events, rc.matches,
            rc.swaps);
  if (bus.abandoned_threads()) {
    // A reader is stuck inside a plugin: its source must not be destroyed under it.
    log::critical("{}; exiting without closing sources", ended.message());
    std::fflush(nullptr);
    std::_Exit(1);
  }
  return ended;
}

}  // namespace vigil
