#include "metrics/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string>

namespace eddy::metrics {

Histogram::Histogram(int sub_bucket_bits, int max_value_bits)
    : sub_bucket_bits_(sub_bucket_bits),
      sub_bucket_count_(int64_t{1} << sub_bucket_bits),
      half_count_(int64_t{1} << (sub_bucket_bits - 1)) {
  if (sub_bucket_bits < 2 || sub_bucket_bits > 16 || max_value_bits < sub_bucket_bits ||
      max_value_bits > 62) {
    throw std::invalid_argument("Histogram: sub_bucket_bits " + std::to_string(sub_bucket_bits) +
                                " / max_value_bits " + std::to_string(max_value_bits) +
                                " out of range (2..16, sub_bucket_bits..62)");
  }
  max_trackable_ = (int64_t{1} << max_value_bits) - 1;
  counts_.assign(bucket_index(max_trackable_) + 1, 0);
}

std::size_t Histogram::bucket_index(int64_t value) const {
  if (value < sub_bucket_count_) return static_cast<std::size_t>(std::max<int64_t>(value, 0));
  const int msb = 63 - std::countl_zero(static_cast<uint64_t>(value));
  const int shift = msb - (sub_bucket_bits_ - 1);  // value >> shift is in [half, 2*half)
  return static_cast<std::size_t>((shift + 1) * half_count_ + ((value >> shift) - half_count_));
}

int64_t Histogram::bucket_lowest(std::size_t index) const {
  const auto i = static_cast<int64_t>(index);
  if (i < sub_bucket_count_) return i;
  const int64_t shift = i / half_count_ - 1;
  const int64_t sub = i % half_count_ + half_count_;
  return sub << shift;
}

int64_t Histogram::bucket_highest(std::size_t index) const {
  const auto i = static_cast<int64_t>(index);
  if (i < sub_bucket_count_) return i;
  const int64_t shift = i / half_count_ - 1;
  return bucket_lowest(index) + (int64_t{1} << shift) - 1;
}

void Histogram::record(int64_t value, uint64_t count) {
  if (count == 0) return;
  if (value < 0) value = 0;
  if (value > max_trackable_) {
    value = max_trackable_;
    clamped_ += count;
  }
  counts_[bucket_index(value)] += count;
  if (total_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  total_ += count;
  sum_ += static_cast<long double>(value) * count;
}

void Histogram::merge(const Histogram& other) {
  if (other.counts_.size() != counts_.size() || other.sub_bucket_bits_ != sub_bucket_bits_) {
    throw std::invalid_argument("Histogram::merge: different bucket layouts");
  }
  if (other.total_ == 0) return;
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  if (total_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  total_ += other.total_;
  clamped_ += other.clamped_;
  sum_ += other.sum_;
}

void Histogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = clamped_ = 0;
  min_ = max_ = 0;
  sum_ = 0;
}

uint64_t Histogram::count_at_or_below(int64_t value) const {
  if (value < 0 || total_ == 0) return 0;
  if (value >= max_trackable_) return total_;
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size() && bucket_highest(i) <= value; ++i) seen += counts_[i];
  return seen;
}

int64_t Histogram::value_at_percentile(double percentile) const {
  if (total_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  // Rank of the value wanted, 1-based: ceil(p% of total), at least 1. The epsilon keeps
  // 99.9 % of 1000 at rank 999 despite 99.9 / 100 * 1000 = 999.0000000000001.
  auto rank =
      static_cast<uint64_t>(std::ceil(percentile / 100.0 * static_cast<double>(total_) - 1e-6));
  rank = std::clamp<uint64_t>(rank, 1, total_);
  uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::clamp(bucket_highest(i), min_, max_);
  }
  return max_;
}

}  // namespace eddy::metrics
