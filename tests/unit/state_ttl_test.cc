// TTL on key-value stores: expiry by event time and by wall clock, deletions that reach the
// changelog as tombstones and the expiry listener, and a rebuilt store that cannot
// resurrect an expired key.
#include <gtest/gtest.h>

#include <chrono>

#include "eddy/errors.h"
#include "eddy/state/stores.h"
#include "state/decorators/ttl_key_value_store.h"
#include "state/layered_store.h"
#include "state/memory_changelog.h"
#include "state/restore/changelog_restorer.h"
#include "state/store_factory.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;

struct TtlFlavor {
  bool persistent;
  bool caching;
};

class TtlTest : public ::testing::TestWithParam<TtlFlavor> {
 protected:
  TtlTest() {
    context_.application_id = "app";
    context_.task_id = "0_0";
    context_.task_dir = dir_.path();
    context_.changelog = &changelog_;
    context_.record_timestamp = [this] { return record_time_; };
    context_.wall_clock_ms = [this] { return wall_time_; };
    context_.memory_budget = &budget_;
  }

  BuiltStore build(TtlClock clock, const std::string& name = "sessions") {
    StoreSpec spec = Stores::persistent_key_value(name)
                         .with_logging()
                         .with_ttl({.ttl = milliseconds(100), .clock = clock})
                         .spec();
    spec.persistent = GetParam().persistent;
    spec.caching = GetParam().caching;
    BuiltStore built = build_store(spec, context_);
    EXPECT_TRUE(set_expiry_listener(
        *built.store,
        [this](std::string_view key, std::string_view old_value, int64_t expiry_time) {
          expired_.emplace_back(std::string(key), std::string(old_value), expiry_time);
        }));
    return built;
  }

  // The changelog's last record per key, as a restore would see it.
  std::map<std::string, std::optional<std::string>> changelog_view(const std::string& topic) {
    std::map<std::string, std::optional<std::string>> out;
    for (const auto& e : changelog_.entries(topic, 0)) out[e.key] = e.value;
    return out;
  }

  testing::TempDir dir_;
  MemoryBudget budget_{{.total_bytes = 32 << 20, .record_cache_bytes = 1 << 20}};
  MemoryChangelog changelog_;
  int64_t record_time_ = 0;
  int64_t wall_time_ = 1'000'000;
  StoreContext context_;
  std::vector<std::tuple<std::string, std::string, int64_t>> expired_;
};

TEST_P(TtlTest, EventTimeExpiryWritesTombstonesAndTellsTheListener) {
  auto built = build(TtlClock::kEventTime);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  record_time_ = 0;
  store.put("a", "va");
  record_time_ = 50;
  store.put("b", "vb");
  EXPECT_EQ(store.get("a"), "va");
  record_time_ = 120;  // stream time 120: "a" (written at 0) is due at 100, "b" at 150
  store.put("c", "vc");
  EXPECT_EQ(store.get("a"), std::nullopt);
  EXPECT_EQ(store.get("b"), "vb");
  EXPECT_EQ(expired_,
            (std::vector<std::tuple<std::string, std::string, int64_t>>{{"a", "va", 100}}));
  store.flush();  // commit: the cache (if any) sends the deletion down
  auto log = changelog_view("app-sessions-changelog");
  ASSERT_TRUE(log.contains("a"));
  EXPECT_EQ(log["a"], std::nullopt) << "the expiry must be a changelog tombstone";
  EXPECT_EQ(testing::drain(store.all()).size(), 2u);
}

TEST_P(TtlTest, RebuiltStoreDoesNotResurrectExpiredKeys) {
  {
    auto built = build(TtlClock::kEventTime);
    auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
    for (int i = 0; i < 50; ++i) {
      record_time_ = i * 10;
      store.put("k" + std::to_string(i), "v" + std::to_string(i));
    }
    store.flush();
    built.store->close();
  }
  // Stream time 490, TTL 100: keys written at <= 390 (k0..k39) expired.
  EXPECT_EQ(expired_.size(), 40u);
  std::filesystem::remove_all(dir_.path() / "sessions");

  auto built = build(TtlClock::kEventTime, "sessions");
  built.restore->wipe_local_state();
  restore_from_changelog(changelog_, "sessions", "app-sessions-changelog", 0, 0, *built.restore);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  const auto contents = testing::drain(store.all());
  ASSERT_EQ(contents.size(), 10u);
  EXPECT_EQ(contents.front(), (std::pair<std::string, std::string>{"k40", "v40"}));
  EXPECT_EQ(store.get("k3"), std::nullopt);
}

