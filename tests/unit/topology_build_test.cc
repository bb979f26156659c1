#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using test::expect_error;
using test::test_config;

struct Opaque {
  int x = 0;
};

// The example of docs/dsl.md: orders re-keyed by customer, enriched from the customers table,
// then counted per tier. Three sub-topologies, split at two repartition topics.
Topology docs_example() {
  StreamsBuilder builder;
  auto customers = builder.table<std::string, nlohmann::json>(
      "customers", {}, Materialized<std::string, nlohmann::json>::as("customers-store"));
  builder.stream<std::string, nlohmann::json>("orders")
      .select_key([](const std::string&, const nlohmann::json& o) {
        return o["customer"].get<std::string>();
      })
      .join(
          customers,
          [](const nlohmann::json& o, const nlohmann::json& c) {
            return nlohmann::json{{"order", o}, {"tier", c["tier"]}};
          },
          Named::as("enrich"))
      .group_by(
          [](const std::string&, const nlohmann::json& e) { return e["tier"].get<std::string>(); },
          Grouped<std::string, nlohmann::json>::with_name("by-tier"))
      .count(Materialized<std::string, int64_t>::as("orders-per-tier"))
      .to_stream()
      .to("orders-per-tier");
  return builder.build(test_config("shop"));
}

TEST(TopologyDescribe, PrintsSubTopologiesLikeKafkaStreams) {
  const auto topology = docs_example();
  const std::string described = topology.describe();
  std::cout << described;
  EXPECT_EQ(described,
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [customers])\n"
            "      --> KTABLE-SOURCE-0000000001\n"
            "    Processor: KTABLE-SOURCE-0000000001 (stores: [customers-store])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Source: enrich-repartition-source (topics: [shop-enrich-repartition])\n"
            "      --> enrich\n"
            "    Processor: enrich (stores: [customers-store])\n"
            "      --> KSTREAM-KEY-SELECT-0000000004\n"
            "      <-- enrich-repartition-source\n"
            "    Processor: KSTREAM-KEY-SELECT-0000000004 (stores: [])\n"
            "      --> by-tier-repartition-filter\n"
            "      <-- enrich\n"
            "    Processor: by-tier-repartition-filter (stores: [])\n"
            "      --> by-tier-repartition-sink\n"
            "      <-- KSTREAM-KEY-SELECT-0000000004\n"
            "    Sink: by-tier-repartition-sink (topic: shop-by-tier-repartition)\n"
            "      <-- by-tier-repartition-filter\n"
            "\n"
            "   Sub-topology: 1\n"
            "    Source: KSTREAM-SOURCE-0000000002 (topics: [orders])\n"
            "      --> KSTREAM-KEY-SELECT-0000000003\n"
            "    Processor: KSTREAM-KEY-SELECT-0000000003 (stores: [])\n"
            "      --> enrich-repartition-filter\n"
            "      <-- KSTREAM-SOURCE-0000000002\n"
            "    Processor: enrich-repartition-filter (stores: [])\n"
            "      --> enrich-repartition-sink\n"
            "      <-- KSTREAM-KEY-SELECT-0000000003\n"
            "    Sink: enrich-repartition-sink (topic: shop-enrich-repartition)\n"
            "      <-- enrich-repartition-filter\n"
            "\n"
            "   Sub-topology: 2\n"
            "    Source: by-tier-repartition-source (topics: [shop-by-tier-repartition])\n"
            "      --> KSTREAM-AGGREGATE-0000000005\n"
            "    Processor: KSTREAM-AGGREGATE-0000000005 (stores: [orders-per-tier])\n"
            "      --> KTABLE-TOSTREAM-0000000006\n"
            "      <-- by-tier-repartition-source\n"
            "    Processor: KTABLE-TOSTREAM-0000000006 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000007\n"
            "      <-- KSTREAM-AGGREGATE-0000000005\n"
            "    Sink: KSTREAM-SINK-0000000007 (topic: orders-per-tier)\n"
            "      <-- KTABLE-TOSTREAM-0000000006\n"
            "\n");
}

