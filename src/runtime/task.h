// A task: one sub-topology's processing of one partition (of each of its source topics).
// The stream thread feeds it records, asks it to process, and drives commits; what the task
// does with records (the processor graph, its stores) is behind this interface.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kafka/message.h"
#include "kafka/producer.h"
#include "kafka/types.h"

namespace eddy::runtime {

struct TaskId {
  int subtopology = 0;
  int32_t partition = 0;
  std::string str() const { return std::to_string(subtopology) + "_" + std::to_string(partition); }
  auto operator<=>(const TaskId&) const = default;
};

class Task {
 public:
  virtual ~Task() = default;
  virtual const TaskId& id() const = 0;
  virtual const std::vector<kafka::TopicPartition>& input_partitions() const = 0;

  // Prepares the restore of its state (from checkpoint + changelog). Called once, before
  // restore_step().
  virtual void initialize() = 0;
  // Restores a bounded amount of state (about one changelog batch); true once the task can
  // process. The thread calls it between its other tasks' work, so one task's long restore
  // neither stalls the others nor delays a shutdown or a rebalance.
  virtual bool restore_step() { return true; }
  // Whether it has changelogs to restore (a stateless task is done with its first step).
  virtual bool restores_state() const { return false; }

  // Takes ownership of consumed records of one of its partitions (in offset order), moving
  // them out of `records`.
  virtual void add_records(const kafka::TopicPartition& partition,
                           std::span<kafka::Message> records) = 0;
  // Records buffered and not yet processed for `partition`.
  virtual size_t buffered(const kafka::TopicPartition& partition) const = 0;

  // Processes up to `max_records` buffered records (lowest timestamp first across its
  // partitions, waiting up to max.task.idle.ms for an empty partition); returns how many.
  virtual size_t process(size_t max_records, std::chrono::steady_clock::time_point now) = 0;
  // Backpressure: true while the task cannot take input (a feature sink it writes to pushes
  // back); the thread pauses its partitions meanwhile and process() returns 0.
  virtual bool blocked() const { return false; }
  // Fires wall-clock punctuators that are due and expires due keys of wall-clock TTL stores.
  // True when anything ran or expired: its effects (output, changelog tombstones, a cache's
  // pending deletions) need a commit even if no record was processed.
  virtual bool punctuate_wall_clock(int64_t wall_clock_ms) = 0;

  // Commit, phase 1: flush caches and stores, so every effect of the processed records has
  // been handed to the producer. Phase 2 is done by the thread (flush the producer or
  // commit the transaction with committable_offsets()). Phase 3: post_commit().
  virtual void prepare_commit() = 0;
  // True once every effect outside Kafka of the records processed so far is acknowledged
  // (feature sinks), waiting up to `timeout` for it; the thread commits the task's offsets
  // only then (at-least-once: a task whose sink is down keeps its last committed offsets).
  virtual bool effects_durable(std::chrono::milliseconds /*timeout*/) { return true; }
  // The next offset to read of each input partition, for records processed so far.
  virtual std::vector<kafka::TopicPartitionOffset> committable_offsets() const = 0;
  // A record this task sent was refused by Kafka for good (tagged with
  // TaskServices::delivery_tag): to the production handler. Throws when it says fail.
  virtual void delivery_failed(const kafka::DeliveryFailure& /*failure*/,
                               const std::string& /*node*/) {}
  // After a successful commit: write checkpoints.
  virtual void post_commit() = 0;

  // Releases stores and processors. `clean` false: the state may hold uncommitted effects
  // (a failed EOS transaction, lost partitions) and must be rebuilt from the changelog.
  virtual void close(bool clean) = 0;
};

}  // namespace eddy::runtime
