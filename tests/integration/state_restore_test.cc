// Restore on the real local Kafka: fill stores through the change-logging layer (changelog
// written with kafka::Producer on the task's partition), lose the local folder, rebuild from
// the changelog (kafka::Consumer with assign()) and compare exactly; then restart with the
// folder intact and show, by counting records read, that only the tail is replayed. Also:
// TTL expiries are tombstones in the real changelog and a rebuilt store lacks those keys.
#include <gtest/gtest.h>

#include <chrono>
#include <random>

#include "eddy/state/stores.h"
#include "kafka/admin.h"
#include "state/layered_store.h"
#include "state/restore/task_state_manager.h"
#include "state_kafka_changelog.h"
#include "support/real_kafka.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;
using testing::KafkaChangelogReader;
using testing::KafkaChangelogWriter;
using testing_support::real_props;
using testing_support::unique_name;

// Record timestamps near now: the broker rejects timestamps more than an hour ahead.
const int64_t kBaseTime = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          3'600'000;

using KeyValues = std::vector<std::pair<std::string, std::string>>;
using Windows = std::vector<std::tuple<std::string, int64_t, std::string>>;

KeyValues dump(BytesKeyValueStore& store) {
  KeyValues out;
  for (auto it = store.all(); it->valid(); it->next()) out.emplace_back(it->key(), it->value());
  return out;
}
Windows dump(BytesWindowStore& store) {
  Windows out;
  for (auto it = store.fetch_all(0, INT64_MAX); it->valid(); it->next()) {
    out.emplace_back(it->key(), it->window_start(), it->value());
  }
  return out;
}

class StateRestoreOnKafka : public ::testing::Test {
 protected:
  StateRestoreOnKafka() {
    std::filesystem::remove_all(state_dir_);
    std::filesystem::create_directories(state_dir_);
  }
  ~StateRestoreOnKafka() override { std::filesystem::remove_all(state_dir_); }

  StoreContext context() {
    StoreContext c;
    c.application_id = app_;
    c.task_id = "0_1";
    c.partition = kPartition;
    c.changelog = &writer_;
    c.record_timestamp = [this] { return record_time_; };
    c.memory_budget = &budget_;
    return c;
  }
  void create_changelogs(const std::vector<StoreSpec>& specs) {
    kafka::Admin admin(real_props());
    std::vector<kafka::NewTopic> topics;
    for (const auto& spec : specs) {
      topics.push_back({.name = app_ + "-" + spec.name + "-changelog",
                        .partitions = 2,
                        .replication_factor = 1,
                        .configs = changelog_topic_configs(spec)});
    }
    admin.create_topics(topics);
  }

  static constexpr int32_t kPartition = 1;
  const std::string app_ = unique_name("state-it");
  const std::filesystem::path state_dir_ =
      std::filesystem::temp_directory_path() / unique_name("eddy-state-it");
  MemoryBudget budget_{{.total_bytes = 64 << 20, .record_cache_bytes = 4 << 20}};
  KafkaChangelogWriter writer_{real_props()};
  int64_t record_time_ = 1;
};

