// Erasure (state/erasure.h) per store kind, with and without a record cache, in memory and in
// RocksDB: every entry of the key goes (its neighbours stay, including longer keys it
// prefixes), the changelog ends with a tombstone for each, a cache's flush listener is told
// nothing, and a rebuild from the changelog into an empty folder does not bring the key back.
// Versioned stores (every version, the erasure marker): state_versioned_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "eddy/errors.h"
#include "eddy/state/stores.h"
#include "state/erasure.h"
#include "state/key_schema.h"
#include "state/layered_store.h"
#include "state/memory_changelog.h"
#include "state/restore/task_state_manager.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;

// Param: (persistent, caching).
class ErasureTest : public ::testing::TestWithParam<std::tuple<bool, bool>>,
                    protected testing::LoggedTaskFixture {
 protected:
  ErasureTest() { record_time_ = 1'000; }

  StoreSpec spec(StoreBuilder builder) {
    if (std::get<1>(GetParam())) builder.with_caching();
    StoreSpec s = builder.with_logging().spec();
    s.persistent = std::get<0>(GetParam());
    return s;
  }
  // Registers `spec` in a fresh state manager over `dir` and restores it from the changelog.
  StateStore& rebuild(std::unique_ptr<TaskStateManager>& state, const testing::TempDir& dir,
                      const StoreSpec& s) {
    state = std::make_unique<TaskStateManager>(dir.path(), context());
    StateStore& store = state->register_store(s);
    state->restore(changelog_);
    return store;
  }
  // The keys (decoded with `decode`) of the changelog's records after `from`, with whether
  // each is a tombstone.
  template <typename Decode>
  std::vector<std::pair<std::string, bool>> logged_since(const std::string& topic, size_t from,
                                                         Decode decode) {
    std::vector<std::pair<std::string, bool>> out;
    const auto& entries = changelog_.entries(topic, 0);
    for (size_t i = from; i < entries.size(); ++i) {
      out.emplace_back(std::string(decode(entries[i].key)), !entries[i].value.has_value());
    }
    return out;
  }

  testing::TempDir fresh_dir_;
};

TEST_P(ErasureTest, KeyValueStoreForgetsTheKeyAndItsChangelogEndsWithATombstone) {
  const StoreSpec s = spec(Stores::persistent_key_value("kv"));
  std::unique_ptr<TaskStateManager> state;
  auto& kv = dynamic_cast<BytesKeyValueStore&>(rebuild(state, dir_, s));
  int listened = 0;
  set_cache_flush_listener(
      kv, [&](auto...) { ++listened; }, false);
  kv.put("cust1", "a");
  kv.put("cust10", "b");  // prefixed by cust1: must stay
  kv.put("other", "c");
  state->flush();
  listened = 0;
  const size_t before = changelog_.entries("app-kv-changelog", 0).size();
  kv.put("cust1", "a2");  // a cached, unflushed update of the erased key goes too
  record_time_ = 5'000;
  EXPECT_EQ(erase_key(kv, "cust1"), 1);
  EXPECT_EQ(erase_key(kv, "cust1"), 0);  // nothing left, nothing logged
  EXPECT_EQ(erase_key(kv, "nobody"), 0);
  state->flush();
  EXPECT_EQ(listened, 0) << "an erasure is forwarded by no flush listener";
  EXPECT_EQ(kv.get("cust1"), std::nullopt);
  EXPECT_EQ(testing::drain(kv.all()), (testing::KeyValues{{"cust10", "b"}, {"other", "c"}}));
  const auto logged =
      logged_since("app-kv-changelog", before, [](std::string_view k) { return k; });
  ASSERT_FALSE(logged.empty());
  EXPECT_EQ(logged.back(), (std::pair<std::string, bool>{"cust1", true}));
  EXPECT_EQ(changelog_.entries("app-kv-changelog", 0).back().timestamp, 5'000);
  state->close({});

  std::unique_ptr<TaskStateManager> restored;
  auto& again = dynamic_cast<BytesKeyValueStore&>(rebuild(restored, fresh_dir_, s));
  EXPECT_EQ(again.get("cust1"), std::nullopt);
  EXPECT_EQ(testing::drain(again.all()), (testing::KeyValues{{"cust10", "b"}, {"other", "c"}}));
  restored->close({});
}

TEST_P(ErasureTest, TtlKeyValueStoreForgetsTheKey) {
  StoreBuilder builder = Stores::persistent_key_value("kv");
  builder.with_ttl({.ttl = std::chrono::hours(1), .clock = TtlClock::kEventTime});
  const StoreSpec s = spec(std::move(builder));
  std::unique_ptr<TaskStateManager> state;
  auto& kv = dynamic_cast<BytesKeyValueStore&>(rebuild(state, dir_, s));
  int expired = 0;
  set_expiry_listener(kv, [&](auto...) { ++expired; });
  kv.put("cust1", "a");
  kv.put("other", "c");
  EXPECT_EQ(erase_key(kv, "cust1"), 1);
  record_time_ = 10'000'000;  // past the TTL: the erased key must not expire (again)
  kv.put("later", "d");
  state->flush();
  EXPECT_EQ(expired, 1) << "only 'other' expires; the erased key is not in the TTL index";
  EXPECT_EQ(kv.get("cust1"), std::nullopt);
  state->close({});
  std::unique_ptr<TaskStateManager> restored;
  auto& again = dynamic_cast<BytesKeyValueStore&>(rebuild(restored, fresh_dir_, s));
  EXPECT_EQ(again.get("cust1"), std::nullopt);
  restored->close({});
}

TEST_P(ErasureTest, WindowStoreForgetsEveryWindowOfTheKey) {
  const StoreSpec s =
      spec(Stores::persistent_window("win", milliseconds(600'000), milliseconds(1'000)));
  std::unique_ptr<TaskStateManager> state;
  auto& win = dynamic_cast<BytesWindowStore&>(rebuild(state, dir_, s));
  int listened = 0;
  set_cache_flush_listener(
      win, [&](auto...) { ++listened; }, false);
  for (int64_t w = 0; w < 5; ++w) {
    win.put("cust1", "a" + std::to_string(w), w * 1'000);
    win.put("cust10", "b" + std::to_string(w), w * 1'000);
  }
  win.put("other", "c", 2'000);
  state->flush();
  listened = 0;
  const size_t before = changelog_.entries("app-win-changelog", 0).size();
  EXPECT_EQ(erase_key(win, "cust1"), 5);
  state->flush();
  EXPECT_EQ(listened, 0);
  EXPECT_TRUE(testing::drain(win.fetch("cust1", 0, 1'000'000)).empty());
  EXPECT_EQ(testing::drain(win.fetch("cust10", 0, 1'000'000)).size(), 5u);
  const auto logged = logged_since("app-win-changelog", before,
                                   [](std::string_view k) { return WindowKeySchema::key(k); });
  EXPECT_EQ(logged, (std::vector<std::pair<std::string, bool>>(5, {"cust1", true})));
  state->close({});

  std::unique_ptr<TaskStateManager> restored;
  auto& again = dynamic_cast<BytesWindowStore&>(rebuild(restored, fresh_dir_, s));
  EXPECT_TRUE(testing::drain(again.fetch("cust1", 0, 1'000'000)).empty());
  EXPECT_EQ(testing::drain(again.fetch_all(0, 1'000'000)).size(), 6u);
  restored->close({});
}

TEST_P(ErasureTest, WindowStoreRetainingDuplicatesForgetsEveryDuplicate) {
  const StoreSpec s =
      spec(Stores::persistent_window("win", milliseconds(600'000), milliseconds(1'000), true));
  std::unique_ptr<TaskStateManager> state;
  auto& win = dynamic_cast<BytesWindowStore&>(rebuild(state, dir_, s));
  for (int i = 0; i < 3; ++i) {
    win.put("cust1", "a" + std::to_string(i), 1'000);  // three duplicates of one window
    win.put("cust1", "x" + std::to_string(i), 2'000);
  }
  win.put("other", "c", 1'000);
  win.put("cust1", std::nullopt, 1'000);  // outside erasure: a no-op, as in Kafka Streams
  EXPECT_EQ(testing::drain(win.fetch("cust1", 0, 1'000'000)).size(), 6u);
  EXPECT_EQ(erase_key(win, "cust1"), 2);  // two windows, each with all its duplicates
  state->flush();
  EXPECT_TRUE(testing::drain(win.fetch("cust1", 0, 1'000'000)).empty());
  state->close({});
  std::unique_ptr<TaskStateManager> restored;
  auto& again = dynamic_cast<BytesWindowStore&>(rebuild(restored, fresh_dir_, s));
  EXPECT_TRUE(testing::drain(again.fetch("cust1", 0, 1'000'000)).empty());
  EXPECT_EQ(testing::drain(again.fetch_all(0, 1'000'000)).size(), 1u);
  restored->close({});
}

TEST_P(ErasureTest, SessionStoreForgetsEverySessionOfTheKey) {
  const StoreSpec s = spec(Stores::persistent_session("ses", milliseconds(600'000)));
  std::unique_ptr<TaskStateManager> state;
  auto& ses = dynamic_cast<BytesSessionStore&>(rebuild(state, dir_, s));
  int listened = 0;
  set_cache_flush_listener(
      ses, [&](auto...) { ++listened; }, false);
  for (int64_t i = 0; i < 4; ++i) {
    ses.put("cust1", {.start = i * 100, .end = i * 100 + 10}, "s" + std::to_string(i));
    ses.put("cust10", {.start = i * 100, .end = i * 100 + 10}, "t" + std::to_string(i));
  }
  state->flush();
  listened = 0;
  ses.put("cust1", {.start = 900, .end = 950}, "open");  // cached, not yet flushed
  const size_t before = changelog_.entries("app-ses-changelog", 0).size();
  EXPECT_EQ(erase_key(ses, "cust1"), 5);
  state->flush();
  EXPECT_EQ(listened, 0);
  EXPECT_TRUE(testing::drain(ses.fetch("cust1")).empty());
  EXPECT_EQ(testing::drain(ses.fetch("cust10")).size(), 4u);
  for (const auto& [key, tombstone] :
       logged_since("app-ses-changelog", before, [](auto k) { return SessionKeySchema::key(k); })) {
    EXPECT_EQ(key, "cust1");
    EXPECT_TRUE(tombstone) << "the changelog gets only tombstones of the erased key";
  }
  state->close({});

  std::unique_ptr<TaskStateManager> restored;
  auto& again = dynamic_cast<BytesSessionStore&>(rebuild(restored, fresh_dir_, s));
  EXPECT_TRUE(testing::drain(again.fetch("cust1")).empty());
  EXPECT_EQ(testing::drain(again.fetch("cust10")).size(), 4u);
  restored->close({});
}

TEST_P(ErasureTest, EntriesPastRetentionThatALiveSegmentHoldsGoToo) {
  // Retention 2 min: segments of 60 s. At stream time 150 s, reads see ends and starts from
  // 30 s on, but the segment [0, 60 s) is still held, with its changelog records.
  const StoreSpec ses_spec = spec(Stores::persistent_session("ses", milliseconds(120'000)));
  const StoreSpec win_spec =
      spec(Stores::persistent_window("win", milliseconds(120'000), milliseconds(1'000)));
  std::unique_ptr<TaskStateManager> state =
      std::make_unique<TaskStateManager>(dir_.path(), context());
  auto& ses = dynamic_cast<BytesSessionStore&>(state->register_store(ses_spec));
  auto& win = dynamic_cast<BytesWindowStore&>(state->register_store(win_spec));
  state->restore(changelog_);
  ses.put("cust1", {.start = 10'000, .end = 20'000}, "old");
  win.put("cust1", "old", 10'000);
  ses.put("cust1", {.start = 150'000, .end = 150'000}, "new");
  win.put("cust1", "new", 150'000);
  state->flush();
  ASSERT_EQ(testing::drain(ses.fetch("cust1")).size(), 1u) << "the old session is past retention";
  EXPECT_EQ(erase_key(ses, "cust1"), 2);
  EXPECT_EQ(erase_key(win, "cust1"), 2);
  state->flush();
  for (const char* topic : {"app-ses-changelog", "app-win-changelog"}) {
    std::map<Bytes, bool> last_is_tombstone;
    for (const auto& e : changelog_.entries(topic, 0)) last_is_tombstone[e.key] = !e.value;
    ASSERT_EQ(last_is_tombstone.size(), 2u) << topic;
    for (const auto& [key, tombstone] : last_is_tombstone) EXPECT_TRUE(tombstone) << topic;
  }
  state->close({});
}

INSTANTIATE_TEST_SUITE_P(StoresAndCaches, ErasureTest,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const ::testing::TestParamInfo<std::tuple<bool, bool>>& param) {
                           return std::string(std::get<0>(param.param) ? "RocksDb" : "Memory") +
                                  (std::get<1>(param.param) ? "Cached" : "Uncached");
                         });

}  // namespace
}  // namespace eddy::state
