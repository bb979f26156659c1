// TimeWindows (tumbling and hopping): every output record of count / reduce / aggregate, with
// out-of-order, late, on-the-boundary, duplicate-timestamp and multi-key inputs.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::In;
using test::Out;
using test::test_config;

enum class Op { kCount, kSum, kConcatLength };

struct TimeCase {
  std::string name;
  TimeWindows windows;
  Op op;
  std::vector<In> inputs;
  std::vector<Out> expected;
  int64_t late = 0;
};

std::vector<TimeCase> time_cases() {
  return {
      {"TumblingCountOutOfOrderLateAndBoundary",
       TimeWindows::of_size_and_grace(10ms, 5ms),
       Op::kCount,
       {{"a", 1, 1},
        {"a", 1, 9},
        {"b", 1, 9},
        {"b", 1, 9},   // duplicate timestamp
        {"a", 1, 10},  // exactly on the boundary: [10,20) only
        {"a", 1, 3},   // out of order, stream time 10 < end 10 + grace 5: accepted
        {"a", 1, 15},  // stream time 15 = end 10 + grace 5: [0,10) is now closed
        {"a", 1, 4},   // late: dropped
        {"b", 1, 14}},
       {{"a", 0, 10, 1, 1},
        {"a", 0, 10, 2, 9},
        {"b", 0, 10, 1, 9},
        {"b", 0, 10, 2, 9},
        {"a", 10, 20, 1, 10},
        {"a", 0, 10, 3, 9},  // timestamp stays the window's max, 9
        {"a", 10, 20, 2, 15},
        {"b", 10, 20, 1, 14}},
       1},
      {"HoppingCountOverlappingWindows",
       TimeWindows::of_size_with_no_grace(10ms).advance_by(5ms),
       Op::kCount,
       {{"a", 1, 2},    // [0,10) only: no window starts before the epoch
        {"a", 1, 7},    // [0,10) and [5,15)
        {"a", 1, 12},   // [5,15) and [10,20); stream time 12
        {"a", 1, 9},    // [0,10) is closed (10 <= 12): dropped there, counted in [5,15)
        {"b", 1, 10},   // [5,15), [10,20)
        {"a", 1, 20},   // [15,25), [20,30)
        {"b", 1, 14}},  // [5,15) closed; [10,20) closed exactly at end + grace 0: both dropped
       {{"a", 0, 10, 1, 2},
        {"a", 0, 10, 2, 7},
        {"a", 5, 15, 1, 7},
        {"a", 5, 15, 2, 12},
        {"a", 10, 20, 1, 12},
        {"a", 5, 15, 3, 12},
        {"b", 5, 15, 1, 10},
        {"b", 10, 20, 1, 10},
        {"a", 15, 25, 1, 20},
        {"a", 20, 30, 1, 20}},
       3},
      {"TumblingReduceSumsPerKeyAndWindow",
       TimeWindows::of_size_and_grace(100ms, 50ms),
       Op::kSum,
       {{"x", 5, 100},
        {"y", 7, 150},
        {"x", 3, 199},
        {"x", 2, 200},
        {"x", 4, 120},  // stream time 200 < 200 + 50: accepted, timestamp stays 199
        {"y", 1, 249},
        {"y", 6, 199},  // stream time 249 < 250: still open
        {"y", 9, 250},
        {"x", 8, 150}},  // stream time 250 >= 250: closed
       {{"x", 100, 200, 5, 100},
        {"y", 100, 200, 7, 150},
        {"x", 100, 200, 8, 199},
        {"x", 200, 300, 2, 200},
        {"x", 100, 200, 12, 199},
        {"y", 200, 300, 1, 249},
        {"y", 100, 200, 13, 199},
        {"y", 200, 300, 10, 250}},
       1},
      {"HoppingAggregateSizeNotMultipleOfAdvance",
       TimeWindows::of_size_and_grace(10ms, 100ms).advance_by(3ms),
       Op::kConcatLength,
       {{"k", 1, 0}, {"k", 1, 10}},
       {{"k", 0, 10, 1, 0}, {"k", 3, 13, 1, 10}, {"k", 6, 16, 1, 10}, {"k", 9, 19, 1, 10}},
       0},
  };
}

class TimeWindowTable : public ::testing::TestWithParam<TimeCase> {};

