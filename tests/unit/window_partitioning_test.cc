// to() of windowed keys: the partition is Kafka's default partition of the key inside the
// window (Kafka Streams' WindowedStreamPartitioner), unless Produced names a partitioner;
// repartition topics hash the whole key bytes, as Kafka Streams.
#include <gtest/gtest.h>

#include <set>

#include "kafka/partitioner.h"
#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::test_config;

constexpr int32_t kOutPartitions = 8;

// murmur2 of these keys as org.apache.kafka.common.utils.Utils.murmur2 computes it (the
// values of Kafka's UtilsTest, also checked in embedded_broker_test.cc).
int32_t java_default_partition(int32_t java_murmur2, int32_t partitions) {
  return (java_murmur2 & 0x7fffffff) % partitions;
}

TopologyTestDriver windowed_count_driver(StreamsBuilder& builder) {
  return TopologyTestDriver(
      builder.build(test_config()), test_config(),
      {.partitions_per_topic = 1, .topic_partitions = {{"out", kOutPartitions}}});
}

TEST(WindowedKeyPartitioning, TimeWindowedKeysGoToThePartitionOfTheirBaseKey) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(10ms))
      .count()
      .to_stream()
      .to("out",
          Produced<Windowed<std::string>, std::optional<int64_t>>::with(
              serdes::time_windowed(serdes::string(), 10), serdes::nullable(serdes::int64())));
  auto driver = windowed_count_driver(builder);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  const std::vector<std::string> keys = {"21", "foobar", "abc", "a-little-bit-long-string"};
  for (int64_t t = 0; t < 100; t += 7) {
    for (const auto& k : keys) in.pipe_input(k, 1, t);
  }
  const std::map<std::string, int32_t> java = {
      {"21", java_default_partition(-973932308, kOutPartitions)},
      {"foobar", java_default_partition(-790332482, kOutPartitions)},
      {"abc", java_default_partition(479470107, kOutPartitions)},
      {"a-little-bit-long-string", java_default_partition(-985981536, kOutPartitions)}};
  const auto serde = serdes::time_windowed(serdes::string(), 10);
  std::map<std::string, std::set<int64_t>> windows;
  int differs = 0;
  size_t records = 0;
  while (auto r = driver.read_raw("out")) {
    ++records;
    const Windowed<std::string> key = serde.deserialize(*r->key);
    EXPECT_EQ(r->partition, java.at(key.key)) << key.key << " window " << key.start;
    windows[key.key].insert(key.start);
    if (kafka::partition_for_key(*r->key, kOutPartitions) != r->partition) ++differs;
  }
  EXPECT_EQ(records, keys.size() * 15);  // 15 records per key, each one update
  for (const auto& k : keys) EXPECT_EQ(windows[k].size(), 10u) << k;  // windows 0..90
  // Hashing the windowed bytes would have scattered a key's windows.
  EXPECT_GT(differs, 0);
}

TEST(WindowedKeyPartitioning, SessionWindowedKeysGoToThePartitionOfTheirBaseKey) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(5ms))
      .count()
      .to_stream()
      .to("out",
          Produced<Windowed<std::string>, std::optional<int64_t>>::with(
              serdes::session_windowed(serdes::string()), serdes::nullable(serdes::int64())));
  auto driver = windowed_count_driver(builder);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  for (int64_t t = 0; t < 200; t += 10) {  // 10 apart, gap 5: a new session each time
    for (int k = 0; k < 20; ++k) in.pipe_input("user-" + std::to_string(k), 1, t);
  }
  const auto serde = serdes::session_windowed(serdes::string());
  int differs = 0;
  size_t records = 0;
  while (auto r = driver.read_raw("out")) {
    ++records;
    const Windowed<std::string> key = serde.deserialize(*r->key);
    EXPECT_EQ(r->partition, kafka::partition_for_key(key.key, kOutPartitions))
        << key.key << " session " << key.start;
    if (kafka::partition_for_key(*r->key, kOutPartitions) != r->partition) ++differs;
  }
  EXPECT_EQ(records, 20u * 20u);
  EXPECT_GT(differs, 0);
}

