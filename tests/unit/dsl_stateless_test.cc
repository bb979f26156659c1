#include <gtest/gtest.h>

#include <set>

#include "dsl_test_support.h"

namespace eddy {
namespace {

using test::read_rows;
using test::Rows;
using test::test_config;

struct Fixture {
  StreamsBuilder builder;
  std::unique_ptr<TopologyTestDriver> driver;
  void start(TestDriverOptions options = {}) {
    driver =
        std::make_unique<TopologyTestDriver>(builder.build(test_config()), test_config(), options);
  }
};

TEST(KStreamFilter, KeepsMatchingRecordsWithKeysAndTimestamps) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .filter([](const std::string&, int64_t v) { return v > 10; })
      .to("out");
  TopologyTestDriver driver(builder.build(test_config()), test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  in.pipe_input("a", 5, 100);
  in.pipe_input("b", 50, 200);
  in.pipe_input("c", 11, 300);
  EXPECT_EQ(read_rows(out), (Rows<std::string, int64_t>{{"b", 50, 200}, {"c", 11, 300}}));
}

TEST(KStreamFilterNot, DropsMatchingRecordsKeepingKeysAndTimestamps) {
  Fixture f;
  f.builder.stream<std::string, int64_t>("in")
      .filter_not([](const std::string& k, int64_t) { return k == "x"; })
      .to("out");
  f.start();
  auto in = f.driver->create_input_topic<std::string, int64_t>("in");
  in.pipe_input("x", 1, 10);
  in.pipe_input("y", 2, 20);
  in.pipe_input("z", 3, 15);
  auto out = f.driver->create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, int64_t>{{"y", 2, 20}, {"z", 3, 15}}));
}

TEST(KStreamMapValues, MapsValueOnlyOrKeyAndValueKeepingKeyAndTimestamp) {
  Fixture f;
  auto s = f.builder.stream<std::string, int64_t>("in");
  s.map_values([](int64_t v) { return v * 2; }).to("doubled");
  s.map_values([](const std::string& k, int64_t v) {
     return k + "=" + std::to_string(v);
   }).to("text");
  f.start();
  f.driver->create_input_topic<std::string, int64_t>("in").pipe_input("a", 21, 7);
  auto doubled = f.driver->create_output_topic<std::string, int64_t>("doubled").read_record();
  EXPECT_EQ(doubled.key, "a");
  EXPECT_EQ(doubled.value, 42);
  EXPECT_EQ(doubled.timestamp, 7);
  auto text = f.driver->create_output_topic<std::string, std::string>("text");
  EXPECT_EQ(text.read_value(), "a=21");
}

TEST(KStreamMap, ChangesKeyAndValueTypes) {
  Fixture f;
  f.builder.stream<std::string, std::string>("in")
      .map([](const std::string& k, const std::string& v) {
        return std::make_pair(static_cast<int64_t>(v.size()), k);
      })
      .to("out");
  f.start();
  f.driver->create_input_topic<std::string, std::string>("in").pipe_input("key", "hello", 5);
  auto r = f.driver->create_output_topic<int64_t, std::string>("out").read_record();
  EXPECT_EQ(r.key, 5);
  EXPECT_EQ(r.value, "key");
  EXPECT_EQ(r.timestamp, 5);
}

TEST(KStreamSelectKey, ReplacesTheKeyKeepingValueAndTimestamp) {
  Fixture f;
  f.builder.stream<std::string, std::string>("in")
      .select_key([](const std::string&, const std::string& v) { return v.substr(0, 1); })
      .to("out");
  f.start();
  auto in = f.driver->create_input_topic<std::string, std::string>("in");
  in.pipe_input("k1", "apple", 5);
  in.pipe_input("banana", 3);  // null key: select_key gives it one
  auto out = f.driver->create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, std::string>{{"a", "apple", 5}, {"b", "banana", 3}}));
}

TEST(KStreamFlatMap, EmitsZeroOrMoreRecordsPerInput) {
  Fixture f;
  f.builder.stream<std::string, std::string>("in")
      .flat_map([](const std::string& k, const std::string& v) {
        // key: the input key and a letter; value: the letter's position
        std::vector<std::pair<std::string, int64_t>> out;
        for (char c : v) out.emplace_back(k + c, static_cast<int64_t>(out.size()));
        return out;
      })
      .to("out");
  f.start();
  auto in = f.driver->create_input_topic<std::string, std::string>("in");
  in.pipe_input("k", "ab", 9);
  in.pipe_input("k", "", 10);  // no records
  in.pipe_input("j", "c", 11);
  auto out = f.driver->create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(read_rows(out),
            (Rows<std::string, int64_t>{{"ka", 0, 9}, {"kb", 1, 9}, {"jc", 0, 11}}));
}

