#include <gtest/gtest.h>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using test::read_rows;
using test::Rows;
using test::test_config;
using OptS = std::optional<std::string>;

struct Customer {
  std::string name;
  std::string tier;
};
void to_json(nlohmann::json& j, const Customer& c) {
  j = {{"name", c.name}, {"tier", c.tier}};
}
void from_json(const nlohmann::json& j, Customer& c) {
  j.at("name").get_to(c.name);
  j.at("tier").get_to(c.tier);
}

TEST(KTableSource, KeepsLatestValueAndTombstoneDeletesTheKey) {
  StreamsBuilder builder;
  builder
      .table<std::string, std::string>("users", {},
                                       Materialized<std::string, std::string>::as("users-store"))
      .to_stream()
      .to("users-changes");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto users = driver.create_input_topic<std::string, std::string>("users");
  users.pipe_input("u1", "ann", 1);
  users.pipe_input("u1", "anna", 2);
  users.pipe_input("u2", "bob", 3);
  users.pipe_tombstone("u1", 4);
  // Deleting a key the table never held is forwarded too, as Kafka Streams' KTableSource
  // does: operators downstream (an inner table-table join) react to it.
  users.pipe_tombstone("u9", 5);
  auto store = driver.key_value_store<std::string, std::string>("users-store");
  EXPECT_EQ(store.get("u1"), std::nullopt);
  EXPECT_EQ(store.get("u2"), "bob");
  EXPECT_EQ(store.get("u9"), std::nullopt);
  auto changes = driver.create_output_topic<std::string, OptS>("users-changes");
  EXPECT_EQ(read_rows(changes), (Rows<std::string, OptS>{{"u1", OptS("ann"), 1},
                                                         {"u1", OptS("anna"), 2},
                                                         {"u2", OptS("bob"), 3},
                                                         {"u1", std::nullopt, 4},
                                                         {"u9", std::nullopt, 5}}));
}

TEST(KTableFilter, ForwardsDeleteWhenARowStopsMatching) {
  StreamsBuilder builder;
  builder.table<std::string, int64_t>("scores")
      .filter([](const std::string&, int64_t s) { return s >= 10; },
              Materialized<std::string, int64_t>::as("high-scores"))
      .to_stream()
      .to("high");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto scores = driver.create_input_topic<std::string, int64_t>("scores");
  // Over a plain table() (not materialized in Kafka Streams' sense, so it sends no old
  // values) the filter forwards a delete for every rejected update (KTableFilter).
  scores.pipe_input("a", 5, 1);   // never matched: a delete all the same
  scores.pipe_input("b", 12, 2);  // matches
  scores.pipe_input("b", 3, 3);   // stops matching: delete
  auto high = driver.create_output_topic<std::string, int64_t>("high");
  EXPECT_EQ(read_rows(high), (Rows<std::string, int64_t>{
                                 {"a", std::nullopt, 1}, {"b", 12, 2}, {"b", std::nullopt, 3}}));
  auto store = driver.key_value_store<std::string, int64_t>("high-scores");
  EXPECT_EQ(store.all().size(), 0u);
}