TEST_P(TimeWindowTable, EmitsEveryUpdateAndDropsLateRecords) {
  const TimeCase& c = GetParam();
  StreamsBuilder builder;
  auto windowed = builder.stream<std::string, int64_t>("in").group_by_key().windowed_by(c.windows);
  KTable<Windowed<std::string>, int64_t> table = [&] {
    switch (c.op) {
      case Op::kCount:
        return windowed.count(Materialized<std::string, int64_t>::as("agg"), Named::as("win"));
      case Op::kSum:
        return windowed.reduce([](int64_t a, int64_t b) { return a + b; },
                               Materialized<std::string, int64_t>::as("agg"), Named::as("win"));
      case Op::kConcatLength:
        break;
    }
    return windowed
        .aggregate<std::string>([] { return std::string(); },
                                [](const std::string&, int64_t v, const std::string& s) {
                                  return s + std::to_string(v);
                                },
                                Materialized<std::string, std::string>::as("agg"), Named::as("win"))
        .map_values([](const std::string& s) { return static_cast<int64_t>(s.size()); });
  }();
  table.to_stream().to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), c.windows.size_ms()), serdes::int64());
  test::pipe_all(in, c.inputs);
  EXPECT_EQ(test::read_windowed(out), c.expected);
  EXPECT_EQ(driver.late_dropped_records(), c.late);
  EXPECT_EQ(driver.late_dropped_records("win"), c.late);
}

INSTANTIATE_TEST_SUITE_P(Windows, TimeWindowTable, ::testing::ValuesIn(time_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(TimeWindowAlignment, WindowStartsAreAlignedToTheEpoch) {
  const auto hopping = TimeWindows::of_size_with_no_grace(10ms).advance_by(5ms);
  EXPECT_EQ(hopping.window_starts_for(0), (std::vector<int64_t>{0}));
  EXPECT_EQ(hopping.window_starts_for(4), (std::vector<int64_t>{0}));
  EXPECT_EQ(hopping.window_starts_for(5), (std::vector<int64_t>{0, 5}));
  EXPECT_EQ(hopping.window_starts_for(1'003), (std::vector<int64_t>{995, 1'000}));
  const auto tumbling = TimeWindows::of_size_with_no_grace(60'000ms);
  const int64_t ts = 1'700'000'012'345;
  EXPECT_EQ(tumbling.window_starts_for(ts), (std::vector<int64_t>{ts - ts % 60'000}));
}

TEST(TimeWindowConfig, RejectsInvalidSizesAdvancesAndGrace) {
  EXPECT_THROW(TimeWindows::of_size_with_no_grace(0ms), TopologyError);
  EXPECT_THROW(TimeWindows::of_size_and_grace(10ms, -1ms), TopologyError);
  EXPECT_THROW(TimeWindows::of_size_with_no_grace(10ms).advance_by(11ms), TopologyError);
  EXPECT_THROW(TimeWindows::of_size_with_no_grace(10ms).advance_by(0ms), TopologyError);
}

TEST(TimeWindowStreamTime, FilterBeforeTheWindowChangesWhatIsLate) {
  // The window's stream time is the max timestamp of the records that reached it: a record
  // filtered out in front of it does not close its windows (Kafka Streams' rule).
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .filter([](const std::string&, int64_t v) { return v > 0; })
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(10ms))
      .count()
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("a", 1, 5);
  in.pipe_input("a", -1, 100);  // filtered: the task's stream time is 100, the window's is 5
  in.pipe_input("a", 1, 6);     // not late
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"a", 0, 10, 1, 5}, {"a", 0, 10, 2, 6}}));
  EXPECT_EQ(driver.late_dropped_records(), 0);
}

