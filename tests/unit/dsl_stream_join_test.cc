// KStream-KStream joins: join, left_join, outer_join with JoinWindows and StreamJoined.
//
// Expected outputs are Kafka Streams 4.4's: each scenario was run through its
// TopologyTestDriver with __emit.interval.ms.kstreams.outer.join.spurious.results.fix__=0
// (unless the test is about that throttle), and the records below are what it produced.
#include <gtest/gtest.h>

#include <unistd.h>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "dsl_test_support.h"
#include "topology/topology_plan.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;
using test::read_rows;
using test::Rows;
using test::test_config;
using OS = std::optional<std::string>;
using S = std::string;
using Out = Rows<S, S>;

StreamsConfig join_config(int64_t emit_interval_ms = 0) {
  StreamsConfig config = test_config("join-app");
  config.outer_join_emit_interval = std::chrono::milliseconds(emit_interval_ms);
  return config;
}

std::string show(const OS& v) {
  return v.value_or("null");
}

enum class Kind { kInner, kLeft, kOuter };

// left.<kind>(right) with joiner "l+r" ("null" for a missing side), written to "out".
void add_join(StreamsBuilder& builder, Kind kind, const JoinWindows& windows,
              const StreamJoined<S, S, S>& joined = {}) {
  auto left = builder.stream<S, S>("left");
  auto right = builder.stream<S, S>("right");
  switch (kind) {
    case Kind::kInner:
      left.join(
              right, [](const S& l, const S& r) { return l + "+" + r; }, windows, joined)
          .to("out");
      break;
    case Kind::kLeft:
      left.left_join(
              right, [](const S& l, const OS& r) { return l + "+" + show(r); }, windows, joined)
          .to("out");
      break;
    case Kind::kOuter:
      left.outer_join(
              right, [](const OS& l, const OS& r) { return show(l) + "+" + show(r); }, windows,
              joined)
          .to("out");
      break;
  }
}

struct JoinHarness {
  JoinHarness(Kind kind, const JoinWindows& windows, int64_t emit_interval_ms = 0,
              const StreamJoined<S, S, S>& joined = {})
      : config(join_config(emit_interval_ms)) {
    add_join(builder, kind, windows, joined);
    driver.emplace(builder.build(config), config);
    left.emplace(driver->create_input_topic<S, S>("left"));
    right.emplace(driver->create_input_topic<S, S>("right"));
    out.emplace(driver->create_output_topic<S, S>("out"));
  }
  void l(const S& key, const S& value, int64_t ts) { left->pipe_input(key, value, ts); }
  void r(const S& key, const S& value, int64_t ts) { right->pipe_input(key, value, ts); }
  Out read() { return read_rows(*out); }

  StreamsConfig config;
  StreamsBuilder builder;
  std::optional<TopologyTestDriver> driver;
  std::optional<TestInputTopic<S, S>> left;
  std::optional<TestInputTopic<S, S>> right;
  std::optional<TestOutputTopic<S, S>> out;
};

JoinWindows diff(int64_t ms, int64_t grace_ms = 0) {
  return JoinWindows::of_time_difference_and_grace(std::chrono::milliseconds(ms),
                                                   std::chrono::milliseconds(grace_ms));
}

TEST(StreamStreamJoin, InnerJoinPairsRecordsWithinTheWindowFromEitherSide) {
  JoinHarness h(Kind::kInner, diff(10));
  h.r("b", "c1", 50);
  h.l("b", "d1", 61);  // 11 ms after c1: outside
  h.l("b", "d2", 60);  // exactly 10 ms: joins
  h.l("a", "a1", 100);
  h.r("a", "b1", 105);  // joins a1, stamped with the later time
  h.r("a", "b2", 111);  // 11 ms after a1: outside
  h.l("a", "a2", 110);  // joins b1 and b2, in their timestamp order
  EXPECT_EQ(
      h.read(),
      (Out{{"b", "d2+c1", 60}, {"a", "a1+b1", 105}, {"a", "a2+b1", 110}, {"a", "a2+b2", 111}}));
}

