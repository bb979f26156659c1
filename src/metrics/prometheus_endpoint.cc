#include "metrics/prometheus_endpoint.h"

#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>

#include "eddy/errors.h"

namespace eddy::metrics {
namespace {

// Converts a Registry snapshot into prometheus-cpp's model at scrape time.
class RegistryCollectable final : public prometheus::Collectable {
 public:
  explicit RegistryCollectable(std::shared_ptr<Registry> registry)
      : registry_(std::move(registry)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families;
    for (const auto& sample : registry_->snapshot()) {
      if (families.empty() || families.back().name != sample.name) {
        prometheus::MetricFamily family;
        family.name = sample.name;
        family.help = sample.help;
        family.type = sample.type == MetricType::kCounter ? prometheus::MetricType::Counter
                      : sample.type == MetricType::kGauge ? prometheus::MetricType::Gauge
                                                          : prometheus::MetricType::Histogram;
        families.push_back(std::move(family));
      }
      prometheus::ClientMetric metric;
      for (const auto& [k, v] : sample.labels) metric.label.push_back({k, v});
      switch (sample.type) {
        case MetricType::kCounter:
          metric.counter.value = sample.value;
          break;
        case MetricType::kGauge:
          metric.gauge.value = sample.value;
          break;
        case MetricType::kHistogram:
          metric.histogram.sample_count = sample.histogram.count;
          metric.histogram.sample_sum = sample.histogram.sum;
          for (const auto& [bound, count] : sample.histogram.cumulative_buckets) {
            metric.histogram.bucket.push_back({count, bound});
          }
          break;
      }
      families.back().metric.push_back(std::move(metric));
    }
    return families;
  }

 private:
  std::shared_ptr<Registry> registry_;
};

}  // namespace

PrometheusEndpoint::PrometheusEndpoint(std::shared_ptr<Registry> registry, int port)
    : collectable_(std::make_shared<RegistryCollectable>(std::move(registry))) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>("127.0.0.1:" + std::to_string(port));
  } catch (const std::exception& e) {
    throw ConfigError("metrics.port", "cannot serve metrics on 127.0.0.1:" + std::to_string(port) +
                                          ": " + e.what());
  }
  exposer_->RegisterCollectable(collectable_);
}

PrometheusEndpoint::~PrometheusEndpoint() = default;

}  // namespace eddy::metrics
