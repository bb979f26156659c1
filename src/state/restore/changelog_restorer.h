// Rebuilding a store from its changelog: read the partition from an offset to its end and
// apply the records in bulk to the inner store (one RocksDB write batch per poll, WAL off),
// reporting progress as it goes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "state/changelog.h"

namespace eddy::state {

struct RestoreProgress {
  std::string store;
  std::string topic;
  int32_t partition = 0;
  int64_t start_offset = 0;
  int64_t end_offset = 0;   // the partition's end when the restore began
  int64_t next_offset = 0;  // one past the last record applied
  int64_t records_restored = 0;
};

struct RestoreOptions {
  size_t batch_size = 10'000;  // records per poll and per write batch
  // A poll returns when `batch_size` records arrived or this passed; short, so the last
  // partial batch of a partition does not wait long.
  std::chrono::milliseconds poll_timeout{20};
  // Give up when no record arrives for this long before reaching the end offset (a broker
  // that lost the partition's tail, or a reader that never delivers). Throws StateStoreError.
  std::chrono::milliseconds idle_timeout{30'000};
  std::function<void(const RestoreProgress&)> on_progress;  // after each batch
  // Standby catch-up rounds set both false: no INFO line per round, and no restore_done()
  // (a memtable flush per round would leave a tiny SST file each time; the standby's
  // checkpoint persists the store instead).
  bool log_done = true;
  bool finish_target = true;
};

// One store's restore, done a batch at a time so a stream thread can keep processing its
// other tasks (and notice a shutdown) between batches:
//   ChangelogRestoration r(reader, "counts", topic, partition, from, target, options);
//   while (!r.step()) { ... other work ... }
// The end offset is taken at construction; the reader is positioned on the first step, so
// restorations sharing a reader must run one after the other.
class ChangelogRestoration {
 public:
  ChangelogRestoration(ChangelogReader& reader, std::string store, std::string topic,
                       int32_t partition, int64_t from_offset, RestoreTarget& target,
                       RestoreOptions options);
  // Applies at most one batch; true once the store reached the end offset (restore_done()
  // has then been called on the target). Throws StateStoreError when the changelog stalls.
  bool step();
  bool done() const { return done_; }
  const RestoreProgress& progress() const { return progress_; }

 private:
  void finish();

  ChangelogReader& reader_;
  RestoreTarget& target_;
  RestoreOptions options_;
  RestoreProgress progress_;
  bool seeked_ = false;
  bool done_ = false;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_record_;
};

// Restores `target` from `topic`/`partition`, starting at `from_offset`, up to the end
// offset the reader reports at the start, in one go. Returns the final progress.
RestoreProgress restore_from_changelog(ChangelogReader& reader, const std::string& store,
                                       const std::string& topic, int32_t partition,
                                       int64_t from_offset, RestoreTarget& target,
                                       const RestoreOptions& options = {});

}  // namespace eddy::state
