// put / get / range on key-value stores: memory, RocksDB, RocksDB behind the record cache.
// Arg 0: 0 = memory, 1 = RocksDB, 2 = RocksDB + record cache.
// BM_KeyValuePutGetSkewedQueryable: the same as BM_KeyValuePutGetSkewed with the locking layer
// every store of a running KafkaStreams has (interactive queries), uncontended.
#include <benchmark/benchmark.h>

#include "state/memory_budget.h"
#include "state/store_registry.h"
#include "state_bench_support.h"

namespace eddy::state::bench {
namespace {

constexpr uint64_t kKeySpace = 200'000;
const std::string kValue(100, 'v');

struct KvFixture {
  explicit KvFixture(int64_t flavor, bool queryable = false) {
    context.task_dir = dir.path();
    context.memory_budget = &budget;
    if (queryable) context.store_registry = &registry;
    built = build_store(flavored(Stores::persistent_key_value("kv"), flavor), context);
    store = dynamic_cast<BytesKeyValueStore*>(built.store.get());
  }
  BenchDir dir;
  MemoryBudget budget{{.total_bytes = 256LL << 20, .record_cache_bytes = 32LL << 20}};
  StoreRegistry registry;
  StoreContext context;
  BuiltStore built;
  BytesKeyValueStore* store = nullptr;
};

void BM_KeyValuePut(benchmark::State& state) {
  KvFixture f(state.range(0));
  std::mt19937_64 rng(1);
  int64_t n = 0;
  for (auto _ : state) {
    f.store->put(bench_key(rng() % kKeySpace), kValue);
    if (++n % 10'000 == 0) f.store->flush();  // a commit every 10 000 records
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(flavor_label(state.range(0)));
}

void BM_KeyValueGet(benchmark::State& state) {
  KvFixture f(state.range(0));
  for (uint64_t i = 0; i < kKeySpace; ++i) f.store->put(bench_key(i), kValue);
  f.store->flush();
  std::mt19937_64 rng(2);
  for (auto _ : state) benchmark::DoNotOptimize(f.store->get(bench_key(rng() % kKeySpace)));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(flavor_label(state.range(0)));
}

void BM_KeyValueRange100(benchmark::State& state) {
  KvFixture f(state.range(0));
  for (uint64_t i = 0; i < kKeySpace; ++i) f.store->put(bench_key(i), kValue);
  f.store->flush();
  std::mt19937_64 rng(3);
  for (auto _ : state) {
    const uint64_t from = rng() % (kKeySpace - 100);
    size_t count = 0;
    for (auto it = f.store->range(bench_key(from), bench_key(from + 99)); it->valid(); it->next())
      ++count;
    benchmark::DoNotOptimize(count);
  }
  state.SetItemsProcessed(state.iterations() * 100);
  state.SetLabel(flavor_label(state.range(0)));
}

// Retail-like skew: 90 % of the accesses go to 1 % of the keys (popular SKUs, active users).
uint64_t skewed_key(std::mt19937_64& rng) {
  return rng() % 100 < 90 ? rng() % (kKeySpace / 100) : rng() % kKeySpace;
}

void put_get_skewed(benchmark::State& state, bool queryable) {
  KvFixture f(state.range(0), queryable);
  for (uint64_t i = 0; i < kKeySpace; ++i) f.store->put(bench_key(i), kValue);
  f.store->flush();
  std::mt19937_64 rng(5);
  int64_t n = 0;
  for (auto _ : state) {
    // An aggregation's read-modify-write.
    const std::string key = bench_key(skewed_key(rng));
    benchmark::DoNotOptimize(f.store->get(key));
    f.store->put(key, kValue);
    if (++n % 10'000 == 0) f.store->flush();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(flavor_label(state.range(0))) + (queryable ? "+locked" : ""));
}

void BM_KeyValuePutGetSkewed(benchmark::State& state) {
  put_get_skewed(state, false);
}
void BM_KeyValuePutGetSkewedQueryable(benchmark::State& state) {
  put_get_skewed(state, true);
}

BENCHMARK(BM_KeyValuePutGetSkewed)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_KeyValuePutGetSkewedQueryable)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_KeyValuePut)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_KeyValueGet)->Arg(0)->Arg(1)->Arg(2);
BENCHMARK(BM_KeyValueRange100)->Arg(0)->Arg(1)->Arg(2);

}  // namespace
}  // namespace eddy::state::bench
