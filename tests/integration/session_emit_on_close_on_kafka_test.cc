// Final session counts on the real broker, exactly-once, with a restart from an empty state
// directory in the middle: with the emit strategy on_window_close (the session store and its
// emit progress restored from their changelogs) and with suppress(until_window_closes) (the
// suppress buffer restored from its changelog), every session goes out exactly once with its
// full count (none repeated from before the restart, none lost across it).
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <thread>
#include <tuple>

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

constexpr int kPartitions = 2;
constexpr int kKeys = 50;
constexpr int kSessionsPerRun = 10;
constexpr int kRecordsPerSession = 5;
constexpr int64_t kGapMs = 100;
constexpr int64_t kSessionSpacingMs = 1'000;

using SessionKey = std::tuple<std::string, int64_t, int64_t>;  // key, start, end

// Sessions [first, first + count) of every key, in time order (so each partition's timestamps
// only grow): session s of a key is 5 records 10 ms apart from base + s * 1 s.
int64_t produce_sessions(const std::string& topic, int64_t base, int first, int count) {
  kafka::Producer producer({.properties = real_props()});
  int64_t sent = 0;
  for (int s = first; s < first + count; ++s) {
    for (int r = 0; r < kRecordsPerSession; ++r) {
      for (int k = 0; k < kKeys; ++k) {
        producer.send({.topic = topic,
                       .key = "user-" + std::to_string(k),
                       .value = "1",
                       .timestamp = base + s * kSessionSpacingMs + r * 10});
        ++sent;
      }
    }
  }
  producer.flush(60s);
  return sent;
}

void run_until_processed(const Topology& topology, const StreamsConfig& config, int64_t records) {
  KafkaStreams streams(topology, config);
  streams.start();
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while (streams.records_processed() < records && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(streams.records_processed(), records);
  EXPECT_TRUE(streams.close(60s));
}

// Runs session counts made final by `make_final` (emit on close, or suppress) on 2 partitions
// under exactly-once: sessions 0-9 of every key, a restart from an empty state directory,
// sessions 10-19 and a record that closes them all; then reads the output topic and checks
// every session came out exactly once with its full count.
using MakeFinal = std::function<KTable<Windowed<std::string>, int64_t>(
    SessionWindowedKStream<std::string, std::string>)>;

void expect_every_session_once_across_a_restore(const std::string& name,
                                                const MakeFinal& make_final) {
  const std::string input = unique_name("it." + name);
  const std::string output = input + ".final";
  const std::string app = unique_name(name + "-app");
  const auto state_dir = std::filesystem::temp_directory_path() / app;
  kafka::Admin admin(real_props());
  admin.create_topics(
      {{.name = input, .partitions = kPartitions}, {.name = output, .partitions = kPartitions}});

  StreamsBuilder builder;
  make_final(
      builder.stream<std::string, std::string>(input).group_by_key().windowed_by(
          SessionWindows::of_inactivity_gap_with_no_grace(std::chrono::milliseconds(kGapMs))))
      .to_stream()
      .to(output,
          Produced<Windowed<std::string>, std::optional<int64_t>>::with(
              serdes::session_windowed(serdes::string()), serdes::nullable(serdes::int64())));
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir.string()},
                                                {"processing.guarantee", "exactly_once_v2"},
                                                {"poll.ms", "20"}});
  const Topology topology = builder.build(config);

  const int64_t base = testing_support::recent_ms() / 1000 * 1000;
  // First run: sessions 0-9; all but session 9 close (session 9 is the last activity).
  run_until_processed(topology, config, produce_sessions(input, base, 0, kSessionsPerRun));
  // Lose the local state: the next instance restores the session store and the emit progress
  // from their changelogs. Without the progress, sessions 0-8 (still in the restored store)
  // would go out a second time.
  std::filesystem::remove_all(state_dir);
  int64_t second = produce_sessions(input, base, kSessionsPerRun, kSessionsPerRun);
  {
    // One record per partition far ahead closes every session of the generated keys.
    kafka::Producer producer({.properties = real_props()});
    for (int p = 0; p < kPartitions; ++p) {
      producer.send({.topic = input,
                     .partition = p,
                     .key = "closer",
                     .value = "1",
                     .timestamp = base + 3 * kSessionsPerRun * kSessionSpacingMs});
    }
    producer.flush(60s);
    second += kPartitions;
  }
  run_until_processed(topology, config, second);

  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("session-close-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({output, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  const auto keys = serdes::session_windowed(serdes::string());
  const auto counts = serdes::int64();
  std::map<SessionKey, int64_t> results;  // session -> how many results
  int64_t wrong_counts = 0;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(10'000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      const Windowed<std::string> key = keys.deserialize(*m.key());
      ++results[{key.key, key.start, key.end}];
      if (!m.value() || counts.deserialize(*m.value()) != kRecordsPerSession) ++wrong_counts;
      EXPECT_EQ(m.timestamp(), key.end);  // a final session result carries its end
    }
  }
  std::map<SessionKey, int64_t> expected;
  for (int s = 0; s < 2 * kSessionsPerRun; ++s) {
    const int64_t start = base + s * kSessionSpacingMs;
    for (int k = 0; k < kKeys; ++k) {
      expected[{"user-" + std::to_string(k), start, start + (kRecordsPerSession - 1) * 10}] = 1;
    }
  }
  EXPECT_EQ(results, expected);  // every session, exactly once
  EXPECT_EQ(wrong_counts, 0);
  std::filesystem::remove_all(state_dir);
}

TEST(SessionEmitOnCloseOnKafka, RestartFromChangelogsEmitsEverySessionExactlyOnce) {
  // Without the restored emit progress, sessions 0-8 (still in the restored store) would go
  // out a second time.
  expect_every_session_once_across_a_restore("session-close", [](auto windowed) {
    return windowed.emit_strategy(EmitStrategy::on_window_close())
        .count(Materialized<std::string, int64_t>::as("visits"));
  });
}

TEST(SuppressOnKafka, RestartFromChangelogsLosesNoBufferedSessionAndRepeatsNone) {
  // Session 9 of every key is still in the suppress buffer at the restart: without the
  // restored buffer (its store is read when the processors start, after restoration) it would
  // never go out; without the restored stream time, sessions 0-8 could go out again.
  expect_every_session_once_across_a_restore("session-suppress", [](auto windowed) {
    return windowed.count(Materialized<std::string, int64_t>::as("visits"))
        .suppress(Suppressed::until_window_closes().with_name("final-visits"));
  });
}

}  // namespace
}  // namespace eddy
