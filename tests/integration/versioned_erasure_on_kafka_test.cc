// Erasure of a versioned table on the real broker, exactly-once: prices for A and B are kept
// as versions, a request erases A, and the store's changelog then ends, for A, with a
// tombstone carrying the "eddy.erasure" header (the marker a versioned restore reads as "drop
// every version"). The local state is wiped and the application restarts, so the store is
// rebuilt from the changelog: clicks joined as of the times A's versions were valid find no
// price, while B's history answers as before.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eddy/dsl/streams_builder.h"
#include "eddy/headers.h"
#include "eddy/kafka_streams.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"
#include "support/wait_until.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

struct LoggedRecord {
  std::optional<std::string> value;
  int64_t timestamp = 0;
  Headers headers;
};

// Every committed record of `topic` partition 0, key -> records in order; reads until it has
// seen at least `min_records` (under exactly-once the end offset also counts transaction
// markers, which are never returned) and then stops at the first empty polls.
std::map<std::string, std::vector<LoggedRecord>> read_all(const std::string& topic,
                                                          int min_records) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("verase-reader"),
                          .read_committed = true});
  reader.assign({{topic, 0, kafka::kOffsetBeginning}});
  std::map<std::string, std::vector<LoggedRecord>> out;
  int records = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  for (int empty = 0; std::chrono::steady_clock::now() < deadline;) {
    auto batch = reader.poll_batch(1000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    if (empty >= 4 && records >= min_records) break;
    for (const auto& m : batch) {
      if (m.error_code() != 0) continue;
      ++records;
      out[std::string(m.key().value_or(""))].push_back(
          {m.value() ? std::optional<std::string>(*m.value()) : std::nullopt, m.timestamp(),
           m.headers()});
    }
  }
  return out;
}

TEST(VersionedErasureOnKafka, ErasedKeyHasNoVersionAfterARestoreFromTheChangelog) {
  const std::string app = unique_name("it-verase");
  const std::string prices = app + ".prices", clicks = app + ".clicks", requests = app + ".erasure",
                    priced = app + ".priced";
  kafka::Admin(real_props())
      .create_topics({{.name = prices, .partitions = 1},
                      {.name = clicks, .partitions = 1},
                      {.name = requests, .partitions = 1},
                      {.name = priced, .partitions = 1}});
  const auto state_dir = std::filesystem::temp_directory_path() / app;
  const auto config = StreamsConfig::from_properties({{"application.id", app},
                                                      {"bootstrap.servers", real_bootstrap()},
                                                      {"state.dir", state_dir.string()},
                                                      {"processing.guarantee", "exactly_once_v2"},
                                                      {"commit.interval.ms", "100"},
                                                      {"poll.ms", "20"}});
  auto topology = [&] {
    StreamsBuilder builder;
    auto table = builder.table<std::string, std::string>(
        prices, {}, Materialized<std::string, std::string>::as_versioned("prices-store", 1h));
    builder.stream<std::string, std::string>(clicks)
        .left_join(table,
                   [](const std::string& click, const std::optional<std::string>& price) {
                     return click + "@" + price.value_or("none");
                   })
        .to(priced);
    builder.stream<std::string, std::string>(requests).erase(Erasure::of_stores({"prices-store"}));
    return builder.build(config);
  };
  const int64_t t0 = testing_support::recent_ms() - 60'000;
  kafka::Producer producer({.properties = real_props()});
  auto send = [&](const std::string& topic, const std::string& key, const std::string& value,
                  int64_t ts) {
    producer.send({.topic = topic, .key = key, .value = value, .timestamp = ts});
    producer.flush(10s);
  };
  // Output values in order, read_committed, until `n` arrived (or 30 s).
  kafka::Consumer out(
      {.properties = real_props(), .group_id = unique_name("verase-out"), .read_committed = true});
  out.assign({{priced, 0, kafka::kOffsetBeginning}});
  std::vector<std::string> answers;
  auto wait_answers = [&](size_t n) {
    return testing_support::wait_until(
        [&] {
          for (const auto& m : out.poll_batch(100, 50ms)) {
            if (m.error_code() == 0 && m.value()) answers.emplace_back(*m.value());
          }
          return answers.size() >= n;
        },
        30s);
  };

  const std::string changelog = app + "-prices-store-changelog";
  {
    KafkaStreams streams(topology(), config);
    streams.start();
    send(prices, "A", "a1", t0 + 1'000);
    send(prices, "A", "a2", t0 + 2'000);
    send(prices, "B", "b1", t0 + 1'500);
    send(prices, "A", "a3", t0 + 3'000);
    send(prices, "B", "b2", t0 + 2'500);
    // Before the erasure, A's history answers (a click processed after the prices: its
    // timestamp is later, the partition group picks the older prices first).
    send(clicks, "A", "before", t0 + 3'600);
    ASSERT_TRUE(wait_answers(1)) << "the topology did not answer";
    EXPECT_EQ(answers.back(), "before@a3");
    send(requests, "A", "gdpr", t0 + 4'000);
    const bool erased = testing_support::wait_until(
        [&] {
          const auto log = read_all(changelog, 6);
          return log.contains("A") && !log.at("A").back().value;
        },
        60s);
    ASSERT_TRUE(erased) << "no tombstone for A in " << changelog;
    ASSERT_TRUE(streams.close(30s));
  }

  // The changelog: A's versions, then the marker; B's versions untouched.
  const auto log = read_all(changelog, 6);
  ASSERT_TRUE(log.contains("A"));
  ASSERT_EQ(log.at("A").size(), 4u);
  const LoggedRecord& marker = log.at("A").back();
  EXPECT_EQ(marker.value, std::nullopt);
  EXPECT_EQ(marker.timestamp, t0 + 4'000);
  EXPECT_EQ(header_value(marker.headers, "eddy.erasure"), std::optional<std::string_view>("1"));
  ASSERT_TRUE(log.contains("B"));
  ASSERT_EQ(log.at("B").size(), 2u);
  EXPECT_TRUE(log.at("B").back().headers.empty());

  // Wipe the local state: the restarted instance restores the store from the changelog.
  {
    KafkaStreams cleaner(topology(), config);
    cleaner.clean_up();
  }
  ASSERT_FALSE(std::filesystem::exists(state_dir / app / "0_0"));
  {
    KafkaStreams streams(topology(), config);
    streams.start();
    // One click as of each of A's versions (and after the last); B's as of both of its.
    send(clicks, "A", "a@1200", t0 + 1'200);
    send(clicks, "A", "a@2200", t0 + 2'200);
    send(clicks, "A", "a@3500", t0 + 3'500);
    send(clicks, "B", "b@1700", t0 + 1'700);
    send(clicks, "B", "b@3500", t0 + 3'500);
    ASSERT_TRUE(wait_answers(6)) << "the restored topology did not answer";
    EXPECT_EQ(answers, (std::vector<std::string>{"before@a3", "a@1200@none", "a@2200@none",
                                                 "a@3500@none", "b@1700@b1", "b@3500@b2"}));
    // A comes back normally after the erasure.
    send(prices, "A", "a4", t0 + 5'000);
    send(clicks, "A", "a@5100", t0 + 5'100);
    ASSERT_TRUE(wait_answers(7));
    EXPECT_EQ(answers.back(), "a@5100@a4");
    ASSERT_TRUE(streams.close(30s));
  }
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
