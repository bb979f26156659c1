#include "runtime/thread_metrics.h"

#include <time.h>

#include "common/log.h"

namespace eddy::runtime {
namespace {
double seconds(const std::atomic<int64_t>& ns) {
  return static_cast<double>(ns.load(std::memory_order_relaxed)) * 1e-9;
}

int64_t thread_cpu_ns() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
}  // namespace

ThreadMetrics::ThreadMetrics(metrics::Registry& registry, std::string thread,
                             std::chrono::milliseconds log_interval,
                             std::atomic<int64_t>* instance_records)
    : registry_(registry),
      owner_(registry.new_owner()),
      thread_(std::move(thread)),
      log_interval_(log_interval),
      instance_records_(instance_records),
      commits_(registry.counter("eddy_commits_total", "Commits of the thread's tasks",
                                {{"thread", thread_}}, owner_)) {
  const metrics::Labels labels{{"thread", thread_}};
  registry.counter_fn(
      "eddy_records_processed_total", "Records the thread processed (all its tasks, ever)", labels,
      [this] { return static_cast<double>(records_.load(std::memory_order_relaxed)); }, owner_);
  registry.gauge_fn(
      "eddy_consumer_group_generation",
      "Generation of the consumer group the thread's member is in (changes on every rebalance)",
      labels, [this] { return static_cast<double>(generation_.load(std::memory_order_relaxed)); },
      owner_);
  registry.counter_fn(
      "eddy_poll_seconds_total", "Time spent in consumer poll", labels,
      [this] { return seconds(poll_ns_); }, owner_);
  registry.counter_fn(
      "eddy_process_seconds_total", "Time spent processing records", labels,
      [this] { return seconds(process_ns_); }, owner_);
  registry.counter_fn(
      "eddy_punctuate_seconds_total", "Time spent in wall-clock punctuation", labels,
      [this] { return seconds(punctuate_ns_); }, owner_);
  registry.counter_fn(
      "eddy_commit_seconds_total", "Time spent committing", labels,
      [this] { return seconds(commit_ns_); }, owner_);
  registry.counter_fn(
      "eddy_thread_cpu_seconds_total", "CPU time of the stream thread (user + system)", labels,
      [this] { return seconds(cpu_ns_); }, owner_);
  registry.histogram_fn(
      "eddy_commit_latency_seconds", "Duration of one commit (flush tasks, producer, offsets)",
      labels, [this] { return commit_latency_.snapshot(); }, owner_);
  registry.histogram_fn(
      "eddy_process_latency_seconds",
      "Processing time per record (mean of each task batch, weighted by its "
      "records)",
      labels, [this] { return process_latency_.snapshot(); }, owner_);
}

ThreadMetrics::~ThreadMetrics() {
  registry_.remove_owner(owner_);
  for (const auto& [tp, lag] : lags_) registry_.remove_owner(lag.owner);
}

void ThreadMetrics::process_took(Clock::duration d, size_t records) {
  add(process_ns_, d);
  if (records == 0) return;
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  process_latency_.record(ns / static_cast<int64_t>(records), records);
}

void ThreadMetrics::committed(Clock::duration d) {
  add(commit_ns_, d);
  commits_.inc();
  commit_latency_.record(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

void ThreadMetrics::lag(const kafka::TopicPartition& partition, int64_t records) {
  if (records < 0) return;
  auto it = lags_.find(partition);
  if (it == lags_.end()) {
    const metrics::OwnerId owner = registry_.new_owner();
    metrics::Gauge& gauge = registry_.gauge(
        "eddy_consumer_lag_records", "Records between the consumer position and the partition end",
        {{"thread", thread_},
         {"topic", partition.topic},
         {"partition", std::to_string(partition.partition)}},
        owner);
    it = lags_.emplace(partition, Lag{&gauge, owner, 0}).first;
  }
  it->second.gauge->set(static_cast<double>(records));
  it->second.last = records;
}

void ThreadMetrics::forget_partition(const kafka::TopicPartition& partition) {
  auto it = lags_.find(partition);
  if (it == lags_.end()) return;
  registry_.remove_owner(it->second.owner);
  lags_.erase(it);
}

void ThreadMetrics::tick(Clock::time_point now) {
  cpu_ns_.store(thread_cpu_ns(), std::memory_order_relaxed);
  if (log_interval_.count() > 0 && now - last_log_ >= log_interval_) log_summary(now);
}

void ThreadMetrics::log_summary(Clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - last_log_).count();
  const int64_t records = records_.load(std::memory_order_relaxed);
  int64_t lag = 0;
  for (const auto& [tp, entry] : lags_) lag += entry.last;
  EDDY_LOG_INFO(
      "{}: {:.0f} records/s, lag {} records over {} partition(s), {} commits, "
      "p99 process latency {:.1f} us, cpu {:.1f} s",
      thread_, elapsed > 0 ? static_cast<double>(records - records_at_last_log_) / elapsed : 0.0,
      lag, lags_.size(), commits_.value(), process_latency_.percentile_seconds(99.0) * 1e6,
      seconds(cpu_ns_));
  last_log_ = now;
  records_at_last_log_ = records;
}

}  // namespace eddy::runtime
