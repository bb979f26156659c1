// The byte layer under window and session stores: binary keys (key_schema.h) spread over
// time segments, so retention drops whole segments instead of deleting key by key.
//
// A segment covers [id * interval, (id + 1) * interval) of the entry's timestamp (window
// start, or session end). Both implementations (memory/, rocksdb/) and the decorators
// (caching, change-logging) implement this interface; the window and session facades
// (segmented_window_store.h, segmented_session_store.h) turn it into the public interfaces.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/state/state_store.h"
#include "state/store_write.h"

namespace eddy::state {

inline constexpr int64_t kNoStreamTime = -1;

// How a store's entries are mostly read, so the store below can index for it: window stores
// read one window at a time (a point read, which misses for every new window), session stores
// scan a key's sessions.
enum class ReadPattern { kPointReads, kRangeScans };

// Segment arithmetic shared by every implementation, so memory and RocksDB expire alike
// (the rules of Kafka Streams' AbstractSegments).
struct Segments {
  int64_t retention_ms = 0;
  int64_t interval_ms = 60'000;

  // Kafka Streams' default: max(retention / 2, 60 s).
  static int64_t default_interval(int64_t retention_ms) {
    return std::max<int64_t>(retention_ms / 2, 60'000);
  }
  int64_t id(int64_t timestamp) const { return std::max<int64_t>(timestamp, 0) / interval_ms; }
  // Segments below this id are dropped at `stream_time`; puts into them are ignored.
  int64_t min_live_segment(int64_t stream_time) const {
    if (stream_time == kNoStreamTime) return 0;
    return id(stream_time - retention_ms);
  }
  // Entries older than this are no longer visible to reads.
  int64_t min_live_timestamp(int64_t stream_time) const {
    if (stream_time == kNoStreamTime) return 0;
    return stream_time - retention_ms + 1;
  }
};

struct KeyValueBytes {
  Bytes key;
  Bytes value;
  auto operator<=>(const KeyValueBytes&) const = default;
};

class SegmentedBytesStore : public StateStore {
 public:
  // `timestamp` selects the segment and advances the observed stream time; a put into a
  // segment that is already dropped is ignored (the record is expired).
  virtual void put(std::string_view key, std::optional<std::string_view> value,
                   int64_t timestamp) = 0;
  // `timestamp` of each write selects its segment.
  virtual void put_all(std::span<const StoreWrite> writes) {
    for (const auto& w : writes) {
      put(w.key, w.value ? std::optional<std::string_view>(*w.value) : std::nullopt, w.timestamp);
    }
  }
  virtual std::optional<Bytes> get(std::string_view key, int64_t timestamp) = 0;
  // Entries with from <= key <= to (nullopt: no upper bound) in the live segments covering
  // [time_from, time_to], ascending by key within each segment, segments ascending. Callers filter
  // the exact key and time bounds (a segment holds more than the range asks for).
  virtual std::vector<KeyValueBytes> range(std::string_view from,
                                           std::optional<std::string_view> to, int64_t time_from,
                                           int64_t time_to) = 0;
  // The largest timestamp put (or restored) so far; kNoStreamTime before any.
  virtual int64_t observed_stream_time() const = 0;
  virtual const Segments& segments() const = 0;
};

}  // namespace eddy::state
