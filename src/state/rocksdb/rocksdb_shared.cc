#include "state/rocksdb/rocksdb_shared.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>

#include "common/log.h"
#include "eddy/errors.h"

namespace eddy::state {
namespace {

// RocksDB's info log goes to Eddy's "rocksdb" logger (and so to stderr or the host's callback)
// instead of a LOG file in each store's folder: ERROR/FATAL -> error, WARN -> warn,
// INFO (flushes, compactions) -> debug, the options dump at open -> trace.
class RocksDbLogForwarder final : public rocksdb::Logger {
 public:
  explicit RocksDbLogForwarder(std::string store_name)
      : rocksdb::Logger(rocksdb::InfoLogLevel::DEBUG_LEVEL), store_name_(std::move(store_name)) {}

  void LogHeader(const char* format, va_list ap) override {
    forward(spdlog::level::trace, format, ap);
  }
  void Logv(const char* format, va_list ap) override { forward(spdlog::level::debug, format, ap); }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    switch (level) {
      case rocksdb::InfoLogLevel::DEBUG_LEVEL:
        forward(spdlog::level::trace, format, ap);
        break;
      case rocksdb::InfoLogLevel::INFO_LEVEL:
        forward(spdlog::level::debug, format, ap);
        break;
      case rocksdb::InfoLogLevel::WARN_LEVEL:
        forward(spdlog::level::warn, format, ap);
        break;
      case rocksdb::InfoLogLevel::HEADER_LEVEL:
        forward(spdlog::level::trace, format, ap);
        break;
      default:
        forward(spdlog::level::err, format, ap);
        break;
    }
  }

 private:
  void forward(spdlog::level::level_enum level, const char* format, va_list ap) {
    spdlog::logger& log = common::rocksdb_logger();
    if (!log.should_log(level)) return;  // format nothing that is not logged
    char buffer[1024];
    va_list copy;
    va_copy(copy, ap);
    const int n = std::vsnprintf(buffer, sizeof buffer, format, copy);
    va_end(copy);
    if (n < 0) return;
    std::string_view text(buffer, std::min<size_t>(static_cast<size_t>(n), sizeof buffer - 1));
    while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
    // Opening a new store, RocksDB looks for files that are not there yet and logs the miss
    // ("Error when reading ... NotFound") at error level; it is how every fresh store starts.
    if (level == spdlog::level::err && text.find("NotFound") != std::string_view::npos &&
        text.find("Error when reading") != std::string_view::npos) {
      level = spdlog::level::debug;
      if (!log.should_log(level)) return;
    }
    log.log(level, "store {}: {}", store_name_, text);
  }

  std::string store_name_;
};

}  // namespace

MemoryBudget::MemoryBudget(MemoryBudgetOptions options)
    : total_bytes_(options.total_bytes),
      record_cache_bytes_(
          std::clamp<int64_t>(options.record_cache_bytes, 0, options.total_bytes / 2)),
      memtable_bytes_(static_cast<int64_t>(
          static_cast<double>(options.total_bytes - record_cache_bytes_) * options.memtable_ratio)),
      rocksdb_(std::make_unique<RocksDbShared>()) {
#if defined(__GLIBC__)
  // Process-wide: only when the user opted in (eddy.malloc.return.freed.memory).
  if (options.return_freed_memory_to_os) mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  // Index and filter blocks go to the high-priority pool so data blocks cannot evict them.
  rocksdb::LRUCacheOptions cache_options;
  capacity_ = rocksdb_bytes();
  cache_options.capacity = static_cast<size_t>(capacity_);
  cache_options.num_shard_bits = 4;
  cache_options.strict_capacity_limit = false;
  cache_options.high_pri_pool_ratio = 0.1;
  rocksdb_->cache = rocksdb::NewLRUCache(cache_options);
  // Memtables reserve their memory in the same cache, so blocks + memtables <= capacity.
  rocksdb_->write_buffers = std::make_shared<rocksdb::WriteBufferManager>(
      static_cast<size_t>(memtable_bytes_), rocksdb_->cache);
}

MemoryBudget::~MemoryBudget() = default;

int64_t MemoryBudget::rocksdb_usage() const {
  return static_cast<int64_t>(rocksdb_->cache->GetUsage());
}

int64_t MemoryBudget::rocksdb_capacity() const {
  return static_cast<int64_t>(rocksdb_->cache->GetCapacity());
}

void MemoryBudget::fit_rocksdb_capacity() {
  const int64_t capacity = rocksdb_bytes() - block_cache_taken(suppress_buffer_usage());
  std::lock_guard lock(capacity_mutex_);
  if (capacity == capacity_) return;
  capacity_ = capacity;
  rocksdb_->cache->SetCapacity(static_cast<size_t>(capacity));  // evicts blocks to fit
}

MemoryBudget& default_memory_budget() {
  static MemoryBudget budget;
  return budget;
}

rocksdb::Options make_rocksdb_options(const MemoryBudget& budget, const std::string& store_name,
                                      const RocksDbConfigSetter& setter, ReadPattern reads) {
  rocksdb::Options options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.write_buffer_manager = budget.rocksdb().write_buffers;
  // A store's own memtable may take up to half of the shared memtable budget (capped), so
  // one busy store can batch well while the manager keeps the total in bounds.
  options.write_buffer_size =
      static_cast<size_t>(std::clamp<int64_t>(budget.memtable_bytes() / 2, 1 << 20, 64 << 20));
  options.max_write_buffer_number = 3;
  if (reads == ReadPattern::kPointReads) {
    // A bloom filter over each memtable's whole keys: a point read of a key the memtable does
    // not hold (a new key, every new window of an aggregation) skips the skip-list search.
    // Its bits (1 % of the write buffer, counted in the memtables' budget) are allocated with
    // each memtable, so range-scanned stores (sessions), which would not use it, go without.
    options.memtable_prefix_bloom_size_ratio = 0.01;
    options.memtable_whole_key_filtering = true;
  }
  options.max_background_jobs = 2;
  options.compression = rocksdb::kLZ4Compression;
  options.avoid_flush_during_shutdown = false;
  options.info_log = std::make_shared<RocksDbLogForwarder>(store_name);

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = budget.rocksdb().cache;
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_size = size_t{16} * 1024;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  if (setter) setter(store_name, options);
  return options;
}

void throw_if_error(const rocksdb::Status& status, const std::string& store_name,
                    const std::filesystem::path& path, const char* what) {
  if (status.ok()) return;
  throw StateStoreError("store '" + store_name + "' at " + path.string() + ": " + what + ": " +
                        status.ToString());
}

void flush_memtables(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families,
                     bool wait, const std::string& store_name, const std::filesystem::path& path) {
  rocksdb::FlushOptions options;
  options.wait = wait;
  throw_if_error(db.Flush(options, families), store_name, path, "flush");
}

bool memtables_flushed(rocksdb::DB& db, const std::vector<rocksdb::ColumnFamilyHandle*>& families) {
  for (rocksdb::ColumnFamilyHandle* family : families) {
    uint64_t unflushed = 0;
    if (!db.GetIntProperty(family, rocksdb::DB::Properties::kNumImmutableMemTable, &unflushed) ||
        unflushed != 0) {
      return false;
    }
  }
  return true;
}

bool is_unusable_local_state(const rocksdb::Status& status) {
  return status.IsCorruption() || status.IsNotSupported() || status.IsInvalidArgument();
}

}  // namespace eddy::state
