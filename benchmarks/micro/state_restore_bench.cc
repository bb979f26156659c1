// Restore speed: a changelog of N records (100-byte values, keys in random order, 5 %
// tombstones) replayed into an empty store through restore_from_changelog(), in records/s.
// Arg 0: 0 = memory, 1 = RocksDB. Arg 1: N.
#include <benchmark/benchmark.h>

#include "state/key_schema.h"
#include "state/memory_budget.h"
#include "state/memory_changelog.h"
#include "state/restore/changelog_restorer.h"
#include "state_bench_support.h"

namespace eddy::state::bench {
namespace {

void BM_RestoreKeyValue(benchmark::State& state) {
  const int64_t records = state.range(1);
  MemoryChangelog changelog;
  std::mt19937_64 rng(4);
  const std::string value(100, 'v');
  for (int64_t i = 0; i < records; ++i) {
    const std::string key = bench_key(rng() % static_cast<uint64_t>(records));
    changelog.log("app-kv-changelog", 0, key,
                  i % 20 == 0 ? std::nullopt : std::optional<std::string_view>(value), i);
  }
  MemoryBudget budget{{.total_bytes = 256LL << 20, .record_cache_bytes = 16LL << 20}};
  for (auto _ : state) {
    state.PauseTiming();
    BenchDir dir;
    StoreContext context;
    context.task_dir = dir.path();
    context.memory_budget = &budget;
    BuiltStore built =
        build_store(flavored(Stores::persistent_key_value("kv"), state.range(0)), context);
    state.ResumeTiming();
    const auto progress = restore_from_changelog(changelog, "kv", "app-kv-changelog", 0, 0,
                                                 *built.restore);  // includes final flush
    benchmark::DoNotOptimize(progress.records_restored);
    state.PauseTiming();
    built.store->close();
    built = {};
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetLabel(flavor_label(state.range(0)));
}

// A window store's changelog: 1 M updates of 10 000 keys' 1-minute windows over 2 hours
// (the binary keys of key_schema.h), into an empty store. Arg 0: 0 = memory, 1 = RocksDB.
void BM_RestoreWindow(benchmark::State& state) {
  const int64_t records = state.range(1);
  MemoryChangelog changelog;
  std::mt19937_64 rng(6);
  const std::string value(100, 'v');
  for (int64_t i = 0; i < records; ++i) {
    const int64_t ts = i * 7'200'000 / records;  // stream time sweeps 2 hours
    const std::string key =
        WindowKeySchema::encode(bench_key(rng() % 10'000), (ts / 60'000) * 60'000, 0);
    changelog.log("app-w-changelog", 0, key, value, ts);
  }
  MemoryBudget budget{{.total_bytes = 256LL << 20, .record_cache_bytes = 16LL << 20}};
  for (auto _ : state) {
    state.PauseTiming();
    BenchDir dir;
    StoreContext context;
    context.task_dir = dir.path();
    context.memory_budget = &budget;
    BuiltStore built = build_store(
        flavored(Stores::persistent_window("w", std::chrono::hours(3), std::chrono::minutes(1)),
                 state.range(0)),
        context);
    state.ResumeTiming();
    const auto progress =
        restore_from_changelog(changelog, "w", "app-w-changelog", 0, 0, *built.restore);
    benchmark::DoNotOptimize(progress.records_restored);
    state.PauseTiming();
    built.store->close();
    built = {};
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetLabel(flavor_label(state.range(0)));
}

// A session store's changelog: 1 M sessions of 10 000 keys over 2 hours (session keys of
// key_schema.h, 5 % removals), into an empty store. Arg 0: 0 = memory, 1 = RocksDB.
void BM_RestoreSession(benchmark::State& state) {
  const int64_t records = state.range(1);
  MemoryChangelog changelog;
  std::mt19937_64 rng(10);
  const std::string value(100, 'v');
  for (int64_t i = 0; i < records; ++i) {
    const int64_t ts = i * 7'200'000 / records;
    const std::string key =
        SessionKeySchema::encode(bench_key(rng() % 10'000), {.start = ts - 2'000, .end = ts});
    changelog.log("app-s-changelog", 0, key,
                  i % 20 == 0 ? std::nullopt : std::optional<std::string_view>(value), ts);
  }
  MemoryBudget budget{{.total_bytes = 256LL << 20, .record_cache_bytes = 16LL << 20}};
  for (auto _ : state) {
    state.PauseTiming();
    BenchDir dir;
    StoreContext context;
    context.task_dir = dir.path();
    context.memory_budget = &budget;
    BuiltStore built = build_store(
        flavored(Stores::persistent_session("s", std::chrono::hours(3)), state.range(0)), context);
    state.ResumeTiming();
    const auto progress =
        restore_from_changelog(changelog, "s", "app-s-changelog", 0, 0, *built.restore);
    benchmark::DoNotOptimize(progress.records_restored);
    state.PauseTiming();
    built.store->close();
    built = {};
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * records);
  state.SetLabel(flavor_label(state.range(0)));
}

BENCHMARK(BM_RestoreSession)
    ->Args({0, 1'000'000})
    ->Args({1, 1'000'000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_RestoreWindow)
    ->Args({0, 1'000'000})
    ->Args({1, 1'000'000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_RestoreKeyValue)
    ->Args({0, 1'000'000})
    ->Args({1, 1'000'000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);

}  // namespace
}  // namespace eddy::state::bench
