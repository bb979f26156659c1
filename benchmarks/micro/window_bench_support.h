// Shared by the window_*_bench.cc micro benchmarks: runs a windowed count on one TaskCore
// (no Kafka, no test driver) and reports records/s. Keys cycle over 1000 values; timestamps
// advance `step_ms` per record, so windows open, close and expire as in a live stream.
#pragma once

#include <benchmark/benchmark.h>

#include <unistd.h>
#include <filesystem>
#include <string>
#include <vector>

#include "eddy/dsl/streams_builder.h"
#include "processor/local_task_stores.h"
#include "processor/task_core.h"

namespace eddy::bench {

class NullCollector final : public processor::RecordCollector {
 public:
  std::optional<processor::SendRefusal> send(const std::string&, const std::optional<int32_t>&,
                                             const std::optional<std::string_view>&,
                                             const std::optional<std::string_view>&, int64_t,
                                             const Headers&, processor::SendKind,
                                             std::string_view) override {
    ++records;
    return std::nullopt;
  }
  int32_t partition_count(const std::string&) override { return 1; }
  int64_t records = 0;
};

// `add_window(grouped_stream, materialized)` adds the windowed aggregation and its sink.
template <typename AddWindow>
void run_window_benchmark(benchmark::State& state, AddWindow add_window, int64_t step_ms) {
  const bool persistent = state.range(0) != 0;
  StreamsBuilder builder;
  auto m = Materialized<std::string, int64_t>::as("agg");
  if (!persistent) m.with_in_memory();
  add_window(builder.stream<std::string, int64_t>("in").group_by_key(), m);
  StreamsConfig config;
  config.application_id = "window-bench";
  const auto topology = builder.build(config);
  const auto dir =
      std::filesystem::temp_directory_path() / ("eddy-window-bench-" + std::to_string(::getpid()));
  NullCollector collector;
  int64_t emitted = 0;
  {
    processor::LocalTaskStores stores({.state_dir = dir});
    processor::TaskCore task(topology.shared_plan(), 0, 0,
                             {.collector = &collector, .store_provider = stores.provider()});
    std::vector<std::string> keys;
    for (int k = 0; k < 1000; ++k) keys.push_back("customer-" + std::to_string(k));
    const auto value = serdes::int64().to_bytes(1);
    processor::IncomingRecord record{"in", 0, 0, 0, std::string(), value, {}};
    int64_t i = 0;
    for (auto _ : state) {
      record.offset = i;
      record.timestamp = i * step_ms;
      record.key = keys[static_cast<size_t>(i % 1000)];
      task.process(record);
      ++i;
    }
    emitted = collector.records;
  }
  std::filesystem::remove_all(dir);
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["out/in"] =
      static_cast<double>(emitted) / static_cast<double>(std::max<int64_t>(1, state.iterations()));
  state.SetLabel(persistent ? "rocksdb" : "memory");
}

}  // namespace eddy::bench
