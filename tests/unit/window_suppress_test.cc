// suppress(): exactly one final result per window (also across a restart), rate limiting,
// and idle close on wall-clock time.
#include <gtest/gtest.h>

#include <filesystem>

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::Out;
using test::test_config;

Topology final_counts(const TimeWindows& windows, Suppressed suppressed) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(windows)
      .count(Materialized<std::string, int64_t>::as("counts"))
      .suppress(suppressed)
      .to_stream()
      .to("out");
  return builder.build(test_config());
}

Topology final_sessions(const SessionWindows& windows, Suppressed suppressed) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(windows)
      .count(Materialized<std::string, int64_t>::as("sessions"))
      .suppress(suppressed)
      .to_stream()
      .to("out");
  return builder.build(test_config());
}

TEST(SuppressUntilWindowCloses, EmitsExactlyOneFinalResultPerWindow) {
  TopologyTestDriver driver(
      final_counts(TimeWindows::of_size_and_grace(10ms, 5ms), Suppressed::until_window_closes()),
      test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("a", 1, 1);
  in.pipe_input("b", 1, 3);
  in.pipe_input("a", 1, 9);
  in.pipe_input("a", 1, 12);
  in.pipe_input("a", 1, 8);  // out of order, within grace
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("a", 1, 14);  // stream time 14 < 10 + 5: still nothing final
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("c", 1, 15);  // stream time 15 = end 10 + grace 5: [0,10) closes
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"a", 0, 10, 3, 9}, {"b", 0, 10, 1, 3}}));
  in.pipe_input("a", 1, 2);   // late: dropped by the aggregation, no second result
  in.pipe_input("a", 1, 40);  // closes [10,20)
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 10, 20, 2, 14}, {"c", 10, 20, 1, 15}}));
  EXPECT_EQ(driver.late_dropped_records(), 1);
}

TEST(SuppressUntilWindowCloses, SessionsCloseAfterGapPlusGraceAndDropMergedAwaySessions) {
  TopologyTestDriver driver(final_sessions(SessionWindows::of_inactivity_gap_and_grace(10ms, 15ms),
                                           Suppressed::until_window_closes()),
                            test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  in.pipe_input("a", 1, 0);
  in.pipe_input("a", 1, 20);
  in.pipe_input("a", 1, 10);  // bridges: [0,0] and [20,20] become [0,20]
  in.pipe_input("b", 1, 44);  // suppress stream time 44 < 20 + 10 + 15
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("b", 1, 45);  // 45 >= 20 + 10 + 15: [0,20] is final; the deletes never show
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"a", 0, 20, 3, 20}}));
}

TEST(SuppressUntilWindowCloses, RestartNeitherLosesNorRepeatsFinalResults) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("eddy-suppress-restart-" +
                    std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  const auto topology =
      final_counts(TimeWindows::of_size_with_no_grace(10ms), Suppressed::until_window_closes());
  std::vector<Out> all;
  {
    TopologyTestDriver driver(topology, test_config(), {.state_dir = dir.string()});
    auto in = driver.create_input_topic<std::string, int64_t>("in");
    auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
        "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
    in.pipe_input("a", 1, 1);
    in.pipe_input("a", 1, 5);
    in.pipe_input("b", 1, 11);  // closes [0,10): a's result goes out
    in.pipe_input("b", 1, 12);  // [10,20) is still buffered when the driver stops
    for (auto& o : test::read_windowed(out)) all.push_back(o);
  }
  {
    TopologyTestDriver driver(topology, test_config(), {.state_dir = dir.string()});
    auto in = driver.create_input_topic<std::string, int64_t>("in");
    auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
        "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
    in.pipe_input("a", 1, 3);   // [0,10) already final: no second result
    in.pipe_input("b", 1, 25);  // closes [10,20): b's buffered result survived the restart
    for (auto& o : test::read_windowed(out)) all.push_back(o);
  }
  std::filesystem::remove_all(dir);
  EXPECT_EQ(all, (std::vector<Out>{{"a", 0, 10, 2, 5}, {"b", 10, 20, 2, 12}}));
}

