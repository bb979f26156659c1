// KTable::group_by and KGroupedTable (count, reduce, aggregate): rows that move between
// groups are subtracted from the old group and added to the new one, as Kafka Streams'
// KTableRepartitionMap + KTableAggregate / KTableReduce. Every output record is asserted:
// key, value, timestamp.
#include <gtest/gtest.h>

#include "dsl_test_support.h"
#include "eddy/detail/nodes/table_aggregate_nodes.h"

namespace eddy {
namespace {

using test::read_rows;
using test::Rows;
using test::test_config;

std::pair<std::string, int64_t> category_and_stock(const std::string& value) {
  const auto colon = value.find(':');
  return {value.substr(0, colon), std::stoll(value.substr(colon + 1))};
}

TEST(KGroupedTableCount, MovesARowFromItsOldGroupToItsNewOne) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("customers")
      .group_by([](const std::string& id, const std::string& segment) {
        return std::make_pair(segment, id);
      })
      .count(Materialized<std::string, int64_t>::as("customers-per-segment"))
      .to_stream()
      .to("segment-sizes");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto customers = driver.create_input_topic<std::string, std::string>("customers");
  customers.pipe_input("c1", "gold", 1);
  customers.pipe_input("c2", "gold", 2);
  customers.pipe_input("c1", "silver", 3);  // leaves gold (first), joins silver
  customers.pipe_input("c1", "silver", 4);  // same group: one update, subtract then add
  customers.pipe_tombstone("c2", 5);        // gold falls to 0: stays 0, not deleted
  customers.pipe_tombstone("c9", 6);        // a row never held: nothing
  customers.pipe_input("c2", "gold", 7);
  auto out = driver.create_output_topic<std::string, int64_t>("segment-sizes");
  EXPECT_EQ(read_rows(out), (Rows<std::string, int64_t>{{"gold", 1, 1},
                                                        {"gold", 2, 2},
                                                        {"gold", 1, 3},
                                                        {"silver", 1, 3},
                                                        {"silver", 1, 4},
                                                        {"gold", 0, 5},
                                                        {"gold", 1, 7}}));
  auto store = driver.key_value_store<std::string, int64_t>("customers-per-segment");
  EXPECT_EQ(store.get("gold"), 1);
  EXPECT_EQ(store.get("silver"), 1);
  EXPECT_EQ(driver.dropped_records(), 0);
}

// With a record cache, a row moving between groups writes its old group, then its new one, in
// one record: Kafka Streams flushes the cache's dirty keys in the order of their last write,
// so the old group's update leaves first even when the new group's key sorts before it; each
// update carries the headers of the record that made it, not those of the commit.
TEST(KGroupedTableCount, WithACacheUpdatesLeaveInTheOrderOfTheirLastWriteWithTheirHeaders) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("customers")
      .group_by([](const std::string& id, const std::string& segment) {
        return std::make_pair(segment, id);
      })
      .count(Materialized<std::string, int64_t>::as("customers-per-segment").with_caching_enabled())
      .to_stream()
      .to("segment-sizes");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto customers = driver.create_input_topic<std::string, std::string>("customers");
  auto out = driver.create_output_topic<std::string, int64_t>("segment-sizes");
  customers.pipe_input("c1", "silver", 1, {{"trace", "r1"}});
  customers.pipe_input("c2", "silver", 2, {{"trace", "r2"}});
  driver.commit();
  customers.pipe_input("c1", "gold", 3, {{"trace", "r3"}});  // leaves silver, joins gold
  driver.commit();
  customers.pipe_input("c3", "gold", 4, {{"trace", "r4"}});
  customers.pipe_input("c4", "bronze", 5, {{"trace", "r5"}});
  customers.pipe_input("c5", "gold", 6, {{"trace", "r6"}});
  driver.commit();
  std::vector<std::tuple<std::string, int64_t, int64_t, Headers>> got;
  for (const auto& r : out.read_records_to_list())
    got.emplace_back(r.key, r.value.value_or(-1), r.timestamp, r.headers);
  using H = Headers;
  EXPECT_EQ(got, (std::vector<std::tuple<std::string, int64_t, int64_t, Headers>>{
                     {"silver", 2, 2, H{{"trace", "r2"}}},  // one update per commit
                     {"silver", 1, 3, H{{"trace", "r3"}}},  // written first by the move
                     {"gold", 1, 3, H{{"trace", "r3"}}},
                     {"bronze", 1, 5, H{{"trace", "r5"}}},  // gold was written last (r6)
                     {"gold", 3, 6, H{{"trace", "r6"}}}}));
}

