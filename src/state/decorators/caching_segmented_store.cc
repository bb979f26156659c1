#include "state/decorators/caching_segmented_store.h"

#include <algorithm>
#include <vector>

namespace eddy::state {
namespace {
// What an entry costs beyond its key and value bytes: the hash node with the key string and
// the entry, its bucket, the LRU list node, the dirty-map node while dirty, and the heap
// blocks' malloc headers and rounding (measured as for caching_key_value_store.cc), and the
// record context the entry keeps (its heap bytes are counted per entry).
constexpr int64_t kEntryOverhead = 256 + sizeof(RecordContext);
}  // namespace

CachingSegmentedStore::CachingSegmentedStore(std::unique_ptr<SegmentedBytesStore> inner,
                                             MemoryBudget& budget,
                                             std::function<int64_t()> record_timestamp,
                                             std::function<void(RecordContext&)> record_context)
    : inner_(std::move(inner)),
      budget_(budget),
      record_timestamp_(std::move(record_timestamp)),
      record_context_(std::move(record_context)) {}

CachingSegmentedStore::~CachingSegmentedStore() {
  budget_.add_record_cache_usage(-bytes_);
}

int64_t CachingSegmentedStore::entry_bytes(std::string_view key, const Entry& entry) {
  return static_cast<int64_t>(key.size() + (entry.value ? entry.value->size() : 0)) +
         kEntryOverhead + entry.context.heap_bytes();
}

void CachingSegmentedStore::account(int64_t delta) {
  bytes_ += delta;
  budget_.add_record_cache_usage(delta);
}

bool CachingSegmentedStore::set_cache_flush_listener(CacheFlushListener listener,
                                                     bool send_old_values) {
  listener_ = std::move(listener);
  send_old_values_ = send_old_values;
  return true;
}

CachingSegmentedStore::Map::iterator CachingSegmentedStore::insert(std::string_view key,
                                                                   Entry entry) {
  account(entry_bytes(key, entry));
  auto it = cache_.emplace(Bytes(key), std::move(entry)).first;
  lru_.push_front(it->first);
  it->second.lru = lru_.begin();
  return it;
}

void CachingSegmentedStore::erase(Map::iterator it) {
  if (it->second.dirty) dirty_.erase(it->first);
  lru_.erase(it->second.lru);
  account(-entry_bytes(it->first, it->second));
  cache_.erase(it);
}

bool CachingSegmentedStore::segment_live(int64_t timestamp) const {
  const Segments& segs = inner_->segments();
  return segs.id(timestamp) >= segs.min_live_segment(inner_->observed_stream_time());
}

std::optional<Bytes> CachingSegmentedStore::get(std::string_view key, int64_t timestamp) {
  if (auto it = cache_.find(key); it != cache_.end()) {
    Entry& entry = it->second;
    if (entry.dirty || segment_live(entry.timestamp)) {
      if (metrics_ != nullptr) metrics_->cache_hits.fetch_add(1, std::memory_order_relaxed);
      touch(entry);
      return entry.value;
    }
    erase(it);  // its segment was dropped below since it was cached
  }
  if (metrics_ != nullptr) metrics_->cache_misses.fetch_add(1, std::memory_order_relaxed);
  auto value = inner_->get(key, timestamp);
  insert(key, Entry{.value = value, .timestamp = timestamp, .record_timestamp = timestamp});
  evict_if_full();
  return value;
}

void CachingSegmentedStore::put(std::string_view key, std::optional<std::string_view> value,
                                int64_t timestamp) {
  stream_time_ = std::max(stream_time_, timestamp);
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
    entry.value->assign(*value);  // reuses the buffer: a hot window is rewritten per record
  } else {
    entry.value.emplace(*value);
  }
  entry.timestamp = timestamp;
  entry.record_timestamp = record_timestamp_ ? record_timestamp_() : timestamp;
  entry.dirty = true;
  entry.erased = erasing_ && !value;
  entry.write_seq = ++writes_;
  if (record_context_) record_context_(entry.context);  // assigns: reuses a hot window's buffers
  account(entry_bytes(key, entry));
  evict_if_full();
}

std::vector<KeyValueBytes> CachingSegmentedStore::range(std::string_view from,
                                                        std::optional<std::string_view> to,
                                                        int64_t time_from, int64_t time_to) {
  auto below = inner_->range(from, to, time_from, time_to);
  if (dirty_.empty()) return below;
  // Clean entries equal the store below; only dirty ones change what the range sees.
  std::map<Bytes, Bytes, std::less<>> merged;
  for (auto& kv : below) merged.emplace(std::move(kv.key), std::move(kv.value));
  const Segments& segs = inner_->segments();
  for (auto it = dirty_.lower_bound(from); it != dirty_.end() && (!to || it->first <= *to); ++it) {
    const Entry& entry = *it->second;
    const int64_t id = segs.id(entry.timestamp);
    if (id < segs.id(time_from) || id > segs.id(time_to)) continue;
    if (entry.value) {
      merged.insert_or_assign(Bytes(it->first), *entry.value);
    } else if (auto found = merged.find(it->first); found != merged.end()) {
      merged.erase(found);
    }
  }
  std::vector<KeyValueBytes> out;
  out.reserve(merged.size());
  for (auto& [key, value] : merged) out.push_back({key, std::move(value)});
  return out;
}

void CachingSegmentedStore::flush_cache() {
  if (dirty_.empty() || flushing_) return;
  flushing_ = true;
  const auto flushed = take_dirty_entries<SegmentedWrite>(
      dirty_, listener_ != nullptr, send_old_values_,
      [&](std::string_view key, const Entry& entry) { return inner_->get(key, entry.timestamp); },
      [](std::string_view key, const Entry& entry) {
        return SegmentedWrite{Bytes(key), entry.value, entry.timestamp, entry.record_timestamp};
      });
  dirty_.clear();
  inner_->put_all(flushed.writes);
  flushing_ = false;
  if (listener_) {
    forward_flushed(flushed, listener_, [](const SegmentedWrite& w) { return w.record_timestamp; });
  }
}

void CachingSegmentedStore::clear() {
  account(-bytes_);
  lru_.clear();
  dirty_.clear();
  cache_.clear();
}

void CachingSegmentedStore::evict_if_full() {
  if (!budget_.record_caches_full() || flushing_) return;
  flush_cache();  // every entry is clean now, so any of them may go
  const int64_t target = budget_.record_cache_room() / 10 * 9;
  while (!lru_.empty() && budget_.record_cache_usage() > target) erase(cache_.find(lru_.back()));
}

void CachingSegmentedStore::flush() {
  flush_cache();
  inner_->flush();
}

void CachingSegmentedStore::close() {
  flush_cache();
  clear();
  inner_->close();
}

}  // namespace eddy::state
