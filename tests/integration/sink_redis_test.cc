// RedisSink against the real redis-server on loopback (scripts/redis.sh start; port
// $EDDY_REDIS_PORT, default 6379): hashes with fields and TTLs, versioned writes that a
// replay cannot make stale, tombstones, the sorted-set mode, NOSCRIPT and connection loss,
// and backpressure while Redis is paused.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "eddy/sink/redis_sink.h"
#include "support/redis_client.h"

namespace eddy {
namespace {

using namespace std::chrono_literals;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using testing_support::redis_port;
using testing_support::RedisClient;

class RedisSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.connected()) << "no redis-server on 127.0.0.1:" << redis_port()
                                    << "; start one with scripts/redis.sh start";
    prefix_ = "it:" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
              ":" + std::to_string(::getpid()) + ":";
  }
  void TearDown() override {
    if (!redis_.connected()) return;
    redis_.delete_matching(prefix_ + "*");
    redis_.delete_matching("eddy:tomb:" + prefix_ + "*");
    redis_.delete_matching("eddy:versions:" + prefix_ + "*");
  }
  RedisSinkOptions options() {
    RedisSinkOptions o;
    o.port = redis_port();
    o.key_prefix = prefix_;
    o.sink.name = "it";
    o.sink.latency_budget = 5ms;
    o.sink.retry_backoff_initial = 10ms;
    o.sink.retry_backoff_max = 200ms;
    return o;
  }
  static FeatureUpdate upd(const std::string& key, FeatureFields fields, int64_t ts, int64_t offset,
                           int32_t partition = 0) {
    return FeatureUpdate::upsert(key, std::move(fields), ts, {"clicks", partition, offset});
  }
  static std::string version(int64_t ts, int32_t partition, int64_t offset) {
    return std::to_string(ts) + ":" + std::to_string(partition) + ":" + std::to_string(offset);
  }

  RedisClient redis_;
  std::string prefix_;
};

