// The fast path of a full restore into an empty RocksDB store: changelog records are
// buffered in one arena, sorted by key (the latest offset wins), written to an SST file with
// SstFileWriter and ingested with IngestExternalFile — no memtable, no flush, no WAL. The
// buffer is bounded in bytes (the store's memtable share of the memory budget), so a long
// changelog becomes a few ingested files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "state/changelog.h"

namespace rocksdb {
class DB;
struct Options;
}  // namespace rocksdb

namespace eddy::state {

class SstBulkLoader {
 public:
  SstBulkLoader(rocksdb::DB& db, const rocksdb::Options& options, std::filesystem::path temp_dir,
                int64_t max_buffer_bytes, std::string store_name);

  void add(std::span<const ChangelogRecord> records);
  // Ingests whatever is buffered. Call once at the end.
  void finish();
  int64_t files_ingested() const { return files_; }

 private:
  struct Slot {
    uint64_t key_offset;
    uint32_t key_size;
    uint32_t value_size;  // value follows the key in the arena
    bool tombstone;
  };
  void ingest_buffer();

  rocksdb::DB& db_;
  const rocksdb::Options& options_;
  std::filesystem::path temp_dir_;
  int64_t max_buffer_bytes_;
  std::string store_name_;
  std::string arena_;
  std::vector<Slot> slots_;
  int64_t files_ = 0;
};

}  // namespace eddy::state
