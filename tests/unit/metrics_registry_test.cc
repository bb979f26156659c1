#include <gtest/gtest.h>

#include "metrics/histogram.h"
#include "metrics/prometheus_endpoint.h"
#include "metrics/registry.h"
#include "metrics/shared_histogram.h"
#include "support/real_kafka.h"

namespace eddy::metrics {
namespace {

TEST(MetricsRegistry, SameNameAndLabelsIsTheSameCounter) {
  Registry registry;
  Counter& a = registry.counter("eddy_records_total", "Records", {{"task", "0_1"}});
  Counter& b = registry.counter("eddy_records_total", "Records", {{"task", "0_1"}});
  Counter& other = registry.counter("eddy_records_total", "Records", {{"task", "0_2"}});
  a.inc(3);
  b.inc();
  EXPECT_EQ(&a, &b);
  EXPECT_EQ(a.value(), 4);
  EXPECT_EQ(other.value(), 0);
}

TEST(MetricsRegistry, PrometheusTextHasOneHeaderPerFamilyAndEscapedLabels) {
  Registry registry;
  registry.counter("eddy_records_total", "Records processed", {{"task", "0_1"}}).inc(5);
  registry.counter("eddy_records_total", "Records processed", {{"task", "0_2"}}).inc(7);
  registry.gauge_fn("eddy_lag", "Lag", {{"topic", "a\"b"}}, [] { return 12.5; });
  registry.histogram_fn("eddy_latency_seconds", "Latency", {}, [] {
    return HistogramSnapshot{{{0.01, 2}, {0.1, 5}}, 0.3, 6};
  });
  const std::string text = registry.to_prometheus_text();
  EXPECT_NE(
      text.find("# HELP eddy_records_total Records processed\n# TYPE eddy_records_total counter\n"
                "eddy_records_total{task=\"0_1\"} 5\neddy_records_total{task=\"0_2\"} 7\n"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("eddy_lag{topic=\"a\\\"b\"} 12.5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_latency_seconds_bucket{le=\"0.1\"} 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_latency_seconds_bucket{le=\"+Inf\"} 6\n"), std::string::npos) << text;
  EXPECT_NE(text.find("eddy_latency_seconds_count 6\n"), std::string::npos) << text;
}

TEST(MetricsRegistry, CounterFnIsACounterReadAtScrapeTime) {
  Registry registry;
  std::atomic<int64_t> ns{2'500'000'000};
  registry.counter_fn("eddy_poll_seconds_total", "Poll time", {{"thread", "t0"}},
                      [&] { return static_cast<double>(ns.load()) * 1e-9; });
  EXPECT_NE(registry.to_prometheus_text().find("# TYPE eddy_poll_seconds_total counter\n"
                                               "eddy_poll_seconds_total{thread=\"t0\"} 2.5\n"),
            std::string::npos)
      << registry.to_prometheus_text();
  ns = 4'000'000'000;
  const auto json = registry.to_json();
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["type"], "counter");
  EXPECT_EQ(json[0]["value"], 4.0);
}

TEST(MetricsRegistry, JsonHistogramsCarryTheirBuckets) {
  Registry registry;
  registry.histogram_fn("eddy_latency_seconds", "Latency", {{"thread", "t0"}}, [] {
    return HistogramSnapshot{{{0.01, 2}, {0.1, 5}}, 0.3, 6};
  });
  const auto json = registry.to_json();
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["count"], 6);
  EXPECT_DOUBLE_EQ(json[0]["sum"].get<double>(), 0.3);
  EXPECT_EQ(json[0]["buckets"], nlohmann::json::parse("[[0.01, 2], [0.1, 5]]"));
  EXPECT_EQ(json[0]["labels"]["thread"], "t0");
}

TEST(MetricsHistogram, CountAtOrBelowCountsWholeBuckets) {
  Histogram h;  // exact below 128, then buckets of 1.6 %
  for (int64_t v : {1, 5, 127, 128, 1000, 5000}) h.record(v);
  EXPECT_EQ(h.count_at_or_below(-1), 0u);
  EXPECT_EQ(h.count_at_or_below(0), 0u);
  EXPECT_EQ(h.count_at_or_below(5), 2u);
  EXPECT_EQ(h.count_at_or_below(127), 3u);
  EXPECT_EQ(h.count_at_or_below(128), 3u);  // 128 shares bucket [128, 129]
  EXPECT_EQ(h.count_at_or_below(129), 4u);
  // 1000 sits in bucket [1000, 1007]: a bound inside it does not count it yet.
  EXPECT_EQ(h.count_at_or_below(h.bucket_highest(h.bucket_index(1000)) - 1), 4u);
  EXPECT_EQ(h.count_at_or_below(h.bucket_highest(h.bucket_index(1000))), 5u);
  EXPECT_EQ(h.count_at_or_below(h.max_trackable()), 6u);
}

TEST(MetricsSharedHistogram, SnapshotIsInSecondsWithCumulativeBuckets) {
  SharedHistogram latency(SharedHistogram::kMicros);
  latency.record(800);        // 0.8 ms
  latency.record(3'000, 2);   // 3 ms, twice
  latency.record(2'000'000);  // 2 s
  const HistogramSnapshot snap = latency.snapshot();
  EXPECT_EQ(snap.count, 4u);
  EXPECT_NEAR(snap.sum, 0.0008 + 0.006 + 2.0, 1e-9);
  auto at = [&](double bound) {
    for (const auto& [b, count] : snap.cumulative_buckets) {
      if (std::abs(b - bound) < 1e-12) return count;
    }
    ADD_FAILURE() << "no bucket " << bound;
    return uint64_t{0};
  };
  EXPECT_EQ(at(0.0005), 0u);
  EXPECT_EQ(at(0.001), 1u);
  EXPECT_EQ(at(0.005), 3u);
  EXPECT_EQ(at(1.0), 3u);
  EXPECT_EQ(at(2.5), 4u);
  EXPECT_EQ(at(60.0), 4u);
  EXPECT_NEAR(latency.percentile_seconds(50), 0.003, 0.003 * 0.02);

  // merge_and_reset moves a thread-owned histogram in.
  Histogram local;
  local.record(10);
  local.record(20);
  latency.merge_and_reset(local);
  EXPECT_EQ(local.count(), 0u);
  EXPECT_EQ(latency.count(), 6u);
  EXPECT_EQ(latency.snapshot().cumulative_buckets.front().second, 0u);  // 1 µs bound
}

TEST(MetricsRegistry, RemovingAnOwnerDropsItsMetrics) {
  Registry registry;
  const OwnerId task = registry.new_owner();
  registry.counter("eddy_a_total", "a", {{"task", "0_0"}}, task).inc();
  registry.counter("eddy_b_total", "b", {}).inc();
  registry.remove_owner(task);
  const auto samples = registry.snapshot();
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_EQ(samples[0].name, "eddy_b_total");
  EXPECT_EQ(registry.to_json()[0]["value"], 1);
}

TEST(PrometheusEndpoint, ServesTheRegistryOnLoopback) {
  auto registry = std::make_shared<Registry>();
  registry->counter("eddy_records_total", "Records", {{"thread", "0"}}).inc(42);
  PrometheusEndpoint endpoint(registry, "127.0.0.1", 19464);
  const auto [status, body] =
      testing_support::run_command("curl -s --max-time 5 http://127.0.0.1:19464/metrics");
  ASSERT_EQ(status, 0);
  EXPECT_NE(body.find("eddy_records_total{thread=\"0\"} 42"), std::string::npos) << body;
}

}  // namespace
}  // namespace eddy::metrics
