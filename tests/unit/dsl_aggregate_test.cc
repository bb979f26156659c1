#include <gtest/gtest.h>

#include <set>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using test::test_config;
using Counts = std::map<std::string, std::optional<int64_t>>;

TEST(KStreamAggregate, CountsPerKeyAcrossFourPartitions) {
  StreamsBuilder builder;
  // Clicks keyed by session; count them per page: a re-key, a repartition, an aggregation.
  builder.stream<std::string, std::string>("clicks")
      .group_by([](const std::string&, const std::string& page) { return page; },
                Grouped<std::string, std::string>::with_name("by-page"))
      .count(Materialized<std::string, int64_t>::as("page-counts"))
      .to_stream()
      .to("page-counts-out");
  const auto topology = builder.build(test_config("clicks-app"));
  EXPECT_EQ(topology.repartition_topics(), std::set<std::string>{"clicks-app-by-page-repartition"});
  EXPECT_EQ(topology.changelog_topics(), std::set<std::string>{"clicks-app-page-counts-changelog"});

  TopologyTestDriver driver(topology, test_config("clicks-app"), {.partitions_per_topic = 4});
  auto clicks = driver.create_input_topic<std::string, std::string>("clicks");
  const std::vector<std::string> pages = {"home", "cart",     "home", "search", "home",
                                          "cart", "checkout", "home", "search", "cart"};
  std::map<std::string, int64_t> expected;
  for (size_t i = 0; i < pages.size(); ++i) {
    clicks.pipe_input("session-" + std::to_string(i), pages[i], 1000 + static_cast<int64_t>(i));
    ++expected[pages[i]];
  }
  auto out = driver.create_output_topic<std::string, std::optional<int64_t>>("page-counts-out");
  auto updates = out.read_records_to_list();
  ASSERT_EQ(updates.size(), pages.size());  // one update per input record (caching off)
  std::set<int32_t> partitions_used;
  std::map<std::string, int32_t> partition_of_page;
  for (const auto& u : updates) {
    partitions_used.insert(u.partition);
    auto [it, fresh] = partition_of_page.emplace(u.key, u.partition);
    EXPECT_EQ(it->second, u.partition) << "page " << u.key << " was counted on two partitions";
  }
  EXPECT_GT(partitions_used.size(), 1u);
  EXPECT_EQ(updates.back().key, "cart");
  EXPECT_EQ(updates.back().value, 3);
  EXPECT_EQ(updates.back().timestamp, 1009);

  auto store = driver.key_value_store<std::string, int64_t>("page-counts");
  for (const auto& [page, n] : expected) EXPECT_EQ(store.get(page), n) << page;
  EXPECT_EQ(store.all().size(), expected.size());
  // The repartition topic really carried every record.
  auto repartition =
      driver.create_output_topic<std::string, std::string>("clicks-app-by-page-repartition");
  EXPECT_EQ(repartition.queue_size(), pages.size());
}

TEST(KStreamAggregate, OutputTimestampIsMaxOfInputTimestamps) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .aggregate<int64_t>([] { return int64_t{0}; },
                          [](const std::string&, int64_t v, int64_t sum) { return sum + v; })
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  in.pipe_input("a", 1, 50);
  in.pipe_input("a", 2, 20);  // out of order: the aggregate keeps timestamp 50
  in.pipe_input("b", 5, 10);
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].value, 1);
  EXPECT_EQ(records[0].timestamp, 50);
  EXPECT_EQ(records[1].value, 3);
  EXPECT_EQ(records[1].timestamp, 50);
  EXPECT_EQ(records[2].key, "b");
  EXPECT_EQ(records[2].value, 5);
  EXPECT_EQ(records[2].timestamp, 10);
}

TEST(KStreamReduce, CombinesValuesStartingFromTheFirst) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .group_by_key()
      .reduce([](int64_t agg, int64_t v) { return std::max(agg, v); },
              Materialized<std::string, int64_t>::as("max-store"))
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("a", 3, 1);
  in.pipe_input("a", 9, 2);
  in.pipe_input("a", 4, 3);
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(out.read_values_to_list(), (std::vector<int64_t>{3, 9, 9}));
  auto max_store = driver.key_value_store<std::string, int64_t>("max-store");
  EXPECT_EQ(max_store.get("a"), 9);
}

TEST(KStreamAggregate, DropsRecordsWithNullKeys) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in").group_by_key().count().to_stream().to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, std::string>("in");
  in.pipe_input("no key here");
  in.pipe_input("k", "v");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(out.read_key_values_to_list(), (std::vector<KeyValue<std::string, int64_t>>{{"k", 1}}));
  EXPECT_EQ(driver.dropped_records(), 1);
}

TEST(KStreamAggregate, GroupByKeyAfterSelectKeyRepartitionsWithGeneratedNames) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .select_key([](const std::string&, const std::string& v) { return v; })
      .group_by_key()
      .count();
  const auto topology = builder.build(test_config());
  // Kafka Streams' naming: the store name is generated first and names the repartition topic.
  EXPECT_EQ(topology.repartition_topics(),
            std::set<std::string>{"app-KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition"});
  EXPECT_EQ(topology.changelog_topics(),
            std::set<std::string>{"app-KSTREAM-AGGREGATE-STATE-STORE-0000000002-changelog"});
  EXPECT_NE(topology.describe().find("Processor: KSTREAM-AGGREGATE-0000000003 (stores: "
                                     "[KSTREAM-AGGREGATE-STATE-STORE-0000000002])"),
            std::string::npos)
      << topology.describe();
}

TEST(KStreamAggregate, AggregatesIntoJsonValues) {
  StreamsBuilder builder;
  builder.stream<std::string, double>("prices").group_by_key().aggregate<nlohmann::json>(
      [] {
        return nlohmann::json{{"n", 0}, {"sum", 0.0}};
      },
      [](const std::string&, double p, const nlohmann::json& agg) {
        return nlohmann::json{{"n", agg["n"].get<int>() + 1},
                              {"sum", agg["sum"].get<double>() + p}};
      },
      Materialized<std::string, nlohmann::json>::as("price-stats"));
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, double>("prices");
  in.pipe_input("sku", 1.5);
  in.pipe_input("sku", 2.5);
  auto stats = driver.key_value_store<std::string, nlohmann::json>("price-stats").get("sku");
  ASSERT_TRUE(stats);
  EXPECT_EQ((*stats)["n"], 2);
  EXPECT_DOUBLE_EQ((*stats)["sum"].get<double>(), 4.0);
}

}  // namespace
}  // namespace eddy
