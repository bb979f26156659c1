// The RocksDB objects the whole process shares, under its MemoryBudget, and the helpers every
// RocksDB store uses to open itself and report errors.
#pragma once

#include <algorithm>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/status.h>
#include <rocksdb/write_buffer_manager.h>

#include "eddy/state/rocksdb_config_setter.h"
#include "state/memory_budget.h"
#include "state/segmented_store.h"

namespace eddy::state {

struct MemoryBudget::RocksDbShared {
  std::shared_ptr<rocksdb::Cache> cache;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffers;
};

// Options for one store: shared cache and write buffers from `budget`, bloom filters (over
// the memtables too for a store read by point reads), index and filter blocks charged to the
// cache, then the user's setter (if any).
rocksdb::Options make_rocksdb_options(const MemoryBudget& budget, const std::string& store_name,
                                      const RocksDbConfigSetter& setter, ReadPattern reads);

// The elements of a write batch in key order, for RocksDB's memtable: its skip list starts each
// insert from the last one, so sorted keys are inserted much faster (a record cache's flush
// halved its memtable insert cost). In place when already sorted (a record cache's flush is);
// otherwise a stable sort, so a key written twice keeps its last write last. Keys in different
// column families need no order between them, but one order for all keeps each family sorted.
template <typename T, typename KeyOf>
std::vector<const T*> in_key_order(std::span<const T> batch, KeyOf key_of) {
  std::vector<const T*> ordered;
  ordered.reserve(batch.size());
  for (const T& element : batch) ordered.push_back(&element);
  const auto less = [&](const T* a, const T* b) { return key_of(*a) < key_of(*b); };
  if (!std::is_sorted(ordered.begin(), ordered.end(), less)) {
    std::stable_sort(ordered.begin(), ordered.end(), less);
  }
  return ordered;
}

// Throws StateStoreError("store '<name>' at <path>: <what>: <status>") unless `status` is ok.
void throw_if_error(const rocksdb::Status& status, const std::string& store_name,
                    const std::filesystem::path& path, const char* what);

// Flushes the memtables of `families` into SST files. With `wait` false RocksDB switches them
// now and flushes them on its background threads; memtables_flushed() tells when that is done.
void flush_memtables(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families,
                     bool wait, const std::string& store_name, const std::filesystem::path& path);
// True when no family has a switched memtable left to flush, i.e. everything written before
// the last flush_memtables() is in SST files.
bool memtables_flushed(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families);

// True for the statuses that mean "the files on disk cannot be used" (wipe and rebuild).
bool is_unusable_local_state(const rocksdb::Status& status);

// Writes without the WAL: the changelog is the durable copy.
inline rocksdb::WriteOptions no_wal_write_options() {
  rocksdb::WriteOptions options;
  options.disableWAL = true;
  return options;
}

// A process-wide default budget for stores built without one (tests, tools).
MemoryBudget& default_memory_budget();

}  // namespace eddy::state
