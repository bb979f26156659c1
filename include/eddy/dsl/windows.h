// eddy/dsl/windows.h — window definitions for windowed aggregations: TimeWindows (tumbling
// and hopping) and SessionWindows, with Kafka Streams' rules (docs/time-and-windows.md).
//
//   auto tumbling = eddy::TimeWindows::of_size_and_grace(std::chrono::minutes(5),
//                                                         std::chrono::seconds(30));
//   auto hopping = eddy::TimeWindows::of_size_with_no_grace(std::chrono::minutes(5))
//                      .advance_by(std::chrono::minutes(1));
//   auto sessions = eddy::SessionWindows::of_inactivity_gap_and_grace(
//       std::chrono::minutes(30), std::chrono::minutes(1));
//   orders.group_by_key().windowed_by(tumbling).count();
//
// Times are milliseconds since the epoch. A time window [start, end) holds the records with
// start <= timestamp < end; starts are aligned to the epoch (multiples of the advance). A
// time window is closed once the operator's stream time >= end + grace; a session [first,
// last] once its stream time > last + gap + grace. Records for closed windows are dropped.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "eddy/errors.h"

namespace eddy {

class TimeWindows {
 public:
  // Windows of `size`, accepting out-of-order records until stream time passes end + grace.
  static TimeWindows of_size_and_grace(std::chrono::milliseconds size,
                                       std::chrono::milliseconds grace) {
    if (size.count() <= 0) {
      throw TopologyError("TimeWindows: size must be positive (got " +
                          std::to_string(size.count()) + " ms)");
    }
    if (grace.count() < 0) {
      throw TopologyError("TimeWindows: grace must not be negative (got " +
                          std::to_string(grace.count()) + " ms)");
    }
    return TimeWindows(size.count(), size.count(), grace.count());
  }
  // Windows of `size` with no grace: a window closes as soon as stream time reaches its end.
  static TimeWindows of_size_with_no_grace(std::chrono::milliseconds size) {
    return of_size_and_grace(size, std::chrono::milliseconds(0));
  }
  // Hopping windows: a new window every `advance` (0 < advance <= size; = size is tumbling).
  TimeWindows advance_by(std::chrono::milliseconds advance) const {
    if (advance.count() <= 0 || advance.count() > size_ms_) {
      throw TopologyError("TimeWindows: advance must be in (0, size=" + std::to_string(size_ms_) +
                          "] ms (got " + std::to_string(advance.count()) + " ms)");
    }
    return TimeWindows(size_ms_, advance.count(), grace_ms_);
  }

  int64_t size_ms() const { return size_ms_; }
  int64_t advance_ms() const { return advance_ms_; }
  int64_t grace_ms() const { return grace_ms_; }

  // Starts of every window holding `timestamp` (ascending); the first start is never < 0.
  std::vector<int64_t> window_starts_for(int64_t timestamp) const {
    std::vector<int64_t> starts;
    int64_t start = timestamp - size_ms_ + advance_ms_;
    start = start < 0 ? 0 : (start / advance_ms_) * advance_ms_;
    for (; start <= timestamp; start += advance_ms_) starts.push_back(start);
    return starts;
  }

 private:
  TimeWindows(int64_t size, int64_t advance, int64_t grace)
      : size_ms_(size), advance_ms_(advance), grace_ms_(grace) {}
  int64_t size_ms_;
  int64_t advance_ms_;
  int64_t grace_ms_;
};

// Record-driven windows of a fixed time difference (Kafka Streams' KIP-450): two records fall
// in one window when their timestamps are at most `time_difference` apart. Each record
// creates its left window [ts - diff, ts] and, when a later record is within diff, its right
// window [ts + 1, ts + 1 + diff]; both bounds are inclusive. A window is closed once stream
// time > end + grace.
class SlidingWindows {
 public:
  static SlidingWindows of_time_difference_and_grace(std::chrono::milliseconds difference,
                                                     std::chrono::milliseconds grace) {
    if (difference.count() <= 0) {
      throw TopologyError("SlidingWindows: time difference must be positive (got " +
                          std::to_string(difference.count()) + " ms)");
    }
    if (grace.count() < 0) {
      throw TopologyError("SlidingWindows: grace must not be negative (got " +
                          std::to_string(grace.count()) + " ms)");
    }
    return SlidingWindows(difference.count(), grace.count());
  }
  static SlidingWindows of_time_difference_with_no_grace(std::chrono::milliseconds difference) {
    return of_time_difference_and_grace(difference, std::chrono::milliseconds(0));
  }

  int64_t time_difference_ms() const { return difference_ms_; }
  int64_t grace_ms() const { return grace_ms_; }

 private:
  SlidingWindows(int64_t difference, int64_t grace)
      : difference_ms_(difference), grace_ms_(grace) {}
  int64_t difference_ms_;
  int64_t grace_ms_;
};

class SessionWindows {
 public:
  // Sessions of records no more than `gap` apart; a session [first, last] closes once stream
  // time > last + gap + grace.
  static SessionWindows of_inactivity_gap_and_grace(std::chrono::milliseconds gap,
                                                    std::chrono::milliseconds grace) {
    if (gap.count() <= 0) {
      throw TopologyError("SessionWindows: inactivity gap must be positive (got " +
                          std::to_string(gap.count()) + " ms)");
    }
    if (grace.count() < 0) {
      throw TopologyError("SessionWindows: grace must not be negative (got " +
                          std::to_string(grace.count()) + " ms)");
    }
    return SessionWindows(gap.count(), grace.count());
  }
  static SessionWindows of_inactivity_gap_with_no_grace(std::chrono::milliseconds gap) {
    return of_inactivity_gap_and_grace(gap, std::chrono::milliseconds(0));
  }

  int64_t gap_ms() const { return gap_ms_; }
  int64_t grace_ms() const { return grace_ms_; }

 private:
  SessionWindows(int64_t gap, int64_t grace) : gap_ms_(gap), grace_ms_(grace) {}
  int64_t gap_ms_;
  int64_t grace_ms_;
};

}  // namespace eddy
