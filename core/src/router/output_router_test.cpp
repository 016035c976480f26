#include "vigil/core/output_router.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace vigil::router {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Generous: only a broken router ever waits this long.
constexpr auto kPatience = 20s;

template <typename Pred>
bool WaitFor(Pred pred) {
  const auto until = Clock::now() + kPatience;
  while (!pred()) {
    if (Clock::now() > until) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

std::shared_ptr<const Alert> MakeAlert(std::string rule,
                                       vigil_priority priority = VIGIL_PRIORITY_WARNING) {
  auto a = std::make_shared<Alert>();
  a->time_ns = 1'000'000'000;
  a->priority = priority;
  a->rule = std::move(rule);
  a->source = "syscall";
  a->hostname = "h";
  a->output = "out";
  a->tags = {"t2", "t1"};
  return a;
}

// An output that records what it gets, answers from a script, and can be held inside Deliver.
class FakeTarget : public OutputTarget {
 public:
  explicit FakeTarget(std::string name) : name_(std::move(name)) {}

  const std::string& name() const override { return name_; }

  vigil_delivery Deliver(const vigil_alert* alerts, uint32_t n) override {
    std::unique_lock lock(mu_);
    if (in_call_.exchange(true)) overlapped_ = true;
    ++calls_;
    batch_sizes_.push_back(n);
    cv_.notify_all();
    cv_.wait(lock, [&] { return !held_; });
    vigil_delivery answer = VIGIL_DELIVERED;
    if (!answers_.empty()) {
      answer = answers_.front();
      answers_.pop_front();
    }
    if (answer == VIGIL_DELIVERED) {
      for (uint32_t i = 0; i < n; ++i) {
        rules_.emplace_back(alerts[i].rule);
        jsons_.emplace_back(alerts[i].json, alerts[i].json_len);
        tags_.emplace_back();
        for (uint32_t t = 0; t < alerts[i].ntags; ++t) tags_.back().emplace_back(alerts[i].tags[t]);
      }
    }
    in_call_ = false;
    return answer;
  }

  std::string LastError() override { return "fake says no"; }

  Status Reopen() override {
    std::lock_guard lock(mu_);
    if (in_call_) overlapped_ = true;
    ++reopens_;
    return fail_reopen_ ? Status::Error("cannot reopen") : Status::Ok();
  }

  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      held_ = false;
    }
    cv_.notify_all();
  }
  void Script(std::initializer_list<vigil_delivery> answers) {
    std::lock_guard lock(mu_);
    answers_.assign(answers);
  }
  void AlwaysAnswer(vigil_delivery answer, size_t times = 1000) {
    std::lock_guard lock(mu_);
    answers_.assign(times, answer);
  }
  void FailReopen() {
    std::lock_guard lock(mu_);
    fail_reopen_ = true;
  }
  // Waits until Deliver has been entered `n` times.
  bool WaitForCalls(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, kPatience, [&] { return calls_ >= n; });
  }

  int calls() {
    std::lock_guard lock(mu_);
    return calls_;
  }
  int reopens() {
    std::lock_guard lock(mu_);
    return reopens_;
  }
  std::vector<std::string> rules() {
    std::lock_guard lock(mu_);
    return rules_;
  }
  std::vector<std::string> jsons() {
    std::lock_guard lock(mu_);
    return jsons_;
  }
  std::vector<std::vector<std::string>> tags() {
    std::lock_guard lock(mu_);
    return tags_;
  }
  std::vector<uint32_t> batch_sizes() {
    std::lock_guard lock(mu_);
    return batch_sizes_;
  }
  bool overlapped() {
    std::lock_guard lock(mu_);
    return overlapped_;
  }

 private:
  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool held_ = false;
  bool fail_reopen_ = false;
  bool overlapped_ = false;
  std::atomic<bool> in_call_{false};
  int calls_ = 0;
  int reopens_ = 0;
  std::deque<vigil_delivery> answers_;
  std::vector<std::string> rules_;
  std::vector<std::string> jsons_;
  std::vector<std::vector<std::string>> tags_;
  std::vector<uint32_t> batch_sizes_;
};