// The buffer's mirror store is written at a commit, one record per key changed since the last
// (its state then), as Kafka Streams' buffer logs its dirty keys when flushed: a session that
// grows replaces its key on every event, and none of the keys in between reach the changelog
// one write at a time.
TEST(SuppressUntilWindowCloses, MirrorStoreIsWrittenAtTheCommitOnceForEachChangedKey) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(10ms))
      .count(Materialized<std::string, int64_t>::as("sessions"))
      .suppress(Suppressed::until_window_closes().with_name("final"))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  // What the mirror's changelog got since the last call, by kind of record.
  struct Written {
    int stream_time = 0;  // the empty key: the stream time of the last emission
    int deletes = 0;      // entries emitted (or merged-away sessions dropped) since
    int buffered_deletes = 0;
    int sessions = 0;
    bool operator==(const Written&) const = default;
  };
  auto drain = [&] {
    Written w;
    while (auto record = driver.read_raw("app-final-store-changelog")) {
      if (record->key && record->key->empty()) {
        ++w.stream_time;
      } else if (!record->value) {
        ++w.deletes;
      } else if (record->value->at(16) == '\1') {
        ++w.sessions;
      } else {
        ++w.buffered_deletes;
      }
    }
    return w;
  };
  // [0,0] grows to [0,15]: each event deletes the session key before and writes a new one;
  // stream times 10 and 15 emit (drop) the merged-away [0,0] and [0,5].
  for (int64_t t : {0, 5, 10, 15}) in.pipe_input("a", 1, t);
  EXPECT_EQ(drain(), Written{});  // nothing before the commit
  driver.commit();
  EXPECT_EQ(drain(),
            (Written{.stream_time = 1, .deletes = 2, .buffered_deletes = 1, .sessions = 1}));
  in.pipe_input("a", 1, 30);  // a new session; stream time 30 closes [0,15] (and drops [0,10])
  EXPECT_EQ(drain(), Written{});
  driver.commit();
  EXPECT_EQ(drain(),
            (Written{.stream_time = 1, .deletes = 2, .buffered_deletes = 0, .sessions = 1}));
}

// However long the commit interval, the keys waiting for the mirror store stay bounded: once
// 50 000 changed, they are written without waiting for the commit.
TEST(SuppressUntilWindowCloses, ManyChangedKeysAreWrittenBeforeTheCommit) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(1h))
      .count(Materialized<std::string, int64_t>::as("counts"))
      .suppress(Suppressed::until_window_closes().with_name("final"))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  for (int i = 0; i < 49'999; ++i) in.pipe_input("k" + std::to_string(i), 1, 0);
  EXPECT_EQ(driver.unread("app-final-store-changelog"), 0u);
  in.pipe_input("k49999", 1, 0);
  EXPECT_EQ(driver.unread("app-final-store-changelog"), 50'000u);
}

// The minimal cases of issue 15, with Kafka Streams 4.4's outputs (its TopologyTestDriver,
// statestore.cache.max.bytes=0): sliding and session aggregations still accept a window at
// stream time = end + close, after suppress emitted it; that update is emitted again, so no
// window the aggregation accepted is lost and its last result carries its last value.
Topology final_sliding_sums(std::chrono::milliseconds diff) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SlidingWindows::of_time_difference_with_no_grace(diff))
      .reduce([](int64_t a, int64_t b) { return a + b; })
      .suppress(Suppressed::until_window_closes())
      .to_stream()
      .to("out");
  return builder.build(test_config());
}

TEST(SuppressUntilWindowCloses, SlidingWindowAcceptedAtItsCloseTimeIsNotLost) {
  TopologyTestDriver driver(final_sliding_sums(10ms), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("a", 1, 1000);
  in.pipe_input("a", 1, 1005);  // its left window [995,1005] closes at once (grace 0)
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 990, 1000, 1, 1000}, {"a", 995, 1005, 2, 1005}}));
  EXPECT_EQ(driver.late_dropped_records(), 0);
}

TEST(SuppressUntilWindowCloses, SlidingWindowsLastResultCarriesItsLastValue) {
  TopologyTestDriver driver(final_sliding_sums(10ms), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("a", 1, 1000);
  in.pipe_input("a", 2, 1000);  // [990,1000] was emitted; the aggregation still takes this
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 990, 1000, 1, 1000}, {"a", 990, 1000, 3, 1000}}));
}

