// Windowed count over SlidingWindows on one task (in-memory and RocksDB window stores):
// records/s.
//
//   build/dev/benchmarks/eddy_micro_benchmarks --benchmark_filter=SlidingWindow
#include "window_bench_support.h"

namespace {

using namespace std::chrono_literals;

void BM_SlidingWindowCount(benchmark::State& state) {
  eddy::bench::run_window_benchmark(
      state,
      [](auto grouped, auto m) {
        grouped.windowed_by(eddy::SlidingWindows::of_time_difference_and_grace(60'000ms, 5'000ms))
            .count(m)
            .to_stream()
            .to("out", eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
                           eddy::serdes::time_windowed(eddy::serdes::string(), 60'000),
                           eddy::serdes::nullable(eddy::serdes::int64())));
      },
      /*step_ms=*/10);
}
BENCHMARK(BM_SlidingWindowCount)->Arg(0)->Arg(1);

}  // namespace