OutputOptions Options(size_t capacity = 100, uint32_t max_batch = 16) {
  OutputOptions o;
  o.queue_capacity = capacity;
  o.max_batch = max_batch;
  o.retry.max_retries = 3;
  o.retry.backoff = 1ms;
  return o;
}

std::vector<std::string> Rules(int from, int to) {
  std::vector<std::string> r;
  for (int i = from; i < to; ++i) r.push_back("r" + std::to_string(i));
  return r;
}

TEST(OutputRouterTest, DeliversInOrderWithRenderedViews) {
  FakeTarget t("t");
  RouterOptions ro;
  ro.json.time_format_iso_8601 = true;
  OutputRouter router(ro);
  ASSERT_TRUE(router.AddOutput(t, Options(100, 4)).ok());
  ASSERT_TRUE(router.Start().ok());
  for (int i = 0; i < 10; ++i) router.Submit(MakeAlert("r" + std::to_string(i)));
  router.Stop(Clock::now() + kPatience);

  EXPECT_EQ(t.rules(), Rules(0, 10));
  for (uint32_t n : t.batch_sizes()) EXPECT_LE(n, 4u);
  AlertJsonOptions jo;
  jo.time_format_iso_8601 = true;
  ASSERT_EQ(t.jsons().size(), 10u);
  EXPECT_EQ(t.jsons()[3], RenderAlertJson(*MakeAlert("r3"), jo));
  EXPECT_EQ(t.tags()[0], (std::vector<std::string>{"t2", "t1"}));
  const OutputCounters c = *router.Counters("t");
  EXPECT_EQ(c.accepted, 10u);
  EXPECT_EQ(c.delivered, 10u);
  EXPECT_EQ(c.dropped + c.failed + c.rejected + c.retried + c.filtered, 0u);
}

TEST(OutputRouterTest, FullQueueDropsExactly) {
  FakeTarget t("t");
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(t, Options(3, 16)).ok());
  // Not started: nothing drains the queue.
  for (int i = 0; i < 10; ++i) router.Submit(MakeAlert("r" + std::to_string(i)));
  OutputCounters c = *router.Counters("t");
  EXPECT_EQ(c.accepted, 3u);
  EXPECT_EQ(c.dropped, 7u);
  ASSERT_TRUE(router.Start().ok());
  router.Stop(Clock::now() + kPatience);
  c = *router.Counters("t");
  EXPECT_EQ(c.delivered, 3u);
  EXPECT_EQ(c.dropped, 7u);
  EXPECT_EQ(t.rules(), Rules(0, 3));  // the oldest are kept
}

TEST(OutputRouterTest, SlowOutputBlocksNeitherSubmitNorOtherOutputs) {
  FakeTarget slow("slow"), fast("fast");
  slow.Hold();
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(slow, Options(4, 1)).ok());
  ASSERT_TRUE(router.AddOutput(fast, Options(1000, 16)).ok());
  ASSERT_TRUE(router.Start().ok());

  router.Submit(MakeAlert("r0"));
  ASSERT_TRUE(slow.WaitForCalls(1));  // slow is now stuck inside Deliver with r0
  for (int i = 1; i < 200; ++i) router.Submit(MakeAlert("r" + std::to_string(i)));

  ASSERT_TRUE(WaitFor([&] { return router.Counters("fast")->delivered == 200; }));
  EXPECT_EQ(fast.rules(), Rules(0, 200));
  OutputCounters s = *router.Counters("slow");
  EXPECT_EQ(s.accepted, 5u);  // r0 in Deliver, r1..r4 queued
  EXPECT_EQ(s.dropped, 195u);
  EXPECT_EQ(s.delivered, 0u);

  slow.Release();
  router.Stop(Clock::now() + kPatience);
  s = *router.Counters("slow");
  EXPECT_EQ(s.delivered, 5u);
  EXPECT_EQ(slow.rules(), Rules(0, 5));
}

