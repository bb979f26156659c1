// What the runtime's metrics cost on the hot path, and what a scrape costs.
//
// Per record, StreamTask adds one Histogram::record (end-to-end latency); per task batch the
// thread adds two steady-clock reads, a wall-clock read, one SharedHistogram::record (a mutex)
// and one relaxed atomic add; every ~100 ms a task publishes its totals.
//
//   build/dev/benchmarks/eddy_micro_benchmarks --benchmark_filter=Metrics
#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <string>

#include "metrics/histogram.h"
#include "metrics/registry.h"
#include "metrics/shared_histogram.h"
#include "runtime/task_metrics.h"

namespace {
using eddy::metrics::Histogram;
using eddy::metrics::Registry;
using eddy::metrics::SharedHistogram;

// The per-record addition: end-to-end latency into the task's own histogram.
void BM_MetricsPerRecordE2eLatency(benchmark::State& state) {
  Histogram h;
  int64_t latency_ms = 0;
  for (auto _ : state) {
    h.record(latency_ms);
    latency_ms = (latency_ms + 7) & 0xffff;  // spread over buckets
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsPerRecordE2eLatency);

// The per-batch addition (kProcessBatchPerTask = 1000 records), reported per record.
void BM_MetricsPerBatchOverheadPerRecord(benchmark::State& state) {
  Registry registry;
  auto& records_in = registry.counter("eddy_records_in_total", "", {{"task", "0_0"}});
  SharedHistogram process_latency(SharedHistogram::kNanos);
  constexpr int64_t kBatch = 1000;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    const auto wall = std::chrono::system_clock::now();
    benchmark::DoNotOptimize(wall);
    const auto took = std::chrono::steady_clock::now() - start;
    process_latency.record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(took).count() / kBatch, kBatch);
    records_in.inc(kBatch);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}
BENCHMARK(BM_MetricsPerBatchOverheadPerRecord);

// One task's publish (every ~100 ms and at commit): totals, late drops, e2e merge.
void BM_MetricsTaskPublish(benchmark::State& state) {
  Registry registry;
  eddy::runtime::TaskMetrics task(registry, "stream-thread-0", "0_0", false);
  std::map<std::string, int64_t> late{{"per-minute-count", 0}};
  Histogram e2e;
  int64_t n = 0;
  for (auto _ : state) {
    ++n;
    for (int i = 0; i < 100; ++i) e2e.record(i * 3);
    late["per-minute-count"] = n;
    task.publish({.records_out = n, .late_dropped_by_node = &late}, e2e);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MetricsTaskPublish);

// A scrape of an instance with `tasks` tasks (each ~20 series) as Prometheus text.
void BM_MetricsScrapePrometheusText(benchmark::State& state) {
  Registry registry;
  std::vector<std::unique_ptr<eddy::runtime::TaskMetrics>> tasks;
  for (int t = 0; t < state.range(0); ++t) {
    tasks.push_back(std::make_unique<eddy::runtime::TaskMetrics>(registry, "stream-thread-0",
                                                                 "0_" + std::to_string(t), false));
  }
  for (auto _ : state) benchmark::DoNotOptimize(registry.to_prometheus_text());
  state.counters["series"] = static_cast<double>(registry.snapshot().size());
}
BENCHMARK(BM_MetricsScrapePrometheusText)->Arg(8)->Arg(64);

}  // namespace
