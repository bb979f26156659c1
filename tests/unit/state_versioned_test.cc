// Versioned key-value stores (KIP-889/914): put answers, reads as of a time, out-of-order
// writes and deletes, history retention, and the changelog that rebuilds them. Every case
// runs on RocksDB and in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/stores.h"
#include "eddy/state/versioned_key_value_store.h"
#include "state/decorators/ttl_key_value_store.h"
#include "state/erasure.h"
#include "state/layered_store.h"
#include "state/memory_changelog.h"
#include "state/restore/task_state_manager.h"
#include "state/store_factory.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;
using Record = VersionedRecord<std::string>;
constexpr int64_t kLatest = BytesVersionedKeyValueStore::kPutIsLatest;
constexpr int64_t kNotPut = BytesVersionedKeyValueStore::kPutNotPut;

class VersionedStoreTest : public ::testing::TestWithParam<bool>,  // param: persistent
                           protected testing::LoggedTaskFixture {
 protected:
  StoreSpec spec(int64_t retention_ms) {
    StoreSpec s = Stores::persistent_versioned_key_value_store("prices", milliseconds(retention_ms))
                      .with_logging()
                      .spec();
    s.persistent = GetParam();
    return s;
  }
  VersionedKeyValueStore<std::string, std::string> typed(StateStore& store) {
    return VersionedKeyValueStore<std::string, std::string>(
        dynamic_cast<BytesVersionedKeyValueStore&>(store), serdes::string(), serdes::string());
  }
};