// As Kafka Streams (KTableFilter with its materialized parent sending old values): a row that
// stops matching is deleted downstream once, and a row that never matched (or no longer does)
// sends nothing.
TEST(KTableFilter, OnACountDeletesARowThatStopsMatchingAndMapValuesPassesTheDelete) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("clicks")
      .group_by_key()
      .count(Materialized<std::string, int64_t>::as("clicks-per-user"))
      .filter([](const std::string&, int64_t n) { return n % 2 == 0; },
              Materialized<std::string, int64_t>::as("even-clicks"))
      .map_values([](const std::string& user, int64_t n) { return user + ":" + std::to_string(n); })
      .to_stream()
      .to("even-click-counts");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto clicks = driver.create_input_topic<std::string, std::string>("clicks");
  clicks.pipe_input("ann", "p1", 10);  // ann 1: never matched, nothing
  clicks.pipe_input("ann", "p2", 20);  // ann 2: matches
  clicks.pipe_input("bob", "p1", 25);  // bob 1: never matched, nothing
  clicks.pipe_input("ann", "p3", 30);  // ann 3: stops matching, delete
  clicks.pipe_input("ann", "p4", 40);  // ann 4: matches again
  clicks.pipe_input("ann", "p5", 50);  // ann 5: delete
  clicks.pipe_input("ann", "p6", 45);  // ann 6: matches, at 50 (the count's latest time)
  clicks.pipe_input("bob", "p2", 60);  // bob 2: matches
  auto out = driver.create_output_topic<std::string, std::string>("even-click-counts");
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"ann", "ann:2", 20},
                                                            {"ann", std::nullopt, 30},
                                                            {"ann", "ann:4", 40},
                                                            {"ann", std::nullopt, 50},
                                                            {"ann", "ann:6", 50},
                                                            {"bob", "bob:2", 60}}));
  auto counts = driver.key_value_store<std::string, int64_t>("clicks-per-user");
  EXPECT_EQ(counts.get("ann"), 6);
  EXPECT_EQ(counts.get("bob"), 2);
  auto even = driver.key_value_store<std::string, int64_t>("even-clicks");
  EXPECT_EQ(even.get("ann"), 6);
  EXPECT_EQ(even.get("bob"), 2);
}

TEST(KTableFilter, OnACountSendsNoDeleteForARowThatNeverMatched) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("clicks")
      .group_by_key()
      .count()
      .filter([](const std::string&, int64_t n) { return n >= 3; })
      .to_stream()
      .to("frequent");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto clicks = driver.create_input_topic<std::string, std::string>("clicks");
  clicks.pipe_input("ann", "p1", 1);
  clicks.pipe_input("ann", "p2", 2);
  clicks.pipe_input("bob", "p1", 3);
  clicks.pipe_input("ann", "p3", 4);
  clicks.pipe_input("ann", "p4", 5);
  auto out = driver.create_output_topic<std::string, int64_t>("frequent");
  EXPECT_EQ(read_rows(out), (Rows<std::string, int64_t>{{"ann", 3, 4}, {"ann", 4, 5}}));
}

TEST(KTableMapValues, MapsEveryRowAndPassesDeletes) {
  StreamsBuilder builder;
  builder.table<std::string, int64_t>("cents")
      .map_values([](int64_t c) { return static_cast<double>(c) / 100.0; })
      .to_stream()
      .to("dollars");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto cents = driver.create_input_topic<std::string, int64_t>("cents");
  cents.pipe_input("x", 250, 1);
  cents.pipe_input("y", 5, 3);
  cents.pipe_tombstone("x", 2);
  auto out = driver.create_output_topic<std::string, double>("dollars");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, double>{{"x", 2.5, 1}, {"y", 0.05, 3}, {"x", std::nullopt, 2}}));
}

TEST(KStreamKTableJoin, EnrichesStreamWithTableValueAsOfProcessingTime) {
  StreamsBuilder builder;
  auto customers = builder.table<std::string, Customer>("customers");
  builder.stream<std::string, int64_t>("orders")
      .join(customers,
            [](int64_t amount, const Customer& c) {
              return c.name + "(" + c.tier + "):" + std::to_string(amount);
            })
      .to("enriched");
  TopologyTestDriver driver(builder.build(test_config()), test_config(),
                            {.partitions_per_topic = 3});
  auto customer_in = driver.create_input_topic<std::string, Customer>("customers");
  auto orders = driver.create_input_topic<std::string, int64_t>("orders");
  auto enriched = driver.create_output_topic<std::string, std::string>("enriched");
  orders.pipe_input("c1", 10, 1);  // no customer yet: inner join drops it
  customer_in.pipe_input("c1", Customer{"Ann", "gold"}, 2);
  customer_in.pipe_input("c2", Customer{"Bob", "basic"}, 2);
  orders.pipe_input("c1", 20, 3);
  orders.pipe_input("c2", 5, 4);
  customer_in.pipe_input("c1", Customer{"Ann", "platinum"}, 5);
  orders.pipe_input("c1", 30, 6);
  EXPECT_EQ(read_rows(enriched), (Rows<std::string, std::string>{{"c1", "Ann(gold):20", 3},
                                                                 {"c2", "Bob(basic):5", 4},
                                                                 {"c1", "Ann(platinum):30", 6}}));
}

