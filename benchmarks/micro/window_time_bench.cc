// Windowed count over tumbling and hopping TimeWindows on one task (in-memory and RocksDB
// window stores): records/s.
//
//   build/dev/benchmarks/eddy_micro_benchmarks --benchmark_filter=TimeWindow
#include "window_bench_support.h"

namespace {

using namespace std::chrono_literals;

void BM_TimeWindowTumblingCount(benchmark::State& state) {
  eddy::bench::run_window_benchmark(
      state,
      [](auto grouped, auto m) {
        grouped.windowed_by(eddy::TimeWindows::of_size_and_grace(60'000ms, 5'000ms))
            .count(m)
            .to_stream()
            .to("out", eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
                           eddy::serdes::time_windowed(eddy::serdes::string(), 60'000),
                           eddy::serdes::nullable(eddy::serdes::int64())));
      },
      /*step_ms=*/10);
}
BENCHMARK(BM_TimeWindowTumblingCount)->Arg(0)->Arg(1);

void BM_TimeWindowHoppingCount(benchmark::State& state) {
  eddy::bench::run_window_benchmark(
      state,
      [](auto grouped, auto m) {
        grouped
            .windowed_by(
                eddy::TimeWindows::of_size_and_grace(60'000ms, 5'000ms).advance_by(15'000ms))
            .count(m)
            .to_stream()
            .to("out", eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
                           eddy::serdes::time_windowed(eddy::serdes::string(), 60'000),
                           eddy::serdes::nullable(eddy::serdes::int64())));
      },
      /*step_ms=*/10);
}
BENCHMARK(BM_TimeWindowHoppingCount)->Arg(0)->Arg(1);

}  // namespace
