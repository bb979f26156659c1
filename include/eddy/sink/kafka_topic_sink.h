// eddy/sink/kafka_topic_sink.h — KafkaTopicSink: publishes features to a Kafka topic for
// other services: key = the feature key, value = a JSON object of the fields (all values
// strings), a delete = a tombstone (null value), timestamp = the event time, headers = the
// source record's headers followed by "eddy.version" = "<event_time>:<partition>:<offset>"
// so consumers can drop stale updates.
// A batch is acknowledged when the broker acknowledged every record (producer flush); a
// failed batch is re-sent whole (at-least-once: a consumer may see an update twice).
//
//   eddy::KafkaTopicSinkOptions options;
//   options.sink.name = "features-out";
//   options.producer_properties = {{"bootstrap.servers", "localhost:9092"}};
//   options.topic = "customer-features";
//   eddy::KafkaTopicSink sink(options);
//   sink.submit(eddy::FeatureUpdate::upsert("c-42", {{"views", "3"}}, ts, {"clicks", 0, 7}));
//   sink.flush();   // customer-features: c-42 -> {"views":"3"}
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "eddy/config.h"
#include "eddy/sink/feature_sink.h"

namespace eddy {

namespace kafka {
class Producer;
}

struct KafkaTopicSinkOptions {
  SinkOptions sink;
  // librdkafka producer properties; bootstrap.servers "" or "embedded" uses the in-process
  // broker. The producer is idempotent, lz4, linger 5 ms unless set here.
  Properties producer_properties;
  // The topic features go to (must exist, or be auto-created by the broker).
  std::string topic;
  // How long a batch may wait for its acknowledgements before it counts as failed and is
  // retried. Default: 30 s.
  std::chrono::milliseconds delivery_timeout{30'000};
};

class KafkaTopicSink final : public FeatureSink {
 public:
  // Creates the producer; throws ConfigError for a bad property or a missing topic name.
  explicit KafkaTopicSink(KafkaTopicSinkOptions options);
  ~KafkaTopicSink() override;

 protected:
  void write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome> outcomes) override;

 private:
  KafkaTopicSinkOptions kafka_options_;
  std::unique_ptr<kafka::Producer> producer_;
};

}  // namespace eddy
