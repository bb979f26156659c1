// The record cache of one caching store, key-value (caching_key_value_store.h) or window and
// session (caching_segmented_store.h): the entries by key with their LRU order, the dirty ones
// in key order, their bytes counted against the memory budget's record-cache share, and the
// flush's rules. The stores keep what differs: what a key holds, how reads merge with the
// store below, and how a flushed batch is written down.
//
//   Entry& e = cache.write(key, value, segment_ts, record_ts);   // a put: dirty, combined
//   FlushedEntries flushed = cache.take_dirty(old_value_of, write_of);
//   inner->put_all(flushed.writes);
//   cache.forward(flushed);                                      // to the flush listener
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "eddy/serde/serde.h"
#include "state/layered_store.h"
#include "state/memory_budget.h"
#include "state/store_write.h"

namespace eddy::state {

// What a flush writes down and then forwards, entry by entry.
struct FlushedEntries {
  std::vector<StoreWrite> writes;  // in the order of the entries' last writes
  // Beside `writes` when there is a listener:
  std::vector<std::optional<Bytes>> old_values;  // the value below, when old values are sent
  // Copied: the listener's downstream work may evict an entry.
  std::vector<RecordContext> contexts;
  std::vector<bool> erased;  // an erasure's deletion: written down, never forwarded
};

class RecordCache {
 public:
  struct Entry {
    std::optional<Bytes> value;    // nullopt: deleted (dirty) or known absent (clean)
    int64_t timestamp = 0;         // segment timestamp (window start / session end); 0: none
    int64_t record_timestamp = 0;  // of the record that wrote it: changelog and listener
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
  // Point lookups hash; only the dirty entries are kept in key order (for ranges, and for a
  // flush that writes one sorted batch).
  using Map = std::unordered_map<Bytes, Entry, Hash, std::equal_to<>>;

  // `entry_overhead`: what an entry costs beyond its key, value and context heap bytes (hash
  // node, bucket, LRU node, dirty-map node, malloc headers), so the share is real memory.
  // `record_context` (may be unset) fills in the context of the record being processed.
  RecordCache(MemoryBudget& budget, int64_t entry_overhead,
              std::function<void(RecordContext&)> record_context)
      : budget_(budget),
        entry_overhead_(entry_overhead),
        record_context_(std::move(record_context)) {}
  ~RecordCache() { budget_.add_record_cache_usage(-bytes_); }
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  Map::iterator find(std::string_view key) { return cache_.find(key); }
  Map::iterator end() { return cache_.end(); }
  // Marks the entry most recently used.
  void touch(Entry& entry) { lru_.splice(lru_.begin(), lru_, entry.lru); }
  // Caches what a read found below (or that nothing is there): a clean entry.
  void insert_clean(std::string_view key, std::optional<Bytes> value, int64_t timestamp) {
    insert(key,
           Entry{.value = std::move(value), .timestamp = timestamp, .record_timestamp = timestamp});
  }
  // A put (nullopt: a delete): the key's entry holds `value`, dirty, until the next flush.
  void write(std::string_view key, std::optional<std::string_view> value, int64_t timestamp,
             int64_t record_timestamp);
  void erase(Map::iterator it);
  void clear();

  const std::map<std::string_view, Entry*>& dirty() const { return dirty_; }
  int64_t bytes() const { return bytes_; }
  size_t size() const { return cache_.size(); }

  void set_listener(CacheFlushListener listener, bool send_old_values) {
    listener_ = std::move(listener);
    send_old_values_ = send_old_values;
  }
  void set_erasing(bool on) { erasing_ = on; }

  // Marks the dirty entries clean and returns their writes in the order of their last write,
  // as Kafka Streams flushes its cache. With a listener, the value below is read
  // (`old_value_of(key, entry)`) when old values are sent or the entry deletes; a delete of
  // what the store below never held is left out, as in Kafka Streams: nothing to write,
  // nothing to forward (a key, window or session created and removed since the last flush).
  // `write_of(key, entry)` makes the write.
  template <class OldValueOf, class WriteOf>
  FlushedEntries take_dirty(OldValueOf&& old_value_of, WriteOf&& write_of);
  // Hands every flushed entry but an erasure's (state/erasure.h) to the listener, if any, with
  // its record's timestamp and context.
  void forward(const FlushedEntries& flushed) const;

  // Whether the process's record caches are over their share of the budget.
  bool over_budget() const { return budget_.record_caches_full(); }
  // Evicts entries from the least recently used end while the eldest is clean, until the
  // record caches are back within their room. False when that was not enough (the eldest is
  // dirty, or this cache is empty): the caller flushes, then evict_clean(). As Kafka Streams'
  // ThreadCache and NamedCache: evict from the cache being written until the caches fit, and
  // flush only when the entry to evict is dirty; a cache whose older entries were flushed
  // already gives those up before it flushes what it is still combining.
  bool evict_eldest_clean();
  // Evicts clean entries, least recently used first, until the record caches are back within
  // their room. Call after a flush: a dirty entry is never evicted.
  void evict_clean();

 private:
  int64_t entry_bytes(std::string_view key, const Entry& entry) const {
    return static_cast<int64_t>(key.size() + (entry.value ? entry.value->size() : 0)) +
           entry_overhead_ + entry.context.heap_bytes();
  }
  void account(int64_t delta) {
    bytes_ += delta;
    budget_.add_record_cache_usage(delta);
  }
  Map::iterator insert(std::string_view key, Entry entry);

  MemoryBudget& budget_;
  const int64_t entry_overhead_;
  std::function<void(RecordContext&)> record_context_;
  Map cache_;
  std::list<std::string_view> lru_;           // views of cache_'s keys (nodes never move)
  std::map<std::string_view, Entry*> dirty_;  // views of cache_'s keys, in key order
  int64_t bytes_ = 0;
  uint64_t writes_ = 0;
  CacheFlushListener listener_;
  bool send_old_values_ = false;
  bool erasing_ = false;
};

template <class OldValueOf, class WriteOf>
FlushedEntries RecordCache::take_dirty(OldValueOf&& old_value_of, WriteOf&& write_of) {
  std::vector<std::pair<std::string_view, Entry*>> order(dirty_.begin(), dirty_.end());
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.second->write_seq < b.second->write_seq; });
  const bool listening = listener_ != nullptr;
  FlushedEntries flushed;
  flushed.writes.reserve(order.size());
  if (listening) flushed.contexts.reserve(order.size());
  for (auto& [key, entry] : order) {
    entry->dirty = false;
    std::optional<Bytes> old_value;
    if (listening && (send_old_values_ || !entry->value)) {
      old_value = old_value_of(key, *entry);
      if (!entry->value && !old_value) continue;
    }
    flushed.writes.push_back(write_of(key, *entry));
    if (listening) {
      flushed.old_values.push_back(send_old_values_ ? std::move(old_value) : std::nullopt);
      flushed.contexts.push_back(entry->context);
      flushed.erased.push_back(entry->erased);
    }
    entry->erased = false;
  }
  dirty_.clear();
  return flushed;
}

}  // namespace eddy::state
