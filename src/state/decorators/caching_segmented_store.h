// The record cache in front of a window or session store's segmented bytes, with Kafka
// Streams' CachingWindowStore / CachingSessionStore contract:
// - reads are served from it: a point read caches what it found (or that nothing is there)
//   as a clean entry, and entries stay cached, clean, after a flush, until evicted least
//   recently used first when the process's record caches are over budget;
// - writes are combined: the cache holds the latest value per binary key (key + window);
// - a flush (commit, or the caches over budget) writes only that latest value, in one batch,
//   and tells the flush listener once per entry, so a windowed aggregation forwards one
//   update per window per flush, in the order the entries were last written (Kafka Streams'
//   NamedCache keeps its dirty keys in that order), each with the timestamp, headers and
//   coordinates of the record whose write it holds (its LRUCacheEntry keeps the record
//   context). A deletion of a window the store below never held is neither written nor
//   forwarded (a session created and merged away between two flushes).
// A clean entry whose segment the store below has dropped reads as absent, as the store would.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "state/decorators/record_cache.h"
#include "state/layered_store.h"
#include "state/memory_budget.h"
#include "state/segmented_store.h"
#include "state/store_metrics.h"

namespace eddy::state {

class CachingSegmentedStore final : public SegmentedBytesStore, public LayeredStore {
 public:
  // `record_context` (may be unset) fills in the context of the record being processed.
  CachingSegmentedStore(std::unique_ptr<SegmentedBytesStore> inner, MemoryBudget& budget,
                        std::function<int64_t()> record_timestamp,
                        std::function<void(RecordContext&)> record_context = {});
  ~CachingSegmentedStore() override;

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

  void put(std::string_view key, std::optional<std::string_view> value, int64_t timestamp) override;
  std::optional<Bytes> get(std::string_view key, int64_t timestamp) override;
  std::vector<KeyValueBytes> range(std::string_view from, std::optional<std::string_view> to,
                                   int64_t time_from, int64_t time_to) override;
  int64_t observed_stream_time() const override {
    return std::max(stream_time_, inner_->observed_stream_time());
  }
  const Segments& segments() const override { return inner_->segments(); }

  // Writes the dirty entries down and notifies the listener; keeps them as clean entries.
  void flush_cache();
  int64_t cached_bytes() const { return cache_.bytes(); }
  size_t cached_count() const { return cache_.size(); }
  size_t dirty_count() const { return cache_.dirty().size(); }
  // Counts reads answered by the cache (hits) or passed down (misses) in `metrics`.
  void count_reads_in(StoreMetrics* metrics) { metrics_ = metrics; }

 private:
  using Entry = RecordCache::Entry;
  // Whether the store below still holds the segment of `timestamp`.
  bool segment_live(int64_t timestamp) const;
  void evict_if_full();

  std::unique_ptr<SegmentedBytesStore> inner_;
  std::function<int64_t()> record_timestamp_;
  RecordCache cache_;
  int64_t stream_time_ = kNoStreamTime;
  bool flushing_ = false;
  StoreMetrics* metrics_ = nullptr;
};

}  // namespace eddy::state
