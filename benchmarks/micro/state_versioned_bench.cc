// Versioned key-value stores (docs/state.md, "Versioned key-value stores") beside the plain
// key-value store of state_key_value_bench.cc: the same 200 000 keys of 100-byte values.
// Arg 0: 0 = memory, 1 = RocksDB. Run them side by side:
//
//   build/release/benchmarks/eddy_micro_benchmarks \
//       --benchmark_filter='BM_(Versioned|KeyValue(Put|Get))/'
//
// BM_VersionedPut: in-order writes (each a new version; the replaced one moves to history)
// with one timestamp step per write and a history retention of 100 000 steps, so history
// is swept as it expires. BM_VersionedPutOutOfOrder: 1 write in 5 is 1-1000 steps late.
// BM_VersionedGetAsOf: reads as of a random time within the history of 5 versions per key.
#include <benchmark/benchmark.h>

#include <random>

#include "eddy/state/versioned_key_value_store.h"
#include "state/memory_budget.h"
#include "state_bench_support.h"

namespace eddy::state::bench {
namespace {

constexpr uint64_t kKeySpace = 200'000;
constexpr int64_t kRetention = 100'000;
const std::string kValue(100, 'v');

struct VersionedFixture {
  explicit VersionedFixture(int64_t flavor) {
    context.task_dir = dir.path();
    context.memory_budget = &budget;
    StoreSpec spec = Stores::persistent_versioned_key_value_store(
                         "versioned", std::chrono::milliseconds(kRetention))
                         .with_logging_disabled()
                         .spec();
    spec.persistent = flavor >= 1;
    built = build_store(spec, context);
    store = dynamic_cast<BytesVersionedKeyValueStore*>(built.store.get());
  }
  BenchDir dir;
  MemoryBudget budget{{.total_bytes = 256LL << 20, .record_cache_bytes = 32LL << 20}};
  StoreContext context;
  BuiltStore built;
  BytesVersionedKeyValueStore* store = nullptr;
};

void BM_VersionedPut(benchmark::State& state) {
  VersionedFixture f(state.range(0));
  std::mt19937_64 rng(1);
  int64_t ts = 0;
  for (auto _ : state) {
    f.store->put_versioned(bench_key(rng() % kKeySpace), kValue, ++ts);
    if (ts % 10'000 == 0) f.store->flush();  // a commit every 10 000 records
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(flavor_label(state.range(0)));
}

void BM_VersionedPutOutOfOrder(benchmark::State& state) {
  VersionedFixture f(state.range(0));
  std::mt19937_64 rng(2);
  int64_t ts = 0;
  int64_t n = 0;
  for (auto _ : state) {
    ++ts;
    const int64_t at = rng() % 5 == 0 ? std::max<int64_t>(0, ts - 1 - rng() % 1000) : ts;
    f.store->put_versioned(bench_key(rng() % kKeySpace), kValue, at);
    if (++n % 10'000 == 0) f.store->flush();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(flavor_label(state.range(0)));
}

// 5 versions per key, 10 steps apart (key i's versions at i*50 + 0, 10, ..., 40).
void preload(VersionedFixture& f) {
  for (int v = 0; v < 5; ++v) {
    for (uint64_t i = 0; i < kKeySpace; ++i) {
      f.store->put_versioned(bench_key(i), kValue, static_cast<int64_t>(i % 1000) * 50 + v * 10);
    }
  }
  f.store->flush();
}

void BM_VersionedGetAsOf(benchmark::State& state) {
  VersionedFixture f(state.range(0));
  preload(f);
  std::mt19937_64 rng(3);
  int64_t found = 0;
  for (auto _ : state) {
    const uint64_t i = rng() % kKeySpace;
    const int64_t as_of = static_cast<int64_t>(i % 1000) * 50 + static_cast<int64_t>(rng() % 45);
    auto r = f.store->get_as_of(bench_key(i), as_of);
    found += r ? 1 : 0;
    benchmark::DoNotOptimize(r);
  }
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(flavor_label(state.range(0)));
}

void BM_VersionedGetLatest(benchmark::State& state) {
  VersionedFixture f(state.range(0));
  preload(f);
  std::mt19937_64 rng(4);
  for (auto _ : state) benchmark::DoNotOptimize(f.store->get(bench_key(rng() % kKeySpace)));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(flavor_label(state.range(0)));
}

BENCHMARK(BM_VersionedPut)->Arg(0)->Arg(1);
BENCHMARK(BM_VersionedPutOutOfOrder)->Arg(0)->Arg(1);
BENCHMARK(BM_VersionedGetAsOf)->Arg(0)->Arg(1);
BENCHMARK(BM_VersionedGetLatest)->Arg(0)->Arg(1);

}  // namespace
}  // namespace eddy::state::bench
