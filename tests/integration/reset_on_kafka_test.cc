// Reprocessing an Eddy application from scratch with Kafka's own reset tool
// (org.apache.kafka.tools.StreamsResetter, kafka-streams-application-reset.sh) and
// KafkaStreams::clean_up(): the tool rewinds the input offsets and deletes the internal topics
// (repartition, changelogs, the topology fingerprint), clean_up() the local state; the rerun
// gives the same output as the first run — not doubled counts (stale state) and not nothing
// (offsets left at the end).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
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
using testing_support::run_command;
using testing_support::unique_name;

constexpr int kPartitions = 4;
constexpr int kRecords = 20'000;

Topology count_by_category(const StreamsConfig& config, const std::string& input,
                           const std::string& output) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input)
      .group_by([](const std::string&, const std::string& v) { return v; },
                Grouped<std::string, std::string>::with_name("by-category"))
      .count(Materialized<std::string, int64_t>::as("category-counts"))
      .to_stream()
      .to(output);
  return builder.build(config);
}

// The latest count per key in `topic` from `from` (per partition) on, and the end offsets.
std::map<std::string, int64_t> read_counts(const std::string& topic,
                                           std::map<int32_t, int64_t>& from) {
  kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("reset-reader")});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p)
    assignment.push_back({topic, p, from.contains(p) ? from[p] : kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::map<std::string, int64_t> latest;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch)
      latest[std::string(*m.key())] = serdes::int64().deserialize(*m.value());
  }
  for (int p = 0; p < kPartitions; ++p) from[p] = reader.watermarks({topic, p}, 10s).second;
  return latest;
}

int task_folders(const std::filesystem::path& dir) {
  int n = 0;
  if (!std::filesystem::exists(dir)) return 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) n += entry.is_directory();
  return n;
}

TEST(ResetOnKafka, KafkaResetToolAndCleanUpReprocessToTheSameOutput) {
  const std::string input = unique_name("it.reset");
  const std::string output = input + ".counts";
  const std::string app = unique_name("reset-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  const std::filesystem::path app_dir = std::filesystem::path(state_dir) / app;
  {
    kafka::Admin admin(real_props());
    admin.create_topics(
        {{.name = input, .partitions = kPartitions}, {.name = output, .partitions = kPartitions}});
  }
  std::map<std::string, int64_t> expected;
  {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string category = "cat-" + std::to_string(i % 23);
      producer.send({.topic = input,
                     .key = "user-" + std::to_string(i % 101),
                     .value = category,
                     .timestamp = testing_support::recent_ms() + i});
      ++expected[category];
    }
    producer.flush(30s);
  }
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"commit.interval.ms", "200"},
                                                {"eddy.run.until.end", "true"},
                                                {"poll.ms", "20"}});
  const auto run = [&] {
    KafkaStreams streams(count_by_category(config, input, output), config);
    streams.start();
    EXPECT_THROW(streams.clean_up(), Error);  // not while it runs
    ASSERT_TRUE(streams.wait_until_stopped(60s));
    EXPECT_TRUE(streams.close(10s));
  };

  run();
  std::map<int32_t, int64_t> offsets;  // of the output: where the rerun's output starts
  EXPECT_EQ(read_counts(output, offsets), expected);
  EXPECT_GT(task_folders(app_dir), 0);

  // Kafka's tool: input offsets back to the earliest, internal topics deleted.
  const std::string kafka_sh = std::string(EDDY_SOURCE_DIR) + "/scripts/kafka.sh";
  const auto [status, out] = run_command(
      kafka_sh + " java org.apache.kafka.tools.StreamsResetter --bootstrap-server " +
      real_bootstrap() + " --application-id " + app + " --input-topics " + input + " 2>&1");
  ASSERT_EQ(status, 0) << out;
  for (const char* internal :
       {"-by-category-repartition", "-category-counts-changelog", "-eddy-topology-changelog"}) {
    EXPECT_NE(out.find(app + internal), std::string::npos)
        << "the reset tool did not delete " << app << internal << ":\n"
        << out;
  }
  {
    kafka::Admin admin(real_props());
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    auto internal_left = [&] {
      int n = 0;
      for (const auto& [topic, partitions] : admin.list_topics()) n += topic.starts_with(app + "-");
      return n;
    };
    while (internal_left() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(200ms);
    EXPECT_EQ(internal_left(), 0);
  }

  // The local state goes too (the tool cannot reach it); the process id stays.
  {
    KafkaStreams streams(count_by_category(config, input, output), config);
    streams.clean_up();
  }
  EXPECT_EQ(task_folders(app_dir), 0);
  EXPECT_TRUE(std::filesystem::exists(app_dir / "process-id"));

  run();
  EXPECT_EQ(read_counts(output, offsets), expected);  // the rerun's output alone
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