TEST(KStreamKTableLeftJoin, PassesNulloptWhenTheTableHasNoRow) {
  StreamsBuilder builder;
  auto names = builder.table<std::string, std::string>("names");
  builder.stream<std::string, int64_t>("events")
      .left_join(names,
                 [](int64_t v, const std::optional<std::string>& name) {
                   return name.value_or("?") + "=" + std::to_string(v);
                 })
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  driver.create_input_topic<std::string, std::string>("names").pipe_input("k1", "one", 50);
  auto events = driver.create_input_topic<std::string, int64_t>("events");
  events.pipe_input("k1", 1, 10);  // the result has the stream record's timestamp
  events.pipe_input("k2", 2, 20);
  events.pipe_input(3, 30);  // null key: finds no row, joined all the same (KIP-962)
  auto out = driver.create_output_topic<std::string, std::string>("out");
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].key, "k1");
  EXPECT_EQ(records[0].value, "one=1");
  EXPECT_EQ(records[1].value, "?=2");
  EXPECT_TRUE(records[2].null_key);  // the result keeps the null key
  EXPECT_EQ(records[2].value, "?=3");
  EXPECT_EQ(records[2].timestamp, 30);
  EXPECT_EQ(driver.dropped_records(), 0);
}

TEST(KStreamKTableJoin, InnerJoinDropsAndCountsNullKeyRecords) {
  StreamsBuilder builder;
  auto names = builder.table<std::string, std::string>("names");
  builder.stream<std::string, int64_t>("events")
      .join(names,
            [](int64_t v, const std::string& name) { return name + "=" + std::to_string(v); })
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  driver.create_input_topic<std::string, std::string>("names").pipe_input("k1", "one", 5);
  auto events = driver.create_input_topic<std::string, int64_t>("events");
  events.pipe_input(3, 30);        // null key: dropped, counted
  events.pipe_input("k9", 4, 40);  // no row: dropped, not counted (Kafka Streams alike)
  events.pipe_input("k1", 1, 50);
  auto out = driver.create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"k1", "one=1", 50}}));
  EXPECT_EQ(driver.dropped_records(), 1);
}

TEST(KStreamKTableJoin, RepartitionsARekeyedStreamBeforeJoining) {
  StreamsBuilder builder;
  auto names = builder.table<std::string, std::string>("names");
  builder.stream<std::string, std::string>("events")
      .select_key([](const std::string&, const std::string& v) { return v; })
      .join(names, [](const std::string& v, const std::string& n) { return v + "->" + n; })
      .to("out");
  const auto topology = builder.build(test_config());
  ASSERT_EQ(topology.repartition_topics().size(), 1u);
  TopologyTestDriver driver(topology, test_config(), {.partitions_per_topic = 4});
  auto names_in = driver.create_input_topic<std::string, std::string>("names");
  for (int i = 0; i < 8; ++i)
    names_in.pipe_input("id" + std::to_string(i), "name" + std::to_string(i));
  auto events = driver.create_input_topic<std::string, std::string>("events");
  for (int i = 0; i < 8; ++i) events.pipe_input("e" + std::to_string(i), "id" + std::to_string(i));
  auto out = driver.create_output_topic<std::string, std::string>("out");
  auto result = out.read_key_values_to_map();
  ASSERT_EQ(result.size(), 8u);
  EXPECT_EQ(result.at("id5"), "id5->name5");
}

