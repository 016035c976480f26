// The Daemon: the life of a `vigil run` process, from a loaded config to a clean exit, as a fixed
// sequence of stages. Each stage is a member, declared in start order, so every stage is built
// after what it uses and destroyed before it:
//
//   1. plugins     every configured plugin library loaded, checked and initialised
//   2. state       the syscall state, when a source produces syscall events
//   3. rules       the field registry (core, syscall and plugin fields) and the compiled rules
//   4. outputs     each output plugin behind the OutputRouter (one delivery thread each)
//   5. parsers     the parse plugins (ParseStage)
//   6. engine      the RuleEngine: state, parsers, rules, alerts to the router, per event
//   7. sources     each source plugin opened, the syscall selection handed to it, /proc read
//   8. bus         the EventBus: a reader thread per source, the engine thread
//
// Run starts the router then the bus, serves signals (SIGINT/SIGTERM stop, SIGHUP reopens outputs
// and reloads the rules) and watches the rules files, then stops in the reverse order: the sources
// stop, the bus drains into the engine, the router drains into the outputs, all within
// engine.shutdown_timeout_ms. A new stage (a spool, metrics, a second syscall engine) is one more
// member in this list, built in Create and started and stopped in Run.
//
//   auto daemon = Daemon::Create(cfg);         // stages 1-6; nothing runs yet
//   if (!daemon.ok()) return daemon.status();
//   return (*daemon)->Run();                   // stages 7-8, the main loop, the stop
#pragma once

#include <chrono>
#include <memory>

#include "vigil/core/config.hpp"
#include "vigil/core/status.hpp"

namespace vigil::runtime {

struct RunOptions {
  // How often the main loop checks drops, signals and the rules files; tests shorten it.
  std::chrono::milliseconds tick{200};
};

class Daemon {
 public:
  // Builds stages 1-6 from `cfg` (which must outlive the daemon). Blocks SIGINT, SIGTERM and
  // SIGHUP in the calling thread first, so every thread started from here on inherits the mask.
  static StatusOr<std::unique_ptr<Daemon>> Create(const config::Config& cfg,
                                                  const RunOptions& options = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Opens the sources, runs until every source ended or a stop signal, and stops every stage.
  // Once. Ok when everything ended cleanly.
  Status Run();

 private:
  struct Stages;
  explicit Daemon(const config::Config& cfg, const RunOptions& options);

  const config::Config& cfg_;
  RunOptions options_;
  std::unique_ptr<Stages> stages_;
};

// `vigil run`: Daemon::Create, then Run.
Status RunVigil(const config::Config& cfg, const RunOptions& options = {});

}  // namespace vigil::runtime
