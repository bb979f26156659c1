// TaskMetrics: one StreamTask's metrics in the instance registry, labelled {thread, task}:
// records in/out, end-to-end latency, skipped records per handler, drops per processor and
// reason, late drops per processor,
// and per store its size, operations, cache hits and restore progress.
//
// The task thread counts in plain members (TaskCore::metrics(), a local Histogram) and
// publish()es totals to the registry's atomics every ~100 ms and at commit, so the per-record
// path never touches a lock or a map, and a scrape never reads task-thread data. Everything
// is registered under one owner id and removed by the destructor, before the task's stores
// (whose atomics some counters read at scrape time) go away.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "metrics/registry.h"
#include "metrics/shared_histogram.h"
#include "processor/task_core.h"

namespace eddy {
class StateStore;
}
namespace eddy::state {
struct StoreMetrics;
}

namespace eddy::runtime {

// Totals the task counted since it started; published as counters.
struct TaskTotals {
  int64_t records_out = 0;
  int64_t deserialization_errors = 0;
  int64_t processing_errors = 0;
  int64_t production_errors = 0;
  int64_t invalid_timestamps = 0;
  int64_t dead_lettered = 0;
  const std::map<std::string, int64_t>* late_dropped_by_node = nullptr;
  const std::vector<processor::TaskMetrics::Drop>* dropped_by = nullptr;
};

class TaskMetrics {
 public:
  TaskMetrics(metrics::Registry& registry, const std::string& thread, const std::string& task,
              bool debug_level);
  ~TaskMetrics();
  TaskMetrics(const TaskMetrics&) = delete;
  TaskMetrics& operator=(const TaskMetrics&) = delete;

  // Per batch: records the task consumed and processed.
  void records_in(int64_t n) { records_in_.inc(n); }

  // Registers a store's counters (its atomics are read at scrape time). `store` is its
  // outermost layer; key-value stores report their approximate entry count at publish().
  void add_store(const std::string& name, state::StoreMetrics& store_metrics, StateStore* store);
  // Restore of `store`: records still to replay (0 when done), set from the task thread.
  void restore_remaining(const std::string& store, int64_t remaining);

  // Publishes totals and the end-to-end latency counted since the last call (then resets
  // `e2e_latency_ms`). Task thread only.
  void publish(const TaskTotals& totals, metrics::Histogram& e2e_latency_ms);

 private:
  struct Published {
    metrics::Counter* counter = nullptr;
    int64_t last = 0;
    void set(int64_t total);
  };
  metrics::Labels labels(std::initializer_list<std::pair<std::string, std::string>> extra) const;

  metrics::Registry& registry_;
  metrics::OwnerId owner_;
  std::string thread_;
  std::string task_;
  bool debug_level_;
  metrics::Counter& records_in_;
  Published records_out_;
  Published skipped_deserialization_;
  Published skipped_processing_;
  Published skipped_production_;
  Published skipped_invalid_timestamp_;
  Published dead_lettered_;
  std::map<std::string, Published> late_by_node_;
  std::map<std::pair<std::string, std::string>, Published> dropped_;  // (processor, reason)
  std::map<std::string, metrics::Gauge*> restore_remaining_;
  std::map<std::string, std::pair<metrics::Gauge*, StateStore*>> entries_;
  metrics::SharedHistogram e2e_latency_{metrics::SharedHistogram::kMillis};
};

}  // namespace eddy::runtime
