// Interactive queries on the real broker: a count over 4 partitions and two stream threads,
// read from another thread while records flow, then checked exactly for every key.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "eddy/serde/serdes.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"
#include "support/wait_until.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;
using testing_support::wait_until;

constexpr int kKeys = 40;
constexpr int kRecords = 20'000;

Topology count_topology(const StreamsConfig& config, const std::string& input) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>(input).group_by_key().count(
      Materialized<std::string, int64_t>::as("counts"));
  return builder.build(config);
}

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(InteractiveQueriesOnKafka, CountsReadFromAnotherThreadWhileRecordsFlowEndExact) {
  const std::string input = unique_name("it.iq-clicks");
  const std::string app = unique_name("iq-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = input, .partitions = 4}});
  auto config = StreamsConfig::from_properties({{"application.id", app},
                                                {"bootstrap.servers", real_bootstrap()},
                                                {"state.dir", state_dir},
                                                {"num.stream.threads", "2"},
                                                {"poll.ms", "20"}});
  KafkaStreams streams(count_topology(config, input), config);

  EXPECT_EQ(message_of([&] { streams.key_value_store<std::string, int64_t>("counts"); }),
            "cannot query store 'counts': the instance has not been started; call start() first");
  streams.start();
  EXPECT_EQ(
      message_of([&] { streams.key_value_store<std::string, int64_t>("count"); }),
      "cannot query store 'count': the topology has no store of that name (its stores: counts)");
  auto counts = streams.key_value_store<std::string, int64_t>("counts");
  // Joining the group takes seconds: until then reads are refused, to be retried.
  const std::string early = message_of([&] { counts.get("user-1"); });
  if (streams.state() == KafkaStreams::State::kRebalancing) {
    EXPECT_EQ(early,
              "cannot query store 'counts': the instance is REBALANCING, not RUNNING; retry once "
              "it is RUNNING");
  }
  ASSERT_TRUE(wait_until([&] { return streams.state() == KafkaStreams::State::kRunning; }, 60s));

  // The reader: every key's count only grows and never passes its final value.
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < kRecords; ++i) ++expected["user-" + std::to_string(i % kKeys)];
  std::atomic<bool> done{false};
  std::atomic<int64_t> reads{0}, retries{0}, partial_reads{0};
  std::atomic<bool> went_back{false}, overshot{false};
  std::thread reader([&] {
    std::map<std::string, int64_t> last;
    while (!done.load()) {
      try {
        int64_t total = 0;
        for (const auto& [key, n] : counts.all()) {
          if (n < last[key]) went_back = true;
          if (n > expected.at(key)) overshot = true;
          last[key] = n;
          total += n;
        }
        if (total > 0 && total < kRecords) partial_reads.fetch_add(1);
        if (auto n = counts.get("user-7"); n && *n < last["user-7"]) went_back = true;
        reads.fetch_add(1);
      } catch (const InvalidStateStoreError&) {
        retries.fetch_add(1);  // a rebalance: retry, as Kafka Streams' callers do
      }
      std::this_thread::sleep_for(1ms);
    }
  });

  kafka::Producer producer({.properties = real_props()});
  const int64_t base_ts = testing_support::recent_ms();
  for (int i = 0; i < kRecords; ++i) {
    producer.send({.topic = input,
                   .key = "user-" + std::to_string(i % kKeys),
                   .value = "click",
                   .timestamp = base_ts + i});
    if (i % 2'000 == 1'999) {
      producer.flush(30s);
      std::this_thread::sleep_for(50ms);  // let the reader see counts between batches
    }
  }
  producer.flush(30s);
  EXPECT_TRUE(wait_until([&] { return streams.records_processed() >= kRecords; }, 120s));
  done = true;
  reader.join();

  EXPECT_GT(reads.load(), 10);
  EXPECT_GT(partial_reads.load(), 0) << "the reader saw counts while records flowed";
  EXPECT_FALSE(went_back.load());
  EXPECT_FALSE(overshot.load());
  for (const auto& [key, n] : expected) EXPECT_EQ(counts.get(key), n) << key;
  std::map<std::string, int64_t> all;
  for (const auto& [key, n] : counts.all()) all[key] = n;
  EXPECT_EQ(all, expected);
  EXPECT_EQ(counts.get("user-unknown"), std::nullopt);

  EXPECT_TRUE(streams.close(30s));
  EXPECT_EQ(message_of([&] { counts.get("user-1"); }),
            "cannot query store 'counts': the instance is NOT_RUNNING and its stores are closed");
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
