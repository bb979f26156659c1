// Erasure on the real broker and Redis, exactly-once: eddy-session-scoring's topology with
// --erasure-topic, in process. After the fixed event script, one request forgets alice: her
// sessions leave the session store, her open session's buffered result leaves the suppress
// buffer, both Redis hashes are deleted, and both changelogs end with a tombstone for each
// of her entries (what compaction keeps). Then the local state is wiped (clean_up) and the
// application restarts: the stores rebuilt from the changelogs do not hold her, and closing
// every open session emits dave's, never hers, to the topic or Redis.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "eddy/kafka_streams.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/queryable_store.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "session_scoring/session_scoring_topology.h"
#include "support/real_kafka.h"
#include "support/redis_client.h"
#include "support/session_scoring_script.h"
#include "support/wait_until.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::redis_port;
using testing_support::RedisClient;
using testing_support::SessionScript;
using testing_support::unique_name;

template <typename Pred>
bool wait_for(std::chrono::milliseconds timeout, Pred pred) {
  return testing_support::wait_until(pred, timeout);
}

// Every record of `topic` partition 0 (read_committed), key -> values in order.
std::map<std::string, std::vector<std::optional<std::string>>> read_all(const std::string& topic) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("erasure-reader"),
                          .read_committed = true});
  reader.assign({{topic, 0, kafka::kOffsetBeginning}});
  const int64_t end = reader.watermarks({topic, 0}, 10s).second;
  std::map<std::string, std::vector<std::optional<std::string>>> out;
  int64_t next = 0;
  for (int empty = 0; next < end && empty < 40;) {
    // Under exactly-once the end offset counts a transaction marker that is never returned:
    // a few empty polls once the records stopped mean the end.
    auto batch = reader.poll_batch(1000, 250ms);
    empty = batch.empty() ? empty + 1 : 0;
    if (empty >= 4 && next > 0) break;
    for (const auto& m : batch) {
      out[std::string(m.key().value_or(""))].emplace_back(
          m.value() ? std::optional<std::string>(*m.value()) : std::nullopt);
      next = m.offset() + 1;
    }
  }
  return out;
}

