// The late-record topic of a windowed operator on the real broker: the runtime creates it at
// start (it is declared by the topology), and a record for a closed window lands on it with
// its key, value and timestamp, and the reason in a header.
#include <gtest/gtest.h>

#include <filesystem>
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

TEST(LateRecordsOnKafka, TheLateTopicIsCreatedAtStartAndGetsTheRecordWithItsReason) {
  const std::string input = unique_name("it.clicks");
  const std::string output = input + ".counts";
  const std::string late_topic = input + ".late";
  const std::string app = unique_name("late-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = input, .partitions = 2}, {.name = output, .partitions = 2}});

  const int64_t base = testing_support::recent_ms() / 10'000 * 10'000;
  {
    kafka::Producer producer({.properties = real_props()});
    producer.send(
        {.topic = input, .partition = 0, .key = "a", .value = "on-time", .timestamp = base});
    producer.send({.topic = input,
                   .partition = 0,
                   .key = "a",
                   .value = "closer",
                   .timestamp = base + 60'000});
    producer.send(
        {.topic = input, .partition = 0, .key = "a", .value = "too-late", .timestamp = base + 5});
    producer.flush(30s);
  }

  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input)
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(10s))
      .with_late_records({.topic = late_topic})
      .count()
      .to_stream()
      .to(output,
          Produced<Windowed<std::string>, std::optional<int64_t>>::with(
              serdes::time_windowed(serdes::string(), 10'000), serdes::nullable(serdes::int64())));
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"poll.ms", "20"}});
  {
    KafkaStreams streams(builder.build(config), config);
    streams.start();  // creates the late topic
    const auto topics = admin.list_topics();
    ASSERT_TRUE(topics.contains(late_topic));
    EXPECT_EQ(topics.at(late_topic), 2);  // as many partitions as the operator has tasks
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (streams.records_processed() < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(streams.records_processed(), 3);
    EXPECT_TRUE(streams.close(30s));
  }

  struct Late {
    std::optional<std::string> key, value;
    int64_t timestamp;
    Headers headers;
  };
  std::vector<Late> late;  // copied out: a kafka::Message must not outlive its consumer
  {
    kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("late-reader")});
    reader.assign(
        {{late_topic, 0, kafka::kOffsetBeginning}, {late_topic, 1, kafka::kOffsetBeginning}});
    for (int empty = 0; empty < 8;) {
      auto batch = reader.poll_batch(100, 250ms);
      empty = batch.empty() ? empty + 1 : 0;
      for (const auto& m : batch) {
        late.push_back({m.key() ? std::optional<std::string>(*m.key()) : std::nullopt,
                        m.value() ? std::optional<std::string>(*m.value()) : std::nullopt,
                        m.timestamp(), m.headers()});
      }
    }
  }
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].key, std::optional<std::string>("a"));
  EXPECT_EQ(late[0].value, std::optional<std::string>("too-late"));
  EXPECT_EQ(late[0].timestamp, base + 5);
  const Headers& headers = late[0].headers;
  const auto reason = header_value(headers, "eddy.late.reason");
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, "window [" + std::to_string(base) + "," + std::to_string(base + 10'000) +
                         ") closed: stream time " + std::to_string(base + 60'000) + " >= end " +
                         std::to_string(base + 10'000) + " + grace 0");
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
