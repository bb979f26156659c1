// eddy-bench-freshness: end-to-end freshness of features pushed to Redis (issue 7's
// 20 000 events/s run; scripts/bench-freshness.sh drives it).
//
// Topology: stream(input) -> group_by_key -> count (RocksDB store + changelog, no cache, so
// every event updates its customer) -> to_sink(RedisSink, hash "fresh:<customer>" with field
// "events"). The sink acknowledges each write after Redis applied it; its freshness histograms
// measure event time -> acknowledged and Kafka append time -> acknowledged. The input is fed
// live by `eddy-bench-load live` (events stamped with the wall clock when produced, in their
// "ts" field) into a LogAppendTime topic, so event-time freshness is the whole path
// (producer -> broker -> Eddy -> Redis) and append-time freshness the part after the broker.
//
// Runs until --records input records were processed (or --timeout-s), closes, and prints a
// progress line every 5 s and one JSON line last.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "bench_common.h"
#include "eddy/config.h"
#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "eddy/sink/redis_sink.h"

namespace {

using namespace std::chrono_literals;
using eddy::bench::now_s;

struct Options {
  std::string bootstrap = "localhost:9092";
  std::string input;
  std::string app_id;
  std::string state_dir;
  std::string guarantee = "at_least_once";
  int redis_port = 6379;
  int64_t records = 0;
  double timeout_s = 300;
  int64_t latency_budget_ms = 5;        // the sink's default
  int64_t commit_interval_ms = 30'000;  // Kafka Streams' default under at-least-once
};

// The "ts" field of a load-generator event, found by a scan rather than a JSON parse, which
// would cost more CPU than the rest of this topology; -1 (an invalid timestamp) without one.
int64_t event_time_field(std::string_view event) {
  const auto at = event.rfind("\"ts\":");
  if (at == std::string_view::npos) return -1;
  int64_t ts = 0;
  const char* first = event.data() + at + 5;
  const auto [end, error] = std::from_chars(first, event.data() + event.size(), ts);
  return error == std::errc() && end != first ? ts : -1;
}

// Share (in %) of processed records whose record timestamp -> processing time (the runtime's
// eddy_record_e2e_latency_seconds, summed over tasks) was at most each bound: where the
// freshness is spent before Eddy (producer, broker, fetch) vs in Eddy and the sink.
std::map<double, double> source_latency_shares(const nlohmann::json& metrics) {
  std::map<double, uint64_t> at_or_below;
  uint64_t total = 0;
  for (const auto& m : metrics) {
    if (m.value("name", "") != "eddy_record_e2e_latency_seconds") continue;
    total += m.value("count", uint64_t{0});
    for (const auto& bucket : m["buckets"])
      at_or_below[bucket[0].get<double>()] += bucket[1].get<uint64_t>();
  }
  std::map<double, double> shares;
  for (double bound : {0.01, 0.025, 0.05, 0.1, 0.25}) {
    shares[bound] = total == 0 ? 0.0 : 100.0 * static_cast<double>(at_or_below[bound]) / total;
  }
  return shares;
}

void print_summary_json(const Options& opt, int64_t records, const eddy::FreshnessReport& f,
                        const eddy::SinkStats& s, const eddy::bench::Usage& u, double wall,
                        bool closed, const std::map<double, double>& source_shares) {
  const auto& e = f.event_time_total;
  const auto& a = f.append_time_total;
  std::printf(
      "{\"runner\":\"eddy\",\"workload\":\"freshness\",\"guarantee\":\"%s\",\"records\":%lld,"
      "\"wall_s\":%.3f,\"cpu_s\":%.3f,\"max_rss_kb\":%ld,\"latency_budget_ms\":%lld,"
      "\"event_p50_ms\":%.2f,\"event_p95_ms\":%.2f,\"event_p99_ms\":%.2f,\"event_p999_ms\":%.2f,"
      "\"event_max_ms\":%.2f,\"append_p50_ms\":%.2f,\"append_p95_ms\":%.2f,"
      "\"append_p99_ms\":%.2f,\"append_count\":%llu,\"updates\":%llu,\"applied\":%llu,\"batches\":%"
      "llu,"
      "\"coalesced\":%llu,\"pause_events\":%llu,\"closed_cleanly\":%s,"
      "\"source_within_ms_pct\":{\"10\":%.3f,\"25\":%.3f,\"50\":%.3f,\"100\":%.3f,\"250\":%.3f}}\n",
      opt.guarantee.c_str(), static_cast<long long>(records), wall, u.cpu_s(), u.max_rss_kb,
      static_cast<long long>(opt.latency_budget_ms), e.p50_ms, e.p95_ms, e.p99_ms, e.p999_ms,
      e.max_ms, a.p50_ms, a.p95_ms, a.p99_ms, static_cast<unsigned long long>(a.count),
      static_cast<unsigned long long>(e.count), static_cast<unsigned long long>(s.applied),
      static_cast<unsigned long long>(s.batches), static_cast<unsigned long long>(s.coalesced),
      static_cast<unsigned long long>(s.pause_events), closed ? "true" : "false",
      source_shares.at(0.01), source_shares.at(0.025), source_shares.at(0.05),
      source_shares.at(0.1), source_shares.at(0.25));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  const double t_start = now_s();
  Options opt;
  CLI::App app{"Eddy freshness run: count per customer pushed to Redis, freshness percentiles"};
  app.add_option("--bootstrap", opt.bootstrap, "bootstrap.servers")->capture_default_str();
  app.add_option("--input", opt.input, "input topic (retail JSON events keyed by customer)")
      ->required();
  app.add_option("--app-id", opt.app_id, "application.id")->required();
  app.add_option("--state-dir", opt.state_dir, "state.dir")->required();
  app.add_option("--guarantee", opt.guarantee, "processing.guarantee")
      ->check(CLI::IsMember({"at_least_once", "exactly_once_v2"}))
      ->capture_default_str();
  app.add_option("--redis-port", opt.redis_port, "redis-server on 127.0.0.1")
      ->capture_default_str();
  app.add_option("--records", opt.records, "stop after processing this many input records")
      ->required()
      ->check(CLI::PositiveNumber);
  app.add_option("--timeout-s", opt.timeout_s, "give up after this many seconds")
      ->capture_default_str();
  app.add_option("--latency-budget-ms", opt.latency_budget_ms,
                 "the sink's latency budget (longest an update waits before its batch is written)")
      ->capture_default_str();
  app.add_option("--commit-interval-ms", opt.commit_interval_ms, "commit.interval.ms")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  eddy::RedisSinkOptions redis_options;
  redis_options.sink.name = "freshness";
  redis_options.sink.latency_budget = std::chrono::milliseconds(opt.latency_budget_ms);
  redis_options.sink.slo = {.objectives = {{95.0, 750ms}, {99.9, 5s}}, .window = 60s};
  redis_options.port = opt.redis_port;
  redis_options.key_prefix = "fresh:";
  std::shared_ptr<eddy::RedisSink> sink;
  std::unique_ptr<eddy::KafkaStreams> streams;
  try {
    sink = std::make_shared<eddy::RedisSink>(redis_options);
    const auto config = eddy::StreamsConfig::from_properties({
        {"application.id", opt.app_id},
        {"bootstrap.servers", opt.bootstrap},
        {"state.dir", opt.state_dir},
        {"processing.guarantee", opt.guarantee},
        {"num.stream.threads", "1"},
        {"commit.interval.ms", std::to_string(opt.commit_interval_ms)},
    });
    eddy::StreamsBuilder builder;
    // Event time from the event's own "ts" (the load generator's wall clock when it produced
    // it); the record timestamp is the broker's LogAppendTime when the topic is set so.
    builder
        .stream<std::string, std::string>(
            opt.input, eddy::Consumed<std::string, std::string>{}.with_timestamp_extractor(
                           [](const std::string&, const std::string& event, int64_t) {
                             return event_time_field(event);
                           }))
        .group_by_key()
        .count(eddy::Materialized<std::string, int64_t>::as("events-per-customer"))
        .to_sink(sink, [](const std::string& customer, const std::optional<int64_t>& events) {
          return eddy::FeatureRow{
              customer, eddy::FeatureFields{{"events", std::to_string(events.value_or(0))}}};
        });
    streams = std::make_unique<eddy::KafkaStreams>(builder.build(config), config);
    streams->start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "eddy-bench-freshness: error: %s\n", e.what());
    return 1;
  }

