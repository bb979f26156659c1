#include "state/memory/in_memory_segmented_store.h"

namespace eddy::state {

void InMemorySegmentedStore::advance_stream_time(int64_t timestamp) {
  if (timestamp <= stream_time_) return;
  stream_time_ = timestamp;
  // Retention drops whole segments: everything below the oldest live one goes at once.
  const int64_t min_live = segments_.min_live_segment(stream_time_);
  segments_by_id_.erase(segments_by_id_.begin(), segments_by_id_.lower_bound(min_live));
}

void InMemorySegmentedStore::put(std::string_view key, std::optional<std::string_view> value,
                                 int64_t timestamp) {
  advance_stream_time(timestamp);
  const int64_t id = segments_.id(timestamp);
  if (id < segments_.min_live_segment(stream_time_)) return;  // expired record
  if (!value) {
    auto segment = segments_by_id_.find(id);
    if (segment == segments_by_id_.end()) return;
    if (auto it = segment->second.find(key); it != segment->second.end()) segment->second.erase(it);
    return;
  }
  auto& segment = segments_by_id_[id];
  auto it = segment.find(key);
  if (it == segment.end()) {
    segment.emplace(Bytes(key), Bytes(*value));
  } else {
    it->second.assign(value->data(), value->size());
  }
}

std::optional<Bytes> InMemorySegmentedStore::get(std::string_view key, int64_t timestamp) {
  auto segment = segments_by_id_.find(segments_.id(timestamp));
  if (segment == segments_by_id_.end()) return std::nullopt;
  auto it = segment->second.find(key);
  if (it == segment->second.end()) return std::nullopt;
  return it->second;
}

std::vector<KeyValueBytes> InMemorySegmentedStore::range(std::string_view from,
                                                         std::optional<std::string_view> to,
                                                         int64_t time_from, int64_t time_to) {
  std::vector<KeyValueBytes> out;
  if (time_from > time_to) return out;
  auto segment = segments_by_id_.lower_bound(segments_.id(time_from));
  const int64_t last = segments_.id(time_to);
  for (; segment != segments_by_id_.end() && segment->first <= last; ++segment) {
    for (auto it = segment->second.lower_bound(from);
         it != segment->second.end() && (!to || std::string_view(it->first) <= *to); ++it) {
      out.push_back({it->first, it->second});
    }
  }
  return out;
}

void InMemorySegmentedStore::restore_batch(std::span<const ChangelogRecord> records) {
  for (const auto& record : records) put(record.key, record.value, segment_time_of_(record.key));
}

}  // namespace eddy::state
