// Table joins on the task core (RocksDB stores, no changelog, no Kafka): input records/s of
// one partition, with the internal topics of a foreign-key join (subscriptions, responses)
// handed from task to task in memory.
//
//   build/release/benchmarks/eddy_micro_benchmarks
//   --benchmark_filter='BM_(ForeignKey|KeyJoin|Regroup)'
//
// Workload: 100 000 order lines ("sku-<n>:<qty>", 10 000 SKUs) and their products' prices;
// 4 of 5 input records update a line (1 in 10 of those moves it to another SKU), 1 in 5 a
// price. BM_ForeignKeyJoin joins lines to products by SKU; BM_KeyJoin is a table-table join
// of two tables on the same key with the same mix (the cost of the join itself);
// BM_RegroupReduce is group_by(SKU) + reduce of the lines (a repartition carrying old and new
// values).
#include <benchmark/benchmark.h>

#include <deque>
#include <random>
#include <string>

#include "eddy/dsl/streams_builder.h"
#include "processor/local_task_stores.h"
#include "processor/task_core.h"
#include "state_bench_support.h"
#include "topology/topology_plan.h"

namespace eddy::bench {
namespace {

constexpr int kLines = 100'000;
constexpr int kSkus = 10'000;

// Runs every sub-topology of a plan as one task each (partition 0) and hands records sent to
// internal topics to the task reading them, in order, after each input record.
class Router final : public processor::RecordCollector {
 public:
  explicit Router(const Topology& topology) : plan_(topology.shared_plan()) {
    processor::TaskEnvironment env;
    env.collector = this;
    env.memory_budget = &budget_;
    for (const auto& sub : plan_->subtopologies) {
      stores_.push_back(
          std::make_unique<processor::LocalTaskStores>(processor::LocalTaskStores::Options{
              .state_dir = dir_.path(), .memory_budget = &budget_}));
      env.store_provider = stores_.back()->provider();
      tasks_.push_back(std::make_unique<processor::TaskCore>(plan_, sub.id, 0, env));
    }
  }
  std::optional<processor::SendRefusal> send(const std::string& topic,
                                             const std::optional<int32_t>&,
                                             const std::optional<std::string_view>& key,
                                             const std::optional<std::string_view>& value,
                                             int64_t timestamp, const Headers&, processor::SendKind,
                                             std::string_view) override {
    if (plan_->topic_to_subtopology.count(topic) == 0) {
      ++outputs;
      return std::nullopt;
    }
    pending_.push_back({topic,
                        0,
                        0,
                        timestamp,
                        key ? std::optional<Bytes>(Bytes(*key)) : std::nullopt,
                        value ? std::optional<Bytes>(Bytes(*value)) : std::nullopt,
                        {}});
    return std::nullopt;
  }
  int32_t partition_count(const std::string&) override { return 1; }

  void pipe(processor::IncomingRecord record) {
    pending_.push_back(std::move(record));
    while (!pending_.empty()) {
      auto r = std::move(pending_.front());
      pending_.pop_front();
      tasks_[static_cast<size_t>(plan_->topic_to_subtopology.at(r.topic))]->process(r);
    }
  }
  int64_t outputs = 0;

