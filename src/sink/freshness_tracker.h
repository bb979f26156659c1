// FreshnessTracker: a sink's freshness histograms (event time and append time -> ack),
// over the whole run and over a sliding window of 6 slots, and the SLO check.
//
//   FreshnessTracker t(options.slo);
//   t.record_batch(ack_time, batch, outcomes);   // one lock per batch
//   FreshnessReport r = t.report(clock.wall_now());
//
// Thread-safe (one mutex; recording is once per batch, reports are rare).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>

#include "eddy/sink/feature_sink.h"
#include "eddy/sink/freshness.h"
#include "metrics/histogram.h"

namespace eddy::detail {

class FreshnessTracker {
 public:
  static constexpr int kSlots = 6;

  explicit FreshnessTracker(FreshnessSlo slo);

  // Records the applied updates of a batch acknowledged at `ack`.
  void record_batch(std::chrono::system_clock::time_point ack, std::span<const FeatureUpdate> batch,
                    std::span<const WriteOutcome> outcomes);
  // One update's freshness in microseconds from its event time (and append time, if >= 0).
  void record(std::chrono::system_clock::time_point ack, int64_t event_time_ms,
              int64_t append_time_ms);

  FreshnessReport report(std::chrono::system_clock::time_point now) const;

 private:
  struct Slot {
    int64_t index = -1;  // ack_ms / slot_ms of the values it holds
    metrics::Histogram event;
    metrics::Histogram append;
  };
  void record_locked(int64_t ack_us, int64_t event_time_ms, int64_t append_time_ms);
  Slot& slot_for(int64_t ack_ms);

  FreshnessSlo slo_;
  int64_t slot_ms_;
  mutable std::mutex mutex_;
  std::array<Slot, kSlots> slots_;
  metrics::Histogram event_total_;
  metrics::Histogram append_total_;
};

// Summary of a histogram of microseconds, in milliseconds.
FreshnessSummary summarize_us(const metrics::Histogram& h);

}  // namespace eddy::detail