TEST(KTableKTableJoin, UpdatesFromBothSidesAndDeletesWhenASideIsDeleted) {
  StreamsBuilder builder;
  auto left = builder.table<std::string, std::string>("left");
  auto right = builder.table<std::string, int64_t>("right");
  left.join(
          right, [](const std::string& l, int64_t r) { return l + ":" + std::to_string(r); },
          Materialized<std::string, std::string>::as("joined"))
      .to_stream()
      .to("joined-out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto l = driver.create_input_topic<std::string, std::string>("left");
  auto r = driver.create_input_topic<std::string, int64_t>("right");
  auto out = driver.create_output_topic<std::string, OptS>("joined-out");
  l.pipe_input("k", "a", 10);  // right missing: nothing
  r.pipe_input("k", 1, 20);    // right side update: a:1 at max(10, 20)
  l.pipe_input("k", "b", 15);  // left side update: b:1 at max(15, 20)
  r.pipe_tombstone("k", 30);   // right deleted: delete
  l.pipe_input("k", "c", 40);  // still no right: nothing
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].value, OptS("a:1"));
  EXPECT_EQ(records[0].timestamp, 20);
  EXPECT_EQ(records[1].value, OptS("b:1"));
  EXPECT_EQ(records[1].timestamp, 20);
  EXPECT_EQ(records[2].value, std::nullopt);
  EXPECT_EQ(records[2].timestamp, 30);
  auto joined = driver.key_value_store<std::string, std::string>("joined");
  EXPECT_EQ(joined.get("k"), std::nullopt);
}

TEST(KTableKTableLeftJoin, KeepsLeftRowsWithoutAMatch) {
  StreamsBuilder builder;
  auto left = builder.table<std::string, std::string>("left");
  auto right = builder.table<std::string, int64_t>("right");
  left.left_join(right,
                 [](const std::string& l, const std::optional<int64_t>& r) {
                   return l + ":" + (r ? std::to_string(*r) : "none");
                 })
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto l = driver.create_input_topic<std::string, std::string>("left");
  auto r = driver.create_input_topic<std::string, int64_t>("right");
  r.pipe_input("k", 7, 1);    // no left row: nothing
  l.pipe_input("k", "a", 2);  // a:7
  l.pipe_input("j", "b", 3);  // b:none
  r.pipe_tombstone("k", 4);   // a:none
  l.pipe_tombstone("j", 5);   // delete j
  auto out = driver.create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, std::string>{
                {"k", "a:7", 2}, {"j", "b:none", 3}, {"k", "a:none", 4}, {"j", std::nullopt, 5}}));
}

TEST(KTableKTableOuterJoin, EmitsWhileEitherSideHasTheKey) {
  StreamsBuilder builder;
  auto left = builder.table<std::string, std::string>("left");
  auto right = builder.table<std::string, std::string>("right");
  left.outer_join(right, [](const OptS& l,
                            const OptS& r) { return l.value_or("-") + "|" + r.value_or("-"); })
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto l = driver.create_input_topic<std::string, std::string>("left");
  auto r = driver.create_input_topic<std::string, std::string>("right");
  r.pipe_input("k", "R", 1);
  l.pipe_input("k", "L", 2);
  r.pipe_tombstone("k", 3);
  l.pipe_tombstone("k", 4);
  auto out = driver.create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, std::string>{
                {"k", "-|R", 1}, {"k", "L|R", 2}, {"k", "L|-", 3}, {"k", std::nullopt, 4}}));
}

// Issue 15's table-table cases, with Kafka Streams 4.4's outputs: a tombstone for a key a
// table does not hold still reaches the join.
TEST(KTableKTableJoin, DeleteOfAnAbsentRowDeletesTheResultWhileTheOtherSideHasTheKey) {
  StreamsBuilder builder;
  auto t1 = builder.table<std::string, int64_t>("t1");
  auto t2 = builder.table<std::string, int64_t>("t2");
  t1.join(t2, [](int64_t a, int64_t b) { return std::to_string(a) + "/" + std::to_string(b); })
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  driver.create_input_topic<std::string, int64_t>("t2").pipe_input("a", 7, 1000);
  driver.create_input_topic<std::string, int64_t>("t1").pipe_tombstone("a", 1001);
  auto out = driver.create_output_topic<std::string, OptS>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, OptS>{{"a", std::nullopt, 1001}}));
}

