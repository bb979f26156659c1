// The metered layers: the outermost layer of every store, counting operations and summing
// their latency into a StoreMetrics the metrics layer reads. One guard (guarded_stores.h)
// for every store kind.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "state/decorators/guarded_stores.h"
#include "state/store_metrics.h"

namespace eddy::state {
namespace detail {

// Adds the elapsed time to `sum` and `n` to `count` when it goes out of scope.
class ScopedTimer {
 public:
  ScopedTimer(std::atomic<uint64_t>& count, std::atomic<uint64_t>& sum, uint64_t n = 1)
      : count_(count), sum_(sum), n_(n), start_(std::chrono::steady_clock::now()) {}
  ~ScopedTimer() {
    const auto elapsed = std::chrono::steady_clock::now() - start_;
    count_.fetch_add(n_, std::memory_order_relaxed);
    sum_.fetch_add(static_cast<uint64_t>(
                       std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count()),
                   std::memory_order_relaxed);
  }
  ScopedTimer(const ScopedTimer&) = delete;
  ScopedTimer& operator=(const ScopedTimer&) = delete;

 private:
  std::atomic<uint64_t>& count_;
  std::atomic<uint64_t>& sum_;
  uint64_t n_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace detail

// Counts every call but close and the entry count into the counter of its kind, and with
// time_calls(true) (recording level DEBUG) sums its latency too.
class Metering {
 public:
  StoreMetrics& metrics() { return metrics_; }
  void time_calls(bool on) { timed_ = on; }

  template <typename Call>
  decltype(auto) around(StoreOp op, Call&& call, uint64_t n = 1) {
    if (op == StoreOp::kClose || op == StoreOp::kCount) return call();
    auto [count, sum] = counters(op);
    if (!timed_) {
      count.fetch_add(n, std::memory_order_relaxed);
      return call();
    }
    detail::ScopedTimer timer(count, sum, n);
    return call();
  }

 private:
  std::pair<std::atomic<uint64_t>&, std::atomic<uint64_t>&> counters(StoreOp op) {
    switch (op) {
      case StoreOp::kGet:
        return {metrics_.gets, metrics_.get_latency_ns};
      case StoreOp::kPut:
        return {metrics_.puts, metrics_.put_latency_ns};
      case StoreOp::kDelete:
        return {metrics_.deletes, metrics_.delete_latency_ns};
      case StoreOp::kRange:
        return {metrics_.range_scans, metrics_.range_latency_ns};
      default:
        return {metrics_.flushes, metrics_.flush_latency_ns};
    }
  }

  StoreMetrics metrics_;
  bool timed_ = false;
};

using MeteredKeyValueStore = GuardedKeyValueStore<Metering>;
using MeteredWindowStore = GuardedWindowStore<Metering>;
using MeteredSessionStore = GuardedSessionStore<Metering>;

}  // namespace eddy::state
