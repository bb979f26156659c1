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
      budget_(budget),
      record_timestamp_(std::move(record_timestamp)),
      record_context_(std::move(record_context)) {}

CachingKeyValueStore::~CachingKeyValueStore() {
  budget_.add_record_cache_usage(-bytes_);
}

int64_t CachingKeyValueStore::entry_bytes(std::string_view key, const Entry& entry) {
  return static_cast<int64_t>(key.size() + (entry.value ? entry.value->size() : 0)) +
         kEntryOverhead + entry.context.heap_bytes();
}

void CachingKeyValueStore::account(int64_t delta) {
  bytes_ += delta;
  budget_.add_record_cache_usage(delta);
}

bool CachingKeyValueStore::set_cache_flush_listener(CacheFlushListener listener,
                                                    bool send_old_values) {
  listener_ = std::move(listener);
  send_old_values_ = send_old_values;
  return true;
}

CachingKeyValueStore::Map::iterator CachingKeyValueStore::insert(std::string_view key,
                                                                 Entry entry) {
  account(entry_bytes(key, entry));
  auto it = cache_.emplace(Bytes(key), std::move(entry)).first;
  lru_.push_front(it->first);
  it->second.lru = lru_.begin();
  return it;
}

std::optional<Bytes> CachingKeyValueStore::get(std::string_view key) {
  if (auto it = cache_.find(key); it != cache_.end()) {
    if (metrics_ != nullptr) metrics_->cache_hits.fetch_add(1, std::memory_order_relaxed);
    touch(it->second);
    return it->second.value;
  }
  if (metrics_ != nullptr) metrics_->cache_misses.fetch_add(1, std::memory_order_relaxed);
  auto value = inner_->get(key);
  insert(key, Entry{.value = value, .timestamp = 0, .dirty = false, .lru = {}});
  evict_if_full();
  return value;
}

void CachingKeyValueStore::put(std::string_view key, std::optional<std::string_view> value) {
  const int64_t timestamp = record_timestamp_ ? record_timestamp_() : 0;
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    it = insert(key, Entry{});
  } else {
    touch(it->second);
  }
  Entry& entry = it->second;
  account(-entry_bytes(key, entry));
  if (!entry.dirty) dirty_.emplace(it->first, &entry);
  entry.value = value ? std::optional<Bytes>(Bytes(*value)) : std::nullopt;
  entry.timestamp = timestamp;
  entry.dirty = true;
  entry.erased = erasing_ && !value;
  entry.write_seq = ++writes_;
  if (record_context_) record_context_(entry.context);  // assigns: reuses a hot key's buffers
  account(entry_bytes(key, entry));
  evict_if_full();
}

std::unique_ptr<KeyValueIterator> CachingKeyValueStore::range(std::optional<std::string_view> from,
                                                              std::optional<std::string_view> to) {
  std::vector<std::pair<Bytes, std::optional<Bytes>>> cached;
  // Clean entries equal the inner store's; only dirty ones change what the range sees.
  for (auto it = from ? dirty_.lower_bound(*from) : dirty_.begin();
       it != dirty_.end() && (!to || it->first <= *to); ++it) {
    cached.emplace_back(it->first, it->second->value);
  }
  return std::make_unique<MergedIterator>(inner_->range(from, to), std::move(cached));
}

void CachingKeyValueStore::flush_cache() {
  if (dirty_.empty() || flushing_) return;
  flushing_ = true;
  const auto flushed = take_dirty_entries<TimestampedWrite>(
      dirty_, listener_ != nullptr, send_old_values_,
      [&](std::string_view key, const Entry&) { return inner_->get(key); },
      [](std::string_view key, const Entry& entry) {
        return TimestampedWrite{Bytes(key), entry.value, entry.timestamp};
      });
  dirty_.clear();
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
  if (listener_) {
    forward_flushed(flushed, listener_, [](const TimestampedWrite& w) { return w.timestamp; });
  }
}

void CachingKeyValueStore::clear() {
  account(-bytes_);
  lru_.clear();
  dirty_.clear();
  cache_.clear();
}

void CachingKeyValueStore::evict_if_full() {
  if (!budget_.record_caches_full() || flushing_) return;
  flush_cache();  // every entry is clean now, so any of them may go
  const int64_t target = budget_.record_cache_room() / 10 * 9;
  while (!lru_.empty() && budget_.record_cache_usage() > target) {
    auto it = cache_.find(lru_.back());
    lru_.pop_back();
    account(-entry_bytes(it->first, it->second));
    cache_.erase(it);
  }
}

void CachingKeyValueStore::flush() {
  flush_cache();
  inner_->flush();
}

void CachingKeyValueStore::close() {
  flush_cache();
  clear();
  inner_->close();
}

}  // namespace eddy::state