TEST_P(VersionedStoreTest, ReadsAsOfATimeAndAnswersPutsLikeKafkaStreams) {
  TaskStateManager state(dir_.path(), context());
  auto store = typed(state.register_store(spec(1'000)));
  state.restore(changelog_);

  EXPECT_EQ(store.put("sku", "10", 100), kLatest);
  EXPECT_EQ(store.put("sku", "12", 200), kLatest);
  EXPECT_EQ(store.put("sku", "11", 150), 200);      // out of order: valid until the next version
  EXPECT_EQ(store.put("sku", "9", 50), 100);        // before the first version
  EXPECT_EQ(store.put("sku", "13", 200), kLatest);  // same timestamp: replaces the latest

  EXPECT_EQ(store.get("sku"), (Record{"13", 200, std::nullopt}));
  EXPECT_EQ(store.get("sku", 49), std::nullopt);
  EXPECT_EQ(store.get("sku", 50), (Record{"9", 50, 100}));
  EXPECT_EQ(store.get("sku", 99), (Record{"9", 50, 100}));
  EXPECT_EQ(store.get("sku", 100), (Record{"10", 100, 150}));
  EXPECT_EQ(store.get("sku", 160), (Record{"11", 150, 200}));
  EXPECT_EQ(store.get("sku", 200), (Record{"13", 200, std::nullopt}));
  EXPECT_EQ(store.get("sku", 10'000), (Record{"13", 200, std::nullopt}));
  EXPECT_EQ(store.get("other", 150), std::nullopt);
  // As a key-value store it shows the latest values, stamped with their timestamps.
  auto& bytes = dynamic_cast<BytesKeyValueStore&>(store.bytes_store());
  auto latest = testing::drain(bytes.all());
  ASSERT_EQ(latest.size(), 1u);
  EXPECT_EQ(latest[0].first, "sku");
  EXPECT_EQ(latest[0].second.substr(8), "13");
}

TEST_P(VersionedStoreTest, DeletesAreVersionsToo) {
  TaskStateManager state(dir_.path(), context());
  auto store = typed(state.register_store(spec(10'000)));
  state.restore(changelog_);

  EXPECT_EQ(store.put("k", "a", 10), kLatest);
  EXPECT_EQ(store.remove("k", 20), (Record{"a", 10, std::nullopt}));
  EXPECT_EQ(store.get("k"), std::nullopt);
  EXPECT_EQ(store.get("k", 15), (Record{"a", 10, 20}));
  EXPECT_EQ(store.get("k", 25), std::nullopt);
  // Late writes land inside the deleted stretch or before it, never after the delete.
  EXPECT_EQ(store.put("k", "b", 15), 20);
  EXPECT_EQ(store.get("k", 17), (Record{"b", 15, 20}));
  EXPECT_EQ(store.get("k", 20), std::nullopt);
  EXPECT_EQ(store.put("k", "c", 30), kLatest);
  EXPECT_EQ(store.get("k", 25), std::nullopt);
  EXPECT_EQ(store.get("k", 30), (Record{"c", 30, std::nullopt}));
  // A delete of a key never held is a version: a later write before it is history.
  auto& raw = store.bytes_store();
  EXPECT_EQ(raw.put_versioned("new", std::nullopt, 100), kLatest);
  EXPECT_EQ(store.put("new", "x", 90), 100);
  EXPECT_EQ(store.get("new", 95), (Record{"x", 90, 100}));
  EXPECT_EQ(store.get("new"), std::nullopt);
  EXPECT_EQ(store.put("new", "y", 120), kLatest);
  // Deletes after a delete keep their own boundaries.
  EXPECT_EQ(raw.put_versioned("d", "v", 10), kLatest);
  EXPECT_EQ(raw.put_versioned("d", std::nullopt, 20), kLatest);
  EXPECT_EQ(raw.put_versioned("d", std::nullopt, 40), kLatest);
  EXPECT_EQ(store.put("d", "w", 30), 40);
  EXPECT_EQ(store.get("d", 35), (Record{"w", 30, 40}));
  EXPECT_EQ(store.get("d", 40), std::nullopt);
  // Kafka Streams keeps no trace of a delete at the timestamp of a key's only version.
  EXPECT_EQ(raw.put_versioned("q", "v", 10), kLatest);
  EXPECT_EQ(raw.put_versioned("q", std::nullopt, 10), kLatest);
  EXPECT_EQ(store.put("q", "w", 5), kLatest);
}

TEST_P(VersionedStoreTest, RefusesWritesOlderThanTheHistoryRetention) {
  TaskStateManager state(dir_.path(), context());
  auto store = typed(state.register_store(spec(100)));
  state.restore(changelog_);

  EXPECT_EQ(store.put("k", "a", 1'000), kLatest);
  EXPECT_EQ(store.put("k", "b", 1'200), kLatest);
  EXPECT_EQ(store.put("k", "old", 1'099), kNotPut);  // stream time 1200 - 100 > 1099
  EXPECT_EQ(store.put("k", "late", 1'100), 1'200);   // exactly at the edge: kept
  EXPECT_EQ(store.get("k", 1'150), (Record{"late", 1'100, 1'200}));
  // Reads older than the retention see only a latest version that is not newer.
  EXPECT_EQ(store.get("k", 1'050), std::nullopt);
  EXPECT_EQ(store.put("other", "x", 1'150), kLatest);
  EXPECT_EQ(store.put("other", "y", 1'180), kLatest);
  EXPECT_EQ(store.put("k", "c", 5'000), kLatest);
  EXPECT_EQ(store.get("other", 1'170), std::nullopt);  // history expired
  EXPECT_EQ(store.get("other", 4'000), (Record{"y", 1'180, std::nullopt}));
  EXPECT_EQ(store.bytes_store().observed_stream_time(), 5'000);
}

TEST_P(VersionedStoreTest, ExpiredHistoryLeavesTheStore) {
  TaskStateManager state(dir_.path(), context());
  auto& built = state.register_store(spec(100));
  auto store = typed(built);
  state.restore(changelog_);
  for (int64_t t = 0; t < 1'000; t += 10) {
    store.put("k", std::to_string(t), t);
    store.put("gone", std::to_string(t), t);
  }
  store.remove("gone", 1'000);
  store.put("k", "last", 3'000);
  // What is left: k's latest and the version it replaced (valid to 3000, still within the
  // retention); "gone" is fully expired.
  EXPECT_EQ(store.get("k", 2'950), (Record{"990", 990, 3'000}));
  EXPECT_EQ(store.get("gone", 990), std::nullopt);
  auto& inner = dynamic_cast<BytesKeyValueStore&>(*dynamic_cast<LayeredStore&>(built).wrapped());
  // The latest k, the history entry valid to 3000 and its index entry.
  EXPECT_EQ(testing::drain(inner.all()).size(), 3u);
}

TEST_P(VersionedStoreTest, ChangelogRebuildsEveryVersion) {
  {
    TaskStateManager state(dir_.path(), context());
    auto store = typed(state.register_store(spec(1'000)));
    state.restore(changelog_);
    store.put("a", "1", 10);
    store.put("a", "3", 30);
    store.put("a", "2", 20);
    store.remove("a", 40);
    store.put("b", "x", 25);
    EXPECT_EQ(store.put("b", "early", 0), 25);
    state.flush();
    state.close({});
  }
  // Each accepted version is one changelog record, stamped with its timestamp.
  const auto& log = changelog_.entries("app-prices-changelog", 0);
  ASSERT_EQ(log.size(), 6u);
  EXPECT_EQ(log[2].key, "a");
  EXPECT_EQ(log[2].value, std::optional<Bytes>("2"));
  EXPECT_EQ(log[2].timestamp, 20);
  EXPECT_EQ(log[3].value, std::nullopt);
  EXPECT_EQ(log[3].timestamp, 40);
  std::filesystem::remove_all(dir_.path() / "app" / "1_0");

  TaskStateManager state(dir_.path(), context());
  auto store = typed(state.register_store(spec(1'000)));
  state.restore(changelog_);
  EXPECT_EQ(store.get("a"), std::nullopt);
  EXPECT_EQ(store.get("a", 15), (Record{"1", 10, 20}));
  EXPECT_EQ(store.get("a", 25), (Record{"2", 20, 30}));
  EXPECT_EQ(store.get("a", 35), (Record{"3", 30, 40}));
  EXPECT_EQ(store.get("b", 10), (Record{"early", 0, 25}));
  EXPECT_EQ(store.get("b"), (Record{"x", 25, std::nullopt}));
  EXPECT_EQ(store.bytes_store().observed_stream_time(), 40);
}

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The inner store's entries that are not the stream time (0x03), as raw keys.
std::vector<std::string> inner_keys(StateStore& versioned) {
  auto* inner = dynamic_cast<BytesKeyValueStore*>(dynamic_cast<LayeredStore&>(versioned).wrapped());
  std::vector<std::string> out;
  for (const auto& [k, v] : testing::drain(inner->all())) {
    if (!k.empty() && k[0] != 0x03) out.push_back(k);
  }
  return out;
}

TEST_P(VersionedStoreTest, ErasureRemovesEveryVersionOfTheKeyAndSoDoesItsRestore) {
  std::optional<TaskStateManager> state(std::in_place, dir_.path(), context());
  StateStore& raw = state->register_store(spec(1'000));
  auto store = typed(raw);
  state->restore(changelog_);
  store.put("a", "1", 10);
  store.put("a", "3", 30);
  store.put("a", "2", 20);  // out of order
  store.remove("a", 40);
  store.put("a", "5", 50);
  store.put("b", "x", 15);
  store.put("b", "y", 35);
  store.put("ab", "longer", 25);  // prefixed by "a": must stay
  state->flush();

  record_time_ = 60;  // the erasure request's timestamp
  // a: the latest value and four history entries (1, 2, 3 and the delete at 40).
  EXPECT_EQ(erase_key(raw, "a"), 5);
  EXPECT_EQ(store.get("a"), std::nullopt);
  for (int64_t t : {0, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 1'000}) {
    EXPECT_EQ(store.get("a", t), std::nullopt) << "as of " << t;
  }
  EXPECT_EQ(store.get("b", 20), (Record{"x", 15, 35}));
  EXPECT_EQ(store.get("b"), (Record{"y", 35, std::nullopt}));
  EXPECT_EQ(store.get("ab", 30), (Record{"longer", 25, std::nullopt}));
  // Nothing of "a" is left inside: no latest, history or index entry.
  for (const auto& k : inner_keys(raw)) {
    EXPECT_TRUE(k.ends_with("b")  // latest "b"/"ab" (0x00 key)
                || k.find(std::string("\0\0\0\x01"
                                      "b",
                                      5)) != std::string::npos ||
                k.find(std::string("\0\0\0\x02"
                                   "ab",
                                   6)) != std::string::npos)
        << "an entry of the erased key is left: " << hex(k);
  }
  // The changelog ends with one erasure marker: a tombstone flagged as one, at the request's time.
  {
    const auto& log = changelog_.entries("app-prices-changelog", 0);
    ASSERT_FALSE(log.empty());
    EXPECT_EQ(log.back().key, "a");
    EXPECT_EQ(log.back().value, std::nullopt);
    EXPECT_TRUE(log.back().erasure);
    EXPECT_EQ(log.back().timestamp, 60);
    EXPECT_EQ(std::count_if(log.begin(), log.end(), [](const auto& e) { return e.erasure; }), 1);
  }
  // A key with nothing left still gets a marker (the changelog may hold versions the
  // retention dropped here).
  EXPECT_EQ(erase_key(raw, "nobody"), 0);
  EXPECT_TRUE(changelog_.entries("app-prices-changelog", 0).back().erasure);
  EXPECT_EQ(changelog_.entries("app-prices-changelog", 0).back().key, "nobody");

  // The key comes back normally afterwards (a customer who returns), out of order too.
  EXPECT_EQ(store.put("a", "6", 70), kLatest);
  EXPECT_EQ(store.put("a", "late", 45), 70);
  EXPECT_EQ(store.get("a"), (Record{"6", 70, std::nullopt}));
  EXPECT_EQ(store.get("a", 50), (Record{"late", 45, 70}));
  EXPECT_EQ(store.get("a", 30), std::nullopt);
  state->flush();
  state->close({});
  state.reset();

  // A restore into an empty folder replays the changelog: the marker drops what came before it.
  std::filesystem::remove_all(dir_.path() / "app" / "1_0");
  TaskStateManager restored(dir_.path(), context());
  auto again = typed(restored.register_store(spec(1'000)));
  restored.restore(changelog_);
  EXPECT_EQ(again.get("a"), (Record{"6", 70, std::nullopt}));
  EXPECT_EQ(again.get("a", 50), (Record{"late", 45, 70}));
  for (int64_t t : {10, 20, 30, 40, 44}) {
    EXPECT_EQ(again.get("a", t), std::nullopt) << "as of " << t;
  }
  EXPECT_EQ(again.get("b", 20), (Record{"x", 15, 35}));
  EXPECT_EQ(again.get("b"), (Record{"y", 35, std::nullopt}));
  EXPECT_EQ(again.get("ab", 30), (Record{"longer", 25, std::nullopt}));
  EXPECT_EQ(again.bytes_store().observed_stream_time(), 70);
}

// A standby replica follows the changelog in rounds (restore_batch on its own store): the
// versions it applied in one round go when a later round brings the erasure marker.
TEST_P(VersionedStoreTest, AStandbyDropsVersionsItAlreadyHeldWhenTheMarkerArrives) {
  TaskStateManager active(dir_.path(), context());
  StateStore& raw = active.register_store(spec(1'000));
  auto store = typed(raw);
  active.restore(changelog_);
  store.put("a", "1", 10);
  store.put("a", "2", 20);
  store.put("b", "x", 15);

  testing::TempDir standby_dir;
  MemoryChangelog unused;
  StoreContext standby_context = context();
  standby_context.changelog = &unused;  // a standby never logs
  TaskStateManager standby(standby_dir.path(), standby_context);
  StateStore& replica_raw = standby.register_store(spec(1'000));
  auto replica = typed(replica_raw);
  auto& target = dynamic_cast<RestoreTarget&>(replica_raw);
  changelog_.seek("app-prices-changelog", 0, 0);
  target.restore_batch(changelog_.poll(100, milliseconds(0)));  // round 1: the versions
  ASSERT_EQ(replica.get("a", 15), (Record{"1", 10, 20}));

  record_time_ = 30;
  EXPECT_EQ(erase_key(raw, "a"), 2);
  target.restore_batch(changelog_.poll(100, milliseconds(0)));  // round 2: the marker
  EXPECT_EQ(replica.get("a"), std::nullopt);
  for (int64_t t : {10, 15, 20, 25}) EXPECT_EQ(replica.get("a", t), std::nullopt) << t;
  EXPECT_EQ(replica.get("b"), (Record{"x", 15, std::nullopt}));
  EXPECT_EQ(unused.entries("app-prices-changelog", 0).size(), 0u);
}

TEST_P(VersionedStoreTest, ErasedKeyGetsNoTtlDeleteLater) {
  StoreSpec s = spec(1'000);
  s.ttl = TtlOptions{.ttl = milliseconds(100), .clock = TtlClock::kEventTime};
  TaskStateManager state(dir_.path(), context());
  StateStore& raw = state.register_store(s);
  auto store = typed(raw);
  state.restore(changelog_);
  store.put("a", "1", 10);
  store.put("b", "1", 10);
  EXPECT_EQ(erase_key(raw, "a"), 1);
  const size_t before = changelog_.entries("app-prices-changelog", 0).size();
  store.put("c", "1", 500);  // stream time passes both keys' due time (110)
  const auto& log = changelog_.entries("app-prices-changelog", 0);
  std::vector<std::string> deleted;
  for (size_t i = before; i < log.size(); ++i) {
    if (!log[i].value) deleted.push_back(log[i].key);
  }
  EXPECT_EQ(deleted, std::vector<std::string>{"b"});
  EXPECT_EQ(store.get("a", 200), std::nullopt);
}

TEST(VersionedStoreSpec, ChangelogKeepsTheHistoryFromCompaction) {
  const auto configs = changelog_topic_configs(
      Stores::persistent_versioned_key_value_store("p", std::chrono::hours(1)).spec());
  EXPECT_EQ(configs.at("cleanup.policy"), "compact");
  EXPECT_EQ(configs.at("min.compaction.lag.ms"), std::to_string(3'600'000 + 86'400'000));
}

TEST_P(VersionedStoreTest, EventTimeTtlDeletesTheLatestValueAsAVersion) {
  StoreSpec ttl_spec = spec(1'000);
  ttl_spec.ttl = TtlOptions{.ttl = milliseconds(100), .clock = TtlClock::kEventTime};
  TaskStateManager state(dir_.path(), context());
  auto& built = state.register_store(ttl_spec);
  auto store = typed(built);
  std::vector<std::tuple<std::string, std::string, int64_t>> expired;
  ASSERT_TRUE(
      set_expiry_listener(built, [&](std::string_view key, std::string_view old, int64_t at) {
        expired.emplace_back(std::string(key), std::string(old.substr(8)), at);
      }));
  state.restore(changelog_);
  EXPECT_EQ(store.put("k", "a", 10), kLatest);
  EXPECT_EQ(store.put("other", "x", 50), kLatest);
  EXPECT_TRUE(expired.empty());
  EXPECT_EQ(store.put("other", "y", 120), kLatest);  // stream time 120: k (10 + 100) is due
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], std::make_tuple(std::string("k"), std::string("a"), int64_t{110}));
  EXPECT_EQ(store.get("k"), std::nullopt);
  EXPECT_EQ(store.get("k", 105), (Record{"a", 10, 110}));
  EXPECT_EQ(store.get("k", 115), std::nullopt);
  // A write refreshes the key: "other" is due at 220, not at 150.
  EXPECT_EQ(store.put("k", "b", 130), kLatest);
  EXPECT_EQ(store.put("z", "z", 215), kLatest);
  EXPECT_EQ(expired.size(), 1u);
  EXPECT_EQ(store.put("z", "z", 221), kLatest);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(std::get<0>(expired[1]), "other");
  EXPECT_EQ(std::get<2>(expired[1]), 220);
  // The expiry is a tombstone in the changelog, at its time.
  const auto& log = changelog_.entries("app-prices-changelog", 0);
  EXPECT_TRUE(std::any_of(log.begin(), log.end(), [](const auto& e) {
    return e.key == "k" && !e.value && e.timestamp == 110;
  }));
}

TEST_P(VersionedStoreTest, WallClockTtlExpiresOnTheTasksTick) {
  int64_t wall = 1'000'000;
  StoreContext c = context();
  c.wall_clock_ms = [&] { return wall; };
  StoreSpec ttl_spec = spec(1'000);
  ttl_spec.ttl = TtlOptions{.ttl = milliseconds(500), .clock = TtlClock::kWallClock};
  TaskStateManager state(dir_.path(), c);
  auto& built = state.register_store(ttl_spec);
  auto store = typed(built);
  state.restore(changelog_);
  EXPECT_EQ(store.put("k", "a", 10), kLatest);
  EXPECT_EQ(store.put("j", "b", 40), kLatest);
  wall += 499;
  EXPECT_EQ(expire_due_keys(built), 0u);
  wall += 1;
  EXPECT_EQ(expire_due_keys(built), 2u);
  // Deleted as versions at the stream time (40): k's value stays readable before it.
  EXPECT_EQ(store.get("k"), std::nullopt);
  EXPECT_EQ(store.get("k", 39), (Record{"a", 10, 40}));
  EXPECT_EQ(store.get("j", 40), std::nullopt);
}

INSTANTIATE_TEST_SUITE_P(Stores, VersionedStoreTest, ::testing::Values(true, false),
                         [](const auto& param_info) {
                           return param_info.param ? "RocksDB" : "InMemory";
                         });

}  // namespace
}  // namespace eddy::state
