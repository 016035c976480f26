#include "vigil/core/event_bus.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

#include "vigil/event_record.h"

namespace vigil::events {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

// Generous: the machine is shared and loaded; these bound hangs, they do not measure anything.
constexpr auto kPatience = seconds(60);

// Waits for something another thread will make true (a reader that blocks, a counter that settles).
bool Eventually(const std::function<bool()>& condition) {
  const auto give_up = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

// A one-shot gate a thread can wait at until the test opens it.
class Gate {
 public:
  void Open() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    cv_.notify_all();
  }
  void Pass() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Record payload: which test source wrote it and its sequence number within that source.
struct Payload {
  uint32_t tag;
  uint32_t seq;
};

// Appends one record: the header (source_id deliberately garbage: the bus must overwrite it) and
// one parameter, the Payload.
void AppendRecord(std::vector<uint8_t>& batch, uint32_t tag, uint32_t seq) {
  uint8_t buf[64];
  vigil_event_writer writer;
  vigil_event_begin(&writer, buf, sizeof buf, VIGIL_EVENT_PLUGIN, 1000 + seq, 7, 1);
  const Payload payload{tag, seq};
  vigil_event_add_param(&writer, &payload, sizeof payload);
  uint32_t len = 0;
  ASSERT_EQ(vigil_event_end(&writer, &len), VIGIL_EVENT_OK);
  const uint32_t garbage = 0xdeadbeef;
  std::memcpy(buf + offsetof(vigil_event_header, source_id), &garbage, sizeof garbage);
  batch.insert(batch.end(), buf, buf + len);
}

Payload ReadPayload(const EventRef& event) {
  vigil_bytes param;
  EXPECT_EQ(vigil_event_param(event.record, 0, &param), VIGIL_EVENT_OK);
  Payload payload{};
  if (param.len == sizeof payload) std::memcpy(&payload, param.data, sizeof payload);
  return payload;
}

// A source that plays a script of answers, then ends with `end_rc` (EOF by default; TIMEOUT
// repeats forever, as a live source with nothing to say).
class ScriptedSource : public EventSource {
 public:
  explicit ScriptedSource(std::string name, uint32_t tag = 0) : name_(std::move(name)), tag_(tag) {}

  // A batch of `count` good records with the next sequence numbers.
  void AddRecords(uint32_t count) {
    std::vector<uint8_t> batch;
    for (uint32_t i = 0; i < count; ++i) AppendRecord(batch, tag_, next_seq_++);
    AddBatch(std::move(batch), count);
  }
  void AddBatch(std::vector<uint8_t> bytes, uint32_t count) {
    script_.push_back(Step{VIGIL_OK, std::move(bytes), count, false});
  }
  void AddAnswer(vigil_rc rc) { script_.push_back(Step{rc, {}, 0, false}); }
  // A batch with data == NULL but size > 0.
  void AddNullBatch() { script_.push_back(Step{VIGIL_OK, {}, 1, true}); }
  uint32_t next_seq() const { return next_seq_; }

  vigil_rc end_rc = VIGIL_EOF;
  std::string error = "boom";
  std::function<void()> on_script_end;  // runs once, on the first call past the script
  std::atomic<int> calls{0};

  const std::string& name() const override { return name_; }
  std::string LastError() override { return error; }
  vigil_rc NextBatch(vigil_event_batch* batch) override {
    calls.fetch_add(1);
    if (script_.empty()) {
      if (on_script_end) std::exchange(on_script_end, nullptr)();
      if (end_rc == VIGIL_TIMEOUT) std::this_thread::sleep_for(milliseconds(5));
      return end_rc;
    }
    current_ = std::move(script_.front());
    script_.pop_front();
    if (current_.rc != VIGIL_OK) return current_.rc;
    batch->data = current_.null_data ? nullptr : current_.bytes.data();
    batch->size = current_.null_data ? 64 : current_.bytes.size();
    batch->count = current_.count;
    return VIGIL_OK;
  }

 private:
  struct Step {
    vigil_rc rc;
    std::vector<uint8_t> bytes;
    uint32_t count;
    bool null_data;
  };
  std::string name_;
  uint32_t tag_;
  uint32_t next_seq_ = 0;
  std::deque<Step> script_;
  Step current_{VIGIL_OK, {}, 0, false};  // must stay valid until the next call
};

struct Seen {
  uint32_t source_id;
  uint32_t header_source_id;
  uint64_t evtnum;
  Payload payload;
};

// Records what it sees; optionally holds the first event at `gate` to play a stalled engine.
class RecordingProcessor : public EventProcessor {
 public:
  Gate* gate = nullptr;
  std::atomic<uint64_t> idles{0};
  std::atomic<uint64_t> processed{0};

  void Process(const EventRef& event) override {
    if (gate != nullptr && processed.load() == 0) gate->Pass();
    const vigil_event_header header = vigil_event_get_header(event.record);
    EXPECT_EQ(header.len, event.len);
    seen_.push_back(Seen{event.source_id, header.source_id, event.evtnum, ReadPayload(event)});
    processed.fetch_add(1);
  }
  void OnIdle() override { idles.fetch_add(1); }

  // Read after the bus ended.
  const std::vector<Seen>& seen() const { return seen_; }

 private:
  std::vector<Seen> seen_;
};

void ExpectBalanced(const SourceCounters& c) {
  EXPECT_EQ(c.events_read, c.events_queued + c.events_dropped);
  EXPECT_EQ(c.events_processed, c.events_queued);
}

TEST(EventBusTest, EofCompletesAfterDrainingAndStampsIdsAndEvtnum) {
  ScriptedSource a("a", 100), b("b", 200);
  for (int i = 0; i < 5; ++i) a.AddRecords(7);
  for (int i = 0; i < 3; ++i) b.AddRecords(11);
  RecordingProcessor processor;
  EventBus bus(processor);
  const uint32_t id_a = bus.AddSource(a);
  const uint32_t id_b = bus.AddSource(b);
  EXPECT_EQ(id_a, 0u);
  EXPECT_EQ(id_b, 1u);
  ASSERT_TRUE(bus.Start().ok());
  const Status end = bus.Wait();  // no RequestStop: both sources reach EOF
  EXPECT_TRUE(end.ok()) << end.message();

  const EventBusStats stats = bus.Stats();
  ASSERT_EQ(stats.sources.size(), 2u);
  EXPECT_EQ(stats.sources[0].name, "a");
  EXPECT_EQ(stats.sources[0].state, SourceState::kEof);
  EXPECT_EQ(stats.sources[1].state, SourceState::kEof);
  EXPECT_EQ(stats.sources[0].counters.batches, 5u);
  EXPECT_EQ(stats.sources[0].counters.events_processed, 35u);
  EXPECT_EQ(stats.sources[1].counters.events_processed, 33u);
  EXPECT_EQ(stats.Total().events_read, 68u);
  EXPECT_EQ(stats.Total().events_dropped, 0u);

  const auto& seen = processor.seen();
  ASSERT_EQ(seen.size(), 68u);
  uint32_t next_seq[2] = {0, 0};
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].evtnum, i + 1);
    EXPECT_EQ(seen[i].header_source_id, seen[i].source_id);
    const uint32_t expected_id = seen[i].payload.tag == 100 ? id_a : id_b;
    EXPECT_EQ(seen[i].source_id, expected_id);
    EXPECT_EQ(seen[i].payload.seq, next_seq[expected_id]++) << "in order within a source";
  }
}

