// Serves a Registry as Prometheus text on http://<host>:<port>/metrics, through
// prometheus-cpp's Exposer (civetweb) — no hand-written HTTP server. The conversion is the
// public one a host uses on its own Exposer (eddy/metrics_prometheus.h).
#pragma once

#include <memory>
#include <string>

#include "metrics/registry.h"

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace eddy::metrics {

class PrometheusEndpoint {
 public:
  // Binds host:port (metrics.host, default 127.0.0.1: loopback only). Throws
  // eddy::ConfigError("metrics.port") if it cannot bind.
  PrometheusEndpoint(std::shared_ptr<Registry> registry, const std::string& host, int port);
  ~PrometheusEndpoint();
  PrometheusEndpoint(const PrometheusEndpoint&) = delete;
  PrometheusEndpoint& operator=(const PrometheusEndpoint&) = delete;

 private:
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Collectable> collectable_;
};

}  // namespace eddy::metrics
