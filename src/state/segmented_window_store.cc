#include "state/segmented_window_store.h"

#include <algorithm>
#include <tuple>

#include "state/key_schema.h"

namespace eddy::state {
namespace {

struct WindowEntry {
  Bytes binary_key;  // key + start + seqnum
  Bytes value;
};

// Iterates a materialized, sorted result: writes during iteration cannot invalidate it.
class MaterializedWindowIterator final : public WindowIterator {
 public:
  explicit MaterializedWindowIterator(std::vector<WindowEntry> entries)
      : entries_(std::move(entries)) {}
  bool valid() const override { return index_ < entries_.size(); }
  void next() override { ++index_; }
  std::string_view key() const override {
    return WindowKeySchema::key(entries_[index_].binary_key);
  }
  int64_t window_start() const override {
    return WindowKeySchema::window_start(entries_[index_].binary_key);
  }
  std::string_view value() const override { return entries_[index_].value; }

 private:
  std::vector<WindowEntry> entries_;
  size_t index_ = 0;
};

}  // namespace

int64_t SegmentedWindowStore::stream_time() const {
  return std::max(put_stream_time_, inner_->observed_stream_time());
}

// Continues after the highest sequence number the store holds (restored from its changelog,
// or left on disk): starting again from 0 would overwrite a kept duplicate that has the same
// key, window start and number. One scan of the live segments, on the first put.
void SegmentedWindowStore::seed_seqnum() {
  seqnum_seeded_ = true;
  const int64_t now = stream_time();
  if (now == kNoStreamTime) return;
  const Segments& segments = inner_->segments();
  for (int64_t id = segments.min_live_segment(now); id <= segments.id(now); ++id) {
    const int64_t from = id * segments.interval_ms;
    for (const auto& kv : inner_->range({}, std::nullopt, from, from + segments.interval_ms - 1)) {
      if (WindowKeySchema::valid(kv.key)) {
        seqnum_ = std::max(seqnum_, WindowKeySchema::seqnum(kv.key));
      }
    }
  }
}

void SegmentedWindowStore::put(std::string_view key, std::optional<std::string_view> value,
                               int64_t window_start) {
  // A store that retains duplicates (stream-stream joins) keeps every put under a new
  // sequence number and has nothing to delete, except for an erasure: every duplicate of
  // the window goes.
  if (retain_duplicates_ && !value) {
    if (!erasing_) return;
    for (const auto& kv :
         inner_->range(WindowKeySchema::lower(key, window_start),
                       WindowKeySchema::upper(key, window_start), window_start, window_start)) {
      if (WindowKeySchema::valid(kv.key) && WindowKeySchema::key(kv.key) == key &&
          WindowKeySchema::window_start(kv.key) == window_start) {
        inner_->put(kv.key, std::nullopt, window_start);
      }
    }
    return;
  }
  if (retain_duplicates_ && !seqnum_seeded_) seed_seqnum();
  const uint32_t seqnum = retain_duplicates_ ? ++seqnum_ : 0;
  put_stream_time_ = std::max(put_stream_time_, window_start);
  if (window_start < min_visible_start()) {
    if (metrics_ != nullptr && value) {
      metrics_->expired_records.fetch_add(1, std::memory_order_relaxed);
    }
    const Segments& segments = inner_->segments();
    if (dropped_ &&
        (!persistent() || segments.id(window_start) < segments.min_live_segment(stream_time()))) {
      dropped_(name());
    }
  }
  inner_->put(WindowKeySchema::encode(key, window_start, seqnum), value, window_start);
}

std::optional<Bytes> SegmentedWindowStore::fetch(std::string_view key, int64_t window_start) {
  if (window_start < min_visible_start()) return std::nullopt;
  return inner_->get(WindowKeySchema::encode(key, window_start, 0), window_start);
}

int64_t SegmentedWindowStore::min_visible_start() const {
  if (erasing_) return 0;
  const int64_t bound = inner_->segments().min_live_timestamp(stream_time());
  return time_ordered_reads_ && stream_time() != kNoStreamTime ? bound - 1 : bound;
}

std::unique_ptr<WindowIterator> SegmentedWindowStore::fetch(std::string_view key, int64_t time_from,
                                                            int64_t time_to) {
  return scan(key, key, time_from, time_to);
}

std::unique_ptr<WindowIterator> SegmentedWindowStore::fetch_range(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) {
  return scan(key_from, key_to, time_from, time_to);
}

std::unique_ptr<WindowIterator> SegmentedWindowStore::fetch_all(int64_t time_from,
                                                                int64_t time_to) {
  return scan(std::nullopt, std::nullopt, time_from, time_to);
}

std::unique_ptr<WindowIterator> SegmentedWindowStore::scan(std::optional<std::string_view> key_from,
                                                           std::optional<std::string_view> key_to,
                                                           int64_t time_from, int64_t time_to) {
  time_from = std::max({time_from, int64_t{0}, min_visible_start()});
  std::vector<WindowEntry> entries;
  if (time_from > time_to) return std::make_unique<MaterializedWindowIterator>(std::move(entries));

  // One key: seek straight to its windows in the time range. A key range: scan from the
  // lowest key to the highest key's last window and filter (longer keys that share a
  // prefix interleave in byte order, as in Kafka Streams).
  const bool single_key = key_from && key_to && *key_from == *key_to;
  const Bytes lower = single_key ? WindowKeySchema::lower(*key_from, time_from)
                                 : Bytes(key_from.value_or(std::string_view()));
  const Bytes upper = single_key ? WindowKeySchema::upper(*key_to, time_to)
                      : key_to   ? max_suffixed(*key_to, WindowKeySchema::kSuffixSize)
                                 : Bytes();
  const auto upper_bound = key_to ? std::optional<std::string_view>(upper) : std::nullopt;
  for (auto& kv : inner_->range(lower, upper_bound, time_from, time_to)) {
    if (!WindowKeySchema::valid(kv.key)) continue;
    const auto key = WindowKeySchema::key(kv.key);
    const int64_t start = WindowKeySchema::window_start(kv.key);
    if (start < time_from || start > time_to) continue;
    if (key_from && key < *key_from) continue;
    if (key_to && key > *key_to) continue;
    entries.push_back({std::move(kv.key), std::move(kv.value)});
  }
  std::sort(entries.begin(), entries.end(), [](const WindowEntry& a, const WindowEntry& b) {
    return std::make_tuple(WindowKeySchema::key(a.binary_key),
                           WindowKeySchema::window_start(a.binary_key),
                           WindowKeySchema::seqnum(a.binary_key)) <
           std::make_tuple(WindowKeySchema::key(b.binary_key),
                           WindowKeySchema::window_start(b.binary_key),
                           WindowKeySchema::seqnum(b.binary_key));
  });
  return std::make_unique<MaterializedWindowIterator>(std::move(entries));
}

}  // namespace eddy::state
