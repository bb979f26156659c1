// Interactive queries on the test driver: the read-only key-value, window and session views
// over every partition's task, with the values a running application would answer.
#include <gtest/gtest.h>

#include <set>

#include "dsl_test_support.h"
#include "eddy/state/queryable_store.h"
#include "kafka/partitioner.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::expect_error;
using test::test_config;

constexpr int kKeys = 10;
constexpr int32_t kPartitions = 4;

std::string key(int i) {
  return "k" + std::to_string(i);
}

// One stream counted three ways: in total, per 50 ms window, and per session (gap 50 ms);
// a grace of 1 s keeps every window and session in its store (retention = size or gap + grace).
Topology three_counts() {
  StreamsBuilder builder;
  auto grouped = builder.stream<std::string, std::string>("clicks").group_by_key();
  grouped.count(Materialized<std::string, int64_t>::as("counts"));
  grouped.windowed_by(TimeWindows::of_size_and_grace(50ms, 1s))
      .count(Materialized<std::string, int64_t>::as("per-50ms"));
  grouped.windowed_by(SessionWindows::of_inactivity_gap_and_grace(50ms, 1s))
      .count(Materialized<std::string, int64_t>::as("sessions"));
  return builder.build(test_config());
}

// Key i gets i + 1 clicks, at 0, 10, ..., 10 i ms: one session [0, 10 i]; window [0,50) holds
// the first five, window [50,100) the rest.
class DriverQueries : public ::testing::Test {
 protected:
  void SetUp() override {
    auto clicks = driver_.create_input_topic<std::string, std::string>("clicks");
    // In time order, so no record is late for its window.
    for (int j = 0; j < kKeys; ++j) {
      for (int i = j; i < kKeys; ++i) clicks.pipe_input(key(i), "click", 10 * j);
    }
  }
  TopologyTestDriver driver_{three_counts(), test_config(),
                             TestDriverOptions{.partitions_per_topic = kPartitions}};
};

TEST_F(DriverQueries, KeysSpreadOverSeveralPartitions) {
  std::set<int32_t> used;
  for (int i = 0; i < kKeys; ++i) used.insert(kafka::partition_for_key(key(i), kPartitions));
  EXPECT_GE(used.size(), 3u) << "the views below must merge several tasks";
}

TEST_F(DriverQueries, KeyValueViewReadsEveryPartition) {
  auto counts = driver_.key_value_store<std::string, int64_t>("counts");
  std::vector<std::pair<std::string, int64_t>> expected;
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_EQ(counts.get(key(i)), i + 1) << key(i);
    expected.emplace_back(key(i), i + 1);
  }
  EXPECT_EQ(counts.get("absent"), std::nullopt);
  EXPECT_EQ(counts.all(), expected);  // ascending by key bytes, timestamps stripped
  EXPECT_EQ(counts.range("k2", "k4"),
            (std::vector<std::pair<std::string, int64_t>>{{"k2", 3}, {"k3", 4}, {"k4", 5}}));
}

TEST_F(DriverQueries, WindowViewFetchesOneKeyOrAll) {
  auto windows = driver_.window_store<std::string, int64_t>("per-50ms");
  size_t total = 0;
  for (int i = 0; i < kKeys; ++i) {
    std::vector<std::pair<int64_t, int64_t>> expected = {{0, std::min(i + 1, 5)}};
    if (i >= 5) expected.emplace_back(50, i - 4);
    EXPECT_EQ(windows.fetch(key(i), 0, 1'000), expected) << key(i);
    total += expected.size();
  }
  EXPECT_EQ(windows.fetch(key(9), 10, 1'000),
            (std::vector<std::pair<int64_t, int64_t>>{{50, 5}}));  // starts in [10, 1000]
  const auto all = windows.fetch_all(0, 1'000);
  ASSERT_EQ(all.size(), total);
  EXPECT_EQ(all.front(), std::make_tuple(std::string("k0"), int64_t{0}, int64_t{1}));
  EXPECT_EQ(all.back(), std::make_tuple(std::string("k9"), int64_t{50}, int64_t{5}));
}

TEST_F(DriverQueries, SessionViewFetchesAKeysSessions) {
  auto sessions = driver_.session_store<std::string, int64_t>("sessions");
  for (int i = 0; i < kKeys; ++i) {
    EXPECT_EQ(sessions.fetch(key(i)),
              (std::vector<std::pair<SessionWindow, int64_t>>{{SessionWindow{0, 10 * i}, i + 1}}))
        << key(i);
  }
  EXPECT_TRUE(sessions.fetch("absent").empty());
}

TEST_F(DriverQueries, UnknownStoreNamesTheStoreAndListsTheKnownOnes) {
  expect_error<UnknownStateStoreError>(
      [&] { driver_.key_value_store<std::string, int64_t>("count"); },
      "cannot query store 'count': the topology has no store of that name (its stores: counts, "
      "per-50ms, per-50ms-stream-time, sessions, sessions-stream-time)");
  expect_error<UnknownStateStoreError>(
      [&] { driver_.window_store<std::string, int64_t>("counts"); },
      "cannot query store 'counts' as a window store: it is a key-value store");
}

TEST_F(DriverQueries, ViewsFollowLaterRecords) {
  auto counts = driver_.key_value_store<std::string, int64_t>("counts");
  auto clicks = driver_.create_input_topic<std::string, std::string>("clicks");
  clicks.pipe_input(key(0), "click", 20);
  EXPECT_EQ(counts.get(key(0)), 2);
}

}  // namespace
}  // namespace eddy
