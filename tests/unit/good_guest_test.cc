// Eddy as a guest in a host process (on the embedded broker): the host's spdlog logger gets
// Eddy's, librdkafka's and RocksDB's log lines; the host's own prometheus-cpp Exposer serves
// Eddy's metrics; the endpoint binds metrics.host; the metrics source outlives the instance.
#include <gtest/gtest.h>

#include <prometheus/exposer.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/logging_spdlog.h"
#include "eddy/metrics_prometheus.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "kafka/producer.h"
#include "support/loopback.h"
#include "support/real_kafka.h"
#include "support/wait_until.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::wait_until;

std::string embedded() {
  return kafka::resolve_bootstrap_servers("");
}

// A counting app on the embedded broker: a RocksDB store, so RocksDB logs too.
struct CountingApp {
  std::string input;
  StreamsConfig config;
  std::unique_ptr<KafkaStreams> streams;

  CountingApp(const std::string& name, Properties extra = {}) : input(name + ".in") {
    kafka::Admin admin({{"bootstrap.servers", embedded()}});
    admin.create_topics({{.name = input, .partitions = 1}});
    kafka::Producer producer({.properties = {{"bootstrap.servers", embedded()}}});
    for (int i = 0; i < 10; ++i) {
      producer.send({.topic = input, .key = "k" + std::to_string(i % 2), .value = "v"});
    }
    producer.flush(10s);
    Properties props = {
        {"application.id", name},
        {"state.dir",
         (std::filesystem::temp_directory_path() / testing_support::unique_name(name)).string()},
        {"poll.ms", "20"},
        {"commit.interval.ms", "100"},
        {"consumer.fetch.wait.max.ms", "5"},
        {"consumer.session.timeout.ms", "6000"}};
    for (auto& [k, v] : extra) props[k] = v;
    config = StreamsConfig::from_properties(props);
    StreamsBuilder builder;
    builder.stream<std::string, std::string>(input).group_by_key().count(
        Materialized<std::string, int64_t>::as("guest-counts"));
    streams = std::make_unique<KafkaStreams>(builder.build(config), config);
  }
  void run_until_processed() {
    streams->start();
    ASSERT_TRUE(wait_until([&] { return streams->records_processed() >= 10; }, 30s));
  }
  ~CountingApp() {
    if (streams) streams->close(10s);
    std::filesystem::remove_all(config.state_dir);
  }
};

TEST(GoodGuest, TheHostsSpdlogLoggerGetsEddysLibrdkafkasAndRocksdbsLines) {
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  auto host_logger = std::make_shared<spdlog::logger>("host-service", sink);
  host_logger->set_pattern("%n %l %v");
  host_logger->set_level(spdlog::level::trace);
  set_spdlog_logger(host_logger);
  set_log_level(LogLevel::kDebug);
  {
    CountingApp app("guest-logs", {{"debug", "broker"}});  // librdkafka's debug lines too
    app.run_until_processed();
  }
  set_spdlog_logger(nullptr);
  set_log_level(LogLevel::kInfo);
  sink->flush();
  const std::string text = captured.str();
  EXPECT_NE(text.find("host-service info [eddy] state CREATED -> REBALANCING"), std::string::npos);
  EXPECT_NE(text.find("host-service debug [librdkafka] "), std::string::npos);
  EXPECT_NE(text.find("host-service debug [rocksdb] store guest-counts: "), std::string::npos);
}

TEST(GoodGuest, ALogCallbackReplacesStderrAndCanBeRemoved) {
  std::mutex mutex;
  std::vector<std::string> lines;
  set_log_callback([&](const LogRecord& r) {
    std::lock_guard lock(mutex);
    lines.push_back(std::string(r.source) + ": " + std::string(r.message));
  });
  {
    CountingApp app("guest-callback");
    app.run_until_processed();
  }
  set_log_callback(nullptr);
  std::lock_guard lock(mutex);
  const size_t seen = lines.size();
  EXPECT_GT(seen, 3u);
  bool dump = false;
  for (const auto& line : lines) dump = dump || line.starts_with("eddy: StreamsConfig values:");
  EXPECT_TRUE(dump);
}

TEST(GoodGuest, TheHostsOwnExposerServesEddysMetrics) {
  prometheus::Exposer host_exposer("127.0.0.1:0");  // the host's endpoint, not Eddy's
  const int port = host_exposer.GetListeningPorts().at(0);
  CountingApp app("guest-metrics");  // metrics.port stays 0: no endpoint of Eddy's own
  auto collectable = prometheus_collectable(app.streams->metrics_source());
  host_exposer.RegisterCollectable(collectable);
  app.run_until_processed();
  std::string text;
  ASSERT_TRUE(wait_until(
      [&] {
        text = testing_support::scrape_metrics(port, "127.0.0.1");
        return text.find("eddy_records_processed_total") != std::string::npos;
      },
      20s))
      << text;
  EXPECT_NE(text.find("# TYPE eddy_records_processed_total counter"), std::string::npos);
  host_exposer.RemoveCollectable(collectable);
}

TEST(GoodGuest, TheMetricsSourceOutlivesTheInstanceAndThenReturnsNothing) {
  MetricsSource source;
  {
    CountingApp app("guest-source");
    source = app.streams->metrics_source();
    app.run_until_processed();
    bool processed = false;
    for (const auto& sample : source()) {
      processed = processed || (sample.name == "eddy_records_processed_total" &&
                                sample.kind == MetricKind::kCounter && sample.value >= 10);
    }
    EXPECT_TRUE(processed);
  }
  EXPECT_TRUE(source().empty());
}

TEST(GoodGuest, TheEndpointBindsMetricsHost) {
  const int port = testing_support::free_port("127.0.0.2");
  ASSERT_GT(port, 0);
  CountingApp app("guest-host",
                  {{"metrics.host", "127.0.0.2"}, {"metrics.port", std::to_string(port)}});
  app.run_until_processed();
  EXPECT_NE(testing_support::scrape_metrics(port, "127.0.0.2").find("eddy_records_processed_total"),
            std::string::npos);
  EXPECT_EQ(testing_support::scrape_metrics(port, "127.0.0.1").find("eddy_records_processed_total"),
            std::string::npos);
}

}  // namespace
}  // namespace eddy