TEST(EventBusTest, DropPolicyCountsExactly) {
  ScriptedSource source("drop");
  source.AddRecords(10);  // fits: 10 of 16
  source.AddRecords(10);  // 6 fit, 4 dropped
  source.AddRecords(10);  // all 10 dropped
  Gate gate;
  // The engine holds the first event until the reader has queued everything: the first chunk is
  // not released meanwhile, so the room is known exactly.
  source.on_script_end = [&] { gate.Open(); };
  RecordingProcessor processor;
  processor.gate = &gate;
  EventBus bus(processor, {.queue_capacity = 16, .on_full = OnFull::kDrop});
  bus.AddSource(source);
  ASSERT_TRUE(bus.Start().ok());
  ASSERT_TRUE(bus.Wait().ok());

  const SourceCounters c = bus.Counters(0);
  EXPECT_EQ(c.batches, 3u);
  EXPECT_EQ(c.events_read, 30u);
  EXPECT_EQ(c.events_queued, 16u);
  EXPECT_EQ(c.events_dropped, 14u);
  EXPECT_EQ(c.events_processed, 16u);
  ExpectBalanced(c);
  // What was queued is the first 16 records, in order.
  ASSERT_EQ(processor.seen().size(), 16u);
  for (uint32_t i = 0; i < 16; ++i) EXPECT_EQ(processor.seen()[i].payload.seq, i);
}

