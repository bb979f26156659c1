// LogThrottle: says when a repeated log line is due, so 50 000 malformed records do not write
// 50 000 WARN lines: the 1st, 2nd, 4th, 8th, ... occurrence, and at least one line a minute
// while they keep coming. The caller counts; the line it writes says how many so far.
//
//   if (throttle_.due(++bad_records_))
//     EDDY_LOG_WARN("skipped a malformed record ({} so far): {}", bad_records_, why);
//
// Thread-safe (one throttle may be shared by the threads of one handler).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace eddy::detail {

class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::minutes(1))
      : interval_ms_(interval.count()) {}

  // True when occurrence number `count` (1-based) should be logged.
  bool due(int64_t count) {
    const int64_t now = now_ms();
    if (count > 0 && (count & (count - 1)) == 0) {
      last_ms_.store(now, std::memory_order_relaxed);
      return true;
    }
    int64_t last = last_ms_.load(std::memory_order_relaxed);
    return now - last >= interval_ms_ &&
           last_ms_.compare_exchange_strong(last, now, std::memory_order_relaxed);
  }

 private:
  static int64_t now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  int64_t interval_ms_;
  std::atomic<int64_t> last_ms_{0};
};

}  // namespace eddy::detail

namespace eddy::detail {

// The single-threaded form: `last_ms` is the caller's (0 before the first line).
inline bool log_due(int64_t count, int64_t& last_ms,
                    std::chrono::milliseconds interval = std::chrono::minutes(1)) {
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  if ((count > 0 && (count & (count - 1)) == 0) || now - last_ms >= interval.count()) {
    last_ms = now;
    return true;
  }
  return false;
}

}  // namespace eddy::detail
