// Foreign-key table-table joins (KIP-213): order lines keyed by line id joined to products by
// SKU. Every output record is asserted (key, value or delete, timestamp), with foreign-key
// changes, deletes on both sides, null foreign keys and out-of-date responses.
#include <gtest/gtest.h>

#include "dsl_test_support.h"
#include "eddy/detail/nodes/foreign_key_join_nodes.h"

namespace eddy {
namespace {

using test::read_rows;
using test::Rows;
using test::test_config;

// An order line "sku:qty"; "none:qty" names no product.
std::optional<std::string> sku_of(const std::string& line) {
  auto sku = line.substr(0, line.find(':'));
  if (sku == "none") return std::nullopt;
  return sku;
}
int64_t qty_of(const std::string& line) {
  return std::stoll(line.substr(line.find(':') + 1));
}

TEST(KTableForeignKeyJoin, FollowsForeignKeyChangesAndDeletesOnBothSides) {
  StreamsBuilder builder;
  auto lines = builder.table<std::string, std::string>("lines");
  auto prices = builder.table<std::string, int64_t>("prices");
  lines
      .join(
          prices, sku_of,
          [](const std::string& line, int64_t price) { return qty_of(line) * price; },
          Materialized<std::string, int64_t>::as("line-totals"))
      .to_stream()
      .to("totals");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto l = driver.create_input_topic<std::string, std::string>("lines");
  auto p = driver.create_input_topic<std::string, int64_t>("prices");
  p.pipe_input("p1", 10, 1);         // no subscriber yet: nothing
  l.pipe_input("o1", "p1:2", 2);     // joins the price of time 1: 20 @ max(2, 1)
  l.pipe_input("o2", "p2:1", 3);     // no product p2 yet: nothing (inner)
  p.pipe_input("p2", 5, 4);          // o2 subscribed: 5
  p.pipe_input("p1", 11, 5);         // o1: 22
  l.pipe_input("o1", "p2:3", 6);     // moves to p2: 15
  p.pipe_input("p1", 12, 7);         // o1 left p1: nothing
  l.pipe_input("o1", "p3:1", 8);     // p3 does not exist: the result is deleted
  p.pipe_tombstone("p2", 9);         // o2's product is gone: deleted
  l.pipe_tombstone("o2", 10);        // o2 itself: deleted again (a KTableSource forwards it)
  l.pipe_input("o4", "none:1", 11);  // no foreign key: dropped and counted (inner)
  auto totals = driver.create_output_topic<std::string, int64_t>("totals");
  EXPECT_EQ(read_rows(totals), (Rows<std::string, int64_t>{{"o1", 20, 2},
                                                           {"o2", 5, 4},
                                                           {"o1", 22, 5},
                                                           {"o1", 15, 6},
                                                           {"o1", std::nullopt, 8},
                                                           {"o2", std::nullopt, 9},
                                                           {"o2", std::nullopt, 10}}));
  auto store = driver.key_value_store<std::string, int64_t>("line-totals");
  EXPECT_EQ(store.get("o1"), std::nullopt);
  EXPECT_EQ(driver.dropped_records(), 1);
}

TEST(KTableForeignKeyLeftJoin, KeepsEveryLineWithOrWithoutAProduct) {
  StreamsBuilder builder;
  auto lines = builder.table<std::string, std::string>("lines");
  auto prices = builder.table<std::string, int64_t>("prices");
  lines
      .left_join(prices, sku_of,
                 [](const std::string& line, const std::optional<int64_t>& price) {
                   return line + "=" + (price ? std::to_string(*price) : "?");
                 })
      .to_stream()
      .to("priced");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto l = driver.create_input_topic<std::string, std::string>("lines");
  auto p = driver.create_input_topic<std::string, int64_t>("prices");
  l.pipe_input("o1", "p1:2", 1);    // no product: o1=p1:2=?
  p.pipe_input("p1", 10, 2);        // o1=p1:2=10
  l.pipe_input("o2", "none:1", 3);  // no foreign key: o2=none:1=?
  l.pipe_input("o1", "p2:2", 4);    // moved to an absent product: o1=p2:2=?
  p.pipe_input("p2", 7, 5);         // o1=p2:2=7
  p.pipe_tombstone("p2", 6);        // o1=p2:2=?
  l.pipe_tombstone("o1", 7);        // deleted
  p.pipe_input("p2", 8, 8);         // o1 unsubscribed: nothing
  auto out = driver.create_output_topic<std::string, std::string>("priced");
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"o1", "p1:2=?", 1},
                                                            {"o1", "p1:2=10", 2},
                                                            {"o2", "none:1=?", 3},
                                                            {"o1", "p2:2=?", 4},
                                                            {"o1", "p2:2=7", 5},
                                                            {"o1", "p2:2=?", 6},
                                                            {"o1", std::nullopt, 7}}));
  EXPECT_EQ(driver.dropped_records(), 0);
}