TEST_F(RedisSinkTest, FeaturesLandAsHashesWithFieldsAndTtl) {
  auto o = options();
  o.ttl = 60s;
  RedisSink sink(o);
  const int64_t ts = now_ms();
  for (int i = 0; i < 300; ++i) {
    sink.submit(upd("c" + std::to_string(i),
                    {{"views_5m", std::to_string(i)}, {"cart", std::to_string(i * 2)}}, ts + i,
                    1000 + i, 3));
  }
  sink.flush();
  for (int i = 0; i < 300; ++i) {
    const std::string key = prefix_ + "c" + std::to_string(i);
    const auto hash = redis_.hgetall(key);
    ASSERT_EQ(hash.size(), 3u) << key;
    EXPECT_EQ(hash.at("views_5m"), std::to_string(i));
    EXPECT_EQ(hash.at("cart"), std::to_string(i * 2));
    EXPECT_EQ(hash.at("_v"), version(ts + i, 3, 1000 + i));
    const long long pttl = redis_.integer({"PTTL", key});
    EXPECT_GT(pttl, 50'000) << key;
    EXPECT_LE(pttl, 60'000) << key;
  }
  const auto stats = sink.stats();
  EXPECT_EQ(stats.applied, 300u);
  EXPECT_EQ(stats.rejected_stale, 0u);
  const auto freshness = sink.freshness();
  EXPECT_EQ(freshness.event_time_total.count, 300u);
  EXPECT_EQ(freshness.event_time_window.count, 300u);
  EXPECT_LT(freshness.event_time_window.p50_ms, 5000.0);

  // Without a TTL the hash does not expire; a write replaces the whole hash.
  RedisSink no_ttl(options());
  no_ttl.submit(upd("c0", {{"views_5m", "99"}}, ts + 10'000, 5000, 3));
  no_ttl.flush();
  EXPECT_EQ(redis_.integer({"PTTL", prefix_ + "c0"}), -1);
  const auto replaced = redis_.hgetall(prefix_ + "c0");
  EXPECT_EQ(replaced.size(), 2u);  // "cart" is gone
  EXPECT_EQ(replaced.at("views_5m"), "99");
}

TEST_F(RedisSinkTest, OlderVersionWrittenDirectlyIsRejected) {
  RedisSink sink(options());
  const std::string key = prefix_ + "c1";
  sink.submit(upd("c1", {{"score", "new"}}, 2000, 50, 1));
  sink.flush();
  // A second instance (a restarted one, with nothing pending) writes older versions.
  RedisSink replay(options());
  replay.submit(upd("c1", {{"score", "older-event-time"}}, 1999, 900, 7));
  replay.flush();
  EXPECT_EQ(redis_.hgetall(key).at("score"), "new");
  replay.submit(upd("c1", {{"score", "same-time-lower-partition"}}, 2000, 900, 0));
  replay.flush();
  replay.submit(upd("c1", {{"score", "same-time-lower-offset"}}, 2000, 49, 1));
  replay.flush();
  EXPECT_EQ(redis_.hgetall(key).at("score"), "new");
  EXPECT_EQ(redis_.hgetall(key).at("_v"), version(2000, 1, 50));
  EXPECT_EQ(replay.stats().rejected_stale, 3u);
  EXPECT_EQ(replay.stats().applied, 0u);
  EXPECT_EQ(replay.freshness().event_time_total.count, 0u);  // rejected: not "visible"
  // The same version again is idempotent (applied); a newer one wins.
  replay.submit(upd("c1", {{"score", "newer-offset"}}, 2000, 51, 1));
  replay.flush();
  EXPECT_EQ(redis_.hgetall(key).at("score"), "newer-offset");
}

TEST_F(RedisSinkTest, OutcomesAreReportedPerUpdateAcrossScriptChunks) {
  auto o = options();
  o.writes_per_call = 3;  // a batch of 10 is 4 pipelined script calls
  RedisSink sink(o);
  for (int i = 0; i < 10; ++i) sink.submit(upd("k" + std::to_string(i), {{"v", "first"}}, 2000, i));
  sink.flush();
  RedisSink replay(o);
  for (int i = 0; i < 10; ++i) {
    // Even keys get an older version (rejected), odd keys a newer one (applied).
    const int64_t ts = i % 2 == 0 ? 1999 : 2001;
    replay.submit(upd("k" + std::to_string(i), {{"v", "second"}}, ts, 100 + i));
  }
  replay.flush();
  EXPECT_EQ(replay.stats().batches, 1u);
  EXPECT_EQ(replay.stats().applied, 5u);
  EXPECT_EQ(replay.stats().rejected_stale, 5u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(redis_.hgetall(prefix_ + "k" + std::to_string(i)).at("v"),
              i % 2 == 0 ? "first" : "second")
        << i;
  }
}

TEST_F(RedisSinkTest, ReplayFromAnEarlierOffsetLeavesEveryHashAtTheNewestVersion) {
  // 3000 updates of 60 keys from two partitions, event times mostly increasing with some
  // out-of-order records, as a real topic has.
  struct Rec {
    std::string key;
    int64_t ts;
    int32_t partition;
    int64_t offset;
  };
  std::vector<Rec> log;
  std::mt19937 rng(42);
  int64_t offsets[2] = {0, 0};
  for (int i = 0; i < 3000; ++i) {
    const int k = static_cast<int>(rng() % 60);
    const int32_t p = k % 2;
    const int64_t ts = 1'000'000 + i * 10 - static_cast<int64_t>(rng() % 50);  // jitter
    log.push_back({"k" + std::to_string(k), ts, p, offsets[p]++});
  }
  // The newest version per key decides what must be in Redis.
  std::map<std::string, Rec> newest;
  for (const auto& r : log) {
    auto it = newest.find(r.key);
    if (it == newest.end() ||
        FeatureVersion{r.ts, r.partition, r.offset} >=
            FeatureVersion{it->second.ts, it->second.partition, it->second.offset}) {
      newest[r.key] = r;
    }
  }
  auto fields_of = [](const Rec& r) {
    return FeatureFields{{"at", std::to_string(r.ts)}, {"offset", std::to_string(r.offset)}};
  };
  {
    auto o = options();
    o.sink.max_batch = 64;
    RedisSink sink(o);
    for (const auto& r : log) {
      sink.submit(upd(r.key, fields_of(r), r.ts, r.offset, r.partition));
      if (r.offset % 100 == 0) sink.flush();  // commits along the way
    }
    sink.flush();
  }
  // A crash: a new instance replays from an earlier committed offset (the second third of
  // the log, then the rest), with small batches so the old versions really reach Redis.
  auto o = options();
  o.sink.max_batch = 7;
  o.writes_per_call = 3;
  RedisSink replay(o);
  for (std::size_t i = 1000; i < log.size(); ++i) {
    const auto& r = log[i];
    replay.submit(upd(r.key, fields_of(r), r.ts, r.offset, r.partition));
    replay.maybe_flush();
  }
  // ... and a zombie re-sends an older stretch after that.
  for (std::size_t i = 200; i < 1500; ++i) {
    const auto& r = log[i];
    replay.submit(upd(r.key, fields_of(r), r.ts, r.offset, r.partition));
  }
  replay.flush();
  EXPECT_GT(replay.stats().rejected_stale, 0u);
  for (const auto& [key, r] : newest) {
    const auto hash = redis_.hgetall(prefix_ + key);
    ASSERT_FALSE(hash.empty()) << key;
    EXPECT_EQ(hash.at("_v"), version(r.ts, r.partition, r.offset)) << key;
    EXPECT_EQ(hash.at("at"), std::to_string(r.ts)) << key;
    EXPECT_EQ(hash.at("offset"), std::to_string(r.offset)) << key;
  }
}

TEST_F(RedisSinkTest, TombstonesDeleteTheKeyAndBlockOlderWrites) {
  RedisSink sink(options());
  const std::string key = prefix_ + "c1";
  const std::string marker = "eddy:tomb:" + key;
  sink.submit(upd("c1", {{"views", "1"}}, 1000, 10));
  sink.submit(upd("c2", {{"views", "2"}}, 1000, 11));
  sink.flush();
  ASSERT_EQ(redis_.integer({"EXISTS", key}), 1);

  // A delete older than the stored version is ignored.
  sink.submit(FeatureUpdate::erase("c1", 999, {"clicks", 0, 9}));
  sink.flush();
  EXPECT_EQ(redis_.integer({"EXISTS", key}), 1);
  EXPECT_EQ(sink.stats().rejected_stale, 1u);

  // A tombstone (null value) deletes the key and leaves a marker with its version.
  sink.submit(FeatureUpdate::erase("c1", 1001, {"clicks", 0, 12}));
  // A TTL expiry arrives the same way: a delete with the expiry's time.
  sink.submit(FeatureUpdate::erase("c2", 5000, {"clicks", 0, 13}));
  sink.flush();
  EXPECT_EQ(redis_.integer({"EXISTS", key}), 0);
  EXPECT_EQ(redis_.integer({"EXISTS", prefix_ + "c2"}), 0);
  EXPECT_EQ(redis_.get(marker), version(1001, 0, 12));
  const long long marker_ttl = redis_.integer({"PTTL", marker});
  EXPECT_GT(marker_ttl, 23 * 3600 * 1000LL);  // the 24 h tombstone retention

  // An older write arriving after the delete (a replay) does not resurrect the key.
  RedisSink replay(options());
  replay.submit(upd("c1", {{"views", "old"}}, 1000, 10));
  replay.flush();
  EXPECT_EQ(redis_.integer({"EXISTS", key}), 0);
  EXPECT_EQ(replay.stats().rejected_stale, 1u);

  // A newer write brings it back and removes the marker.
  replay.submit(upd("c1", {{"views", "3"}}, 1002, 14));
  replay.flush();
  EXPECT_EQ(redis_.hgetall(key).at("views"), "3");
  EXPECT_EQ(redis_.integer({"EXISTS", marker}), 0);
  EXPECT_EQ(sink.stats().deletes, 2u);
}

TEST_F(RedisSinkTest, SortedSetModeKeepsVersionedRankings) {
  auto o = options();
  o.mode = RedisSinkMode::kSortedSet;
  o.sorted_set_key = prefix_ + "trending";
  o.score_field = "score";
  RedisSink sink(o);
  sink.submit(upd("sku-1", {{"score", "10"}}, 1000, 1));
  sink.submit(upd("sku-2", {{"score", "30.5"}}, 1000, 2));
  sink.submit(upd("sku-3", {{"score", "20"}, {"other", "x"}}, 1000, 3));
  sink.flush();
  auto top = redis_.cmd({"ZREVRANGE", o.sorted_set_key, "0", "-1"});
  ASSERT_EQ(top->elements, 3u);
  EXPECT_STREQ(top->element[0]->str, "sku-2");
  EXPECT_STREQ(top->element[1]->str, "sku-3");

  RedisSink replay(o);
  replay.submit(upd("sku-1", {{"score", "99"}}, 999, 0));  // older: rejected
  replay.submit(upd("sku-3", {{"score", "5"}}, 1001, 4));  // newer: applied
  replay.submit(FeatureUpdate::erase("sku-2", 1001, {"clicks", 0, 5}));
  replay.flush();
  EXPECT_EQ(replay.stats().rejected_stale, 1u);
  auto rest = redis_.cmd({"ZRANGE", o.sorted_set_key, "0", "-1", "WITHSCORES"});
  ASSERT_EQ(rest->elements, 4u);
  EXPECT_STREQ(rest->element[0]->str, "sku-3");
  EXPECT_STREQ(rest->element[1]->str, "5");
  EXPECT_STREQ(rest->element[2]->str, "sku-1");
  EXPECT_STREQ(rest->element[3]->str, "10");
  // The delete's version stays, so a late older write does not bring sku-2 back.
  replay.submit(upd("sku-2", {{"score", "30.5"}}, 1000, 2));
  replay.flush();
  EXPECT_EQ(redis_.integer({"ZSCORE", o.sorted_set_key, "sku-2"}), 0);
  EXPECT_EQ(redis_.cmd({"ZSCORE", o.sorted_set_key, "sku-2"})->type, REDIS_REPLY_NIL);

  // A missing score is a data error that fails the sink, naming the key.
  replay.submit(upd("sku-9", {{"views", "1"}}, 2000, 9));
  try {
    replay.flush();
    FAIL() << "expected a SinkError";
  } catch (const SinkError& e) {
    EXPECT_FALSE(e.retriable());
    EXPECT_NE(std::string(e.what()).find("sku-9"), std::string::npos) << e.what();
  }
}

// Redis 6+ ACLs: a user allowed the sink's keys and scripts writes; a wrong password and a
// user without the rights are refused with a non-retriable error naming the user, and the
// password is in no message. The database of `db` is the one written.
TEST_F(RedisSinkTest, AnAclUserWritesAndAWrongOrUnauthorisedUserIsRefused) {
  const std::string user = "eddy-sink-" + std::to_string(::getpid());
  const std::string password = "acl-pw-" + std::to_string(now_ms());
  const std::string outsider = user + "-outsider";
  // Enough for the sink and nothing else (docs/sinks.md): its keys, its script and the
  // commands the script runs, SELECT.
  ASSERT_EQ(redis_
                .cmd({"ACL", "SETUSER", user, "reset", "on", ">" + password, "~" + prefix_ + "*",
                      "~eddy:tomb:" + prefix_ + "*", "+evalsha", "+script|load", "+select", "+hget",
                      "+hset", "+del", "+pexpire", "+get", "+set"})
                ->type,
            REDIS_REPLY_STATUS);
  ASSERT_EQ(
      redis_.cmd({"ACL", "SETUSER", outsider, "reset", "on", ">" + password, "~other:*", "+get"})
          ->type,
      REDIS_REPLY_STATUS);

  RedisSinkOptions o = options();
  o.username = user;
  o.password = password;
  o.db = 3;
  o.connect_timeout = 500ms;
  o.command_timeout = 1000ms;
  {
    RedisSink sink(o);
    sink.submit(upd("acl-1", {{"views", "7"}}, 1000, 1));
    sink.flush();
    EXPECT_EQ(sink.stats().applied, 1u);
  }
  redis_.cmd({"SELECT", "3"});
  EXPECT_EQ(redis_.hgetall(prefix_ + "acl-1").at("views"), "7");
  redis_.delete_matching(prefix_ + "*");
  redis_.cmd({"SELECT", "0"});

  auto refused = [&](RedisSinkOptions bad, const std::string& expect) {
    RedisSink sink(bad);
    sink.submit(upd("acl-2", {{"views", "1"}}, 1000, 2));
    try {
      sink.flush(5s);
      ADD_FAILURE() << "expected a SinkError for user " << bad.username;
    } catch (const SinkError& e) {
      const std::string what = e.what();
      EXPECT_FALSE(e.retriable()) << what;
      EXPECT_NE(what.find(expect), std::string::npos) << what;
      EXPECT_NE(what.find("user '" + bad.username + "'"), std::string::npos) << what;
      EXPECT_EQ(what.find(password), std::string::npos) << what;
      EXPECT_EQ(what.find(bad.password), std::string::npos) << what;
    }
  };
  RedisSinkOptions wrong = o;
  wrong.password = "not-the-password";
  refused(wrong, "WRONGPASS");
  RedisSinkOptions unauthorised = o;
  unauthorised.username = outsider;
  refused(unauthorised, "NOPERM");

  redis_.cmd({"ACL", "DELUSER", user, outsider});
}

TEST_F(RedisSinkTest, InvalidUpdatesAreSkippedWhenTheSinkLogsAndContinues) {
  auto o = options();
  o.mode = RedisSinkMode::kSortedSet;
  o.sorted_set_key = prefix_ + "ranks";
  o.score_field = "score";
  o.invalid_updates = ErrorHandling::kLogAndContinue;
  o.writes_per_call = 2;
  RedisSink sink(o);
  sink.submit(upd("a", {{"score", "1"}}, 1000, 1));
  sink.submit(upd("bad", {{"score", "NaN-ish"}}, 1000, 2));
  sink.submit(upd("b", {{"score", "2"}}, 1000, 3));
  sink.submit(upd("none", {{"views", "2"}}, 1000, 4));
  sink.submit(upd("c", {{"score", "3"}}, 1000, 5));
  sink.flush();
  const auto stats = sink.stats();
  EXPECT_EQ(stats.skipped_invalid, 2u);
  EXPECT_EQ(stats.applied, 3u);
  EXPECT_FALSE(stats.failed);
  EXPECT_EQ(redis_.integer({"ZCARD", o.sorted_set_key}), 3);

  auto h = options();
  h.invalid_updates = ErrorHandling::kLogAndContinue;
  RedisSink hashes(h);
  hashes.submit(upd("x", {{"_v", "clash"}}, 1000, 1));
  hashes.submit(upd("y", {{"v", "1"}}, 1000, 2));
  hashes.flush();
  EXPECT_EQ(hashes.stats().skipped_invalid, 1u);
  EXPECT_EQ(redis_.integer({"EXISTS", prefix_ + "x"}), 0);
  EXPECT_EQ(redis_.hgetall(prefix_ + "y").at("v"), "1");

  auto d = options();
  d.invalid_updates = ErrorHandling::kDeadLetter;
  EXPECT_THROW(RedisSink{d}, ConfigError);
}

TEST_F(RedisSinkTest, ScriptFlushAndKilledConnectionAreSurvived) {
  RedisSink sink(options());
  sink.submit(upd("c1", {{"v", "1"}}, 1000, 1));
  sink.flush();
  // The server forgets the script (as after a restart): NOSCRIPT -> reload -> applied.
  redis_.cmd({"SCRIPT", "FLUSH"});
  sink.submit(upd("c1", {{"v", "2"}}, 1001, 2));
  sink.flush();
  EXPECT_EQ(redis_.hgetall(prefix_ + "c1").at("v"), "2");
  // The connection is killed: the batch is retried on a new connection and counted.
  redis_.cmd({"CLIENT", "KILL", "SKIPME", "yes", "TYPE", "normal"});
  sink.submit(upd("c1", {{"v", "3"}}, 1002, 3));
  sink.flush();
  EXPECT_EQ(redis_.hgetall(prefix_ + "c1").at("v"), "3");
  const auto stats = sink.stats();
  EXPECT_EQ(stats.connection_losses, 1u);
  EXPECT_GE(stats.failed_attempts, 1u);
}

TEST_F(RedisSinkTest, BackpressureWhileRedisIsPausedThenEverythingLands) {
  auto o = options();
  o.sink.max_pending = 2000;
  o.sink.resume_pending = 1000;
  o.sink.max_batch = 200;
  o.sink.retry_backoff_initial = 20ms;
  o.sink.retry_backoff_max = 200ms;
  o.command_timeout = 300ms;  // shorter than the pause: the sink sees timeouts, reconnects
  RedisSink sink(o);
  // Warm up the connection (and load the script) before the pause.
  sink.submit(upd("warm", {{"v", "0"}}, now_ms(), 0));
  sink.flush();

  RedisClient pauser;
  auto paused_reply = pauser.cmd({"CLIENT", "PAUSE", "1500", "ALL"});
  ASSERT_EQ(paused_reply->type, REDIS_REPLY_STATUS) << paused_reply->str;
  const auto pause_start = std::chrono::steady_clock::now();

  // Submit until the sink says it is paused; it must keep accepting until max_pending.
  int submitted = 0;
  while (!sink.paused() && submitted < 100'000) {
    sink.submit(upd("k" + std::to_string(submitted), {{"v", std::to_string(submitted)}}, now_ms(),
                    submitted + 1));
    ++submitted;
  }
  const auto paused_after = std::chrono::steady_clock::now() - pause_start;
  ASSERT_TRUE(sink.paused());
  EXPECT_LT(paused_after, 1500ms) << "backpressure must show while Redis is still paused";
  EXPECT_GE(submitted, 2000 - 200);  // only the warm-up batch had gone out before the pause
  EXPECT_LE(submitted, 2000);
  // A few more arrive after the signal (the runtime finishing its batch): still not dropped.
  for (int i = 0; i < 50; ++i, ++submitted) {
    sink.submit(upd("k" + std::to_string(submitted), {{"v", std::to_string(submitted)}}, now_ms(),
                    submitted + 1));
  }
  auto stats = sink.stats();
  EXPECT_EQ(stats.pending + stats.in_flight + stats.acknowledged - 1,
            static_cast<std::size_t>(submitted));

  // Redis comes back: everything lands and the pause lifts.
  EXPECT_TRUE(sink.wait_for_capacity(20s));
  sink.flush(30s);
  EXPECT_FALSE(sink.paused());
  for (int i = 0; i < submitted; ++i) {
    const auto hash = redis_.hgetall(prefix_ + "k" + std::to_string(i));
    ASSERT_EQ(hash.count("v"), 1u) << "k" << i;
    ASSERT_EQ(hash.at("v"), std::to_string(i));
  }
  stats = sink.stats();
  EXPECT_EQ(stats.applied, static_cast<uint64_t>(submitted) + 1);
  EXPECT_EQ(stats.pause_events, 1u);
  EXPECT_GE(stats.connection_losses, 1u);
  EXPECT_GE(stats.failed_attempts, 1u);
  // The pause shows in freshness: the slowest updates waited about as long as the pause.
  const auto freshness = sink.freshness();
  EXPECT_GT(freshness.event_time_window.max_ms, 1000.0);
}

}  // namespace
}  // namespace eddy
