// OutputRouter: takes alerts from the engine and hands them to outputs, one thread per output.
//
// The engine must never stall behind a slow output, so Submit never blocks: each output has its
// own bounded queue, and an alert that finds it full is dropped and counted. Each output's thread
// takes up to max_batch alerts, renders them (Falco's JSON plus the vigil_alert views) and calls
// Deliver; what comes back decides what is counted, retried or logged. Reliability lives here once
// for every output; outputs only encode and deliver.
//
//   OutputRouter router;
//   Status s = router.AddOutput(stdout_target, {.min_priority = VIGIL_PRIORITY_NOTICE});
//   router.Start();
//   router.Submit(std::make_shared<const Alert>(std::move(alert)));   // engine thread
//   router.RequestReopen();                                            // on SIGHUP
//   router.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
//
// v0 reliability: VIGIL_RETRY_LATER is retried RetryPolicy::max_retries times with a short
// backoff, then the batch counts as failed; VIGIL_REJECTED counts as rejected and is logged with
// LastError(). Exponential backoff with jitter and the on-disk spool come later, behind
// RetryPolicy and the worker's delivery step.
//
// Counting: every alert submitted to an output ends in exactly one of filtered, dropped (queue
// full) or accepted; every accepted alert ends in exactly one of delivered, failed, rejected or
// dropped (still queued, or being retried, at the Stop deadline). retried counts alerts sent again.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/core/alert.hpp"
#include "vigil/core/status.hpp"
#include "vigil/plugin_api.h"

namespace vigil::router {

// One destination, as the router sees it. The plugin adapter implements it over an output
// plugin; tests implement it directly. All methods but name() are called from that output's own
// thread only, never concurrently.
class OutputTarget {
 public:
  virtual ~OutputTarget() = default;
  // Unique among the router's outputs; used in logs and counters. Stable for the target's life.
  virtual const std::string& name() const = 0;
  // Delivers alerts[0..n) in order, all or nothing. The alerts and everything they point to are
  // valid during the call only.
  virtual vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n) = 0;
  // Why the last Deliver or Reopen failed; "" when it did not.
  virtual std::string LastError() = 0;
  // Reopens files and connections (SIGHUP, logrotate). Called between deliveries.
  virtual Status Reopen() = 0;
};

// How a batch answered VIGIL_RETRY_LATER is tried again. v0: a fixed number of retries with a
// constant backoff; the later exponential backoff with jitter extends this struct.
struct RetryPolicy {
  uint32_t max_retries = 3;  // after the first attempt
  std::chrono::milliseconds backoff{50};
};

struct OutputOptions {
  vigil_priority min_priority = VIGIL_PRIORITY_DEBUG;  // alerts less severe are filtered
  size_t queue_capacity = 10000;                       // alerts; at least 1
  uint32_t max_batch = 64;                             // alerts per Deliver call; at least 1
  RetryPolicy retry{};
};

struct RouterOptions {
  AlertJsonOptions json{};  // how vigil_alert::json is rendered, for every output
};

// A snapshot of one output's counters (alerts, not batches).
struct OutputCounters {
  uint64_t accepted = 0;   // queued for delivery
  uint64_t filtered = 0;   // below min_priority
  uint64_t delivered = 0;  // answered VIGIL_DELIVERED
  uint64_t retried = 0;    // sent again after VIGIL_RETRY_LATER (once per alert per retry)
  uint64_t failed = 0;     // still VIGIL_RETRY_LATER after the last retry
  uint64_t rejected = 0;   // answered VIGIL_REJECTED
  uint64_t dropped = 0;    // queue full at Submit, or not delivered by the Stop deadline
};

class OutputRouter {
 public:
  explicit OutputRouter(RouterOptions options = {});
  // Stops with an immediate deadline if Stop was not called.
  ~OutputRouter();
  OutputRouter(const OutputRouter&) = delete;
  OutputRouter& operator=(const OutputRouter&) = delete;

  // Before Start only. `target` must outlive the router (or its Stop). Fails on a duplicate
  // name, a zero capacity or batch size, or after Start.
  Status AddOutput(OutputTarget& target, OutputOptions options = {});

  // Starts one thread per output. Once.
  Status Start();

  // Engine thread (any thread is safe). Never blocks on an output: queues the alert for every
  // output whose min_priority admits it, dropping and counting it where the queue is full. Alerts
  // submitted before Start wait in the queues; after Stop they are counted dropped.
  void Submit(std::shared_ptr<const Alert> alert);

  // Asks every output to Reopen, from its own thread, before its next delivery (at once when
  // idle). Async-signal-unsafe: call it from the thread that handles SIGHUP, not the handler.
  void RequestReopen();

  // Stops accepting alerts, lets each output deliver what it has queued until `deadline`, counts
  // and logs as dropped what is left, and joins the threads. A Deliver call already running is
  // waited for: outputs bound their own I/O. Idempotent.
  void Stop(std::chrono::steady_clock::time_point deadline);

  // Counters of the output named `name`, or nullopt. Any thread.
  std::optional<OutputCounters> Counters(std::string_view name) const;
  // Every output's counters, in AddOutput order. Any thread.
  std::vector<std::pair<std::string, OutputCounters>> AllCounters() const;

 private:
  class Worker;
  RouterOptions options_;
  std::vector<std::unique_ptr<Worker>> workers_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace vigil::router