// docs/dsl.md shows the describe() output of docs_example(): the page must not drift from it.
TEST(TopologyDescribe, DocsDslMdShowsWhatDescribePrints) {
  const std::string path = std::string(EDDY_SOURCE_DIR) + "/docs/dsl.md";
  std::ifstream file(path);
  ASSERT_TRUE(file) << "cannot read " << path;
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  const std::string fence = "```\nTopologies:\n";
  const size_t start = doc.find(fence);
  ASSERT_NE(start, std::string::npos) << path << " has no ``` block starting with 'Topologies:'";
  const size_t begin = start + std::string("```\n").size();
  const size_t end = doc.find("```", begin);
  ASSERT_NE(end, std::string::npos) << "the describe() block of " << path << " is not closed";
  EXPECT_EQ(doc.substr(begin, end - begin), docs_example().describe())
      << "docs/dsl.md's describe() block differs from the code: paste the output above into it";
}

TEST(TopologyDescribe, DocsExampleRunsAcrossThreeSubTopologiesAndFourPartitions) {
  TopologyTestDriver driver(docs_example(), test_config("shop"), {.partitions_per_topic = 4});
  auto customers = driver.create_input_topic<std::string, nlohmann::json>("customers");
  customers.pipe_input("ann", {{"tier", "gold"}});
  customers.pipe_input("bob", {{"tier", "basic"}});
  customers.pipe_input("cid", {{"tier", "gold"}});
  auto orders = driver.create_input_topic<std::string, nlohmann::json>("orders");
  int i = 0;
  for (const char* who : {"ann", "bob", "cid", "ann", "zed"}) {
    orders.pipe_input("o" + std::to_string(i++), {{"customer", who}});
  }
  auto out = driver.create_output_topic<std::string, int64_t>("orders-per-tier");
  const auto counts = out.read_key_values_to_map();
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"basic", 1}, {"gold", 3}}));
}

TEST(TopologyBuild, DuplicateOperatorNameFailsNamingIt) {
  StreamsBuilder builder;
  auto s = builder.stream<std::string, int64_t>("in");
  s.filter([](const std::string&, int64_t) { return true; }, Named::as("dup")).to("a");
  s.map_values([](int64_t v) { return v; }, Named::as("dup")).to("b");
  expect_error<TopologyError>([&] { builder.build(test_config()); },
                              "two operators are named 'dup' (a filter and a map_values)");
}

TEST(TopologyBuild, DuplicateStoreNameFailsNamingBothOperators) {
  StreamsBuilder builder;
  auto s = builder.stream<std::string, int64_t>("in");
  s.group_by_key().count(Materialized<std::string, int64_t>::as("counts"));
  s.group_by_key().count(Materialized<std::string, int64_t>::as("counts"));
  expect_error<TopologyError>([&] { builder.build(test_config()); },
                              "store 'counts' is declared twice");
}

TEST(TopologyBuild, MissingSerdeFailsNamingTheSource) {
  StreamsBuilder builder;
  builder.stream<std::string, Opaque>("opaque-in");
  expect_error<TopologyError>(
      [&] { builder.build(test_config()); },
      "source 'KSTREAM-SOURCE-0000000000' (topics [opaque-in]) has no value serde");
}

TEST(TopologyBuild, MissingSerdeForASinkFailsNamingTheSink) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("in")
      .map_values([](const std::string&) { return Opaque{}; })
      .to("out", Produced<std::string, Opaque>::as("opaque-sink"));
  expect_error<TopologyError>([&] { builder.build(test_config()); },
                              "sink 'opaque-sink' (topic 'out') has no value serde");
}

TEST(TopologyBuild, ProcessorUsingAnUnknownStoreFails) {
  StreamsBuilder builder;
  struct Noop : Processor<std::string, int64_t, std::string, int64_t> {
    void process(const Record<std::string, int64_t>&) override {}
  };
  builder.stream<std::string, int64_t>("in").process<std::string, int64_t>(
      [] { return std::make_unique<Noop>(); }, {"missing-store"}, Named::as("lookup"));
  expect_error<TopologyError>([&] { builder.build(test_config()); },
                              "processor 'lookup' uses state store 'missing-store', which is not "
                              "in the topology");
}

