// The RocksDB options every store gets: the process memory budget's shared cache, and the
// user's config setter called per store with a rocksdb::Options it may change.
#include <gtest/gtest.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>

#include <chrono>
#include <map>
#include <set>

#include "dsl_test_support.h"
#include "eddy/state/stores.h"
#include "state/memory_budget.h"
#include "state/rocksdb/rocksdb_shared.h"
#include "state/store_factory.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

TEST(RocksDbOptions, EveryStoreSharesTheBudgetsCacheAndWriteBuffers) {
  MemoryBudget budget({.total_bytes = 64 << 20, .record_cache_bytes = 8 << 20});
  EXPECT_EQ(budget.rocksdb_bytes(), 56 << 20);
  EXPECT_EQ(budget.memtable_bytes(), 28 << 20);
  const rocksdb::Options a = make_rocksdb_options(budget, "a", {}, ReadPattern::kPointReads);
  const rocksdb::Options b = make_rocksdb_options(budget, "b", {}, ReadPattern::kRangeScans);
  EXPECT_EQ(a.write_buffer_manager, budget.rocksdb().write_buffers);
  EXPECT_EQ(a.write_buffer_manager, b.write_buffer_manager);
  auto* table_a = a.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
  auto* table_b = b.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
  ASSERT_NE(table_a, nullptr);
  EXPECT_EQ(table_a->block_cache, budget.rocksdb().cache);
  EXPECT_EQ(table_a->block_cache, table_b->block_cache);
  EXPECT_TRUE(table_a->cache_index_and_filter_blocks);
  EXPECT_EQ(budget.rocksdb().cache->GetCapacity(), static_cast<size_t>(56 << 20));
  // A memtable bloom filter only where point reads are expected.
  EXPECT_GT(a.memtable_prefix_bloom_size_ratio, 0.0);
  EXPECT_TRUE(a.memtable_whole_key_filtering);
  EXPECT_EQ(b.memtable_prefix_bloom_size_ratio, 0.0);
}

TEST(RocksDbOptions, ConfigSetterSeesEachStore) {
  testing::TempDir dir;
  MemoryBudget budget({.total_bytes = 32 << 20, .record_cache_bytes = 1 << 20});
  std::set<std::string> seen;
  std::map<std::string, bool> memtable_bloom;
  StoreContext context;
  context.task_dir = dir.path();
  context.memory_budget = &budget;
  context.rocksdb_config_setter = [&](const std::string& store, rocksdb::Options& options) {
    seen.insert(store);
    memtable_bloom[store] = options.memtable_prefix_bloom_size_ratio > 0;
    options.compression = rocksdb::kNoCompression;
  };
  auto kv = build_store(Stores::persistent_key_value("kv").spec(), context);
  auto win = build_store(
      Stores::persistent_window("win", std::chrono::minutes(10), std::chrono::minutes(1)).spec(),
      context);
  auto session =
      build_store(Stores::persistent_session("session", std::chrono::minutes(10)).spec(), context);
  EXPECT_EQ(seen, (std::set<std::string>{"kv", "win", "session"}));
  // Key-value and window stores are read key by key (a new window's read misses), session
  // stores by range scans: only the first two get a memtable bloom filter.
  EXPECT_EQ(memtable_bloom,
            (std::map<std::string, bool>{{"kv", true}, {"win", true}, {"session", false}}));
}

// Through the public config: every task's RocksDB stores (one instance per partition),
// and none of the in-memory ones.
TEST(RocksDbOptions, StreamsConfigSetterSeesEveryTasksStores) {
  StreamsBuilder builder;
  auto grouped = builder.stream<std::string, std::string>("in").group_by_key();
  grouped.count(Materialized<std::string, int64_t>::as("counts"));
  grouped.windowed_by(TimeWindows::of_size_with_no_grace(std::chrono::minutes(1)))
      .count(Materialized<std::string, int64_t>::as("per-minute"));
  grouped.count(Materialized<std::string, int64_t>::as("in-memory").with_in_memory());
  StreamsConfig config = test::test_config();
  std::map<std::string, int> calls;
  config.rocksdb_config_setter = [&](const std::string& store, rocksdb::Options& options) {
    ++calls[store];
    options.compression = rocksdb::kNoCompression;
  };
  TopologyTestDriver driver(builder.build(config), config, {.partitions_per_topic = 3});
  // The windowed count's stream-time store (persisted_stream_time.h) is a RocksDB store too.
  EXPECT_EQ(calls, (std::map<std::string, int>{
                       {"counts", 3}, {"per-minute", 3}, {"per-minute-stream-time", 3}}));
  // The stores it tuned work.
  auto in = driver.create_input_topic<std::string, std::string>("in");
  in.pipe_input("k", "v", 1000);
  auto counts = driver.key_value_store<std::string, int64_t>("counts");
  EXPECT_EQ(counts.get("k"), 1);
}

TEST(RocksDbOptions, PersistentStoreWithoutTaskFolderRunsInMemory) {
  StoreContext context;  // no task_dir, as a test driver may build it
  auto built = build_store(Stores::persistent_key_value("kv").spec(), context);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  store.put("a", "1");
  EXPECT_EQ(store.get("a"), "1");
}

}  // namespace
}  // namespace eddy::state
