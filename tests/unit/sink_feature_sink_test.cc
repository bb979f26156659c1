// FeatureSink's invariants, with a fake writer and a manual clock: coalescing (latest
// wins), the latency-budget flush, full batches, retry with backoff, failure, backpressure,
// flush before commit, freshness, and the background flush thread.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "eddy/sink/feature_sink.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

class ManualClock final : public SinkClock {
 public:
  SteadyTime steady_now() override { return steady_; }
  std::chrono::system_clock::time_point wall_now() override { return wall_; }
  void sleep_for(std::chrono::nanoseconds d) override {
    advance(std::chrono::duration_cast<std::chrono::milliseconds>(d));
    sleeps_.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(d));
  }
  void advance(std::chrono::milliseconds d) {
    steady_ += d;
    wall_ += d;
  }
  int64_t wall_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(wall_.time_since_epoch()).count();
  }
  const std::vector<std::chrono::milliseconds>& sleeps() const { return sleeps_; }

 private:
  SteadyTime steady_{std::chrono::hours(1000)};
  std::chrono::system_clock::time_point wall_{std::chrono::milliseconds(1'700'000'000'000)};
  std::vector<std::chrono::milliseconds> sleeps_;
};

// Records every batch; fails the first `fail_times` attempts (retriable unless told).
class FakeSink final : public FeatureSink {
 public:
  explicit FakeSink(SinkOptions options) : FeatureSink(std::move(options)) {}
  ~FakeSink() override { stop_flushing(); }

  int fail_times = 0;
  bool fail_fatally = false;
  std::vector<std::vector<FeatureUpdate>> batches;
  std::vector<SteadyTime> attempts;
  // Keys the "store" rejects as stale.
  std::vector<std::string> stale_keys;
  // Runs inside every write_batch() call (e.g. to submit as another thread would).
  std::function<void()> during_write;

  std::vector<FeatureUpdate> all_written() const {
    std::vector<FeatureUpdate> out;
    for (const auto& b : batches) out.insert(out.end(), b.begin(), b.end());
    return out;
  }

 protected:
  void write_batch(std::span<const FeatureUpdate> batch,
                   std::span<WriteOutcome> outcomes) override {
    attempts.push_back(clock().steady_now());
    if (during_write) during_write();
    if (fail_times > 0) {
      --fail_times;
      throw SinkError("fake write failed", !fail_fatally);
    }
    batches.emplace_back(batch.begin(), batch.end());
    for (std::size_t i = 0; i < batch.size(); ++i) {
      for (const auto& k : stale_keys) {
        if (batch[i].key == k) outcomes[i] = WriteOutcome::kStale;
      }
    }
  }
};

FeatureUpdate upd(const std::string& key, const std::string& value, int64_t ts, int64_t offset,
                  int32_t partition = 0) {
  return FeatureUpdate::upsert(key, {{"v", value}}, ts, {"in", partition, offset});
}

struct Fixture : ::testing::Test {
  std::shared_ptr<ManualClock> clock = std::make_shared<ManualClock>();
  SinkOptions manual_options() {
    SinkOptions o;
    o.name = "fake";
    o.background_flush = false;
    o.clock = clock;
    o.latency_budget = 50ms;
    o.max_batch = 100;
    o.max_pending = 1000;
    o.retry_backoff_initial = 10ms;
    o.retry_backoff_max = 40ms;
    return o;
  }
};

using SinkCoalescing = Fixture;
using SinkBatching = Fixture;
using SinkRetry = Fixture;
using SinkBackpressure = Fixture;
using SinkFreshnessMetrics = Fixture;

