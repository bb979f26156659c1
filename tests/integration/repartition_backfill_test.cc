// Repartition topics on the real broker are configured as Kafka Streams configures them:
// records stay whatever their timestamps (retention.ms=-1) until the application has committed
// past them and purges them. A backfill of month-old events through a re-keying topology loses
// nothing (with the broker's default retention, its log cleaner deleted unread repartition
// records: 241,921 of 400,010 were processed in the report of issue 15).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/serde/serdes.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

TEST(RepartitionOnKafka, BackfillOfMonthOldEventsThroughARepartitionTopicLosesNothing) {
  constexpr int kRecords = 200'000;
  constexpr int kSkus = 500;
  const std::string input = unique_name("it.backfill");
  const std::string output = input + ".per-sku";
  const std::string app = unique_name("backfill-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  // The user's topics keep old records (they hold the backfill); the test is about the
  // application's own repartition topic.
  admin.create_topics({{.name = input, .partitions = 4, .configs = {{"retention.ms", "-1"}}},
                       {.name = output, .partitions = 4, .configs = {{"retention.ms", "-1"}}}});
  const int64_t month_ago =
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch() - std::chrono::hours(24 * 30))
          .count();
  {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      producer.send({.topic = input,
                     .key = "customer-" + std::to_string(i % 7919),
                     .value = "sku-" + std::to_string(i % kSkus),
                     .timestamp = month_ago + i});
    }
    producer.flush(60s);
  }

  // The counting side is slower than the re-keying side (a sleep every 20 records, about 10 s
  // in all), so the repartition topic holds unread month-old records for longer than the
  // broker's retention check interval (10 s, scripts/kafka.sh): with the broker's default
  // retention (7 days) it deleted them, and this test lost records.
  int slow = 0;
  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input)
      .select_key([](const std::string&, const std::string& sku) { return sku; })
      .repartition(Repartitioned<std::string, std::string>::as("by-sku"))
      .peek([&slow](const std::string&, const std::string&) {
        if (++slow % 20 == 0) std::this_thread::sleep_for(1ms);
      })
      .group_by_key()
      .count(Materialized<std::string, int64_t>::as("sku-counts"))
      .to_stream()
      .to(output);
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"commit.interval.ms", "500"},
                                                {"repartition.purge.interval.ms", "500"},
                                                {"statestore.cache.max.bytes", "1048576"},
                                                {"poll.ms", "20"}});
  const std::string repartition = app + "-by-sku-repartition";
  {
    KafkaStreams streams(builder.build(config), config);
    streams.start();
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (streams.records_processed() < 2 * kRecords &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(streams.records_processed(), 2 * kRecords)  // once re-keyed, once counted
        << "records went missing between the two sub-topologies";
    std::this_thread::sleep_for(1500ms);  // a few more commits, so the last purge goes out
    EXPECT_TRUE(streams.close(30s));
  }

  const Properties configs = admin.describe_topic_configs(repartition);
  EXPECT_EQ(configs.at("retention.ms"), "-1");
  EXPECT_EQ(configs.at("cleanup.policy"), "delete");
  EXPECT_EQ(configs.at("message.timestamp.type"), "CreateTime");

  // Committed repartition records were purged: the log start moved in every partition.
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("probe")});
  for (int p = 0; p < 4; ++p) {
    const auto [low, high] = probe.watermarks({repartition, p}, 10s);
    EXPECT_GT(low, 0) << "partition " << p << " was never purged (high " << high << ")";
  }

  // Every event is counted: the latest count per SKU sums to the input.
  kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("reader")});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < 4; ++p) assignment.push_back({output, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  const auto longs = serdes::int64();
  std::map<std::string, int64_t> latest;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) latest[std::string(*m.key())] = longs.deserialize(*m.value());
  }
  int64_t total = 0;
  for (const auto& [sku, count] : latest) total += count;
  EXPECT_EQ(latest.size(), static_cast<size_t>(kSkus));
  EXPECT_EQ(total, kRecords);
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