TEST(SuppressUntilWindowCloses, SessionAcceptedAtItsCloseTimeIsNotLost) {
  TopologyTestDriver driver(final_sessions(SessionWindows::of_inactivity_gap_with_no_grace(10ms),
                                           Suppressed::until_window_closes()),
                            test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  in.pipe_input("a", 1, 1020);
  in.pipe_input("b", 1, 1010);  // stream time 1020 = end 1010 + gap 10: accepted, and final
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"b", 1010, 1010, 1, 1010}}));
  EXPECT_EQ(driver.late_dropped_records(), 0);
}

TEST(SuppressUntilWindowCloses, SessionsLastResultCarriesItsLastValue) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(10ms))
      .reduce([](int64_t a, int64_t b) { return a + b; })
      .suppress(Suppressed::until_window_closes())
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  in.pipe_input("a", 5, 1000);
  in.pipe_input("b", 1, 1010);  // closes a's session [1000,1000]
  in.pipe_input("a", 3, 1000);  // not late yet; the store no longer shows the old session
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 1000, 1000, 5, 1000}, {"a", 1000, 1000, 3, 1000}}));
}

TEST(SuppressUntilTimeLimit, EmitsTheLatestValuePerKeyOncePerLimit) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .reduce([](int64_t a, int64_t b) { return a + b; })
      .suppress(Suppressed::until_time_limit(10ms))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  in.pipe_input("a", 1, 0);
  in.pipe_input("a", 2, 4);
  in.pipe_input("a", 3, 9);
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("b", 5, 10);  // 10 >= 0 + 10: a's latest value goes out
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].key, "a");
  EXPECT_EQ(records[0].value, 6);
  EXPECT_EQ(records[0].timestamp, 9);
}

TEST(SuppressBuffer, ShutsDownWhenFull) {
  TopologyTestDriver driver(
      final_counts(TimeWindows::of_size_with_no_grace(10ms),
                   Suppressed::until_window_closes(BufferConfig::with_max_records(2))),
      test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("a", 1, 1);
  in.pipe_input("b", 1, 1);
  test::expect_error<Error>([&] { in.pipe_input("c", 1, 1); }, "buffer full");
}

TEST(SuppressBuildErrors, UntilWindowClosesNeedsAWindowedAggregation) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in").group_by_key().count().suppress(
      Suppressed::until_window_closes().with_name("final"));
  test::expect_error<TopologyError>([&] { builder.build(test_config()); },
                                    "needs a windowed aggregation upstream");
}

TEST(IdleClose, AdvancingWallClockAloneEmitsTheFinalSession) {
  TopologyTestDriver driver(
      final_sessions(SessionWindows::of_inactivity_gap_and_grace(30'000ms, 0ms),
                     Suppressed::until_window_closes().with_idle_close(60'000ms)),
      test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  in.pipe_input("shopper", 1, 1'000);
  in.pipe_input("shopper", 1, 5'000);
  driver.advance_wall_clock_time(59'000ms);  // not idle long enough yet
  EXPECT_TRUE(out.is_empty());
  driver.advance_wall_clock_time(1'000ms);  // idle 60 s: stream time 5'000 + 60'000 >= end + gap
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"shopper", 1'000, 5'000, 2, 5'000}}));
  driver.advance_wall_clock_time(600'000ms);  // nothing more to emit
  EXPECT_TRUE(out.is_empty());
  // A record for the session closed by idleness is dropped at the suppress node (counted):
  in.pipe_input("shopper", 1, 6'000);
  EXPECT_TRUE(out.is_empty());
  EXPECT_EQ(driver.late_dropped_records(), 1);
}

TEST(IdleClose, OffByDefaultWallClockAloneEmitsNothing) {
  TopologyTestDriver driver(
      final_sessions(SessionWindows::of_inactivity_gap_and_grace(30'000ms, 0ms),
                     Suppressed::until_window_closes()),
      test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  in.pipe_input("shopper", 1, 1'000);
  in.pipe_input("shopper", 1, 5'000);
  driver.advance_wall_clock_time(std::chrono::hours(24));
  EXPECT_TRUE(out.is_empty());  // Kafka Streams' behaviour: only stream time closes windows
}

}  // namespace
}  // namespace eddy
