#include "metrics/prometheus_endpoint.h"

#include <prometheus/exposer.h>

#include "eddy/errors.h"
#include "eddy/metrics_prometheus.h"

namespace eddy::metrics {

PrometheusEndpoint::PrometheusEndpoint(std::shared_ptr<Registry> registry, const std::string& host,
                                       int port)
    : collectable_(prometheus_collectable(
          [registry = std::move(registry)] { return registry->samples(); })) {
  const std::string address = host + ":" + std::to_string(port);
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& e) {
    throw ConfigError("metrics.port", "cannot serve metrics on " + address + " (metrics.host " +
                                          host + "): " + e.what());
  }
  exposer_->RegisterCollectable(collectable_);
}

PrometheusEndpoint::~PrometheusEndpoint() = default;

}  // namespace eddy::metrics
