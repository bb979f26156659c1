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
      record_timestamp_(std::move(record_timestamp)),
      cache_(budget, kEntryOverhead, std::move(record_context)) {}

CachingSegmentedStore::~CachingSegmentedStore() = default;

bool CachingSegmentedStore::segment_live(int64_t timestamp) const {
  const Segments& segs = inner_->segments();
  return segs.id(timestamp) >= segs.min_live_segment(inner_->observed_stream_time());
}

std::optional<Bytes> CachingSegmentedStore::get(std::string_view key, int64_t timestamp) {
  if (auto it = cache_.find(key); it != cache_.end()) {
    Entry& entry = it->second;
    if (entry.dirty || segment_live(entry.timestamp)) {
      if (metrics_ != nullptr) metrics_->cache_hits.fetch_add(1, std::memory_order_relaxed);
      cache_.touch(entry);
      return entry.value;
    }
    cache_.erase(it);  // its segment was dropped below since it was cached
  }
  if (metrics_ != nullptr) metrics_->cache_misses.fetch_add(1, std::memory_order_relaxed);
  auto value = inner_->get(key, timestamp);
  cache_.insert_clean(key, value, timestamp);
  evict_if_full();
  return value;
}

void CachingSegmentedStore::put(std::string_view key, std::optional<std::string_view> value,
                                int64_t timestamp) {
  stream_time_ = std::max(stream_time_, timestamp);
  cache_.write(key, value, timestamp, record_timestamp_ ? record_timestamp_() : timestamp);
  evict_if_full();
}

std::vector<KeyValueBytes> CachingSegmentedStore::range(std::string_view from,
                                                        std::optional<std::string_view> to,
                                                        int64_t time_from, int64_t time_to) {
  auto below = inner_->range(from, to, time_from, time_to);
  const auto& dirty = cache_.dirty();
  if (dirty.empty()) return below;
  // Clean entries equal the store below; only dirty ones change what the range sees.
  std::map<Bytes, Bytes, std::less<>> merged;
  for (auto& kv : below) merged.emplace(std::move(kv.key), std::move(kv.value));
  const Segments& segs = inner_->segments();
  for (auto it = dirty.lower_bound(from); it != dirty.end() && (!to || it->first <= *to); ++it) {
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
  if (cache_.dirty().empty() || flushing_) return;
  flushing_ = true;
  const auto flushed = cache_.take_dirty(
      [&](std::string_view key, const Entry& entry) { return inner_->get(key, entry.timestamp); },
      [](std::string_view key, const Entry& entry) {
        return StoreWrite{Bytes(key), entry.value, entry.timestamp, entry.record_timestamp};
      });
  inner_->put_all(flushed.writes);
  flushing_ = false;
  cache_.forward(flushed);
}

void CachingSegmentedStore::evict_if_full() {
  if (!cache_.over_budget() || flushing_ || cache_.evict_eldest_clean()) return;
  flush_cache();  // every entry is clean now, so any of them may go
  cache_.evict_clean();
}

void CachingSegmentedStore::flush() {
  flush_cache();
  inner_->flush();
}

void CachingSegmentedStore::close() {
  flush_cache();
  cache_.clear();
  inner_->close();
}

}  // namespace eddy::state
