// Behaviour every store kind must show, run against every stack the factory builds: memory
// and RocksDB inner stores, with and without the record cache and the change-logging layer.
#include <gtest/gtest.h>

#include <chrono>

#include "eddy/state/key_value_store.h"
#include "eddy/state/session_store.h"
#include "eddy/state/stores.h"
#include "eddy/state/window_store.h"
#include "state/layered_store.h"
#include "state/memory_changelog.h"
#include "state/store_factory.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;
using testing::drain;
using testing::KeyValues;
using testing::Sessions;
using testing::Windows;

struct Flavor {
  bool persistent;
  bool caching;
  bool logging;
};

std::string flavor_name(const ::testing::TestParamInfo<Flavor>& info) {
  return std::string(info.param.persistent ? "RocksDb" : "Memory") +
         (info.param.caching ? "Cached" : "") + (info.param.logging ? "Logged" : "");
}

class StoreTest : public ::testing::TestWithParam<Flavor> {
 protected:
  StoreTest() {
    context_.application_id = "app";
    context_.task_id = "0_0";
    context_.task_dir = dir_.path();
    context_.changelog = &changelog_;
    context_.record_timestamp = [this] { return record_time_; };
    context_.memory_budget = &budget_;
  }

  StoreSpec with_flavor(StoreBuilder builder) {
    StoreSpec spec = builder.spec();
    spec.persistent = GetParam().persistent;
    spec.caching = GetParam().caching;
    spec.logging = GetParam().logging;
    return spec;
  }

  template <typename T>
  T& build(StoreBuilder builder) {
    built_ = build_store(with_flavor(std::move(builder)), context_);
    auto* typed = dynamic_cast<T*>(built_.store.get());
    if (typed == nullptr) throw std::runtime_error("unexpected store type");
    return *typed;
  }

  testing::TempDir dir_;
  MemoryBudget budget_{{.total_bytes = 32 << 20, .record_cache_bytes = 1 << 20}};
  MemoryChangelog changelog_;
  int64_t record_time_ = 0;
  StoreContext context_;
  BuiltStore built_;
};

// ---- key-value -------------------------------------------------------------------------

TEST_P(StoreTest, KeyValuePutGetDelete) {
  auto& store = build<BytesKeyValueStore>(Stores::persistent_key_value("kv"));
  EXPECT_EQ(store.get("a"), std::nullopt);
  store.put("a", "1");
  store.put("b", "2");
  store.put("a", "3");
  EXPECT_EQ(store.get("a"), "3");
  EXPECT_EQ(store.get("b"), "2");
  store.put("a", std::nullopt);
  EXPECT_EQ(store.get("a"), std::nullopt);
  store.flush();
  EXPECT_EQ(store.get("a"), std::nullopt);
  EXPECT_EQ(store.get("b"), "2");
}

TEST_P(StoreTest, KeyValueRangeIsInclusiveAndOrdered) {
  auto& store = build<BytesKeyValueStore>(Stores::persistent_key_value("kv"));
  for (const char* key : {"d", "a", "c", "b", "e"}) store.put(key, std::string("v") + key);
  EXPECT_EQ(drain(store.range("b", "d")), (KeyValues{{"b", "vb"}, {"c", "vc"}, {"d", "vd"}}));
  EXPECT_EQ(drain(store.range(std::nullopt, "b")), (KeyValues{{"a", "va"}, {"b", "vb"}}));
  EXPECT_EQ(drain(store.range("d", std::nullopt)), (KeyValues{{"d", "vd"}, {"e", "ve"}}));
  store.put("c", std::nullopt);
  EXPECT_EQ(drain(store.all()).size(), 4u);
  store.flush();  // the same answers once everything reached the inner store
  EXPECT_EQ(drain(store.range("b", "d")), (KeyValues{{"b", "vb"}, {"d", "vd"}}));
}

