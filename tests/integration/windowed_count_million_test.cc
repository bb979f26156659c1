// A windowed count over one million records on eight partitions of the real broker gives
// exactly the expected count for every (key, window). The count emits on window close, so the
// output holds one final result per window; a last record far ahead on each partition closes
// every window of the generated keys.
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

constexpr int kRecords = 1'000'000;
constexpr int kPartitions = 8;
constexpr int kKeys = 1000;
constexpr int64_t kWindowMs = 10'000;

using WindowKey = std::pair<std::string, int64_t>;  // key, window start

TEST(WindowedCountOnKafka, MillionRecordsOnEightPartitionsGiveExactCountsPerWindow) {
  const std::string input = unique_name("it.million");
  const std::string output = input + ".counts";
  const std::string app = unique_name("million-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics(
      {{.name = input, .partitions = kPartitions}, {.name = output, .partitions = kPartitions}});

  // Deterministic: record i has key user-(i*7919 % 1000) and event time base + i ms, so each
  // partition's timestamps only grow (no late records) and each key spans ~100 windows.
  const int64_t base = testing_support::recent_ms() / kWindowMs * kWindowMs;
  std::map<WindowKey, int64_t> expected;
  {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string key = "user-" + std::to_string(static_cast<int64_t>(i) * 7919 % kKeys);
      const int64_t ts = base + i;
      producer.send({.topic = input, .key = key, .value = "1", .timestamp = ts});
      ++expected[{key, ts - ts % kWindowMs}];
    }
    // One record per partition, two windows past the last: closes every generated window.
    for (int p = 0; p < kPartitions; ++p) {
      producer.send({.topic = input,
                     .partition = p,
                     .key = "closer",
                     .value = "1",
                     .timestamp = base + kRecords + 2 * kWindowMs});
    }
    producer.flush(60s);
  }

  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input)
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(std::chrono::milliseconds(kWindowMs)))
      .emit_strategy(EmitStrategy::on_window_close())
      .count(Materialized<std::string, int64_t>::as("per-user-10s"))
      .to_stream()
      .to(output, Produced<Windowed<std::string>, std::optional<int64_t>>::with(
                      serdes::time_windowed(serdes::string(), kWindowMs),
                      serdes::nullable(serdes::int64())));
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"processing.guarantee", "exactly_once_v2"},
                                                {"num.stream.threads", "2"},
                                                {"poll.ms", "20"}});
  {
    KafkaStreams streams(builder.build(config), config);
    streams.start();
    const auto deadline = std::chrono::steady_clock::now() + 180s;
    while (streams.records_processed() < kRecords + kPartitions &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(streams.records_processed(), kRecords + kPartitions);
    EXPECT_TRUE(streams.close(60s));
  }

  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("million-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({output, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  const auto keys = serdes::time_windowed(serdes::string(), kWindowMs);
  const auto longs = serdes::int64();
  std::map<WindowKey, int64_t> actual;
  int64_t results = 0;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(10'000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      const Windowed<std::string> key = keys.deserialize(*m.key());
      actual[{key.key, key.start}] = longs.deserialize(*m.value());
      ++results;
    }
  }
  EXPECT_EQ(results, static_cast<int64_t>(expected.size()));  // one final result per window
  EXPECT_EQ(actual.size(), expected.size());
  int64_t mismatches = 0;
  for (const auto& [window, count] : expected) {
    auto it = actual.find(window);
    if (it == actual.end() || it->second != count) ++mismatches;
  }
  EXPECT_EQ(mismatches, 0);
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
