#include "state/segmented_session_store.h"

#include <algorithm>
#include <limits>
#include <tuple>

#include "state/key_schema.h"

namespace eddy::state {
namespace {

struct SessionEntry {
  Bytes binary_key;  // key + end + start
  Bytes value;
};

class MaterializedSessionIterator final : public SessionIterator {
 public:
  explicit MaterializedSessionIterator(std::vector<SessionEntry> entries)
      : entries_(std::move(entries)) {}
  bool valid() const override { return index_ < entries_.size(); }
  void next() override { ++index_; }
  std::string_view key() const override {
    return SessionKeySchema::key(entries_[index_].binary_key);
  }
  SessionWindow window() const override {
    return SessionKeySchema::window(entries_[index_].binary_key);
  }
  std::string_view value() const override { return entries_[index_].value; }

 private:
  std::vector<SessionEntry> entries_;
  size_t index_ = 0;
};

}  // namespace

int64_t SegmentedSessionStore::stream_time() const {
  return std::max(put_stream_time_, inner_->observed_stream_time());
}

void SegmentedSessionStore::put(std::string_view key, SessionWindow window,
                                std::optional<std::string_view> value) {
  put_stream_time_ = std::max(put_stream_time_, window.end);
  inner_->put(SessionKeySchema::encode(key, window), value, window.end);
}

std::optional<Bytes> SegmentedSessionStore::fetch_session(std::string_view key,
                                                          SessionWindow window) {
  if (window.end < inner_->segments().min_live_timestamp(stream_time())) return std::nullopt;
  return inner_->get(SessionKeySchema::encode(key, window), window.end);
}

std::unique_ptr<SessionIterator> SegmentedSessionStore::find_sessions(
    std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) {
  const int64_t min_end =
      std::max({earliest_session_end, int64_t{0},
                erasing_ ? int64_t{0} : inner_->segments().min_live_timestamp(stream_time())});
  std::vector<SessionEntry> entries;
  const Bytes lower = SessionKeySchema::encode(key, {.start = 0, .end = min_end});
  const Bytes upper = max_suffixed(key, SessionKeySchema::kSuffixSize);
  for (auto& kv : inner_->range(lower, std::string_view(upper), min_end,
                                std::numeric_limits<int64_t>::max())) {
    if (!SessionKeySchema::valid(kv.key) || SessionKeySchema::key(kv.key) != key) continue;
    const SessionWindow window = SessionKeySchema::window(kv.key);
    if (window.end < min_end || window.start > latest_session_start) continue;
    entries.push_back({std::move(kv.key), std::move(kv.value)});
  }
  std::sort(entries.begin(), entries.end(), [](const SessionEntry& a, const SessionEntry& b) {
    const auto wa = SessionKeySchema::window(a.binary_key);
    const auto wb = SessionKeySchema::window(b.binary_key);
    return std::tie(wa.end, wa.start) < std::tie(wb.end, wb.start);
  });
  return std::make_unique<MaterializedSessionIterator>(std::move(entries));
}

std::unique_ptr<SessionIterator> SegmentedSessionStore::fetch(std::string_view key) {
  return find_sessions(key, 0, std::numeric_limits<int64_t>::max());
}

std::unique_ptr<SessionIterator> SegmentedSessionStore::fetch_all(int64_t earliest_session_end,
                                                                  int64_t latest_session_end) {
  const int64_t min_end = std::max<int64_t>(earliest_session_end, 0);
  std::vector<SessionEntry> entries;
  // The layout is key first, so sessions of every key ending in the range are spread over the
  // segments that cover it: scan those whole and keep the ends asked for.
  for (auto& kv : inner_->range(std::string_view(), std::nullopt, min_end, latest_session_end)) {
    if (!SessionKeySchema::valid(kv.key)) continue;
    const SessionWindow window = SessionKeySchema::window(kv.key);
    if (window.end < min_end || window.end > latest_session_end) continue;
    entries.push_back({std::move(kv.key), std::move(kv.value)});
  }
  std::sort(entries.begin(), entries.end(), [](const SessionEntry& a, const SessionEntry& b) {
    const auto wa = SessionKeySchema::window(a.binary_key);
    const auto wb = SessionKeySchema::window(b.binary_key);
    return std::forward_as_tuple(wa.end, wa.start, SessionKeySchema::key(a.binary_key)) <
           std::forward_as_tuple(wb.end, wb.start, SessionKeySchema::key(b.binary_key));
  });
  return std::make_unique<MaterializedSessionIterator>(std::move(entries));
}

}  // namespace eddy::state
