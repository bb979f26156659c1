// eddy-session-scoring's topology (examples/session_scoring) on the TopologyTestDriver: the
// fixed event script of tests/support/session_scoring_script.h, every output and sink value.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <memory>

#include "eddy/errors.h"
#include "eddy/testing/topology_test_driver.h"
#include "session_scoring/memory_feature_sink.h"
#include "session_scoring/session_scoring_topology.h"
#include "support/session_scoring_script.h"

namespace {

using namespace std::chrono_literals;
using eddy::examples::ClosedSession;
using eddy::examples::EventType;
using eddy::examples::MemoryFeatureSink;
using eddy::examples::RetailEvent;
using eddy::examples::SessionFeatures;
using eddy::testing_support::ExpectedSession;
using eddy::testing_support::SessionScript;

constexpr int64_t kBase = 1'700'000'000'000;

eddy::StreamsConfig config() {
  eddy::StreamsConfig c;
  c.application_id = "session-scoring-test";
  return c;
}

std::shared_ptr<MemoryFeatureSink> memory_sink(const std::string& name) {
  return std::make_shared<MemoryFeatureSink>(
      eddy::SinkOptions{.name = name, .background_flush = false});
}

nlohmann::json fields_as_json(const eddy::FeatureFields& fields) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [name, value] : fields) j[name] = nlohmann::json::parse(value);
  return j;
}

struct ScoringRun {
  std::shared_ptr<MemoryFeatureSink> live = memory_sink("live");
  std::shared_ptr<MemoryFeatureSink> final = memory_sink("final");
  std::vector<std::pair<std::string, ClosedSession>> observed;  // via on_closed
};

eddy::Topology topology(ScoringRun& run, std::chrono::milliseconds idle_close,
                        bool cache_sessions = false) {
  eddy::examples::SessionScoringOptions options;
  options.cache_sessions = cache_sessions;
  options.gap = eddy::testing_support::kScriptGap;
  options.grace = eddy::testing_support::kScriptGrace;
  options.idle_close = idle_close;
  options.live_sink = run.live;
  options.final_sink = run.final;
  options.on_closed = [&run](const std::string& customer, const ClosedSession& s) {
    run.observed.emplace_back(customer, s);
  };
  return eddy::examples::session_scoring_topology(config(), options);
}

void pipe_script(eddy::TopologyTestDriver& driver, const SessionScript& script) {
  for (const auto& r : script.records()) {
    driver.pipe_raw("retail.events", r.key, r.value, r.timestamp, {});
  }
}

std::vector<ExpectedSession> read_output(eddy::TopologyTestDriver& driver) {
  std::vector<ExpectedSession> out;
  while (auto r = driver.read_raw("session.features")) {
    out.push_back({r->key.value_or("<null>"), nlohmann::json::parse(r->value.value_or("null"))});
  }
  return out;
}

void expect_sessions(const std::vector<ExpectedSession>& actual,
                     const std::vector<ExpectedSession>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].customer, expected[i].customer) << "record " << i;
    EXPECT_EQ(actual[i].features, expected[i].features)
        << "record " << i << " of " << actual[i].customer;
  }
}

TEST(SessionScoringFeatures, ScoreIsTheLogisticOfTheWeightedCountsRoundedToFourDecimals) {
  EXPECT_DOUBLE_EQ(SessionFeatures{}.score(), 0.1192);  // 1 / (1 + e^2)
  EXPECT_DOUBLE_EQ((SessionFeatures{.views = 1, .adds = 1}.score()), 0.1751);
  // z = 0.05*10 + 0.4*3 - 0.2*1 + 1*2 - 0.5*1 - 2 = 1.0
  EXPECT_DOUBLE_EQ(
      (SessionFeatures{.views = 10, .adds = 3, .removes = 1, .checkouts = 2, .failures = 1}
           .score()),
      0.7311);
}

TEST(SessionScoringFeatures, EventsCountAndMoveMoneyMergeAdds) {
  auto event = [](EventType type, double price, int64_t quantity) {
    return RetailEvent{.type = type, .price = price, .quantity = quantity};
  };
  SessionFeatures f;
  f = f.add(event(EventType::kPageView, 0, 1))
          .add(event(EventType::kAddToCart, 0.1, 1))
          .add(event(EventType::kAddToCart, 0.2, 1))
          .add(event(EventType::kRemoveFromCart, 0.3, 1))
          .add(event(EventType::kPurchase, 2.5, 4));
  EXPECT_EQ(f, (SessionFeatures{.views = 1,
                                .adds = 2,
                                .removes = 1,
                                .purchases = 1,
                                .cart_value = 0.1 + 0.2 - 0.3,
                                .revenue = 10.0}));
  const auto json = f.to_json(5, 9);
  EXPECT_EQ(json.at("cart_value").dump(), "0.0");  // not 5.551115123125783e-17, not -0.0
  EXPECT_EQ(json.at("revenue").dump(), "10.0");
  EXPECT_EQ(json.at("window_start"), 5);
  EXPECT_EQ(json.at("window_end"), 9);
  const auto merged = SessionFeatures::merge(f, SessionFeatures{.views = 2, .revenue = 1.5});
  EXPECT_EQ(merged.views, 3);
  EXPECT_EQ(merged.adds, 2);
  EXPECT_DOUBLE_EQ(merged.revenue, 11.5);
}