TEST_F(SinkCoalescing, LatestVersionWinsPerKey) {
  FakeSink sink(manual_options());
  sink.submit(upd("a", "1", 100, 1));
  sink.submit(upd("b", "1", 100, 2));
  sink.submit(upd("a", "2", 200, 3));
  sink.submit(upd("a", "old", 150, 9));  // older event time than the pending one: ignored
  sink.submit(upd("b", "2", 100, 4));    // same event time, later offset: wins
  sink.submit(FeatureUpdate::erase("b", 100, {"in", 0, 3}));  // earlier offset: ignored
  sink.flush();
  ASSERT_EQ(sink.batches.size(), 1u);
  const auto& batch = sink.batches[0];
  ASSERT_EQ(batch.size(), 2u);
  std::map<std::string, std::string> got;
  for (const auto& u : batch) got[u.key] = u.fields->at(0).second;
  EXPECT_EQ(got["a"], "2");
  EXPECT_EQ(got["b"], "2");
  const auto stats = sink.stats();
  EXPECT_EQ(stats.submitted, 6u);
  EXPECT_EQ(stats.coalesced, 2u);
  EXPECT_EQ(stats.ignored_older, 2u);
  EXPECT_EQ(stats.acknowledged, 2u);
  EXPECT_EQ(stats.pending, 0u);
}

TEST_F(SinkCoalescing, DeleteReplacesPendingWriteAndWritesAsDelete) {
  FakeSink sink(manual_options());
  sink.submit(upd("a", "1", 100, 1));
  sink.submit(FeatureUpdate::erase("a", 100, {"in", 0, 2}));
  sink.flush();
  ASSERT_EQ(sink.all_written().size(), 1u);
  EXPECT_TRUE(sink.all_written()[0].is_delete());
  EXPECT_EQ(sink.stats().deletes, 1u);
}

TEST_F(SinkCoalescing, VersionOrderIsEventTimeThenPartitionThenOffset) {
  EXPECT_LT((FeatureVersion{100, 5, 900}), (FeatureVersion{101, 0, 0}));
  EXPECT_LT((FeatureVersion{100, 1, 900}), (FeatureVersion{100, 2, 0}));
  EXPECT_LT((FeatureVersion{100, 1, 7}), (FeatureVersion{100, 1, 8}));
}

TEST_F(SinkBatching, BadOptionsFailFastNamingTheSink) {
  auto options = manual_options();
  options.max_batch = 0;
  EXPECT_THROW(FakeSink{options}, ConfigError);
  options = manual_options();
  options.slo.objectives = {{120.0, 750ms}};
  try {
    FakeSink sink(options);
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("sink fake slo"), std::string::npos) << e.what();
  }
}

TEST_F(SinkBatching, NothingIsWrittenBeforeTheLatencyBudget) {
  FakeSink sink(manual_options());
  const SteadyTime t0 = clock->steady_now();
  sink.submit(upd("a", "1", 100, 1));
  EXPECT_EQ(sink.next_deadline(), t0 + 50ms);
  clock->advance(30ms);
  sink.submit(upd("a", "2", 101, 2));  // coalescing keeps a's first pending time
  sink.submit(upd("b", "1", 101, 3));
  EXPECT_EQ(sink.maybe_flush(t0 + 49ms), 0u);
  EXPECT_TRUE(sink.batches.empty());
  EXPECT_EQ(sink.maybe_flush(t0 + 50ms), 2u);  // the oldest is due: the whole batch goes
  ASSERT_EQ(sink.batches.size(), 1u);
  EXPECT_EQ(sink.batches[0].size(), 2u);
  EXPECT_EQ(sink.batches[0][0].fields->at(0).second, "2");
  EXPECT_EQ(sink.next_deadline(), std::nullopt);
}

TEST_F(SinkBatching, FullBatchIsWrittenAtOnceInOldestFirstOrder) {
  auto options = manual_options();
  options.max_batch = 3;
  FakeSink sink(options);
  for (int i = 0; i < 7; ++i) sink.submit(upd("k" + std::to_string(i), "v", 100, i));
  EXPECT_EQ(sink.maybe_flush(clock->steady_now()), 6u);  // two full batches, no waiting
  ASSERT_EQ(sink.batches.size(), 2u);
  EXPECT_EQ(sink.batches[0][0].key, "k0");
  EXPECT_EQ(sink.batches[1][2].key, "k5");
  EXPECT_EQ(sink.stats().pending, 1u);
  EXPECT_EQ(sink.next_deadline(), clock->steady_now() + 50ms);
  sink.flush();  // flush ignores the budget
  EXPECT_EQ(sink.batches.size(), 3u);
}