TEST(TimeWindowLateRecords, HandlerAndTopicReceiveTheRecordAndTheReason) {
  StreamsBuilder builder;
  std::vector<LateRecord> seen;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_and_grace(10ms, 5ms).advance_by(5ms))
      .with_late_records(
          {.handler = [&](const LateRecord& r) { seen.push_back(r); }, .topic = "late"})
      .count(Materialized<std::string, int64_t>::as("counts"), Named::as("per-10ms"))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto late = driver.create_output_topic<std::string, int64_t>("late");
  in.pipe_input("a", 7, 30);
  in.pipe_input("a", 8, 6);    // windows [0,10) and [5,15): both closed (stream time 30)
  ASSERT_EQ(seen.size(), 1u);  // offered once per record
  EXPECT_EQ(seen[0].node, "per-10ms");
  EXPECT_EQ(seen[0].timestamp, 6);
  EXPECT_EQ(seen[0].stream_time, 30);
  EXPECT_EQ(seen[0].topic, "in");
  EXPECT_EQ(seen[0].offset, 1);
  EXPECT_EQ(seen[0].key, serdes::string().to_bytes("a"));
  EXPECT_EQ(seen[0].value, serdes::int64().to_bytes(8));
  EXPECT_EQ(seen[0].reason, "window [0,10) closed: stream time 30 >= end 10 + grace 5");
  const auto records = late.read_records_to_list();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "a");
  EXPECT_EQ(records[0].value, 8);
  EXPECT_EQ(records[0].timestamp, 6);
  EXPECT_EQ(header_value(records[0].headers, "eddy.late.reason"), seen[0].reason);
  EXPECT_EQ(driver.late_dropped_records("per-10ms"), 2);  // counted per window, as Kafka Streams
}

TEST(TimeWindowStore, KeepsWindowsForSizePlusGraceAndReadsThroughTheWindowStore) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_and_grace(10ms, 5ms))
      .count(Materialized<std::string, int64_t>::as("counts"));
  const auto topology = builder.build(test_config("w"));
  // The window store's changelog, and its stream time's (persisted_stream_time.h).
  EXPECT_EQ(topology.changelog_topics(),
            (std::set<std::string>{"w-counts-changelog", "w-counts-stream-time-changelog"}));
  TopologyTestDriver driver(topology, test_config("w"));
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("a", 1, 3);
  in.pipe_input("a", 1, 12);
  in.pipe_input("b", 1, 14);
  EXPECT_EQ(driver.late_dropped_records(), 0);
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

TEST(TimeWindowPartitions, RepartitionsAndKeepsOneStreamTimePerTask) {
  // Re-keyed by page, counted per 10 ms window across 4 partitions: each key's windows live on
  // one task, and each task's window operator closes windows by its own stream time.
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("clicks")
      .group_by([](const std::string&, const std::string& page) { return page; },
                Grouped<std::string, std::string>::with_name("by-page"))
      .windowed_by(TimeWindows::of_size_with_no_grace(std::chrono::milliseconds(10)))
      .count(Materialized<std::string, int64_t>::as("page-counts"), Named::as("count"))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config("p")), test_config("p"),
                            {.partitions_per_topic = 4});
  auto clicks = driver.create_input_topic<std::string, std::string>("clicks");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  const std::vector<std::string> pages = {"home", "cart", "search", "checkout"};
  for (int i = 0; i < 8; ++i) clicks.pipe_input("s" + std::to_string(i), pages[i % 4], 5);
  clicks.pipe_input("s9", "home", 25);  // closes [0,10) on home's task only
  clicks.pipe_input("s10", "cart", 7);  // cart's task has stream time 7: still open
  std::map<std::pair<std::string, int64_t>, int64_t> last;
  for (const auto& r : out.read_records_to_list()) last[{r.key.key, r.key.start}] = *r.value;
  // Which task a page lives on: the partition of its key in the repartition topic.
  std::map<std::string, int32_t> partition_of;
  auto repartition = driver.create_output_topic<std::string, std::string>("p-by-page-repartition");
  for (const auto& r : repartition.read_records_to_list()) {
    auto [it, fresh] = partition_of.emplace(r.key, r.partition);
    EXPECT_EQ(it->second, r.partition) << r.key;
  }
  EXPECT_EQ(last.at({"home", 0}), 2);
  EXPECT_EQ(last.at({"home", 20}), 1);
  EXPECT_EQ(last.at({"search", 0}), 2);
  EXPECT_EQ(last.at({"checkout", 0}), 2);
  if (partition_of.at("cart") != partition_of.at("home")) {
    EXPECT_EQ(last.at({"cart", 0}), 3);  // cart's task never saw 25
    EXPECT_EQ(driver.late_dropped_records(), 0);
  } else {
    EXPECT_EQ(last.at({"cart", 0}), 2);  // same task as home: closed at 25
    EXPECT_EQ(driver.late_dropped_records(), 1);
  }
}

}  // namespace
}  // namespace eddy