TEST(EventBusTest, BlockPolicyLosesNothingWithAStalledEngine) {
  ScriptedSource source("block");
  for (int i = 0; i < 40; ++i) source.AddRecords(100);  // each batch is larger than the queue
  Gate gate;
  RecordingProcessor processor;
  processor.gate = &gate;
  EventBus bus(processor, {.queue_capacity = 64, .on_full = OnFull::kBlock});
  bus.AddSource(source);
  ASSERT_TRUE(bus.Start().ok());
  // The reader fills the queue and must then wait for room.
  ASSERT_TRUE(Eventually([&] { return bus.Counters(0).events_queued == 64; }));
  EXPECT_EQ(bus.Stats().sources[0].state, SourceState::kRunning);
  gate.Open();
  ASSERT_TRUE(bus.Wait().ok());

  const SourceCounters c = bus.Counters(0);
  EXPECT_EQ(c.events_read, 4000u);
  EXPECT_EQ(c.events_dropped, 0u);
  EXPECT_EQ(c.events_processed, 4000u);
  ExpectBalanced(c);
  ASSERT_EQ(processor.seen().size(), 4000u);
  for (uint32_t i = 0; i < 4000; ++i) ASSERT_EQ(processor.seen()[i].payload.seq, i);
}

TEST(EventBusTest, SlowEngineUnderBlockPolicyLosesNothing) {
  ScriptedSource source("slow");
  for (int i = 0; i < 200; ++i) source.AddRecords(50);
  class SlowProcessor : public EventProcessor {
   public:
    uint64_t count = 0;
    void Process(const EventRef&) override {
      if (++count % 500 == 0) std::this_thread::yield();
    }
  } processor;
  EventBus bus(processor, {.queue_capacity = 128});
  bus.AddSource(source);
  ASSERT_TRUE(bus.Start().ok());
  ASSERT_TRUE(bus.Wait().ok());
  EXPECT_EQ(processor.count, 10000u);
  EXPECT_EQ(bus.Counters(0).events_dropped, 0u);
}

TEST(EventBusTest, InvalidRecordsAreCountedAndTheSourceContinues) {
  ScriptedSource source("bad", 1);
  uint32_t seq = 0;
  std::vector<uint8_t> batch;

  // 3 good records, then one cut short: 3 read, 1 invalid.
  for (int i = 0; i < 3; ++i) AppendRecord(batch, 1, seq++);
  AppendRecord(batch, 1, 99);
  batch.resize(batch.size() - 5);
  source.AddBatch(batch, 4);

  // A length smaller than the header; the good record after it is discarded with it.
  batch.clear();
  AppendRecord(batch, 1, 99);
  const uint32_t tiny = 8;
  std::memcpy(batch.data() + offsetof(vigil_event_header, len), &tiny, sizeof tiny);
  AppendRecord(batch, 1, 99);
  source.AddBatch(batch, 2);

  // Parameter lengths that do not fill the record.
  batch.clear();
  AppendRecord(batch, 1, 99);
  const uint32_t wrong_param_len = 3;
  std::memcpy(batch.data() + VIGIL_EVENT_HEADER_SIZE, &wrong_param_len, sizeof wrong_param_len);
  source.AddBatch(batch, 1);

  // A length beyond the maximum, and a NULL buffer that claims a size.
  batch.clear();
  AppendRecord(batch, 1, 99);
  const uint32_t huge = VIGIL_EVENT_MAX_LEN + 1;
  std::memcpy(batch.data() + offsetof(vigil_event_header, len), &huge, sizeof huge);
  source.AddBatch(batch, 1);
  source.AddNullBatch();

  // Fewer bytes than a header.
  source.AddBatch(std::vector<uint8_t>(10, 0xff), 1);

  // The source goes on: 5 good records after all that.
  batch.clear();
  for (int i = 0; i < 5; ++i) AppendRecord(batch, 1, seq++);
  source.AddBatch(batch, 5);

  RecordingProcessor processor;
  EventBus bus(processor);
  bus.AddSource(source);
  ASSERT_TRUE(bus.Start().ok());
  ASSERT_TRUE(bus.Wait().ok());

  const SourceCounters c = bus.Counters(0);
  EXPECT_EQ(c.batches, 7u);
  EXPECT_EQ(c.invalid_records, 6u);
  EXPECT_EQ(c.events_read, 8u);
  EXPECT_EQ(c.events_processed, 8u);
  ExpectBalanced(c);
  ASSERT_EQ(processor.seen().size(), 8u);
  for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(processor.seen()[i].payload.seq, i);
  EXPECT_EQ(bus.Stats().sources[0].state, SourceState::kEof);
}

