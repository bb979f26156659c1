// Tables kept in versioned stores (KIP-914): out-of-order updates are versions, stream-table
// joins look the table up as of each record's timestamp (and wait a grace period for late
// updates), and table operators downstream use Kafka Streams' versioned semantics.
#include <gtest/gtest.h>

#include <chrono>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using std::chrono::milliseconds;
using test::read_rows;
using test::Rows;
using test::test_config;

KTable<std::string, int64_t> versioned_prices(StreamsBuilder& builder, int64_t retention_ms) {
  return builder.table<std::string, int64_t>(
      "prices", {},
      Materialized<std::string, int64_t>::as_versioned("prices-store", milliseconds(retention_ms)));
}

TEST(VersionedKTable, ForwardsOutOfOrderVersionsAndDropsThoseOlderThanTheRetention) {
  StreamsBuilder builder;
  versioned_prices(builder, 100).to_stream().to("changes");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto prices = driver.create_input_topic<std::string, int64_t>("prices");
  prices.pipe_input("p1", 10, 100);
  prices.pipe_input("p1", 12, 200);
  prices.pipe_input("p1", 11, 150);  // out of order, within the retention: a version
  prices.pipe_input("p1", 9, 50);    // older than 200 - 100: refused, dropped
  prices.pipe_tombstone("p2", 180);
  auto changes = driver.create_output_topic<std::string, int64_t>("changes");
  EXPECT_EQ(read_rows(changes),
            (Rows<std::string, int64_t>{
                {"p1", 10, 100}, {"p1", 12, 200}, {"p1", 11, 150}, {"p2", std::nullopt, 180}}));
  EXPECT_EQ(driver.dropped_records(), 1);
  // Queries see the latest versions.
  auto store = driver.key_value_store<std::string, int64_t>("prices-store");
  EXPECT_EQ(store.get("p1"), 12);
}

