// DeliveryFailures: where a record Kafka refused goes. Every record a task sends carries a
// tag naming the task and its sink node (or the task's dead-letter output); when delivery
// fails, the tag finds the task, whose production handler decides (Kafka Streams'
// RecordCollector does the same per task). Records no handler may skip (changelog and
// dead-letter records, and any record under exactly-once, whose transaction cannot commit
// any more) end the processing with a KafkaError instead.
//
//   DeliveryFailures failures(config.exactly_once(), thread_index);
//   record.failure_tag = failures.tag(task_id, &sink_node);   // through TaskServices
//   failures.handle(producer.take_failures(), tasks);          // after processing
#pragma once

#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kafka/producer.h"
#include "runtime/task.h"

namespace eddy::runtime {

class TaskManager;

class DeliveryFailures {
 public:
  DeliveryFailures(bool exactly_once, int thread_index)
      : exactly_once_(exactly_once), thread_index_(thread_index) {}

  // The tag for records of `task` sent by sink `node` (null: the task's dead-letter
  // records). Stable for the thread's lifetime.
  const void* tag(const TaskId& task, const std::string* node);

  // Hands each of the producer's failed deliveries (Producer::take_failures) to its task's
  // production handler. Throws a KafkaError (retriable when the cause may pass under
  // exactly-once) for a record no handler may skip; a task closed since is only logged (its
  // input is read again).
  void handle(const std::vector<kafka::DeliveryFailure>& failures, const TaskManager& tasks);

 private:
  struct Tag {
    TaskId task;
    std::string node;  // empty: the task's dead-letter records
    bool dead_letter = false;
  };
  const bool exactly_once_;
  const int thread_index_;
  std::deque<Tag> tags_;  // a deque: tags never move
  std::map<std::pair<TaskId, std::string>, const Tag*> index_;
};

}  // namespace eddy::runtime