TEST_F(SinkRetry, FailedBatchIsRetriedWithExponentialBackoff) {
  FakeSink sink(manual_options());
  sink.fail_times = 4;
  sink.submit(upd("a", "1", 100, 1));
  sink.submit(upd("b", "1", 100, 2));
  clock->advance(50ms);
  const SteadyTime t1 = clock->steady_now();
  EXPECT_EQ(sink.maybe_flush(), 0u);  // attempt 1 fails at t1
  EXPECT_EQ(sink.next_deadline(), t1 + 10ms);
  sink.submit(upd("a", "2", 200, 3));  // arrives while the batch waits: pending, not lost
  EXPECT_EQ(sink.stats().in_flight, 2u);
  EXPECT_EQ(sink.stats().pending, 1u);
  clock->advance(9ms);
  EXPECT_EQ(sink.maybe_flush(), 0u);  // backoff not over: no attempt
  EXPECT_EQ(sink.attempts.size(), 1u);
  clock->advance(1ms);
  sink.maybe_flush();  // attempt 2 fails -> 20 ms
  EXPECT_EQ(sink.next_deadline(), t1 + 30ms);
  clock->advance(20ms);
  sink.maybe_flush();  // attempt 3 fails -> 40 ms
  clock->advance(40ms);
  sink.maybe_flush();  // attempt 4 fails -> 40 ms (the max)
  EXPECT_EQ(sink.next_deadline(), t1 + 110ms);
  sink.flush();  // attempt 5 succeeds after sleeping the backoff; then "a"=2 is written
  ASSERT_EQ(sink.attempts.size(), 6u);
  EXPECT_EQ(sink.attempts[1] - sink.attempts[0], 10ms);
  EXPECT_EQ(sink.attempts[2] - sink.attempts[1], 20ms);
  EXPECT_EQ(sink.attempts[3] - sink.attempts[2], 40ms);
  EXPECT_EQ(sink.attempts[4] - sink.attempts[3], 40ms);
  ASSERT_EQ(sink.batches.size(), 2u);
  EXPECT_EQ(sink.batches[0].size(), 2u);  // the same batch, whole
  EXPECT_EQ(sink.batches[1][0].fields->at(0).second, "2");
  const auto stats = sink.stats();
  EXPECT_EQ(stats.failed_attempts, 4u);
  EXPECT_EQ(stats.acknowledged, 3u);
  EXPECT_FALSE(stats.failed);
  // Backoff resets after a success.
  sink.fail_times = 1;
  sink.submit(upd("c", "1", 300, 4));
  sink.flush();
  EXPECT_EQ(clock->sleeps().back(), 10ms);
}

TEST_F(SinkBatching, FlushWaitsOnlyForUpdatesSubmittedBeforeIt) {
  auto options = manual_options();
  options.max_batch = 2;
  FakeSink sink(options);
  for (int i = 0; i < 5; ++i) sink.submit(upd("k" + std::to_string(i), "v", 100, i));
  // While flush() writes, "other threads" keep submitting new keys (and re-submitting k4):
  // flush() must still return once k0..k4 are written, leaving the newcomers pending.
  int n = 0;
  sink.during_write = [&] {
    sink.submit(upd("new" + std::to_string(n), "v", 200, 100 + n));
    ++n;
    sink.submit(upd("k4", "v2", 300, 1000 + n));
  };
  sink.flush();
  std::map<std::string, std::string> written;
  for (const auto& u : sink.all_written()) written[u.key] = u.fields->at(0).second;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(written.count("k" + std::to_string(i)), 1u) << i;
  EXPECT_EQ(written.at("k4"), "v2");  // coalesced while pending: the newer value went out
  EXPECT_EQ(sink.batches.size(), 3u);
  EXPECT_GT(sink.stats().pending, 0u);
}

