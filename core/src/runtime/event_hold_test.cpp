// EventHold: held events wait in order with a copy of their state, and go to the rules at a
// release (from any thread), at their deadline, past the budget, or at the end.
#include "vigil/core/event_hold.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "syscall_record.hpp"

namespace vigil::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One event of process `pid`, with the state the engine would have shown the rules.
class Event {
 public:
  Event(int64_t pid, uint64_t evtnum, std::string exepath) {
    test::SyscallRecord r("close", pid, evtnum);
    r.Int("res", 0).Int("fd", 3);
    record_ = r.Finish();
    thread_.tid = thread_.pid = pid;
    thread_.process = std::make_shared<state::Process>();
    thread_.process->exepath = std::move(exepath);
    fd_.name = "/etc/shadow";
    view_.thread = &thread_;
    view_.fd = &fd_;
    ctx_.record = record_.data();
    ctx_.len = static_cast<uint32_t>(record_.size());
    ctx_.evtnum = evtnum;
    ctx_.syscall = &view_;
  }
  const fields::EventContext& ctx() const { return ctx_; }
  state::ThreadInfo& thread() { return thread_; }
  state::FdInfo& fd() { return fd_; }

 private:
  std::vector<uint8_t> record_;
  state::ThreadInfo thread_;
  state::FdInfo fd_;
  state::SyscallView view_;
  fields::EventContext ctx_;
};

// What the rules saw of each event handed to them.
struct Seen {
  uint64_t evtnum;
  std::string exepath, fd_name;
};

struct Recorder {
  std::vector<Seen> seen;
  EventHold::Run Run() {
    return [this](const fields::EventContext& e) {
      seen.push_back({e.evtnum, e.syscall->thread->process->exepath, e.syscall->fd->name});
    };
  }
  std::vector<uint64_t> evtnums() const {
    std::vector<uint64_t> out;
    for (const Seen& s : seen) out.push_back(s.evtnum);
    return out;
  }
};

