// Instance-wide metrics of a KafkaStreams: process CPU and its cost per million records, the
// instance state, and every feature sink's writes, backpressure, freshness and SLO.
// Everything here is read at scrape time from thread-safe sources (atomics, FeatureSink's
// stats() and freshness(), the process CPU clock).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "metrics/registry.h"

namespace eddy {
class FeatureSink;
}

namespace eddy::runtime {

// `records` counts every record the instance's threads processed; `state` gives the
// instance state as a number (KafkaStreams::State's order).
void register_instance_metrics(metrics::Registry& registry, const std::atomic<int64_t>& records,
                               std::function<double()> state);

// Sink labels are the sink's name (SinkOptions::name). `sink` must outlive the registry's
// scrapes; the topology plan keeps it alive as long as the KafkaStreams.
void register_sink_metrics(metrics::Registry& registry, std::shared_ptr<FeatureSink> sink);

}  // namespace eddy::runtime
