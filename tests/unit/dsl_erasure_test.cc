// KStream::erase() (eddy/dsl/erasure.h) on the TopologyTestDriver: what build() and the
// co-partitioning check refuse, a request forgetting its key in a key-value table while the
// other keys stay, and a versioned table losing every version of the key. The session-scoring
// example's erasure (window/session stores, suppress buffers, sinks) is in
// example_session_scoring_erasure_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/headers.h"
#include "eddy/testing/topology_test_driver.h"

namespace {

using namespace std::chrono_literals;

eddy::StreamsConfig config() {
  eddy::StreamsConfig c;
  c.application_id = "erasure-test";
  return c;
}

TEST(DslErasure, BuildRefusesStoresErasureCannotReach) {
  auto build = [](auto add) {
    eddy::StreamsBuilder builder;
    add(builder);
    return builder.build(config());
  };
  auto requests = [](eddy::StreamsBuilder& b) {
    return b.stream<std::string, std::string>("erasure.requests");
  };
  try {
    build([&](eddy::StreamsBuilder& b) { requests(b).erase(eddy::Erasure{}); });
    FAIL() << "no stores";
  } catch (const eddy::TopologyError& e) {
    EXPECT_NE(std::string(e.what()).find("Erasure::of_stores"), std::string::npos) << e.what();
  }
  try {
    build([&](eddy::StreamsBuilder& b) {
      b.global_table<std::string, std::string>(
          "customers", {}, eddy::Materialized<std::string, std::string>::as("customers"));
      requests(b).erase(eddy::Erasure::of_stores({"customers"}));
    });
    FAIL() << "a global store";
  } catch (const eddy::TopologyError& e) {
    EXPECT_NE(std::string(e.what()).find("global"), std::string::npos) << e.what();
  }
}

// A versioned table: the request removes every version of its key (a stream-table join as of
// an old time finds nothing), other keys keep theirs, the changelog's last record of the key
// is a tombstone with the erasure header, and the key can come back afterwards.
TEST(DslErasure, VersionedTableForgetsEveryVersionOfTheKey) {
  eddy::StreamsBuilder builder;
  auto prices = builder.table<std::string, std::string>(
      "prices", {}, eddy::Materialized<std::string, std::string>::as_versioned("prices", 1h));
  builder.stream<std::string, std::string>("clicks")
      .left_join(prices,
                 [](const std::string& click, const std::optional<std::string>& price) {
                   return click + ":" + price.value_or("none");
                 })
      .to("priced");
  builder.stream<std::string, std::string>("erasure.requests")
      .erase(eddy::Erasure::of_stores({"prices"}));
  eddy::TopologyTestDriver driver(builder.build(config()), config());
  for (auto [key, value, ts] : {std::tuple{"A", "a1", 1'000},
                                {"A", "a2", 2'000},
                                {"B", "b1", 1'500},
                                {"A", "a3", 3'000},
                                {"B", "b2", 2'500}}) {
    driver.pipe_raw("prices", std::string(key), std::string(value), ts, {});
  }
  auto store = driver.key_value_store<std::string, std::string>("prices");
  ASSERT_TRUE(store.get("A").has_value());
  while (driver.read_raw("erasure-test-prices-changelog")) {
  }
  driver.pipe_raw("erasure.requests", std::string("A"), std::string("gdpr"), 4'000, {});
  EXPECT_EQ(store.get("A"), std::nullopt);
  EXPECT_TRUE(store.get("B").has_value());

  // Each erased version would answer one of these clicks; only B's still do.
  for (auto [key, ts] :
       {std::pair{"A", 1'200}, {"A", 2'200}, {"A", 3'500}, {"B", 1'700}, {"B", 3'500}}) {
    driver.pipe_raw("clicks", std::string(key), std::string("c") + std::to_string(ts), ts, {});
  }
  std::vector<std::string> priced;
  while (auto r = driver.read_raw("priced")) priced.push_back(*r->value);
  EXPECT_EQ(priced, (std::vector<std::string>{"c1200:none", "c2200:none", "c3500:none", "c1700:b1",
                                              "c3500:b2"}));

  auto marker = driver.read_raw("erasure-test-prices-changelog");
  ASSERT_TRUE(marker.has_value());
  EXPECT_EQ(marker->key, std::optional<eddy::Bytes>("A"));
  EXPECT_EQ(marker->value, std::nullopt);
  EXPECT_EQ(marker->timestamp, 4'000);
  EXPECT_EQ(eddy::header_value(marker->headers, "eddy.erasure"), "1");
  EXPECT_FALSE(driver.read_raw("erasure-test-prices-changelog").has_value());

  driver.pipe_raw("prices", std::string("A"), std::string("a4"), 5'000, {});
  driver.pipe_raw("clicks", std::string("A"), std::string("c5100"), 5'100, {});
  auto back = driver.read_raw("priced");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->value, std::optional<eddy::Bytes>("c5100:a4"));
}

TEST(DslErasure, RequestsMustBeCoPartitionedWithTheStoresInputs) {
  eddy::StreamsBuilder builder;
  builder.stream<std::string, std::string>("clicks").group_by_key().count(
      eddy::Materialized<std::string, int64_t>::as("clicks-per-user"));
  builder.stream<std::string, std::string>("erasure.requests")
      .erase(eddy::Erasure::of_stores({"clicks-per-user"}));
  const auto topology = builder.build(config());
  eddy::TestDriverOptions options;
  options.topic_partitions = {{"clicks", 4}, {"erasure.requests", 2}};
  EXPECT_THROW(eddy::TopologyTestDriver(topology, config(), options), eddy::TopologyError);

  options.topic_partitions = {{"clicks", 4}, {"erasure.requests", 4}};
  eddy::TopologyTestDriver driver(topology, config(), options);
  for (const char* user : {"u1", "u2", "u3", "u4", "u5"}) {
    driver.pipe_raw("clicks", std::string(user), std::string("x"), 1'000, {});
  }
  auto counts = driver.key_value_store<std::string, int64_t>("clicks-per-user");
  ASSERT_EQ(counts.get("u3"), 1);
  driver.pipe_raw("erasure.requests", std::string("u3"), std::string("gdpr"), 2'000, {});
  EXPECT_EQ(counts.get("u3"), std::nullopt);
  EXPECT_EQ(counts.get("u4"), 1);
  driver.pipe_raw("erasure.requests", std::nullopt, std::string("no key"), 2'000, {});
  EXPECT_EQ(driver.dropped_records(), 1);
}

}  // namespace
