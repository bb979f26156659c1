// The log-linear histogram behind sink freshness, and the sliding-window SLO check.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>

#include "metrics/histogram.h"
#include "sink/freshness_tracker.h"

namespace eddy {
namespace {

using metrics::Histogram;
using namespace std::chrono_literals;

// Within the histogram's resolution: 1/64 of the value (7 significant bits), at least 1.
void expect_near_value(int64_t actual, int64_t expected) {
  const double tolerance = std::max(1.0, static_cast<double>(expected) / 64.0);
  EXPECT_NEAR(static_cast<double>(actual), static_cast<double>(expected), tolerance)
      << "expected ~" << expected;
}

TEST(SinkHistogram, BucketsAreContiguousAndCoverEveryValue) {
  Histogram h;
  for (std::size_t i = 0; i + 1 < h.bucket_count(); ++i) {
    ASSERT_EQ(h.bucket_lowest(i + 1), h.bucket_highest(i) + 1) << "bucket " << i;
    ASSERT_EQ(h.bucket_index(h.bucket_lowest(i)), i);
    ASSERT_EQ(h.bucket_index(h.bucket_highest(i)), i);
  }
  EXPECT_EQ(h.bucket_highest(h.bucket_count() - 1), h.max_trackable());
  // Fixed memory: ~2.4 K buckets for 42 bits at 7 significant bits.
  EXPECT_LT(h.bucket_count(), 2500u);
}

TEST(SinkHistogram, SmallValuesAreExact) {
  Histogram h;
  for (int v = 0; v < 100; ++v) h.record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.value_at_percentile(50.0), 49);
  EXPECT_EQ(h.value_at_percentile(99.0), 98);
  EXPECT_EQ(h.value_at_percentile(100.0), 99);
  EXPECT_EQ(h.min(), 0);
  EXPECT_DOUBLE_EQ(h.mean(), 49.5);
}

TEST(SinkHistogram, PercentilesOfUniformValuesWithinResolution) {
  Histogram h;
  for (int v = 1; v <= 100'000; ++v) h.record(v);
  expect_near_value(h.value_at_percentile(50.0), 50'000);
  expect_near_value(h.value_at_percentile(95.0), 95'000);
  expect_near_value(h.value_at_percentile(99.0), 99'000);
  expect_near_value(h.value_at_percentile(99.9), 99'900);
  EXPECT_EQ(h.value_at_percentile(100.0), 100'000);
  EXPECT_EQ(h.max(), 100'000);
  EXPECT_EQ(h.min(), 1);
  EXPECT_DOUBLE_EQ(h.mean(), 50'000.5);
  // Reported values are the bucket's highest, so never below the true percentile.
  EXPECT_GE(h.value_at_percentile(95.0), 95'000);
}

TEST(SinkHistogram, SkewedDistributionTailPercentiles) {
  Histogram h;
  h.record(10'000, 990);    // 990 x 10 ms (in us)
  h.record(2'000'000, 9);   // 9 x 2 s
  h.record(30'000'000, 1);  // 1 x 30 s
  expect_near_value(h.value_at_percentile(50.0), 10'000);
  expect_near_value(h.value_at_percentile(99.0), 10'000);
  expect_near_value(h.value_at_percentile(99.5), 2'000'000);
  expect_near_value(h.value_at_percentile(99.9), 2'000'000);
  EXPECT_EQ(h.value_at_percentile(99.95), 30'000'000);
}

TEST(SinkHistogram, ClampsNegativeAndHugeValues) {
  Histogram h(7, 20);
  h.record(-5);
  h.record(int64_t{1} << 40);
  EXPECT_EQ(h.count(), 2u);
  EXPECT_EQ(h.clamped(), 1u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), h.max_trackable());
}

TEST(SinkHistogram, MergeAddsCounts) {
  Histogram a;
  Histogram b;
  for (int v = 1; v <= 500; ++v) a.record(v);
  for (int v = 501; v <= 1000; ++v) b.record(v);
  a.merge(b);
  EXPECT_EQ(a.count(), 1000u);
  expect_near_value(a.value_at_percentile(50.0), 500);
  EXPECT_EQ(a.max(), 1000);
  a.reset();
  EXPECT_EQ(a.count(), 0u);
  EXPECT_EQ(a.value_at_percentile(50.0), 0);
}

TEST(SinkFreshness, WindowSlidesAndSloIsChecked) {
  FreshnessSlo slo{.objectives = {{95.0, 750ms}, {99.9, 5000ms}}, .window = 60s};
  detail::FreshnessTracker tracker(slo);
  const auto t0 =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000));
  const int64_t t0_ms = 1'700'000'000'000;
  // 1000 updates, acknowledged 200 ms after their event time (append time 150 ms after).
  for (int i = 0; i < 1000; ++i) tracker.record(t0, t0_ms - 200, t0_ms - 150);
  auto r = tracker.report(t0);
  EXPECT_EQ(r.event_time_window.count, 1000u);
  EXPECT_NEAR(r.event_time_window.p99_ms, 200.0, 200.0 / 64);
  EXPECT_NEAR(r.append_time_window.p50_ms, 150.0, 150.0 / 64);
  EXPECT_TRUE(r.slo_met);
  ASSERT_EQ(r.objectives.size(), 2u);
  EXPECT_TRUE(r.objectives[0].met);

  // 10 s later: 10 slow updates (2 s) -> p95 of 1010 values is still 200 ms, p99.9 is 2 s.
  const auto t1 = t0 + 10s;
  for (int i = 0; i < 10; ++i) tracker.record(t1, t0_ms + 10'000 - 2'000, -1);
  r = tracker.report(t1);
  EXPECT_EQ(r.event_time_window.count, 1010u);
  EXPECT_EQ(r.append_time_window.count, 1000u);
  EXPECT_NEAR(r.objectives[0].observed_ms, 200.0, 200.0 / 64);
  EXPECT_TRUE(r.slo_met);
  EXPECT_NEAR(r.objectives[1].observed_ms, 2000.0, 2000.0 / 64);

  // 20 s later: 5 very slow ones (8 s): the 1014th of 1015 is 8 s -> p99.9 > 5 s: violated.
  const auto t2 = t0 + 20s;
  for (int i = 0; i < 5; ++i) tracker.record(t2, t0_ms + 20'000 - 8'000, -1);
  r = tracker.report(t2);
  EXPECT_FALSE(r.slo_met);
  EXPECT_TRUE(r.objectives[0].met);
  EXPECT_FALSE(r.objectives[1].met);
  EXPECT_NEAR(r.objectives[1].observed_ms, 8000.0, 8000.0 / 64);

  // 65 s after t0 the first slot (the 1000 fast ones) has left the window: the 15 slow
  // ones remain, so p95 is 8 s.
  r = tracker.report(t0 + 65s);
  EXPECT_EQ(r.event_time_window.count, 15u);
  EXPECT_FALSE(r.objectives[0].met);

  // 2 minutes later the window is empty (vacuously met); the totals keep everything.
  r = tracker.report(t0 + 120s);
  EXPECT_EQ(r.event_time_window.count, 0u);
  EXPECT_TRUE(r.slo_met);
  EXPECT_EQ(r.event_time_total.count, 1015u);
  EXPECT_NEAR(r.event_time_total.max_ms, 8000.0, 8000.0 / 64);
}

}  // namespace
}  // namespace eddy