TEST(EventHold, HeldEventsRunInTheirOrderWithTheStateTheySawWhenAnotherThreadReleases) {
  EventHold hold(100);
  std::atomic<int> wakes{0};
  hold.SetWaker([&] { ++wakes; });
  const auto now = Clock::now();
  EXPECT_FALSE(hold.Pending());
  hold.Hold(10, now + std::chrono::seconds(10));
  ASSERT_TRUE(hold.IsHeld(10));
  EXPECT_FALSE(hold.IsHeld(11));
  Event a(10, 1, "/bin/sh"), b(10, 2, "/bin/sh"), c(10, 3, "/usr/bin/apt");
  hold.Add(10, a.ctx(), now);
  hold.Add(10, b.ctx(), now);
  hold.Add(10, c.ctx(), now);
  // The live state moves on after the events were held: the rules must not see that.
  a.thread().process->exepath = "/changed";
  a.fd().name = "/changed";

  Recorder rules;
  hold.RunDue(Clock::now(), rules.Run());
  EXPECT_TRUE(rules.seen.empty());  // not released, not due
  EXPECT_EQ(hold.counters().waiting, 3u);

  std::thread enricher([r = hold.releases()] { r->Release(10); });
  enricher.join();
  EXPECT_EQ(wakes.load(), 1);
  EXPECT_EQ(hold.NextDeadline(), Clock::time_point::min());  // a release waits
  hold.RunDue(Clock::now(), rules.Run());
  EXPECT_EQ(rules.evtnums(), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_EQ(rules.seen[0].exepath, "/bin/sh");
  EXPECT_EQ(rules.seen[0].fd_name, "/etc/shadow");
  EXPECT_EQ(rules.seen[2].exepath, "/usr/bin/apt");
  EXPECT_FALSE(hold.IsHeld(10));
  EXPECT_FALSE(hold.Pending());

  HoldCounters counters = hold.counters();
  EXPECT_EQ(counters.holds, 1u);
  EXPECT_EQ(counters.events, 3u);
  EXPECT_EQ(counters.released, 3u);
  EXPECT_EQ(counters.timed_out, 0u);
  EXPECT_EQ(counters.waiting, 0u);
}

TEST(EventHold, AHoldEndsAtItsDeadlineAndKeepsItsFirstDeadline) {
  EventHold hold(100);
  const auto now = Clock::now();
  EXPECT_EQ(hold.NextDeadline(), Clock::time_point::max());
  hold.Hold(10, now + milliseconds(50));
  hold.Hold(10, now + milliseconds(5000));  // already held: the first deadline stays
  hold.Hold(20, now + milliseconds(80));
  EXPECT_EQ(hold.NextDeadline(), now + milliseconds(50));
  Event a(10, 1, "/a"), b(20, 2, "/b");
  hold.Add(10, a.ctx(), now);
  hold.Add(20, b.ctx(), now);

  Recorder rules;
  hold.RunDue(now + milliseconds(60), rules.Run());
  EXPECT_EQ(rules.evtnums(), (std::vector<uint64_t>{1}));
  EXPECT_TRUE(hold.IsHeld(20));
  EXPECT_EQ(hold.NextDeadline(), now + milliseconds(80));
  hold.RunDue(now + milliseconds(80), rules.Run());
  EXPECT_EQ(rules.evtnums(), (std::vector<uint64_t>{1, 2}));

  HoldCounters counters = hold.counters();
  EXPECT_EQ(counters.timed_out, 2u);
  EXPECT_EQ(counters.released, 0u);
  // Waits as measured from Add to the run: 60 and 80 ms.
  EXPECT_GE(counters.wait_max_us, 80000u);
  EXPECT_LE(counters.wait_max_us, 80000u + 80000u / 16);
  EXPECT_GE(counters.wait_p50_us, 60000u);
  EXPECT_LE(counters.wait_p50_us, 60000u + 60000u / 16);
}

TEST(EventHold, PastTheBudgetTheOldestHoldEndsEarly) {
  EventHold hold(2);
  const auto now = Clock::now();
  hold.Hold(10, now + std::chrono::seconds(10));
  hold.Hold(20, now + std::chrono::seconds(10));
  Event a(10, 1, "/a"), b(10, 2, "/a"), c(20, 3, "/c");
  hold.Add(10, a.ctx(), now);
  hold.Add(10, b.ctx(), now);
  hold.Add(20, c.ctx(), now);
  Recorder rules;
  hold.RunDue(now, rules.Run());
  EXPECT_EQ(rules.evtnums(), (std::vector<uint64_t>{1, 2}));
  EXPECT_FALSE(hold.IsHeld(10));
  EXPECT_TRUE(hold.IsHeld(20));
  EXPECT_EQ(hold.counters().overflowed, 2u);
  EXPECT_EQ(hold.counters().waiting, 1u);
}

TEST(EventHold, TheEndRunsEveryHoldOldestFirst) {
  EventHold hold(100);
  const auto now = Clock::now();
  hold.Hold(30, now + std::chrono::seconds(10));
  std::this_thread::sleep_for(milliseconds(2));
  hold.Hold(5, now + std::chrono::seconds(10));
  Event a(30, 1, "/a"), b(5, 2, "/b"), c(30, 3, "/a");
  hold.Add(30, a.ctx(), now);
  hold.Add(5, b.ctx(), now);
  hold.Add(30, c.ctx(), now);
  Recorder rules;
  hold.RunAll(now, rules.Run());
  EXPECT_EQ(rules.evtnums(), (std::vector<uint64_t>{1, 3, 2}));
  EXPECT_EQ(hold.counters().stopped, 3u);
  EXPECT_FALSE(hold.Pending());
}

TEST(EventHold, ReleasesOfPidsNotHeldAndAfterTheHoldIsGoneChangeNothing) {
  std::shared_ptr<plugin_host::ProcessReleases> releases;
  {
    EventHold hold(100);
    int wakes = 0;
    hold.SetWaker([&] { ++wakes; });
    releases = hold.releases();
    hold.Hold(10, Clock::now() + std::chrono::seconds(10));
    releases->Release(99);
    Recorder rules;
    hold.RunDue(Clock::now(), rules.Run());
    EXPECT_TRUE(hold.IsHeld(10));
    EXPECT_EQ(wakes, 1);
  }
  releases->Release(10);  // a plugin thread after the engine ended: no waker, no hold
}

TEST(LatencyHistogram, BucketsBoundEveryValueWithinASixteenth) {
  for (uint64_t v : {0ull, 1ull, 15ull, 16ull, 17ull, 31ull, 32ull, 33ull, 1000ull, 65535ull,
                     65536ull, 123456789ull, 1ull << 40, ~0ull}) {
    const size_t b = LatencyHistogram::Bucket(v);
    ASSERT_LT(b, LatencyHistogram::kBuckets) << v;
    const uint64_t upper = LatencyHistogram::UpperBound(b);
    EXPECT_GE(upper, v);
    EXPECT_LE(upper - v, v / 16) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::UpperBound(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogram, PercentilesOfAUniformSpread) {
  LatencyHistogram h;
  EXPECT_EQ(h.Percentile(0.5), 0u);
  for (uint64_t v = 1; v <= 1000; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.max(), 1000u);
  EXPECT_GE(h.Percentile(0.5), 500u);
  EXPECT_LE(h.Percentile(0.5), 500u + 500u / 16);
  EXPECT_GE(h.Percentile(0.99), 990u);
  EXPECT_LE(h.Percentile(0.99), 1000u);
  EXPECT_EQ(h.Percentile(1.0), 1000u);
}

}  // namespace
}  // namespace vigil::runtime
