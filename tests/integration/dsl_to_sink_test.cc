// KStream::to_sink on the real broker into the real Redis: features land as versioned hashes,
// tombstones and TTL expiries delete them, and the sink is flushed before each commit.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/sink/redis_sink.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"
#include "support/redis_client.h"
#include "support/wait_until.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

using testing_support::redis_port;
using testing_support::RedisClient;

TEST(DslToSink, CountsPerCustomerLandInRedisAndTombstonesDeleteThem) {
  const std::string input = unique_name("it.tosink");
  const std::string profiles = input + ".profiles";
  const std::string app = unique_name("tosink-app");
  const std::string prefix = app + ":";
  kafka::Admin(real_props())
      .create_topics({{.name = input, .partitions = 2}, {.name = profiles, .partitions = 2}});

  RedisSinkOptions options;
  options.sink.name = "customer-features";
  options.port = redis_port();
  options.key_prefix = prefix;
  auto redis_sink = std::make_shared<RedisSink>(options);

  StreamsBuilder builder;
  auto config = StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", real_bootstrap()},
       {"state.dir", (std::filesystem::temp_directory_path() / app).string()},
       {"commit.interval.ms", "200"},
       {"poll.ms", "20"}});
  builder.stream<std::string, std::string>(input)
      .group_by_key()
      .count(Materialized<std::string, int64_t>::as("events-per-customer"))
      .to_sink(redis_sink, [](const std::string& customer, const std::optional<int64_t>& count) {
        if (!count) return FeatureRow{customer, std::nullopt};
        return FeatureRow{customer, FeatureFields{{"events", std::to_string(*count)}}};
      });
  // A table's tombstone deletes the serving key.
  builder.table<std::string, std::string>(profiles).to_sink(
      redis_sink, [](const std::string& customer, const std::optional<std::string>& tier) {
        if (!tier) return FeatureRow{"profile-" + customer, std::nullopt};
        return FeatureRow{"profile-" + customer, FeatureFields{{"tier", *tier}}};
      });
  KafkaStreams streams(builder.build(config), config);

  const int64_t base = testing_support::recent_ms();
  kafka::Producer producer({.properties = real_props()});
  for (int i = 0; i < 30; ++i) {
    const std::string customer = "c" + std::to_string(i % 3);
    producer.send({.topic = input,
                   .key = customer,
                   .value = std::string_view("view"),
                   .timestamp = base + i});
  }
  producer.send({.topic = profiles,
                 .key = std::string_view("c0"),
                 .value = std::string_view("gold"),
                 .timestamp = base});
  producer.send({.topic = profiles,
                 .key = std::string_view("c1"),
                 .value = std::string_view("silver"),
                 .timestamp = base});
  producer.send({.topic = profiles,
                 .key = std::string_view("c1"),
                 .value = std::nullopt,
                 .timestamp = base + 1});
  producer.flush(10s);
  streams.start();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (streams.records_processed() < 33 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(streams.close(30s));  // commit: the sink is flushed before the offsets commit

  RedisClient redis;
  ASSERT_TRUE(redis.connected());
  for (int c = 0; c < 3; ++c) {
    const auto hash = redis.hgetall(prefix + "c" + std::to_string(c));
    ASSERT_TRUE(hash.contains("events")) << "c" << c;
    EXPECT_EQ(hash.at("events"), "10");
    EXPECT_TRUE(hash.contains("_v"));  // the version the write was made at
  }
  EXPECT_EQ(redis.hgetall(prefix + "profile-c0").at("tier"), "gold");
  EXPECT_TRUE(
      redis.hgetall(prefix + "profile-c1").empty());  // written, then deleted by the tombstone
  // CreateTime topics: no append time, so only event-time freshness was measured.
  EXPECT_GT(redis_sink->freshness().event_time_total.count, 0u);
  EXPECT_EQ(redis_sink->freshness().append_time_total.count, 0u);
  redis_sink->close();
}

