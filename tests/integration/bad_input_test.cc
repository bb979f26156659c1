// Bad input on the real broker: malformed JSON records mixed into the input of a DSL count,
// with the deserialization handler sending them to a dead-letter topic. The run goes on, each
// bad record is on the dead-letter topic with the error and its origin in headers, and the
// counts of the good records are exact.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/error_handlers.h"
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

struct PageView {
  std::string page;
};
void to_json(nlohmann::json& j, const PageView& v) {
  j = {{"page", v.page}};
}
void from_json(const nlohmann::json& j, PageView& v) {
  j.at("page").get_to(v.page);
}

// A record copied out of the consumer (a kafka::Message must not outlive its consumer).
struct Read {
  std::string key;
  std::string value;
  Headers headers;
};

std::vector<Read> read_all(const std::string& topic, int partitions) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("bad-input-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < partitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::vector<Read> out;
  for (int empty = 0; empty < 8;) {
    auto batch = reader.poll_batch(5000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      out.push_back(
          {std::string(m.key().value_or("")), std::string(m.value().value_or("")), m.headers()});
    }
  }
  return out;
}

TEST(BadInput, MalformedRecordsGoToTheDeadLetterTopicAndGoodCountsAreExact) {
  const std::string input = unique_name("it.views");
  const std::string output = input + ".counts";
  const std::string dead_letters = input + ".dlq";
  const std::string app = unique_name("bad-input-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = input, .partitions = 3},
                       {.name = output, .partitions = 3},
                       {.name = dead_letters, .partitions = 1}});

  // Every 10th record is bad, in one of four ways: not JSON, truncated, empty, or JSON
  // without the field the serde needs.
  const std::vector<std::string> bad_kinds = {"{not json", R"({"page": "ho)", "",
                                              R"({"pgae": "home"})"};
  const std::vector<std::string> pages = {"home", "cart", "search", "checkout"};
  std::map<std::string, int64_t> expected;
  std::set<std::string> bad_keys;
  const int total = 2000;
  {
    kafka::Producer producer({.properties = real_props()});
    const int64_t base_ts = testing_support::recent_ms();
    for (int i = 0; i < total; ++i) {
      const std::string key = "visit-" + std::to_string(i);
      std::string value;
      if (i % 10 == 3) {
        value = bad_kinds[static_cast<size_t>(i / 10) % bad_kinds.size()];
        bad_keys.insert(key);
      } else {
        const std::string& page = pages[static_cast<size_t>(i * 7) % pages.size()];
        value = nlohmann::json{{"page", page}}.dump();
        ++expected[page];
      }
      producer.send({.topic = input, .key = key, .value = value, .timestamp = base_ts + i});
    }
    producer.flush(30s);
  }

  StreamsBuilder builder;
  builder
      .stream<std::string, PageView>(
          input, Consumed<std::string, PageView>::with(serdes::string(), serdes::json<PageView>()))
      .group_by([](const std::string&, const PageView& view) { return view.page; },
                Grouped<std::string, PageView>::with_name("by-page"))
      .count(Materialized<std::string, int64_t>::as("view-counts"))
      .to_stream()
      .to(output);
  auto config =
      StreamsConfig::from_properties({{"application.id", app},
                                      {"bootstrap.servers", real_bootstrap()},
                                      {"state.dir", state_dir},
                                      {"processing.guarantee", "exactly_once_v2"},
                                      {"default.deserialization.exception.handler", "dead_letter"},
                                      {"errors.dead.letter.queue.topic.name", dead_letters},
                                      {"poll.ms", "20"}});
  {
    KafkaStreams streams(builder.build(config), config);
    streams.start();
    // Each good record is processed twice (re-key, then count); a bad one once, by the source.
    const int64_t good = total - static_cast<int64_t>(bad_keys.size());
    const int64_t want = good * 2 + static_cast<int64_t>(bad_keys.size());
    const auto deadline = std::chrono::steady_clock::now() + 90s;
    while (streams.records_processed() < want && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(streams.state(), KafkaStreams::State::kRunning);  // the bad records stopped nothing
    EXPECT_TRUE(streams.close(30s));
  }

  std::map<std::string, int64_t> latest;
  const auto longs = serdes::int64();
  for (const auto& r : read_all(output, 3)) latest[r.key] = longs.deserialize(r.value);
  EXPECT_EQ(latest, expected);

  std::set<std::string> dead_keys;
  for (const auto& r : read_all(dead_letters, 1)) {
    const std::string& key = r.key;
    dead_keys.insert(key);
    const int i = std::stoi(key.substr(key.find('-') + 1));
    EXPECT_EQ(r.value, bad_kinds[static_cast<size_t>(i / 10) % bad_kinds.size()]) << key;
    const Headers& headers = r.headers;
    const auto error = header_value(headers, error_headers::kMessage);
    ASSERT_TRUE(error.has_value()) << key;
    EXPECT_FALSE(error->empty()) << key;
    EXPECT_EQ(header_value(headers, error_headers::kException), "eddy::SerdeError");
    EXPECT_EQ(header_value(headers, error_headers::kKind), "deserialization");
    EXPECT_EQ(header_value(headers, error_headers::kTopic), std::optional<std::string_view>(input));
    const auto partition = header_value(headers, error_headers::kPartition);
    const auto offset = header_value(headers, error_headers::kOffset);
    ASSERT_TRUE(partition && offset) << key;
    EXPECT_GE(std::stoi(std::string(*partition)), 0);
    EXPECT_LT(std::stoi(std::string(*partition)), 3);
    EXPECT_GE(std::stoll(std::string(*offset)), 0);
  }
  EXPECT_EQ(dead_keys, bad_keys);
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
