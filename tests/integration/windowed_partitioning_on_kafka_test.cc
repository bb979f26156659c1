// Windowed keys on the real broker: every window (time and session) of a key lands in the
// partition the plain key goes to, as Kafka Streams' WindowedStreamPartitioner does.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
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

constexpr int kOutPartitions = 6;
constexpr int64_t kWindowMs = 60'000;

struct Topics {
  std::string input, plain, time_windows, sessions;
};

Topology windowed_topology(const StreamsConfig& config, const Topics& t) {
  StreamsBuilder builder;
  auto clicks = builder.stream<std::string, int64_t>(t.input);
  // The plain key, written by the producer's own (murmur2) partitioner: the reference.
  clicks.to(t.plain);
  auto grouped = clicks.group_by_key();
  grouped.windowed_by(TimeWindows::of_size_with_no_grace(std::chrono::milliseconds(kWindowMs)))
      .count(Materialized<std::string, int64_t>::as("per-minute"))
      .to_stream()
      .to(t.time_windows, Produced<Windowed<std::string>, std::optional<int64_t>>::with(
                              serdes::time_windowed(serdes::string(), kWindowMs),
                              serdes::nullable(serdes::int64())));
  grouped.windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(5s))
      .count(Materialized<std::string, int64_t>::as("sessions"))
      .to_stream()
      .to(t.sessions,
          Produced<Windowed<std::string>, std::optional<int64_t>>::with(
              serdes::session_windowed(serdes::string()), serdes::nullable(serdes::int64())));
  return builder.build(config);
}

// Key (decoded by `inner_key`) -> the partitions its records were found in, and the windows.
struct Placement {
  std::map<std::string, std::set<int32_t>> partitions;
  std::map<std::string, std::set<int64_t>> window_starts;
  int records = 0;
};

template <typename Decode>
Placement read_placement(const std::string& topic, Decode decode) {
  kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("placement")});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kOutPartitions; ++p)
    assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  Placement out;
  int empty = 0;
  while (empty < 8) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      const auto [key, start] = decode(*m.key());
      out.partitions[key].insert(m.partition());
      out.window_starts[key].insert(start);
      ++out.records;
    }
  }
  return out;
}

TEST(WindowedPartitioningOnKafka, EveryWindowOfAKeyIsInThePartitionOfItsBaseKey) {
  const std::string base = unique_name("it.winpart");
  const Topics t{base + ".in", base + ".plain", base + ".minutes", base + ".sessions"};
  const std::string app = unique_name("winpart-app");
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = t.input, .partitions = 1},
                       {.name = t.plain, .partitions = kOutPartitions},
                       {.name = t.time_windows, .partitions = kOutPartitions},
                       {.name = t.sessions, .partitions = kOutPartitions}});

  // 30 keys, each clicking every 20 s for 5 minutes: 5 one-minute windows and 15 sessions
  // (20 s apart is beyond the 5 s gap) per key.
  constexpr int kKeys = 30;
  constexpr int kClicksPerKey = 15;
  const int64_t base_ts = testing_support::recent_ms() / kWindowMs * kWindowMs;
  {
    kafka::Producer producer({.properties = real_props()});
    const auto longs = serdes::int64();
    for (int c = 0; c < kClicksPerKey; ++c) {
      for (int k = 0; k < kKeys; ++k) {
        producer.send({.topic = t.input,
                       .key = "user-" + std::to_string(k),
                       .value = longs.to_bytes(1),
                       .timestamp = base_ts + c * 20'000});
      }
    }
    producer.flush(30s);
  }

  const auto config = StreamsConfig::from_properties(
      {{"application.id", app},
       {"bootstrap.servers", real_bootstrap()},
       {"state.dir", (std::filesystem::temp_directory_path() / app).string()},
       {"poll.ms", "20"}});
  {
    KafkaStreams streams(windowed_topology(config, t), config);
    streams.start();
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (streams.records_processed() < kKeys * kClicksPerKey &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(streams.records_processed(), kKeys * kClicksPerKey);
    EXPECT_TRUE(streams.close(30s));  // flushes the record caches and the producer
  }

  const auto plain = read_placement(t.plain, [](std::string_view k) {
    return std::pair<std::string, int64_t>(std::string(k), 0);
  });
  const auto time_serde = serdes::time_windowed(serdes::string(), kWindowMs);
  const auto minutes = read_placement(t.time_windows, [&](std::string_view k) {
    const auto w = time_serde.deserialize(k);
    return std::pair<std::string, int64_t>(w.key, w.start);
  });
  const auto session_serde = serdes::session_windowed(serdes::string());
  const auto sessions = read_placement(t.sessions, [&](std::string_view k) {
    const auto w = session_serde.deserialize(k);
    return std::pair<std::string, int64_t>(w.key, w.start);
  });

  ASSERT_EQ(plain.partitions.size(), static_cast<size_t>(kKeys));
  std::set<int32_t> used;
  for (const auto& [key, parts] : plain.partitions) {
    ASSERT_EQ(parts.size(), 1u) << key;
    const int32_t home = *parts.begin();
    used.insert(home);
    EXPECT_EQ(minutes.partitions.at(key), std::set<int32_t>{home}) << key;
    EXPECT_EQ(minutes.window_starts.at(key).size(), 5u) << key;
    EXPECT_EQ(sessions.partitions.at(key), std::set<int32_t>{home}) << key;
    EXPECT_EQ(sessions.window_starts.at(key).size(), static_cast<size_t>(kClicksPerKey)) << key;
  }
  EXPECT_GT(used.size(), 1u);  // the keys spread over several partitions
}

}  // namespace
}  // namespace eddy
