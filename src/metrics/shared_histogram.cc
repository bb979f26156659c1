#include "metrics/shared_histogram.h"

#include <cmath>

namespace eddy::metrics {

SharedHistogram::SharedHistogram(double unit_seconds) : unit_seconds_(unit_seconds) {}

void SharedHistogram::record(int64_t value, uint64_t count) {
  std::lock_guard lock(mutex_);
  histogram_.record(value, count);
}

void SharedHistogram::merge_and_reset(Histogram& local) {
  if (local.count() == 0) return;
  {
    std::lock_guard lock(mutex_);
    histogram_.merge(local);
  }
  local.reset();
}

HistogramSnapshot SharedHistogram::snapshot() const {
  HistogramSnapshot out;
  std::lock_guard lock(mutex_);
  for (double bound : default_bounds_seconds()) {
    // A bucket counts below a bound when all its values are: the bound in recorded units,
    // rounded down, is the largest value that fits.
    const auto units = static_cast<int64_t>(std::floor(bound / unit_seconds_ + 1e-9));
    out.cumulative_buckets.emplace_back(bound, histogram_.count_at_or_below(units));
  }
  out.count = histogram_.count();
  out.sum = histogram_.mean() * static_cast<double>(histogram_.count()) * unit_seconds_;
  return out;
}

double SharedHistogram::percentile_seconds(double percentile) const {
  std::lock_guard lock(mutex_);
  return static_cast<double>(histogram_.value_at_percentile(percentile)) * unit_seconds_;
}

uint64_t SharedHistogram::count() const {
  std::lock_guard lock(mutex_);
  return histogram_.count();
}

const std::vector<double>& SharedHistogram::default_bounds_seconds() {
  static const std::vector<double> bounds = {
      1e-6, 2.5e-6, 5e-6, 1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3,
      0.01, 0.025,  0.05, 0.1,  0.25,   0.5,  1.0,  2.5,    5.0,  10.0, 30.0,   60.0};
  return bounds;
}

}  // namespace eddy::metrics
