// The fast path of a full restore into an empty RocksDB store: changelog records are
// buffered in one arena, sorted by key (the latest offset wins), written to an SST file with
// SstFileWriter and ingested with IngestExternalFile — no memtable, no flush, no WAL. The
// buffer is bounded in bytes (the store's memtable share of the memory budget), so a long
// changelog becomes a few ingested files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "state/changelog.h"

namespace rocksdb {
class ColumnFamilyHandle;
class DB;
struct Options;
}  // namespace rocksdb

namespace eddy::state {

// Segmented stores: which segment a binary key belongs to, and the column family to ingest
// a segment's file into (null: the segment has expired, its records are dropped).
struct SegmentRouting {
  std::function<int64_t(std::string_view key)> segment_of;
  std::function<rocksdb::ColumnFamilyHandle*(int64_t segment)> column_family_of;
};

class SstBulkLoader {
 public:
  // Without `routing` everything goes to the default column family.
  // `max_buffer_bytes` is the process's allowance for restore buffers: the loaders alive at
  // the same time (tasks restoring side by side) share it, none below 4 MiB.
  SstBulkLoader(rocksdb::DB& db, const rocksdb::Options& options, std::filesystem::path temp_dir,
                int64_t max_buffer_bytes, std::string store_name, SegmentRouting routing = {});
  ~SstBulkLoader();
  SstBulkLoader(const SstBulkLoader&) = delete;
  SstBulkLoader& operator=(const SstBulkLoader&) = delete;

  void add(std::span<const ChangelogRecord> records);
  // Ingests whatever is buffered. Call once at the end.
  void finish();
  int64_t files_ingested() const { return files_; }

 private:
  struct Slot {
    int64_t segment;
    uint64_t key_offset;
    uint32_t key_size;
    uint32_t value_size;  // value follows the key in the arena
    bool tombstone;
  };
  // A slot's sort key: its segment, its key's first 16 bytes as two big-endian words (the
  // whole key for short keys, so comparing and spotting equal keys needs no arena read), its
  // key's size and the slot's index (changelog order: the later record wins).
  struct SortKey {
    int64_t segment;
    uint64_t hi;
    uint64_t lo;
    uint32_t slot;
    uint32_t key_size;
  };
  void ingest_buffer();
  void ingest_run(std::span<const SortKey> run);
  bool same_key(const SortKey& a, const SortKey& b) const;

  rocksdb::DB& db_;
  const rocksdb::Options& options_;
  std::filesystem::path temp_dir_;
  int64_t max_buffer_bytes_;
  std::string store_name_;
  SegmentRouting routing_;
  std::string arena_;
  std::vector<Slot> slots_;
  int64_t files_ = 0;
};

}  // namespace eddy::state
