// A bounded run (eddy.run.until.end) on the real broker: over one million records on four
// partitions, under exactly-once, the instance reads each source partition up to its end
// offset as of start() — not the records produced after it — through a repartition topic
// too, commits, and stops by itself (NOT_RUNNING); the re-keyed counts and the windowed
// counts whose windows closed are exact. A second bounded run of the same application then
// reads exactly the records the first one left.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

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
constexpr int kPartitions = 4;
constexpr int kKeys = 1000;
constexpr int kCategories = 37;
constexpr int kExtra = 1000;  // produced after start(): not for the first run
constexpr int64_t kWindowMs = 10'000;

using WindowKey = std::pair<std::string, int64_t>;

std::string category_of(const std::string& value) {
  return "cat-" + value;
}

Topology bounded_topology(const StreamsConfig& config, const std::string& input,
                          const std::string& by_category, const std::string& windowed) {
  StreamsBuilder builder;
  auto events = builder.stream<std::string, std::string>(input);
  // Re-keyed (a repartition topic): per-category totals.
  events
      .group_by([](const std::string&, const std::string& v) { return category_of(v); },
                Grouped<std::string, std::string>::with_name("by-category"))
      .count(Materialized<std::string, int64_t>::as("category-counts"))
      .to_stream()
      .to(by_category);
  // Per key and 10 s window, one final result when the window closes.
  events.group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(std::chrono::milliseconds(kWindowMs)))
      .emit_strategy(EmitStrategy::on_window_close())
      .count(Materialized<std::string, int64_t>::as("per-user-10s"))
      .to_stream()
      .to(windowed, Produced<Windowed<std::string>, std::optional<int64_t>>::with(
                        serdes::time_windowed(serdes::string(), kWindowMs),
                        serdes::nullable(serdes::int64())));
  return builder.build(config);
}

// (key, value) of every record of `topic` (copies: a consumer's destruction waits for every
// message it handed out).
std::vector<std::pair<std::string, std::string>> read_all(const std::string& topic) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("bounded-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::vector<std::pair<std::string, std::string>> out;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(10'000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) out.emplace_back(std::string(*m.key()), std::string(*m.value()));
  }
  return out;
}

TEST(BoundedRunOnKafka, MillionRecordsReadToTheEndOffsetsOfStartThenStopsWithExactResults) {
  const std::string input = unique_name("it.bounded");
  const std::string by_category = input + ".by-category";
  const std::string windowed = input + ".windowed";
  const std::string app = unique_name("bounded-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = input, .partitions = kPartitions},
                       {.name = by_category, .partitions = kPartitions},
                       {.name = windowed, .partitions = kPartitions}});

  // Record i: key user-(i*7919 % 1000), value (i % 37), event time base + i ms (so each
  // partition's times only grow). A closer per partition, two windows past the last record,
  // closes every window of the users.
  const int64_t base = testing_support::recent_ms() / kWindowMs * kWindowMs;
  std::map<std::string, int64_t> expected_categories;
  std::map<WindowKey, int64_t> expected_windows;
  std::map<int32_t, int64_t> end_offsets;
  {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string key = "user-" + std::to_string(static_cast<int64_t>(i) * 7919 % kKeys);
      const std::string value = std::to_string(i % kCategories);
      const int64_t ts = base + i;
      producer.send({.topic = input, .key = key, .value = value, .timestamp = ts});
      ++expected_categories[category_of(value)];
      ++expected_windows[{key, ts - ts % kWindowMs}];
    }
    for (int p = 0; p < kPartitions; ++p) {
      producer.send({.topic = input,
                     .partition = p,
                     .key = "closer",
                     .value = "closer",
                     .timestamp = base + kRecords + 2 * kWindowMs});
    }
    expected_categories[category_of("closer")] = kPartitions;
    producer.flush(60s);
    kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("probe")});
    for (int p = 0; p < kPartitions; ++p) end_offsets[p] = probe.watermarks({input, p}, 10s).second;
  }

  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"processing.guarantee", "exactly_once_v2"},
                                                {"num.stream.threads", "2"},
                                                {"eddy.run.until.end", "true"},
                                                {"poll.ms", "20"}});
  const auto started = std::chrono::steady_clock::now();
  {
    KafkaStreams streams(bounded_topology(config, input, by_category, windowed), config);
    streams.start();  // takes the end offsets
    // Records after start(): past the end of this run.
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kExtra; ++i) {
      producer.send({.topic = input,
                     .key = "extra-" + std::to_string(i % 10),
                     .value = "extra",
                     .timestamp = base + kRecords + 3 * kWindowMs + i});
    }
    producer.flush(30s);
    ASSERT_TRUE(streams.wait_until_stopped(150s)) << "the bounded run did not stop by itself";
    EXPECT_EQ(streams.state(), KafkaStreams::State::kNotRunning);
    EXPECT_TRUE(streams.close(10s));
  }
  const auto took = std::chrono::steady_clock::now() - started;
  std::printf(
      "bounded run over %d records: stopped by itself after %lld ms\n", kRecords + 4,
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()));

  // Everything committed, exactly up to the end offsets of start().
  {
    kafka::Consumer group({.properties = real_props(), .group_id = app});
    std::vector<kafka::TopicPartition> partitions;
    for (int p = 0; p < kPartitions; ++p) partitions.push_back({input, p});
    for (const auto& committed : group.committed(partitions, 10s)) {
      EXPECT_EQ(committed.offset, end_offsets[committed.partition])
          << input << "-" << committed.partition;
    }
  }

  std::map<std::string, int64_t> categories;
  for (const auto& [key, value] : read_all(by_category))
    categories[key] = serdes::int64().deserialize(value);
  EXPECT_EQ(categories, expected_categories);  // no "cat-extra": nothing past the end

  const auto keys = serdes::time_windowed(serdes::string(), kWindowMs);
  std::map<WindowKey, int64_t> windows;
  int64_t results = 0;
  for (const auto& [k, value] : read_all(windowed)) {
    const Windowed<std::string> key = keys.deserialize(k);
    windows[{key.key, key.start}] = serdes::int64().deserialize(value);
    ++results;
  }
  EXPECT_EQ(results, static_cast<int64_t>(expected_windows.size()));  // one final result each
  int64_t mismatches = 0;
  for (const auto& [window, count] : expected_windows) {
    auto it = windows.find(window);
    if (it == windows.end() || it->second != count) ++mismatches;
  }
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(windows.size(), expected_windows.size());

  // A second bounded run picks up exactly where the first stopped: the extra records.
  {
    KafkaStreams streams(bounded_topology(config, input, by_category, windowed), config);
    streams.start();
    ASSERT_TRUE(streams.wait_until_stopped(60s));
    EXPECT_TRUE(streams.close(10s));
    EXPECT_EQ(streams.records_processed(), 2 * kExtra);  // the source and the repartition topic
  }
  categories.clear();
  for (const auto& [key, value] : read_all(by_category))
    categories[key] = serdes::int64().deserialize(value);
  EXPECT_EQ(categories[category_of("extra")], kExtra);
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
