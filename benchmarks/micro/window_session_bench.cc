// Session count (merging on every record of an active key) on one task (in-memory and
// RocksDB session stores), plus the same with suppress(until_window_closes): records/s.
//
//   build/dev/benchmarks/eddy_micro_benchmarks --benchmark_filter=SessionWindow
#include "window_bench_support.h"

namespace {

using namespace std::chrono_literals;

void BM_SessionWindowCount(benchmark::State& state) {
  eddy::bench::run_window_benchmark(
      state,
      [](auto grouped, auto m) {
        grouped.windowed_by(eddy::SessionWindows::of_inactivity_gap_and_grace(30'000ms, 5'000ms))
            .count(m)
            .to_stream()
            .to("out", eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
                           eddy::serdes::session_windowed(eddy::serdes::string()),
                           eddy::serdes::nullable(eddy::serdes::int64())));
      },
      /*step_ms=*/10);
}
BENCHMARK(BM_SessionWindowCount)->Arg(0)->Arg(1);

void BM_SessionWindowCountFinal(benchmark::State& state) {
  eddy::bench::run_window_benchmark(
      state,
      [](auto grouped, auto m) {
        grouped.windowed_by(eddy::SessionWindows::of_inactivity_gap_and_grace(30'000ms, 5'000ms))
            .count(m)
            .suppress(eddy::Suppressed::until_window_closes())
            .to_stream()
            .to("out", eddy::Produced<eddy::Windowed<std::string>, std::optional<int64_t>>::with(
                           eddy::serdes::session_windowed(eddy::serdes::string()),
                           eddy::serdes::nullable(eddy::serdes::int64())));
      },
      /*step_ms=*/10);
}
BENCHMARK(BM_SessionWindowCountFinal)->Arg(0)->Arg(1);

}  // namespace
