// KStream-KStream join (inner, left, outer) on one task, in-memory and RocksDB window stores:
// records/s, next to the windowed count of window_time_bench.cc (same harness: 1000 keys
// cycling, timestamps 10 ms apart, one TaskCore, no Kafka). Records alternate between the two
// sides: a left record of key k, then 10 ms later a right record of key k (every fourth key:
// a key the left side never has), then the next key; a key comes back after 20 s, outside
// the 10 s time difference. So 3 in 4 pairs join (inner out/in 0.375) and the rest go out
// unmatched once their window closed (left join: + 0.125, outer join: + 0.25). The wall clock
// follows event time, so left and outer joins scan for closed windows once a second (Kafka
// Streams' default emit interval), as in a live stream.
//
//   build/dev/benchmarks/eddy_micro_benchmarks --benchmark_filter='StreamJoin|TimeWindowTumbling'
#include "window_bench_support.h"

namespace {

using namespace std::chrono_literals;
using S = std::string;

enum Kind : int64_t { kInner = 0, kLeft = 1, kOuter = 2 };

void BM_StreamJoin(benchmark::State& state) {
  const auto kind = static_cast<Kind>(state.range(0));
  const bool persistent = state.range(1) != 0;
  eddy::StreamsBuilder builder;
  auto left = builder.stream<S, int64_t>("left");
  auto right = builder.stream<S, int64_t>("right");
  const auto windows = eddy::JoinWindows::of_time_difference_and_grace(10'000ms, 5'000ms);
  auto joined = eddy::StreamJoined<S, int64_t, int64_t>::as("join");
  if (!persistent) joined.with_in_memory();
  const auto produced =
      eddy::Produced<S, int64_t>::with(eddy::serdes::string(), eddy::serdes::int64());
  switch (kind) {
    case kInner:
      left.join(
              right, [](int64_t a, int64_t b) { return a + b; }, windows, joined)
          .to("out", produced);
      break;
    case kLeft:
      left.left_join(
              right, [](int64_t a, const std::optional<int64_t>& b) { return a + b.value_or(0); },
              windows, joined)
          .to("out", produced);
      break;
    case kOuter:
      left.outer_join(
              right,
              [](const std::optional<int64_t>& a, const std::optional<int64_t>& b) {
                return a.value_or(0) + b.value_or(0);
              },
              windows, joined)
          .to("out", produced);
      break;
  }
  eddy::StreamsConfig config;
  config.application_id = "join-bench";
  const auto topology = builder.build(config);
  const auto dir =
      std::filesystem::temp_directory_path() / ("eddy-join-bench-" + std::to_string(::getpid()));
  eddy::bench::NullCollector collector;
  int64_t emitted = 0;
  {
    eddy::processor::LocalTaskStores stores({.state_dir = dir});
    eddy::processor::TaskCore task(topology.shared_plan(), 0, 0,
                                   {.collector = &collector, .store_provider = stores.provider()});
    std::vector<S> keys;
    std::vector<S> right_keys;
    for (int k = 0; k < 1000; ++k) {
      keys.push_back("customer-" + std::to_string(k));
      right_keys.push_back(k % 4 == 0 ? "visitor-" + std::to_string(k) : keys.back());
    }
    const auto value = eddy::serdes::int64().to_bytes(1);
    eddy::processor::IncomingRecord record{"left", 0, 0, 0, S(), value, {}};
    int64_t i = 0;
    for (auto _ : state) {
      const bool is_left = (i & 1) == 0;
      const auto k = static_cast<size_t>((i / 2) % 1000);
      record.topic = is_left ? "left" : "right";
      record.offset = i;
      record.timestamp = i * 10;
      record.key = is_left ? keys[k] : right_keys[k];
      if (i % 100 == 0) task.advance_wall_clock(record.timestamp);
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
  static const char* kNames[] = {"inner", "left", "outer"};
  state.SetLabel(std::string(kNames[kind]) + (persistent ? " rocksdb" : " memory"));
}
BENCHMARK(BM_StreamJoin)->ArgsProduct({{kInner, kLeft, kOuter}, {0, 1}});

}  // namespace
