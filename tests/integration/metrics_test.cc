// Metrics of a running KafkaStreams on the real broker and the real Redis: the Prometheus
// endpoint at metrics.port serves live values (records in, lag, commits, late drops, sink
// freshness) and KafkaStreams::metrics() returns the same as JSON.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/serde/serdes.h"
#include "eddy/sink/redis_sink.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "support/loopback.h"
#include "support/real_kafka.h"
#include "support/redis_client.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

using testing_support::redis_port;

// Sums the samples of `name` whose label text contains every string of `having`; nullopt
// when no sample matches.
std::optional<double> sum_of(const std::string& text, const std::string& name,
                             const std::vector<std::string>& having = {}) {
  std::istringstream lines(text);
  std::string line;
  std::optional<double> total;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    const char next = line[name.size()];
    if (next != '{' && next != ' ') continue;
    bool match = true;
    for (const auto& h : having) match = match && line.find(h) != std::string::npos;
    if (!match) continue;
    total = total.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return total;
}

double json_sum(const nlohmann::json& metrics, const std::string& name) {
  double total = 0;
  for (const auto& m : metrics) {
    if (m["name"] == name && m.contains("value")) total += m["value"].get<double>();
  }
  return total;
}

TEST(Metrics, PrometheusEndpointServesLiveRuntimeAndSinkMetrics) {
  const std::string input = unique_name("it.metrics");
  const std::string output = input + ".counts";
  const std::string app = unique_name("metrics-app");
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = input, .partitions = 2}, {.name = output, .partitions = 2}});

  RedisSinkOptions options;
  options.sink.name = "customer-counts";
  options.sink.slo = {.objectives = {{50.0, std::chrono::minutes(10)}}, .window = 60s};
  options.port = redis_port();
  options.key_prefix = app + ":";
  auto redis_sink = std::make_shared<RedisSink>(options);

  const int port = testing_support::free_port();
  ASSERT_GT(port, 0);
  auto config = StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", real_bootstrap()},
       {"state.dir", (std::filesystem::temp_directory_path() / app).string()},
       {"commit.interval.ms", "200"},
       {"poll.ms", "20"},
       {"metrics.port", std::to_string(port)},
       {"metrics.log.interval.ms", "1000"}});
  StreamsBuilder builder;
  auto events = builder.stream<std::string, std::string>(input);
  auto counts = events.group_by_key().count(Materialized<std::string, int64_t>::as("counts"));
  counts.to_stream().to(output);
  counts.to_sink(redis_sink, [](const std::string& customer, const std::optional<int64_t>& n) {
    if (!n) return FeatureRow{customer, std::nullopt};
    return FeatureRow{customer, FeatureFields{{"events", std::to_string(*n)}}};
  });
  events.group_by_key()
      .windowed_by(TimeWindows::of_size_and_grace(1s, 0ms))
      .count(Materialized<std::string, int64_t>::as("per-second"), Named::as("per-second-count"));
  KafkaStreams streams(builder.build(config), config);

  // 50 on-time records over 5 keys, then on one key: a record 10 s later (closes the window
  // of the first ones on its partition) and 3 late records for that closed window.
  const int64_t base = testing_support::recent_ms();
  kafka::Producer producer({.properties = real_props()});
  for (int i = 0; i < 50; ++i) {
    producer.send({.topic = input,
                   .key = "c" + std::to_string(i % 5),
                   .value = std::string_view("view"),
                   .timestamp = base + i * 10});
  }
  producer.flush(10s);
  producer.send({.topic = input,
                 .key = std::string_view("late-key"),
                 .value = std::string_view("view"),
                 .timestamp = base + 10'000});
  constexpr int kLate = 3;
  for (int i = 0; i < kLate; ++i) {
    producer.send({.topic = input,
                   .key = std::string_view("late-key"),
                   .value = std::string_view("view"),
                   .timestamp = base + 5});
  }
  producer.flush(10s);
  constexpr int kTotal = 50 + 1 + kLate;

  streams.start();
  // Live values: wait until a scrape shows everything processed, committed, caught up and
  // written to Redis (sink writes are acknowledged at the latest at the next commit).
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (std::chrono::steady_clock::now() < deadline) {
    text = testing_support::scrape_metrics(port);
    const bool done = sum_of(text, "eddy_records_in_total").value_or(0) == kTotal &&
                      sum_of(text, "eddy_record_e2e_latency_seconds_count").value_or(0) == kTotal &&
                      sum_of(text, "eddy_consumer_lag_records", {"partition=\"0\""}) == 0 &&
                      sum_of(text, "eddy_consumer_lag_records", {"partition=\"1\""}) == 0 &&
                      sum_of(text, "eddy_commits_total").value_or(0) > 0 &&
                      sum_of(text, "eddy_sink_freshness_updates_total").value_or(0) > 0 &&
                      sum_of(text, "eddy_late_records_dropped_total").value_or(0) == kLate;
    if (done) break;
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_FALSE(text.empty()) << "no answer on 127.0.0.1:" << port;

  EXPECT_EQ(sum_of(text, "eddy_records_in_total"), kTotal) << text;
  EXPECT_EQ(sum_of(text, "eddy_records_processed_total"), kTotal);
  EXPECT_EQ(sum_of(text, "eddy_consumer_lag_records"), 0);
  // Both input partitions report a lag.
  EXPECT_TRUE(sum_of(text, "eddy_consumer_lag_records", {"partition=\"0\""}).has_value());
  EXPECT_TRUE(sum_of(text, "eddy_consumer_lag_records", {"partition=\"1\""}).has_value());
  EXPECT_GT(sum_of(text, "eddy_commits_total").value_or(0), 0);
  EXPECT_GT(sum_of(text, "eddy_commit_latency_seconds_count").value_or(0), 0);
  EXPECT_EQ(sum_of(text, "eddy_late_records_dropped_total", {"processor=\"per-second-count\""}),
            kLate);
  EXPECT_GT(sum_of(text, "eddy_records_out_total").value_or(0), 0);
  EXPECT_EQ(sum_of(text, "eddy_process_latency_seconds_count"), kTotal);
  EXPECT_EQ(sum_of(text, "eddy_record_e2e_latency_seconds_count"), kTotal);
  // Records are stamped an hour ago: every one is older than 30 min when processed.
  EXPECT_EQ(sum_of(text, "eddy_record_e2e_latency_seconds_bucket", {"le=\"60\""}), 0);
  EXPECT_GT(
      sum_of(text, "eddy_store_operations_total", {"store=\"counts\"", "op=\"put\""}).value_or(0),
      0);
  EXPECT_GE(sum_of(text, "eddy_store_entries", {"store=\"counts\""}).value_or(0), 1);
  EXPECT_TRUE(sum_of(text, "eddy_restore_remaining_records", {"store=\"counts\""}) == 0);
  EXPECT_TRUE(sum_of(text, "eddy_skipped_records_total", {"handler=\"deserialization\""}) == 0);
  // The sink: writes acknowledged, freshness measured (event time an hour back), SLO of
  // "p50 within 10 minutes" therefore not met.
  EXPECT_GT(sum_of(text, "eddy_sink_writes_total", {"sink=\"customer-counts\""}).value_or(0), 0);
  EXPECT_GT(sum_of(text, "eddy_sink_batches_total", {"sink=\"customer-counts\""}).value_or(0), 0);
  EXPECT_GT(sum_of(text, "eddy_sink_freshness_seconds", {"clock=\"event\"", "quantile=\"0.99\""})
                .value_or(0),
            1800);
  EXPECT_EQ(sum_of(text, "eddy_sink_slo_met", {"sink=\"customer-counts\""}), 0);
  EXPECT_GT(sum_of(text, "eddy_process_cpu_seconds_total").value_or(0), 0);
  EXPECT_GT(sum_of(text, "eddy_cpu_seconds_per_million_records").value_or(0), 0);
  EXPECT_EQ(sum_of(text, "eddy_state"), 2);  // RUNNING

  // The JSON API reports the same metrics.
  const nlohmann::json json = streams.metrics();
  EXPECT_EQ(json_sum(json, "eddy_records_in_total"), kTotal);
  EXPECT_GT(json_sum(json, "eddy_commits_total"), 0);

  EXPECT_TRUE(streams.close(30s));
  // The endpoint stops with the instance.
  EXPECT_TRUE(testing_support::scrape_metrics(port).empty());
  redis_sink->close();
  admin.delete_topics({input, output});
}

}  // namespace
}  // namespace eddy