TEST(StreamStreamJoin, BeforeAndAfterBoundsAreInclusiveAndAsymmetric) {
  // A left record at t joins right records in [t - 10, t + 5]; a right record at t joins left
  // records in [t - 5, t + 10].
  JoinHarness h(Kind::kInner, diff(10).before(10ms).after(5ms));
  h.l("a", "L100", 100);
  h.r("a", "R90", 90);    // exactly t - before
  h.r("a", "R89", 89);    // one below
  h.r("a", "R105", 105);  // exactly t + after
  h.r("a", "R106", 106);  // one above
  h.r("b", "R100", 100);
  h.l("b", "L95", 95);  // the right record is exactly `after` later
  h.l("b", "L94", 94);
  h.l("b", "L110", 110);  // the right record is exactly `before` earlier
  h.l("b", "L111", 111);
  EXPECT_EQ(h.read(), (Out{{"a", "L100+R90", 100},
                           {"a", "L100+R105", 105},
                           {"b", "L95+R100", 100},
                           {"b", "L110+R100", 110}}));
}

TEST(StreamStreamJoin, NegativeAfterJoinsOnlyStrictlyEarlierRightRecords) {
  JoinHarness h(Kind::kInner, diff(10).after(-1ms));  // right in [t - 10, t - 1]
  h.r("a", "R99", 99);
  h.r("a", "R100", 100);
  h.l("a", "L100", 100);
  h.r("a", "R90", 90);
  h.r("a", "R89", 89);
  EXPECT_EQ(h.read(), (Out{{"a", "L100+R99", 100}, {"a", "L100+R90", 100}}));
}

TEST(StreamStreamJoin, RecordsOlderThanTheStoreRetentionNoLongerJoin) {
  // Retention = before + after + grace = 15: once the right store has seen 106, reads start at
  // 92, so the left record at 95 misses R90 and R89 although they are in its window.
  JoinHarness h(Kind::kInner, diff(10).after(5ms));
  h.l("a", "a1", 100);
  h.r("a", "r90", 90);
  h.r("a", "r89", 89);
  h.r("a", "r105", 105);
  h.r("a", "r106", 106);
  h.l("a", "a2", 95);
  h.l("a", "a4", 116);
  EXPECT_EQ(h.read(), (Out{{"a", "a1+r90", 100}, {"a", "a1+r105", 105}, {"a", "a4+r106", 116}}));
}

TEST(StreamStreamJoin, GraceKeepsOutOfOrderRecordsJoinableAndALateOneIsNotKept) {
  JoinHarness h(Kind::kInner, diff(10, /*grace_ms=*/20));  // retention 40
  h.l("a", "a1", 100);
  h.r("x", "x", 130);   // stream time 130
  h.r("a", "r1", 95);   // 35 behind, within retention: joins a1
  h.l("x", "y", 200);   // left stream time 200: keeps [161, ...]
  h.l("a", "a0", 100);  // older than the left store keeps: not kept, but still probes
  h.r("a", "r2", 101);  // finds neither a1 nor a0: the left store's reads start at 161
  EXPECT_EQ(h.read(), (Out{{"a", "a1+r1", 100}, {"a", "a0+r1", 100}}));
  // Kafka Streams' RocksDB store counts a put as a dropped record only when its whole segment
  // (60 s here) is gone, which it is not yet (ExpiredPutsCountAsLate... below).
  EXPECT_EQ(h.driver->late_dropped_records(), 0);
  EXPECT_EQ(h.driver->dropped_records(), 0);
}

