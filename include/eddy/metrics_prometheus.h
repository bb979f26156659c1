// eddy/metrics_prometheus.h — Eddy's metrics as a prometheus-cpp Collectable, so a host that
// already serves metrics with prometheus-cpp exposes Eddy's on its own endpoint (no second
// port; leave metrics.port at 0). Opt-in: including it needs prometheus-cpp's core headers
// (link prometheus-cpp::core); Eddy itself exposes no prometheus-cpp type.
//
//   #include "eddy/metrics_prometheus.h"
//   auto collectable = eddy::prometheus_collectable(streams.metrics_source());
//   host_exposer.RegisterCollectable(collectable);          // scraped with the host's metrics
//   ...
//   host_exposer.RemoveCollectable(collectable);            // optional; after the instance
//                                                           // is destroyed it collects nothing
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <memory>
#include <utility>
#include <vector>

#include "eddy/metrics.h"

namespace eddy {

// Converts snapshots of `source` into prometheus-cpp's model at every scrape.
class PrometheusCollectable final : public prometheus::Collectable {
 public:
  explicit PrometheusCollectable(MetricsSource source) : source_(std::move(source)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
    if (!source_) return families;
    for (const MetricSample& sample : source_()) {
      if (families.empty() || families.back().name != sample.name) {
        prometheus::MetricFamily family;
        family.name = sample.name;
        family.help = sample.help;
        family.type = sample.kind == MetricKind::kCounter ? prometheus::MetricType::Counter
                      : sample.kind == MetricKind::kGauge ? prometheus::MetricType::Gauge
                                                          : prometheus::MetricType::Histogram;
        families.push_back(std::move(family));
      }
      prometheus::ClientMetric metric;
      for (const auto& [key, value] : sample.labels) metric.label.push_back({key, value});
      switch (sample.kind) {
        case MetricKind::kCounter:
          metric.counter.value = sample.value;
          break;
        case MetricKind::kGauge:
          metric.gauge.value = sample.value;
          break;
        case MetricKind::kHistogram:
          metric.histogram.sample_count = sample.count;
          metric.histogram.sample_sum = sample.sum;
          for (const auto& [bound, count] : sample.buckets) {
            metric.histogram.bucket.push_back({count, bound});
          }
          break;
      }
      families.back().metric.push_back(std::move(metric));
    }
    return families;
  }

 private:
  MetricsSource source_;
};

inline std::shared_ptr<prometheus::Collectable> prometheus_collectable(MetricsSource source) {
  return std::make_shared<PrometheusCollectable>(std::move(source));
}

}  // namespace eddy
