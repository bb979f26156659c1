// One memory budget for the process (eddy.memory.budget.bytes): it covers the RocksDB block
// cache and memtables of every store (one shared rocksdb::Cache, with a WriteBufferManager
// that charges memtables to it) and the record caches in front of the stores.
//
//   MemoryBudget budget({.total_bytes = 64 << 20, .record_cache_bytes = 8 << 20});
//   StoreContext context{..., .memory_budget = &budget};
//
// The RocksDB half lives in rocksdb/ (this header stays free of RocksDB); one MemoryBudget is
// shared by every task of the process and must outlive their stores.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

namespace eddy::state {

struct MemoryBudgetOptions {
  // Everything below, in bytes. Default 256 MiB (as StreamsConfig::memory_budget_bytes).
  int64_t total_bytes = 256LL << 20;
  // Share for the record caches (statestore.cache.max.bytes); clamped to total/2.
  int64_t record_cache_bytes = 10LL << 20;
  // Share of the RocksDB part that memtables may take before they are flushed; the rest is
  // block cache. Memtables are charged to the same cache, so the sum never exceeds it.
  double memtable_ratio = 0.5;
  // glibc only: fix malloc's mmap threshold at 128 KiB (process-wide), so the large blocks
  // RocksDB frees (memtable arenas, SST builder buffers) go back to the OS instead of staying
  // in the heap. Without it the resident size after a flush can sit ~35 MiB above the budget
  // (glibc's dynamic threshold grows to 32 MiB). Set false to leave malloc alone.
  bool return_freed_memory_to_os = true;
};

class MemoryBudget {
 public:
  explicit MemoryBudget(MemoryBudgetOptions options = {});
  ~MemoryBudget();
  MemoryBudget(const MemoryBudget&) = delete;
  MemoryBudget& operator=(const MemoryBudget&) = delete;

  int64_t total_bytes() const { return total_bytes_; }
  int64_t record_cache_bytes() const { return record_cache_bytes_; }
  // Block cache capacity (memtables included, through the WriteBufferManager).
  int64_t rocksdb_bytes() const { return total_bytes_ - record_cache_bytes_; }
  int64_t memtable_bytes() const { return memtable_bytes_; }

  // Record caches report what they hold; a cache that sees the total over its share flushes
  // and empties itself (Kafka Streams' ThreadCache evicts from the cache being written, too).
  void add_record_cache_usage(int64_t delta) {
    record_cache_usage_.fetch_add(delta, std::memory_order_relaxed);
  }
  int64_t record_cache_usage() const { return record_cache_usage_.load(std::memory_order_relaxed); }
  bool record_caches_full() const { return record_cache_usage() > record_cache_bytes_; }

  // Bytes the shared RocksDB cache holds now (blocks plus memtable reservations).
  int64_t rocksdb_usage() const;

  // RocksDB objects shared by all stores; defined in rocksdb/rocksdb_shared.h.
  struct RocksDbShared;
  RocksDbShared& rocksdb() const { return *rocksdb_; }

 private:
  int64_t total_bytes_;
  int64_t record_cache_bytes_;
  int64_t memtable_bytes_;
  std::atomic<int64_t> record_cache_usage_{0};
  std::unique_ptr<RocksDbShared> rocksdb_;
};

}  // namespace eddy::state
