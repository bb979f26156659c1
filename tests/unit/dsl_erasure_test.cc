// KStream::erase() (eddy/dsl/erasure.h) on the TopologyTestDriver: what build() and the
// co-partitioning check refuse, and a request forgetting its key in a key-value table while
// the other keys stay. The session-scoring example's erasure (window/session stores, suppress
// buffers, sinks) is in example_session_scoring_erasure_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
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
  try {
    build([&](eddy::StreamsBuilder& b) {
      b.table<std::string, std::string>(
          "prices", {}, eddy::Materialized<std::string, std::string>::as_versioned("prices", 1h));
      requests(b).erase(eddy::Erasure::of_stores({"prices"}));
    });
    FAIL() << "a versioned store";
  } catch (const eddy::TopologyError& e) {
    EXPECT_NE(std::string(e.what()).find("versioned"), std::string::npos) << e.what();
  }
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