TEST_P(StoreTest, KeyValuePutAllAndTypedWrapper) {
  auto& bytes = build<BytesKeyValueStore>(Stores::persistent_key_value("kv"));
  bytes.put_all({{"x", "1"}, {"y", std::nullopt}, {"z", "3"}});
  KeyValueStore<std::string, std::string> typed(
      bytes,
      Serde<std::string>([](const std::string& v, std::string& out) { out += v; },
                         [](std::string_view b) { return std::string(b); }),
      Serde<std::string>([](const std::string& v, std::string& out) { out += v; },
                         [](std::string_view b) { return std::string(b); }));
  EXPECT_EQ(typed.get("x"), "1");
  EXPECT_EQ(typed.get("y"), std::nullopt);
  EXPECT_EQ(typed.put_if_absent("x", "9"), "1");
  EXPECT_EQ(typed.remove("z"), "3");
  EXPECT_EQ(typed.all().size(), 1u);
}

// ---- window ----------------------------------------------------------------------------

TEST_P(StoreTest, KeyValuePutAllInAnyKeyOrderKeepsEachKeysLastWrite) {
  // RocksDB writes a batch in key order (for its memtable): a key written twice in one batch
  // must still end with its last write.
  auto& bytes = build<BytesKeyValueStore>(Stores::persistent_key_value("kv"));
  bytes.put_all({{"z", "z1"},
                 {"a", "a1"},
                 {"z", "z2"},
                 {"m", "m1"},
                 {"a", std::nullopt},
                 {"m", "m2"},
                 {"b", std::nullopt},
                 {"b", "b1"}});
  bytes.flush();
  EXPECT_EQ(drain(bytes.all()), (KeyValues{{"b", "b1"}, {"m", "m2"}, {"z", "z2"}}));
}

