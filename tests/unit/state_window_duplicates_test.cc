// Window stores that keep duplicates (a stream-stream join's): every put is kept under its own
// sequence number, also after the store is reopened or restored from its changelog, and a put
// older than the retention is counted as expired.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "eddy/state/stores.h"
#include "state/memory_changelog.h"
#include "state/restore/changelog_restorer.h"
#include "state/store_factory.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;
using testing::drain;
using testing::Windows;

class DuplicatesTest : public ::testing::TestWithParam<bool> {
 protected:
  DuplicatesTest() {
    context_.application_id = "app";
    context_.task_id = "0_0";
    context_.task_dir = dir_.path();
    context_.changelog = &changelog_;
    context_.record_timestamp = [] { return int64_t{0}; };
    context_.memory_budget = &budget_;
  }

  BuiltStore build(bool logging = true) {
    auto spec = Stores::persistent_window("join", milliseconds(100), milliseconds(20),
                                          /*retain_duplicates=*/true)
                    .spec();
    spec.persistent = GetParam();
    spec.logging = logging;
    return build_store(spec, context_);
  }
  static BytesWindowStore& window(BuiltStore& built) {
    return *dynamic_cast<BytesWindowStore*>(built.store.get());
  }

  testing::TempDir dir_;
  MemoryBudget budget_{{.total_bytes = 32 << 20, .record_cache_bytes = 1 << 20}};
  MemoryChangelog changelog_;
  StoreContext context_;
};

TEST_P(DuplicatesTest, KeepsEveryPutAndCountsThoseOlderThanTheRetentionAsExpired) {
  std::vector<std::string> dropped;  // what the task counts as dropped records
  context_.expired_put = [&dropped](const std::string& store) { dropped.push_back(store); };
  auto built = build();
  auto& store = window(built);
  store.put("k", "a", 950);
  store.put("k", "b", 950);
  store.put("k", "c", 1000);
  EXPECT_EQ(drain(store.fetch("k", 0, 2000)),
            (Windows{{"k", 950, "a"}, {"k", 950, "b"}, {"k", 1000, "c"}}));
  EXPECT_EQ(built.metrics->expired_records.load(), 0u);
  store.put("k", "late", 900);  // 1000 - 100 + 1 = 901 is the oldest a read returns
  store.put("k", "kept", 901);
  EXPECT_EQ(built.metrics->expired_records.load(), 1u);
  EXPECT_EQ(drain(store.fetch("k", 0, 2000)),
            (Windows{{"k", 901, "kept"}, {"k", 950, "a"}, {"k", 950, "b"}, {"k", 1000, "c"}}));
  // As Kafka Streams: its in-memory store drops (and counts) every such put, its RocksDB store
  // only a put into a segment (60 s here) that is already gone.
  const bool persistent = GetParam();
  const std::vector<std::string> none;
  const std::vector<std::string> one{"join"};
  const std::vector<std::string> three{"join", "join", "join"};
  EXPECT_EQ(dropped, persistent ? none : one);
  store.put("k", "d", 130'000);  // segments 0 and 1 are gone
  store.put("k", "e", 59'999);
  store.put("k", "f", 125'000);  // live segment 2, but older than the retention
  EXPECT_EQ(built.metrics->expired_records.load(), 3u);
  EXPECT_EQ(dropped, persistent ? one : three);
}

TEST_P(DuplicatesTest, ARestoredStoreContinuesItsSequenceNumbers) {
  {
    auto built = build();
    window(built).put("k", "a", 500);
    window(built).put("k", "b", 500);
    built.store->close();
  }
  std::filesystem::remove_all(dir_.path());  // local state lost: back from the changelog
  std::filesystem::create_directories(dir_.path());
  auto built = build(/*logging=*/false);
  restore_from_changelog(changelog_, "join", "app-join-changelog", 0, 0, *built.restore);
  auto& store = window(built);
  store.put("k", "c", 500);  // same key and time as the restored two: a third entry
  EXPECT_EQ(drain(store.fetch("k", 0, 1000)),
            (Windows{{"k", 500, "a"}, {"k", 500, "b"}, {"k", 500, "c"}}));
}

INSTANTIATE_TEST_SUITE_P(MemoryAndRocksDb, DuplicatesTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param) {
                           return std::string(param.param ? "RocksDb" : "Memory");
                         });

}  // namespace
}  // namespace eddy::state