TEST(OutputRouterTest, MinPriorityFilters) {
  FakeTarget notice("notice"), all("all");
  OutputRouter router;
  OutputOptions o = Options();
  o.min_priority = VIGIL_PRIORITY_NOTICE;
  ASSERT_TRUE(router.AddOutput(notice, o).ok());
  ASSERT_TRUE(router.AddOutput(all, Options()).ok());
  ASSERT_TRUE(router.Start().ok());
  for (int p = VIGIL_PRIORITY_EMERGENCY; p <= VIGIL_PRIORITY_DEBUG; ++p) {
    router.Submit(MakeAlert("r" + std::to_string(p), static_cast<vigil_priority>(p)));
  }
  router.Stop(Clock::now() + kPatience);
  const OutputCounters n = *router.Counters("notice");
  EXPECT_EQ(n.accepted, 6u);
  EXPECT_EQ(n.filtered, 2u);
  EXPECT_EQ(n.delivered, 6u);
  EXPECT_EQ(notice.rules(), Rules(0, 6));
  EXPECT_EQ(router.Counters("all")->delivered, 8u);
  EXPECT_EQ(router.Counters("all")->filtered, 0u);
}

TEST(OutputRouterTest, RetryLaterIsRetriedThenDelivered) {
  FakeTarget t("t");
  t.Script({VIGIL_RETRY_LATER, VIGIL_RETRY_LATER, VIGIL_DELIVERED});
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(t, Options(100, 16)).ok());
  for (int i = 0; i < 3; ++i) router.Submit(MakeAlert("r" + std::to_string(i)));  // one batch
  ASSERT_TRUE(router.Start().ok());
  router.Stop(Clock::now() + kPatience);
  const OutputCounters c = *router.Counters("t");
  EXPECT_EQ(t.calls(), 3);
  EXPECT_EQ(c.delivered, 3u);
  EXPECT_EQ(c.retried, 6u);  // 3 alerts, sent again twice
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(t.rules(), Rules(0, 3));
}

TEST(OutputRouterTest, RetriesRunOutThenFailed) {
  FakeTarget t("t");
  t.AlwaysAnswer(VIGIL_RETRY_LATER, 4);  // then delivers
  OutputRouter router;
  OutputOptions o = Options(100, 16);
  o.retry.max_retries = 2;
  ASSERT_TRUE(router.AddOutput(t, o).ok());
  router.Submit(MakeAlert("lost"));
  ASSERT_TRUE(router.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return router.Counters("t")->failed == 1; }));
  router.Submit(MakeAlert("next"));  // 1 more retry_later, then delivered
  router.Stop(Clock::now() + kPatience);
  const OutputCounters c = *router.Counters("t");
  EXPECT_EQ(t.calls(), 5);
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 3u);
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(t.rules(), (std::vector<std::string>{"next"}));
}

TEST(OutputRouterTest, RejectedIsCountedNotRetried) {
  FakeTarget t("t");
  t.Script({VIGIL_REJECTED, VIGIL_REJECTED});
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(t, Options(100, 2)).ok());
  for (int i = 0; i < 5; ++i) router.Submit(MakeAlert("r" + std::to_string(i)));
  ASSERT_TRUE(router.Start().ok());
  router.Stop(Clock::now() + kPatience);
  const OutputCounters c = *router.Counters("t");
  EXPECT_EQ(t.calls(), 3);
  EXPECT_EQ(c.rejected, 4u);
  EXPECT_EQ(c.retried, 0u);
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(t.rules(), (std::vector<std::string>{"r4"}));
}

TEST(OutputRouterTest, StopDrainsTheQueue) {
  FakeTarget t("t");
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(t, Options(1000, 7)).ok());
  for (int i = 0; i < 1000; ++i) router.Submit(MakeAlert("r" + std::to_string(i)));
  ASSERT_TRUE(router.Start().ok());
  router.Stop(Clock::now() + kPatience);
  EXPECT_EQ(router.Counters("t")->delivered, 1000u);
  EXPECT_EQ(t.rules(), Rules(0, 1000));
  router.Submit(MakeAlert("late"));
  EXPECT_EQ(router.Counters("t")->dropped, 1u);
  router.Stop(Clock::now());  // idempotent
}

