// SessionWindows: every output record of count / reduce / aggregate, with merging (including
// a record bridging two sessions), out-of-order, late, boundary and duplicate inputs.
#include <gtest/gtest.h>

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::In;
using test::Out;
using test::test_config;

enum class Op { kCount, kSum, kAggregate };

struct SessionCase {
  std::string name;
  SessionWindows windows;
  Op op;
  std::vector<In> inputs;
  std::vector<Out> expected;
  int64_t late = 0;
};

std::vector<SessionCase> session_cases() {
  return {
      {"CountMergesTwoSessionsThroughABridgingRecord",
       SessionWindows::of_inactivity_gap_and_grace(10ms, 15ms),
       Op::kCount,
       {{"a", 1, 0},
        {"a", 1, 20},  // 20 - 0 > gap: a second session
        {"a", 1, 10},  // within the gap of both: bridges them into [0,20]
        {"b", 1, 10},
        {"b", 1, 35},   // new session (10 < 35 - 10); stream time 35 = 10 + gap + grace
        {"b", 1, 9},    // [10,10] is gone from the store and [9,9] is closed: dropped
        {"a", 1, 30},   // extends [0,20] to [0,30]
        {"a", 1, 30}},  // duplicate timestamp: the session is re-put (delete then update)
       {{"a", 0, 0, 1, 0},
        {"a", 20, 20, 1, 20},
        {"a", 0, 0, std::nullopt, 0},
        {"a", 20, 20, std::nullopt, 20},
        {"a", 0, 20, 3, 20},
        {"b", 10, 10, 1, 10},
        {"b", 35, 35, 1, 35},
        {"a", 0, 20, std::nullopt, 20},
        {"a", 0, 30, 4, 30},
        {"a", 0, 30, std::nullopt, 30},
        {"a", 0, 30, 5, 30}},
       1},
      {"ClosedSessionIsNotBridged",
       SessionWindows::of_inactivity_gap_with_no_grace(10ms),
       Op::kCount,
       {{"a", 1, 0}, {"a", 1, 20}, {"a", 1, 10}},  // [0,0] closed at stream time 20 > 0 + 10
       {{"a", 0, 0, 1, 0},
        {"a", 20, 20, 1, 20},
        {"a", 20, 20, std::nullopt, 20},
        {"a", 10, 20, 2, 20}},
       0},
      {"ReduceWithGraceAcceptsOutOfOrderRecords",
       SessionWindows::of_inactivity_gap_and_grace(5ms, 30ms),
       Op::kSum,
       {{"k", 2, 100},
        {"k", 3, 118},   // new session; stream time 118
        {"k", 4, 104},   // merges into [100,104]
        {"k", 5, 98},    // [98,104]
        {"j", 1, 104},   // another key, own session
        {"k", 6, 140},   // stream time 140: [98,104] closed (140 > 104 + 5 + 30)
        {"k", 7, 103}},  // dropped
       {{"k", 100, 100, 2, 100},
        {"k", 118, 118, 3, 118},
        {"k", 100, 100, std::nullopt, 100},
        {"k", 100, 104, 6, 104},
        {"k", 100, 104, std::nullopt, 104},
        {"k", 98, 104, 11, 104},
        {"j", 104, 104, 1, 104},
        {"k", 140, 140, 6, 140}},
       1},
      {"AggregateKeepsSessionsApartBeyondTheGap",
       SessionWindows::of_inactivity_gap_and_grace(10ms, 100ms),
       Op::kAggregate,
       {{"m", 1, 0}, {"m", 10, 30}, {"m", 100, 15}},  // 15 is more than 10 from 0 and from 30
       {{"m", 0, 0, 1001, 0}, {"m", 30, 30, 1010, 30}, {"m", 15, 15, 1100, 15}},
       0},
      {"AggregateMergerCombinesBothAggregates",
       SessionWindows::of_inactivity_gap_and_grace(10ms, 15ms),
       Op::kAggregate,
       {{"m", 1, 0}, {"m", 10, 20}, {"m", 100, 10}},
       // merger(init, s1) = 1000 + 1001 = 2001; merger(2001, s2 = 1010) = 3011; + 100
       {{"m", 0, 0, 1001, 0},
        {"m", 20, 20, 1010, 20},
        {"m", 0, 0, std::nullopt, 0},
        {"m", 20, 20, std::nullopt, 20},
        {"m", 0, 20, 3111, 20}},
       0},
  };
}

