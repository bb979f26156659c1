// The record cache and change-logging layers: only the last value per key goes downstream
// (to the flush listener and the changelog), on commit or when the cache is full.
#include <gtest/gtest.h>

#include <chrono>

#include "eddy/state/stores.h"
#include "state/decorators/metered_stores.h"
#include "state/decorators/record_cache.h"
#include "state/key_schema.h"
#include "state/layered_store.h"
#include "state/memory_changelog.h"
#include "state/store_factory.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;

struct Flushed {
  std::string key;
  std::optional<std::string> new_value;
  std::optional<std::string> old_value;
  int64_t timestamp;
  bool operator==(const Flushed&) const = default;
};

std::optional<std::string> copy(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

class CacheTest : public ::testing::TestWithParam<bool> {  // param: persistent
 protected:
  CacheTest() {
    context_.application_id = "app";
    context_.task_id = "0_2";
    context_.partition = 2;
    context_.task_dir = dir_.path();
    context_.changelog = &changelog_;
    context_.record_timestamp = [this] { return record_time_; };
    context_.memory_budget = &budget_;
  }

  BuiltStore build(StoreBuilder builder) {
    StoreSpec spec = builder.with_caching().with_logging().spec();
    spec.persistent = GetParam();
    BuiltStore built = build_store(spec, context_);
    EXPECT_TRUE(set_cache_flush_listener(
        *built.store,
        [this](std::string_view key, std::optional<std::string_view> new_value,
               std::optional<std::string_view> old_value, int64_t timestamp,
               const RecordContext& context) {
          flushed_.push_back({std::string(key), copy(new_value), copy(old_value), timestamp});
          contexts_.push_back(context);
        },
        /*send_old_values=*/true));
    return built;
  }

  testing::TempDir dir_;
  MemoryBudget budget_{{.total_bytes = 64 << 20, .record_cache_bytes = 64 << 10}};
  MemoryChangelog changelog_;
  int64_t record_time_ = 0;
  StoreContext context_;
  std::vector<Flushed> flushed_;
  std::vector<RecordContext> contexts_;  // beside flushed_
};

TEST_P(CacheTest, OnlyTheLastValuePerKeyGoesDownstreamOnFlush) {
  auto built = build(Stores::persistent_key_value("counts"));
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  record_time_ = 10;
  store.put("a", "1");
  record_time_ = 11;
  store.put("a", "2");
  store.put("b", "1");
  record_time_ = 12;
  store.put("a", "3");
  EXPECT_EQ(store.get("a"), "3");  // reads see the cache
  EXPECT_TRUE(flushed_.empty());
  EXPECT_TRUE(changelog_.entries("app-counts-changelog", 2).empty());

  store.flush();  // commit
  // In the order of the keys' last writes ("a" was rewritten after "b"), as Kafka Streams.
  EXPECT_EQ(flushed_,
            (std::vector<Flushed>{{"b", "1", std::nullopt, 11}, {"a", "3", std::nullopt, 12}}));
  const auto& log = changelog_.entries("app-counts-changelog", 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].key, "b");
  EXPECT_EQ(log[1].key, "a");
  EXPECT_EQ(log[1].value, "3");
  EXPECT_EQ(log[1].timestamp, 12);

  flushed_.clear();
  record_time_ = 20;
  store.put("a", "4");
  store.put("b", std::nullopt);
  store.flush();
  EXPECT_EQ(flushed_, (std::vector<Flushed>{{"a", "4", "3", 20}, {"b", std::nullopt, "1", 20}}));
  ASSERT_EQ(log.size(), 4u);
  EXPECT_EQ(log[3].value, std::nullopt);  // the deletion is a tombstone
  store.flush();                          // nothing dirty: nothing forwarded
  EXPECT_EQ(flushed_.size(), 2u);
}

