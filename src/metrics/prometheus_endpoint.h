// Serves a Registry as Prometheus text on http://127.0.0.1:<port>/metrics, through
// prometheus-cpp's Exposer (civetweb) — no hand-written HTTP server.
#pragma once

#include <memory>

#include "metrics/registry.h"

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace eddy::metrics {

class PrometheusEndpoint {
 public:
  // Binds 127.0.0.1:port (loopback only). Throws eddy::ConfigError("metrics.port") if taken.
  PrometheusEndpoint(std::shared_ptr<Registry> registry, int port);
  ~PrometheusEndpoint();
  PrometheusEndpoint(const PrometheusEndpoint&) = delete;
  PrometheusEndpoint& operator=(const PrometheusEndpoint&) = delete;

 private:
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::shared_ptr<prometheus::Collectable> collectable_;
};

}  // namespace eddy::metrics
