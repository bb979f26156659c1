// SharedHistogram: a Histogram one thread records into and a scraping thread reads, exposed
// in seconds with fixed Prometheus bucket bounds.
//
//   SharedHistogram commit_latency(SharedHistogram::kMicros);   // values recorded in µs
//   commit_latency.record(1830);                                 // commit thread
//   registry.histogram_fn("eddy_commit_latency_seconds", "...", labels,
//                         [&] { return commit_latency.snapshot(); });   // scrape thread
//
// One short mutex hold per record() or merge(): record per batch or per commit, never per
// record; per-record values go into a thread-owned Histogram that is merge()d periodically.
#pragma once

#include <mutex>
#include <vector>

#include "metrics/histogram.h"
#include "metrics/registry.h"

namespace eddy::metrics {

class SharedHistogram {
 public:
  // The unit recorded values are in, as a fraction of a second.
  static constexpr double kNanos = 1e-9;
  static constexpr double kMicros = 1e-6;
  static constexpr double kMillis = 1e-3;

  explicit SharedHistogram(double unit_seconds);

  void record(int64_t value, uint64_t count = 1);
  // Adds `local`'s counts, then resets it (the owner's per-record histogram).
  void merge_and_reset(Histogram& local);

  // Cumulative counts at the bounds (seconds), sum in seconds.
  HistogramSnapshot snapshot() const;
  // The percentile in seconds (0 when empty).
  double percentile_seconds(double percentile) const;
  uint64_t count() const;

  // 1 µs .. 60 s, roughly 1-2.5-5 per decade: fine enough for latency SLOs.
  static const std::vector<double>& default_bounds_seconds();

 private:
  double unit_seconds_;
  mutable std::mutex mutex_;
  Histogram histogram_;
};

}  // namespace eddy::metrics
