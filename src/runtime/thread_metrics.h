// ThreadMetrics: one StreamThread's metrics, labelled {thread}: commits and their latency,
// process latency per record, time spent polling / processing / punctuating, the thread's
// CPU time, and consumer lag per assigned partition. It also writes the thread's periodic
// summary log line (metrics.log.interval.ms).
//
// Written by the stream thread only (relaxed atomics, and SharedHistograms recorded once per
// batch or commit); read by scrapes from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "kafka/types.h"
#include "metrics/registry.h"
#include "metrics/shared_histogram.h"

namespace eddy::runtime {

class ThreadMetrics {
 public:
  using Clock = std::chrono::steady_clock;
  // `instance_records` (may be null) also counts every processed record, for the
  // instance's CPU-seconds per million records.
  ThreadMetrics(metrics::Registry& registry, std::string thread,
                std::chrono::milliseconds log_interval, std::atomic<int64_t>* instance_records);
  ~ThreadMetrics();
  ThreadMetrics(const ThreadMetrics&) = delete;
  ThreadMetrics& operator=(const ThreadMetrics&) = delete;

  void poll_took(Clock::duration d) { add(poll_ns_, d); }
  void punctuate_took(Clock::duration d) { add(punctuate_ns_, d); }
  // One task's process() call: `records` records in `d` (recorded as their mean latency).
  void process_took(Clock::duration d, size_t records);
  void committed(Clock::duration d);
  void records_processed(int64_t n) {
    records_.fetch_add(n, std::memory_order_relaxed);
    if (instance_records_ != nullptr) instance_records_->fetch_add(n, std::memory_order_relaxed);
  }

  // Lag of an assigned partition (records behind its end; -1 unknown: not published).
  void lag(const kafka::TopicPartition& partition, int64_t records);
  void forget_partition(const kafka::TopicPartition& partition);
  // The consumer group generation this thread's member is in (-1: not joined).
  void group_generation(int32_t generation) {
    generation_.store(generation, std::memory_order_relaxed);
  }

  // Reads the thread's CPU clock (call on the stream thread) and, when the log interval
  // passed, logs the summary line.
  void tick(Clock::time_point now);

 private:
  static void add(std::atomic<int64_t>& ns, Clock::duration d) {
    ns.fetch_add(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(),
                 std::memory_order_relaxed);
  }
  void log_summary(Clock::time_point now);

  std::atomic<int32_t> generation_{-1};
  metrics::Registry& registry_;
  metrics::OwnerId owner_;
  std::string thread_;
  std::chrono::milliseconds log_interval_;
  std::atomic<int64_t> poll_ns_{0};
  std::atomic<int64_t> process_ns_{0};
  std::atomic<int64_t> punctuate_ns_{0};
  std::atomic<int64_t> commit_ns_{0};
  std::atomic<int64_t> cpu_ns_{0};
  std::atomic<int64_t> records_{0};
  std::atomic<int64_t>* instance_records_;
  metrics::Counter& commits_;
  metrics::SharedHistogram commit_latency_{metrics::SharedHistogram::kMicros};
  metrics::SharedHistogram process_latency_{metrics::SharedHistogram::kNanos};
  // Partition -> (its gauge, the owner id that removes it on revoke, last value).
  struct Lag {
    metrics::Gauge* gauge;
    metrics::OwnerId owner;
    int64_t last;
  };
  std::map<kafka::TopicPartition, Lag> lags_;
  Clock::time_point last_log_ = Clock::now();
  int64_t records_at_last_log_ = 0;
};

}  // namespace eddy::runtime