TEST_P(TtlTest, WallClockExpiryHidesDueKeysAndSweepsOnFlush) {
  auto built = build(TtlClock::kWallClock);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  store.put("a", "1");
  wall_time_ += 60;
  store.put("b", "2");
  wall_time_ += 50;  // "a" is 110 ms old, "b" 50 ms
  EXPECT_EQ(store.get("a"), std::nullopt) << "a due key is invisible before the sweep";
  EXPECT_TRUE(expired_.empty());
  store.flush();
  EXPECT_EQ(expired_.size(), 1u);
  EXPECT_EQ(changelog_view("app-sessions-changelog")["a"], std::nullopt);
  EXPECT_EQ(store.get("b"), "2");
  // A new write renews the key's lifetime.
  wall_time_ += 40;
  store.put("b", "3");
  wall_time_ += 90;
  store.flush();
  EXPECT_EQ(store.get("b"), "3");
}

TEST_P(TtlTest, WallClockSweepOnAnIdlePartition) {
  auto built = build(TtlClock::kWallClock);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  store.put("a", "1");
  wall_time_ += 500;  // no writes, no commit: only a punctuation runs
  EXPECT_EQ(expire_due_keys(*built.store), 1u);
  EXPECT_EQ(expired_.size(), 1u);
}

TEST_P(TtlTest, ExpiryTombstoneCarriesTheExpiryTimeNotTheSweepingRecords) {
  auto built = build(TtlClock::kEventTime);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  record_time_ = 10;
  store.put("a", "1");
  record_time_ = 500;  // sweeps "a", due at 110
  store.put("b", "2");
  store.flush();
  std::optional<int64_t> tombstone_time;
  for (const auto& e : changelog_.entries("app-sessions-changelog", 0)) {
    if (e.key == "a" && !e.value) tombstone_time = e.timestamp;
  }
  EXPECT_EQ(tombstone_time, 110);
  EXPECT_EQ(expired_,
            (std::vector<std::tuple<std::string, std::string, int64_t>>{{"a", "1", 110}}));
}

TEST_P(TtlTest, EventTimeReadsAreAsOfTheRecordBeingProcessed) {
  auto built = build(TtlClock::kEventTime);
  auto& store = dynamic_cast<BytesKeyValueStore&>(*built.store);
  record_time_ = 0;
  store.put("a", "1");
  record_time_ = 150;  // a record at 150 reads "a" before writing anything: it is due
  EXPECT_EQ(store.get("a"), std::nullopt);
  store.put("a", "2");  // its old value is expired (and told) before the new one is written
  EXPECT_EQ(expired_,
            (std::vector<std::tuple<std::string, std::string, int64_t>>{{"a", "1", 100}}));
  EXPECT_EQ(store.get("a"), "2");
}

TEST(TtlSpec, RejectedOnWindowStores) {
  StoreContext context;
  StoreSpec spec = Stores::in_memory_window("w", milliseconds(1000), milliseconds(100))
                       .with_ttl({.ttl = milliseconds(5)})
                       .spec();
  EXPECT_THROW(build_store(spec, context), TopologyError);
}

INSTANTIATE_TEST_SUITE_P(AllStacks, TtlTest,
                         ::testing::Values(TtlFlavor{false, false}, TtlFlavor{true, false},
                                           TtlFlavor{false, true}, TtlFlavor{true, true}),
                         [](const auto& param_info) {
                           return std::string(param_info.param.persistent ? "RocksDb" : "Memory") +
                                  (param_info.param.caching ? "Cached" : "");
                         });

}  // namespace
}  // namespace eddy::state