TEST(KStreamFlatMapValues, SplitsValuesKeepingTheKey) {
  Fixture f;
  f.builder.stream<std::string, std::string>("in")
      .flat_map_values([](const std::string& v) {
        std::vector<std::string> words;
        size_t start = 0;
        while (start <= v.size()) {
          size_t end = v.find(' ', start);
          if (end == std::string::npos) end = v.size();
          words.push_back(v.substr(start, end - start));
          start = end + 1;
        }
        return words;
      })
      .to("out");
  f.start();
  auto in = f.driver->create_input_topic<std::string, std::string>("in");
  in.pipe_input("s", "to be or", 4);
  in.pipe_input("t", "not", 2);
  auto out = f.driver->create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{
                                {"s", "to", 4}, {"s", "be", 4}, {"s", "or", 4}, {"t", "not", 2}}));
}

TEST(KStreamPeekAndForeach, SeeEveryRecordAndPeekPassesItOnUnchanged) {
  Fixture f;
  std::vector<std::string> peeked;
  std::vector<std::string> seen;
  auto s = f.builder.stream<std::string, std::string>("in");
  s.peek([&](const std::string& k, const std::string& v) {
     peeked.push_back(k + "=" + v);
   }).to("out");
  s.foreach ([&](const std::string& k, const std::string& v) { seen.push_back(k + "=" + v); });
  f.start();
  auto in = f.driver->create_input_topic<std::string, std::string>("in");
  in.pipe_input("a", "1", 7);
  in.pipe_input("b", "2", 3);
  EXPECT_EQ(peeked, (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(seen, (std::vector<std::string>{"a=1", "b=2"}));
  auto out = f.driver->create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{{"a", "1", 7}, {"b", "2", 3}}));
}

TEST(KStreamSplit, RoutesToFirstMatchingBranchElseDefault) {
  Fixture f;
  auto branches =
      f.builder.stream<std::string, int64_t>("in")
          .split(Named::as("size-"))
          .branch([](const std::string&, int64_t v) { return v >= 100; }, Branched::as("big"))
          .branch([](const std::string&, int64_t v) { return v >= 10; })
          .default_branch(Branched::as("small"));
  ASSERT_EQ(branches.size(), 3u);
  branches.at("size-big").to("big");
  branches.at("size-2").to("medium");
  branches.at("size-small").to("small");
  f.start();
  auto in = f.driver->create_input_topic<std::string, int64_t>("in");
  in.pipe_input("a", 500, 1);
  in.pipe_input("b", 50, 2);
  in.pipe_input("c", 5, 3);
  in.pipe_input("d", 100, 4);
  using R = Rows<std::string, int64_t>;
  auto big = f.driver->create_output_topic<std::string, int64_t>("big");
  auto medium = f.driver->create_output_topic<std::string, int64_t>("medium");
  auto small = f.driver->create_output_topic<std::string, int64_t>("small");
  EXPECT_EQ(read_rows(big), (R{{"a", 500, 1}, {"d", 100, 4}}));
  EXPECT_EQ(read_rows(medium), (R{{"b", 50, 2}}));
  EXPECT_EQ(read_rows(small), (R{{"c", 5, 3}}));
}

TEST(KStreamMerge, InterleavesBothInputsInTimestampOrderOfProcessing) {
  Fixture f;
  auto a = f.builder.stream<std::string, std::string>("a");
  auto b = f.builder.stream<std::string, std::string>("b");
  a.merge(b).to("out");
  f.start();
  auto in_a = f.driver->create_input_topic<std::string, std::string>("a");
  auto in_b = f.driver->create_input_topic<std::string, std::string>("b");
  in_a.pipe_input("k", "from-a", 1);
  in_b.pipe_input("j", "from-b", 2);
  in_a.pipe_input("i", "again-a", 3);
  auto out = f.driver->create_output_topic<std::string, std::string>("out");
  EXPECT_EQ(read_rows(out), (Rows<std::string, std::string>{
                                {"k", "from-a", 1}, {"j", "from-b", 2}, {"i", "again-a", 3}}));
}