TEST(TopologyBuild, JoinWithATableOfAnotherBuilderFailsNamingTheJoinAndTheStore) {
  StreamsBuilder other;
  auto customers = other.table<std::string, std::string>(
      "customers", {}, Materialized<std::string, std::string>::as("customers-store"));
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("orders")
      .join(
          customers, [](const std::string& o, const std::string& c) { return o + "@" + c; },
          Named::as("enrich"))
      .to("enriched");
  expect_error<TopologyError>(
      [&] { builder.build(test_config()); },
      "join 'enrich' reads the KTable of store 'customers-store', which was "
      "made by another StreamsBuilder; create every stream and table of a "
      "topology with the same StreamsBuilder");
  EXPECT_NO_THROW(other.build(test_config()));  // the table's own builder is fine
}

TEST(TopologyBuild, EveryOperatorCombiningInputsRefusesThoseOfAnotherBuilder) {
  StreamsBuilder other;
  auto table = other.table<std::string, std::string>(
      "t", {}, Materialized<std::string, std::string>::as("t-store"));
  auto global = other.global_table<std::string, std::string>(
      "g", {}, Materialized<std::string, std::string>::as("g-store"));
  auto stream = other.stream<std::string, std::string>("s");
  const std::string foreign = ", which was made by another StreamsBuilder";
  {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("in")
        .left_join(
            table, [](const std::string& v, const std::optional<std::string>&) { return v; },
            Named::as("lj"))
        .to("out");
    expect_error<TopologyError>([&] { builder.build(test_config()); },
                                "left join 'lj' reads the KTable of store 't-store'" + foreign);
  }
  {
    StreamsBuilder builder;
    builder.table<std::string, std::string>("in")
        .join(
            table, [](const std::string& a, const std::string& b) { return a + b; }, {},
            Named::as("tj"))
        .to_stream()
        .to("out");
    expect_error<TopologyError>([&] { builder.build(test_config()); },
                                "join 'tj' reads the KTable of store 't-store'" + foreign);
  }
  {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("in")
        .join(
            global, [](const std::string&, const std::string& v) { return v; },
            [](const std::string& v, const std::string& g) { return v + g; }, Named::as("gj"))
        .to("out");
    expect_error<TopologyError>([&] { builder.build(test_config()); },
                                "join 'gj' reads the GlobalKTable of store 'g-store'" + foreign);
  }
  {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>("in").merge(stream, Named::as("m")).to("out");
    expect_error<TopologyError>([&] { builder.build(test_config()); },
                                "merge 'm' reads a KStream" + foreign);
  }
}

TEST(TopologyBuild, SinkFeedingItsOwnSubTopologyIsACycle) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("loop")
      .filter([](auto&, int64_t) { return true; })
      .to("loop");
  expect_error<TopologyError>([&] { builder.build(test_config()); },
                              "cycle: sink 'KSTREAM-SINK-0000000002' writes to topic 'loop'");
}

TEST(TopologyBuild, TopicReadTwiceFails) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in");
  builder.stream<std::string, int64_t>("in");
  expect_error<TopologyError>([&] { builder.build(test_config()); },
                              "topic 'in' is read by two sources");
}

TEST(TopologyBuild, MissingApplicationIdIsAConfigError) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in").to("out");
  expect_error<ConfigError>([&] { builder.build(StreamsConfig{}); }, "application.id");
}

TEST(TopologyBuild, ListsExternalAndInternalTopics) {
  const auto topology = docs_example();
  EXPECT_EQ(topology.external_source_topics(), (std::set<std::string>{"customers", "orders"}));
  EXPECT_EQ(topology.repartition_topics(),
            (std::set<std::string>{"shop-by-tier-repartition", "shop-enrich-repartition"}));
  EXPECT_EQ(topology.changelog_topics(), (std::set<std::string>{"shop-customers-store-changelog",
                                                                "shop-orders-per-tier-changelog"}));
}

}  // namespace
}  // namespace eddy