TEST(EventBusTest, StopWhileTheSourceKeepsTimingOut) {
  ScriptedSource source("idle");
  source.AddRecords(3);
  source.end_rc = VIGIL_TIMEOUT;  // a live source with nothing more to say
  RecordingProcessor processor;
  EventBus bus(processor, {.shutdown_timeout = seconds(30)});
  bus.AddSource(source);
  ASSERT_TRUE(bus.Start().ok());
  ASSERT_TRUE(Eventually([&] { return source.calls.load() > 5; }));
  EXPECT_FALSE(bus.WaitUntil(std::chrono::steady_clock::now()));  // still running
  bus.RequestStop();
  bus.RequestStop();  // idempotent
  // Ok (not the shutdown-timeout error): the reader left after its current call.
  const Status end = bus.Wait();
  EXPECT_TRUE(end.ok()) << end.message();
  EXPECT_EQ(bus.Stats().sources[0].state, SourceState::kStopped);
  EXPECT_EQ(bus.Counters(0).events_processed, 3u);
}

TEST(EventBusTest, StopDrainsWhatIsQueued) {
  ScriptedSource source("drain");
  for (int i = 0; i < 10; ++i) source.AddRecords(10);
  Gate gate;
  RecordingProcessor processor;
  processor.gate = &gate;
  EventBus bus(processor, {.queue_capacity = 32, .on_full = OnFull::kBlock});
  bus.AddSource(source);
  ASSERT_TRUE(bus.Start().ok());
  // The reader waits for room behind the stalled engine; stop must wake it.
  ASSERT_TRUE(Eventually([&] { return bus.Counters(0).events_queued == 32; }));
  bus.RequestStop();
  ASSERT_TRUE(Eventually([&] { return bus.Stats().sources[0].state == SourceState::kStopped; }));
  gate.Open();
  ASSERT_TRUE(bus.Wait().ok());

  const SourceCounters c = bus.Counters(0);
  EXPECT_EQ(c.events_queued, 32u);
  EXPECT_EQ(c.events_processed, 32u);
  EXPECT_EQ(c.events_dropped, 8u);  // the rest of the batch it was queueing when stopped
  ExpectBalanced(c);
}

TEST(EventBusTest, ShutdownTimeoutGivesUpOnAStuckSource) {
  // Static: the reader thread is detached while still inside NextBatch, so the source must
  // outlive this test body.
  struct StuckSource : EventSource {
    std::string source_name = "stuck";
    Gate release;
    std::latch entered{1};
    const std::string& name() const override { return source_name; }
    std::string LastError() override { return ""; }
    vigil_rc NextBatch(vigil_event_batch*) override {
      entered.count_down();
      release.Pass();
      return VIGIL_TIMEOUT;
    }
  };
  static StuckSource source;
  static RecordingProcessor processor;
  Status end = Status::Ok();
  {
    EventBus bus(processor, {.shutdown_timeout = milliseconds(50)});
    bus.AddSource(source);
    ASSERT_TRUE(bus.Start().ok());
    source.entered.wait();
    bus.RequestStop();
    end = bus.Wait();
  }
  EXPECT_FALSE(end.ok());
  EXPECT_THAT(end.message(), HasSubstr("stuck"));
  source.release.Open();  // the detached reader now returns and ends by itself
}

