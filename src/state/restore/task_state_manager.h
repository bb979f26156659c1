// A task's state: its locked folder, its stores, their restore and the checkpoint.
//
//   TaskStateManager state(config.state_dir, context);        // locks <state.dir>/<app>/<task>
//   auto& counts = state.register_store(spec);                // builds the layered store
//   state.restore(reader);                                    // tail from the checkpoint, or all
//   ... process; at commit: state.flush(); producer.flush(); state.checkpoint(written_offsets);
//   state.close();
//
// Restore rule: a persistent store whose files opened cleanly AND whose changelog partition
// has an offset in the checkpoint replays only from that offset; every other store (missing
// or corrupt files, no checkpoint entry, in-memory) is wiped and rebuilt from offset 0, so
// local data that no checkpoint vouches for is never used. A checkpoint ahead of its
// changelog's end (the changelog was deleted and recreated, or the application reset) vouches
// for a history that is gone: the store is wiped and rebuilt too, with a WARN.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/state/stores.h"
#include "state/restore/changelog_restorer.h"
#include "state/restore/checkpoint_file.h"
#include "state/restore/state_directory.h"
#include "state/store_context.h"
#include "state/store_factory.h"

namespace eddy::state {

class TaskStateManager {
 public:
  // Locks the task folder under `state_dir` (throws StateStoreError when another instance
  // holds it) and reads its checkpoint. `context.task_dir` is set to the folder.
  TaskStateManager(const std::filesystem::path& state_dir, StoreContext context);
  ~TaskStateManager();
  TaskStateManager(const TaskStateManager&) = delete;
  TaskStateManager& operator=(const TaskStateManager&) = delete;

  StoreContext& context() { return context_; }
  const std::filesystem::path& task_dir() const { return lock_.path(); }

  // Builds the store the spec describes (all its layers) and registers it for restore,
  // flush, checkpoint and close. Throws TopologyError for a duplicate name.
  StateStore& register_store(const StoreSpec& spec);
  StateStore* store(const std::string& name) const;
  const BuiltStore* built_store(const std::string& name) const;

  // Brings every logged store up to its changelog's end, then (when the context has a
  // StoreRegistry) makes every store queryable. Returns one progress per logged store.
  std::vector<RestoreProgress> restore(ChangelogReader& reader, const RestoreOptions& options = {});
  // The same in steps, so the caller can do other work (and stop) between batches:
  // begin_restore() decides where each logged store's replay starts (wiping local data no
  // checkpoint vouches for); each restore_step() applies at most one batch and returns true
  // once every store is up to date and queryable. Closing part-way is safe: the checkpoint
  // then records how far each store got, and a replay from there is idempotent.
  void begin_restore(ChangelogReader& reader, const RestoreOptions& options = {});
  bool restore_step();
  // Standby tasks: once a restore completed, another round that brings every logged store
  // from the offset it holds to its changelog's current end, through restore_step() as
  // before. Nothing is wiped: each store holds exactly its changelog up to that offset.
  void begin_catch_up(ChangelogReader& reader, const RestoreOptions& options = {});
  // One progress per logged store whose restore began (final once restore_step() is true).
  std::vector<RestoreProgress> restore_progress() const;

