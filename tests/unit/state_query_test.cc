// Interactive queries: read-only views by store name across local partitions, safe while
// the task thread keeps writing (run under the tsan preset for the data-race check).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "eddy/errors.h"
#include "eddy/state/queryable_store.h"
#include "eddy/state/stores.h"
#include "state/memory_changelog.h"
#include "state/restore/task_state_manager.h"
#include "state/store_registry.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;

Serde<std::string> strings() {
  return Serde<std::string>([](const std::string& v, std::string& out) { out += v; },
                            [](std::string_view b) { return std::string(b); });
}

class QueryTest : public ::testing::TestWithParam<bool> {
 protected:
  StoreContext context(int32_t partition) {
    StoreContext c;
    c.application_id = "app";
    c.task_id = "0_" + std::to_string(partition);
    c.partition = partition;
    c.changelog = &changelog_;
    c.memory_budget = &budget_;
    c.store_registry = &registry_;
    return c;
  }
  StoreSpec spec(StoreBuilder builder) {
    StoreSpec s = builder.with_caching().with_logging().spec();
    s.persistent = GetParam();
    return s;
  }
  testing::TempDir dir_;
  MemoryBudget budget_{{.total_bytes = 32 << 20, .record_cache_bytes = 1 << 20}};
  MemoryChangelog changelog_;
  StoreRegistry registry_;
};

TEST_P(QueryTest, ViewsCoverEveryLocalPartition) {
  TaskStateManager task0(dir_.path(), context(0));
  TaskStateManager task1(dir_.path(), context(1));
  auto& kv0 = dynamic_cast<BytesKeyValueStore&>(
      task0.register_store(spec(Stores::persistent_key_value("counts"))));
  auto& kv1 = dynamic_cast<BytesKeyValueStore&>(
      task1.register_store(spec(Stores::persistent_key_value("counts"))));
  auto& win0 = dynamic_cast<BytesWindowStore&>(task0.register_store(
      spec(Stores::persistent_window("w", milliseconds(600'000), milliseconds(1'000)))));
  EXPECT_THROW(registry_.get("counts", "a"), StateStoreError) << "not queryable before restore";
  task0.restore(changelog_);
  task1.restore(changelog_);
  kv0.put("a", "1");
  kv1.put("b", "2");  // not yet flushed: queries read through the cache
  win0.put("a", "w", 1'000);

  QueryableKeyValueStore<std::string, std::string> counts(registry_, "counts", strings(),
                                                          strings());
  EXPECT_EQ(counts.get("a"), "1");
  EXPECT_EQ(counts.get("b"), "2");
  EXPECT_EQ(counts.get("c"), std::nullopt);
  EXPECT_EQ(counts.all(),
            (std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}}));
  QueryableWindowStore<std::string, std::string> windows(registry_, "w", strings(), strings());
  EXPECT_EQ(windows.fetch("a", 0, 5'000),
            (std::vector<std::pair<int64_t, std::string>>{{1'000, "w"}}));
  EXPECT_THROW(registry_.get("w", "a"), StateStoreError);  // wrong kind
  task1.close();
  EXPECT_EQ(counts.get("b"), std::nullopt);  // its task left this instance
}

TEST_P(QueryTest, QueriesFromAnotherThreadWhileTheTaskWrites) {
  TaskStateManager task(dir_.path(), context(0));
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      task.register_store(spec(Stores::persistent_key_value("counts"))));
  task.restore(changelog_);
  std::atomic<bool> done{false};
  std::atomic<int64_t> reads{0};
  std::thread reader([&] {
    QueryableKeyValueStore<std::string, std::string> counts(registry_, "counts", strings(),
                                                            strings());
    while (!done.load()) {
      auto value = counts.get("k" + std::to_string(reads.load() % 100));
      if (value) {
        EXPECT_EQ(value->front(), 'v');
      }
      if (reads.load() % 50 == 0) (void)counts.all();
      reads.fetch_add(1);
    }
  });
  while (reads.load() == 0) std::this_thread::yield();
  int i = 0;
  for (; i < 20'000 || reads.load() < 1'000; ++i) {
    kv.put("k" + std::to_string(i % 100), "v" + std::to_string(i));
    if (i % 1'000 == 0) task.flush();
  }
  done = true;
  reader.join();
  EXPECT_GE(reads.load(), 1'000);
  const int last_for_k99 =
      ((i - 1) / 100) * 100 + 99 <= i - 1 ? ((i - 1) / 100) * 100 + 99 : ((i - 1) / 100) * 100 - 1;
  EXPECT_EQ(registry_.get("counts", "k99"), "v" + std::to_string(last_for_k99));
}

TEST_P(QueryTest, DeclaredStoresTellUnknownFromNotLocalAndStripTimestamps) {
  registry_.declare("counts", StoreKind::kKeyValue, /*timestamped=*/true);
  registry_.declare("w", StoreKind::kWindow, /*timestamped=*/false);
  QueryableKeyValueStore<std::string, std::string> counts(registry_, "counts", strings(),
                                                          strings());
  EXPECT_THROW(counts.get("a"), InvalidStateStoreError) << "declared, but no partition is local";
  try {
    registry_.get("nope", "a");
    ADD_FAILURE();
  } catch (const UnknownStateStoreError& e) {
    EXPECT_STREQ(e.what(),
                 "cannot query store 'nope': the topology has no store of that name (its "
                 "stores: counts, w)");
  }
  EXPECT_THROW(registry_.check_store("w", StoreKind::kSession), UnknownStateStoreError);

  TaskStateManager task(dir_.path(), context(0));
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      task.register_store(spec(Stores::persistent_key_value("counts"))));
  task.restore(changelog_);
  kv.put("a", std::string(8, '\0') + "1");  // [8-byte timestamp][value], as tables store it
  EXPECT_EQ(counts.get("a"), "1");
  EXPECT_EQ(counts.all(), (std::vector<std::pair<std::string, std::string>>{{"a", "1"}}));

  registry_.set_gate(
      [](const std::string& store) { throw InvalidStateStoreError("closed: " + store); });
  EXPECT_THROW(counts.get("a"), InvalidStateStoreError);
  registry_.set_gate(nullptr);
  task.close_dirty();  // leaves the registry too: no read reaches a closed store
  EXPECT_THROW(counts.get("a"), InvalidStateStoreError);
}

INSTANTIATE_TEST_SUITE_P(MemoryAndRocksDb, QueryTest, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "RocksDb" : "Memory";
                         });

}  // namespace
}  // namespace eddy::state
