// Which deletes a table filter forwards follows Kafka Streams' old-value flags, set in the
// order the topology is written (detail/table_old_values.h): a filter over a table that does
// not send old values forwards a delete for every rejected update; over one that does
// (materialized, read by a join, an aggregation) it sends nothing for a row that never matched.
#include <gtest/gtest.h>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using test::read_rows;
using test::Rows;
using test::test_config;

bool big(const std::string&, int64_t v) {
  return v >= 10;
}

TEST(KTableFilterOldValues, OverAMaterializedTableSendsNothingForARowThatNeverMatched) {
  StreamsBuilder builder;
  builder.table<std::string, int64_t>("t", {}, Materialized<std::string, int64_t>::as("t-store"))
      .filter(big)
      .to_stream()
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto t = driver.create_input_topic<std::string, int64_t>("t");
  t.pipe_input("a", 5, 1);
  t.pipe_input("b", 12, 2);
  t.pipe_input("b", 3, 3);
  t.pipe_tombstone("c", 4);
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, int64_t>{{"b", 12, 2}, {"b", std::nullopt, 3}}));
}

TEST(KTableFilterOldValues, DependsOnWhetherAJoinReadTheTableBeforeTheFilterWasWritten) {
  StreamsBuilder builder;
  auto t = builder.table<std::string, int64_t>("t");
  t.filter(big).to_stream().to("before");  // the table is not materialized yet
  builder.stream<std::string, int64_t>("s")
      .join(t, [](int64_t a, int64_t b) { return a + b; })  // materializes it
      .to("joined");
  t.filter(big).to_stream().to("after");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("t");
  in.pipe_input("a", 5, 1);
  in.pipe_input("b", 12, 2);
  in.pipe_input("b", 3, 3);
  in.pipe_tombstone("c", 4);
  auto before = driver.create_output_topic<std::string, int64_t>("before");
  EXPECT_EQ(
      read_rows(before),
      (Rows<std::string, int64_t>{
          {"a", std::nullopt, 1}, {"b", 12, 2}, {"b", std::nullopt, 3}, {"c", std::nullopt, 4}}));
  auto after = driver.create_output_topic<std::string, int64_t>("after");
  EXPECT_EQ(read_rows(after), (Rows<std::string, int64_t>{{"b", 12, 2}, {"b", std::nullopt, 3}}));
}

TEST(KTableFilterOldValues, AFilterOverMapValuesAsksTheSourceThroughIt) {
  StreamsBuilder builder;
  auto doubled =
      builder.table<std::string, int64_t>("t").map_values([](int64_t v) { return 2 * v; });
  doubled.filter(big).to_stream().to("plain");
  // A group_by forces the source to send old values (and so materializes it): a filter
  // written after it over the same map_values sends nothing for rows that never matched.
  doubled.group_by([](const std::string& k, int64_t v) { return std::make_pair(k, v); }).count();
  doubled.filter(big).to_stream().to("forced");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("t");
  in.pipe_input("a", 2, 1);
  in.pipe_input("b", 6, 2);
  in.pipe_input("b", 1, 3);
  auto plain = driver.create_output_topic<std::string, int64_t>("plain");
  EXPECT_EQ(read_rows(plain), (Rows<std::string, int64_t>{
                                  {"a", std::nullopt, 1}, {"b", 12, 2}, {"b", std::nullopt, 3}}));
  auto forced = driver.create_output_topic<std::string, int64_t>("forced");
  EXPECT_EQ(read_rows(forced), (Rows<std::string, int64_t>{{"b", 12, 2}, {"b", std::nullopt, 3}}));
}

}  // namespace
}  // namespace eddy
