// Windowed and session aggregations with a record cache (Materialized::with_caching_enabled):
// between two commits a hot window's updates combine into one record downstream carrying the
// last value; a session created and merged away between two commits never shows; reads of a
// hot window are answered by the cache. The randomized differential suite (cache=1 cases)
// compares the same path with Kafka Streams record for record.
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "eddy/logging.h"

#include "window_test_support.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::In;
using test::Out;
using test::test_config;

Materialized<std::string, int64_t> cached_store() {
  return Materialized<std::string, int64_t>::as("agg").with_caching_enabled();
}

TEST(WindowCache, AHotWindowSendsItsLastCountOncePerCommit) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(100ms))
      .count(cached_store())
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 100), serdes::int64());
  for (int i = 0; i < 50; ++i) in.pipe_input("sku-1", 1, 10 + i);  // one hot key, one window
  in.pipe_input("sku-2", 1, 20);
  in.pipe_input("sku-1", 1, 150);  // the next window
  EXPECT_TRUE(out.is_empty()) << "nothing leaves before the cache flushes";
  driver.commit();
  // One record per window, the latest value, stamped with the window's latest record; in the
  // order the windows were last written.
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{
                {"sku-1", 0, 100, 50, 59}, {"sku-2", 0, 100, 1, 20}, {"sku-1", 100, 200, 1, 150}}));
  in.pipe_input("sku-1", 1, 160);
  driver.commit();
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"sku-1", 100, 200, 2, 160}}));
  driver.commit();  // nothing changed since: nothing sent
  EXPECT_TRUE(out.is_empty());
}

// As Kafka Streams' LRUCacheEntry: what a flush sends carries the headers of the record whose
// write the window holds (for hopping windows, one record's headers on each of its windows),
// not the commit's (none).
TEST(WindowCache, AFlushedWindowCarriesTheHeadersOfItsLastRecord) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(100ms).advance_by(50ms))
      .count(cached_store())
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 100), serdes::int64());
  in.pipe_input("a", 1, 60, {{"trace", "first"}});  // windows [0,100) and [50,150)
  in.pipe_input("b", 1, 70, {{"trace", "b"}});      // windows [0,100) and [50,150)
  in.pipe_input("a", 1, 110, {{"trace", "last"}});  // windows [50,150) and [100,200)
  driver.commit();
  std::vector<std::tuple<std::string, int64_t, int64_t, Headers>> got;
  for (const auto& r : out.read_records_to_list())
    got.emplace_back(r.key.key, r.key.start, r.value.value_or(-1), r.headers);
  using H = Headers;
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, int64_t, int64_t, Headers>>{
                     {"a", 0, 1, H{{"trace", "first"}}},
                     {"b", 0, 1, H{{"trace", "b"}}},
                     {"b", 50, 1, H{{"trace", "b"}}},
                     {"a", 50, 2, H{{"trace", "last"}}},
                     {"a", 100, 1, H{{"trace", "last"}}}}));
}

TEST(WindowCache, HoppingWindowsEachSendTheirLastValue) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(100ms).advance_by(50ms))
      .reduce([](int64_t a, int64_t b) { return a + b; }, cached_store())
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 100), serdes::int64());
  test::pipe_all(in, {{"a", 5, 60}, {"a", 7, 70}, {"a", 1, 110}});
  driver.commit();
  EXPECT_EQ(
      test::read_windowed(out),
      (std::vector<Out>{{"a", 0, 100, 12, 70}, {"a", 50, 150, 13, 110}, {"a", 100, 200, 1, 110}}));
}

TEST(WindowCache, SlidingWindowsSendEachWindowsLastValue) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SlidingWindows::of_time_difference_with_no_grace(10ms))
      .count(cached_store())
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 10), serdes::int64());
  test::pipe_all(in, {{"a", 1, 1000}, {"a", 1, 1005}, {"a", 1, 1005}});
  driver.commit();
  // Uncached, the same input sends [990,1000]=1, [995,1005]=1, [1001,1011]=1, [990,1000]... ;
  // cached, each window once with its final count.
  auto rows = test::read_windowed(out);
  std::map<std::pair<int64_t, int64_t>, int64_t> last;
  for (const auto& r : rows) {
    EXPECT_TRUE(last.emplace(std::make_pair(r.start, r.end), *r.value).second)
        << "window sent twice in one flush: " << r;
  }
  EXPECT_EQ(last, (std::map<std::pair<int64_t, int64_t>, int64_t>{
                      {{990, 1000}, 1}, {{995, 1005}, 3}, {{1001, 1011}, 2}}));
}

TEST(WindowCache, ASessionMergedAwayBeforeTheFlushIsNeverSent) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(SessionWindows::of_inactivity_gap_with_no_grace(10ms))
      .count(cached_store())
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::session_windowed(serdes::string()), serdes::int64());
  test::pipe_all(in, {{"u", 1, 100}, {"u", 1, 105}, {"u", 1, 112}});
  driver.commit();
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"u", 100, 112, 3, 112}}));
  // Extending a session that did reach downstream retracts it, then sends the new one.
  in.pipe_input("u", 1, 120);
  driver.commit();
  EXPECT_EQ(test::read_windowed(out),
            (std::vector<Out>{{"u", 100, 112, std::nullopt, 112}, {"u", 100, 120, 4, 120}}));
}

TEST(WindowCache, EmitOnCloseIgnoresTheCacheAndSendsEachWindowOnce) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .windowed_by(TimeWindows::of_size_with_no_grace(100ms))
      .emit_strategy(EmitStrategy::on_window_close())
      .count(cached_store())
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<Windowed<std::string>, int64_t>(
      "out", serdes::time_windowed(serdes::string(), 100), serdes::int64());
  test::pipe_all(in, {{"a", 1, 10}, {"a", 1, 20}, {"a", 1, 30}});
  driver.commit();
  EXPECT_TRUE(out.is_empty());
  in.pipe_input("a", 1, 100);  // closes [0,100)
  driver.commit();
  EXPECT_EQ(test::read_windowed(out), (std::vector<Out>{{"a", 0, 100, 3, 30}}));
}

// The driver closes as the runtime closes cleanly: a last commit empties the caches while the
// nodes they forward to are open. Without it, the cache's flush on close reached a closed
// suppress node, and every task logged "error while closing".
TEST(WindowCache, ADriverClosedWithUpdatesInTheCacheClosesWithoutAnError) {
  std::mutex mutex;
  std::vector<std::string> problems;
  set_log_callback([&](const LogRecord& r) {
    if (r.level < LogLevel::kWarn) return;
    std::lock_guard lock(mutex);
    problems.emplace_back(r.message);
  });
  {
    StreamsBuilder builder;
    builder.stream<std::string, int64_t>("in")
        .group_by_key()
        .windowed_by(TimeWindows::of_size_with_no_grace(100ms))
        .count(cached_store())
        .suppress(Suppressed::until_window_closes().with_name("final"))
        .to_stream()
        .to("out");
    TopologyTestDriver driver(builder.build(test_config()), test_config());
    auto in = driver.create_input_topic<std::string, int64_t>("in");
    for (int i = 0; i < 10; ++i) in.pipe_input("sku-" + std::to_string(i % 3), 1, 10 + i);
  }
  set_log_callback(nullptr);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

}  // namespace
}  // namespace eddy