TEST(DslToSink, FeatureOfAnExpiredKeyIsDeletedFromRedisWithNoNewInput) {
  const std::string input = unique_name("it.tosink.ttl");
  const std::string app = unique_name("tosink-ttl-app");
  const std::string prefix = app + ":";
  kafka::Admin(real_props()).create_topics({{.name = input, .partitions = 2}});
  RedisSinkOptions options;
  options.sink.name = "expiring-features";
  options.port = redis_port();
  options.key_prefix = prefix;
  auto redis_sink = std::make_shared<RedisSink>(options);

  StreamsBuilder builder;
  auto config = StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", real_bootstrap()},
       {"state.dir", (std::filesystem::temp_directory_path() / app).string()},
       {"commit.interval.ms", "200"},
       {"poll.ms", "20"}});
  // Wall-clock TTL: the partitions go idle after the burst, so only the stream thread's
  // wall-clock sweep can expire the counts. Cached, so the expiry leaves at a commit.
  builder.stream<std::string, std::string>(input)
      .group_by_key()
      .count(Materialized<std::string, int64_t>::as("recent-events")
                 .with_caching_enabled()
                 .with_ttl({.ttl = 3s, .clock = TtlClock::kWallClock}))
      .to_sink(redis_sink, [](const std::string& customer, const std::optional<int64_t>& count) {
        if (!count) return FeatureRow{customer, std::nullopt};
        return FeatureRow{customer, FeatureFields{{"events", std::to_string(*count)}}};
      });
  KafkaStreams streams(builder.build(config), config);
  const int64_t base = testing_support::recent_ms();
  kafka::Producer producer({.properties = real_props()});
  for (int i = 0; i < 12; ++i) {
    producer.send({.topic = input,
                   .key = "c" + std::to_string(i % 3),
                   .value = std::string_view("view"),
                   .timestamp = base + i});
  }
  producer.flush(10s);
  streams.start();

  RedisClient redis;
  ASSERT_TRUE(redis.connected());
  auto events = [&](int c) {
    const auto hash = redis.hgetall(prefix + "c" + std::to_string(c));
    return hash.contains("events") ? hash.at("events") : std::string();
  };
  EXPECT_TRUE(testing_support::wait_until(
      [&] { return events(0) == "4" && events(1) == "4" && events(2) == "4"; }, 30s));
  // No more input: the keys expire 3 s after their last write, and Redis loses them.
  EXPECT_TRUE(testing_support::wait_until(
      [&] { return events(0).empty() && events(1).empty() && events(2).empty(); }, 20s));
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(redis.hgetall(prefix + "c" + std::to_string(c)).empty());
  EXPECT_TRUE(streams.close(30s));
  redis_sink->close();
}

TEST(DslToSink, FreshnessFromAppendTimeIsMeasuredApartFromEventTime) {
  // The broker stamps the records (LogAppendTime); the events carry their own time, an hour
  // old, which the extractor takes as event time.
  const std::string input = unique_name("it.tosink.appendtime");
  const std::string app = unique_name("tosink-append-app");
  kafka::Admin(real_props())
      .create_topics({{.name = input,
                       .partitions = 2,
                       .configs = {{"message.timestamp.type", "LogAppendTime"}}}});
  RedisSinkOptions options;
  options.sink.name = "append-time";
  options.port = redis_port();
  options.key_prefix = app + ":";
  auto redis_sink = std::make_shared<RedisSink>(options);
  StreamsBuilder builder;
  auto config = StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", real_bootstrap()},
       {"state.dir", (std::filesystem::temp_directory_path() / app).string()},
       {"poll.ms", "20"}});
  builder
      .stream<std::string, std::string>(
          input, Consumed<std::string, std::string>{}.with_timestamp_extractor(
                     [](const std::string&, const std::string& event_time, int64_t) {
                       return std::stoll(event_time);
                     }))
      .to_sink(redis_sink, [](const std::string& key, const std::string& event_time) {
        return FeatureRow{key, FeatureFields{{"event_time", event_time}}};
      });
  KafkaStreams streams(builder.build(config), config);

  constexpr int kRecords = 20;
  const int64_t an_hour_ago = testing_support::recent_ms();
  kafka::Producer producer({.properties = real_props()});
  for (int i = 0; i < kRecords; ++i) {  // distinct keys: every update is written and measured
    producer.send({.topic = input,
                   .key = "k" + std::to_string(i),
                   .value = std::to_string(an_hour_ago + i),
                   .timestamp = an_hour_ago + i});
  }
  producer.flush(10s);
  streams.start();
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (streams.records_processed() < kRecords && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(streams.close(30s));
  const FreshnessReport freshness = redis_sink->freshness();
  EXPECT_EQ(freshness.event_time_total.count, static_cast<uint64_t>(kRecords));
  EXPECT_EQ(freshness.append_time_total.count, static_cast<uint64_t>(kRecords));
  // Event time is an hour old; the broker appended the records during this test.
  EXPECT_GE(freshness.event_time_total.p50_ms, 3'600'000.0);
  EXPECT_LT(freshness.append_time_total.max_ms, 120'000.0);
  EXPECT_GE(freshness.append_time_total.p50_ms, 0.0);
  redis_sink->close();
}

}  // namespace
}  // namespace eddy
