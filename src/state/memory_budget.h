// One memory budget for the process (eddy.memory.budget.bytes): it covers the RocksDB block
// cache and memtables of every store (one shared rocksdb::Cache, with a WriteBufferManager
// that charges memtables to it), the record caches in front of the stores, and the suppress
// buffers (suppress()), to which the other two give way. docs/state.md, "Memory budget".
//
//   MemoryBudget budget({.total_bytes = 64 << 20, .record_cache_bytes = 8 << 20});
//   StoreContext context{..., .memory_budget = &budget};
//
// The RocksDB half lives in rocksdb/ (this header stays free of RocksDB); one MemoryBudget is
// shared by every task of the process and must outlive their stores.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

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
  // (glibc's dynamic threshold grows to 32 MiB). It changes the host's allocator, so it is
  // off unless the user opts in (StreamsConfig::malloc_return_freed_memory).
  bool return_freed_memory_to_os = false;
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

  // The record caches are full once they hold more than record_cache_room(); the cache being
  // written then evicts until they fit (Kafka Streams' ThreadCache evicts from the cache being
  // written, too; RecordCache::evict_eldest_clean).
  void add_record_cache_usage(int64_t delta) {
    record_cache_usage_.fetch_add(delta, std::memory_order_relaxed);
  }
  int64_t record_cache_usage() const { return record_cache_usage_.load(std::memory_order_relaxed); }
  bool record_caches_full() const { return record_cache_usage() > record_cache_room(); }
  // What the record caches may hold now: record_cache_bytes, less what suppress buffers hold
  // beyond the block cache's share (they give way last: a cache that flushes on every write
  // saves nothing, and in Kafka Streams suppress buffers never shrink the cache at all).
  int64_t record_cache_room() const {
    const int64_t beyond = std::max<int64_t>(0, suppress_buffer_usage() - block_cache_share());
    return std::max<int64_t>(0, record_cache_bytes_ - beyond);
  }

  // Suppress buffers report what they hold. They cannot flush (their entries wait for their
  // time). They take their bytes from the RocksDB block cache first, whose capacity shrinks
  // (in 1 MiB steps) by what they hold, down to half the total (block_cache_share()), then
  // from the record caches: so suppress buffers may hold up to suppress_buffer_limit() =
  // total / 2. Beyond that they are full, and a buffer that grows applies its BufferConfig's
  // full behaviour (fail the task, or emit its oldest entries early).
  void add_suppress_buffer_usage(int64_t delta) {
    const int64_t now = suppress_buffer_usage_.fetch_add(delta, std::memory_order_relaxed) + delta;
    if (block_cache_taken(now) != block_cache_taken(now - delta)) fit_rocksdb_capacity();
  }
  // What suppress buffers may take from the block cache: down to half the total.
  int64_t block_cache_share() const { return total_bytes_ / 2 - record_cache_bytes_; }
  int64_t suppress_buffer_usage() const {
    return suppress_buffer_usage_.load(std::memory_order_relaxed);
  }
  int64_t suppress_buffer_limit() const { return total_bytes_ / 2; }
  bool suppress_buffers_full() const { return suppress_buffer_usage() > suppress_buffer_limit(); }

  // The block cache's capacity now: rocksdb_bytes(), less what suppress buffers took.
  int64_t rocksdb_capacity() const;

  // Bytes the shared RocksDB cache holds now (blocks plus memtable reservations).
  int64_t rocksdb_usage() const;

  // RocksDB objects shared by all stores; defined in rocksdb/rocksdb_shared.h.
  struct RocksDbShared;
  RocksDbShared& rocksdb() const { return *rocksdb_; }

 private:
  void fit_rocksdb_capacity();
  // What suppress buffers holding `usage` take from the block cache, in whole 1 MiB steps
  // (SetCapacity locks every shard: not for every byte).
  int64_t block_cache_taken(int64_t usage) const {
    constexpr int64_t kStep = 1 << 20;
    const int64_t wanted = std::clamp<int64_t>(usage, 0, block_cache_share());
    return std::min((wanted + kStep - 1) / kStep * kStep, block_cache_share());
  }

  int64_t total_bytes_;
  int64_t record_cache_bytes_;
  int64_t memtable_bytes_;
  std::atomic<int64_t> record_cache_usage_{0};
  std::atomic<int64_t> suppress_buffer_usage_{0};
  std::mutex capacity_mutex_;  // fit_rocksdb_capacity() from several threads
  int64_t capacity_ = 0;       // the block cache's capacity last set (under capacity_mutex_)
  std::unique_ptr<RocksDbShared> rocksdb_;
};

// The budget of stores and tasks given none (StoreContext::memory_budget null): defaults.
MemoryBudget& default_memory_budget();

}  // namespace eddy::state
