// Sink throughput: pipelined versioned writes (EVALSHA per key) to the local redis-server
// (scripts/redis.sh start; port $EDDY_REDIS_PORT, default 6379), the FeatureSink base's own
// cost with a no-op writer, and the freshness histogram's record cost.
//
//   build/dev/benchmarks/eddy_micro_benchmarks --benchmark_filter=Sink
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "eddy/sink/redis_sink.h"
#include "metrics/histogram.h"

namespace {

using namespace std::chrono_literals;

int redis_port() {
  const char* env = std::getenv("EDDY_REDIS_PORT");
  return env != nullptr && *env != '\0' ? std::atoi(env) : 6379;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

eddy::FeatureFields four_fields(int64_t i) {
  return {{"views_5m", std::to_string(i % 97)},
          {"carts_1h", std::to_string(i % 13)},
          {"spend_24h", std::to_string(i % 1000) + ".25"},
          {"last_sku", "sku-" + std::to_string(i % 5000)}};
}

// Writes batches of range(0) distinct keys (out of 100 000) and waits for Redis to
// acknowledge them: the pipelined, versioned write rate of one sink (one connection).
void BM_SinkRedisVersionedWrites(benchmark::State& state) {
  const auto batch = static_cast<int64_t>(state.range(0));
  eddy::RedisSinkOptions options;
  options.port = redis_port();
  options.key_prefix = "bench:f:";
  options.ttl = 10min;
  options.sink.name = "bench";
  options.sink.background_flush = false;
  options.sink.max_batch = static_cast<std::size_t>(batch);
  eddy::RedisSink sink(options);
  int64_t offset = 0;
  try {
    sink.submit(eddy::FeatureUpdate::upsert("warm", four_fields(0), now_ms(), {"b", 0, 0}));
    sink.flush(5s);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  for (auto _ : state) {
    const int64_t ts = now_ms();
    for (int64_t i = 0; i < batch; ++i) {
      ++offset;
      sink.submit(eddy::FeatureUpdate::upsert("c" + std::to_string(offset % 100'000),
                                              four_fields(offset), ts, {"b", 0, offset}));
    }
    sink.flush();
  }
  state.SetItemsProcessed(state.iterations() * batch);
  const auto f = sink.freshness();
  state.counters["fresh_p50_ms"] = f.event_time_total.p50_ms;
  state.counters["fresh_p99_ms"] = f.event_time_total.p99_ms;
  state.counters["stale"] = static_cast<double>(sink.stats().rejected_stale);
}
BENCHMARK(BM_SinkRedisVersionedWrites)
    ->Arg(1)
    ->Arg(16)
    ->Arg(100)
    ->Arg(500)
    ->Arg(2000)
    ->UseRealTime();

// Same, with the flush thread writing on a 50 ms budget while the caller only submits;
// each iteration ends with flush() (the commit), so it measures the end-to-end rate.
void BM_SinkRedisBackgroundFlush(benchmark::State& state) {
  eddy::RedisSinkOptions options;
  options.port = redis_port();
  options.key_prefix = "bench:g:";
  options.ttl = 10min;
  options.sink.name = "bench-bg";
  options.sink.max_batch = 500;
  eddy::RedisSink sink(options);
  int64_t offset = 0;
  constexpr int64_t kPerCommit = 20'000;
  for (auto _ : state) {
    const int64_t ts = now_ms();
    for (int64_t i = 0; i < kPerCommit; ++i) {
      ++offset;
      sink.submit(eddy::FeatureUpdate::upsert("c" + std::to_string(offset % 100'000),
                                              four_fields(offset), ts, {"b", 0, offset}));
    }
    try {
      sink.flush(30s);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * kPerCommit);
  state.counters["paused_events"] = static_cast<double>(sink.stats().pause_events);
}
BENCHMARK(BM_SinkRedisBackgroundFlush)->UseRealTime()->Unit(benchmark::kMillisecond);

// The base class alone: submit (coalescing map), batching and freshness, no I/O.
class NullSink final : public eddy::FeatureSink {
 public:
  explicit NullSink(eddy::SinkOptions o) : FeatureSink(std::move(o)) {}
  ~NullSink() override { stop_flushing(); }

 protected:
  void write_batch(std::span<const eddy::FeatureUpdate>, std::span<eddy::WriteOutcome>) override {}
};

void BM_SinkBaseSubmitAndFlush(benchmark::State& state) {
  eddy::SinkOptions options;
  options.background_flush = false;
  options.max_batch = 500;
  NullSink sink(options);
  std::vector<std::string> keys;
  for (int i = 0; i < 10'000; ++i) keys.push_back("c" + std::to_string(i));
  int64_t offset = 0;
  for (auto _ : state) {
    for (int i = 0; i < 500; ++i, ++offset) {
      sink.submit(eddy::FeatureUpdate::upsert(keys[static_cast<std::size_t>(offset % 10'000)],
                                              {{"v", "1"}}, 1'700'000'000'000 + offset,
                                              {"b", 0, offset}));
    }
    sink.flush();
  }
  state.SetItemsProcessed(state.iterations() * 500);
}
BENCHMARK(BM_SinkBaseSubmitAndFlush);

void BM_SinkHistogramRecord(benchmark::State& state) {
  eddy::metrics::Histogram h;
  int64_t v = 1;
  for (auto _ : state) {
    h.record(v);
    v = (v * 2862933555777941757LL + 3037000493LL) & ((int64_t{1} << 30) - 1);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SinkHistogramRecord);

}  // namespace