TEST(KTableForeignKeyJoin, DropsAResponseToAnOlderVersionOfThePrimaryRow) {
  StreamsBuilder builder;
  auto lines = builder.table<std::string, std::string>("lines");
  auto prices = builder.table<std::string, int64_t>("prices");
  lines
      .join(
          prices, sku_of,
          [](const std::string& line, int64_t price) { return qty_of(line) * price; }, {},
          Named::as("line-prices"))
      .to_stream()
      .to("totals");
  const Topology topology = builder.build(test_config());
  EXPECT_EQ(topology.repartition_topics(),
            (std::set<std::string>{"app-line-prices-subscription-registration-topic",
                                   "app-line-prices-subscription-response-topic"}));
  TopologyTestDriver driver(topology, test_config());
  auto l = driver.create_input_topic<std::string, std::string>("lines");
  auto p = driver.create_input_topic<std::string, int64_t>("prices");
  p.pipe_input("p1", 10, 1);
  l.pipe_input("o1", "p1:2", 2);
  l.pipe_input("o1", "p1:3", 3);
  // A response still in flight for o1's first version (as when o1 changed while its first
  // subscription was answered) arrives late: its hash is of "p1:2", o1 is now "p1:3".
  const auto serde = detail::fk_response_serde(serdes::int64());
  detail::FkResponse<int64_t> stale;
  stale.hash = detail::murmur3_128("p1:2");
  stale.foreign_value = 99;
  driver.pipe_raw("app-line-prices-subscription-response-topic", Bytes("o1"), serde.to_bytes(stale),
                  4, {});
  detail::FkResponse<int64_t> fresh = stale;
  fresh.hash = detail::murmur3_128("p1:3");
  driver.pipe_raw("app-line-prices-subscription-response-topic", Bytes("o1"), serde.to_bytes(fresh),
                  5, {});
  auto totals = driver.create_output_topic<std::string, int64_t>("totals");
  EXPECT_EQ(read_rows(totals),
            (Rows<std::string, int64_t>{{"o1", 20, 2}, {"o1", 30, 3}, {"o1", 297, 5}}));
  EXPECT_EQ(driver.dropped_records(), 1);
}

