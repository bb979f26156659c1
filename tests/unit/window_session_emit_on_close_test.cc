// The emit strategy on_window_close for sessions: each session's final aggregate goes out once
// stream time > end + gap + grace, in (end, start, key bytes) order, timestamped with its end;
// merged-away sessions never go out (no deletes), late records are dropped and counted, and a
// restart neither repeats nor loses a result. Every step lists exactly what it emits.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::In;
using test::Out;
using test::test_config;

enum class Op { kCount, kSum, kAggregate };

struct Step {
  In in;
  std::vector<Out> emitted;  // what goes out right after this record
};

struct CloseCase {
  std::string name;
  SessionWindows windows;
  Op op;
  std::vector<Step> steps;
  int64_t late = 0;
  bool in_memory = false;
};

std::vector<CloseCase> close_cases() {
  const auto w = [](int64_t gap, int64_t grace) {
    return SessionWindows::of_inactivity_gap_and_grace(std::chrono::milliseconds(gap),
                                                       std::chrono::milliseconds(grace));
  };
  return {
      {"BridgingRecordMergesOpenSessionsAndNoDeleteGoesOut",
       w(10, 20),
       Op::kCount,
       {{{"a", 1, 0}, {}},
        {{"a", 1, 18}, {}},  // 18 - 0 > gap: a second session
        {{"a", 1, 9}, {}},   // within the gap of both: [0,18], the two merged away silently
        {{"b", 1, 5}, {}},
        {{"x", 1, 35}, {}},  // 35 = end 5 + gap + grace: b's session is still open
        {{"x", 1, 36}, {{"b", 5, 5, 1, 5}}},
        {{"x", 1, 48}, {}},
        {{"x", 1, 49}, {{"a", 0, 18, 3, 18}}}}},  // one result for the merged session
      {"OutOfOrderRecordsJoinTheirSessionBeforeItCloses",
       w(10, 5),
       Op::kSum,
       {{{"a", 1, 20}, {}},
        {{"a", 2, 30}, {}},
        {{"a", 3, 25}, {}},  // inside [20,30]
        {{"a", 4, 12}, {}},  // earlier, within the gap: [12,30]
        {{"z", 1, 45}, {}},  // stream time 45 = 30 + gap + grace: still open
        {{"z", 1, 46}, {{"a", 12, 30, 10, 30}}},
        {{"b", 1, 8}, {}}},  // its session would be closed already: dropped
       1},
      {"RecordAtTheCloseBoundaryStartsASessionThatGoesOutBesideTheClosingOne",
       w(10, 5),
       Op::kCount,
       {{{"a", 1, 100}, {}},
        {{"b", 1, 100}, {}},
        {{"a", 1, 95}, {}},  // [95,100]
        {{"c", 1, 90}, {}},
        {{"x", 1, 115}, {{"c", 90, 90, 1, 90}}},  // 115 = 100 + 15: a and b stay open
        // [95,100] has left the store's retention (gap + grace), so this record cannot join
        // it; its own session [100,100] ends at the close time 100, so it is not late.
        {{"a", 1, 100}, {}},
        {{"y", 1, 116}, {{"a", 95, 100, 2, 100}, {"a", 100, 100, 1, 100}, {"b", 100, 100, 1, 100}}},
        {{"b", 1, 101}, {}},  // end 101 = close time 101: accepted
        {{"z", 1, 117}, {{"b", 101, 101, 1, 101}}},
        {{"b", 1, 101}, {}}},  // now end 101 < close time 102: dropped
       1},
      {"SessionsClosingTogetherGoOutByEndThenStartThenKeyBytes",
       w(5, 0),
       Op::kAggregate,  // from 100: a session of one record v is 100 + v
       {{{"b", 1, 10}, {}},
        {{"ab", 2, 10}, {}},
        {{"c", 3, 7}, {}},
        {{"a", 4, 10}, {}},
        {{"c", 5, 10}, {}},  // 100 + merger(103) + 5 = 208
        {{"d", 6, 14}, {}},
        {{"d", 7, 16},
         {{"c", 7, 10, 208, 10},
          {"a", 10, 10, 104, 10},
          {"ab", 10, 10, 102, 10},
          {"b", 10, 10, 101, 10}}},
        {{"a", 1, 9}, {}},  // late
        {{"d", 1, 30}, {{"d", 14, 16, 213, 16}}}},
       1},
      {"InMemoryStoreEmitsTheSame",
       w(5, 0),
       Op::kCount,
       {{{"b", 1, 10}, {}},
        {{"a", 1, 10}, {}},
        {{"a", 1, 12}, {}},
        {{"c", 1, 30}, {{"b", 10, 10, 1, 10}, {"a", 10, 12, 2, 12}}},
        {{"a", 1, 11}, {}}},
       1,
       true},
      // Kafka Streams 4.4 emits after the record's put has dropped the segment (60 s) holding
      // these sessions and loses them; Eddy reads before the put (docs/time-and-windows.md).
      {"StreamTimeJumpPastTheSegmentStillEmitsEverySession",
       w(10, 0),
       Op::kCount,
       {{{"a", 1, 59'000}, {}},
        {{"b", 1, 59'005}, {}},
        {{"a", 1, 59'008}, {}},
        {{"a", 1, 200'000}, {{"b", 59'005, 59'005, 1, 59'005}, {"a", 59'000, 59'008, 2, 59'008}}},
        {{"b", 1, 200'020}, {{"a", 200'000, 200'000, 1, 200'000}}}}},
  };
}

KTable<Windowed<std::string>, int64_t> aggregate(
    const SessionWindowedKStream<std::string, int64_t>& windowed, Op op,
    const Materialized<std::string, int64_t>& m) {
  switch (op) {
    case Op::kCount:
      return windowed.count(m, Named::as("win"));
    case Op::kSum:
      return windowed.reduce([](int64_t a, int64_t b) { return a + b; }, m, Named::as("win"));
    case Op::kAggregate:
      break;
  }
  return windowed.aggregate<int64_t>(
      [] { return int64_t{100}; },
      [](const std::string&, int64_t v, int64_t agg) { return agg + v; },
      [](const std::string&, int64_t a, int64_t b) { return a + b; }, m, Named::as("win"));
}

Topology sessions_on_close(SessionWindows windows, Op op, bool in_memory = false) {
  StreamsBuilder builder;
  auto m = Materialized<std::string, int64_t>::as("sessions");
  if (in_memory) m.with_in_memory();
  aggregate(
      builder.stream<std::string, int64_t>("in").group_by_key().windowed_by(windows).emit_strategy(
          EmitStrategy::on_window_close()),
      op, m)
      .to_stream()
      .to("out");
  return builder.build(test_config());
}

class SessionEmitOnClose : public ::testing::TestWithParam<CloseCase> {};

TEST_P(SessionEmitOnClose, EmitsEachClosedSessionOnce) {
  const CloseCase& c = GetParam();
  TopologyTestDriver driver(sessions_on_close(c.windows, c.op, c.in_memory), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  for (size_t i = 0; i < c.steps.size(); ++i) {
    const Step& step = c.steps[i];
    in.pipe_input(step.in.key, step.in.value, step.in.timestamp);
    EXPECT_EQ(test::read_windowed(out), step.emitted)
        << "after record " << i << ": " << step.in.key << "@" << step.in.timestamp;
  }
  EXPECT_EQ(driver.late_dropped_records("win"), c.late);
}

INSTANTIATE_TEST_SUITE_P(Sessions, SessionEmitOnClose, ::testing::ValuesIn(close_cases()),
                         [](const auto& param_info) { return param_info.param.name; });

TEST(SessionEmitOnClose, RestartNeitherRepeatsNorLosesFinalResults) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("eddy-session-close-restart-" +
                    std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  const auto topology =
      sessions_on_close(SessionWindows::of_inactivity_gap_with_no_grace(10ms), Op::kCount);
  std::vector<Out> all;
  auto run = [&](const std::vector<In>& inputs) {
    TopologyTestDriver driver(topology, test_config(), {.state_dir = dir.string()});
    auto in = driver.create_input_topic<std::string, int64_t>("in");
    auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
        "out", serdes::session_windowed(serdes::string()), serdes::int64());
    test::pipe_all(in, inputs);
    for (auto& o : test::read_windowed(out)) all.push_back(o);
  };
  // [0,5] and [12,12] go out at 30; b's [30,30] is still open when the first instance stops.
  run({{"a", 1, 0}, {"a", 1, 5}, {"b", 1, 12}, {"b", 1, 30}});
  // The aggregation's stream time starts over (as in Kafka Streams): a=3 is accepted into a
  // session of its own ([0,5] is out of the restored store's retention), but its end is below
  // the emitted-through mark, so neither it nor anything emitted before goes out again.
  run({{"a", 1, 3}, {"b", 1, 35}, {"b", 1, 60}});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(all, (std::vector<Out>{{"a", 0, 5, 2, 5}, {"b", 12, 12, 1, 12}, {"b", 30, 35, 2, 35}}));
}

TEST(SessionEmitOnClose, DeclaresAProgressStoreWithAChangelog) {
  const auto topology =
      sessions_on_close(SessionWindows::of_inactivity_gap_with_no_grace(10ms), Op::kCount);
  EXPECT_NE(topology.describe().find("sessions-emit-progress"), std::string::npos);
  EXPECT_EQ(
      topology.changelog_topics(),
      (std::set<std::string>{test_config().application_id + "-sessions-changelog",
                             test_config().application_id + "-sessions-emit-progress-changelog",
                             test_config().application_id + "-sessions-stream-time-changelog"}));
}

TEST(SessionEmitOnClose, SuppressUntilWindowClosesAfterItIsRefused) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(10ms))
      .emit_strategy(EmitStrategy::on_window_close())
      .count(Materialized<std::string, int64_t>::as("sessions"), Named::as("win"))
      .suppress(Suppressed::until_window_closes().with_name("final"));
  test::expect_error<TopologyError>(
      [&] { builder.build(test_config()); },
      "suppress 'final': 'win' already emits one final result per window");
}

TEST(SessionEmitOnClose, SuppressUntilTimeLimitAfterItIsAllowed) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(10ms))
      .emit_strategy(EmitStrategy::on_window_close())
      .count(Materialized<std::string, int64_t>::as("sessions"))
      .suppress(Suppressed::until_time_limit(5ms))
      .to_stream()
      .to("out");
  EXPECT_NO_THROW(builder.build(test_config()));
}

}  // namespace
}  // namespace eddy
