#include "eddy/sink/kafka_topic_sink.h"

#include <nlohmann/json.hpp>

#include "kafka/client_config.h"
#include "kafka/producer.h"

namespace eddy {

namespace {

std::string fields_json(const FeatureFields& fields) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const auto& [field, value] : fields) object[field] = value;
  return object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

KafkaTopicSink::KafkaTopicSink(KafkaTopicSinkOptions options)
    : FeatureSink(options.sink), kafka_options_(std::move(options)) {
  if (kafka_options_.topic.empty()) {
    throw ConfigError("kafka topic sink " + name() + " topic", "must name the output topic");
  }
  Properties properties = kafka_options_.producer_properties;
  properties["bootstrap.servers"] =
      kafka::resolve_bootstrap_servers(properties["bootstrap.servers"]);
  producer_ = std::make_unique<kafka::Producer>(kafka::ProducerOptions{.properties = properties});
}

KafkaTopicSink::~KafkaTopicSink() {
  stop_flushing();
}

void KafkaTopicSink::write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome>) {
  std::string value;
  Headers headers;
  try {
    for (const FeatureUpdate& u : batch) {
      const FeatureVersion v = u.version();
      // The source record's headers, then the version.
      headers = u.headers;
      headers.push_back({"eddy.version", std::to_string(v.event_time_ms) + ":" +
                                             std::to_string(v.partition) + ":" +
                                             std::to_string(v.offset)});
      std::optional<std::string_view> payload;
      if (u.fields) {
        value = fields_json(*u.fields);
        payload = value;
      }
      producer_->send({.topic = kafka_options_.topic,
                       .key = u.key,
                       .value = payload,
                       .timestamp = u.event_time_ms,
                       .headers = &headers});
    }
    producer_->flush(kafka_options_.delivery_timeout);
  } catch (const KafkaError& e) {
    throw SinkError(
        "kafka topic sink " + name() + " (topic " + kafka_options_.topic + "): " + e.what(),
        !e.fatal());
  }
}

}  // namespace eddy