TEST_F(StateRestoreOnKafka, RebuildsExactlyThenReplaysOnlyTheTail) {
  const StoreSpec kv_spec =
      Stores::persistent_key_value("counts").with_caching().with_logging().spec();
  const StoreSpec win_spec =
      Stores::persistent_window("per-minute", milliseconds(24 * 3600 * 1000), milliseconds(60'000))
          .with_logging()
          .spec();
  create_changelogs({kv_spec, win_spec});
  const std::string kv_topic = app_ + "-counts-changelog";

  // 1. Fill through the logging layer: 60 000 updates over 20 000 keys, some deletions,
  //    committing (flush, producer flush, checkpoint) every 10 000 updates.
  KeyValues kv_before;
  Windows windows_before;
  {
    TaskStateManager state(state_dir_, context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(state.register_store(kv_spec));
    auto& win = dynamic_cast<BytesWindowStore&>(state.register_store(win_spec));
    state.restore(*std::make_unique<KafkaChangelogReader>(real_props()));
    std::mt19937 rng(7);
    for (int i = 0; i < 60'000; ++i) {
      record_time_ = kBaseTime + i;
      const std::string key = "key-" + std::to_string(rng() % 20'000);
      if (i % 97 == 0) {
        kv.put(key, std::nullopt);
      } else {
        kv.put(key, "v" + std::to_string(i));
      }
      if (i % 10 == 0)
        win.put(key.substr(0, 6), std::to_string(i), (record_time_ / 60'000) * 60'000);
      if (i % 10'000 == 9'999) {
        state.flush();
        state.checkpoint(writer_.flush());
      }
    }
    state.flush();
    kv_before = dump(kv);
    windows_before = dump(win);
    state.close(writer_.flush());
  }
  ASSERT_GT(kv_before.size(), 10'000u);

  // 2. Lose the local folder; rebuild everything from the changelog.
  std::filesystem::remove_all(state_dir_ / app_);
  {
    KafkaChangelogReader reader(real_props());
    TaskStateManager state(state_dir_, context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(state.register_store(kv_spec));
    auto& win = dynamic_cast<BytesWindowStore&>(state.register_store(win_spec));
    const auto progress = state.restore(reader);
    ASSERT_EQ(progress.size(), 2u);
    EXPECT_EQ(progress[0].start_offset, 0);
    EXPECT_EQ(progress[0].records_restored, reader.end_offset(kv_topic, kPartition));
    EXPECT_EQ(dump(kv), kv_before);
    EXPECT_EQ(dump(win), windows_before);
    std::cout << "full restore read " << reader.records_read() << " changelog records\n";

    // 3. More work after the rebuild: 1 500 updates, committed.
    for (int i = 0; i < 1'500; ++i) {
      record_time_ = kBaseTime + 100'000 + i;
      kv.put("tail-" + std::to_string(i % 500), "t" + std::to_string(i));
    }
    state.flush();
    kv_before = dump(kv);
    state.close(writer_.flush());
  }

  // 4. Another instance logged 300 more changes after our last checkpoint (as if we had
  //    crashed after producing them). Restart with the folder intact: only the tail is read.
  for (int i = 0; i < 300; ++i) {
    writer_.log(kv_topic, kPartition, "late-" + std::to_string(i), "x", 0);
    kv_before.emplace_back("late-" + std::to_string(i), "x");
  }
  writer_.flush();
  std::sort(kv_before.begin(), kv_before.end());
  {
    KafkaChangelogReader reader(real_props());
    TaskStateManager state(state_dir_, context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(state.register_store(kv_spec));
    state.register_store(win_spec);
    const auto progress = state.restore(reader);
    std::cout << "restart with local state read " << reader.records_read()
              << " changelog records\n";
    EXPECT_EQ(progress[0].records_restored, 300);
    EXPECT_EQ(progress[1].records_restored, 0);
    EXPECT_EQ(reader.records_read(), 300);
    EXPECT_EQ(dump(kv), kv_before);
  }
}

TEST_F(StateRestoreOnKafka, TtlExpiryIsATombstoneAndNeverComesBack) {
  const StoreSpec spec = Stores::persistent_key_value("last-seen")
                             .with_caching()
                             .with_logging()
                             .with_ttl({.ttl = milliseconds(60'000), .clock = TtlClock::kEventTime})
                             .spec();
  create_changelogs({spec});
  const std::string topic = app_ + "-last-seen-changelog";
  std::vector<std::string> expired_keys;
  {
    TaskStateManager state(state_dir_, context());
    auto& store = state.register_store(spec);
    set_expiry_listener(store, [&](std::string_view key, std::string_view, int64_t) {
      expired_keys.emplace_back(key);
    });
    state.restore(*std::make_unique<KafkaChangelogReader>(real_props()));
    auto& kv = dynamic_cast<BytesKeyValueStore&>(store);
    for (int i = 0; i < 100; ++i) {
      record_time_ = kBaseTime + i * 1'000;  // one key per second of event time
      kv.put("user-" + std::to_string(i), "seen");
    }
    state.flush();  // the cache sends its writes (and the expiry tombstones) to the producer
    state.close(writer_.flush());
  }
  // Stream time = first + 99 s; TTL 60 s: users 0..39 (written <= first + 39 s) expired.
  ASSERT_EQ(expired_keys.size(), 40u);

  // The changelog on the broker holds a tombstone for each expired key.
  KafkaChangelogReader reader(real_props());
  reader.seek(topic, kPartition, 0);
  std::map<std::string, std::optional<std::string>> last;
  const int64_t end = reader.end_offset(topic, kPartition);
  int64_t next = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (next < end && std::chrono::steady_clock::now() < deadline) {
    for (const auto& r : reader.poll(1000, milliseconds(200))) {
      last[std::string(r.key)] =
          r.value ? std::optional<std::string>(std::string(*r.value)) : std::nullopt;
      next = r.offset + 1;
    }
  }
  for (const auto& key : expired_keys) EXPECT_EQ(last.at(key), std::nullopt) << key;
  EXPECT_TRUE(last.at("user-99").has_value());

  // Rebuild from the changelog alone: expired keys stay gone.
  std::filesystem::remove_all(state_dir_ / app_);
  TaskStateManager state(state_dir_, context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(state.register_store(spec));
  KafkaChangelogReader restore_reader(real_props());
  state.restore(restore_reader);
  EXPECT_EQ(kv.get("user-0"), std::nullopt);
  EXPECT_EQ(kv.get("user-39"), std::nullopt);
  EXPECT_EQ(kv.get("user-40"), "seen");
  EXPECT_EQ(dump(kv).size(), 60u);
}

}  // namespace
}  // namespace eddy::state