TEST(WindowedKeyPartitioning, StreamPartitionerInProducedWins) {
  StreamsBuilder builder;
  auto stream = builder.stream<std::string, int64_t>("in")
                    .group_by_key()
                    .windowed_by(TimeWindows::of_size_with_no_grace(10ms))
                    .count()
                    .to_stream();
  using P = Produced<Windowed<std::string>, std::optional<int64_t>>;
  const auto key_serde = serdes::time_windowed(serdes::string(), 10);
  const auto value_serde = serdes::nullable(serdes::int64());
  // By window start; and one that defers (std::nullopt) to the default partitioner, which
  // then hashes the whole key bytes (Kafka Streams ignores the windowed partitioner once a
  // partitioner is given).
  stream.to("out", P::with(key_serde, value_serde)
                       .with_stream_partitioner([](const std::string& topic,
                                                   const Windowed<std::string>& k,
                                                   const std::optional<int64_t>&, int32_t n) {
                         EXPECT_EQ(topic, "out");
                         return std::optional<int32_t>(static_cast<int32_t>(k.start / 10 % n));
                       }));
  stream.to("out2",
            P::with(key_serde, value_serde)
                .with_stream_partitioner([](const std::string&, const Windowed<std::string>&,
                                            const std::optional<int64_t>&,
                                            int32_t) { return std::optional<int32_t>(); }));
  TopologyTestDriver driver(
      builder.build(test_config()), test_config(),
      {.topic_partitions = {{"out", kOutPartitions}, {"out2", kOutPartitions}}});
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  for (int64_t t = 0; t < 100; t += 10) in.pipe_input("foobar", 1, t);
  size_t records = 0;
  while (auto r = driver.read_raw("out")) {
    ++records;
    EXPECT_EQ(r->partition, key_serde.deserialize(*r->key).start / 10 % kOutPartitions);
  }
  EXPECT_EQ(records, 10u);
  std::set<int32_t> partitions2;
  while (auto r = driver.read_raw("out2")) {
    EXPECT_EQ(r->partition, kafka::partition_for_key(*r->key, kOutPartitions));
    partitions2.insert(r->partition);
  }
  EXPECT_GT(partitions2.size(), 1u);  // whole-key hashing spreads one key's windows
}

TEST(WindowedKeyPartitioning, PartitionOutOfRangeFailsNamingTheSink) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in").to(
      "out", Produced<std::string, int64_t>{}
                 .with_name("bad-sink")
                 .with_stream_partitioner([](const std::string&, const std::string&, const int64_t&,
                                             int32_t n) { return std::optional<int32_t>(n); }));
  TopologyTestDriver driver(builder.build(test_config()), test_config(),
                            {.topic_partitions = {{"out", 3}}});
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  test::expect_error<std::exception>([&] { in.pipe_input("k", 1, 0); },
                                     "sink 'bad-sink': the stream partitioner chose partition 3");
}

TEST(WindowedKeyPartitioning, RepartitionTopicsHashTheWholeWindowedKeyAsKafkaStreams) {
  StreamsBuilder builder;
  const auto key_serde = serdes::time_windowed(serdes::string(), 10);
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(10ms))
      .count()
      .to_stream()
      .repartition(Repartitioned<Windowed<std::string>, std::optional<int64_t>>{
          key_serde, serdes::nullable(serdes::int64()), "rekeyed"})
      .to("out", Produced<Windowed<std::string>, std::optional<int64_t>>::with(
                     key_serde, serdes::nullable(serdes::int64())));
  TopologyTestDriver driver(builder.build(test_config()), test_config(),
                            {.partitions_per_topic = kOutPartitions});
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  for (int64_t t = 0; t < 100; t += 10) in.pipe_input("foobar", 1, t);
  size_t records = 0;
  while (auto r = driver.read_raw("app-rekeyed-repartition")) {
    ++records;
    EXPECT_EQ(r->partition, kafka::partition_for_key(*r->key, kOutPartitions));
  }
  EXPECT_EQ(records, 10u);
  while (auto r = driver.read_raw("out")) {
    EXPECT_EQ(r->partition, java_default_partition(-790332482, kOutPartitions));
  }
}

}  // namespace
}  // namespace eddy
