// eddy-smoke: produces keyed records and consumes them back through Eddy's Kafka client
// layer, then prints a summary. With no --bootstrap-servers it uses the embedded broker, so
// it runs on a machine with no Kafka. It proves the build, the client layer and the broker.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

#include "eddy/errors.h"
#include "eddy/logging.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

using namespace std::chrono_literals;
namespace kafka = eddy::kafka;

int main(int argc, char** argv) {
  CLI::App app{"eddy-smoke: produce and consume records through Eddy's Kafka client layer"};
  std::string bootstrap;
  std::string kafka_config;
  std::string topic = "eddy.smoke";
  int count = 100000;
  int partitions = 4;
  app.add_option("--bootstrap-servers", bootstrap,
                 "Kafka bootstrap servers (empty: the one in --kafka-config, else the embedded "
                 "broker)");
  app.add_option("--kafka-config", kafka_config,
                 "properties file of client settings, e.g. security.protocol, ssl.*, sasl.* "
                 "(docs/security.md)")
      ->check(CLI::ExistingFile);
  app.add_option("--topic", topic, "topic to use")->capture_default_str();
  app.add_option("--count", count, "records to produce")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--partitions", partitions, "partitions of the topic")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  try {
    // --kafka-config: StreamsConfig keys (TLS, SASL: docs/security.md); the flag wins.
    eddy::Properties properties;
    if (!kafka_config.empty()) properties = eddy::read_properties_file(kafka_config);
    properties["application.id"] = "eddy-smoke";
    if (!bootstrap.empty() || !properties.contains("bootstrap.servers")) {
      properties["bootstrap.servers"] = bootstrap;
    }
    const eddy::StreamsConfig config = eddy::StreamsConfig::from_properties(properties);
    const auto admin_props = kafka::client_properties(config, kafka::ClientKind::kAdmin);
    std::printf("eddy-smoke: broker %s%s\n", admin_props.at("bootstrap.servers").c_str(),
                config.uses_embedded_broker() ? " (embedded, in-process)" : "");
    kafka::Admin admin(admin_props, 15s);
    admin.create_topics({{.name = topic, .partitions = partitions}});

    kafka::Producer producer(
        {.properties = kafka::client_properties(config, kafka::ClientKind::kProducer)});
    producer.topic_partitions(10s);  // fails fast when the broker is unreachable
    const auto produce_start = std::chrono::steady_clock::now();
    std::string key;
    std::string value;
    for (int i = 0; i < count; ++i) {
      key = "customer-" + std::to_string(i % 1000);
      value = R"({"seq":)" + std::to_string(i) + "}";
      producer.send({.topic = topic, .key = key, .value = value});
    }
    producer.flush(60s);
    const double produce_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - produce_start).count();

    kafka::Consumer consumer(
        {.properties = kafka::client_properties(config, kafka::ClientKind::kConsumer),
         .group_id = "eddy-smoke-" + std::to_string(std::time(nullptr))});
    consumer.subscribe({topic});
    std::map<int32_t, int64_t> per_partition;
    int64_t consumed = 0;
    const auto consume_start = std::chrono::steady_clock::now();
    const auto deadline = consume_start + 120s;
    while (consumed < count && std::chrono::steady_clock::now() < deadline) {
      for (const auto& message : consumer.poll_batch(1000, 200ms)) {
        ++per_partition[message.partition()];
        ++consumed;
      }
    }
    const double consume_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - consume_start).count();
    consumer.close();

    std::printf("produced %d records in %.2f s (%.0f rec/s)\n", count, produce_s,
                count / produce_s);
    std::printf("consumed %lld records in %.2f s (%.0f rec/s)\n", static_cast<long long>(consumed),
                consume_s, consumed / consume_s);
    for (const auto& [partition, n] : per_partition) {
      std::printf("  partition %d: %lld records\n", partition, static_cast<long long>(n));
    }
    if (consumed < count) {
      std::fprintf(stderr, "eddy-smoke: FAILED: consumed %lld of %d records\n",
                   static_cast<long long>(consumed), count);
      return 1;
    }
    std::printf("eddy-smoke: OK\n");
    return 0;
  } catch (const eddy::Error& e) {
    std::fprintf(stderr, "eddy-smoke: %s\n", e.what());
    return 2;
  }
}