// The window stores count the records they drop as Kafka Streams' do, in the task's dropped
// records: RocksDB (the default) a put into a segment already dropped, in memory a put older
// than the retention. Either way such a record never joins a later one.
TEST(StreamStreamJoin, ExpiredPutsCountAsLateWhenKafkaStreamsStoreDropsThem) {
  for (const bool in_memory : {false, true}) {
    SCOPED_TRACE(in_memory ? "in memory" : "RocksDB");
    StreamJoined<S, S, S> joined;
    if (in_memory) joined.with_in_memory();
    // Retention 40, segments of 60 s: at left stream time 120050 segment 2 (from 120000) is the
    // oldest live one, and reads start at 120011.
    JoinHarness h(Kind::kInner, diff(10, /*grace_ms=*/20), 0, joined);
    h.l("a", "a1", 119'990);
    h.l("x", "y", 120'050);
    h.l("a", "a0", 119'999);  // in segment 1, dropped: counted by both stores
    h.l("a", "a2", 120'000);  // in live segment 2 but too old to be read: counted in memory
    h.l("a", "a3", 120'011);  // kept
    h.r("a", "r", 120'012);   // joins a3 only
    EXPECT_EQ(h.read(), (Out{{"a", "a3+r", 120'012}}));
    EXPECT_EQ(h.driver->late_dropped_records(), in_memory ? 2 : 1);
    EXPECT_EQ(h.driver->late_dropped_records("KSTREAM-WINDOWED-0000000002"), in_memory ? 2 : 1);
    EXPECT_EQ(h.driver->late_dropped_records("KSTREAM-WINDOWED-0000000003"), 0);
  }
}

TEST(StreamStreamJoin, LeftJoinEmitsAnUnmatchedRecordOnceItsWindowClosed) {
  JoinHarness h(Kind::kLeft, diff(10));
  h.l("a", "a1", 100);
  h.l("b", "b1", 102);
  h.r("a", "x1", 105);  // a1 found its partner: never emitted without one
  EXPECT_EQ(h.read(), (Out{{"a", "a1+x1", 105}}));
  h.l("c", "c1", 111);  // stream time 111 > 100 + 10: a1's window closed (nothing to emit),
                        // b1's (102 + 10 = 112) not yet
  EXPECT_EQ(h.read(), Out{});
  h.l("d", "d1", 130);  // b1 and c1 close: emitted with no partner, at their own times
  EXPECT_EQ(h.read(), (Out{{"b", "b1+null", 102}, {"c", "c1+null", 111}}));
  h.r("b", "y1", 140);  // too late for b1, which is gone from the outer store
  h.l("e", "e1", 150);
  EXPECT_EQ(h.read(), (Out{{"d", "d1+null", 130}}));
}

TEST(StreamStreamJoin, LeftJoinWaitsForGraceBeforeEmittingUnmatched) {
  JoinHarness h(Kind::kLeft, diff(10, /*grace_ms=*/5));
  h.l("a", "a1", 100);
  h.l("z", "z", 115);  // 100 + 10 + 5 = 115: not yet closed
  EXPECT_EQ(h.read(), Out{});
  h.r("a", "late", 110);  // still in time (grace): joins, a1 will not be emitted unmatched
  h.l("z", "z2", 116);
  EXPECT_EQ(h.read(), (Out{{"a", "a1+late", 110}}));
  h.l("z", "z3", 132);  // closes z (115) and z2 (116)
  EXPECT_EQ(h.read(), (Out{{"z", "z+null", 115}, {"z", "z2+null", 116}}));
}

TEST(StreamStreamJoin, OuterJoinEmitsUnmatchedRecordsOfBothSides) {
  JoinHarness h(Kind::kOuter, diff(10, 5));
  h.l("a", "a1", 100);
  h.r("b", "b1", 100);
  h.r("a", "x1", 105);
  h.l("c", "c1", 111);
  h.r("d", "r1", 112);
  h.l("d", "d1", 140);
  h.r("e", "e1", 160);
  h.l("a", "a9", 180);
  EXPECT_EQ(h.read(), (Out{{"a", "a1+x1", 105},
                           {"b", "null+b1", 100},
                           {"c", "c1+null", 111},
                           {"d", "null+r1", 112},
                           {"d", "d1+null", 140},
                           {"e", "null+e1", 160}}));
}

TEST(StreamStreamJoin, UnmatchedRecordsLeaveInTimestampOrderRightBeforeLeft) {
  // The outer join store is ordered by (timestamp, side with right first, key).
  JoinHarness h(Kind::kOuter, diff(0));
  h.l("a", "a1", 100);
  h.l("a", "a2", 100);
  h.r("b", "b1", 100);
  h.r("b", "b2", 100);
  h.l("c", "c", 101);
  h.r("a", "r", 100);  // joins a1 and a2 (they leave the outer store), does not wait itself:
                       // its window (100 + 0) is behind stream time 101, so it goes out at once
  EXPECT_EQ(h.read(), (Out{{"b", "null+b1", 100},
                           {"b", "null+b2", 100},
                           {"a", "a1+null", 100},
                           {"a", "a2+null", 100},
                           {"a", "null+r", 100}}));
}

TEST(StreamStreamJoin, AnUnmatchedRecordWhoseWindowAlreadyClosedGoesOutAtOnce) {
  JoinHarness h(Kind::kLeft, diff(10));
  h.l("x", "x", 200);
  h.l("a", "old", 150);  // 150 + 10 < 200: no wait in the outer store
  EXPECT_EQ(h.read(), (Out{{"a", "old+null", 150}}));
}

TEST(StreamStreamJoin, LookAheadOfTheRightSideIsBeforeForOuterJoins) {
  // Outer join with before 10, after -2: a right record at t waits until stream time passes
  // t + 10 (its look-ahead is the window's `before`), a left one until t - 2.
  JoinHarness h(Kind::kOuter, diff(10).after(-2ms));
  h.l("a", "a1", 100);
  h.r("a", "r1", 99);  // 1 ms earlier: not in [t - 10, t - 2]
  h.r("a", "r2", 98);  // joins
  h.r("a", "r3", 90);  // joins
  h.l("b", "b1", 100);
  h.r("b", "rb", 100);
  h.l("x", "x", 130);
  EXPECT_EQ(h.read(), (Out{{"a", "a1+null", 100},
                           {"a", "a1+r2", 100},
                           {"a", "a1+r3", 100},
                           {"b", "b1+null", 100},
                           {"a", "null+r1", 99},
                           {"b", "null+rb", 100},
                           {"x", "x+null", 130}}));
}

TEST(StreamStreamJoin, UnmatchedRecordsWaitForTheEmitIntervalOfWallClockTime) {
  // The very first record already scans (Kafka Streams' "earliest waiting" time starts at
  // Long.MAX_VALUE, which wraps below any stream time): the store is empty, and the next scan
  // is due a second of wall-clock time later.
  JoinHarness h(Kind::kOuter, diff(10), /*emit_interval_ms=*/1000);
  h.l("a", "a1", 100);
  h.l("b", "b1", 105);
  h.l("c", "c1", 130);  // a1 and b1 closed, but the next scan is due at wall clock 1000
  h.l("d", "d1", 150);  // c1 closed too
  EXPECT_EQ(h.read(), Out{});
  h.driver->advance_wall_clock_time(1000ms);
  EXPECT_EQ(h.read(), Out{});  // a scan needs a record
  h.l("e", "e1", 170);
  EXPECT_EQ(h.read(), (Out{{"a", "a1+null", 100},
                           {"b", "b1+null", 105},
                           {"c", "c1+null", 130},
                           {"d", "d1+null", 150}}));
  h.l("f", "f1", 190);  // e1 closed; the next scan is due at 2000
  EXPECT_EQ(h.read(), Out{});
}

TEST(StreamStreamJoin, NullKeysGoOutUnmatchedOnOuterSidesAndAreDroppedOnInnerOnes) {
  {
    JoinHarness h(Kind::kOuter, diff(10));
    h.driver->pipe_raw("left", std::nullopt, "n1", 100, {});
    h.driver->pipe_raw("right", std::nullopt, "n2", 100, {});
    h.l("a", "a1", 100);
    h.r("a", "r1", 101);
    auto records = h.out->read_records_to_list();
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].value, "n1+null");
    EXPECT_EQ(records[1].value, "null+n2");
    EXPECT_EQ(records[2].value, "a1+r1");
    EXPECT_EQ(h.driver->dropped_records(), 0);
    // The null key stays null on the way out.
    h.driver->pipe_raw("left", std::nullopt, "n3", 100, {});
    auto raw = h.driver->read_raw("out");
    ASSERT_TRUE(raw);
    EXPECT_FALSE(raw->key.has_value());
  }
  {
    JoinHarness h(Kind::kInner, diff(10));
    h.driver->pipe_raw("left", std::nullopt, "n1", 100, {});
    h.l("a", "a1", 100);
    h.r("a", "r1", 101);
    EXPECT_EQ(h.read(), (Out{{"a", "a1+r1", 101}}));
    EXPECT_EQ(h.driver->dropped_records(), 1);
  }
}

TEST(StreamStreamJoin, SelfJoinMatchesEachRecordWithItselfAndItsNeighbours) {
  // Without topology optimization (Kafka Streams' default) a self-join is an ordinary join
  // of the stream with itself: a record is first the left side (finding earlier records),
  // then the right side (finding itself and earlier records as the left).
  StreamsBuilder builder;
  auto s = builder.stream<S, S>("events");
  s.join(
       s, [](const S& l, const S& r) { return l + "+" + r; }, diff(5))
      .to("out");
  const auto config = join_config();
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<S, S>("events");
  auto out = driver.create_output_topic<S, S>("out");
  in.pipe_input("a", "a1", 100);
  in.pipe_input("a", "a2", 103);
  in.pipe_input("a", "a3", 110);
  in.pipe_input("b", "b1", 100);
  in.pipe_input("a", "a4", 100);
  EXPECT_EQ(read_rows(out), (Out{{"a", "a1+a1", 100},
                                 {"a", "a2+a1", 103},
                                 {"a", "a1+a2", 103},
                                 {"a", "a2+a2", 103},
                                 {"a", "a3+a3", 110},
                                 {"a", "a4+a2", 103},
                                 {"a", "a2+a4", 103}}));
}

TEST(StreamStreamJoin, SelfLeftJoinNeverEmitsUnmatchedBecauseEveryRecordMeetsItself) {
  StreamsBuilder builder;
  auto s = builder.stream<S, S>("events");
  s.left_join(
       s, [](const S& l, const OS& r) { return l + "+" + show(r); }, diff(5))
      .to("out");
  const auto config = join_config();
  TopologyTestDriver driver(builder.build(config), config);
  auto in = driver.create_input_topic<S, S>("events");
  auto out = driver.create_output_topic<S, S>("out");
  in.pipe_input("a", "a1", 100);
  in.pipe_input("a", "a2", 103);
  in.pipe_input("b", "b1", 120);
  EXPECT_EQ(read_rows(out), (Out{{"a", "a1+a1", 100},
                                 {"a", "a2+a1", 103},
                                 {"a", "a1+a2", 103},
                                 {"a", "a2+a2", 103},
                                 {"b", "b1+b1", 120}}));
}

TEST(StreamStreamJoin, JoinerMayTakeTheKeyAndChangeTheValueType) {
  StreamsBuilder builder;
  auto clicks = builder.stream<S, int64_t>("clicks");
  auto views = builder.stream<S, S>("views");
  clicks
      .join(
          views,
          [](const S& key, int64_t n, const S& page) {
            return key + ":" + page + ":" + std::to_string(n);
          },
          diff(10))
      .to("out");
  const auto config = join_config();
  TopologyTestDriver driver(builder.build(config), config);
  driver.create_input_topic<S, S>("views").pipe_input("u1", "home", 5);
  driver.create_input_topic<S, int64_t>("clicks").pipe_input("u1", 3, 7);
  auto out = driver.create_output_topic<S, S>("out");
  EXPECT_EQ(read_rows(out), (Out{{"u1", "u1:home:3", 7}}));
}

TEST(StreamStreamJoin, GeneratedNamesStoresAndChangelogsAreKafkaStreams) {
  // The same names Kafka Streams 4.4 describes for this topology (a re-keyed left side).
  StreamsBuilder builder;
  auto left = builder.stream<S, S>("left");
  auto right = builder.stream<S, S>("right");
  left.select_key([](const S&, const S& v) { return v; })
      .left_join(
          right, [](const S& l, const OS& r) { return l + show(r); }, diff(10, 5))
      .to("out");
  const auto topology = builder.build(join_config());
  EXPECT_EQ(topology.repartition_topics(),
            (std::set<S>{"join-app-KSTREAM-KEY-SELECT-0000000002-repartition"}));
  EXPECT_EQ(topology.changelog_topics(),
            (std::set<S>{"join-app-KSTREAM-JOINTHIS-0000000008-store-changelog",
                         "join-app-KSTREAM-OUTEROTHER-0000000009-store-changelog",
                         "join-app-KSTREAM-OUTERSHARED-0000000008-store-changelog"}));
  const std::string described = topology.describe();
  for (const char* name :
       {"KSTREAM-WINDOWED-0000000006", "KSTREAM-WINDOWED-0000000007", "KSTREAM-JOINTHIS-0000000008",
        "KSTREAM-OUTEROTHER-0000000009", "KSTREAM-MERGE-0000000010"}) {
    EXPECT_NE(described.find(name), std::string::npos) << name << "\n" << described;
  }
  const auto& stores = topology.plan().stores;
  const auto& window = stores.at("KSTREAM-JOINTHIS-0000000008-store").spec;
  EXPECT_EQ(window.kind, StoreKind::kWindow);
  EXPECT_TRUE(window.retain_duplicates);
  EXPECT_EQ(window.retention_ms, 25);  // before + after + grace
  EXPECT_EQ(window.window_size_ms, 20);
  EXPECT_EQ(changelog_topic_configs(window).at("cleanup.policy"), "delete");
  const auto& outer = stores.at("KSTREAM-OUTERSHARED-0000000008-store").spec;
  EXPECT_EQ(outer.kind, StoreKind::kKeyValue);
  EXPECT_EQ(changelog_topic_configs(outer).at("cleanup.policy"), "compact");
}

TEST(StreamStreamJoin, StreamJoinedNamesProcessorsStoresAndRepartitionTopics) {
  StreamsBuilder builder;
  auto left = builder.stream<S, S>("left");
  auto right = builder.stream<S, S>("right");
  left.outer_join(
          right.select_key([](const S&, const S& v) { return v; }),
          [](const OS& l, const OS& r) { return show(l) + show(r); }, diff(10),
          StreamJoined<S, S, S>::with(serdes::string(), serdes::string(), serdes::string())
              .with_name("attr")
              .with_store_name("st")
              .with_logging_enabled({{"min.insync.replicas", "2"}}))
      .to("out");
  const auto topology = builder.build(join_config());
  EXPECT_EQ(topology.repartition_topics(), (std::set<S>{"join-app-attr-right-repartition"}));
  EXPECT_EQ(topology.changelog_topics(),
            (std::set<S>{"join-app-st-outer-this-join-store-changelog",
                         "join-app-st-outer-other-join-store-changelog",
                         "join-app-st-outer-shared-join-store-changelog"}));
  const std::string described = topology.describe();
  for (const char* name : {"attr-this-windowed", "attr-other-windowed", "attr-outer-this-join",
                           "attr-outer-other-join", "attr-merge"}) {
    EXPECT_NE(described.find(name), std::string::npos) << name << "\n" << described;
  }
  const auto& spec = topology.plan().stores.at("st-outer-this-join-store").spec;
  EXPECT_EQ(changelog_topic_configs(spec).at("min.insync.replicas"), "2");
}

TEST(StreamStreamJoin, LoggingDisabledAndInMemoryStoresHaveNoChangelogs) {
  StreamsBuilder builder;
  add_join(builder, Kind::kLeft, diff(10),
           StreamJoined<S, S, S>::as("j").with_logging_disabled().with_in_memory());
  const auto topology = builder.build(join_config());
  EXPECT_TRUE(topology.changelog_topics().empty());
  EXPECT_FALSE(topology.plan().stores.at("j-this-join-store").spec.persistent);
  EXPECT_FALSE(topology.plan().stores.at("j-left-shared-join-store").spec.persistent);
}

TEST(StreamStreamJoin, JoinedInputsMustBeCoPartitioned) {
  StreamsBuilder builder;
  add_join(builder, Kind::kInner, diff(10));
  const auto config = join_config();
  const auto topology = builder.build(config);
  test::expect_error<TopologyError>(
      [&] {
        topology.validate_partitions({{"left", 4}, {"right", 8}});
      },
      "right");
  test::expect_error<TopologyError>(
      [&] {
        TopologyTestDriver driver(topology, config,
                                  {.topic_partitions = {{"left", 2}, {"right", 3}}});
      },
      "left");
}

TEST(StreamStreamJoin, AReKeyedSideIsRepartitionedAndEveryPairJoinsAcrossPartitions) {
  StreamsBuilder builder;
  auto orders = builder.stream<S, S>("orders");  // key: order id, value: customer
  auto visits = builder.stream<S, S>("visits");  // key: customer
  orders.select_key([](const S&, const S& customer) { return customer; })
      .join(
          visits, [](const S& c, const S& page) { return c + "@" + page; }, diff(100))
      .to("out");
  const auto config = join_config();
  TopologyTestDriver driver(builder.build(config), config, {.partitions_per_topic = 4});
  auto o = driver.create_input_topic<S, S>("orders");
  auto v = driver.create_input_topic<S, S>("visits");
  auto out = driver.create_output_topic<S, S>("out");
  for (int c = 0; c < 20; ++c) v.pipe_input("c" + std::to_string(c), "p" + std::to_string(c), 10);
  for (int i = 0; i < 20; ++i)
    o.pipe_input("order-" + std::to_string(i), "c" + std::to_string(i), 20);
  auto rows = out.read_key_values_to_map();
  ASSERT_EQ(rows.size(), 20u);
  for (int c = 0; c < 20; ++c) {
    const S key = "c" + std::to_string(c);
    EXPECT_EQ(rows.at(key), key + "@p" + std::to_string(c));
  }
}

TEST(StreamStreamJoin, ARestartedJoinFindsItsStoredRecordsAndKeepsEveryDuplicate) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("eddy-join-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const auto config = join_config();
  auto run = [&](auto&& steps) {
    StreamsBuilder builder;
    add_join(builder, Kind::kInner, diff(10));
    TopologyTestDriver driver(builder.build(config), config, {.state_dir = dir.string()});
    auto left = driver.create_input_topic<S, S>("left");
    auto right = driver.create_input_topic<S, S>("right");
    auto out = driver.create_output_topic<S, S>("out");
    steps(left, right);
    return read_rows(out);
  };
  EXPECT_EQ(run([](auto& left, auto&) {
              left.pipe_input("a", "a1", 100);
              left.pipe_input("a", "a2", 100);  // same key and time: a duplicate kept
            }),
            Out{});
  // After the restart the store continues numbering its duplicates after the ones it has,
  // so a third record at the same key and time overwrites neither.
  EXPECT_EQ(run([](auto& left, auto& right) {
              left.pipe_input("a", "a3", 100);
              right.pipe_input("a", "r", 105);
            }),
            (Out{{"a", "a1+r", 105}, {"a", "a2+r", 105}, {"a", "a3+r", 105}}));
  std::filesystem::remove_all(dir);
}

TEST(JoinWindowsTest, RejectsANegativeWindowOrGrace) {
  test::expect_error<TopologyError>([] { (void)diff(10).before(-11ms); }, "must not be negative");
  test::expect_error<TopologyError>([] { (void)diff(-1); }, "must not be negative");
  test::expect_error<TopologyError>([] { (void)diff(10, -1); }, "grace");
  const auto w = diff(30, 5).after(0ms);
  EXPECT_EQ(w.before_ms(), 30);
  EXPECT_EQ(w.after_ms(), 0);
  EXPECT_EQ(w.size_ms(), 30);
  EXPECT_EQ(w.retention_ms(), 35);
}

TEST(JoinConfig, EmitIntervalIsKafkaStreamsInternalKey) {
  const auto config = StreamsConfig::from_properties(
      {{"application.id", "a"},
       {"__emit.interval.ms.kstreams.outer.join.spurious.results.fix__", "0"}});
  EXPECT_EQ(config.outer_join_emit_interval, 0ms);
  EXPECT_EQ(StreamsConfig().outer_join_emit_interval, 1000ms);
  test::expect_error<ConfigError>(
      [] {
        StreamsConfig::from_properties(
            {{"application.id", "a"},
             {"__emit.interval.ms.kstreams.outer.join.spurious.results.fix__", "-1"}});
      },
      "__emit.interval.ms");
}

}  // namespace
}  // namespace eddy
