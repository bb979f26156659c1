// The persistent segmented store under window and session stores: one RocksDB instance in
// <task_dir>/<store name> with one column family per time segment ("segment-<id>"), so
// retention drops a whole segment with DropColumnFamily instead of deleting key by key.
// The default column family keeps the observed stream time across restarts.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "eddy/state/rocksdb_config_setter.h"
#include "state/changelog.h"
#include "state/layered_store.h"
#include "state/memory/in_memory_segmented_store.h"
#include "state/memory_budget.h"
#include "state/rocksdb/sst_bulk_loader.h"
#include "state/segmented_store.h"

namespace rocksdb {
class DB;
class ColumnFamilyHandle;
struct Options;
}  // namespace rocksdb

namespace eddy::state {

class RocksDbSegmentedStore final : public SegmentedBytesStore,
                                    public RestoreTarget,
                                    public LayeredStore {
 public:
  RocksDbSegmentedStore(std::string name, std::filesystem::path dir, Segments segments,
                        SegmentTimeFn segment_time_of, MemoryBudget& budget, ReadPattern reads,
                        RocksDbConfigSetter config_setter = {});
  ~RocksDbSegmentedStore() override;

  const std::string& name() const override { return name_; }
  bool persistent() const override { return true; }
  // Nothing is buffered above RocksDB, so a commit's flush() has nothing to push down;
  // persist() (before a checkpoint) flushes the memtables, as there is no WAL.
  void flush() override {}
  void persist() override { persist(/*wait=*/true); }
  void begin_persist() override { persist(/*wait=*/false); }
  bool persisted() const override;
  void close() override;
  StateStore* wrapped() const override { return nullptr; }

  void put(std::string_view key, std::optional<std::string_view> value, int64_t timestamp) override;
  void put_all(std::span<const StoreWrite> writes) override;
  std::optional<Bytes> get(std::string_view key, int64_t timestamp) override;
  std::vector<KeyValueBytes> range(std::string_view from, std::optional<std::string_view> to,
                                   int64_t time_from, int64_t time_to) override;
  int64_t observed_stream_time() const override { return stream_time_; }
  const Segments& segments() const override { return segments_; }

  // Into an empty store (a full rebuild): sorted SST files ingested per segment; otherwise
  // (the tail after a checkpoint) write batches.
  void restore_batch(std::span<const ChangelogRecord> records) override;
  void restore_done() override;
  bool local_state_valid() const override { return opened_existing_; }
  void wipe_local_state() override;

  size_t segment_count() const { return handles_.size(); }

 private:
  // Stores the stream time, then flushes every family's memtables (waiting or not).
  void persist(bool wait);
  std::vector<rocksdb::ColumnFamilyHandle*> all_families() const;
  void open();
  void close_handles();
  void advance_stream_time(int64_t timestamp);
  rocksdb::ColumnFamilyHandle* segment_for_write(int64_t id);
  rocksdb::DB& db();

  std::string name_;
  std::filesystem::path path_;
  Segments segments_;
  SegmentTimeFn segment_time_of_;
  MemoryBudget& budget_;
  RocksDbConfigSetter config_setter_;
  std::unique_ptr<rocksdb::Options> options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::map<int64_t, rocksdb::ColumnFamilyHandle*> handles_;  // live segments by id
  int64_t stream_time_ = kNoStreamTime;
  bool opened_existing_ = false;
  bool empty_ = false;  // nothing written since a fresh open or a wipe: bulk restore allowed
  std::unique_ptr<SstBulkLoader> bulk_loader_;
};

}  // namespace eddy::state