TEST_F(SinkRetry, FlushDrivesRetriesUntilTimeout) {
  FakeSink sink(manual_options());
  sink.fail_times = 1000;
  sink.submit(upd("a", "1", 100, 1));
  try {
    sink.flush(100ms);
    FAIL() << "flush should time out";
  } catch (const SinkError& e) {
    EXPECT_TRUE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("timed out"), std::string::npos);
  }
  EXPECT_EQ(sink.stats().in_flight, 1u);  // kept for later, not dropped
  sink.fail_times = 0;
  sink.flush();
  EXPECT_EQ(sink.all_written().size(), 1u);
}

TEST_F(SinkRetry, NonRetriableErrorFailsTheSink) {
  FakeSink sink(manual_options());
  sink.fail_times = 1;
  sink.fail_fatally = true;
  sink.submit(upd("a", "1", 100, 1));
  EXPECT_THROW(sink.flush(), SinkError);
  EXPECT_TRUE(sink.stats().failed);
  EXPECT_EQ(sink.stats().last_error, "fake write failed");
  EXPECT_THROW(sink.submit(upd("b", "1", 100, 2)), SinkError);
  EXPECT_THROW(sink.maybe_flush(), SinkError);
}

TEST_F(SinkBackpressure, PausesAtMaxPendingNeverDropsAndResumes) {
  auto options = manual_options();
  options.max_pending = 10;
  options.resume_pending = 4;
  options.max_batch = 5;
  FakeSink sink(options);
  sink.fail_times = 1'000'000;  // the store is down
  for (int i = 0; i < 9; ++i) {
    sink.submit(upd("k" + std::to_string(i), "v", 100, i));
    sink.maybe_flush();
    EXPECT_FALSE(sink.paused()) << i;
  }
  sink.submit(upd("k9", "v", 100, 9));
  EXPECT_TRUE(sink.paused());
  for (int i = 10; i < 15; ++i) sink.submit(upd("k" + std::to_string(i), "v", 100, i));
  EXPECT_TRUE(sink.paused());
  EXPECT_EQ(sink.stats().pending + sink.stats().in_flight, 15u);  // nothing dropped
  EXPECT_EQ(sink.stats().pause_events, 1u);
  EXPECT_FALSE(sink.wait_for_capacity(0ms));
  sink.fail_times = 0;  // the store is back
  clock->advance(1s);
  sink.maybe_flush();
  EXPECT_FALSE(sink.paused());
  sink.flush();
  EXPECT_EQ(sink.all_written().size(), 15u);
  EXPECT_TRUE(sink.wait_for_capacity(0ms));
}