TEST(KGroupedTableReduce, SubtractsTheOldValueAndAddsTheNewOneWithTheirTimestamps) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("products")
      .group_by([](const std::string&, const std::string& v) { return category_and_stock(v); })
      .reduce([](int64_t total, int64_t v) { return total + v; },
              [](int64_t total, int64_t v) -> std::optional<int64_t> {
                if (total - v == 0) return std::nullopt;  // an empty category is deleted
                return total - v;
              },
              Materialized<std::string, int64_t>::as("stock-per-category"))
      .to_stream()
      .to("stock");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto products = driver.create_input_topic<std::string, std::string>("products");
  products.pipe_input("a", "fruit:5", 10);
  products.pipe_input("b", "fruit:3", 12);
  products.pipe_input("a", "veg:5", 11);    // out of order: fruit keeps its time 12
  products.pipe_input("b", "fruit:4", 13);  // same group: 3 out, 4 in, one update
  products.pipe_tombstone("b", 14);         // fruit empty: deleted
  products.pipe_input("a", "fruit:2", 15);  // veg empty: deleted; fruit starts again at 2
  auto out = driver.create_output_topic<std::string, int64_t>("stock");
  EXPECT_EQ(read_rows(out), (Rows<std::string, int64_t>{{"fruit", 5, 10},
                                                        {"fruit", 8, 12},
                                                        {"fruit", 3, 12},
                                                        {"veg", 5, 11},
                                                        {"fruit", 4, 13},
                                                        {"fruit", std::nullopt, 14},
                                                        {"veg", std::nullopt, 15},
                                                        {"fruit", 2, 15}}));
  auto store = driver.key_value_store<std::string, int64_t>("stock-per-category");
  EXPECT_EQ(store.get("fruit"), 2);
  EXPECT_EQ(store.get("veg"), std::nullopt);
}

TEST(KGroupedTableAggregate, KeepsTheGroupsRowsAndSendsOldValuesDownstream) {
  // The aggregate's own changes feed a second re-grouping: it must send old values.
  StreamsBuilder builder;
  auto members = builder.table<std::string, std::string>("products")
                     .group_by([](const std::string& sku, const std::string& v) {
                       return std::make_pair(category_and_stock(v).first, sku);
                     })
                     .aggregate<std::string>([] { return std::string(); },
                                             [](const std::string&, const std::string& sku,
                                                const std::string& agg) { return agg + "+" + sku; },
                                             [](const std::string&, const std::string& sku,
                                                const std::string& agg) { return agg + "-" + sku; },
                                             Materialized<std::string, std::string>::with(
                                                 serdes::string(), serdes::string()));
  members.to_stream().to("members");
  members
      .group_by([](const std::string&, const std::string& agg) {
        return std::make_pair(std::string("all"), static_cast<int64_t>(agg.size()));
      })
      .reduce([](int64_t a, int64_t b) { return a + b; },
              [](int64_t a, int64_t b) { return a - b; })
      .to_stream()
      .to("total-length");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto products = driver.create_input_topic<std::string, std::string>("products");
  products.pipe_input("a", "fruit:1", 1);
  products.pipe_input("b", "veg:1", 2);
  products.pipe_input("a", "veg:1", 3);
  auto out = driver.create_output_topic<std::string, std::string>("members");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, std::string>{
                {"fruit", "+a", 1}, {"veg", "+b", 2}, {"fruit", "+a-a", 3}, {"veg", "+b+a", 3}}));
  // "all" is the sum of the members' string lengths: 2, 4, then (2 -> 4) and (2 -> 4).
  auto total = driver.create_output_topic<std::string, int64_t>("total-length");
  EXPECT_EQ(read_rows(total), (Rows<std::string, int64_t>{
                                  {"all", 2, 1}, {"all", 4, 2}, {"all", 6, 3}, {"all", 8, 3}}));
}

