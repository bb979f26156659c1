// Histogram: a fixed-memory, log-linear bucketed histogram of non-negative integers
// (HdrHistogram's layout), for latency and freshness percentiles.
//
// Values below 2^sub_bucket_bits are counted exactly; above, every power-of-two range is
// split into 2^(sub_bucket_bits-1) equal buckets, so a reported percentile is within
// 1 / 2^(sub_bucket_bits-1) of the true value (1.6 % with the default 7 bits). Memory is fixed
// at construction (~2.4 K buckets, 19 KiB, for microseconds up to 2^42 = 51 days); values
// above the maximum are clamped and counted in `clamped()`.
//
//   eddy::metrics::Histogram h;            // 7 significant bits, values up to 2^42
//   h.record(1250);                         // e.g. microseconds
//   int64_t p99 = h.value_at_percentile(99.0);
//
// Not thread-safe: the owner guards it (FreshnessTracker records a batch under one lock).
#pragma once

#include <cstdint>
#include <vector>

namespace eddy::metrics {

class Histogram {
 public:
  // `sub_bucket_bits` in [2, 16]; `max_value_bits` in [sub_bucket_bits, 62]: the largest
  // value kept exactly-bucketed is 2^max_value_bits - 1.
  explicit Histogram(int sub_bucket_bits = 7, int max_value_bits = 42);

  // Counts `value` `count` times. Negative values count as 0; values above max() are clamped.
  void record(int64_t value, uint64_t count = 1);

  // Adds every count of `other`, which must have the same layout.
  void merge(const Histogram& other);
  void reset();

  uint64_t count() const { return total_; }
  uint64_t clamped() const { return clamped_; }
  int64_t min() const { return total_ == 0 ? 0 : min_; }
  int64_t max() const { return total_ == 0 ? 0 : max_; }
  double mean() const {
    return total_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(total_);
  }
  int64_t max_trackable() const { return max_trackable_; }

  // The smallest value v such that at least `percentile` % of the recorded values are <= v,
  // reported as the highest value of v's bucket (never above max()). 0 when empty.
  // `percentile` is clamped to [0, 100]; 100 returns max().
  int64_t value_at_percentile(double percentile) const;

  // How many recorded values are <= `value` (exact at bucket boundaries: values are
  // counted in their bucket, so a bound inside a bucket counts that bucket only when the
  // bound is at or above the bucket's highest value).
  uint64_t count_at_or_below(int64_t value) const;

  // Bucket index of `value` and the [lowest, highest] values a bucket holds (for tests).
  std::size_t bucket_index(int64_t value) const;
  int64_t bucket_lowest(std::size_t index) const;
  int64_t bucket_highest(std::size_t index) const;
  std::size_t bucket_count() const { return counts_.size(); }

 private:
  int sub_bucket_bits_;
  int64_t sub_bucket_count_;  // 2^sub_bucket_bits
  int64_t half_count_;        // 2^(sub_bucket_bits-1)
  int64_t max_trackable_;
  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  uint64_t clamped_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  // Sum for the mean; long double keeps it exact well past 2^53 total microseconds.
  long double sum_ = 0;
};

}  // namespace eddy::metrics