TEST(SessionScoringFeatures, MalformedEventsAreSerdeErrors) {
  const auto serde = eddy::examples::retail_event_serde();
  EXPECT_THROW(serde.deserialize("not json{"), eddy::SerdeError);
  EXPECT_THROW(serde.deserialize(R"({"type":"page_view","customer_id":"c"})"), eddy::SerdeError);
  EXPECT_THROW(serde.deserialize(R"({"type":"teleport","customer_id":"c","ts":1})"),
               eddy::SerdeError);
  // Amounts are checked at the boundary (issue 23): negative, overflowing or absurd prices
  // and quantities are malformed events, not aggregates that stop serializing later.
  for (const char* bad : {R"({"type":"add_to_cart","customer_id":"c","ts":1,"price":-1})",
                          R"({"type":"add_to_cart","customer_id":"c","ts":1,"price":1e400})",
                          R"({"type":"add_to_cart","customer_id":"c","ts":1,"price":1e7})",
                          R"({"type":"purchase","customer_id":"c","ts":1,"price":"9.99"})",
                          R"({"type":"purchase","customer_id":"c","ts":1,"quantity":-2})",
                          R"({"type":"purchase","customer_id":"c","ts":1,"quantity":10000000})",
                          // Beyond int64 (parsed as doubles): an undefined cast before the
                          // fuzzer found it (tests/fuzz/corpus/retail_event/*_beyond_int64).
                          R"({"type":"page_view","customer_id":"c","ts":340007777777777700000000})",
                          R"({"type":"page_view","customer_id":"c","ts":18446744073709551615})",
                          R"({"type":"purchase","customer_id":"c","ts":1,"quantity":1e30})",
                          R"({"type":"purchase","customer_id":"c","ts":1.5})"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(serde.deserialize(bad), eddy::SerdeError);
  }
  const auto cart = serde.deserialize(
      R"({"type":"add_to_cart","customer_id":"c","ts":1,"price":19.99,"quantity":2})");
  EXPECT_DOUBLE_EQ(cart.amount(), 39.98);
  const auto e = serde.deserialize(R"({"type":"checkout_failed","customer_id":"c","ts":7})");
  EXPECT_EQ(e.type, EventType::kCheckoutFailed);
  EXPECT_EQ(e.customer_id, "c");
  EXPECT_EQ(e.ts, 7);
  EXPECT_EQ(serde.deserialize(R"({"type":"page_view","customer_id":"c","ts":1.7e12})").ts,
            1'700'000'000'000);
}

// The serde's fast path (read_retail_event, no JSON document) takes only plainly valid
// events and reads them as from_json does; every other value is from_json's to read or refuse.
TEST(SessionScoringFeatures, TheFastEventReaderReadsWhatFromJsonReadsAndLeavesTheRestToIt) {
  const auto json = eddy::serdes::json<RetailEvent>();
  const std::vector<std::string> plain = {
      R"({"event_id":"e1","type":"add_to_cart","customer_id":"c","sku":"s","category":"books",)"
      R"("price":19.99,"quantity":2,"ts":1796666948000})",
      R"({"type":"page_view","customer_id":"c","ts":5,"extra":{"a":[1,{"b":null}]},"z":true})",
      R"({"ts":5,"customer_id":"c","type":"purchase","price":3,"quantity":0})",
      R"({"type":"page_view","customer_id":"c","ts":1,"ts":2})",  // the last one, as from_json
      R"({"type":"offer_exposure","customer_id":"c","ts":1,"offer_id":"o","sku":"s"})",
      "  {\"type\":\"page_view\",\"customer_id\":\"\\u00e9\",\"ts\":1}  "};
  for (const std::string& value : plain) {
    SCOPED_TRACE(value);
    const auto fast = eddy::examples::read_retail_event(value);
    ASSERT_TRUE(fast.has_value());
    EXPECT_EQ(*fast, json.deserialize(value));
  }
  const std::vector<std::string> left_to_from_json = {
      R"({"type":"page_view","customer_id":"c","ts":1.7e12})",  // a whole double
      R"({"type":"page_view","customer_id":"c","ts":1,"sku":null})",
      R"({"type":"page_view","customer_id":"c","ts":1,"price":"1"})",
      R"({"type":"page_view","customer_id":"c","ts":1,"quantity":[1]})",
      R"({"type":"teleport","customer_id":"c","ts":1})",
      R"({"type":"offer_exposure","customer_id":"c","ts":1,"offer_id":"o"})",
      R"({"type":"page_view","customer_id":"c"})",
      R"([{"type":"page_view","customer_id":"c","ts":1}])",
      R"({"type":"page_view","customer_id":"c","ts":1} trailing)",
      R"("text")",
      "7",
      "not json{"};
  for (const std::string& value : left_to_from_json) {
    SCOPED_TRACE(value);
    EXPECT_FALSE(eddy::examples::read_retail_event(value).has_value());
  }
}

TEST(SessionScoringTopology, ScriptGivesEveryClosedSessionAndServedValue) {
  ScoringRun run;
  eddy::TopologyTestDriver driver(topology(run, 2s), config());
  const SessionScript script(kBase, "");
  pipe_script(driver, script);
  EXPECT_EQ(driver.skipped_records(), SessionScript::kMalformedRecords);
  EXPECT_EQ(driver.late_dropped_records(), SessionScript::kLateRecords);

  // Stream time alone closed alice's first session, bob's merged one and carol's.
  auto closed_by_stream_time = read_output(driver);
  std::sort(closed_by_stream_time.begin(), closed_by_stream_time.end(),
            [](const auto& a, const auto& b) {
              return a.features.at("window_end") < b.features.at("window_end");
            });
  const auto expected = script.closed_sessions();
  expect_sessions(closed_by_stream_time, {expected[0], expected[1], expected[2]});

  // Wall-clock idleness closes the two open sessions (dave, alice's second).
  driver.advance_wall_clock_time(2s);
  driver.advance_wall_clock_time(20s);
  auto closed_by_idleness = read_output(driver);
  std::sort(closed_by_idleness.begin(), closed_by_idleness.end(),
            [](const auto& a, const auto& b) { return a.customer < b.customer; });
  expect_sessions(closed_by_idleness, {expected[4], expected[3]});  // alice, dave
  EXPECT_EQ(run.observed.size(), 5u);

  run.live->flush();
  run.final->flush();
  for (const auto& want : script.latest_sessions()) {
    const auto live = run.live->get(want.customer);
    const auto final = run.final->get(want.customer);
    ASSERT_TRUE(live.has_value()) << want.customer;
    ASSERT_TRUE(final.has_value()) << want.customer;
    EXPECT_EQ(fields_as_json(*live), want.features) << "session-live:" << want.customer;
    EXPECT_EQ(fields_as_json(*final), want.features) << "session:" << want.customer;
  }
  EXPECT_EQ(run.live->all().size(), 4u);
  EXPECT_EQ(run.final->all().size(), 4u);
}

TEST(SessionScoringTopology, WithoutIdleCloseOpenSessionsWaitForStreamTime) {
  ScoringRun run;
  eddy::TopologyTestDriver driver(topology(run, 0ms), config());
  const SessionScript script(kBase, "");
  pipe_script(driver, script);
  EXPECT_EQ(read_output(driver).size(), 3u);
  driver.advance_wall_clock_time(std::chrono::hours(1));
  EXPECT_TRUE(read_output(driver).empty());
  // An event of another customer 16 s after alice's last one moves stream time past
  // dave's and alice's session end + gap + grace.
  driver.pipe_raw("retail.events", std::string("erin"),
                  std::string(R"({"type":"page_view","customer_id":"erin","ts":)") +
                      std::to_string(script.at(57'000)) + "}",
                  script.at(57'000), {});
  const auto expected = script.closed_sessions();
  auto closed = read_output(driver);
  std::sort(closed.begin(), closed.end(),
            [](const auto& a, const auto& b) { return a.customer < b.customer; });
  expect_sessions(closed, {expected[4], expected[3]});
}

TEST(SessionScoringTopology, CachedSessionStoreClosesTheSameSessions) {
  ScoringRun run;
  eddy::TopologyTestDriver driver(topology(run, 0ms, /*cache_sessions=*/true), config());
  const SessionScript script(kBase, "");
  pipe_script(driver, script);
  driver.pipe_raw("retail.events", std::string("erin"),
                  std::string(R"({"type":"page_view","customer_id":"erin","ts":)") +
                      std::to_string(script.at(57'000)) + "}",
                  script.at(57'000), {});
  driver.commit();  // the cache's updates reach the suppress buffer at a commit
  auto closed = read_output(driver);
  std::sort(closed.begin(), closed.end(), [](const auto& a, const auto& b) {
    return a.features.at("window_end") < b.features.at("window_end");
  });
  auto expected = script.closed_sessions();
  std::sort(expected.begin(), expected.end(), [](const auto& a, const auto& b) {
    return a.features.at("window_end") < b.features.at("window_end");
  });
  expect_sessions(closed, expected);
}

}  // namespace

// The session store's serde writes and reads the JSON of to_json/from_json without a JSON
// document; what it reads must be what from_json reads, whatever the shape.
namespace store_serde {
const SessionFeatures kFeatures{.views = 12,
                                .adds = 3,
                                .removes = 1,
                                .checkouts = 1,
                                .failures = 0,
                                .purchases = 9'007'199'254'740'993,  // above 2^53: stays exact
                                .cart_value = 0.1 + 0.2,
                                .revenue = -1.5e-7};

TEST(SessionFeaturesStoreSerde, RoundTripsEveryFieldExactly) {
  const auto serde = eddy::examples::session_features_serde();
  for (const SessionFeatures& f : {kFeatures, SessionFeatures{}}) {
    EXPECT_EQ(serde.deserialize(serde.to_bytes(f)), f);
  }
}

TEST(SessionFeaturesStoreSerde, ReadsWhatTheJsonSerdeWroteAndTheJsonSerdeReadsWhatItWrites) {
  // Stores and changelogs written before this serde hold to_json's text.
  const auto serde = eddy::examples::session_features_serde();
  const auto json = eddy::serdes::json<SessionFeatures>();
  EXPECT_EQ(serde.deserialize(json.to_bytes(kFeatures)), kFeatures);
  EXPECT_EQ(json.deserialize(serde.to_bytes(kFeatures)), kFeatures);
  EXPECT_EQ(serde.to_bytes(SessionFeatures{}),
            R"({"adds":0,"cart_value":0,"checkouts":0,"failures":0,"purchases":0,)"
            R"("removes":0,"revenue":0,"views":0})");
}

TEST(SessionFeaturesStoreSerde, AnyOtherShapeReadsAsFromJsonReadsIt) {
  const auto serde = eddy::examples::session_features_serde();
  const auto json = eddy::serdes::json<SessionFeatures>();
  const std::string text = serde.to_bytes(kFeatures);
  const std::vector<std::string> same = {
      " " + text,  // white space
      R"({"views":12,"adds":3,"removes":1,"checkouts":1,"failures":0,"purchases":)"
      R"(9007199254740993,"cart_value":0.30000000000000004,"revenue":-1.5e-7})",  // order
      text.substr(0, text.size() - 1) + R"(,"note":"x"})",  // a field it does not know
      R"({"adds":3.0,"cart_value":0.30000000000000004,"checkouts":1,"failures":0,)"
      R"("purchases":9007199254740993,"removes":1,"revenue":-1.5e-7,"views":12})"};  // 3.0
  for (const std::string& shape : same) {
    EXPECT_EQ(serde.deserialize(shape), json.deserialize(shape)) << shape;
  }
  const std::vector<std::string> refused = {
      "",
      "{}",
      "null",
      R"({"adds":007})",
      text.substr(0, text.size() - 1),  // cut short
      R"({"adds":1,"cart_value":null,"checkouts":0,"failures":0,"purchases":0,)"
      R"("removes":0,"revenue":0,"views":0})",  // non-finite, as written
      R"({"adds":1,"adds":1,"cart_value":0,"checkouts":0,"failures":0,"purchases":0,)"
      R"("removes":0,"revenue":0})"};  // no views
  for (const std::string& shape : refused) {
    EXPECT_THROW(serde.deserialize(shape), eddy::SerdeError) << shape;
    EXPECT_THROW(json.deserialize(shape), eddy::SerdeError) << shape;
  }
}

TEST(SessionFeaturesStoreSerde, ANonFiniteAmountIsWrittenAsJsonWritesIt) {
  SessionFeatures f = kFeatures;
  f.revenue = std::numeric_limits<double>::infinity();
  const auto serde = eddy::examples::session_features_serde();
  for (const std::string& text :
       {serde.to_bytes(f), eddy::serdes::json<SessionFeatures>().to_bytes(f)}) {
    EXPECT_NE(text.find(R"("revenue":null)"), std::string::npos) << text;
    EXPECT_THROW(serde.deserialize(text), eddy::SerdeError) << text;
  }
}
}  // namespace store_serde
