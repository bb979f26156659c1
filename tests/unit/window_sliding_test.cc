// SlidingWindows (KIP-450): left and right windows, out-of-order and early records, late
// drops — every output record asserted.
#include <gtest/gtest.h>

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::In;
using test::Out;
using test::test_config;

struct SlidingCase {
  std::string name;
  SlidingWindows windows;
  std::vector<In> inputs;
  std::vector<Out> expected;
  int64_t late = 0;
};

std::vector<SlidingCase> sliding_cases() {
  return {
      {"CreatesLeftAndRightWindowsOutOfOrderAndEarly",
       SlidingWindows::of_time_difference_and_grace(10ms, 100ms),
       {{"a", 1, 15},  // left window [5,15]
        {"a", 1, 20},  // right window of 15 ([16,26]) and its own left window [10,20]
        {"a", 1, 12},  // out of order: updates [10,20] and [5,15]; left [2,12]; right [13,23]
        {"a", 1, 5}},  // early (< diff): updates [2,12], [5,15]; right [6,16]; window [0,10]
       {{"a", 5, 15, 1, 15},
        {"a", 16, 26, 1, 20},
        {"a", 10, 20, 2, 20},
        {"a", 10, 20, 3, 20},
        {"a", 5, 15, 2, 15},
        {"a", 2, 12, 1, 12},
        {"a", 13, 23, 2, 20},
        {"a", 2, 12, 2, 12},
        {"a", 5, 15, 3, 15},
        {"a", 6, 16, 2, 15},
        {"a", 0, 10, 1, 5}},
       0},
      {"DropsClosedWindowsAndWholeLateRecords",
       SlidingWindows::of_time_difference_with_no_grace(10ms),
       {{"b", 1, 30},   // [20,30]
        {"b", 1, 21},   // updates [20,30] (end 30 = stream time: open); its left [11,21] is closed
        {"b", 1, 19},   // 19 + 1 + 10 <= 30: every window it could touch is closed
        {"c", 1, 30}},  // another key
       {{"b", 20, 30, 1, 30}, {"b", 20, 30, 2, 30}, {"b", 22, 32, 1, 30}, {"c", 20, 30, 1, 30}},
       2},
      {"DuplicateTimestampsShareTheirWindows",
       SlidingWindows::of_time_difference_and_grace(10ms, 100ms),
       {{"d", 1, 50}, {"d", 1, 50}, {"d", 1, 55}},
       {{"d", 40, 50, 1, 50}, {"d", 40, 50, 2, 50}, {"d", 51, 61, 1, 55}, {"d", 45, 55, 3, 55}},
       0},
  };
}

class SlidingWindowTable : public ::testing::TestWithParam<SlidingCase> {};

TEST_P(SlidingWindowTable, EmitsEveryWindowUpdate) {
  const SlidingCase& c = GetParam();
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(c.windows)
      .count(Materialized<std::string, int64_t>::as("agg"), Named::as("win"))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), c.windows.time_difference_ms()),
      serdes::int64());
  test::pipe_all(in, c.inputs);
  EXPECT_EQ(test::read_windowed(out), c.expected);
  EXPECT_EQ(driver.late_dropped_records("win"), c.late);
}

INSTANTIATE_TEST_SUITE_P(Sliding, SlidingWindowTable, ::testing::ValuesIn(sliding_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(SlidingWindowReduce, SumsPerWindow) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SlidingWindows::of_time_difference_and_grace(10ms, 100ms))
      .reduce([](int64_t a, int64_t b) { return a + b; })
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("a", 5, 15);
  in.pipe_input("a", 7, 20);
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 5, 15, 5, 15}, {"a", 16, 26, 7, 20}, {"a", 10, 20, 12, 20}}));
}

}  // namespace
}  // namespace eddy