TEST(KTableKTableLeftJoin, DeleteOfAnAbsentRightRowRecomputesTheResult) {
  StreamsBuilder builder;
  auto t1 = builder.table<std::string, int64_t>("t1");
  auto t2 = builder.table<std::string, int64_t>("t2");
  t1.left_join(t2,
               [](int64_t a, const std::optional<int64_t>& b) {
                 return std::to_string(a) + "/" + (b ? std::to_string(*b) : "null");
               })
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto t1_in = driver.create_input_topic<std::string, int64_t>("t1");
  auto t2_in = driver.create_input_topic<std::string, int64_t>("t2");
  t1_in.pipe_input("a", 5, 1000);
  t2_in.pipe_tombstone("a", 1001);  // the right row never existed: a/null again, at 1001
  t1_in.pipe_tombstone("b", 1002);  // neither side ever had b: nothing
  t1_in.pipe_tombstone("a", 1003);  // a deleted: the result is deleted
  auto out = driver.create_output_topic<std::string, OptS>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, OptS>{{"a", OptS("5/null"), 1000},
                                                     {"a", OptS("5/null"), 1001},
                                                     {"a", std::nullopt, 1003}}));
}

TEST(KTableKTableOuterJoin, DeleteOfARowNeitherSideHoldsSendsNothing) {
  StreamsBuilder builder;
  auto t1 = builder.table<std::string, int64_t>("t1");
  auto t2 = builder.table<std::string, int64_t>("t2");
  t1.outer_join(t2,
                [](const std::optional<int64_t>& a, const std::optional<int64_t>& b) {
                  return (a ? std::to_string(*a) : "null") + "/" +
                         (b ? std::to_string(*b) : "null");
                })
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto t1_in = driver.create_input_topic<std::string, int64_t>("t1");
  auto t2_in = driver.create_input_topic<std::string, int64_t>("t2");
  t1_in.pipe_tombstone("a", 1);  // nothing anywhere: nothing
  t2_in.pipe_input("a", 2, 2);   // null/2
  t1_in.pipe_tombstone("a", 3);  // t1 never held a, but t2 does: null/2 again
  t2_in.pipe_tombstone("a", 4);  // now nothing is left: a delete
  auto out = driver.create_output_topic<std::string, OptS>("out");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, OptS>{
                {"a", OptS("null/2"), 2}, {"a", OptS("null/2"), 3}, {"a", std::nullopt, 4}}));
}

TEST(GlobalKTableJoin, NullSelectedKeyIsDroppedByInnerAndJoinedByLeft) {
  StreamsBuilder builder;
  auto prices = builder.global_table<std::string, int64_t>("prices");
  auto orders = builder.stream<std::string, std::string>("orders");
  auto sku = [](const std::string&, const std::string& v) -> std::optional<std::string> {
    if (v.empty()) return std::nullopt;  // no SKU: a null key
    return v;
  };
  orders
      .join(prices, sku,
            [](const std::string& v, int64_t p) { return v + "@" + std::to_string(p); })
      .to("inner");
  orders
      .left_join(prices, sku,
                 [](const std::string& v, const std::optional<int64_t>& p) {
                   return v + "@" + (p ? std::to_string(*p) : "?");
                 })
      .to("left");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  driver.create_input_topic<std::string, int64_t>("prices").pipe_input("s1", 3, 1);
  auto in = driver.create_input_topic<std::string, std::string>("orders");
  in.pipe_input("o1", "s1", 5);
  in.pipe_input("o2", "", 6);
  auto inner = driver.create_output_topic<std::string, std::string>("inner");
  auto left = driver.create_output_topic<std::string, std::string>("left");
  EXPECT_EQ(read_rows(inner), (Rows<std::string, std::string>{{"o1", "s1@3", 5}}));
  EXPECT_EQ(read_rows(left), (Rows<std::string, std::string>{{"o1", "s1@3", 5}, {"o2", "@?", 6}}));
  EXPECT_EQ(driver.dropped_records(), 1);  // the inner join's
}

