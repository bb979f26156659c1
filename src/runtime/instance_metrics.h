// Instance-wide metrics of a KafkaStreams: process CPU and its cost per million records, the
// instance state, the memory budget's parts, and every feature sink's writes, backpressure,
// freshness and SLO.
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
namespace eddy::state {
class MemoryBudget;
}

namespace eddy::runtime {

// `records` counts every record the instance's threads processed; `state` gives the
// instance state as a number (KafkaStreams::State's order).
void register_instance_metrics(metrics::Registry& registry, const std::atomic<int64_t>& records,
                               std::function<double()> state);

// eddy_memory_budget_bytes{part} (the limits: total, record_caches, suppress_buffers, and
// rocksdb, the block cache's capacity now) and eddy_memory_used_bytes{part} (record_caches,
// suppress_buffers, rocksdb) of `budget`, which must outlive the registry's scrapes.
void register_memory_metrics(metrics::Registry& registry, const state::MemoryBudget& budget);

// Sink labels are the sink's name (SinkOptions::name). `sink` must outlive the registry's
// scrapes; the topology plan keeps it alive as long as the KafkaStreams.
void register_sink_metrics(metrics::Registry& registry, const std::shared_ptr<FeatureSink>& sink);

}  // namespace eddy::runtime
