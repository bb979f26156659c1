// eddy/metrics.h — Eddy's metrics as typed samples, for a host that exports metrics its own
// way (docs/metrics.md lists every metric).
//
// KafkaStreams::metrics_source() returns a function that takes a snapshot of the instance's
// metrics whenever it is called, from any thread. A host with a prometheus-cpp Exposer of
// its own registers them there (eddy/metrics_prometheus.h) instead of a second endpoint:
//
//   prometheus::Exposer exposer{"0.0.0.0:9100"};            // the host's endpoint
//   exposer.RegisterCollectable(eddy::prometheus_collectable(streams.metrics_source()));
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace eddy {

enum class MetricKind { kCounter, kGauge, kHistogram };

struct MetricSample {
  std::string name;  // e.g. "eddy_records_processed_total"
  std::string help;
  MetricKind kind = MetricKind::kCounter;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;  // counters and gauges
  // Histograms (seconds): (upper bound, count of observations <= bound), ascending; the
  // +Inf bucket is `count`.
  std::vector<std::pair<double, uint64_t>> buckets;
  double sum = 0;
  uint64_t count = 0;
};

// A snapshot of every metric, grouped by name. Safe to call from any thread, before start()
// and after close(); once the KafkaStreams object is destroyed it returns nothing.
using MetricsSource = std::function<std::vector<MetricSample>()>;

}  // namespace eddy
