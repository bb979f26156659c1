// The Kafka client layer against the real local broker (scripts/kafka.sh start).
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "eddy/errors.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/partitioner.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"

namespace eddy::kafka {
namespace {

using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

// Consumes with group `group` until `target` records arrived (or 60 s), returning how
// many records each partition gave and the last offset seen per partition.
struct ConsumeResult {
  int64_t records = 0;
  std::map<int32_t, int64_t> per_partition;
  std::map<int32_t, int64_t> next_offset;
  std::set<std::string> keys;
};

ConsumeResult consume_until(Consumer& consumer, int64_t target, bool commit_each_batch) {
  ConsumeResult result;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (result.records < target && std::chrono::steady_clock::now() < deadline) {
    auto batch = consumer.poll_batch(5000, 200ms);
    std::map<std::pair<std::string, int32_t>, int64_t> offsets;
    for (const auto& m : batch) {
      ++result.records;
      ++result.per_partition[m.partition()];
      result.next_offset[m.partition()] = m.offset() + 1;
      result.keys.emplace(*m.key());
      offsets[{std::string(m.topic()), m.partition()}] = m.offset() + 1;
    }
    if (commit_each_batch && !offsets.empty()) {
      std::vector<TopicPartitionOffset> commit;
      for (const auto& [tp, offset] : offsets) commit.push_back({tp.first, tp.second, offset});
      consumer.commit(commit);
    }
  }
  return result;
}

TEST(RealKafka, CompactedTopicRoundTripAndGroupResume) {
  const std::string topic = unique_name("it.compacted");
  const std::string group = unique_name("it.group");
  constexpr int kRecords = 100000;
  constexpr int kFirstRun = 40000;

  Admin admin(real_props());
  admin.create_topics({{.name = topic,
                        .partitions = 4,
                        .replication_factor = 1,
                        .configs = {{"cleanup.policy", "compact"}}}});
  const auto description = admin.describe_topic(topic);
  ASSERT_TRUE(description.has_value());
  EXPECT_EQ(description->partitions, 4);
  EXPECT_EQ(admin.describe_topic_configs(topic).at("cleanup.policy"), "compact");

  Producer producer({.properties = real_props()});
  std::map<int32_t, int64_t> expected_per_partition;
  for (int i = 0; i < kRecords; ++i) {
    const std::string key = "key-" + std::to_string(i);
    const std::string value = "value-" + std::to_string(i);
    producer.send({.topic = topic, .key = key, .value = value});
    ++expected_per_partition[partition_for_key(key, 4)];
  }
  producer.flush(60s);
  EXPECT_TRUE(producer.take_failures().empty());

  // First run: read part of the topic, committing as it goes, then leave the group.
  int64_t first_run_records = 0;
  {
    Consumer consumer({.properties = real_props(), .group_id = group});
    consumer.subscribe({topic});
    first_run_records = consume_until(consumer, kFirstRun, /*commit_each_batch=*/true).records;
    consumer.close();
  }
  ASSERT_GE(first_run_records, kFirstRun);

  // Second run, same group: resumes from the committed offsets, so the two runs together
  // read every record exactly once.
  {
    Consumer consumer({.properties = real_props(), .group_id = group});
    consumer.subscribe({topic});
    const ConsumeResult rest = consume_until(consumer, kRecords - first_run_records, true);
    EXPECT_EQ(first_run_records + rest.records, kRecords);
    // Nothing more arrives: the group did not re-read from the beginning.
    EXPECT_TRUE(consumer.poll_batch(100, 1s).empty());
  }

  // A fresh group reads all 100 000 records, with the partition split murmur2 predicts.
  ConsumeResult all;
  {
    Consumer fresh({.properties = real_props(), .group_id = unique_name("it.fresh")});
    fresh.subscribe({topic});
    all = consume_until(fresh, kRecords, false);
  }  // consumers leave before the topic is deleted (librdkafka#4362: close can hang otherwise)
  EXPECT_EQ(all.records, kRecords);
  EXPECT_EQ(all.keys.size(), static_cast<size_t>(kRecords));
  for (const auto& [partition, count] : expected_per_partition) {
    EXPECT_EQ(all.per_partition.at(partition), count) << "partition " << partition;
  }
}

TEST(RealKafka, Murmur2PartitioningMatchesTheJavaProducer) {
  const std::string java_topic = unique_name("it.murmur.java");
  const std::string eddy_topic = unique_name("it.murmur.eddy");
  constexpr int kKeys = 2000;
  constexpr int kPartitions = 7;
  Admin admin(real_props());
  admin.create_topics({{.name = java_topic, .partitions = kPartitions},
                       {.name = eddy_topic, .partitions = kPartitions}});

  // The Java client writes key-0..key-1999 with its default partitioner.
  const std::string command = std::string(EDDY_SOURCE_DIR) + "/scripts/kafka.sh java " +
                              EDDY_SOURCE_DIR + "/tests/java/MurmurParity.java " +
                              real_bootstrap() + " " + java_topic + " " + std::to_string(kKeys) +
                              " 2>&1";
  const auto [status, output] = testing_support::run_command(command);
  ASSERT_EQ(status, 0) << output;

  Producer producer({.properties = real_props()});
  for (int i = 0; i < kKeys; ++i) {
    const std::string key = "key-" + std::to_string(i);
    producer.send({.topic = eddy_topic, .key = key, .value = key});
  }
  producer.flush(30s);

  auto partitions_by_key = [](const std::string& topic) {
    Consumer consumer({.properties = real_props(), .group_id = unique_name("it.murmur")});
    consumer.subscribe({topic});
    std::map<std::string, int32_t> out;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (out.size() < kKeys && std::chrono::steady_clock::now() < deadline) {
      for (const auto& m : consumer.poll_batch(1000, 200ms))
        out[std::string(*m.key())] = m.partition();
    }
    return out;
  };
  const auto java = partitions_by_key(java_topic);
  const auto eddy = partitions_by_key(eddy_topic);
  ASSERT_EQ(java.size(), static_cast<size_t>(kKeys));
  ASSERT_EQ(eddy.size(), static_cast<size_t>(kKeys));
  std::set<int32_t> used;
  for (const auto& [key, partition] : java) {
    EXPECT_EQ(eddy.at(key), partition) << key;
    EXPECT_EQ(partition_for_key(key, kPartitions), partition) << key;
    used.insert(partition);
  }
  EXPECT_EQ(used.size(), static_cast<size_t>(kPartitions));  // keys really spread out
}

// A partition paused when an eager rebalance revokes it and hands it back is fetched again,
// as with the Java consumer (librdkafka alone keeps the pause: librdkafka#1849). A stream
// thread pauses a partition whose buffer is full and forgets that when its task closes; the
// partition then stalled for good after the rebalance a second thread's join caused.
TEST(RealKafka, PartitionPausedAcrossAnEagerRebalanceIsFetchedAgain) {
  const std::string topic = unique_name("it.paused");
  const std::string other = topic + ".other";
  const std::string group = unique_name("it.paused-group");
  Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = 1}, {.name = other, .partitions = 1}});
  Producer producer({.properties = real_props()});
  producer.send({.topic = topic, .key = std::string_view("k"), .value = std::string_view("1")});
  producer.flush(15s);

  struct Assignments : RebalanceListener {
    int assigned = 0;
    void on_partitions_revoked(const std::vector<TopicPartition>&) override {}
    void on_partitions_assigned(const std::vector<TopicPartition>&) override { ++assigned; }
  } assignments;
  Consumer first({.properties = real_props(), .group_id = group, .listener = &assignments});
  first.subscribe({topic});
  ASSERT_EQ(consume_until(first, 1, false).records, 1);
  first.pause({{topic, 0}});

  // A second member subscribed to another topic: everyone rejoins, `first` gives its
  // partition up and gets it back (range assignment, eager).
  Consumer second({.properties = real_props(), .group_id = group});
  second.subscribe({other});
  const int before = assignments.assigned;
  const auto rebalanced_by = std::chrono::steady_clock::now() + 60s;
  while (assignments.assigned == before && std::chrono::steady_clock::now() < rebalanced_by) {
    first.poll_batch(100, 100ms);
    second.poll_batch(100, 100ms);
  }
  ASSERT_GT(assignments.assigned, before) << "no rebalance within 60 s";

  producer.send({.topic = topic, .key = std::string_view("k"), .value = std::string_view("2")});
  producer.flush(15s);
  int64_t received = 0;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (received == 0 && std::chrono::steady_clock::now() < deadline) {
    received += static_cast<int64_t>(first.poll_batch(100, 200ms).size());
    second.poll_batch(100, 0ms);
  }
  EXPECT_GT(received, 0) << "the partition stayed paused after it was assigned again";
  second.close();
  first.close();
}

