// An in-memory segmented store: one ordered map per time segment. For tests and small state.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "state/changelog.h"
#include "state/layered_store.h"
#include "state/segmented_store.h"

namespace eddy::state {

// `segment_time_of` extracts the segment timestamp from a binary key (window start or
// session end); restore needs it because changelog records carry only the key.
using SegmentTimeFn = std::function<int64_t(std::string_view binary_key)>;

class InMemorySegmentedStore final : public SegmentedBytesStore,
                                     public RestoreTarget,
                                     public LayeredStore {
 public:
  InMemorySegmentedStore(std::string name, Segments segments, SegmentTimeFn segment_time_of)
      : name_(std::move(name)), segments_(segments), segment_time_of_(std::move(segment_time_of)) {}

  const std::string& name() const override { return name_; }
  bool persistent() const override { return false; }
  void flush() override {}
  void close() override {}
  StateStore* wrapped() const override { return nullptr; }

  void put(std::string_view key, std::optional<std::string_view> value, int64_t timestamp) override;
  std::optional<Bytes> get(std::string_view key, int64_t timestamp) override;
  std::vector<KeyValueBytes> range(std::string_view from, std::optional<std::string_view> to,
                                   int64_t time_from, int64_t time_to) override;
  int64_t observed_stream_time() const override { return stream_time_; }
  const Segments& segments() const override { return segments_; }

  void restore_batch(std::span<const ChangelogRecord> records) override;
  void wipe_local_state() override {
    segments_by_id_.clear();
    stream_time_ = kNoStreamTime;
  }

  size_t segment_count() const { return segments_by_id_.size(); }

 private:
  void advance_stream_time(int64_t timestamp);

  std::string name_;
  Segments segments_;
  SegmentTimeFn segment_time_of_;
  int64_t stream_time_ = kNoStreamTime;
  std::map<int64_t, std::map<Bytes, Bytes, std::less<>>> segments_by_id_;
};

}  // namespace eddy::state
