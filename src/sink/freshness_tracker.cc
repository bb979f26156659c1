#include "sink/freshness_tracker.h"

#include <algorithm>
#include <utility>

namespace eddy::detail {

namespace {

int64_t to_us(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

double ms(int64_t us) {
  return static_cast<double>(us) / 1000.0;
}

}  // namespace

FreshnessSummary summarize_us(const metrics::Histogram& h) {
  FreshnessSummary s;
  s.count = h.count();
  if (s.count == 0) return s;
  s.p50_ms = ms(h.value_at_percentile(50.0));
  s.p95_ms = ms(h.value_at_percentile(95.0));
  s.p99_ms = ms(h.value_at_percentile(99.0));
  s.p999_ms = ms(h.value_at_percentile(99.9));
  s.max_ms = ms(h.max());
  s.mean_ms = h.mean() / 1000.0;
  return s;
}

FreshnessTracker::FreshnessTracker(FreshnessSlo slo)
    : slo_(std::move(slo)), slot_ms_(std::max<int64_t>(1, slo_.window.count() / kSlots)) {}

FreshnessTracker::Slot& FreshnessTracker::slot_for(int64_t ack_ms) {
  const int64_t index = ack_ms / slot_ms_;
  Slot& slot = slots_[static_cast<std::size_t>(index % kSlots)];
  if (slot.index != index) {
    slot.index = index;
    slot.event.reset();
    slot.append.reset();
  }
  return slot;
}

void FreshnessTracker::record_locked(int64_t ack_us, int64_t event_time_ms,
                                     int64_t append_time_ms) {
  Slot& slot = slot_for(ack_us / 1000);
  // A clock behind the event time gives a negative freshness; the histogram counts it as 0.
  const int64_t event_us = ack_us - event_time_ms * 1000;
  slot.event.record(event_us);
  event_total_.record(event_us);
  if (append_time_ms >= 0) {
    const int64_t append_us = ack_us - append_time_ms * 1000;
    slot.append.record(append_us);
    append_total_.record(append_us);
  }
}

void FreshnessTracker::record(std::chrono::system_clock::time_point ack, int64_t event_time_ms,
                              int64_t append_time_ms) {
  std::lock_guard lock(mutex_);
  record_locked(to_us(ack), event_time_ms, append_time_ms);
}

void FreshnessTracker::record_batch(std::chrono::system_clock::time_point ack,
                                    std::span<const FeatureUpdate> batch,
                                    std::span<const WriteOutcome> outcomes) {
  const int64_t ack_us = to_us(ack);
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (outcomes[i] != WriteOutcome::kApplied) continue;
    record_locked(ack_us, batch[i].event_time_ms, batch[i].append_time_ms);
  }
}

FreshnessReport FreshnessTracker::report(std::chrono::system_clock::time_point now) const {
  FreshnessReport r;
  metrics::Histogram event_window;
  metrics::Histogram append_window;
  {
    std::lock_guard lock(mutex_);
    const int64_t current = to_us(now) / 1000 / slot_ms_;
    for (const Slot& slot : slots_) {
      if (slot.index >= 0 && slot.index > current - kSlots && slot.index <= current) {
        event_window.merge(slot.event);
        append_window.merge(slot.append);
      }
    }
    r.event_time_total = summarize_us(event_total_);
    r.append_time_total = summarize_us(append_total_);
  }
  r.event_time_window = summarize_us(event_window);
  r.append_time_window = summarize_us(append_window);
  for (const FreshnessObjective& objective : slo_.objectives) {
    ObjectiveStatus status{objective, 0.0, true};
    if (event_window.count() > 0) {
      status.observed_ms = ms(event_window.value_at_percentile(objective.percentile));
      status.met = status.observed_ms <= static_cast<double>(objective.max.count());
    }
    r.slo_met = r.slo_met && status.met;
    r.objectives.push_back(status);
  }
  return r;
}

}  // namespace eddy::detail