 private:
  state::bench::BenchDir dir_;
  state::MemoryBudget budget_{{.total_bytes = 512LL << 20, .record_cache_bytes = 0}};
  std::shared_ptr<const detail::TopologyPlan> plan_;
  std::vector<std::unique_ptr<processor::LocalTaskStores>> stores_;  // outlive tasks_
  std::vector<std::unique_ptr<processor::TaskCore>> tasks_;
  std::deque<processor::IncomingRecord> pending_;
};

std::string sku_of(const std::string& line) {
  return line.substr(0, line.find(':'));
}
int64_t qty_of(const std::string& line) {
  return std::stoll(line.substr(line.find(':') + 1));
}

Topology build(StreamsBuilder& builder) {
  StreamsConfig config;
  config.application_id = "bench";
  return builder.build(config);
}

// The input mix: line updates (topic `lines`, key line-<n>) and price updates (topic
// `prices`, key `price_key(sku)`).
struct Mix {
  std::mt19937_64 rng{7};
  std::vector<int> line_sku = std::vector<int>(kLines, 0);
  int64_t ts = 0;
  processor::IncomingRecord next(const std::function<std::string(int)>& price_key) {
    ++ts;
    if (rng() % 5 == 0) {
      const int sku = static_cast<int>(rng() % kSkus);
      return {"prices",
              0,
              ts,
              ts,
              price_key(sku),
              serdes::int64().to_bytes(static_cast<int64_t>(rng() % 1000)),
              {}};
    }
    const int line = static_cast<int>(rng() % kLines);
    if (rng() % 10 == 0) line_sku[static_cast<size_t>(line)] = static_cast<int>(rng() % kSkus);
    return {"lines",
            0,
            ts,
            ts,
            "line-" + std::to_string(line),
            "sku-" + std::to_string(line_sku[static_cast<size_t>(line)]) + ":" +
                std::to_string(rng() % 9 + 1),
            {}};
  }
};

void run(benchmark::State& state, const Topology& topology,
         const std::function<std::string(int)>& price_key) {
  Router router(topology);
  Mix mix;
  for (int i = 0; i < kLines; ++i) mix.line_sku[static_cast<size_t>(i)] = i % kSkus;
  // Every price, then every line, before measuring.
  for (int s = 0; s < kSkus; ++s) {
    router.pipe({"prices", 0, 0, 0, price_key(s), serdes::int64().to_bytes(int64_t{100}), {}});
  }
  for (int i = 0; i < kLines; ++i) {
    router.pipe({"lines",
                 0,
                 0,
                 0,
                 "line-" + std::to_string(i),
                 "sku-" + std::to_string(i % kSkus) + ":1",
                 {}});
  }
  const int64_t outputs_before = router.outputs;
  for (auto _ : state) router.pipe(mix.next(price_key));
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["out/in"] = static_cast<double>(router.outputs - outputs_before) /
                             static_cast<double>(state.iterations());
}

void BM_ForeignKeyJoin(benchmark::State& state) {
  StreamsBuilder builder;
  auto lines = builder.table<std::string, std::string>("lines");
  auto prices = builder.table<std::string, int64_t>("prices");
  lines
      .join(
          prices, [](const std::string& line) { return sku_of(line); },
          [](const std::string& line, int64_t price) { return qty_of(line) * price; })
      .to_stream()
      .to("out");
  run(state, build(builder), [](int sku) { return "sku-" + std::to_string(sku); });
}

void BM_KeyJoin(benchmark::State& state) {
  // The same mix, prices keyed like the lines (line-<sku>): a plain table-table join.
  StreamsBuilder builder;
  auto lines = builder.table<std::string, std::string>("lines");
  auto prices = builder.table<std::string, int64_t>("prices");
  lines.join(prices, [](const std::string& line, int64_t price) { return qty_of(line) * price; })
      .to_stream()
      .to("out");
  run(state, build(builder), [](int sku) { return "line-" + std::to_string(sku); });
}

void BM_RegroupReduce(benchmark::State& state) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("lines")
      .group_by([](const std::string&, const std::string& line) {
        return std::make_pair(sku_of(line), qty_of(line));
      })
      .reduce([](int64_t a, int64_t b) { return a + b; },
              [](int64_t a, int64_t b) { return a - b; })
      .to_stream()
      .to("out");
  builder.table<std::string, int64_t>("prices");  // read, so the mix's price records land
  run(state, build(builder), [](int sku) { return "sku-" + std::to_string(sku); });
}

BENCHMARK(BM_ForeignKeyJoin)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_KeyJoin)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RegroupReduce)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace eddy::bench
