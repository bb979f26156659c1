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
#include <list>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>

#include "state/decorators/cache_flush.h"
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
  bool set_cache_flush_listener(CacheFlushListener listener, bool send_old_values) override;
  void set_erasing(bool on) override {
    erasing_ = on;
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
  int64_t cached_bytes() const { return bytes_; }
  size_t cached_count() const { return cache_.size(); }
  size_t dirty_count() const { return dirty_.size(); }
  // Counts reads answered by the cache (hits) or passed down (misses) in `metrics`.
  void count_reads_in(StoreMetrics* metrics) { metrics_ = metrics; }

 private:
  struct Entry {
    std::optional<Bytes> value;    // nullopt: deleted (dirty) or known absent (clean)
    int64_t timestamp = 0;         // segment timestamp (window start / session end)
    int64_t record_timestamp = 0;  // of the record that wrote it: for the changelog, listener
    bool dirty = false;
    bool erased = false;     // a deletion by erasure: written down, never handed to the listener
    uint64_t write_seq = 0;  // when it was last written: the flush order
    RecordContext context;   // of the record that wrote it (dirty entries)
    std::list<std::string_view>::iterator lru;  // position in lru_ (front = most recent)
  };
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view key) const { return std::hash<std::string_view>()(key); }
  };
  using Map = std::unordered_map<Bytes, Entry, Hash, std::equal_to<>>;

  Map::iterator insert(std::string_view key, Entry entry);
  void erase(Map::iterator it);
  void touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.lru); }
  // Whether the store below still holds the segment of `timestamp`.
  bool segment_live(int64_t timestamp) const;
  static int64_t entry_bytes(std::string_view key, const Entry& entry);
  void account(int64_t delta);
  void evict_if_full();
  void clear();

  std::unique_ptr<SegmentedBytesStore> inner_;
  MemoryBudget& budget_;
  std::function<int64_t()> record_timestamp_;
  std::function<void(RecordContext&)> record_context_;
  Map cache_;
  std::list<std::string_view> lru_;           // views of cache_'s keys (nodes never move)
  std::map<std::string_view, Entry*> dirty_;  // the dirty entries in key order
  uint64_t writes_ = 0;
  int64_t bytes_ = 0;
  int64_t stream_time_ = kNoStreamTime;
  CacheFlushListener listener_;
  bool send_old_values_ = false;
  bool flushing_ = false;
  bool erasing_ = false;
  StoreMetrics* metrics_ = nullptr;
};

}  // namespace eddy::state