TEST(EventBusTest, FailureEndsTheSourceWithItsError) {
  ScriptedSource bad("broken"), good("fine");
  bad.AddRecords(4);
  bad.AddAnswer(VIGIL_TIMEOUT);
  bad.error = "disk on fire";
  bad.end_rc = VIGIL_FAILURE;
  good.AddRecords(6);
  RecordingProcessor processor;
  EventBus bus(processor);
  bus.AddSource(bad);
  bus.AddSource(good);
  ASSERT_TRUE(bus.Start().ok());
  const Status end = bus.Wait();
  EXPECT_FALSE(end.ok());
  EXPECT_THAT(end.message(), HasSubstr("broken"));
  EXPECT_THAT(end.message(), HasSubstr("disk on fire"));
  const EventBusStats stats = bus.Stats();
  EXPECT_EQ(stats.sources[0].state, SourceState::kFailed);
  EXPECT_EQ(stats.sources[1].state, SourceState::kEof);
  EXPECT_EQ(stats.Total().events_processed, 10u);
}

TEST(EventBusTest, SourcesAreServedRoundRobin) {
  constexpr int kSources = 3;
  constexpr int kBatches = 20;
  constexpr uint32_t kPerBatch = 10;
  std::vector<std::unique_ptr<ScriptedSource>> sources;
  std::latch all_queued(kSources);
  Gate gate;
  RecordingProcessor processor;
  processor.gate = &gate;
  EventBus bus(processor, {.queue_capacity = 1000});
  for (int s = 0; s < kSources; ++s) {
    sources.push_back(std::make_unique<ScriptedSource>("s" + std::to_string(s), s));
    for (int b = 0; b < kBatches; ++b) sources.back()->AddRecords(kPerBatch);
    sources.back()->on_script_end = [&] { all_queued.count_down(); };
    bus.AddSource(*sources.back());
  }
  // Everything is queued before the engine takes its second event.
  std::thread opener([&] {
    all_queued.wait();
    gate.Open();
  });
  ASSERT_TRUE(bus.Start().ok());
  ASSERT_TRUE(bus.Wait().ok());
  opener.join();

  // Batch by batch, no source gets ahead of another by more than the batch in hand.
  const auto& seen = processor.seen();
  ASSERT_EQ(seen.size(), size_t{kSources * kBatches * kPerBatch});
  int served[kSources] = {};
  for (size_t i = 0; i < seen.size(); i += kPerBatch) {
    ++served[seen[i].source_id];
    const auto [lo, hi] = std::minmax_element(std::begin(served), std::end(served));
    if (*hi < kBatches) {
      EXPECT_LE(*hi - *lo, 2) << "at batch " << i / kPerBatch;
    }
  }
}

TEST(EventBusTest, OnIdleRunsWhileIdle) {
  ScriptedSource source("quiet");
  source.end_rc = VIGIL_TIMEOUT;
  RecordingProcessor processor;
  EventBus bus(processor, {.idle_interval = milliseconds(1)});
  bus.AddSource(source);
  ASSERT_TRUE(bus.Start().ok());
  EXPECT_TRUE(Eventually([&] { return processor.idles.load() >= 3; }));
  bus.RequestStop();
  EXPECT_TRUE(bus.Wait().ok());
}

TEST(EventBusTest, NoSourcesEndsAtOnceAndDestructorStops) {
  RecordingProcessor processor;
  {
    EventBus bus(processor);
    ASSERT_TRUE(bus.Start().ok());
    EXPECT_TRUE(bus.Wait().ok());
    EXPECT_FALSE(bus.Start().ok());
  }
  {
    ScriptedSource source("forever");
    source.end_rc = VIGIL_TIMEOUT;
    EventBus bus(processor);
    bus.AddSource(source);
    ASSERT_TRUE(bus.Start().ok());
  }  // the destructor stops and joins
}

}  // namespace
}  // namespace vigil::events
