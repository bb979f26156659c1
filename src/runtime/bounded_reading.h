// BoundedReading: one stream thread's side of a bounded run (eddy.run.until.end; the run's
// end rule is BoundedRun's). It drops records at or past a source partition's end offset
// (the partition then stays paused) and answers whether every partition the thread holds is
// read to its end: external ones to the end offset taken at start, repartition ones to where
// they end now.
//
//   BoundedReading reading(run, config);
//   reading.drop_past_end(tp, records);      // before the records reach their task
//   consumer.pause(...) for reading.at_end(tp)
//   if (reading.read_to_end(consumer, tasks)) run.report(...);
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>

#include "eddy/config.h"
#include "kafka/consumer.h"
#include "runtime/bounded_run.h"

namespace eddy::runtime {

class TaskManager;

class BoundedReading {
 public:
  // `run` and `config` outlive this.
  BoundedReading(const BoundedRun& run, const StreamsConfig& config) : run_(run), config_(config) {}

  // Trims `records` (of `partition`, in offset order) to those before the partition's end
  // offset, and marks the partition read to its end once the last of them was fetched.
  void drop_past_end(const kafka::TopicPartition& partition, std::span<kafka::Message>& records);
  bool at_end(const kafka::TopicPartition& partition) const { return at_end_.contains(partition); }
  // True when every input partition of `tasks` is read to its end and nothing is buffered.
  bool read_to_end(kafka::Consumer& consumer, const TaskManager& tasks);
  // The thread no longer holds `partition` (or any: forget_all).
  void forget(const kafka::TopicPartition& partition);
  void forget_all();

 private:
  int64_t position_of(kafka::Consumer& consumer, const kafka::TopicPartition& partition);

  const BoundedRun& run_;
  const StreamsConfig& config_;
  std::set<kafka::TopicPartition> at_end_;
  // Where a partition without a consumer position yet starts (looked up once).
  std::map<kafka::TopicPartition, int64_t> start_positions_;
};

}  // namespace eddy::runtime
