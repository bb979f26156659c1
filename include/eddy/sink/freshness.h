// eddy/sink/freshness.h — end-to-end freshness of a sink's writes and the SLO an app
// declares for it.
//
// Freshness of one update = the moment the sink acknowledged the write minus the source
// record's event time (and, separately, minus its Kafka append time when known). Every sink
// keeps both as log-linear histograms, over the whole run and over a sliding window, and
// checks the declared objectives over the window.
//
//   eddy::SinkOptions options;
//   options.slo = {.objectives = {{95.0, std::chrono::milliseconds(750)},
//                                 {99.9, std::chrono::seconds(5)}},
//                  .window = std::chrono::seconds(60)};
//   ...
//   eddy::FreshnessReport r = sink.freshness();
//   if (!r.slo_met) alert(r.event_time_window.p99_ms);
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace eddy {

// "percentile % of updates are visible within `max` of their event time".
struct FreshnessObjective {
  double percentile = 95.0;  // in (0, 100], e.g. 95, 99.9
  std::chrono::milliseconds max{750};
};

struct FreshnessSlo {
  // Checked over the window, on event-time freshness. Empty: no SLO (always met).
  std::vector<FreshnessObjective> objectives;
  // Sliding window the objectives (and the *_window summaries) cover, kept as 6 slots of
  // window/6 each, so the window moves in steps of window/6. Default: 60 s.
  std::chrono::milliseconds window{60'000};
};

// Percentiles of one histogram, in milliseconds (microsecond resolution, within 1.6 %).
struct FreshnessSummary {
  uint64_t count = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
  double mean_ms = 0;
};

struct ObjectiveStatus {
  FreshnessObjective objective;
  double observed_ms = 0;  // the percentile over the window
  bool met = true;         // observed <= max, or no data in the window
};

struct FreshnessReport {
  FreshnessSummary event_time_window;   // event time -> acknowledged, last `window`
  FreshnessSummary append_time_window;  // Kafka append time -> acknowledged, last `window`
  FreshnessSummary event_time_total;    // since the sink started
  FreshnessSummary append_time_total;
  std::vector<ObjectiveStatus> objectives;
  bool slo_met = true;  // every objective met (vacuously true with no data or no objectives)
};

}  // namespace eddy