TEST(KGroupedTable, RepartitionsThroughATopicCarryingBothValues) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("customers")
      .group_by([](const std::string& id,
                   const std::string& segment) { return std::make_pair(segment, id); },
                Grouped<std::string, std::string>::with_name("by-segment"))
      .count()
      .to_stream()
      .to("sizes");
  const Topology topology = builder.build(test_config());
  EXPECT_EQ(topology.repartition_topics(), (std::set<std::string>{"app-by-segment-repartition"}));
  TopologyTestDriver driver(topology, test_config());
  auto customers = driver.create_input_topic<std::string, std::string>("customers");
  customers.pipe_input("c1", "gold", 1);
  customers.pipe_input("c1", "gold", 2);
  customers.pipe_input("c1", "silver", 3);
  const auto change = detail::change_serde(serdes::string());
  std::vector<std::tuple<std::string, std::optional<std::string>, std::optional<std::string>>> seen;
  while (auto r = driver.read_raw("app-by-segment-repartition")) {
    const auto c = change.deserialize(*r->value);
    seen.emplace_back(*r->key, c.new_value, c.old_value);
  }
  using S = std::optional<std::string>;
  EXPECT_EQ(seen, (decltype(seen){{"gold", S("c1"), std::nullopt},
                                  {"gold", S("c1"), S("c1")},
                                  {"gold", std::nullopt, S("c1")},
                                  {"silver", S("c1"), std::nullopt}}));
}

TEST(KGroupedTable, ChangeSerdeWritesKafkaStreamsChangedSerializerBytes) {
  const auto serde = detail::change_serde(serdes::string());
  detail::Change<std::string> both{"new", "old"};
  // [zig-zag varint 3][new][old][2]
  EXPECT_EQ(serde.to_bytes(both), std::string("\x06newold\x02", 8));
  EXPECT_EQ(serde.to_bytes({"n", std::nullopt}), std::string("n\x01", 2));
  EXPECT_EQ(serde.to_bytes({std::nullopt, "o"}), std::string("o\x00", 2));
  const auto back = serde.deserialize(serde.to_bytes(both));
  EXPECT_EQ(back.new_value, "new");
  EXPECT_EQ(back.old_value, "old");
}

TEST(KGroupedTable, GroupsLivingOnOtherPartitionsAreKeptExact) {
  StreamsBuilder builder;
  builder.table<std::string, std::string>("products")
      .group_by([](const std::string&, const std::string& v) { return category_and_stock(v); })
      .reduce([](int64_t a, int64_t b) { return a + b; },
              [](int64_t a, int64_t b) { return a - b; },
              Materialized<std::string, int64_t>::as("stock"))
      .to_stream()
      .to("stock-changes");
  TopologyTestDriver driver(builder.build(test_config()), test_config(),
                            {.partitions_per_topic = 3});
  auto products = driver.create_input_topic<std::string, std::string>("products");
  const std::vector<std::string> categories{"fruit", "veg", "dairy", "bakery"};
  std::map<std::string, std::string> current;
  for (int i = 0; i < 200; ++i) {
    const std::string sku = "sku" + std::to_string(i % 17);
    const std::string value =
        categories[static_cast<size_t>(i * 7 % 4)] + ":" + std::to_string(i % 5 + 1);
    if (i % 11 == 10) {
      products.pipe_tombstone(sku, i);
      current.erase(sku);
    } else {
      products.pipe_input(sku, value, i);
      current[sku] = value;
    }
  }
  std::map<std::string, int64_t> expected;
  for (const auto& [sku, value] : current) {
    const auto [category, stock] = category_and_stock(value);
    expected[category] += stock;
  }
  auto store = driver.key_value_store<std::string, int64_t>("stock");
  for (const auto& category : categories) {
    EXPECT_EQ(store.get(category).value_or(0), expected[category]) << category;
  }
  // The last update of each category downstream is its final total.
  std::map<std::string, int64_t> last;
  auto out = driver.create_output_topic<std::string, int64_t>("stock-changes");
  for (const auto& r : read_rows(out)) last[r.key] = r.value.value_or(0);
  for (const auto& category : categories) EXPECT_EQ(last[category], expected[category]);
}

}  // namespace
}  // namespace eddy