TEST(RealKafka, DeliveryFailureNamesTopicAndPartition) {
  const std::string topic = unique_name("it.fail");
  Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = 2}});
  Producer producer({.properties = real_props()});
  // Partition 5 does not exist: the record fails and flush() says where.
  producer.send({.topic = topic,
                 .partition = 5,
                 .key = std::string_view("k"),
                 .value = std::string_view("v")});
  try {
    producer.flush(15s);
    FAIL() << "expected KafkaError";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("topic " + topic + " partition 5"), std::string::npos)
        << e.what();
  }
}

// A seek that fails for its partition fails the call (rd_kafka_seek_partitions reports it
// only in the partition list): a rewind must never go on from where the consumer was.
TEST(RealKafka, ASeekThatFailsForItsPartitionThrows) {
  const std::string topic = unique_name("it.seek");
  Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = 2}});
  Consumer consumer({.properties = real_props(), .group_id = unique_name("it.seek")});
  consumer.assign({{topic, 0, kOffsetBeginning}});
  EXPECT_NO_THROW(consumer.seek({topic, 0}, 0, 10s));
  try {
    consumer.seek({topic, 1}, 0, 10s);  // not assigned
    FAIL() << "expected KafkaError";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("seek " + topic + "-1 to offset 0"), std::string::npos)
        << e.what();
    EXPECT_TRUE(e.retriable()) << "a rewind tries its seeks again";
  }
}

TEST(RealKafka, UnknownTopicCreationErrorsAreClear) {
  Admin admin(real_props());
  try {
    admin.create_topics({{.name = unique_name("it.badconfig"),
                          .partitions = 1,
                          .configs = {{"cleanup.policy", "shred"}}}});
    FAIL() << "expected KafkaError";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("cleanup.policy"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace eddy::kafka