// Kafka Streams' NamedCache keeps its dirty keys in a LinkedHashSet that moves a key to the
// end at each write, and flushes them in that order: b, c, a here (key order would be a, b, c;
// first-write order a, b, c too).
TEST_P(CacheTest, KeyValueCacheFlushesInTheOrderOfTheLastWrites) {
  auto built = build(Stores::persistent_key_value("counts"));
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  store.put("a", "1");
  store.put("b", "1");
  store.put("c", "1");
  store.put("a", "2");
  store.put("b", "2");
  store.put("c", "2");
  store.put("b", "3");
  store.put("c", "3");
  store.put("a", "3");
  store.flush();
  std::vector<std::string> keys;
  for (const auto& f : flushed_) keys.push_back(f.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "c", "a"}));
  const auto& log = changelog_.entries("app-counts-changelog", 2);
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[0].key, "b");
  EXPECT_EQ(log[2].key, "a");
  EXPECT_EQ(log[2].value, "3");
}

TEST_P(CacheTest, ADeletionOfAKeyTheStoreNeverHeldIsNeitherWrittenNorForwarded) {
  auto built = build(Stores::persistent_key_value("counts"));
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  store.put("new", "1");
  store.put("new", std::nullopt);
  store.put("gone", std::nullopt);
  store.flush();
  EXPECT_TRUE(flushed_.empty());
  EXPECT_TRUE(changelog_.entries("app-counts-changelog", 2).empty());
}

// Kafka Streams' LRUCacheEntry keeps the record context of the write it holds: what a flush
// forwards carries that record's headers and coordinates, whoever runs the flush.
TEST_P(CacheTest, AFlushedEntryCarriesTheContextOfTheRecordThatWroteItLast) {
  RecordContext current;
  context_.record_context = [&current](RecordContext& into) { into = current; };
  auto built = build(Stores::persistent_key_value("counts"));
  auto& kv = dynamic_cast<BytesKeyValueStore&>(*built.store);
  auto window_built =
      build(Stores::persistent_window("w", milliseconds(600'000), milliseconds(10'000)));
  auto& window = dynamic_cast<BytesWindowStore&>(*window_built.store);
  auto record = [&current](int64_t offset, std::string trace) {
    current = RecordContext{.from_record = true,
                            .topic = "clicks",
                            .partition = 2,
                            .offset = offset,
                            .append_time_ms = -1,
                            .headers = {{"trace-id", std::move(trace)}}};
  };
  record(7, "t7");
  kv.put("a", "1");
  window.put("a", "1", 0);
  record(8, "t8");
  kv.put("b", "1");
  record(9, "t9");
  kv.put("a", "2");
  window.put("a", "2", 0);
  current = RecordContext{};  // a punctuator, or the commit, runs the flush
  current.headers = {{"trace-id", "commit"}};
  kv.flush();
  window.flush();
  ASSERT_EQ(contexts_.size(), 3u);
  EXPECT_EQ(flushed_[0].key, "b");
  EXPECT_TRUE(contexts_[0].from_record);
  EXPECT_EQ(contexts_[0].offset, 8);
  EXPECT_EQ(contexts_[0].headers, (Headers{{"trace-id", "t8"}}));
  EXPECT_EQ(flushed_[1].key, "a");
  EXPECT_EQ(contexts_[1].topic, "clicks");
  EXPECT_EQ(contexts_[1].partition, 2);
  EXPECT_EQ(contexts_[1].offset, 9);
  EXPECT_EQ(contexts_[1].headers, (Headers{{"trace-id", "t9"}}));
  EXPECT_EQ(WindowKeySchema::key(flushed_[2].key), "a");
  EXPECT_EQ(contexts_[2].offset, 9);
  EXPECT_EQ(contexts_[2].headers, (Headers{{"trace-id", "t9"}}));

  // A write outside a record (a punctuator's) keeps that: no coordinates.
  contexts_.clear();
  flushed_.clear();
  current = RecordContext{};
  kv.put("a", "3");
  kv.flush();
  ASSERT_EQ(contexts_.size(), 1u);
  EXPECT_FALSE(contexts_[0].from_record);
  EXPECT_EQ(contexts_[0].offset, -1);
  EXPECT_TRUE(contexts_[0].headers.empty());
}

