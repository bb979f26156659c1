// eddy-loadgen: produces retail events (retail.events, key customer_id) and inventory updates
// (retail.inventory, key sku) at a steady rate, deterministic by seed, with optional late and
// out-of-order events. Shows a progress bar and ends with a summary.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "common/duration.h"
#include "eddy/errors.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "kafka/producer.h"
#include "loadgen/retail_generator.h"

using namespace std::chrono_literals;
namespace kafka = eddy::kafka;
using Clock = std::chrono::steady_clock;

namespace {

void print_progress(int64_t done, int64_t total, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  if (total > 0) {
    const int width = 30;
    const int filled =
        static_cast<int>(width * static_cast<double>(done) / static_cast<double>(total));
    std::fprintf(stderr, "\r[%-*s] %3.0f%%  %lld/%lld events  %.0f ev/s ", width,
                 std::string(filled, '#').c_str(),
                 100.0 * static_cast<double>(done) / static_cast<double>(total),
                 static_cast<long long>(done), static_cast<long long>(total), rate);
  } else {
    std::fprintf(stderr, "\r%lld events  %.0f ev/s ", static_cast<long long>(done), rate);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"eddy-loadgen: produce retail events and inventory updates (docs/retail-events.md)"};
  std::string bootstrap;
  std::string kafka_config;
  std::string events_topic = "retail.events";
  std::string inventory_topic = "retail.inventory";
  double rate = 1000;
  int64_t count = 0;
  std::chrono::milliseconds duration{0};
  int partitions = 8;
  eddy::examples::GeneratorOptions gen;
  std::chrono::milliseconds max_disorder{0};
  bool quiet = false;
  bool create_topics = true;
  app.add_option("--bootstrap-servers", bootstrap,
                 "Kafka bootstrap servers (empty: the one in --kafka-config, else the embedded "
                 "broker)");
  app.add_option("--kafka-config", kafka_config,
                 "properties file of client settings, e.g. security.protocol, ssl.*, sasl.* "
                 "(docs/security.md)")
      ->check(CLI::ExistingFile);
  app.add_option("--topic", events_topic, "events topic")->capture_default_str();
  app.add_option("--inventory-topic", inventory_topic, "inventory topic")->capture_default_str();
  app.add_option("--rate", rate, "events per second (0: as fast as possible)")
      ->capture_default_str();
  app.add_option("--count", count, "events to produce (0: until --duration)");
  eddy::examples::add_duration_option(app, "--duration", duration, "how long to produce, e.g. 60s");
  app.add_option("--customers", gen.customers, "distinct customers")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--skus", gen.skus, "distinct SKUs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--seed", gen.seed, "random seed (same seed, same events)")->capture_default_str();
  app.add_option("--late-fraction", gen.late_fraction, "share of events that arrive 1-10 min late")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  eddy::examples::add_duration_option(app, "--max-disorder", max_disorder,
                                      "out-of-order jitter, e.g. 2s");
  app.add_option("--partitions", partitions, "partitions when creating the topics")
      ->capture_default_str();
  app.add_option("--start-time", gen.start_time_ms,
                 "event time of the first event (epoch ms; default: now)");
  app.add_flag("--quiet", quiet, "no progress bar");
  // Another process's embedded broker (librdkafka's mock cluster) has no Admin API: the process
  // hosting it creates the topics (a topic it lacks is created on first use, 4 partitions).
  app.add_flag("!--no-create-topics", create_topics,
               "do not create the topics (they exist, or the broker has no Admin API)");
  CLI11_PARSE(app, argc, argv);
  if (count == 0 && duration.count() == 0) {
    std::fprintf(stderr, "eddy-loadgen: give --count or --duration\n");
    return 2;
  }
  if (app.count("--start-time") == 0) {
    gen.start_time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  }
  gen.max_disorder_ms = max_disorder.count();
  if (rate > 0) gen.events_per_event_second = rate;

  try {
    // --kafka-config: StreamsConfig keys (TLS, SASL: docs/security.md); the flag wins.
    eddy::Properties properties;
    if (!kafka_config.empty()) properties = eddy::read_properties_file(kafka_config);
    properties["application.id"] = "eddy-loadgen";
    if (!bootstrap.empty() || !properties.contains("bootstrap.servers")) {
      properties["bootstrap.servers"] = bootstrap;
    }
    const eddy::StreamsConfig config = eddy::StreamsConfig::from_properties(properties);
    if (create_topics) {
      kafka::Admin admin(kafka::client_properties(config, kafka::ClientKind::kAdmin), 15s);
      admin.create_topics({{.name = events_topic, .partitions = partitions},
                           {.name = inventory_topic,
                            .partitions = partitions,
                            .configs = {{"cleanup.policy", "compact"}}}});
    }
    kafka::Producer producer(
        {.properties = kafka::client_properties(config, kafka::ClientKind::kProducer)});
    producer.topic_partitions(10s);
    std::fprintf(stderr, "eddy-loadgen: producing to %s and %s at %s\n", events_topic.c_str(),
                 inventory_topic.c_str(), producer.bootstrap().c_str());

    eddy::examples::RetailGenerator generator(gen);
    std::map<std::string, int64_t> by_type;
    int64_t late = 0;
    int64_t produced = 0;
    const auto start = Clock::now();
    auto next_progress = start;
    const auto end_at = duration.count() > 0 ? start + duration : Clock::time_point::max();
    while ((count == 0 || produced < count) && Clock::now() < end_at) {
      if (rate > 0) {  // pace: event i is due at start + i/rate
        const auto due = start + std::chrono::microseconds(static_cast<int64_t>(
                                     1e6 * static_cast<double>(produced) / rate));
        if (due > Clock::now()) std::this_thread::sleep_until(due);
      }
      const auto record = generator.next();
      const std::string& topic = record.topic == "events" ? events_topic : inventory_topic;
      producer.send({.topic = topic,
                     .key = record.key,
                     .value = record.value,
                     .timestamp = record.timestamp_ms});
      ++by_type[record.type];
      if (record.late) ++late;
      if (record.topic == "events") ++produced;
      if (!quiet && Clock::now() >= next_progress) {
        print_progress(produced, count,
                       std::chrono::duration<double>(Clock::now() - start).count());
        next_progress += 1s;
      }
    }
    producer.flush(60s);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (!quiet) print_progress(produced, count, seconds);
    std::fprintf(stderr, "\n\neddy-loadgen summary\n");
    std::fprintf(stderr, "  events        %lld in %.1f s (%.0f/s)\n",
                 static_cast<long long>(produced), seconds,
                 static_cast<double>(produced) / seconds);
    for (const auto& [type, n] : by_type)
      std::fprintf(stderr, "  %-17s %lld\n", type.c_str(), static_cast<long long>(n));
    std::fprintf(stderr, "  late events   %lld\n", static_cast<long long>(late));
    return 0;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "eddy-loadgen: %s\n", e.what());
    return 1;
  }
}