  // Flushes every store (caches down to the inner stores and changelog, memtables to disk).
  void flush();
  // After a commit. `written` holds, per changelog partition, the next offset after the last
  // change this task produced and had acknowledged (the runtime takes it from the producer's
  // delivery reports); partitions not named keep their offset. The checkpoint file (and the
  // memtable flush it needs) is written only when the logged stores' changelogs advanced by
  // kCheckpointDeltaRecords since the last one, when none is on disk, or when `force`.
  void checkpoint(const ChangelogOffsets& written = {}, bool force = false);
  static constexpr int64_t kCheckpointDeltaRecords = 10'000;  // Kafka Streams' threshold
  // The same rule for the runtime's commits, without stalling processing for the memtable
  // flush (100-200 ms for a few hundred thousand changes, a whole commit's worth of latency
  // for every record behind it): the flush is started, and the checkpoint it vouches for is
  // written by a later call that finds it done. The checkpoint on disk therefore lags by a
  // commit or so; an older checkpoint only means a longer replay.
  void checkpoint_in_background(const ChangelogOffsets& written);
  // Exactly-once: starts a memtable flush of every persistent store (no checkpoint: under
  // exactly-once none is written while the task runs). Without it a store's memtables grow
  // with every write until RocksDB's own size limits flush them: at a slow write rate that
  // takes hours, and the process's memory grows all that time (the soak's instances: about
  // 1.5 MiB a minute each, up to the memory budget).
  void flush_in_background();
  // True while a background checkpoint waits for its flush.
  bool checkpoint_pending() const { return pending_checkpoint_.has_value(); }
  const ChangelogOffsets& checkpointed_offsets() const { return offsets_; }
  // Exactly-once: call when processing starts after restore. The checkpoint file is removed
  // until the next checkpoint(), so a crash in between (local state ahead of the committed
  // changelog) means a full rebuild instead of reusing uncommitted local writes.
  void invalidate_checkpoint_until_commit() {
    checkpoint_file_.remove();
    checkpoint_on_disk_ = false;
    pending_checkpoint_.reset();
  }

  // Flushes, writes the checkpoint, closes the stores and releases the folder lock. Changes
  // still in a cache are produced by this flush, after `written` was taken: for a clean
  // close call flush(), flush the producer, then close(offsets from the producer).
  void close(const ChangelogOffsets& written = {});
  // Closes the stores without a checkpoint and removes the existing one: the local state may
  // hold changes that were never committed, so the next owner rebuilds it from the changelog.
  void close_dirty();

 private:
  struct Registered {
    StoreSpec spec;
    BuiltStore built;
  };
  // Merges `written` into offsets_ and returns the offsets a checkpoint would hold now, and
  // how many changelog records they are ahead of the checkpoint on disk.
  std::pair<ChangelogOffsets, int64_t> checkpoint_candidate(const ChangelogOffsets& written);
  bool checkpoint_due(int64_t advanced) const {
    return !checkpoint_on_disk_ || advanced >= kCheckpointDeltaRecords;
  }
  void write_checkpoint(const ChangelogOffsets& offsets);
  // A newly registered store with a changelog but no valid local state: its checkpoint entry
  // goes, in memory and on disk.
  void forget_checkpoint_of_empty_store(const BuiltStore& built);
  // Forgets the last restore round's progress and reads `reader` next (begin_restore and
  // begin_catch_up then say where each store starts).
  void start_round(ChangelogReader& reader, const RestoreOptions& options);
  // Takes the stores out of interactive queries (which then wait for no closed store).
  void unregister_from_queries();

  StoreContext context_;
  TaskDirectoryLock lock_;
  CheckpointFile checkpoint_file_;
  std::optional<ChangelogOffsets> loaded_checkpoint_;
  ChangelogOffsets offsets_;
  ChangelogOffsets last_written_;  // what the checkpoint on disk says
  bool checkpoint_on_disk_ = false;
  // A background checkpoint whose flush was started: written once every store persisted().
  std::optional<ChangelogOffsets> pending_checkpoint_;
  std::vector<std::unique_ptr<Registered>> stores_;
  // The stepwise restore: the stores still to restore, in order, and the one in progress.
  struct PendingRestore {
    Registered* store = nullptr;
    int64_t from_offset = 0;
  };
  ChangelogReader* restore_reader_ = nullptr;
  RestoreOptions restore_options_;
  std::vector<PendingRestore> pending_restores_;
  size_t next_pending_ = 0;
  std::vector<std::unique_ptr<ChangelogRestoration>> restorations_;
  bool restore_complete_ = false;
  bool closed_ = false;
};

}  // namespace eddy::state