TEST(SessionScoringErasureOnKafka, ForgottenCustomerIsGoneEverywhereAndStaysGoneAfterARestore) {
  const std::string app = unique_name("it-erasure");
  const std::string events = app + ".events";
  const std::string output = app + ".features";
  const std::string requests = app + ".erasure";
  kafka::Admin(real_props())
      .create_topics({{.name = events, .partitions = 1},
                      {.name = output, .partitions = 1},
                      {.name = requests, .partitions = 1}});
  const SessionScript script(testing_support::recent_ms() - 120'000, app + "-");
  const std::string alice = script.customer("alice");
  const std::string dave = script.customer("dave");
  {
    kafka::Producer producer({.properties = real_props()});
    for (const auto& r : script.records()) {
      producer.send({.topic = events, .key = r.key, .value = r.value, .timestamp = r.timestamp});
    }
    producer.flush(10s);
  }

  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  const auto config = StreamsConfig::from_properties({{"application.id", app},
                                                      {"bootstrap.servers", real_bootstrap()},
                                                      {"state.dir", state_dir},
                                                      {"processing.guarantee", "exactly_once_v2"},
                                                      {"commit.interval.ms", "100"},
                                                      {"poll.ms", "20"}});
  const examples::RedisEndpoint endpoint{.host = "127.0.0.1", .port = redis_port()};
  auto topology = [&](std::chrono::milliseconds idle_close) {
    examples::SessionScoringOptions options;
    options.events_topic = events;
    options.output_topic = output;
    options.erasure_topic = requests;
    options.gap = testing_support::kScriptGap;
    options.grace = testing_support::kScriptGrace;
    options.idle_close = idle_close;
    options.live_sink = examples::redis_hash_sink(endpoint, "session-live:");
    options.final_sink = examples::redis_hash_sink(endpoint, "session:");
    return examples::session_scoring_topology(config, options);
  };
  RedisClient redis;
  ASSERT_TRUE(redis.connected());
  auto exists = [&](const std::string& key) { return !redis.hgetall(key).empty(); };
  using SessionView = QueryableSessionStore<std::string, examples::SessionFeatures>;
  auto sessions_of = [](KafkaStreams& streams, const std::string& customer) -> int {
    try {
      SessionView view = streams.session_store<std::string, examples::SessionFeatures>(
          examples::kSessionStore, serdes::string(), serdes::json<examples::SessionFeatures>());
      return static_cast<int>(view.fetch(customer).size());
    } catch (const StateStoreError&) {
      return -1;  // not RUNNING yet
    }
  };

  {
    // No idle close: alice's second session stays open, buffered in the suppress store.
    KafkaStreams streams(topology(0ms), config);
    streams.start();
    ASSERT_TRUE(wait_for(30s, [&] {
      return exists("session:" + alice) && exists("session-live:" + alice) &&
             exists("session-live:" + dave) && sessions_of(streams, alice) >= 1;
    })) << "the script was not processed";
    const int dave_sessions = sessions_of(streams, dave);
    EXPECT_EQ(dave_sessions, 1);

    kafka::Producer producer({.properties = real_props()});
    producer.send({.topic = requests, .key = alice, .value = std::nullopt});  // now
    producer.flush(10s);
    EXPECT_TRUE(wait_for(20s, [&] {
      return !exists("session:" + alice) && !exists("session-live:" + alice) &&
             sessions_of(streams, alice) == 0;
    })) << "alice was not erased";
    EXPECT_EQ(sessions_of(streams, dave), dave_sessions);
    EXPECT_TRUE(exists("session-live:" + dave));
    EXPECT_TRUE(exists("session:" + script.customer("bob")));
    ASSERT_TRUE(streams.close(20s));
  }

  // The changelogs: the last record of each of alice's keys is a tombstone — except, in the
  // session store's, for a session whose segment the store had already dropped by retention
  // (gap + grace behind stream time, in 60 s segments): nothing holds it any more, a restore
  // drops it too, and its changelog records go with the topic's retention (docs/operations.md).
  const int64_t dropped_before =
      (script.at(41'000) - (testing_support::kScriptGap + testing_support::kScriptGrace).count()) /
      60'000 * 60'000;
  for (const char* store : {examples::kSessionStore, examples::kClosedSessionsStore}) {
    const auto log = read_all(app + "-" + store + "-changelog");
    int alice_keys = 0;
    for (const auto& [key, values] : log) {
      if (key.size() != alice.size() + 16 || key.compare(0, alice.size(), alice) != 0) continue;
      const int64_t end = serdes::int64().deserialize(key.substr(alice.size(), 8));
      if (store == std::string(examples::kSessionStore) && end < dropped_before) continue;
      ++alice_keys;
      EXPECT_FALSE(values.back().has_value())
          << store << ": an entry of alice is not tombstoned (window end "
          << serdes::int64().deserialize(key.substr(alice.size(), 8)) << ", start "
          << serdes::int64().deserialize(key.substr(alice.size() + 8)) << ", " << values.size()
          << " records)";
    }
    EXPECT_GT(alice_keys, 0) << store << " never held alice";
  }

  // Wipe the local state and restart: everything is restored from the changelogs. Then an
  // event far later closes every open session by stream time (dave's; alice's was erased).
  {
    KafkaStreams cleaner(topology(0ms), config);
    cleaner.clean_up();
  }
  ASSERT_FALSE(std::filesystem::exists(std::filesystem::path(state_dir) / app / "0_0"));
  {
    KafkaStreams streams(topology(0ms), config);
    streams.start();
    kafka::Producer producer({.properties = real_props()});
    const std::string erin = script.customer("erin");
    const int64_t late = script.at(100'000);
    const std::string event =
        R"({"type":"page_view","customer_id":")" + erin + R"(","ts":)" + std::to_string(late) + "}";
    producer.send({.topic = events, .key = erin, .value = event, .timestamp = late});
    producer.flush(10s);
    ASSERT_TRUE(wait_for(30s, [&] { return exists("session:" + dave); }))
        << "dave's open session did not close after the restore";
    EXPECT_EQ(sessions_of(streams, alice), 0) << "the restore brought alice back";
    EXPECT_EQ(sessions_of(streams, erin), 1);  // the restored store takes new events
    std::this_thread::sleep_for(1s);           // commit what closed
    ASSERT_TRUE(streams.close(20s));
  }
  EXPECT_FALSE(exists("session:" + alice));
  EXPECT_FALSE(exists("session-live:" + alice));
  std::set<std::string> published;
  for (const auto& [key, values] : read_all(output)) published.insert(key);
  EXPECT_TRUE(published.contains(dave));
  // alice's first session closed before the erasure (that record is the topic's: docs/
  // operations.md, "Output topics"); her erased open session must never have been emitted.
  const auto features = read_all(output);
  if (features.contains(alice)) {
    EXPECT_EQ(features.at(alice).size(), 1u) << "an erased session of alice was published";
  }

  for (const auto& pattern : {"session:" + app + "-*", "session-live:" + app + "-*"}) {
    for (const auto& key : redis.keys(pattern)) redis.cmd({"DEL", key});
  }
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
