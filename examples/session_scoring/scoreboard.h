// SessionScoreboard: what eddy-session-scoring closed, for its progress line and summary (the
// top-scored sessions), and the freshness lines every app's summary prints. Fed on the stream
// thread, read on the main thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

#include "eddy/sink/feature_sink.h"
#include "session_scoring/session_scoring_topology.h"

namespace eddy::examples {

class SessionScoreboard {
 public:
  explicit SessionScoreboard(std::size_t top_n) : top_n_(top_n) {}

  void record(const std::string& customer, const ClosedSession& session) {
    std::lock_guard lock(mutex_);
    ++closed_;
    top_.push_back({customer, session});
    // Highest score first; among equal scores, more revenue, then longer sessions.
    std::sort(top_.begin(), top_.end(), [](const Entry& a, const Entry& b) {
      const double sa = a.session.features.score(), sb = b.session.features.score();
      if (sa != sb) return sa > sb;
      if (a.session.features.revenue != b.session.features.revenue)
        return a.session.features.revenue > b.session.features.revenue;
      return a.session.window_end - a.session.window_start >
             b.session.window_end - b.session.window_start;
    });
    if (top_.size() > top_n_) top_.pop_back();
  }

  int64_t closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  void print_top(std::FILE* out) const {
    std::lock_guard lock(mutex_);
    std::fprintf(out, "  top %zu sessions by score\n", top_.size());
    std::fprintf(out, "    %-16s %6s %5s %4s %7s %9s %9s %9s %8s\n", "customer", "score", "views",
                 "adds", "removes", "checkouts", "purchases", "revenue", "length");
    for (const auto& [customer, s] : top_) {
      const auto& f = s.features;
      std::fprintf(out, "    %-16s %6.4f %5lld %4lld %7lld %9lld %9lld %9.2f %7.1fs\n",
                   customer.c_str(), f.score(), static_cast<long long>(f.views),
                   static_cast<long long>(f.adds), static_cast<long long>(f.removes),
                   static_cast<long long>(f.checkouts), static_cast<long long>(f.purchases),
                   f.revenue, static_cast<double>(s.window_end - s.window_start) / 1000.0);
    }
  }

 private:
  struct Entry {
    std::string customer;
    ClosedSession session;
  };
  const std::size_t top_n_;
  mutable std::mutex mutex_;
  int64_t closed_ = 0;
  std::vector<Entry> top_;
};

// Two lines about a sink's writes since it started: freshness, from the moment the producer
// produced the source record (its LogAppendTime, or the produced_at_ms header eddy-loadgen
// writes) until the sink's store acknowledged the write; and, apart, the event-time lag (from
// the record's event time, which the load generator may shift into the past on purpose, and
// which late events are far behind).
inline void print_freshness(std::FILE* out, const char* what, const FeatureSink& sink) {
  const auto report = sink.freshness();
  const auto& produced = report.append_time_total;
  const auto& event = report.event_time_total;
  if (produced.count > 0) {
    std::fprintf(out,
                 "  freshness %-26s produced -> served  p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  "
                 "(%llu writes)\n",
                 what, produced.p50_ms, produced.p95_ms, produced.p99_ms,
                 static_cast<unsigned long long>(produced.count));
  } else {
    std::fprintf(out, "  freshness %-26s produced -> served  unknown (no append time or header)\n",
                 what);
  }
  std::fprintf(out,
               "  %-36s event time -> served  p50 %7.1f ms  p95 %7.1f ms  p99 %7.1f ms  "
               "(event-time lag)\n",
               "", event.p50_ms, event.p95_ms, event.p99_ms);
}

}  // namespace eddy::examples