  double next_progress = now_s() + 5;
  while (streams->records_processed() < opt.records && now_s() - t_start < opt.timeout_s) {
    const auto state = streams->state();
    if (state == eddy::KafkaStreams::State::kError ||
        state == eddy::KafkaStreams::State::kNotRunning) {
      std::fprintf(stderr, "eddy-bench-freshness: streams stopped in state %s\n",
                   eddy::KafkaStreams::state_name(state));
      streams->close(30s);
      return 1;
    }
    std::this_thread::sleep_for(50ms);
    if (now_s() > next_progress) {
      const auto f = sink->freshness();
      std::fprintf(stderr,
                   "eddy-bench-freshness: %lld/%lld records; freshness (last 60 s) p50 %.1f ms, "
                   "p95 %.1f ms, p99 %.1f ms; SLO %s\n",
                   static_cast<long long>(streams->records_processed()),
                   static_cast<long long>(opt.records), f.event_time_window.p50_ms,
                   f.event_time_window.p95_ms, f.event_time_window.p99_ms,
                   f.slo_met ? "met" : "MISSED");
      next_progress += 5;
    }
  }
  const int64_t records = streams->records_processed();
  const auto source_shares = source_latency_shares(streams->metrics());  // tasks go at close
  const bool closed = streams->close(60s);
  sink->close(30s);
  const auto usage = eddy::bench::self_usage();
  print_summary_json(opt, records, sink->freshness(), sink->stats(), usage, now_s() - t_start,
                     closed, source_shares);
  return records >= opt.records && closed ? 0 : 2;
}
