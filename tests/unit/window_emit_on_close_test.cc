// The emit strategy on_window_close: one final result per window, read from the window store
// when stream time - grace passes the window's end, for time and sliding windows, also across
// a restart (the progress store remembers which windows went out).
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::Out;
using test::test_config;

template <typename Windows>
Topology counts_on_close(const Windows& windows) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(windows)
      .emit_strategy(EmitStrategy::on_window_close())
      .count(Materialized<std::string, int64_t>::as("counts"))
      .to_stream()
      .to("out");
  return builder.build(test_config());
}

TEST(EmitOnWindowClose, TumblingWindowsEmitOnceWhenStreamTimePassesEndPlusGrace) {
  TopologyTestDriver driver(counts_on_close(TimeWindows::of_size_and_grace(10ms, 5ms)),
                            test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("b", 1, 3);
  in.pipe_input("a", 1, 1);
  in.pipe_input("a", 1, 9);
  in.pipe_input("a", 1, 12);
  in.pipe_input("a", 1, 8);  // out of order, within grace: no update goes out
  in.pipe_input("a", 1, 14);
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("c", 1, 15);  // 15 >= end 10 + grace 5: [0,10) closes, keys in byte order
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"a", 0, 10, 3, 9}, {"b", 0, 10, 1, 3}}));
  in.pipe_input("a", 1, 2);  // late for [0,10): dropped, no second result
  in.pipe_input("a", 1, 16);
  EXPECT_TRUE(out.is_empty());
  // A jump far past the retention (size + grace) still emits [10,20): Kafka Streams 4.4 reads
  // after its retention clamp moved and loses these (see docs/time-and-windows.md).
  in.pipe_input("a", 1, 40);
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 10, 20, 3, 16}, {"c", 10, 20, 1, 15}}));
  EXPECT_EQ(driver.late_dropped_records(), 1);
}

TEST(EmitOnWindowClose, HoppingWindowsEmitInStartOrder) {
  TopologyTestDriver driver(
      counts_on_close(TimeWindows::of_size_with_no_grace(10ms).advance_by(5ms)), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("a", 1, 7);  // windows [0,10) and [5,15)
  in.pipe_input("b", 1, 9);
  in.pipe_input("a", 1, 10);  // closes [0,10)
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"a", 0, 10, 1, 7}, {"b", 0, 10, 1, 9}}));
  in.pipe_input("a", 1, 14);  // [5,15) still open: end 15 > 14
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("a", 1, 20);  // closes [5,15) and [10,20)
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 5, 15, 3, 14}, {"b", 5, 15, 1, 9}, {"a", 10, 20, 2, 14}}));
}

TEST(EmitOnWindowClose, SlidingWindowsEmitOnceStreamTimeMinusGraceIsPastTheEnd) {
  TopologyTestDriver driver(
      counts_on_close(SlidingWindows::of_time_difference_and_grace(10ms, 2ms)), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  in.pipe_input("a", 1, 15);  // [5,15]
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("a", 1, 20);  // close time 18 > end 15: [5,15] is final
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"a", 5, 15, 1, 15}}));
  in.pipe_input("a", 1, 12);  // [2,12] and [5,15] are closed (2 late drops); [10,20] takes
                              // it, and its right window [13,23] holds 15 and 20
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("a", 1, 40);  // close time 38 > every end above
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"a", 10, 20, 3, 20}, {"a", 13, 23, 2, 20}, {"a", 16, 26, 1, 20}}));
  EXPECT_EQ(driver.late_dropped_records(), 2);
}

TEST(EmitOnWindowClose, RestartNeitherRepeatsNorLosesFinalResults) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("eddy-emit-close-restart-" +
                    std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  std::filesystem::remove_all(dir);
  const auto topology = counts_on_close(TimeWindows::of_size_with_no_grace(10ms));
  std::vector<Out> all;
  auto run = [&](const std::vector<test::In>& inputs) {
    TopologyTestDriver driver(topology, test_config(), {.state_dir = dir.string()});
    auto in = driver.create_input_topic<std::string, int64_t>("in");
    auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
        "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
    test::pipe_all(in, inputs);
    for (auto& o : test::read_windowed(out)) all.push_back(o);
  };
  run({{"a", 1, 1}, {"a", 1, 5}, {"b", 1, 11}, {"b", 1, 12}});  // [0,10) out; [10,20) open
  // The aggregation's stream time starts over after the restart (as in Kafka Streams), so
  // a=3 is taken into the closed window [0,10) again, but that window already went out.
  run({{"a", 1, 3}, {"b", 1, 15}, {"b", 1, 25}});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(all, (std::vector<Out>{{"a", 0, 10, 2, 5}, {"b", 10, 20, 3, 15}}));
}

TEST(EmitOnWindowClose, DeclaresAProgressStoreWithAChangelog) {
  const auto topology = counts_on_close(TimeWindows::of_size_with_no_grace(10ms));
  EXPECT_NE(topology.describe().find("counts-emit-progress"), std::string::npos);
  const auto changelogs = topology.changelog_topics();
  EXPECT_EQ(changelogs, (std::set<std::string>{
                            test_config().application_id + "-counts-changelog",
                            test_config().application_id + "-counts-emit-progress-changelog",
                            test_config().application_id + "-counts-stream-time-changelog"}));
}

TEST(EmitOnWindowClose, SuppressUntilWindowClosesAfterItIsRefused) {
  for (const bool sliding : {false, true}) {
    StreamsBuilder builder;
    auto grouped = builder.stream<std::string, int64_t>("in").group_by_key();
    auto table = sliding
                     ? grouped.windowed_by(SlidingWindows::of_time_difference_with_no_grace(10ms))
                           .emit_strategy(EmitStrategy::on_window_close())
                           .count({}, Named::as("win"))
                     : grouped.windowed_by(TimeWindows::of_size_with_no_grace(10ms))
                           .emit_strategy(EmitStrategy::on_window_close())
                           .count({}, Named::as("win"));
    table.suppress(Suppressed::until_window_closes().with_name("final"));
    test::expect_error<TopologyError>(
        [&] { builder.build(test_config()); },
        "suppress 'final': 'win' already emits one final result per window");
  }
}

}  // namespace
}  // namespace eddy