TEST_P(CacheTest, FlushesWhenTheCacheIsFull) {
  auto built = build(Stores::persistent_key_value("counts"));
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  const std::string value(1000, 'x');
  int flushes = 0;  // puts that ran a flush: the cache flushes batches, not every put
  for (int i = 0; i < 200; ++i) {
    const size_t before = flushed_.size();
    store.put("key-" + std::to_string(i), value);  // ~200 KB > 64 KB
    if (flushed_.size() > before) ++flushes;
  }
  EXPECT_FALSE(flushed_.empty());
  EXPECT_LT(flushes, 100);
  EXPECT_LE(budget_.record_cache_usage(), budget_.record_cache_bytes() + 2000);
  store.flush();
  EXPECT_EQ(flushed_.size(), 200u);  // each key once: it was written once
  EXPECT_EQ(store.get("key-7"), value);
}

TEST_P(CacheTest, RangeMergesCacheAndStore) {
  auto built = build(Stores::persistent_key_value("counts"));
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  store.put("a", "1");
  store.put("c", "1");
  store.put("e", "1");
  store.flush();
  store.put("b", "2");
  store.put("c", std::nullopt);
  store.put("e", "2");
  EXPECT_EQ(testing::drain(store.all()), (testing::KeyValues{{"a", "1"}, {"b", "2"}, {"e", "2"}}));
}