TEST(GlobalKTableJoin, LooksUpAComputedKeyWithoutCoPartitioning) {
  StreamsBuilder builder;
  auto products = builder.global_table<std::string, double>("products");
  auto orders = builder.stream<std::string, std::string>("orders");  // value: sku
  orders
      .join(
          products, [](const std::string&, const std::string& sku) { return sku; },
          [](const std::string& sku, double price) { return sku + "@" + std::to_string(price); })
      .to("priced");
  orders
      .left_join(
          products, [](const std::string&, const std::string& sku) { return sku; },
          [](const std::string& sku, const std::optional<double>& price) {
            return sku + (price ? "+" : "-");
          })
      .to("checked");
  // Global topic with 1 partition, orders with 4: no co-partitioning required.
  TopologyTestDriver driver(builder.build(test_config()), test_config(),
                            {.partitions_per_topic = 4, .topic_partitions = {{"products", 1}}});
  auto product_in = driver.create_input_topic<std::string, double>("products");
  product_in.pipe_input("sku-1", 2.0, 100);
  auto order_in = driver.create_input_topic<std::string, std::string>("orders");
  order_in.pipe_input("o1", "sku-1", 7);  // results have the stream record's timestamp
  order_in.pipe_input("o2", "sku-404", 8);
  auto priced = driver.create_output_topic<std::string, std::string>("priced");
  EXPECT_EQ(read_rows(priced), (Rows<std::string, std::string>{{"o1", "sku-1@2.000000", 7}}));
  auto checked = driver.create_output_topic<std::string, std::string>("checked");
  EXPECT_EQ(read_rows(checked),
            (Rows<std::string, std::string>{{"o1", "sku-1+", 7}, {"o2", "sku-404-", 8}}));
  auto store = driver.key_value_store<std::string, double>("products-STATE-STORE-0000000000");
  EXPECT_EQ(store.get("sku-1"), 2.0);
}

TEST(CoPartitioning, JoinOfTopicsWithDifferentPartitionCountsFailsNamingBothTopics) {
  StreamsBuilder builder;
  auto names = builder.table<std::string, std::string>("names");
  builder.stream<std::string, int64_t>("events")
      .join(names, [](int64_t v, const std::string& n) { return n + std::to_string(v); })
      .to("out");
  const auto topology = builder.build(test_config());
  test::expect_error<TopologyError>(
      [&] {
        topology.validate_partitions({{"events", 4}, {"names", 2}});
      },
      "'KSTREAM-JOIN-0000000004' joins topics that are not co-partitioned: 'events' has 4 "
      "partitions but 'names' has 2");
  EXPECT_NO_THROW(topology.validate_partitions({{"events", 3}, {"names", 3}}));
  test::expect_error<TopologyError>(
      [&] {
        TopologyTestDriver driver(topology, test_config(),
                                  {.topic_partitions = {{"events", 4}, {"names", 2}}});
      },
      "not co-partitioned");
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

TEST(CoPartitioning, RepartitionTopicOfAJoinGetsThePartitionCountOfTheTable) {
  StreamsBuilder builder;
  auto names = builder.table<std::string, std::string>("names");
  builder.stream<std::string, std::string>("events")
      .select_key([](const std::string&, const std::string& v) { return v; })
      .join(
          names, [](const std::string& v, const std::string& n) { return v + n; },
          Named::as("by-name"))
      .to("out");
  const auto topology = builder.build(test::test_config());
  const auto counts = topology.repartition_partitions({{"events", 2}, {"names", 6}});
  EXPECT_EQ(counts, (std::map<std::string, int32_t>{{"app-by-name-repartition", 6}}));
  // The driver uses the same rule: events has 2 partitions, names 6, and the join works.
  TopologyTestDriver driver(topology, test::test_config(),
                            {.topic_partitions = {{"events", 2}, {"names", 6}}});
  auto names_in = driver.create_input_topic<std::string, std::string>("names");
  for (int i = 0; i < 12; ++i)
    names_in.pipe_input("id" + std::to_string(i), "-n" + std::to_string(i));
  auto events = driver.create_input_topic<std::string, std::string>("events");
  for (int i = 0; i < 12; ++i) events.pipe_input("e", "id" + std::to_string(i));
  auto out = driver.create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(out.read_key_values_to_map().size(), 12u);
}

TEST(CoPartitioning, AggregationRepartitionTopicGetsTheUpstreamSourceCount) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .group_by([](const std::string&, const std::string& v) { return v; },
                Grouped<std::string, std::string>::with_name("g"))
      .count();
  const auto topology = builder.build(test::test_config());
  EXPECT_EQ(topology.repartition_partitions({{"in", 5}}),
            (std::map<std::string, int32_t>{{"app-g-repartition", 5}}));
  test::expect_error<TopologyError>([&] { topology.repartition_partitions({}); },
                                    "partition count of topic 'in' is unknown");
}

}  // namespace
}  // namespace eddy