TEST(OutputRouterTest, StopDeadlineDropsWhatIsLeft) {
  FakeTarget t("t");
  t.Hold();
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(t, Options(100000, 1)).ok());  // probes never fill it
  ASSERT_TRUE(router.Start().ok());
  router.Submit(MakeAlert("r0"));
  ASSERT_TRUE(t.WaitForCalls(1));
  for (int i = 1; i < 4; ++i) router.Submit(MakeAlert("r" + std::to_string(i)));

  std::thread stopper([&] { router.Stop(Clock::now()); });  // deadline already past
  // The queue closes when Stop begins: probe until an alert is refused.
  uint64_t probes = 0;
  ASSERT_TRUE(WaitFor([&] {
    router.Submit(MakeAlert("probe"));
    ++probes;
    return router.Counters("t")->dropped > 0;
  }));
  t.Release();
  stopper.join();

  const OutputCounters c = *router.Counters("t");
  EXPECT_EQ(c.delivered, 1u);                // r0, already inside Deliver
  EXPECT_EQ(c.accepted, 4u + (probes - 1));  // r0..r3 and the probes queued before closing
  EXPECT_EQ(c.dropped, 3u + probes);         // r1..r3, the queued probes, and the refused one
  EXPECT_EQ(t.rules(), (std::vector<std::string>{"r0"}));
}

TEST(OutputRouterTest, StopDeadlineCutsRetryBackoff) {
  FakeTarget t("t");
  t.AlwaysAnswer(VIGIL_RETRY_LATER);
  OutputRouter router;
  OutputOptions o = Options();
  o.retry.backoff = std::chrono::hours(1);
  ASSERT_TRUE(router.AddOutput(t, o).ok());
  ASSERT_TRUE(router.Start().ok());
  router.Submit(MakeAlert("r0"));
  ASSERT_TRUE(t.WaitForCalls(1));
  router.Stop(Clock::now() + 100ms);  // returns long before the hour
  const OutputCounters c = *router.Counters("t");
  EXPECT_EQ(c.dropped, 1u);
  EXPECT_EQ(c.failed, 0u);
  EXPECT_EQ(t.calls(), 1);
}

TEST(OutputRouterTest, ReopenReachesTargetBetweenDeliveries) {
  FakeTarget t("t");
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(t, Options(100, 1)).ok());
  ASSERT_TRUE(router.Start().ok());
  router.RequestReopen();  // idle: at once
  ASSERT_TRUE(WaitFor([&] { return t.reopens() == 1; }));

  t.Hold();
  router.Submit(MakeAlert("r0"));
  ASSERT_TRUE(t.WaitForCalls(1));
  router.Submit(MakeAlert("r1"));
  router.RequestReopen();  // during a delivery: after it
  t.FailReopen();          // a failed reopen is logged, delivery goes on
  t.Release();
  router.Stop(Clock::now() + kPatience);
  EXPECT_EQ(t.reopens(), 2);
  EXPECT_EQ(router.Counters("t")->delivered, 2u);
  EXPECT_FALSE(t.overlapped());
}

TEST(OutputRouterTest, AddOutputChecks) {
  FakeTarget a("a"), a2("a"), b("b");
  OutputRouter router;
  ASSERT_TRUE(router.AddOutput(a).ok());
  EXPECT_FALSE(router.AddOutput(a2).ok());
  EXPECT_FALSE(router.AddOutput(b, Options(0, 1)).ok());
  EXPECT_FALSE(router.AddOutput(b, Options(1, 0)).ok());
  ASSERT_TRUE(router.AddOutput(b).ok());
  EXPECT_FALSE(router.Counters("c").has_value());
  const auto all = router.AllCounters();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].first, "a");
  EXPECT_EQ(all[1].first, "b");
  ASSERT_TRUE(router.Start().ok());
  EXPECT_FALSE(router.Start().ok());
  FakeTarget c("c");
  EXPECT_FALSE(router.AddOutput(c).ok());
  // The destructor stops.
}

}  // namespace
}  // namespace vigil::router
