#include <gtest/gtest.h>

#include "metrics/prometheus_endpoint.h"
#include "metrics/registry.h"
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
  PrometheusEndpoint endpoint(registry, 19464);
  const auto [status, body] =
      testing_support::run_command("curl -s --max-time 5 http://127.0.0.1:19464/metrics");
  ASSERT_EQ(status, 0);
  EXPECT_NE(body.find("eddy_records_total{thread=\"0\"} 42"), std::string::npos) << body;
}

}  // namespace
}  // namespace eddy::metrics