TEST_P(StoreTest, WindowWritesOutOfKeyAndTimeOrderLandInTheirSegments) {
  // Segments of 60 s; keys and windows written in descending order reach the store in one
  // flush (cached flavors), which RocksDB writes sorted by segment and key.
  auto& store = build<BytesWindowStore>(
      Stores::persistent_window("w", milliseconds(600'000), milliseconds(1'000)));
  Windows expected;
  for (const char* key : {"k3", "k2", "k1"}) {
    for (int64_t start : {250'000, 130'000, 10'000}) {
      store.put(key, std::string(key) + "@" + std::to_string(start), start);
    }
  }
  store.put("k2", "k2@130000 again", 130'000);
  store.flush();
  for (const char* key : {"k1", "k2", "k3"}) {  // fetch_all's order: key, then window
    for (int64_t start : {10'000, 130'000, 250'000}) {
      const std::string value = std::string(key) + "@" + std::to_string(start);
      expected.push_back(
          {key, start, std::string(key) == "k2" && start == 130'000 ? value + " again" : value});
    }
  }
  EXPECT_EQ(drain(store.fetch_all(0, 300'000)), expected);
}

TEST_P(StoreTest, WindowFetchByKeyAndTimeRange) {
  auto& store = build<BytesWindowStore>(
      Stores::persistent_window("w", milliseconds(600'000), milliseconds(10'000)));
  store.put("a", "a0", 0);
  store.put("a", "a10", 10'000);
  store.put("a", "a20", 20'000);
  store.put("ab", "ab10", 10'000);  // a longer key sharing the prefix must not leak in
  store.put("b", "b10", 10'000);
  EXPECT_EQ(store.fetch("a", 10'000), "a10");
  EXPECT_EQ(store.fetch("a", 5'000), std::nullopt);
  EXPECT_EQ(drain(store.fetch("a", 5'000, 20'000)),
            (Windows{{"a", 10'000, "a10"}, {"a", 20'000, "a20"}}));
  EXPECT_EQ(drain(store.fetch_range("a", "ab", 10'000, 10'000)),
            (Windows{{"a", 10'000, "a10"}, {"ab", 10'000, "ab10"}}));
  EXPECT_EQ(drain(store.fetch_all(10'000, 10'000)),
            (Windows{{"a", 10'000, "a10"}, {"ab", 10'000, "ab10"}, {"b", 10'000, "b10"}}));
  store.put("a", std::nullopt, 10'000);
  store.flush();
  EXPECT_EQ(drain(store.fetch("a", 0, 30'000)), (Windows{{"a", 0, "a0"}, {"a", 20'000, "a20"}}));
}

TEST_P(StoreTest, WindowRetentionDropsWholeSegments) {
  // Retention 2 min -> segments of 60 s; stream time 5 min drops everything before 3 min.
  auto& store = build<BytesWindowStore>(
      Stores::persistent_window("w", milliseconds(120'000), milliseconds(60'000)));
  store.put("k", "old", 0);
  store.put("k", "mid", 60'000);
  EXPECT_EQ(drain(store.fetch("k", 0, 60'000)).size(), 2u);
  store.put("k", "new", 300'000);
  store.flush();
  EXPECT_EQ(store.fetch("k", 0), std::nullopt);
  EXPECT_EQ(drain(store.fetch_all(0, 400'000)), (Windows{{"k", 300'000, "new"}}));
  // A put for a dropped segment is an expired record: ignored.
  store.put("k", "late", 60'000);
  store.flush();
  EXPECT_EQ(store.fetch("k", 60'000), std::nullopt);
}

TEST_P(StoreTest, WindowRetainDuplicatesKeepsEveryPut) {
  auto& store = build<BytesWindowStore>(
      Stores::persistent_window("w", milliseconds(600'000), milliseconds(10'000), true));
  store.put("k", "1", 0);
  store.put("k", "2", 0);
  store.flush();
  EXPECT_EQ(drain(store.fetch("k", 0, 0)), (Windows{{"k", 0, "1"}, {"k", 0, "2"}}));
}

// ---- session ---------------------------------------------------------------------------

TEST_P(StoreTest, SessionFindSessionsOverlappingRange) {
  auto& store = build<BytesSessionStore>(Stores::persistent_session("s", milliseconds(600'000)));
  store.put("u", {.start = 0, .end = 10}, "s1");
  store.put("u", {.start = 100, .end = 150}, "s2");
  store.put("u", {.start = 300, .end = 300}, "s3");
  store.put("v", {.start = 100, .end = 120}, "other");
  store.put("uu", {.start = 100, .end = 120}, "prefix");
  // A record at 140 with gap 50 may merge with sessions ending >= 90 and starting <= 190.
  EXPECT_EQ(drain(store.find_sessions("u", 90, 190)), (Sessions{{"u", 100, 150, "s2"}}));
  EXPECT_EQ(drain(store.find_sessions("u", 0, 1000)),
            (Sessions{{"u", 0, 10, "s1"}, {"u", 100, 150, "s2"}, {"u", 300, 300, "s3"}}));
  EXPECT_EQ(drain(store.find_sessions("u", 11, 299)), (Sessions{{"u", 100, 150, "s2"}}));
  EXPECT_EQ(store.fetch_session("u", {.start = 100, .end = 150}), "s2");

  // Merge: remove the overlapped session and put the merged one.
  store.remove("u", {.start = 100, .end = 150});
  store.put("u", {.start = 100, .end = 190}, "merged");
  store.flush();
  EXPECT_EQ(drain(store.fetch("u")),
            (Sessions{{"u", 0, 10, "s1"}, {"u", 100, 190, "merged"}, {"u", 300, 300, "s3"}}));
}

TEST_P(StoreTest, SessionRetentionDropsOldSessions) {
  auto& store = build<BytesSessionStore>(Stores::persistent_session("s", milliseconds(120'000)));
  store.put("u", {.start = 0, .end = 1'000}, "old");
  store.put("u", {.start = 400'000, .end = 400'000}, "new");
  store.flush();
  EXPECT_EQ(drain(store.fetch("u")), (Sessions{{"u", 400'000, 400'000, "new"}}));
}

TEST_P(StoreTest, SessionFetchAllByEndOrdersByEndStartKeyAndIgnoresTheRetentionClamp) {
  auto& store = build<BytesSessionStore>(Stores::persistent_session("s", milliseconds(100)));
  store.put("b", {.start = 10, .end = 10}, "b10");
  store.put("ab", {.start = 10, .end = 10}, "ab10");
  store.put("a", {.start = 10, .end = 10}, "a10");
  store.put("c", {.start = 7, .end = 10}, "c7");
  store.put("a", {.start = 11, .end = 12}, "a12");
  store.put("z", {.start = 5, .end = 9}, "z9");
  store.put("z", {.start = 200, .end = 200}, "z200");
  // Stream time 200, retention 100: find_sessions no longer sees ends below 101, but sessions
  // in segments not dropped yet (one 60 s segment here) are what on_window_close emits.
  EXPECT_EQ(drain(store.find_sessions("a", 0, 1000)), Sessions{});
  EXPECT_EQ(drain(store.fetch_all(10, 12)), (Sessions{{"c", 7, 10, "c7"},
                                                      {"a", 10, 10, "a10"},
                                                      {"ab", 10, 10, "ab10"},
                                                      {"b", 10, 10, "b10"},
                                                      {"a", 11, 12, "a12"}}));
  store.flush();
  EXPECT_EQ(drain(store.fetch_all(0, 9)), (Sessions{{"z", 5, 9, "z9"}}));
}

// ---- cache flush semantics, for every stack ----------------------------------------------

TEST_P(StoreTest, CacheForwardsOnlyTheLastValuePerKeyOnCommit) {
  auto& store = build<BytesKeyValueStore>(Stores::persistent_key_value("kv"));
  std::vector<std::pair<std::string, std::optional<std::string>>> forwarded;
  const bool cached = set_cache_flush_listener(
      store,
      [&](std::string_view key, std::optional<std::string_view> value, auto, int64_t,
          const RecordContext&) {
        forwarded.emplace_back(key, value ? std::optional<std::string>(*value) : std::nullopt);
      },
      false);
  EXPECT_EQ(cached, GetParam().caching);
  const size_t logged_before = changelog_.entries("app-kv-changelog", 0).size();
  for (int i = 0; i < 5; ++i) store.put("a", std::to_string(i));
  store.put("b", "x");
  store.put("b", std::nullopt);
  const size_t logged = changelog_.entries("app-kv-changelog", 0).size() - logged_before;
  if (!GetParam().caching) {
    // No cache: the processor forwards itself; the changelog sees every change.
    EXPECT_EQ(logged, GetParam().logging ? 7u : 0u);
    return;
  }
  EXPECT_TRUE(forwarded.empty());
  EXPECT_EQ(logged, 0u);
  store.flush();  // commit
  // "b" was created and deleted since the last flush: as Kafka Streams' CachingKeyValueStore,
  // the deletion of a key the store never held is neither written nor forwarded.
  EXPECT_EQ(forwarded,
            (std::vector<std::pair<std::string, std::optional<std::string>>>{{"a", "4"}}));
  const size_t logged_after = changelog_.entries("app-kv-changelog", 0).size() - logged_before;
  EXPECT_EQ(logged_after, GetParam().logging ? 1u : 0u);
}

INSTANTIATE_TEST_SUITE_P(AllStacks, StoreTest,
                         ::testing::Values(Flavor{false, false, false}, Flavor{true, false, false},
                                           Flavor{false, true, false}, Flavor{true, true, false},
                                           Flavor{false, false, true}, Flavor{true, false, true},
                                           Flavor{false, true, true}, Flavor{true, true, true}),
                         flavor_name);

}  // namespace
}  // namespace eddy::state
