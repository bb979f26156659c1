// KStream::erase() on the TopologyTestDriver, through eddy-session-scoring's topology (a
// cached session aggregation, a suppress buffer, two feature sinks): an erasure request
// removes the customer from the session store, the suppress buffer and both sinks, writes a
// tombstone for each of its entries to the changelogs, forwards nothing (no final result of
// an erased session is ever emitted) and leaves the other customers alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/testing/topology_test_driver.h"
#include "session_scoring/memory_feature_sink.h"
#include "session_scoring/session_scoring_topology.h"
#include "support/session_scoring_script.h"

namespace {

using namespace std::chrono_literals;
using eddy::examples::MemoryFeatureSink;
using eddy::testing_support::SessionScript;

constexpr int64_t kBase = 1'700'000'000'000;
constexpr const char* kApp = "erasure-test";

eddy::StreamsConfig config() {
  eddy::StreamsConfig c;
  c.application_id = kApp;
  return c;
}

std::shared_ptr<MemoryFeatureSink> memory_sink(const std::string& name) {
  return std::make_shared<MemoryFeatureSink>(
      eddy::SinkOptions{.name = name, .background_flush = false});
}

struct ErasureRun {
  std::shared_ptr<MemoryFeatureSink> live = memory_sink("live");
  std::shared_ptr<MemoryFeatureSink> final = memory_sink("final");
  std::vector<std::string> closed;  // customers of closed sessions, in order
};

eddy::Topology scoring_topology(ErasureRun& run) {
  eddy::examples::SessionScoringOptions options;
  options.gap = eddy::testing_support::kScriptGap;
  options.grace = eddy::testing_support::kScriptGrace;
  options.idle_close = 2s;
  options.live_sink = run.live;
  options.final_sink = run.final;
  options.erasure_topic = "erasure.requests";
  options.on_closed = [&run](const std::string& customer, const auto&) {
    run.closed.push_back(customer);
  };
  return eddy::examples::session_scoring_topology(config(), options);
}

// The last changelog record of each user key in `topic` (session keys: key + 16 bytes).
std::map<std::string, std::vector<bool>> tombstones_by_customer(eddy::TopologyTestDriver& driver,
                                                                const std::string& topic,
                                                                size_t suffix) {
  std::map<std::string, std::optional<eddy::Bytes>> last;  // binary key -> last value
  while (auto r = driver.read_raw(topic)) last[*r->key] = r->value;
  std::map<std::string, std::vector<bool>> out;
  for (const auto& [key, value] : last) {
    if (key.size() < suffix) continue;  // the suppress buffer's stream-time entry
    out[key.substr(0, key.size() - suffix)].push_back(!value.has_value());
  }
  return out;
}

TEST(SessionScoringErasure, ForgetsACustomerEverywhere) {
  ErasureRun run;
  eddy::TopologyTestDriver driver(scoring_topology(run), config());
  const SessionScript script(kBase, "");
  for (const auto& r : script.records()) {
    driver.pipe_raw("retail.events", r.key, r.value, r.timestamp, {});
  }
  driver.commit();
  run.live->flush();
  run.final->flush();
  // Before: alice has a closed session (served in `final`) and an open one (in the store,
  // in the suppress buffer, served in `live`).
  ASSERT_TRUE(run.final->get("alice").has_value());
  ASSERT_TRUE(run.live->get("alice").has_value());
  auto sessions = driver.session_store<std::string, eddy::examples::SessionFeatures>(
      eddy::examples::kSessionStore, eddy::serdes::string(),
      eddy::serdes::json<eddy::examples::SessionFeatures>());
  ASSERT_FALSE(sessions.fetch("alice").empty());
  const size_t dave_sessions = sessions.fetch("dave").size();
  ASSERT_GT(dave_sessions, 0u);
  const auto closed_before = run.closed;

  // The request: alice's key, no value, stamped after her events.
  driver.pipe_raw("erasure.requests", std::string("alice"), std::nullopt, kBase + 42'000, {});
  driver.commit();
  run.live->flush();
  run.final->flush();

  EXPECT_TRUE(sessions.fetch("alice").empty());
  EXPECT_EQ(sessions.fetch("dave").size(), dave_sessions);
  EXPECT_FALSE(run.live->get("alice").has_value());
  EXPECT_FALSE(run.final->get("alice").has_value());
  EXPECT_TRUE(run.live->get("dave").has_value());
  EXPECT_TRUE(run.final->get("bob").has_value());
  EXPECT_EQ(run.closed, closed_before) << "an erasure forwards nothing downstream";

  // The changelogs: every entry of alice ends in a tombstone; dave's open session does not.
  const auto store_log = tombstones_by_customer(
      driver, std::string(kApp) + "-" + eddy::examples::kSessionStore + "-changelog", 16);
  ASSERT_TRUE(store_log.contains("alice"));
  for (bool tombstone : store_log.at("alice")) EXPECT_TRUE(tombstone);
  EXPECT_EQ(std::count(store_log.at("dave").begin(), store_log.at("dave").end(), false), 1);
  const auto buffer_log = tombstones_by_customer(
      driver, std::string(kApp) + "-" + eddy::examples::kClosedSessionsStore + "-changelog", 16);
  ASSERT_TRUE(buffer_log.contains("alice")) << "alice's open session was buffered";
  for (bool tombstone : buffer_log.at("alice")) EXPECT_TRUE(tombstone);

  // Idleness closes what is open: dave's session is emitted, alice's erased one never is.
  while (driver.read_raw("session.features")) {
  }
  driver.advance_wall_clock_time(2s);
  driver.advance_wall_clock_time(20s);
  std::set<std::string> emitted;
  while (auto r = driver.read_raw("session.features")) emitted.insert(*r->key);
  EXPECT_EQ(emitted, (std::set<std::string>{"dave"}));
  run.final->flush();
  EXPECT_FALSE(run.final->get("alice").has_value());

  // She may come back: a new event starts new state.
  driver.pipe_raw("retail.events", std::string("alice"),
                  std::string(R"({"type":"page_view","customer_id":"alice","ts":)") +
                      std::to_string(kBase + 100'000) + "}",
                  kBase + 100'000, {});
  EXPECT_EQ(sessions.fetch("alice").size(), 1u);
}

}  // namespace