TEST(KStreamTo, UsesProducedSerdesAndKeepsHeadersAndNullKeys) {
  Fixture f;
  f.builder.stream<std::string, std::string>("in")
      .map_values([](const std::string& v) { return static_cast<int64_t>(v.size()); })
      .to("out", Produced<std::string, int64_t>::with(serdes::string(), serdes::int64()));
  f.start();
  auto in = f.driver->create_input_topic<std::string, std::string>("in");
  in.pipe_input("k", "four", 3, Headers{{"trace", "t1"}});
  in.pipe_input("no-key");
  auto out = f.driver->create_output_topic<std::string, int64_t>("out");
  auto r = out.read_record();
  EXPECT_EQ(r.value, 4);
  ASSERT_EQ(r.headers.size(), 1u);
  EXPECT_EQ(r.headers[0].key, "trace");
  auto nk = out.read_record();
  EXPECT_TRUE(nk.null_key);
  EXPECT_EQ(nk.value, 6);
}

TEST(KStreamRepartition, RoutesByNewKeyAcrossPartitions) {
  Fixture f;
  f.builder.stream<std::string, std::string>("in")
      .select_key([](const std::string&, const std::string& v) { return v; })
      .repartition(Repartitioned<std::string, std::string>::as("by-value"))
      .to("out");
  f.start({.partitions_per_topic = 4});
  auto in = f.driver->create_input_topic<std::string, std::string>("in");
  for (int i = 0; i < 20; ++i)
    in.pipe_input("k" + std::to_string(i), "v" + std::to_string(i % 5), i);
  auto out = f.driver->create_output_topic<std::string, std::string>("out");
  auto records = out.read_records_to_list();
  ASSERT_EQ(records.size(), 20u);
  std::map<std::string, std::set<int32_t>> partitions_per_key;
  for (const auto& r : records) {
    EXPECT_EQ(r.key, *r.value);
    partitions_per_key[r.key].insert(r.partition);
  }
  for (const auto& [key, parts] : partitions_per_key) EXPECT_EQ(parts.size(), 1u) << key;
  // and the repartition topic itself holds them
  auto repartition =
      f.driver->create_output_topic<std::string, std::string>("app-by-value-repartition");
  EXPECT_EQ(repartition.queue_size(), 20u);
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

TEST(ThroughTopic, RecordsWrittenToATopicTheTopologyReadsAreProcessedDownstream) {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .map_values([](int64_t v) { return v + 1; })
      .to("middle");
  builder.stream<std::string, int64_t>("middle")
      .map_values([](int64_t v) { return v * 10; })
      .to("out");
  const auto topology = builder.build(test::test_config());
  EXPECT_NE(topology.describe().find("Sub-topology: 1"), std::string::npos);
  TopologyTestDriver driver(topology, test::test_config(), {.partitions_per_topic = 2});
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("a", 1, 5);
  in.pipe_input("b", 2, 6);
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(out.read_key_values_to_map(), (std::map<std::string, int64_t>{{"a", 20}, {"b", 30}}));
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

Topology throwing_topology() {
  StreamsBuilder builder;
  builder.stream<std::string, int64_t>("in")
      .map_values([](int64_t v) {
        if (v < 0) throw std::runtime_error("negative amount");
        return v;
      })
      .to("out");
  return builder.build(test::test_config());
}

TEST(ProcessingErrors, LogAndFailRethrowsTheProcessorsException) {
  TopologyTestDriver driver(throwing_topology(), test::test_config());
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  test::expect_error<std::runtime_error>([&] { in.pipe_input("k", -1); }, "negative amount");
}

TEST(ProcessingErrors, LogAndContinueSkipsTheRecordAndCountsIt) {
  auto config = test::test_config();
  config.processing_error_handling = ErrorHandling::kLogAndContinue;
  TopologyTestDriver driver(throwing_topology(), config);
  auto in = driver.create_input_topic<std::string, int64_t>("in");
  in.pipe_input("k", -1);
  in.pipe_input("k", 2);
  auto out = driver.create_output_topic<std::string, int64_t>("out");
  EXPECT_EQ(out.read_values_to_list(), std::vector<int64_t>{2});
  EXPECT_EQ(driver.skipped_records(), 1);
}

}  // namespace
}  // namespace eddy
