// eddy-session-scoring, the built binary, on the real Kafka and Redis: the fixed event script
// of tests/support/session_scoring_script.h (out-of-order, late and malformed records
// included) in, every session.features record and every Redis hash checked, SIGTERM out.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/real_kafka.h"
#include "support/redis_client.h"
#include "support/session_scoring_script.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::ExpectedSession;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::SessionScript;
using testing_support::unique_name;

using testing_support::redis_port;
using testing_support::RedisClient;

// A Redis hash as the JSON the app publishes (its numbers parsed), without the version field.
nlohmann::json hash_as_json(const std::map<std::string, std::string>& hash) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& [field, value] : hash) {
    if (field != "_v") j[field] = nlohmann::json::parse(value);
  }
  return j;
}

TEST(ExampleSessionScoring, BinaryPublishesEveryClosedSessionAndServesEveryHash) {
  const std::string app = unique_name("it-session-scoring");
  const std::string events = app + ".events";
  const std::string output = app + ".features";
  // One partition: one stream time, so which event closes which session is fixed.
  kafka::Admin(real_props())
      .create_topics({{.name = events, .partitions = 1}, {.name = output, .partitions = 1}});

  const SessionScript script(testing_support::recent_ms(), app + "-");
  {
    kafka::Producer producer({.properties = real_props()});
    for (const auto& r : script.records()) {
      producer.send({.topic = events, .key = r.key, .value = r.value, .timestamp = r.timestamp});
    }
    producer.flush(10s);
  }

  const auto state_dir = std::filesystem::temp_directory_path() / app;
  const std::string log = (std::filesystem::temp_directory_path() / (app + ".log")).string();
  testing_support::ChildProcess child({EDDY_SESSION_SCORING_BINARY,
                                       "--bootstrap-servers",
                                       real_bootstrap(),
                                       "--application-id",
                                       app,
                                       "--state-dir",
                                       state_dir.string(),
                                       "--redis",
                                       "127.0.0.1:" + std::to_string(redis_port()),
                                       "--events-topic",
                                       events,
                                       "--output-topic",
                                       output,
                                       "--gap",
                                       "10s",
                                       "--grace",
                                       "5s",
                                       "--idle-close",
                                       "2s",
                                       "--commit-interval",
                                       "500ms"},
                                      log);

  // Three sessions close on stream time; the last two after 2 s of idleness, once the wall
  // clock has carried stream time past their end + gap + grace (about 15 s).
  std::vector<ExpectedSession> published;
  {
    kafka::Consumer consumer({.properties = real_props(), .group_id = app + "-reader"});
    consumer.subscribe({output});
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (published.size() < 5 && std::chrono::steady_clock::now() < deadline) {
      for (const auto& m : consumer.poll_batch(100, 200ms)) {
        published.push_back({std::string(m.key().value_or("<null>")),
                             nlohmann::json::parse(m.value().value_or("null"))});
      }
    }
    // Nothing more may come: give a stray sixth record a moment to show up.
    for (int i = 0; i < 10; ++i) {
      for (const auto& m : consumer.poll_batch(100, 200ms)) {
        published.push_back({std::string(m.key().value_or("<null>")),
                             nlohmann::json::parse(m.value().value_or("null"))});
      }
    }
    consumer.close();
  }
  EXPECT_EQ(child.terminate(), 0) << "see " << log;  // SIGTERM: a clean close

  // Within one partition, sessions closed by the same event may come in any order.
  std::sort(published.begin(), published.end(), [](const auto& a, const auto& b) {
    return a.features.at("window_end") < b.features.at("window_end");
  });
  const auto expected = script.closed_sessions();
  ASSERT_EQ(published.size(), expected.size()) << "see " << log;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(published[i].customer, expected[i].customer) << "record " << i;
    EXPECT_EQ(published[i].features, expected[i].features) << "record " << i;
  }

  RedisClient redis;
  ASSERT_TRUE(redis.connected());
  std::vector<std::string> want_final, want_live;
  for (const auto& want : script.latest_sessions()) {
    const auto final_hash = redis.hgetall("session:" + want.customer);
    const auto live_hash = redis.hgetall("session-live:" + want.customer);
    EXPECT_EQ(hash_as_json(final_hash), want.features) << "session:" << want.customer;
    EXPECT_EQ(hash_as_json(live_hash), want.features) << "session-live:" << want.customer;
    EXPECT_TRUE(final_hash.contains("_v"));  // versioned writes
    want_final.push_back("session:" + want.customer);
    want_live.push_back("session-live:" + want.customer);
  }
  std::sort(want_final.begin(), want_final.end());
  std::sort(want_live.begin(), want_live.end());
  EXPECT_EQ(redis.keys("session:" + app + "-*"), want_final);
  EXPECT_EQ(redis.keys("session-live:" + app + "-*"), want_live);
  for (const auto& key : want_final) redis.cmd({"DEL", key});
  for (const auto& key : want_live) redis.cmd({"DEL", key});
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
