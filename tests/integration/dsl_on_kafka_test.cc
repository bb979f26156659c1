// A DSL topology on the real broker through KafkaStreams: re-key, repartition topic, count in
// a RocksDB store with a changelog, output topic — under exactly-once, and restarted.
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

Topology page_count_topology(const StreamsConfig& config, const std::string& input,
                             const std::string& output) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input)
      .group_by([](const std::string&, const std::string& page) { return page; },
                Grouped<std::string, std::string>::with_name("by-page"))
      .count(Materialized<std::string, int64_t>::as("page-counts"))
      .to_stream()
      .to(output);
  return builder.build(config);
}

// Latest count per page in `topic` (read_committed), and how many updates it held.
std::pair<std::map<std::string, int64_t>, int> read_counts(const std::string& topic,
                                                           int partitions) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("counts-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < partitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  const auto longs = serdes::int64();
  std::map<std::string, int64_t> latest;
  int updates = 0;
  int empty = 0;
  while (empty < 8) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      latest[std::string(*m.key())] = longs.deserialize(*m.value());
      ++updates;
    }
  }
  return {latest, updates};
}

TEST(DslOnKafka, RepartitionedCountIsExactUnderExactlyOnceAcrossARestart) {
  const std::string input = unique_name("it.pages");
  const std::string output = input + ".counts";
  const std::string app = unique_name("pages-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = input, .partitions = 4}, {.name = output, .partitions = 4}});

  const std::vector<std::string> pages = {"home", "cart", "search", "checkout", "product"};
  std::map<std::string, int64_t> expected;
  const int64_t base_ts = testing_support::recent_ms();
  auto produce = [&](int from, int to) {
    kafka::Producer producer({.properties = real_props()});
    for (int i = from; i < to; ++i) {
      const std::string& page = pages[static_cast<size_t>(i * 7 % 5)];
      producer.send({.topic = input,
                     .key = "session-" + std::to_string(i),
                     .value = page,
                     .timestamp = base_ts + i});
      ++expected[page];
    }
    producer.flush(30s);
  };

  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"processing.guarantee", "exactly_once_v2"},
                                                {"poll.ms", "20"}});
  auto run_until = [&](int64_t records) {
    KafkaStreams streams(page_count_topology(config, input, output), config);
    streams.start();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (streams.records_processed() < records && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    const int64_t processed = streams.records_processed();
    EXPECT_TRUE(streams.close(30s));
    return processed;
  };

  produce(0, 3000);
  // Each input record is processed twice: once by the re-key sub-topology, once by the count.
  EXPECT_GE(run_until(6000), 6000);
  produce(3000, 5000);
  // The second run restores the counts (from its checkpoint) and continues from the
  // committed offsets: only the new records are processed.
  EXPECT_EQ(run_until(4000), 4000);

  const auto [latest, updates] = read_counts(output, 4);
  EXPECT_EQ(updates, 5000);  // one update per input record (caching off), none doubled
  EXPECT_EQ(latest, expected);
  auto topics = admin.list_topics();
  EXPECT_EQ(topics.at(app + "-by-page-repartition"), 4);
  EXPECT_EQ(topics.at(app + "-page-counts-changelog"), 4);
  EXPECT_EQ(admin.describe_topic_configs(app + "-page-counts-changelog").at("cleanup.policy"),
            "compact");
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