TEST(KTableForeignKeyJoin, RunsAcrossPartitionsWithSubscriptionsOnTheForeignKeysPartition) {
  StreamsBuilder builder;
  auto lines = builder.table<std::string, std::string>("lines");
  auto prices = builder.table<std::string, int64_t>("prices");
  lines
      .join(
          prices, sku_of,
          [](const std::string& line, int64_t price) { return qty_of(line) * price; },
          Materialized<std::string, int64_t>::as("line-totals"))
      .to_stream()
      .to("totals");
  TopologyTestDriver driver(builder.build(test_config()), test_config(),
                            {.partitions_per_topic = 4});
  auto l = driver.create_input_topic<std::string, std::string>("lines");
  auto p = driver.create_input_topic<std::string, int64_t>("prices");
  std::map<std::string, int64_t> price;
  std::map<std::string, std::string> line;
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 0) {
      const std::string sku = "p" + std::to_string(i % 7);
      price[sku] = i;
      p.pipe_input(sku, i, i);
    } else {
      const std::string id = "o" + std::to_string(i % 13);
      line[id] = "p" + std::to_string(i % 5) + ":" + std::to_string(i % 4 + 1);
      l.pipe_input(id, line[id], i);
    }
  }
  auto store = driver.key_value_store<std::string, int64_t>("line-totals");
  for (const auto& [id, value] : line) {
    auto it = price.find(*sku_of(value));
    const std::optional<int64_t> expected =
        it == price.end() ? std::nullopt : std::optional<int64_t>(qty_of(value) * it->second);
    EXPECT_EQ(store.get(id), expected) << id;
  }
  EXPECT_EQ(driver.dropped_records(), 0);
}

TEST(KTableForeignKeyJoin, APrimaryTableFromARepartitionGetsCoPartitionedResponses) {
  // The primary table is a count of a re-keyed stream, so its topic is a repartition topic:
  // it and the response topic both take the larger partition count (the foreign table's).
  StreamsBuilder builder;
  auto counts = builder.stream<std::string, std::string>("views")
                    .select_key([](const std::string&, const std::string& sku) { return sku; })
                    .group_by_key(Grouped<std::string, std::string>::with_name("by-sku"))
                    .count();
  auto names = builder.table<std::string, std::string>("names");
  counts
      .join(
          names, [](const std::string& sku, int64_t) { return sku; },
          [](int64_t n, const std::string& name) { return name + "=" + std::to_string(n); }, {},
          Named::as("named-counts"))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config(),
                            {.topic_partitions = {{"views", 2}, {"names", 3}, {"out", 1}}});
  EXPECT_EQ(driver.partitions("app-by-sku-repartition"), 3);
  EXPECT_EQ(driver.partitions("app-named-counts-subscription-response-topic"), 3);
  EXPECT_EQ(driver.partitions("app-named-counts-subscription-registration-topic"), 3);
  auto n = driver.create_input_topic<std::string, std::string>("names");
  auto v = driver.create_input_topic<std::string, std::string>("views");
  n.pipe_input("s1", "socks", 1);
  v.pipe_input("u1", "s1", 2);
  v.pipe_input("u2", "s1", 3);
  auto out = driver.create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, std::string>{{"s1", "socks=1", 2}, {"s1", "socks=2", 3}}));
}

TEST(Murmur3, MatchesTheReferenceVectors) {
  // MurmurHash3_x64_128 of "" with seed 0 is 0; of "hello" with seed 0, h1 as the reference.
  EXPECT_EQ(detail::murmur3_128("", 0), (detail::ValueHash{0, 0}));
  EXPECT_EQ(detail::murmur3_128("hello", 0)[0], 0xcbd8a7b341bd9b02ULL);
  EXPECT_EQ(detail::murmur3_128("The quick brown fox jumps over the lazy dog", 0)[0],
            0xe34bbc7bbc071b6cULL);
  // With Kafka Streams' seed the hashes are its Murmur3.hash128's (printed by Kafka Streams
  // 4.4), so a value hashes the same in both.
  EXPECT_EQ(detail::murmur3_128(""),
            (detail::ValueHash{0x9d2764a018e32942ULL, 0x8c3cf3b035938518ULL}));
  EXPECT_EQ(detail::murmur3_128("p1:2"),
            (detail::ValueHash{0xb35525e30c804577ULL, 0x39c9da0663fc69abULL}));
  EXPECT_EQ(detail::murmur3_128("The quick brown fox jumps over the lazy dog"),
            (detail::ValueHash{0xe74c5921af0f99c8ULL, 0xb7f85ec81df06726ULL}));
}

}  // namespace
}  // namespace eddy
