#include "state/decorators/caching_key_value_store.h"

#include <algorithm>
#include <vector>

namespace eddy::state {
namespace {

// Overlays a snapshot of the cached entries of a range on the inner store's iterator: the
// cache wins on equal keys and its deletions hide the inner value.
class MergedIterator final : public KeyValueIterator {
 public:
  MergedIterator(std::unique_ptr<KeyValueIterator> inner,
                 std::vector<std::pair<Bytes, std::optional<Bytes>>> cached)
      : inner_(std::move(inner)), cached_(std::move(cached)) {
    settle();
  }
  bool valid() const override { return from_cache_ || inner_->valid(); }
  void next() override {
    if (from_cache_) {
      if (inner_->valid() && inner_->key() == std::string_view(cached_[index_].first))
        inner_->next();
      ++index_;
    } else {
      inner_->next();
    }
    settle();
  }
  std::string_view key() const override {
    return from_cache_ ? cached_[index_].first : inner_->key();
  }
  std::string_view value() const override {
    return from_cache_ ? std::string_view(*cached_[index_].second) : inner_->value();
  }

 private:
  // Positions on the smaller key of the two sources, skipping cached deletions.
  void settle() {
    while (true) {
      const bool cache_left = index_ < cached_.size();
      if (!cache_left) {
        from_cache_ = false;
        return;
      }
      const std::string_view cached_key = cached_[index_].first;
      if (inner_->valid() && inner_->key() < cached_key) {
        from_cache_ = false;
        return;
      }
      if (cached_[index_].second) {
        from_cache_ = true;
        return;
      }
      if (inner_->valid() && inner_->key() == cached_key) inner_->next();
      ++index_;
    }
  }

  std::unique_ptr<KeyValueIterator> inner_;
  std::vector<std::pair<Bytes, std::optional<Bytes>>> cached_;
  size_t index_ = 0;
  bool from_cache_ = false;
};

// What an entry costs beyond its key and value bytes: the hash node (~130 bytes with the key
// string and the entry), its bucket, the LRU list node, the dirty-map node while dirty, and
// two heap blocks' malloc headers and rounding — so the record cache's share of the memory
// budget is real memory. The record context an entry keeps adds its own size (and its heap
// bytes, counted per entry).
constexpr int64_t kEntryOverhead = 240 + sizeof(RecordContext);

}  // namespace

CachingKeyValueStore::CachingKeyValueStore(std::unique_ptr<BytesKeyValueStore> inner,
                                           MemoryBudget& budget,
                                           std::function<int64_t()> record_timestamp,
                                           std::function<void(RecordContext&)> record_context)
    : inner_(std::move(inner)),
      timestamped_inner_(dynamic_cast<TimestampedBatchWriter*>(inner_.get())),
      record_timestamp_(std::move(record_timestamp)),
      cache_(budget, kEntryOverhead, std::move(record_context)) {}

CachingKeyValueStore::~CachingKeyValueStore() = default;

std::optional<Bytes> CachingKeyValueStore::get(std::string_view key) {
  if (auto it = cache_.find(key); it != cache_.end()) {
    if (metrics_ != nullptr) metrics_->cache_hits.fetch_add(1, std::memory_order_relaxed);
    cache_.touch(it->second);
    return it->second.value;
  }
  if (metrics_ != nullptr) metrics_->cache_misses.fetch_add(1, std::memory_order_relaxed);
  auto value = inner_->get(key);
  cache_.insert_clean(key, value, 0);
  evict_if_full();
  return value;
}

void CachingKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  const int64_t timestamp = record_timestamp_ ? record_timestamp_() : 0;
  cache_.write(key, value, 0, timestamp);
  evict_if_full();
}

std::unique_ptr<KeyValueIterator> CachingKeyValueStore::range(std::optional<std::string_view> from,
                                                              std::optional<std::string_view> to) {
  std::vector<std::pair<Bytes, std::optional<Bytes>>> cached;
  // Clean entries equal the inner store's; only dirty ones change what the range sees.
  const auto& dirty = cache_.dirty();
  for (auto it = from ? dirty.lower_bound(*from) : dirty.begin();
       it != dirty.end() && (!to || it->first <= *to); ++it) {
    cached.emplace_back(it->first, it->second->value);
  }
  return std::make_unique<MergedIterator>(inner_->range(from, to), std::move(cached));
}

void CachingKeyValueStore::flush_cache() {
  if (cache_.dirty().empty() || flushing_) return;
  flushing_ = true;
  const auto flushed =
      cache_.take_dirty([&](std::string_view key, const Entry&) { return inner_->get(key); },
                        [](std::string_view key, const Entry& entry) {
                          return StoreWrite{Bytes(key), entry.value, 0, entry.record_timestamp};
                        });
  if (!flushed.writes.empty()) {
    if (timestamped_inner_ != nullptr) {
      timestamped_inner_->write_batch(flushed.writes);
    } else {
      std::vector<std::pair<Bytes, std::optional<Bytes>>> batch;
      batch.reserve(flushed.writes.size());
      for (const auto& w : flushed.writes) batch.emplace_back(w.key, w.value);
      inner_->put_all(batch);
    }
  }
  flushing_ = false;
  cache_.forward(flushed);
}

void CachingKeyValueStore::evict_if_full() {
  if (!cache_.over_budget() || flushing_ || cache_.evict_eldest_clean()) return;
  flush_cache();  // every entry is clean now, so any of them may go
  cache_.evict_clean();
}

void CachingKeyValueStore::flush() {
  flush_cache();
  inner_->flush();
}

void CachingKeyValueStore::close() {
  flush_cache();
  cache_.clear();
  inner_->close();
}

}  // namespace eddy::state
