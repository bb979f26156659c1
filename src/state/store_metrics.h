// Counters a store's metered layer keeps, for the metrics layer to read from any thread.
#pragma once

#include <atomic>
#include <cstdint>

namespace eddy::state {

// Plain relaxed atomics: written by the task thread, read (approximately) by the metrics
// layer. Latency sums are nanoseconds; divide by the matching count for a mean.
struct StoreMetrics {
  std::atomic<uint64_t> puts{0};
  std::atomic<uint64_t> gets{0};
  std::atomic<uint64_t> deletes{0};
  std::atomic<uint64_t> range_scans{0};
  std::atomic<uint64_t> flushes{0};
  std::atomic<uint64_t> put_latency_ns{0};
  std::atomic<uint64_t> get_latency_ns{0};
  std::atomic<uint64_t> delete_latency_ns{0};
  std::atomic<uint64_t> range_latency_ns{0};
  std::atomic<uint64_t> flush_latency_ns{0};
  std::atomic<uint64_t> restored_records{0};
  // TTL expiries, and window-store puts older than the retention (never read back)
  std::atomic<uint64_t> expired_records{0};
  // Record cache reads (caching stores only): answered by the cache, or passed to the store.
  std::atomic<uint64_t> cache_hits{0};
  std::atomic<uint64_t> cache_misses{0};
};

}  // namespace eddy::state
