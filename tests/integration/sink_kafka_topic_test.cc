// KafkaTopicSink against the real local Kafka (scripts/kafka.sh start): JSON values, the
// key, the event time as timestamp, the version header, and deletes as tombstones.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "eddy/sink/kafka_topic_sink.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using testing_support::real_props;
using testing_support::unique_name;

TEST(KafkaTopicSinkTest, PublishesJsonFeaturesAndTombstones) {
  const std::string topic = unique_name("it.sink.features");
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = 2}});

  KafkaTopicSinkOptions options;
  options.sink.name = "features-out";
  options.sink.latency_budget = 5ms;
  options.producer_properties = real_props();
  options.topic = topic;
  KafkaTopicSink sink(options);
  const int64_t ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  for (int i = 0; i < 50; ++i) {
    sink.submit(FeatureUpdate::upsert("c" + std::to_string(i),
                                      {{"views", std::to_string(i)}, {"cart", "1"}}, ts + i,
                                      {"clicks", 0, 100 + i}));
  }
  sink.submit(FeatureUpdate::erase("c7", ts + 100, {"clicks", 0, 200}));
  sink.flush();
  EXPECT_EQ(sink.stats().acknowledged, 50u);  // c7's write coalesced into its delete
  EXPECT_EQ(sink.freshness().event_time_total.count, 50u);

  std::map<std::string, std::optional<std::string>> values;
  std::map<std::string, int64_t> timestamps;
  std::map<std::string, std::string> versions;
  {
    kafka::Consumer consumer({.properties =
                                  [] {
                                    auto p = real_props();
                                    p["auto.offset.reset"] = "earliest";
                                    return p;
                                  }(),
                              .group_id = unique_name("it.sink.group")});
    consumer.subscribe({topic});
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (values.size() < 50 && std::chrono::steady_clock::now() < deadline) {
      for (const auto& m : consumer.poll_batch(500, 200ms)) {
        if (m.error_code() != 0) continue;
        const std::string key(*m.key());
        values[key] =
            m.value() ? std::optional<std::string>(std::string(*m.value())) : std::nullopt;
        timestamps[key] = m.timestamp();
        versions[key] = std::string(*header_value(m.headers(), "eddy.version"));
      }
    }
  }  // the consumer leaves the group before the topic is deleted
  ASSERT_EQ(values.size(), 50u);
  const auto c3 = nlohmann::json::parse(*values.at("c3"));
  EXPECT_EQ(c3["views"], "3");
  EXPECT_EQ(c3["cart"], "1");
  EXPECT_EQ(timestamps.at("c3"), ts + 3);
  EXPECT_EQ(versions.at("c3"), std::to_string(ts + 3) + ":0:103");
  EXPECT_FALSE(values.at("c7").has_value());  // a tombstone
  EXPECT_EQ(versions.at("c7"), std::to_string(ts + 100) + ":0:200");
  sink.close();
}

}  // namespace
}  // namespace eddy
