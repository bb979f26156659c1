// A stateless chain (filter -> map_values -> select_key -> sink) run on the task core the
// test driver and the runtime share, without Kafka: records/s of one task on one thread.
//
// Measure on the release preset (the dev preset is RelWithDebInfo, not what users run);
// EDDY_BUILD_BENCHMARKS is on by default when Eddy is the top-level project:
//
//   cmake --preset release && cmake --build --preset release --target eddy_micro_benchmarks
//   build/release/benchmarks/eddy_micro_benchmarks --benchmark_filter=Chain_
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "../e2e/bench_common.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/testing/topology_test_driver.h"
#include "processor/task_core.h"

// Counts heap allocations of the whole benchmark binary, so the chain can report
// allocations per record (the goal is 0 for filter/map_values chains).
namespace {
std::atomic<int64_t> g_allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

class CountingCollector final : public eddy::processor::RecordCollector {
 public:
  std::optional<eddy::processor::SendRefusal> send(
      const std::string&, const std::optional<int32_t>&, const std::optional<std::string_view>& key,
      const std::optional<std::string_view>& value, int64_t, const eddy::Headers&,
      eddy::processor::SendKind, std::string_view) override {
    ++records;
    bytes += (key ? key->size() : 0) + (value ? value->size() : 0);
    return std::nullopt;
  }
  int32_t partition_count(const std::string&) override { return 1; }
  int64_t records = 0;
  int64_t bytes = 0;
};

eddy::Topology bench_topology(eddy::StreamsBuilder& builder) {
  eddy::StreamsConfig config;
  config.application_id = "bench";
  return builder.build(config);
}

eddy::Topology chain_topology() {
  eddy::StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .filter([](const std::string&, int64_t v) { return v % 4 != 0; })  // keeps 3 in 4
      .map_values([](int64_t v) { return v * 3; })
      .select_key([](const std::string& k, int64_t v) { return v % 2 == 0 ? k : k + "o"; })
      .to("out");
  return bench_topology(builder);
}

std::vector<eddy::processor::IncomingRecord> make_records(size_t n) {
  auto serde = eddy::serdes::int64();
  std::vector<eddy::processor::IncomingRecord> records;
  for (size_t i = 0; i < n; ++i) {
    records.push_back({"in",
                       0,
                       static_cast<int64_t>(i),
                       static_cast<int64_t>(i),
                       "key-" + std::to_string(i % 1000),
                       serde.to_bytes(static_cast<int64_t>(i)),
                       {}});
  }
  return records;
}

// filter -> map_values only (no key change): the path that must not allocate.
// Processes `records` (4096, cycled) with one task of `topology` for the benchmark's
// iterations, after one warm-up pass (the reused buffers), and reports allocations per record,
// records/s and out/in.
void run_on_task_core(benchmark::State& state, const eddy::Topology& topology,
                      const std::vector<eddy::processor::IncomingRecord>& records) {
  CountingCollector collector;
  eddy::processor::TaskCore task(topology.shared_plan(), 0, 0, {.collector = &collector});
  for (const auto& r : records) task.process(r);
  size_t i = 0;
  const int64_t allocations_before = g_allocations.load();
  const int64_t out_before = collector.records;
  for (auto _ : state) {
    task.process(records[i]);
    i = (i + 1) & 4095;
  }
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["allocs/record"] =
      static_cast<double>(g_allocations.load() - allocations_before) / iterations;
  state.counters["records/s"] = benchmark::Counter(iterations, benchmark::Counter::kIsRate);
  state.counters["out/in"] = static_cast<double>(collector.records - out_before) / iterations;
}

void BM_FilterMapValuesChain_TaskCore(benchmark::State& state) {
  eddy::StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .filter([](const std::string&, int64_t v) { return v % 4 != 0; })
      .map_values([](int64_t v) { return v * 3; })
      .filter([](const std::string&, int64_t v) { return v > 0; })
      .map_values([](int64_t v) { return static_cast<double>(v) / 2.0; })
      .to("out");
  run_on_task_core(state, bench_topology(builder), make_records(4096));
}
BENCHMARK(BM_FilterMapValuesChain_TaskCore);

void BM_StatelessChain_TaskCore(benchmark::State& state) {
  run_on_task_core(state, chain_topology(), make_records(4096));
}
BENCHMARK(BM_StatelessChain_TaskCore);

// W1 of the end-to-end benchmarks without Kafka: string serdes, ~150-byte retail JSON values
// (eddy-bench-load's shape), filter (bench_common.h w1_keep) -> map_values (w1_map into a new
// string, as benchmarks/e2e/eddy_streams.cc does) -> to. The framework's part of the e2e W1
// stream thread: source copy, the two operators, the sink and the collector call. Its
// allocations are the user's: map_values' new string, one per record the filter keeps.
void BM_W1Chain_TaskCore(benchmark::State& state) {
  eddy::StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .filter(
          [](const std::string&, const std::string& value) { return eddy::bench::w1_keep(value); })
      .map_values([](const std::string& value) -> std::string {
        std::string mapped;
        mapped.reserve(value.size() + eddy::bench::kW1Suffix.size());
        eddy::bench::w1_map(value, mapped);
        return mapped;
      })
      .to("out");
  constexpr const char* kCategories[] = {"electronics", "grocery", "apparel", "home",
                                         "toys",        "books",   "beauty",  "sports"};
  std::vector<eddy::processor::IncomingRecord> records;
  for (int64_t i = 0; i < 4096; ++i) {
    // The loader's mix: 70 % page views, 20 % add-to-cart, 10 % purchases; 8 categories.
    const int64_t roll = i % 10;
    const char* type = roll < 7 ? "page_view" : roll < 9 ? "add_to_cart" : "purchase";
    char key[32];
    const int klen = std::snprintf(key, sizeof key, "c%07lld", static_cast<long long>(i % 1000));
    char value[320];
    const int vlen = std::snprintf(
        value, sizeof value,
        R"({"event_id":%lld,"customer_id":"%s","type":"%s","category":"%s","sku":"sku-%05lld","qty":%lld,"price":%lld.%02lld,"ts":%lld})",
        static_cast<long long>(i), key, type, kCategories[(i / 10) % 8],
        static_cast<long long>(i % 20000), static_cast<long long>(1 + i % 5),
        static_cast<long long>(2 + i % 497), static_cast<long long>(i % 100),
        static_cast<long long>(1796666948000 + i));
    eddy::processor::IncomingRecord record;
    record.topic = "in";
    record.offset = i;
    record.timestamp = 1796666948000 + i;
    record.key.emplace(key, static_cast<size_t>(klen));
    record.value.emplace(value, static_cast<size_t>(vlen));
    records.push_back(std::move(record));
  }
  run_on_task_core(state, bench_topology(builder), records);
}
BENCHMARK(BM_W1Chain_TaskCore);

// The same chain piped through TopologyTestDriver (copies, topic logs, routing): the cost of
// the test harness on top of the core.
void BM_StatelessChain_TestDriver(benchmark::State& state) {
  const auto topology = chain_topology();
  eddy::StreamsConfig config;
  config.application_id = "bench";
  eddy::TopologyTestDriver driver(topology, config);
  auto serde = eddy::serdes::int64();
  int64_t i = 0;
  for (auto _ : state) {
    driver.pipe_raw("in", "key-" + std::to_string(i % 1000), serde.to_bytes(i), i, {});
    ++i;
    if ((i & 4095) == 0) {
      state.PauseTiming();
      while (driver.read_raw("out")) {
      }
      state.ResumeTiming();
    }
  }
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_StatelessChain_TestDriver);

}  // namespace