TEST_P(CacheTest, WindowStoreCacheForwardsLatestPerWindow) {
  auto built = build(Stores::persistent_window("w", milliseconds(600'000), milliseconds(10'000)));
  auto& store = dynamic_cast<BytesWindowStore&>(*built.store);
  record_time_ = 5;
  store.put("k", "1", 0);
  record_time_ = 7;
  store.put("k", "2", 0);
  store.put("k", "x", 10'000);
  EXPECT_EQ(testing::drain(store.fetch("k", 0, 10'000)),
            (testing::Windows{{"k", 0, "2"}, {"k", 10'000, "x"}}));
  EXPECT_TRUE(flushed_.empty());
  store.flush();
  ASSERT_EQ(flushed_.size(), 2u);
  EXPECT_EQ(WindowKeySchema::key(flushed_[0].key), "k");
  EXPECT_EQ(WindowKeySchema::window_start(flushed_[0].key), 0);
  EXPECT_EQ(flushed_[0].new_value, "2");
  EXPECT_EQ(flushed_[0].timestamp, 7);
  EXPECT_EQ(changelog_.entries("app-w-changelog", 2).size(), 2u);
}

TEST_P(CacheTest, SessionStoreCacheForwardsMergedSession) {
  auto built = build(Stores::persistent_session("s", milliseconds(600'000)));
  auto& store = dynamic_cast<BytesSessionStore&>(*built.store);
  store.put("u", {.start = 0, .end = 0}, "1");
  store.remove("u", {.start = 0, .end = 0});
  store.put("u", {.start = 0, .end = 30}, "2");
  EXPECT_EQ(testing::drain(store.find_sessions("u", 0, 100)),
            (testing::Sessions{{"u", 0, 30, "2"}}));
  store.flush();
  // [0,0] was created and removed between two flushes: the store below never held it, so
  // (as Kafka Streams' CachingSessionStore) its deletion is neither written nor forwarded.
  ASSERT_EQ(flushed_.size(), 1u);
  EXPECT_EQ(SessionKeySchema::window(flushed_[0].key), (SessionWindow{.start = 0, .end = 30}));
  EXPECT_EQ(flushed_[0].new_value, "2");
  EXPECT_EQ(changelog_.entries("app-s-changelog", 2).size(), 1u);
}

TEST_P(CacheTest, SessionStoreCacheForwardsTheDeletionOfAFlushedSession) {
  auto built = build(Stores::persistent_session("s", milliseconds(600'000)));
  auto& store = dynamic_cast<BytesSessionStore&>(*built.store);
  store.put("u", {.start = 10, .end = 10}, "1");
  store.flush();
  flushed_.clear();
  // A record at 5 merges [10,10] into [5,10]: same end, earlier start, so the new session's
  // key sorts first; the flush still goes in the order of the writes, as Kafka Streams'.
  store.remove("u", {.start = 10, .end = 10});
  store.put("u", {.start = 5, .end = 10}, "2");
  store.flush();
  ASSERT_EQ(flushed_.size(), 2u);
  EXPECT_EQ(SessionKeySchema::window(flushed_[0].key), (SessionWindow{.start = 10, .end = 10}));
  EXPECT_EQ(flushed_[0].new_value, std::nullopt);
  EXPECT_EQ(flushed_[0].old_value, "1");
  EXPECT_EQ(SessionKeySchema::window(flushed_[1].key), (SessionWindow{.start = 5, .end = 10}));
  EXPECT_EQ(flushed_[1].new_value, "2");
}

TEST_P(CacheTest, WindowStoreCacheFlushesInTheOrderOfTheLastWrites) {
  auto built = build(Stores::persistent_window("w", milliseconds(600'000), milliseconds(10'000)));
  auto& store = dynamic_cast<BytesWindowStore&>(*built.store);
  store.put("b", "1", 0);
  store.put("a", "1", 0);
  store.put("b", "2", 0);
  store.flush();
  ASSERT_EQ(flushed_.size(), 2u);
  EXPECT_EQ(WindowKeySchema::key(flushed_[0].key), "a");
  EXPECT_EQ(WindowKeySchema::key(flushed_[1].key), "b");
  EXPECT_EQ(flushed_[1].new_value, "2");
}

TEST_P(CacheTest, WindowStoreCacheServesReadsAfterAFlush) {
  auto built = build(Stores::persistent_window("w", milliseconds(600'000), milliseconds(10'000)));
  auto& store = dynamic_cast<BytesWindowStore&>(*built.store);
  store.put("k", "1", 0);
  store.flush();
  const uint64_t misses = built.metrics->cache_misses.load();
  EXPECT_EQ(store.fetch("k", 0), "1");
  EXPECT_EQ(store.fetch("k", 0), "1");
  EXPECT_EQ(built.metrics->cache_hits.load(), 2u);
  // A miss is cached as "absent" and a write replaces it.
  EXPECT_EQ(store.fetch("k", 10'000), std::nullopt);
  EXPECT_EQ(built.metrics->cache_misses.load(), misses + 1);
  store.put("k", "x", 10'000);
  EXPECT_EQ(store.fetch("k", 10'000), "x");
  // A second flush writes only what changed since the first.
  flushed_.clear();
  store.flush();
  ASSERT_EQ(flushed_.size(), 1u);
  EXPECT_EQ(WindowKeySchema::window_start(flushed_[0].key), 10'000);
}

TEST_P(CacheTest, ACachedWindowWhoseSegmentExpiredReadsAsAbsent) {
  auto built = build(Stores::persistent_window("w", milliseconds(120'000), milliseconds(10'000)));
  auto& store = dynamic_cast<BytesWindowStore&>(*built.store);
  store.put("k", "1", 0);
  store.flush();
  EXPECT_EQ(store.fetch("k", 0), "1");
  store.put("other", "1", 1'000'000);  // stream time far past the retention of window 0
  store.flush();
  EXPECT_EQ(store.fetch("k", 0), std::nullopt);
}

TEST_P(CacheTest, CleanWindowsAreEvictedWhenTheCachesAreFull) {
  auto built = build(Stores::persistent_window("w", milliseconds(600'000), milliseconds(10'000)));
  auto& store = dynamic_cast<BytesWindowStore&>(*built.store);
  const std::string value(1000, 'v');
  for (int i = 0; i < 200; ++i) store.put("k" + std::to_string(i), value, 0);  // ~250 KB
  // Over the 64 KiB budget: flushed (every window reached the store once) and evicted.
  EXPECT_LE(budget_.record_cache_usage(), 64 << 10);
  store.flush();
  EXPECT_EQ(flushed_.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(store.fetch("k" + std::to_string(i), 0), value);
}

TEST_P(CacheTest, MeteredLayerCountsOperationsAndTimesThemOnlyWhenAsked) {
  auto untimed = build(Stores::persistent_key_value("untimed"));
  dynamic_cast<BytesKeyValueStore&>(*untimed.store).put("a", "1");
  EXPECT_EQ(untimed.metrics->puts.load(), 1u);
  EXPECT_EQ(untimed.metrics->put_latency_ns.load(), 0u);  // recording level INFO

  context_.time_operations = true;  // DEBUG
  auto built = build(Stores::persistent_key_value("counts"));
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  store.put("a", "1");
  store.put("a", std::nullopt);
  (void)store.get("a");
  (void)store.all();
  store.flush();
  ASSERT_NE(built.metrics, nullptr);
  EXPECT_EQ(built.metrics->puts.load(), 1u);
  EXPECT_EQ(built.metrics->deletes.load(), 1u);
  EXPECT_EQ(built.metrics->gets.load(), 1u);
  EXPECT_EQ(built.metrics->range_scans.load(), 1u);
  EXPECT_EQ(built.metrics->flushes.load(), 1u);
  EXPECT_GT(built.metrics->put_latency_ns.load(), 0u);
}

TEST_P(CacheTest, LoggingWithoutCacheWritesEveryChange) {
  StoreSpec spec = Stores::persistent_key_value("plain").with_logging().spec();
  spec.persistent = GetParam();
  BuiltStore built = build_store(spec, context_);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  EXPECT_FALSE(set_cache_flush_listener(
      store, [](auto, auto, auto, auto, const auto&) {}, false));
  record_time_ = 3;
  store.put("a", "1");
  store.put("a", "2");
  const auto& log = changelog_.entries("app-plain-changelog", 2);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].value, "2");
  EXPECT_EQ(log[1].timestamp, 3);
}

TEST_P(CacheTest, RecordCachesGiveWayToSuppressBuffersOnceTheBlockCacheGaveItsShare) {
  auto built = build(Stores::persistent_key_value("counts"));
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  const std::string value(100, 'v');
  for (int i = 0; i < 100; ++i) store.put("key-" + std::to_string(1000 + i), value);
  const int64_t cached = budget_.record_cache_usage();
  EXPECT_GT(cached, 10'000);  // 100 entries of > 100 bytes, all dirty
  EXPECT_TRUE(flushed_.empty());
  // Suppress buffers holding the block cache's share leave the record caches alone.
  budget_.add_suppress_buffer_usage(budget_.block_cache_share());
  EXPECT_FALSE(budget_.record_caches_full());
  EXPECT_EQ(budget_.record_cache_room(), 64 << 10);
  // 60 KiB more take 60 KiB of the caches' 64 KiB: the next write finds the caches over
  // their room and its eldest entry dirty, flushes every dirty entry, and evicts until the
  // cache fits in the 4 KiB left.
  budget_.add_suppress_buffer_usage(60 << 10);
  EXPECT_TRUE(budget_.record_caches_full());
  EXPECT_EQ(budget_.record_cache_room(), 4 << 10);
  store.put("key-2000", value);
  EXPECT_EQ(flushed_.size(), 101u);
  EXPECT_LE(budget_.record_cache_usage(), 4 << 10);
  EXPECT_EQ(store.get("key-1000"), value);  // flushed, so still there below the cache
  budget_.add_suppress_buffer_usage(-(60 << 10) - budget_.block_cache_share());
  EXPECT_FALSE(budget_.record_caches_full());
}

TEST(MemoryBudget, SuppressBuffersTakeFromTheBlockCacheDownToHalfTheTotalThenFromTheCaches) {
  MemoryBudget budget({.total_bytes = 8 << 20, .record_cache_bytes = 1 << 20});
  EXPECT_EQ(budget.suppress_buffer_limit(), 4 << 20);
  EXPECT_EQ(budget.block_cache_share(), 3 << 20);
  EXPECT_EQ(budget.rocksdb_capacity(), 7 << 20);
  budget.add_suppress_buffer_usage(1);  // one 1 MiB step of the block cache
  EXPECT_EQ(budget.rocksdb_capacity(), 6 << 20);
  EXPECT_EQ(budget.record_cache_room(), 1 << 20);
  budget.add_suppress_buffer_usage((2 << 20) - 1);  // 2 MiB: two steps
  EXPECT_EQ(budget.rocksdb_capacity(), 5 << 20);
  budget.add_suppress_buffer_usage(1 << 20);  // 3 MiB: the block cache's floor
  EXPECT_EQ(budget.rocksdb_capacity(), 4 << 20);
  EXPECT_EQ(budget.record_cache_room(), 1 << 20);
  budget.add_suppress_buffer_usage(1);  // beyond the share: from the record caches
  EXPECT_EQ(budget.rocksdb_capacity(), 4 << 20);
  EXPECT_EQ(budget.record_cache_room(), (1 << 20) - 1);
  budget.add_suppress_buffer_usage((1 << 20) - 1);  // 4 MiB, the limit
  EXPECT_EQ(budget.record_cache_room(), 0);
  EXPECT_FALSE(budget.suppress_buffers_full());
  budget.add_suppress_buffer_usage(1);
  EXPECT_TRUE(budget.suppress_buffers_full());
  EXPECT_EQ(budget.rocksdb_capacity(), 4 << 20);     // never below half the total
  budget.add_suppress_buffer_usage(-(4 << 20) - 1);  // all emitted
  EXPECT_EQ(budget.suppress_buffer_usage(), 0);
  EXPECT_EQ(budget.rocksdb_capacity(), 7 << 20);
  EXPECT_EQ(budget.record_cache_room(), 1 << 20);
}

INSTANTIATE_TEST_SUITE_P(MemoryAndRocksDb, CacheTest, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "RocksDb" : "Memory";
                         });

// Eviction after a flush takes clean entries, least recently used first, until the record
// caches fit their room (not further: this cache would empty itself when others hold most of
// it), and never a dirty one (a flush listener may write while it runs).
TEST(RecordCache, EvictionTakesCleanEntriesLeastRecentlyUsedFirstAndKeepsDirtyOnes) {
  MemoryBudget budget({.total_bytes = 32 << 20, .record_cache_bytes = 10'000});
  RecordCache cache(budget, /*entry_overhead=*/100, {});
  cache.write("dirty-oldest", "v", 0, 1);  // the least recently used of all
  for (int i = 0; i < 100; ++i) cache.insert_clean("clean-" + std::to_string(i), Bytes("v"), 0);
  ASSERT_TRUE(cache.over_budget());
  cache.evict_clean();
  EXPECT_LE(budget.record_cache_usage(), 10'000);
  EXPECT_GT(budget.record_cache_usage(), 9'800) << "it evicts only until the caches fit";
  EXPECT_NE(cache.find("dirty-oldest"), cache.end());
  EXPECT_EQ(cache.find("clean-0"), cache.end()) << "least recently used first";
  EXPECT_NE(cache.find("clean-99"), cache.end());
  EXPECT_EQ(cache.dirty().size(), 1u);
  cache.clear();
  EXPECT_EQ(budget.record_cache_usage(), 0);
}

// Over budget, the cache being written gives up its eldest entries while they are clean
// (flushed already), and asks for a flush only once the eldest is dirty (Kafka Streams'
// NamedCache): entries still being combined are not flushed while older ones could go.
TEST(RecordCache, OverBudgetTheEldestCleanEntriesGoFirstAndADirtyEldestAsksForAFlush) {
  MemoryBudget budget({.total_bytes = 32 << 20, .record_cache_bytes = 10'000});
  RecordCache cache(budget, /*entry_overhead=*/100, {});
  for (int i = 0; i < 50; ++i) cache.insert_clean("clean-" + std::to_string(i), Bytes("v"), 0);
  for (int i = 0; i < 50; ++i) cache.write("dirty-" + std::to_string(i), "v", 0, 1);
  ASSERT_TRUE(cache.over_budget());
  EXPECT_TRUE(cache.evict_eldest_clean());
  EXPECT_FALSE(cache.over_budget());
  EXPECT_EQ(cache.find("clean-0"), cache.end());
  EXPECT_NE(cache.find("clean-49"), cache.end()) << "only what the caches needed";
  EXPECT_EQ(cache.dirty().size(), 50u);

  RecordCache dirty_first(budget, /*entry_overhead=*/100, {});
  dirty_first.write("dirty-eldest", "v", 0, 1);
  for (int i = 0; i < 60; ++i) dirty_first.insert_clean("c-" + std::to_string(i), Bytes("v"), 0);
  ASSERT_TRUE(dirty_first.over_budget());
  const size_t before = dirty_first.size();
  EXPECT_FALSE(dirty_first.evict_eldest_clean()) << "the eldest is dirty: flush first";
  EXPECT_EQ(dirty_first.size(), before);
}

}  // namespace
}  // namespace eddy::state
