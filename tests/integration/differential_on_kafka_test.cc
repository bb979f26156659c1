// The runtime path agrees with the test driver: a sample of the randomized differential cases
// (tests/differential/: windowed aggregations of every kind and emit mode, 1-3 partitions) runs
// through KafkaStreams on the real broker, one input and one output topic per case, all cases
// in one application, and each case's output equals the TopologyTestDriver's record for
// record (compared as compare.py compares runs: per key when a case has several partitions).
// The driver's output is itself checked against Kafka Streams by the differential suite.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <thread>

#include "differential/differential_case.h"
#include "eddy/kafka_streams.h"
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

constexpr int kSampleSeed = 4242;
constexpr int kSampleCases = 60;
constexpr int64_t kTimeShift = 1'000'000'000'000;

std::vector<differential::Case> sample_cases(const std::filesystem::path& dir) {
  const std::string command = "python3 " + std::string(EDDY_SOURCE_DIR) +
                              "/tests/differential/generate.py --kinds window --seed " +
                              std::to_string(kSampleSeed) + " --count " +
                              std::to_string(kSampleCases) + " --out " + dir.string() + " 2>&1";
  const auto [status, out] = run_command(command);
  EXPECT_EQ(status, 0) << out;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::vector<differential::Case> cases;
  for (const auto& f : files) {
    // librdkafka stamps a record of timestamp 0 with the current time, so the cases' event
    // times (from 0 on) move to 2001; both runs compared here see the same moved times.
    auto c = differential::parse_case(f);
    for (auto& row : c.rows) row.timestamp += kTimeShift;
    cases.push_back(std::move(c));
  }
  return cases;
}

TEST(DifferentialOnKafka, RuntimeOutputEqualsTheDriversForSampledWindowCases) {
  const std::string app = unique_name("differential-app");
  const auto work = std::filesystem::temp_directory_path() / app;
  std::filesystem::create_directories(work / "cases");
  const auto cases = sample_cases(work / "cases");
  ASSERT_EQ(cases.size(), static_cast<size_t>(kSampleCases));

  // Every window kind and emit mode is in the sample.
  std::set<std::string> kinds;
  for (const auto& c : cases) {
    kinds.insert(c.get("window") + (c.has("advance") ? "-hopping" : "") + "/" + c.get("emit"));
  }
  for (const char* k :
       {"time/update", "time/final", "time/close", "time-hopping/update", "time-hopping/final",
        "time-hopping/close", "sliding/update", "sliding/final", "sliding/close", "session/update",
        "session/final", "session/close"}) {
    EXPECT_TRUE(kinds.contains(k)) << "the sample has no " << k << " case; pick another seed";
  }

  // Topics: the user's keep their (1970s) timestamps forever; internal ones are the
  // application's own.
  const std::string prefix = unique_name("it.diff") + ".";
  kafka::Admin admin(real_props());
  std::vector<kafka::NewTopic> topics;
  StreamsBuilder builder;
  for (size_t i = 0; i < cases.size(); ++i) {
    const differential::Topics names{prefix + std::to_string(i) + "."};
    topics.push_back({.name = names("in"),
                      .partitions = cases[i].partitions(),
                      .configs = {{"retention.ms", "-1"}}});
    topics.push_back({.name = names("out"), .partitions = 1, .configs = {{"retention.ms", "-1"}}});
    differential::build_case(builder, cases[i], names);
  }
  admin.create_topics(topics);
  {
    kafka::Producer producer({.properties = real_props()});
    for (size_t i = 0; i < cases.size(); ++i) {
      const differential::Topics names{prefix + std::to_string(i) + "."};
      const auto longs = serdes::int64();
      for (const auto& row : cases[i].rows) {
        std::optional<std::string> value;
        if (row.value) value = longs.to_bytes(*row.value);
        producer.send({.topic = names(row.topic),
                       .partition = row.partition.value_or(0),
                       .key = row.key,
                       .value = value,
                       .timestamp = row.timestamp});
      }
    }
    producer.flush(60s);
  }

  std::vector<std::vector<std::string>> expected;
  size_t expected_records = 0;
  for (const auto& c : cases) {
    auto lines = differential::run_in_driver(c);
    lines.pop_back();  // "dropped n": the driver's count, not read back from Kafka
    expected_records += lines.size();
    expected.push_back(differential::comparable(std::move(lines), c.partitions()));
  }

  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", (work / "state").string()},
                                                {"statestore.cache.max.bytes", "0"},
                                                {"commit.interval.ms", "200"},
                                                {"poll.ms", "10"}});
  kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("diff-reader")});
  std::vector<kafka::TopicPartitionOffset> assignment;
  std::map<std::string, size_t> case_of_topic;
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string out = prefix + std::to_string(i) + ".out";
    assignment.push_back({out, 0, kafka::kOffsetBeginning});
    case_of_topic[out] = i;
  }
  reader.assign(assignment);
  std::vector<std::vector<std::string>> actual(cases.size());
  size_t read = 0;
  {
    KafkaStreams streams(builder.build(config), config);
    streams.start();
    const auto deadline = std::chrono::steady_clock::now() + 300s;
    // Until every expected record arrived, then 3 s more to catch any extra one.
    auto quiet_until = std::chrono::steady_clock::time_point::max();
    while (std::chrono::steady_clock::now() < std::min(deadline, quiet_until)) {
      for (const auto& m : reader.poll_batch(5000, 100ms)) {
        const std::string key = m.key() ? std::string(*m.key()) : std::string();
        std::optional<std::string> value;
        if (m.value()) value = std::string(*m.value());
        actual[case_of_topic.at(std::string(m.topic()))].push_back(
            differential::output_line(!m.key(), key, value, m.timestamp()));
        ++read;
      }
      if (read >= expected_records && quiet_until == std::chrono::steady_clock::time_point::max()) {
        quiet_until = std::chrono::steady_clock::now() + 3s;
      }
    }
    EXPECT_TRUE(streams.close(30s));
  }
  EXPECT_EQ(read, expected_records);
  int differing = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto got = differential::comparable(actual[i], cases[i].partitions());
    if (got == expected[i]) continue;
    ++differing;
    ADD_FAILURE() << "case " << cases[i].name << " differs on Kafka (driver " << expected[i].size()
                  << " records, runtime " << got.size() << ")";
  }
  EXPECT_EQ(differing, 0);
  std::filesystem::remove_all(work);
}

}  // namespace
}  // namespace eddy
