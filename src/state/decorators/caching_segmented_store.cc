#include "state/decorators/caching_segmented_store.h"

#include <algorithm>
#include <vector>

namespace eddy::state {
namespace {
constexpr int64_t kEntryOverhead =
    176;  // map node + two heap blocks (see caching_key_value_store.cc)
int64_t entry_size(std::string_view key, const std::optional<Bytes>& value) {
  return static_cast<int64_t>(key.size() + (value ? value->size() : 0)) + kEntryOverhead;
}
}  // namespace

CachingSegmentedStore::CachingSegmentedStore(std::unique_ptr<SegmentedBytesStore> inner,
                                             MemoryBudget& budget,
                                             std::function<int64_t()> record_timestamp)
    : inner_(std::move(inner)), budget_(budget), record_timestamp_(std::move(record_timestamp)) {}

CachingSegmentedStore::~CachingSegmentedStore() {
  budget_.add_record_cache_usage(-bytes_);
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

void CachingSegmentedStore::put(std::string_view key, std::optional<std::string_view> value,
                                int64_t timestamp) {
  stream_time_ = std::max(stream_time_, timestamp);
  Entry entry{.value = value ? std::optional<Bytes>(Bytes(*value)) : std::nullopt,
              .timestamp = timestamp,
              .record_timestamp = record_timestamp_ ? record_timestamp_() : timestamp};
  auto it = dirty_.find(key);
  if (it == dirty_.end()) {
    account(entry_size(key, entry.value));
    dirty_.emplace(Bytes(key), std::move(entry));
  } else {
    account(entry_size(key, entry.value) - entry_size(key, it->second.value));
    it->second = std::move(entry);
  }
  evict_if_full();
}

std::optional<Bytes> CachingSegmentedStore::get(std::string_view key, int64_t timestamp) {
  if (auto it = dirty_.find(key); it != dirty_.end()) return it->second.value;
  return inner_->get(key, timestamp);
}

std::vector<KeyValueBytes> CachingSegmentedStore::range(std::string_view from,
                                                        std::optional<std::string_view> to,
                                                        int64_t time_from, int64_t time_to) {
  auto below = inner_->range(from, to, time_from, time_to);
  if (dirty_.empty()) return below;
  std::map<Bytes, Bytes, std::less<>> merged;
  for (auto& kv : below) merged.emplace(std::move(kv.key), std::move(kv.value));
  const Segments& segs = inner_->segments();
  for (auto it = dirty_.lower_bound(from);
       it != dirty_.end() && (!to || std::string_view(it->first) <= *to); ++it) {
    const int64_t id = segs.id(it->second.timestamp);
    if (id < segs.id(time_from) || id > segs.id(time_to)) continue;
    if (it->second.value) {
      merged[it->first] = *it->second.value;
    } else {
      merged.erase(it->first);
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
  std::vector<SegmentedWrite> writes;
  writes.reserve(dirty_.size());
  for (auto& [key, entry] : dirty_) {
    writes.push_back({key, std::move(entry.value), entry.timestamp, entry.record_timestamp});
  }
  dirty_.clear();
  account(-bytes_);
  std::vector<std::optional<Bytes>> old_values;
  if (listener_ && send_old_values_) {
    old_values.reserve(writes.size());
    for (const auto& w : writes) old_values.push_back(inner_->get(w.key, w.timestamp));
  }
  inner_->put_all(writes);
  flushing_ = false;
  if (listener_) {
    for (size_t i = 0; i < writes.size(); ++i) {
      const auto& w = writes[i];
      std::optional<std::string_view> old_value;
      if (!old_values.empty() && old_values[i]) old_value = *old_values[i];
      listener_(w.key, w.value ? std::optional<std::string_view>(*w.value) : std::nullopt,
                old_value, w.record_timestamp);
    }
  }
}

void CachingSegmentedStore::evict_if_full() {
  if (budget_.record_caches_full() && !flushing_) flush_cache();
}

void CachingSegmentedStore::flush() {
  flush_cache();
  inner_->flush();
}

void CachingSegmentedStore::close() {
  flush_cache();
  inner_->close();
}

}  // namespace eddy::state