TEST(VersionedKTable, StreamJoinLooksTheTableUpAsOfEachRecordsTimestamp) {
  StreamsBuilder builder;
  auto prices = versioned_prices(builder, 1'000);
  auto clicks = builder.stream<std::string, int64_t>("clicks");
  auto describe = [](int64_t click, int64_t price) {
    return std::to_string(click) + ":" + std::to_string(price);
  };
  clicks.join(prices, describe).to("joined");
  clicks
      .left_join(prices,
                 [](int64_t click, const std::optional<int64_t>& price) {
                   return std::to_string(click) + ":" + (price ? std::to_string(*price) : "none");
                 })
      .to("left-joined");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto p = driver.create_input_topic<std::string, int64_t>("prices");
  auto c = driver.create_input_topic<std::string, int64_t>("clicks");
  p.pipe_input("p1", 10, 100);
  p.pipe_input("p1", 12, 200);
  c.pipe_input("p1", 150, 150);  // the price valid at 150: 10
  c.pipe_input("p1", 250, 250);  // 12
  c.pipe_input("p1", 50, 50);    // no price yet at 50
  p.pipe_input("p1", 11, 120);   // a late price update, valid 120..200
  c.pipe_input("p1", 130, 130);  // 11
  auto joined = driver.create_output_topic<std::string, std::string>("joined");
  EXPECT_EQ(read_rows(joined),
            (Rows<std::string, std::string>{
                {"p1", "150:10", 150}, {"p1", "250:12", 250}, {"p1", "130:11", 130}}));
  auto left = driver.create_output_topic<std::string, std::string>("left-joined");
  EXPECT_EQ(read_rows(left), (Rows<std::string, std::string>{{"p1", "150:10", 150},
                                                             {"p1", "250:12", 250},
                                                             {"p1", "50:none", 50},
                                                             {"p1", "130:11", 130}}));
}

TEST(VersionedKTable, StreamJoinWithAGracePeriodWaitsForLateTableUpdates) {
  StreamsBuilder builder;
  auto prices = versioned_prices(builder, 1'000);
  builder.stream<std::string, int64_t>("clicks")
      .join(
          prices,
          [](int64_t click, int64_t price) {
            return std::to_string(click) + ":" + std::to_string(price);
          },
          Joined::with_grace_period(milliseconds(50)).with_name("priced-clicks"))
      .to("joined");
  const Topology topology = builder.build(test_config());
  EXPECT_EQ(topology.changelog_topics().count("app-priced-clicks-Buffer-changelog"), 1u);
  TopologyTestDriver driver(topology, test_config());
  auto p = driver.create_input_topic<std::string, int64_t>("prices");
  auto c = driver.create_input_topic<std::string, int64_t>("clicks");
  p.pipe_input("p1", 10, 100);
  c.pipe_input("p1", 150, 150);  // waits until the buffer's time reaches 200
  p.pipe_input("p1", 12, 140);   // a late update the waiting click will see
  c.pipe_input("p1", 160, 160);  // waits
  c.pipe_input("p1", 210, 210);  // time 210: 150 and 160 are due, joined as of their times
  c.pipe_input("p1", 100, 100);  // older than 210 - 50: joined at once, as of 100
  p.pipe_input("p1", 20, 205);
  c.pipe_input("p1", 260, 260);  // 210 is due: sees the update of 205
  auto joined = driver.create_output_topic<std::string, std::string>("joined");
  EXPECT_EQ(read_rows(joined), (Rows<std::string, std::string>{{"p1", "150:12", 150},
                                                               {"p1", "160:12", 160},
                                                               {"p1", "100:10", 100},
                                                               {"p1", "210:20", 210}}));
}

TEST(VersionedKTable, TableJoinsAndGroupBySkipOutOfOrderUpdates) {
  StreamsBuilder builder;
  auto t1 = builder.table<std::string, int64_t>(
      "t1", {}, Materialized<std::string, int64_t>::as_versioned("t1-store", milliseconds(1'000)));
  auto t2 = builder.table<std::string, int64_t>("t2");
  t1.join(t2, [](int64_t a, int64_t b) { return a * 100 + b; }).to_stream().to("joined");
  t1.group_by([](const std::string&, int64_t v) {
      return std::make_pair(std::string(v % 2 == 0 ? "even" : "odd"), v);
    })
      .count()
      .to_stream()
      .to("parity");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto a = driver.create_input_topic<std::string, int64_t>("t1");
  auto b = driver.create_input_topic<std::string, int64_t>("t2");
  b.pipe_input("k", 1, 1);
  a.pipe_input("k", 10, 10);
  a.pipe_input("k", 5, 5);  // out of order: the join drops it (counted), group_by skips it
  a.pipe_input("k", 7, 20);
  auto joined = driver.create_output_topic<std::string, int64_t>("joined");
  EXPECT_EQ(read_rows(joined), (Rows<std::string, int64_t>{{"k", 1001, 10}, {"k", 701, 20}}));
  auto parity = driver.create_output_topic<std::string, int64_t>("parity");
  EXPECT_EQ(read_rows(parity),
            (Rows<std::string, int64_t>{{"even", 1, 10}, {"even", 0, 20}, {"odd", 1, 20}}));
  EXPECT_EQ(driver.dropped_records(), 1);
}

TEST(VersionedKTable, FilterForwardsEveryUpdateMarkingOutOfOrderOnes) {
  StreamsBuilder builder;
  versioned_prices(builder, 1'000)
      .filter([](const std::string&, int64_t v) { return v >= 10; })
      .to_stream()
      .to("big");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto p = driver.create_input_topic<std::string, int64_t>("prices");
  p.pipe_input("a", 5, 10);  // never matched: a delete all the same (versioned semantics)
  p.pipe_input("a", 12, 20);
  p.pipe_input("a", 3, 15);  // out of order: forwarded as the delete it filters to
  p.pipe_input("a", 30, 30);
  auto big = driver.create_output_topic<std::string, int64_t>("big");
  EXPECT_EQ(read_rows(big),
            (Rows<std::string, int64_t>{
                {"a", std::nullopt, 10}, {"a", 12, 20}, {"a", std::nullopt, 15}, {"a", 30, 30}}));
}

TEST(VersionedKTable, ATtlDeletesKeysNotUpdatedForItsDurationDownstreamToo) {
  StreamsBuilder builder;
  builder
      .table<std::string, int64_t>(
          "prices", {},
          Materialized<std::string, int64_t>::as_versioned("prices-store", milliseconds(1'000))
              .with_ttl({.ttl = milliseconds(100), .clock = TtlClock::kEventTime}))
      .to_stream()
      .to("changes");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto prices = driver.create_input_topic<std::string, int64_t>("prices");
  prices.pipe_input("p1", 10, 10);
  prices.pipe_input("p2", 20, 60);
  // Stream time 130: p1 (written at 10, TTL 100) expires at 110, inside p2's write (so its
  // delete goes first).
  prices.pipe_input("p2", 21, 130);
  auto changes = driver.create_output_topic<std::string, int64_t>("changes");
  EXPECT_EQ(read_rows(changes),
            (Rows<std::string, int64_t>{
                {"p1", 10, 10}, {"p2", 20, 60}, {"p1", std::nullopt, 110}, {"p2", 21, 130}}));
  auto store = driver.key_value_store<std::string, int64_t>("prices-store");
  EXPECT_EQ(store.get("p1"), std::nullopt);
}

TEST(VersionedKTable, RefusesWhatKafkaStreamsRefuses) {
  {
    StreamsBuilder builder;
    auto plain = builder.table<std::string, int64_t>("prices");
    builder.stream<std::string, int64_t>("clicks")
        .join(
            plain, [](int64_t a, int64_t b) { return a + b; },
            Joined::with_grace_period(milliseconds(10)))
        .to("out");
    test::expect_error<TopologyError>([&] { builder.build(test_config()); }, "not versioned");
  }
  {
    StreamsBuilder builder;
    auto filtered = versioned_prices(builder, 100).filter([](auto&, int64_t v) { return v > 0; });
    builder.stream<std::string, int64_t>("clicks")
        .join(filtered, [](int64_t a, int64_t b) { return a + b; })
        .to("out");
    test::expect_error<TopologyError>([&] { builder.build(test_config()); },
                                      "derived from a versioned table");
  }
  {
    StreamsBuilder builder;
    auto prices = versioned_prices(builder, 100);
    builder.stream<std::string, int64_t>("clicks")
        .join(
            prices, [](int64_t a, int64_t b) { return a + b; },
            Joined::with_grace_period(milliseconds(101)))
        .to("out");
    test::expect_error<TopologyError>([&] { builder.build(test_config()); },
                                      "longer than the history retention");
  }
  {
    StreamsBuilder builder;
    versioned_prices(builder, 100).suppress(Suppressed::until_time_limit(milliseconds(10)));
    test::expect_error<TopologyError>([&] { builder.build(test_config()); }, "not versioned");
  }
}

}  // namespace
}  // namespace eddy
