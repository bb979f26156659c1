#include "runtime/instance_metrics.h"

#include <time.h>

#include <string>
#include <utility>

#include "eddy/sink/feature_sink.h"
#include "state/memory_budget.h"

namespace eddy::runtime {
namespace {
double process_cpu_seconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}
}  // namespace

void register_instance_metrics(metrics::Registry& registry, const std::atomic<int64_t>& records,
                               std::function<double()> state) {
  registry.counter_fn("eddy_process_cpu_seconds_total",
                      "CPU time of the whole process (user + system, all threads)", {},
                      process_cpu_seconds);
  registry.gauge_fn(
      "eddy_cpu_seconds_per_million_records",
      "Process CPU seconds per million records processed since start (0 before the first)", {},
      [&records] {
        const auto n = static_cast<double>(records.load(std::memory_order_relaxed));
        return n == 0 ? 0.0 : process_cpu_seconds() / n * 1e6;
      });
  registry.gauge_fn("eddy_state",
                    "Instance state: 0 CREATED, 1 REBALANCING, 2 RUNNING, 3 PENDING_SHUTDOWN, "
                    "4 NOT_RUNNING, 5 ERROR",
                    {}, std::move(state));
}

void register_memory_metrics(metrics::Registry& registry, const state::MemoryBudget& budget) {
  const state::MemoryBudget* b = &budget;
  const std::string limits =
      "The memory budget (eddy.memory.budget.bytes) and its parts' limits: record caches, "
      "suppress buffers (half the total), rocksdb (block cache and memtables: its capacity "
      "now, less what suppress buffers took from it)";
  auto limit = [&](const char* part, std::function<double()> fn) {
    registry.gauge_fn("eddy_memory_budget_bytes", limits, {{"part", part}}, std::move(fn));
  };
  limit("total", [b] { return static_cast<double>(b->total_bytes()); });
  limit("record_caches", [b] { return static_cast<double>(b->record_cache_bytes()); });
  limit("suppress_buffers", [b] { return static_cast<double>(b->suppress_buffer_limit()); });
  limit("rocksdb", [b] { return static_cast<double>(b->rocksdb_capacity()); });
  auto used = [&](const char* part, std::function<double()> fn) {
    registry.gauge_fn("eddy_memory_used_bytes",
                      "Bytes held now under the memory budget, by part of the process",
                      {{"part", part}}, std::move(fn));
  };
  used("record_caches", [b] { return static_cast<double>(b->record_cache_usage()); });
  used("suppress_buffers", [b] { return static_cast<double>(b->suppress_buffer_usage()); });
  used("rocksdb", [b] { return static_cast<double>(b->rocksdb_usage()); });
}

void register_sink_metrics(metrics::Registry& registry, const std::shared_ptr<FeatureSink>& sink) {
  const std::string name = sink->name();
  const metrics::Labels labels{{"sink", name}};
  FeatureSink* s = sink.get();
  auto stat = [&](const char* metric, const char* help, auto field) {
    registry.counter_fn(metric, help, labels,
                        [s, field] { return static_cast<double>(s->stats().*field); });
  };
  stat("eddy_sink_batches_total", "Batches the sink wrote successfully", &SinkStats::batches);
  stat("eddy_sink_writes_total", "Updates in successfully written batches",
       &SinkStats::acknowledged);
  stat("eddy_sink_write_retries_total", "Batch writes that failed and were retried",
       &SinkStats::failed_attempts);
  stat("eddy_sink_backpressure_total", "Times the sink paused its input (backpressure)",
       &SinkStats::pause_events);
  stat("eddy_sink_rejected_stale_total", "Updates the store rejected as older than its version",
       &SinkStats::rejected_stale);
  stat("eddy_sink_skipped_invalid_total",
       "Updates the sink skipped as invalid for it (e.g. no numeric score in sorted-set mode)",
       &SinkStats::skipped_invalid);
  stat("eddy_sink_coalesced_total", "Updates replaced by a newer pending one of the same key",
       &SinkStats::coalesced);
  stat("eddy_sink_connection_losses_total", "Connections to the serving store lost",
       &SinkStats::connection_losses);
  registry.gauge_fn("eddy_sink_pending_updates", "Updates waiting to be written or in flight",
                    labels, [s] {
                      const SinkStats st = s->stats();
                      return static_cast<double>(st.pending + st.in_flight);
                    });
  registry.gauge_fn("eddy_sink_paused", "1 while the sink holds its input back", labels,
                    [s] { return s->stats().paused ? 1.0 : 0.0; });

  // Freshness over the SLO window, per clock (event time / Kafka append time), as quantile
  // gauges: the tracker's log-linear histograms give exact-enough percentiles, which fixed
  // Prometheus buckets would blur.
  using Pick = const FreshnessSummary FreshnessReport::*;
  const std::pair<const char*, Pick> clocks[] = {{"event", &FreshnessReport::event_time_window},
                                                 {"append", &FreshnessReport::append_time_window}};
  const std::pair<const char*, double FreshnessSummary::*> quantiles[] = {
      {"0.5", &FreshnessSummary::p50_ms},
      {"0.95", &FreshnessSummary::p95_ms},
      {"0.99", &FreshnessSummary::p99_ms},
      {"0.999", &FreshnessSummary::p999_ms}};
  for (const auto& [clock, window] : clocks) {
    for (const auto& [quantile, field] : quantiles) {
      registry.gauge_fn("eddy_sink_freshness_seconds",
                        "Event (or append) time to acknowledged in the sink, over the SLO window",
                        {{"sink", name}, {"clock", clock}, {"quantile", quantile}},
                        [s, w = window, f = field] { return (s->freshness().*w).*f * 1e-3; });
    }
    registry.gauge_fn("eddy_sink_freshness_window_count",
                      "Updates the freshness quantiles cover (the SLO window)",
                      {{"sink", name}, {"clock", clock}},
                      [s, w = window] { return static_cast<double>((s->freshness().*w).count); });
  }
  registry.counter_fn("eddy_sink_freshness_updates_total",
                      "Updates whose freshness was measured since the sink started", labels,
                      [s] { return static_cast<double>(s->freshness().event_time_total.count); });
  registry.gauge_fn("eddy_sink_slo_met", "1 when every declared freshness objective holds", labels,
                    [s] { return s->freshness().slo_met ? 1.0 : 0.0; });
  // Keep the sink alive with the registry entry (the plan also holds it).
  registry.gauge_fn("eddy_sink_info", "1 for each feature sink of the topology", labels,
                    [sink] { return 1.0; });
}

}  // namespace eddy::runtime
