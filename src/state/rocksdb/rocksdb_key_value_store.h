// The persistent key-value store: one RocksDB instance in <task_dir>/<store name>, writes
// without WAL (the changelog is the durable copy), options from the process memory budget.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "eddy/state/rocksdb_config_setter.h"
#include "state/changelog.h"
#include "state/layered_store.h"
#include "state/memory_budget.h"
#include "state/rocksdb/sst_bulk_loader.h"

namespace rocksdb {
class DB;
struct Options;
}  // namespace rocksdb

namespace eddy::state {

class RocksDbKeyValueStore final : public BytesKeyValueStore,
                                   public RestoreTarget,
                                   public LayeredStore {
 public:
  // Opens (creating) the store in `dir`. Local files that RocksDB reports as corrupt are
  // deleted and the store starts empty (local_state_valid() is then false, so the caller
  // restores it from the changelog). Other failures throw StateStoreError.
  RocksDbKeyValueStore(std::string name, std::filesystem::path dir, MemoryBudget& budget,
                       RocksDbConfigSetter config_setter = {});
  ~RocksDbKeyValueStore() override;

  const std::string& name() const override { return name_; }
  bool persistent() const override { return true; }
  // Nothing is buffered above RocksDB, so a commit's flush() has nothing to push down;
  // persist() (before a checkpoint) flushes the memtables, as there is no WAL.
  void flush() override {}
  void persist() override;
  void begin_persist() override;
  bool persisted() const override;
  void close() override;
  StateStore* wrapped() const override { return nullptr; }

  std::optional<Bytes> get(std::string_view key) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  // One WriteBatch for all entries.
  void put_all(const std::vector<std::pair<Bytes, std::optional<Bytes>>>& entries) override;
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override;
  uint64_t approximate_num_entries() override;

  // Into an empty store (a full rebuild) records go through SST ingestion; otherwise (the
  // tail after a checkpoint) through write batches.
  void restore_batch(std::span<const ChangelogRecord> records) override;
  void restore_done() override;
  bool local_state_valid() const override { return opened_existing_; }
  void wipe_local_state() override;

  const std::filesystem::path& path() const { return path_; }

 private:
  void open();
  rocksdb::DB& db();

  std::string name_;
  std::filesystem::path path_;
  MemoryBudget& budget_;
  RocksDbConfigSetter config_setter_;
  std::unique_ptr<rocksdb::Options> options_;
  std::unique_ptr<rocksdb::DB> db_;
  std::unique_ptr<SstBulkLoader> bulk_loader_;
  bool opened_existing_ = false;
  bool empty_ = false;  // nothing written since a fresh open or a wipe: bulk restore allowed
};

}  // namespace eddy::state