class SessionWindowTable : public ::testing::TestWithParam<SessionCase> {};

TEST_P(SessionWindowTable, EmitsUpdatesDeletesAndDropsLateRecords) {
  const SessionCase& c = GetParam();
  StreamsBuilder builder;
  auto windowed = builder.stream<std::string, int64_t>("in").group_by_key().windowed_by(c.windows);
  KTable<Windowed<std::string>, int64_t> table = [&] {
    switch (c.op) {
      case Op::kCount:
        return windowed.count(Materialized<std::string, int64_t>::as("agg"), Named::as("win"));
      case Op::kSum:
        return windowed.reduce([](int64_t a, int64_t b) { return a + b; },
                               Materialized<std::string, int64_t>::as("agg"), Named::as("win"));
      case Op::kAggregate:
        break;
    }
    return windowed.aggregate<int64_t>(
        [] { return int64_t{1000}; },
        [](const std::string&, int64_t v, int64_t agg) { return agg + v; },
        [](const std::string&, int64_t a, int64_t b) { return a + b; },
        Materialized<std::string, int64_t>::as("agg"), Named::as("win"));
  }();
  table.to_stream().to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  test::pipe_all(in, c.inputs);
  EXPECT_EQ(test::read_windowed(out), c.expected);
  EXPECT_EQ(driver.late_dropped_records("win"), c.late);
}

INSTANTIATE_TEST_SUITE_P(Sessions, SessionWindowTable, ::testing::ValuesIn(session_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(SessionWindowSerde, WritesKeyEndStartAsKafkaStreams) {
  const auto serde = serdes::session_windowed(serdes::string());
  const Bytes bytes = serde.to_bytes(Windowed<std::string>{"ab", 1, 258});
  EXPECT_EQ(bytes, std::string("ab") + std::string("\0\0\0\0\0\0\x01\x02", 8) +
                       std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_EQ(serde.deserialize(bytes), (Windowed<std::string>{"ab", 1, 258}));
  const auto time = serdes::time_windowed(serdes::string(), 100);
  EXPECT_EQ(time.to_bytes(Windowed<std::string>{"ab", 200, 300}),
            std::string("ab") + std::string("\0\0\0\0\0\0\0\xc8", 8));
  EXPECT_EQ(time.deserialize(time.to_bytes({"ab", 200, 300})),
            (Windowed<std::string>{"ab", 200, 300}));
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

TEST(SessionWindowLateRecords, HandlerGetsTheRecordOnceWithTheSessionReason) {
  StreamsBuilder builder;
  std::vector<LateRecord> seen;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SessionWindows::of_inactivity_gap_and_grace(std::chrono::milliseconds(10),
                                                               std::chrono::milliseconds(5)))
      .with_late_records({.handler = [&](const LateRecord& r) { seen.push_back(r); }})
      .count(Materialized<std::string, int64_t>::as("s"), Named::as("sessions"));
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("a", 1, 100);
  in.pipe_input("b", 1, 116);  // stream time 116 > 100 + 10 + 5
  in.pipe_input("a", 1, 100);  // a's session [100,100] is closed
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].reason,
            "session [100,100] closed: stream time 116 > end 100 + gap 10 + grace 5");
  EXPECT_EQ(seen[0].offset, 2);
  EXPECT_EQ(driver.late_dropped_records("sessions"), 1);
}

}  // namespace
}  // namespace eddy
