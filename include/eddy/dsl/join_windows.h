// eddy/dsl/join_windows.h — JoinWindows: how far apart in time two records of a stream–stream
// join may be, and how long out-of-order records are waited for (Kafka Streams' rules).
//
//   // a purchase joins every exposure of the same key from 30 minutes before it up to the
//   // same millisecond, and late records are accepted for 1 more minute:
//   auto windows = eddy::JoinWindows::of_time_difference_and_grace(std::chrono::minutes(30),
//                                                                   std::chrono::minutes(1))
//                      .after(std::chrono::milliseconds(0));
//   purchases.join(exposures, joiner, windows);
//
// A record of the left stream at time t joins the right records of its key with timestamps in
// [t - before, t + after]; a right record at t joins the left records in [t - after, t + before]
// (symmetric: the same pairs either way). before and after may each be negative as long as
// before + after >= 0 (e.g. after(-1ms): only strictly earlier right records). The join keeps
// each side's records for before + after + grace of stream time (its window stores' retention).
// Left and outer joins emit a record that found no partner once stream time passes its
// window's end + grace (see docs/dsl.md, "Stream–stream joins").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "eddy/errors.h"

namespace eddy {

class JoinWindows {
 public:
  // Records at most `time_difference` apart join; late records are accepted until stream
  // time passes a window's end + `grace`.
  static JoinWindows of_time_difference_and_grace(std::chrono::milliseconds time_difference,
                                                  std::chrono::milliseconds grace) {
    return JoinWindows(time_difference.count(), time_difference.count(), grace.count());
  }
  // Records at most `time_difference` apart join; no grace for out-of-order records.
  static JoinWindows of_time_difference_with_no_grace(std::chrono::milliseconds time_difference) {
    return of_time_difference_and_grace(time_difference, std::chrono::milliseconds(0));
  }
  // Kafka Streams' spelling of the same.
  static JoinWindows of_time_difference_without_grace(std::chrono::milliseconds time_difference) {
    return of_time_difference_with_no_grace(time_difference);
  }

  // How much earlier than a left record a right record may be (the other bounds kept).
  JoinWindows before(std::chrono::milliseconds time_difference) const {
    return JoinWindows(time_difference.count(), after_ms_, grace_ms_);
  }
  // How much later than a left record a right record may be (the other bounds kept).
  JoinWindows after(std::chrono::milliseconds time_difference) const {
    return JoinWindows(before_ms_, time_difference.count(), grace_ms_);
  }

  int64_t before_ms() const { return before_ms_; }
  int64_t after_ms() const { return after_ms_; }
  int64_t grace_ms() const { return grace_ms_; }
  // before + after: the window size of the join's stores.
  int64_t size_ms() const { return before_ms_ + after_ms_; }
  // size + grace: how long each side's records are kept behind stream time.
  int64_t retention_ms() const { return size_ms() + grace_ms_; }

  bool operator==(const JoinWindows&) const = default;

 private:
  JoinWindows(int64_t before, int64_t after, int64_t grace)
      : before_ms_(before), after_ms_(after), grace_ms_(grace) {
    if (before + after < 0) {
      throw TopologyError("JoinWindows: the window (before + after = " + std::to_string(before) +
                          " + " + std::to_string(after) + " ms) must not be negative");
    }
    if (grace < 0) {
      throw TopologyError("JoinWindows: grace must not be negative (got " + std::to_string(grace) +
                          " ms)");
    }
  }
  int64_t before_ms_;
  int64_t after_ms_;
  int64_t grace_ms_;
};

}  // namespace eddy
