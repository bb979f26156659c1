#include "state/decorators/record_cache.h"

#include <iterator>

namespace eddy::state {

RecordCache::Map::iterator RecordCache::insert(std::string_view key, Entry entry) {
  account(entry_bytes(key, entry));
  auto it = cache_.emplace(Bytes(key), std::move(entry)).first;
  lru_.push_front(it->first);
  it->second.lru = lru_.begin();
  return it;
}

void RecordCache::write(std::string_view key, std::optional<std::string_view> value,
                        int64_t timestamp, int64_t record_timestamp) {
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    it = insert(key, Entry{});
  } else {
    touch(it->second);
  }
  Entry& entry = it->second;
  account(-entry_bytes(key, entry));
  if (!entry.dirty) dirty_.emplace(it->first, &entry);
  if (!value) {
    entry.value.reset();
  } else if (entry.value) {
    entry.value->assign(*value);  // reuses the buffer: a hot key or window is rewritten often
  } else {
    entry.value.emplace(*value);
  }
  entry.timestamp = timestamp;
  entry.record_timestamp = record_timestamp;
  entry.dirty = true;
  entry.erased = erasing_ && !value;
  entry.write_seq = ++writes_;
  if (record_context_) record_context_(entry.context);  // assigns: reuses the buffers
  account(entry_bytes(key, entry));
}

void RecordCache::erase(Map::iterator it) {
  if (it->second.dirty) dirty_.erase(it->first);
  lru_.erase(it->second.lru);
  account(-entry_bytes(it->first, it->second));
  cache_.erase(it);
}

void RecordCache::forward(const FlushedEntries& flushed) const {
  if (!listener_) return;
  for (size_t i = 0; i < flushed.writes.size(); ++i) {
    if (flushed.erased[i]) continue;
    const StoreWrite& w = flushed.writes[i];
    std::optional<std::string_view> old_value;
    if (flushed.old_values[i]) old_value = *flushed.old_values[i];
    listener_(w.key, w.value ? std::optional<std::string_view>(*w.value) : std::nullopt, old_value,
              w.changelog_timestamp(), flushed.contexts[i]);
  }
}

void RecordCache::clear() {
  account(-bytes_);
  lru_.clear();
  dirty_.clear();
  cache_.clear();
}

bool RecordCache::evict_eldest_clean() {
  const int64_t target = budget_.record_cache_room();
  while (!lru_.empty() && budget_.record_cache_usage() > target) {
    auto eldest = cache_.find(lru_.back());
    if (eldest->second.dirty) return false;
    erase(eldest);
  }
  return budget_.record_cache_usage() <= target;
}

void RecordCache::evict_clean() {
  // Only down to the room, not below it: when other caches hold most of the room, evicting
  // further would empty this cache, which then flushes a handful of entries on every write.
  const int64_t target = budget_.record_cache_room();
  // Least recently used first; a dirty entry (written by a flush listener during the flush)
  // stays: evicting it would lose the write.
  auto it = lru_.end();
  while (it != lru_.begin() && budget_.record_cache_usage() > target) {
    --it;
    auto entry = cache_.find(*it);
    if (entry->second.dirty) continue;
    it = std::next(it);
    erase(entry);  // removes the LRU node `it` pointed before
  }
}

}  // namespace eddy::state
