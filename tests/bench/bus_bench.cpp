// vigil_bus_bench: throughput of the event bus, against a baseline measured in the same run.
//
//   baseline   one thread walks the same records with vigil_event_check and sums a header field:
//              what reading the events costs with no bus at all
//   bus        a source re-serving one prebuilt batch (so it costs ~nothing) -> reader thread
//              (check + copy) -> queue -> engine thread -> a no-op processor summing a header field
//   bus/drop   the same with a deliberately slow processor under on_full=drop: the counts must
//              balance exactly (read = processed + dropped)
//
// Each measurement runs several rounds and reports the median (the machine is shared and noisy).
// Usage: vigil_bus_bench [--events N] [--rounds R] [--record-bytes B] [--batch K]
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "vigil/core/event_bus.hpp"
#include "vigil/core/log.hpp"
#include "vigil/event_record.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Config {
  uint64_t events = 20'000'000;
  int rounds = 5;
  uint32_t record_bytes = 56;
  uint32_t batch_records = 1024;
};

// One batch of `count` records of exactly `bytes` bytes each (header + one param).
std::vector<uint8_t> BuildBatch(uint32_t count, uint32_t bytes) {
  const uint32_t payload = bytes - VIGIL_EVENT_HEADER_SIZE - 4;
  std::vector<uint8_t> data(uint64_t{count} * bytes);
  std::vector<uint8_t> param(payload, 'x');
  for (uint32_t i = 0; i < count; ++i) {
    vigil_event_writer writer;
    vigil_event_begin(&writer, data.data() + uint64_t{i} * bytes, bytes, VIGIL_EVENT_PLUGIN,
                      1'700'000'000'000'000'000ull + i, i, 1);
    vigil_event_add_param(&writer, param.data(), payload);
    uint32_t len = 0;
    if (vigil_event_end(&writer, &len) != VIGIL_EVENT_OK || len != bytes) std::abort();
  }
  return data;
}

// Serves the same batch `batches` times, then EOF.
class RepeatSource : public vigil::events::EventSource {
 public:
  RepeatSource(const std::vector<uint8_t>& batch, uint32_t count, uint64_t batches)
      : batch_(batch), count_(count), left_(batches) {}
  const std::string& name() const override { return name_; }
  std::string LastError() override { return ""; }
  vigil_rc NextBatch(vigil_event_batch* batch) override {
    if (left_ == 0) return VIGIL_EOF;
    --left_;
    batch->data = batch_.data();
    batch->size = batch_.size();
    batch->count = count_;
    return VIGIL_OK;
  }

 private:
  std::string name_ = "bench";
  const std::vector<uint8_t>& batch_;
  uint32_t count_;
  uint64_t left_;
};

// Touches every event so nothing is optimised away.
class SumProcessor : public vigil::events::EventProcessor {
 public:
  void Process(const vigil::events::EventRef& event) override {
    sum += vigil_event_get_header(event.record).ts_ns + event.evtnum;
  }
  uint64_t sum = 0;
};

