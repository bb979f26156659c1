// The metrics registry: counters and gauges cheap enough for the per-record path (one
// relaxed atomic add), plus gauges and histograms computed when scraped. Exposed as
// Prometheus text (prometheus_endpoint.h) and as a JSON snapshot.
//
//   auto& processed = registry.counter("eddy_records_processed_total", "Records processed",
//                                      {{"thread", "0"}, {"task", "0_3"}});
//   processed.inc();                                             // hot path
//   registry.gauge_fn("eddy_consumer_lag", "Records behind", {{"partition", "3"}},
//                     [&] { return lag_of(3); });                // scrape time
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "eddy/metrics.h"

namespace eddy::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { kCounter, kGauge, kHistogram };

class Counter {
 public:
  void inc(int64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

struct HistogramSnapshot {
  std::vector<std::pair<double, uint64_t>> cumulative_buckets;  // (upper bound, count <= bound)
  double sum = 0;
  uint64_t count = 0;
};

struct Sample {
  std::string name;
  std::string help;
  MetricType type = MetricType::kCounter;
  Labels labels;
  double value = 0;
  HistogramSnapshot histogram;  // kHistogram only
};

// Owner tokens let a task or store remove all its metrics when it closes.
using OwnerId = uint64_t;

class Registry {
 public:
  // Stable references: the same (name, labels) returns the same object.
  Counter& counter(const std::string& name, const std::string& help, Labels labels,
                   OwnerId owner = 0);
  Gauge& gauge(const std::string& name, const std::string& help, Labels labels, OwnerId owner = 0);
  void gauge_fn(const std::string& name, const std::string& help, Labels labels,
                std::function<double()> fn, OwnerId owner = 0);
  // A counter whose value is read at scrape time (e.g. from a component's own atomics);
  // `fn` must be monotonic and safe to call from the scraping thread.
  void counter_fn(const std::string& name, const std::string& help, Labels labels,
                  std::function<double()> fn, OwnerId owner = 0);
  void histogram_fn(const std::string& name, const std::string& help, Labels labels,
                    std::function<HistogramSnapshot()> fn, OwnerId owner = 0);

  // A fresh owner id, and removal of everything registered under it.
  OwnerId new_owner();
  void remove_owner(OwnerId owner);

  std::vector<Sample> snapshot() const;
  // The snapshot in the public form (eddy/metrics.h).
  std::vector<MetricSample> samples() const;
  // Removes every metric (the instance that registered their functions is going away).
  void clear();
  std::string to_prometheus_text() const;
  nlohmann::json to_json() const;

 private:
  struct Entry {
    std::string name;
    std::string help;
    MetricType type;
    Labels labels;
    OwnerId owner;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::function<double()> gauge_fn;
    std::function<HistogramSnapshot()> histogram_fn;
  };
  Entry& find_or_add(const std::string& name, const std::string& help, MetricType type,
                     Labels labels, OwnerId owner);

  mutable std::mutex mutex_;
  std::map<std::pair<std::string, Labels>, Entry> entries_;
  OwnerId next_owner_ = 1;
};

}  // namespace eddy::metrics
