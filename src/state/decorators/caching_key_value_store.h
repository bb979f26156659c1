// The record cache in front of a key-value store: write-combining, byte-bounded, flushed on
// commit (flush()) or when the process's record caches exceed their share of the memory
// budget. A flush writes only the latest value per key, in one batch, and tells the flush
// listener (key, new value, old value, timestamp, record context) so an aggregation forwards
// one update per key per flush, as Kafka Streams' CachingKeyValueStore:
// - in the order the keys were last written (its NamedCache keeps the dirty keys so);
// - each with the timestamp, headers and coordinates of the record whose write it holds
//   (its LRUCacheEntry keeps the record context), not those of the record or commit that
//   happens to run the flush;
// - with a listener, a deletion of a key the store below does not hold is neither written
//   nor forwarded (a key created and deleted since the last flush).
// Reads hit the cache first; misses are cached too (clean entries). When the record caches
// are over budget, this cache evicts its least recently used entries while they are clean;
// once the eldest is dirty it flushes its dirty entries (one batch) and evicts clean ones
// until the caches fit (RecordCache::evict_eldest_clean).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "eddy/state/bytes_stores.h"
#include "state/decorators/record_cache.h"
#include "state/decorators/timestamped_batch.h"
#include "state/layered_store.h"
#include "state/memory_budget.h"
#include "state/store_metrics.h"

namespace eddy::state {

class CachingKeyValueStore final : public BytesKeyValueStore, public LayeredStore {
 public:
  // `record_context` (may be unset) fills in the context of the record being processed.
  CachingKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner, MemoryBudget& budget,
                       std::function<int64_t()> record_timestamp,
                       std::function<void(RecordContext&)> record_context = {});
  ~CachingKeyValueStore() override;

  const std::string& name() const override { return inner_->name(); }
  bool persistent() const override { return inner_->persistent(); }
  void flush() override;
  void close() override;
  StateStore* wrapped() const override { return inner_.get(); }
  bool set_cache_flush_listener(CacheFlushListener listener, bool send_old_values) override {
    cache_.set_listener(std::move(listener), send_old_values);
    return true;
  }
  void set_erasing(bool on) override {
    cache_.set_erasing(on);
    LayeredStore::set_erasing(on);
  }

  std::optional<Bytes> get(std::string_view key) override;
  void put(std::string_view key, std::optional<std::string_view> value) override;
  std::unique_ptr<KeyValueIterator> range(std::optional<std::string_view> from,
                                          std::optional<std::string_view> to) override;
  uint64_t approximate_num_entries() override { return inner_->approximate_num_entries(); }

  // Writes the dirty entries down and notifies the listener; keeps them as clean entries.
  void flush_cache();
  int64_t cached_bytes() const { return cache_.bytes(); }
  size_t dirty_count() const { return cache_.dirty().size(); }
  // Counts reads answered by the cache (hits) or passed down (misses) in `metrics`.
  void count_reads_in(StoreMetrics* metrics) { metrics_ = metrics; }

 private:
  using Entry = RecordCache::Entry;
  void evict_if_full();

  std::unique_ptr<BytesKeyValueStore> inner_;
  TimestampedBatchWriter* timestamped_inner_;
  std::function<int64_t()> record_timestamp_;
  RecordCache cache_;
  bool flushing_ = false;
  StoreMetrics* metrics_ = nullptr;
};

}  // namespace eddy::state