// Spins ~`spin` iterations per event: a consumer that cannot keep up.
class SlowProcessor : public vigil::events::EventProcessor {
 public:
  explicit SlowProcessor(uint32_t spin) : spin_(spin) {}
  void Process(const vigil::events::EventRef& event) override {
    uint64_t x = vigil_event_get_header(event.record).ts_ns;
    for (uint32_t i = 0; i < spin_; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
    sum += x;
    ++count;
  }
  uint64_t sum = 0;
  uint64_t count = 0;

 private:
  uint32_t spin_;
};

volatile uint64_t g_sink;  // keeps results alive

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Events per second of the single-thread walk.
double RunBaseline(const std::vector<uint8_t>& batch, uint64_t batches) {
  const auto start = Clock::now();
  uint64_t sum = 0;
  uint64_t n = 0;
  for (uint64_t b = 0; b < batches; ++b) {
    const uint8_t* p = batch.data();
    uint64_t left = batch.size();
    uint32_t len;
    while (left > 0 && vigil_event_check(p, left, &len) == VIGIL_EVENT_OK) {
      sum += vigil_event_get_header(p).ts_ns + ++n;
      p += len;
      left -= len;
    }
  }
  const double secs = Seconds(Clock::now() - start);
  g_sink = sum;
  return static_cast<double>(n) / secs;
}

struct BusRun {
  double events_per_sec;
  vigil::events::SourceCounters counters;
};

BusRun RunBus(vigil::events::EventProcessor& processor, const std::vector<uint8_t>& batch,
              uint32_t count, uint64_t batches, vigil::events::EventBusOptions options) {
  RepeatSource source(batch, count, batches);
  vigil::events::EventBus bus(processor, options);
  bus.AddSource(source);
  const auto start = Clock::now();
  if (!bus.Start().ok()) std::abort();
  const vigil::Status end = bus.Wait();
  const double secs = Seconds(Clock::now() - start);
  if (!end.ok()) {
    std::fprintf(stderr, "bus failed: %s\n", end.message().c_str());
    std::exit(1);
  }
  const vigil::events::SourceCounters c = bus.Counters(0);
  return {static_cast<double>(c.events_read) / secs, c};
}

bool ParseArgs(int argc, char** argv, Config* config) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const uint64_t value = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--events") {
      config->events = value;
    } else if (flag == "--rounds") {
      config->rounds = static_cast<int>(std::max<uint64_t>(value, 1));
    } else if (flag == "--record-bytes") {
      config->record_bytes = static_cast<uint32_t>(std::max<uint64_t>(value, 40));
    } else if (flag == "--batch") {
      config->batch_records = static_cast<uint32_t>(std::max<uint64_t>(value, 1));
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!ParseArgs(argc, argv, &config)) {
    std::fprintf(stderr, "usage: %s [--events N] [--rounds R] [--record-bytes B] [--batch K]\n",
                 argv[0]);
    return 2;
  }
  vigil::log::SetLevel(vigil::log::Level::kWarning);  // no "end of stream" line per round

  const std::vector<uint8_t> batch = BuildBatch(config.batch_records, config.record_bytes);
  const uint64_t batches = std::max<uint64_t>(config.events / config.batch_records, 1);
  const uint64_t events = batches * config.batch_records;

  std::vector<double> baseline, block, drop;
  for (int r = 0; r < config.rounds; ++r) {
    baseline.push_back(RunBaseline(batch, batches));
    SumProcessor sum;
    const BusRun run = RunBus(sum, batch, config.batch_records, batches,
                              {.on_full = vigil::events::OnFull::kBlock});
    g_sink = sum.sum;
    if (run.counters.events_processed != events) {
      std::fprintf(stderr, "lost events under block: %llu of %llu\n",
                   static_cast<unsigned long long>(run.counters.events_processed),
                   static_cast<unsigned long long>(events));
      return 1;
    }
    block.push_back(run.events_per_sec);
    SumProcessor sum_drop;
    drop.push_back(RunBus(sum_drop, batch, config.batch_records, batches,
                          {.on_full = vigil::events::OnFull::kDrop})
                       .events_per_sec);
    g_sink = sum_drop.sum;
  }

  const double base = Median(baseline);
  std::printf("event bus: %llu events of %u bytes, batches of %u, median of %d rounds\n",
              static_cast<unsigned long long>(events), config.record_bytes, config.batch_records,
              config.rounds);
  std::printf("%-34s %14s %10s %10s\n", "run", "events/s", "ns/event", "vs base");
  const auto row = [&](const char* name, double eps) {
    std::printf("%-34s %14.0f %10.2f %9.2fx\n", name, eps, 1e9 / eps, eps / base);
  };
  row("baseline (1 thread, check only)", base);
  row("bus, block, no-op processor", Median(block));
  row("bus, drop, no-op processor", Median(drop));

  // A consumer far slower than the source, under drop: counts must balance exactly.
  SlowProcessor slow(200);
  const uint64_t slow_batches = std::max<uint64_t>(batches / 10, 1);
  const BusRun slow_run =
      RunBus(slow, batch, config.batch_records, slow_batches,
             {.queue_capacity = 65536, .on_full = vigil::events::OnFull::kDrop});
  g_sink = slow.sum;
  const vigil::events::SourceCounters& c = slow_run.counters;
  const bool balanced = c.events_read == c.events_processed + c.events_dropped &&
                        c.events_processed == slow.count &&
                        c.events_read == slow_batches * config.batch_records;
  std::printf("\nslow consumer, drop: read %llu = processed %llu + dropped %llu  [%s]\n",
              static_cast<unsigned long long>(c.events_read),
              static_cast<unsigned long long>(c.events_processed),
              static_cast<unsigned long long>(c.events_dropped), balanced ? "exact" : "MISMATCH");
  return balanced ? 0 : 1;
}
