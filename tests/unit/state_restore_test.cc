// Restore and checkpoints against an in-memory changelog: exact rebuilds, tail-only replay
// with a valid checkpoint, and never trusting local state that no checkpoint vouches for.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <thread>
#include <vector>

#include "eddy/errors.h"
#include "eddy/state/stores.h"
#include "state/key_schema.h"
#include "state/memory_changelog.h"
#include "state/restore/changelog_restorer.h"
#include "state/restore/task_state_manager.h"
#include "state/store_factory.h"
#include "state_test_support.h"

namespace eddy::state {
namespace {

using std::chrono::milliseconds;

class RestoreTest : public ::testing::TestWithParam<bool>,  // param: persistent
                    protected testing::LoggedTaskFixture {
 protected:
  StoreSpec spec(StoreBuilder builder) {
    StoreSpec s = builder.with_logging().spec();
    s.persistent = GetParam();
    return s;
  }
  std::filesystem::path task_dir() const { return dir_.path() / "app" / "1_0"; }
  // A task that restores its kv store, writes `n` keys and closes with a checkpoint at the
  // changelog's end.
  void write_keys_and_close(int n) {
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(
        state.register_store(spec(Stores::persistent_key_value("kv"))));
    state.restore(changelog_);
    for (int i = 0; i < n; ++i) kv.put("k" + std::to_string(i), "v");
    state.close({{{"app-kv-changelog", 0}, changelog_.end_offset("app-kv-changelog", 0)}});
  }
  // The kv store's changelog offset in the checkpoint file on disk; -1 when there is none.
  int64_t offset_on_disk() const {
    auto read = CheckpointFile(task_dir() / ".checkpoint").read();
    return read && read->contains({"app-kv-changelog", 0}) ? read->at({"app-kv-changelog", 0}) : -1;
  }
};

TEST_P(RestoreTest, RebuildsEveryStoreKindExactly) {
  testing::KeyValues kv_before;
  testing::Windows windows_before;
  testing::Sessions sessions_before;
  {
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(
        state.register_store(spec(Stores::persistent_key_value("kv").with_caching())));
    auto& win = dynamic_cast<BytesWindowStore&>(state.register_store(
        spec(Stores::persistent_window("win", milliseconds(600'000), milliseconds(1'000)))));
    auto& ses = dynamic_cast<BytesSessionStore&>(
        state.register_store(spec(Stores::persistent_session("ses", milliseconds(600'000)))));
    state.restore(changelog_);
    for (int i = 0; i < 500; ++i) {
      kv.put("k" + std::to_string(i % 100), "v" + std::to_string(i));
      win.put("k" + std::to_string(i % 10), "w" + std::to_string(i), (i % 50) * 1'000);
      ses.put("u" + std::to_string(i % 7), {.start = i * 10, .end = i * 10 + 5},
              "s" + std::to_string(i));
    }
    kv.put("k5", std::nullopt);
    ses.remove("u1", {.start = 10, .end = 15});
    state.flush();
    kv_before = testing::drain(kv.all());
    windows_before = testing::drain(win.fetch_all(0, 1'000'000));
    sessions_before = testing::drain(ses.find_sessions("u1", 0, 1'000'000));
    state.close({});
  }
  // Lose the local state entirely.
  std::filesystem::remove_all(task_dir());

  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv").with_caching())));
  auto& win = dynamic_cast<BytesWindowStore&>(state.register_store(
      spec(Stores::persistent_window("win", milliseconds(600'000), milliseconds(1'000)))));
  auto& ses = dynamic_cast<BytesSessionStore&>(
      state.register_store(spec(Stores::persistent_session("ses", milliseconds(600'000)))));
  const auto progress = state.restore(changelog_);
  ASSERT_EQ(progress.size(), 3u);
  EXPECT_EQ(progress[0].records_restored,
            static_cast<int64_t>(changelog_.entries("app-kv-changelog", 0).size()));
  EXPECT_EQ(testing::drain(kv.all()), kv_before);
  EXPECT_EQ(testing::drain(win.fetch_all(0, 1'000'000)), windows_before);
  EXPECT_EQ(testing::drain(ses.find_sessions("u1", 0, 1'000'000)), sessions_before);
  EXPECT_EQ(kv.get("k5"), std::nullopt);
}

// The bulk path spots a key's older records on its first 16 bytes and size alone when the
// key is that short, and reads the arena only for longer keys: keys that share their first
// 16 bytes, or are a prefix of each other, must still keep their own latest values.
TEST_P(RestoreTest, RebuildsKeysSharingLongPrefixesExactly) {
  testing::KeyValues before;
  const std::string prefix = "customer-0000000000000";  // 22 bytes: longer than the sort words
  {
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(
        state.register_store(spec(Stores::persistent_key_value("kv"))));
    state.restore(changelog_);
    for (int i = 0; i < 3'000; ++i) {
      const int n = i % 120;
      // "customer-0000000000000" + n: a prefix of the 16 first bytes shared by all, and keys
      // 1 and 10..19 prefixes of each other; also 16-byte keys that differ only in size.
      kv.put(prefix + std::to_string(n), "v" + std::to_string(i));
      kv.put(std::string(16, 'a') + std::string(static_cast<size_t>(n % 3), 'b'),
             "w" + std::to_string(i));
      kv.put(std::string(static_cast<size_t>(1 + n % 16), 'c'), "x" + std::to_string(i));
    }
    for (int n = 0; n < 120; n += 7) kv.put(prefix + std::to_string(n), std::nullopt);
    kv.put(std::string(16, 'a'), std::nullopt);
    state.flush();
    before = testing::drain(kv.all());
    state.close({});
  }
  std::filesystem::remove_all(task_dir());

  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  EXPECT_EQ(testing::drain(kv.all()), before);
  EXPECT_EQ(kv.get(prefix + "7"), std::nullopt);
  EXPECT_EQ(kv.get(std::string(16, 'a')), std::nullopt);
  EXPECT_EQ(kv.get(std::string(16, 'a') + "b"), std::optional<Bytes>("w2998"));
  EXPECT_EQ(kv.get(prefix + "1"), std::optional<Bytes>("v2881"));
}

TEST_P(RestoreTest, RestoredWindowStoreDropsWhatRetentionExpired) {
  // A changelog spanning 10 minutes of windows for a store with 2 minutes of retention.
  for (int64_t minute = 0; minute < 10; ++minute) {
    for (int k = 0; k < 3; ++k) {
      changelog_.log("app-win-changelog", 0,
                     WindowKeySchema::encode("k" + std::to_string(k), minute * 60'000, 0),
                     "m" + std::to_string(minute), minute * 60'000);
    }
  }
  TaskStateManager state(dir_.path(), context());
  auto& win = dynamic_cast<BytesWindowStore&>(state.register_store(
      spec(Stores::persistent_window("win", milliseconds(120'000), milliseconds(60'000)))));
  state.restore(changelog_);
  // Stream time 9 min: windows starting after 7 min are live (retention 2 min).
  EXPECT_EQ(testing::drain(win.fetch("k1", 0, 600'000)),
            (testing::Windows{{"k1", 480'000, "m8"}, {"k1", 540'000, "m9"}}));
  EXPECT_EQ(testing::drain(win.fetch_all(0, 600'000)).size(), 6u);
}

TEST_P(RestoreTest, ProgressIsReportedAfterEveryBatch) {
  for (int i = 0; i < 1'050; ++i) {
    changelog_.log("app-kv-changelog", 0, "k" + std::to_string(i % 300), "v" + std::to_string(i),
                   i);
  }
  StoreContext store_context = context();
  store_context.task_dir = task_dir();
  auto built = build_store(spec(Stores::persistent_key_value("kv")), store_context);
  std::vector<RestoreProgress> reports;
  const RestoreProgress last = restore_from_changelog(
      changelog_, "kv", "app-kv-changelog", 0, 0, *built.restore,
      {.batch_size = 250, .on_progress = [&](const RestoreProgress& p) { reports.push_back(p); }});
  // Five batches: 250 x 4 + 50, each reported with where it got to.
  ASSERT_EQ(reports.size(), 5u);
  for (size_t i = 0; i < reports.size(); ++i) {
    const int64_t done = std::min<int64_t>(1'050, 250 * static_cast<int64_t>(i + 1));
    EXPECT_EQ(reports[i].records_restored, done) << i;
    EXPECT_EQ(reports[i].next_offset, done) << i;
    EXPECT_EQ(reports[i].end_offset, 1'050) << i;
    EXPECT_EQ(reports[i].store, "kv");
  }
  EXPECT_EQ(last.records_restored, 1'050);
  EXPECT_EQ(dynamic_cast<BytesKeyValueStore&>(*built.store).get("k299"), "v899");
  built.store->close();
}

TEST_P(RestoreTest, ValidCheckpointReplaysOnlyTheTail) {
  write_keys_and_close(1000);
  // Another instance (or this one before a crash) logged 25 more changes after the checkpoint.
  for (int i = 0; i < 25; ++i)
    changelog_.log("app-kv-changelog", 0, "t" + std::to_string(i), "tail", 0);

  const int64_t read_before = changelog_.records_read();
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  const auto progress = state.restore(changelog_);
  const int64_t replayed = changelog_.records_read() - read_before;
  if (GetParam()) {
    EXPECT_EQ(replayed, 25);  // RocksDB kept the first 1000 locally
    EXPECT_EQ(progress[0].start_offset, 1000);
  } else {
    EXPECT_EQ(replayed, 1025);  // an in-memory store always rebuilds fully
  }
  EXPECT_EQ(testing::drain(kv.all()).size(), 1025u);
  EXPECT_EQ(kv.get("t24"), "tail");
}

TEST_P(RestoreTest, CheckpointAheadOfARecreatedChangelogWipesTheStore) {
  {
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(
        state.register_store(spec(Stores::persistent_key_value("kv"))));
    state.restore(changelog_);
    for (int i = 0; i < 1000; ++i) kv.put("old" + std::to_string(i), "v");
    state.close({{{"app-kv-changelog", 0}, changelog_.end_offset("app-kv-changelog", 0)}});
  }
  if (GetParam()) {
    ASSERT_EQ(offset_on_disk(), 1000);  // in-memory stores keep no checkpoint
  }
  // The changelog was deleted and recreated (e.g. by an application reset) and holds 10
  // records of the new history: the checkpoint (1000) vouches for a history that is gone.
  MemoryChangelog recreated;
  for (int i = 0; i < 10; ++i)
    recreated.log("app-kv-changelog", 0, "new" + std::to_string(i), "w", 0);
  StoreContext c = context();
  c.changelog = &recreated;
  TaskStateManager state(dir_.path(), c);
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  const auto progress = state.restore(recreated);
  EXPECT_EQ(progress.at(0).start_offset, 0);
  EXPECT_EQ(progress.at(0).records_restored, 10);
  const auto all = testing::drain(kv.all());
  EXPECT_EQ(all.size(), 10u);
  EXPECT_EQ(kv.get("old0"), std::nullopt);
  EXPECT_EQ(kv.get("new9"), "w");
}

// A read_committed reader's end offset is the last stable offset: right after a commit it
// can trail the committed records until the broker writes the transaction's markers. A task
// reopened in that moment (an eager rebalance handing it straight back) keeps its local
// state: wiping it would restore the changelog without the last transaction's changes.
class MarkersPendingReader final : public ChangelogReader {
 public:
  MarkersPendingReader(MemoryChangelog& log, int64_t stable_end, int lagging_queries)
      : log_(log), stable_end_(stable_end), lagging_queries_(lagging_queries) {}
  void seek(const std::string& topic, int32_t partition, int64_t offset) override {
    log_.seek(topic, partition, offset);
  }
  int64_t end_offset(const std::string& topic, int32_t partition) override {
    ++queries_;
    return queries_ <= lagging_queries_ ? stable_end_ : log_.end_offset(topic, partition);
  }
  std::span<const ChangelogRecord> poll(size_t max, std::chrono::milliseconds timeout) override {
    return log_.poll(max, timeout);
  }
  bool reads_committed() const override { return true; }
  int queries() const { return queries_; }

 private:
  MemoryChangelog& log_;
  int64_t stable_end_;
  int lagging_queries_;
  int queries_ = 0;
};

TEST_P(RestoreTest, CheckpointAheadOfAStableOffsetAwaitingMarkersKeepsTheStore) {
  if (!GetParam()) GTEST_SKIP() << "in-memory stores keep no checkpoint";
  {
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(
        state.register_store(spec(Stores::persistent_key_value("kv"))));
    state.restore(changelog_);
    for (int i = 0; i < 1000; ++i) kv.put("k" + std::to_string(i), "v");
    state.close({{{"app-kv-changelog", 0}, changelog_.end_offset("app-kv-changelog", 0)}});
  }
  // The last transaction (the 200 changes from offset 800) is committed, its markers not yet
  // written: the first three end-offset queries answer 800.
  MarkersPendingReader reader(changelog_, 800, 3);
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  const auto progress = state.restore(reader);
  EXPECT_GT(reader.queries(), 3);
  EXPECT_EQ(progress.at(0).start_offset, 1000);  // kept, not wiped
  EXPECT_EQ(progress.at(0).records_restored, 0);
  EXPECT_EQ(testing::drain(kv.all()).size(), 1000u);
  EXPECT_EQ(kv.get("k999"), "v");
}

TEST_P(RestoreTest, CloseDuringAStepwiseRestoreResumesWhereItStopped) {
  for (int i = 0; i < 5000; ++i) {
    changelog_.log("app-kv-changelog", 0, "k" + std::to_string(i % 700), "v" + std::to_string(i),
                   0);
  }
  RestoreOptions small_batches;
  small_batches.batch_size = 1000;
  {
    TaskStateManager state(dir_.path(), context());
    state.register_store(spec(Stores::persistent_key_value("kv")));
    state.begin_restore(changelog_, small_batches);
    ASSERT_FALSE(state.restore_step());  // first 1000 records
    ASSERT_FALSE(state.restore_step());  // 2000
    EXPECT_EQ(state.restore_progress().at(0).next_offset, 2000);
    EXPECT_EQ(state.restore_progress().at(0).end_offset, 5000);
    state.close({});  // e.g. a shutdown or a revoke part-way through the restore
  }
  const int64_t read_before = changelog_.records_read();
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.begin_restore(changelog_, small_batches);
  int steps = 0;
  while (!state.restore_step()) ++steps;
  const int64_t replayed = changelog_.records_read() - read_before;
  // RocksDB kept what the first restore applied and the checkpoint says how far it got;
  // an in-memory store starts again from the beginning.
  EXPECT_EQ(replayed, GetParam() ? 3000 : 5000);
  EXPECT_EQ(steps, GetParam() ? 3 : 5);  // one batch per step, then the completing call
  const auto all = testing::drain(kv.all());
  ASSERT_EQ(all.size(), 700u);
  EXPECT_EQ(kv.get("k0"), "v4900");
  EXPECT_EQ(kv.get("k99"), "v4999");
  EXPECT_EQ(kv.get("k100"), "v4300");
}

TEST_P(RestoreTest, LocalStateWithoutCheckpointIsWipedAndRebuilt) {
  {
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(
        state.register_store(spec(Stores::persistent_key_value("kv"))));
    state.restore(changelog_);
    kv.put("logged", "1");
    state.close({});
  }
  {
    // A write that never reached the changelog (e.g. crash before the producer flushed).
    StoreSpec unlogged = spec(Stores::persistent_key_value("kv"));
    unlogged.logging = false;
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(state.register_store(unlogged));
    kv.put("unlogged", "x");
    state.close({});
  }
  std::filesystem::remove(task_dir() / ".checkpoint");
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  EXPECT_EQ(testing::drain(kv.all()), (testing::KeyValues{{"logged", "1"}}));
}

TEST_P(RestoreTest, CorruptLocalStoreIsRebuiltFromTheChangelog) {
  if (!GetParam()) GTEST_SKIP() << "in-memory stores have no local files";
  write_keys_and_close(100);
  // Corrupt every SST file and the manifest pointer.
  for (const auto& entry : std::filesystem::directory_iterator(task_dir() / "kv")) {
    if (entry.path().extension() == ".sst" || entry.path().filename() == "CURRENT") {
      std::ofstream(entry.path(), std::ios::trunc) << "garbage";
    }
  }
  const int64_t read_before = changelog_.records_read();
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  EXPECT_EQ(changelog_.records_read() - read_before, 100);
  EXPECT_EQ(testing::drain(kv.all()).size(), 100u);
}

TEST_P(RestoreTest, AMissingStoreClosedBeforeItsRestoreBeganIsRebuiltInFullNextTime) {
  if (!GetParam()) GTEST_SKIP() << "in-memory stores have no local files";
  write_keys_and_close(100);
  std::filesystem::remove_all(task_dir() / "kv");  // the checkpoint stays
  {
    // The task is created (its store opens, empty) and closed before its restore begins, as
    // a task waiting for its restore turn is when a rebalance takes it away.
    TaskStateManager state(dir_.path(), context());
    state.register_store(spec(Stores::persistent_key_value("kv")));
    state.close({});
  }
  const int64_t read_before = changelog_.records_read();
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  EXPECT_EQ(changelog_.records_read() - read_before, 100) << "a full restore, not the tail";
  EXPECT_EQ(testing::drain(kv.all()).size(), 100u);
}

TEST_P(RestoreTest, ExactlyOnceInvalidatesTheCheckpointUntilTheNextCommit) {
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  kv.put("a", "1");
  state.flush();
  state.checkpoint({{{"app-kv-changelog", 0}, 1}});
  ASSERT_TRUE(std::filesystem::exists(task_dir() / ".checkpoint"));
  state.invalidate_checkpoint_until_commit();  // processing starts: a crash now = full rebuild
  EXPECT_FALSE(std::filesystem::exists(task_dir() / ".checkpoint"));
  kv.put("b", "2");
  state.flush();
  state.checkpoint({{{"app-kv-changelog", 0}, 2}});  // the commit
  EXPECT_TRUE(std::filesystem::exists(task_dir() / ".checkpoint"));
}

TEST_P(RestoreTest, CommitsCheckpointOnlyAfterEnoughChangelogProgress) {
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  kv.put("a", "1");
  state.checkpoint({{{"app-kv-changelog", 0}, 1}});  // none on disk yet: written
  if (!GetParam()) {
    EXPECT_EQ(offset_on_disk(), -1) << "in-memory stores are never checkpointed";
    return;
  }
  EXPECT_EQ(offset_on_disk(), 1);
  state.checkpoint({{{"app-kv-changelog", 0}, 500}});  // small progress: the old one stands
  EXPECT_EQ(offset_on_disk(), 1);
  state.checkpoint({{{"app-kv-changelog", 0}, 20'000}});
  EXPECT_EQ(offset_on_disk(), 20'000);
  state.checkpoint({{{"app-kv-changelog", 0}, 20'001}}, /*force=*/true);
  EXPECT_EQ(offset_on_disk(), 20'001);
}

TEST_P(RestoreTest, BackgroundCheckpointIsWrittenOnceItsFlushIsDone) {
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  // Commits (checkpoint_in_background with `offset`) every 10 ms until the checkpoint on disk
  // says `expected`: the background flush a commit starts is found done by a later one.
  const auto commit_until_on_disk = [&](int64_t offset, int64_t expected) {
    for (int i = 0; i < 500 && offset_on_disk() != expected; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      state.checkpoint_in_background({{{"app-kv-changelog", 0}, offset}});
    }
    ASSERT_EQ(offset_on_disk(), expected);
  };
  kv.put("a", "1");
  state.checkpoint_in_background({{{"app-kv-changelog", 0}, 1}});  // none on disk: flush starts
  EXPECT_EQ(offset_on_disk(), -1) << "nothing is written before a later commit sees the flush";
  if (!GetParam()) {
    EXPECT_FALSE(state.checkpoint_pending()) << "in-memory stores are never checkpointed";
    return;
  }
  EXPECT_TRUE(state.checkpoint_pending());
  commit_until_on_disk(1, 1);
  EXPECT_FALSE(state.checkpoint_pending());

  for (int i = 0; i < 1000; ++i) kv.put("k" + std::to_string(i), "v");
  state.checkpoint_in_background({{{"app-kv-changelog", 0}, 500}});  // small progress: nothing
  EXPECT_FALSE(state.checkpoint_pending());
  state.checkpoint_in_background({{{"app-kv-changelog", 0}, 20'000}});
  EXPECT_TRUE(state.checkpoint_pending());
  EXPECT_EQ(offset_on_disk(), 1);
  // Commits that come after the flush for 20 000 started write what that flush vouches for,
  // never the newer offsets they bring themselves...
  commit_until_on_disk(30'000, 20'000);
  // ...and the one that wrote 20 000 started the flush for 30 000 (10 000 ahead).
  EXPECT_TRUE(state.checkpoint_pending());
  commit_until_on_disk(30'000, 30'000);

  // A forced checkpoint (close) supersedes a pending one.
  state.checkpoint_in_background({{{"app-kv-changelog", 0}, 45'000}});
  EXPECT_TRUE(state.checkpoint_pending());
  state.close({{{"app-kv-changelog", 0}, 45'001}});
  EXPECT_EQ(offset_on_disk(), 45'001);
}

TEST_P(RestoreTest, ExactlyOnceFlushMovesMemtablesToDiskWithoutACheckpoint) {
  if (!GetParam()) GTEST_SKIP() << "in-memory stores have no memtables";
  TaskStateManager state(dir_.path(), context());
  auto& kv = dynamic_cast<BytesKeyValueStore&>(
      state.register_store(spec(Stores::persistent_key_value("kv"))));
  state.restore(changelog_);
  state.invalidate_checkpoint_until_commit();  // exactly-once: none while processing
  const auto sst_files = [&] {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator(task_dir() / "kv"))
      n += entry.path().extension() == ".sst" ? 1 : 0;
    return n;
  };
  const int before = sst_files();
  for (int i = 0; i < 1000; ++i) kv.put("k" + std::to_string(i), "v");
  state.flush_in_background();
  for (int i = 0; i < 500 && sst_files() == before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(sst_files(), before + 1) << "the memtable went to an SST file";
  EXPECT_FALSE(std::filesystem::exists(task_dir() / ".checkpoint"));
  EXPECT_EQ(kv.get("k999"), std::optional<std::string>("v"));
}

TEST_P(RestoreTest, CorruptCheckpointMeansFullRestore) {
  {
    TaskStateManager state(dir_.path(), context());
    auto& kv = dynamic_cast<BytesKeyValueStore&>(
        state.register_store(spec(Stores::persistent_key_value("kv"))));
    state.restore(changelog_);
    for (int i = 0; i < 10; ++i) kv.put("k" + std::to_string(i), "v");
    state.close({{{"app-kv-changelog", 0}, 10}});
  }
  std::ofstream(task_dir() / ".checkpoint", std::ios::trunc)
      << "eddy-checkpoint 1\napp-kv-changelog 0 10\n";
  const int64_t read_before = changelog_.records_read();
  TaskStateManager state(dir_.path(), context());
  state.register_store(spec(Stores::persistent_key_value("kv")));
  state.restore(changelog_);
  EXPECT_EQ(changelog_.records_read() - read_before, 10);
}

INSTANTIATE_TEST_SUITE_P(MemoryAndRocksDb, RestoreTest, ::testing::Values(false, true),
                         [](const auto& param_info) {
                           return param_info.param ? "RocksDb" : "Memory";
                         });

TEST(StateDirectory, SecondInstanceOnTheSameFolderIsRefused) {
  testing::TempDir dir;
  auto first = TaskDirectoryLock::acquire(dir.path(), "app", "0_0");
  EXPECT_THROW(TaskDirectoryLock::acquire(dir.path(), "app", "0_0"), StateStoreError);
  auto other_task = TaskDirectoryLock::acquire(dir.path(), "app", "0_1");  // other tasks are fine
  struct stat info {};
  ASSERT_EQ(::stat((dir.path() / "app" / "0_0").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir.path() / "app").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);
}

TEST(StateDirectory, LockIsReleasedWithTheObject) {
  testing::TempDir dir;
  { auto lock = TaskDirectoryLock::acquire(dir.path(), "app", "0_0"); }
  EXPECT_NO_THROW(TaskDirectoryLock::acquire(dir.path(), "app", "0_0"));
}

TEST(CheckpointFile, RoundTripsAndRejectsTruncation) {
  testing::TempDir dir;
  CheckpointFile file(dir.path() / ".checkpoint");
  EXPECT_EQ(file.read(), std::nullopt);
  file.write({{{"a-changelog", 0}, 42}, {{"b-changelog", 3}, 7}});
  auto read = file.read();
  ASSERT_TRUE(read);
  EXPECT_EQ(read->at({"a-changelog", 0}), 42);
  EXPECT_EQ(read->at({"b-changelog", 3}), 7);
  std::filesystem::resize_file(file.path(), 30);
  EXPECT_EQ(file.read(), std::nullopt);
}

}  // namespace
}  // namespace eddy::state