TEST_F(SinkFreshnessMetrics, AcknowledgedUpdatesAreMeasuredFromEventAndAppendTime) {
  auto options = manual_options();
  options.slo.objectives = {{95.0, 750ms}};
  FakeSink sink(options);
  sink.stale_keys = {"stale"};
  const int64_t now = clock->wall_ms();
  for (int i = 0; i < 100; ++i) {
    auto u = upd("k" + std::to_string(i), "v", now - 300, i);
    u.append_time_ms = now - 100;
    sink.submit(std::move(u));
  }
  sink.submit(upd("stale", "v", now - 100'000, 500));  // rejected by the store: not measured
  clock->advance(50ms);
  sink.maybe_flush();
  const auto r = sink.freshness();
  EXPECT_EQ(r.event_time_window.count, 100u);
  EXPECT_NEAR(r.event_time_window.p50_ms, 350.0, 350.0 / 64);
  EXPECT_NEAR(r.event_time_window.p999_ms, 350.0, 350.0 / 64);
  EXPECT_NEAR(r.append_time_total.p95_ms, 150.0, 150.0 / 64);
  EXPECT_TRUE(r.slo_met);
  EXPECT_EQ(sink.stats().rejected_stale, 1u);
  EXPECT_EQ(sink.stats().applied, 100u);
}

// The flush thread with the real clock: writes on the budget without maybe_flush(), and
// flush() and close() are well defined while it runs.
class ThreadSafeFake final : public FeatureSink {
 public:
  explicit ThreadSafeFake(SinkOptions options) : FeatureSink(std::move(options)) {}
  ~ThreadSafeFake() override { stop_flushing(); }
  std::atomic<int> fail_times{0};
  std::map<std::string, std::string> store() const {
    std::lock_guard lock(mutex_);
    return store_;
  }

 protected:
  void write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome>) override {
    if (fail_times.fetch_sub(1) > 0) throw std::runtime_error("down");
    std::lock_guard lock(mutex_);
    for (const auto& u : batch) {
      if (u.is_delete()) {
        store_.erase(u.key);
      } else {
        store_[u.key] = u.fields->at(0).second;
      }
    }
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::string> store_;
};

TEST(SinkBackgroundFlush, WritesWithinBudgetAndFlushesBeforeCommit) {
  SinkOptions options;
  options.latency_budget = 5ms;
  options.max_batch = 64;
  options.retry_backoff_initial = 1ms;
  ThreadSafeFake sink(options);
  sink.submit(upd("a", "1", 100, 1));
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (sink.store().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(sink.store().size(), 1u) << "the flush thread wrote on the latency budget";

  sink.fail_times = 3;
  std::thread producer([&] {
    for (int i = 0; i < 5000; ++i)
      sink.submit(upd("k" + std::to_string(i % 700), "v" + std::to_string(i), 100 + i, i));
  });
  producer.join();
  sink.flush();
  const auto store = sink.store();
  EXPECT_EQ(store.size(), 701u);
  EXPECT_EQ(store.at("k699"), "v4899");
  EXPECT_EQ(sink.stats().pending + sink.stats().in_flight, 0u);
  sink.submit(FeatureUpdate::erase("a", 100, {"in", 0, 2}));
  sink.close();
  EXPECT_EQ(sink.store().count("a"), 0u);
  EXPECT_THROW(sink.submit(upd("b", "1", 1, 1)), SinkError);
}

// Several submitting threads, a metrics reader and periodic flushes against the flush
// thread, with a writer that fails now and then (run it under TSan: the tsan preset).
TEST(SinkBackgroundFlush, ConcurrentSubmittersReadersAndFlushesLoseNothing) {
  SinkOptions options;
  options.latency_budget = 1ms;
  options.max_batch = 50;
  options.max_pending = 300;
  options.retry_backoff_initial = 1ms;
  options.retry_backoff_max = 2ms;
  options.slo.objectives = {{99.0, 10s}};
  ThreadSafeFake sink(options);
  sink.fail_times = 5;
  std::atomic<bool> done{false};
  std::thread reader([&] {
    while (!done) {
      (void)sink.stats();
      (void)sink.freshness();
      (void)sink.paused();
      (void)sink.next_deadline();
      std::this_thread::yield();
    }
  });
  std::vector<std::thread> submitters;
  for (int t = 0; t < 3; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = 0; i < 3000; ++i) {
        if (sink.paused()) sink.wait_for_capacity(1s);
        // Keys are per thread; the last version of each key is i in [2900, 3000).
        sink.submit(upd("t" + std::to_string(t) + "-" + std::to_string(i % 100), std::to_string(i),
                        1000 + i, i, t));
        if (i % 500 == 0) sink.maybe_flush();
      }
    });
  }
  for (int i = 0; i < 5; ++i) {
    sink.flush();
    std::this_thread::sleep_for(1ms);
  }
  for (auto& th : submitters) th.join();
  sink.flush();
  done = true;
  reader.join();
  const auto store = sink.store();
  ASSERT_EQ(store.size(), 300u);
  for (int t = 0; t < 3; ++t) {
    for (int k = 0; k < 100; ++k) {
      EXPECT_EQ(store.at("t" + std::to_string(t) + "-" + std::to_string(k)),
                std::to_string(2900 + k));
    }
  }
  const auto stats = sink.stats();
  EXPECT_EQ(stats.submitted, 9000u);
  EXPECT_EQ(stats.pending + stats.in_flight, 0u);
  EXPECT_EQ(stats.acknowledged + stats.coalesced + stats.ignored_older, 9000u);
  sink.close();
}

}  // namespace
}  // namespace eddy
