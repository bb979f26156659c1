// How a stream thread turns assigned partitions into tasks: the compiled topology says which
// source topics each sub-topology reads, and builds a task for (sub-topology, partition).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka/producer.h"
#include "kafka/types.h"
#include "runtime/task.h"

namespace eddy::runtime {

// What a task may use of the thread that runs it.
struct TaskServices {
  kafka::Producer* producer = nullptr;  // output, repartition and changelog records
  std::string application_id;
  std::string state_dir;
  bool exactly_once = false;
};

class TaskFactory {
 public:
  virtual ~TaskFactory() = default;
  // Every topic the application consumes (sources and repartition topics).
  virtual std::vector<std::string> source_topics() const = 0;
  // The task a partition belongs to; nullopt for a partition no sub-topology reads.
  virtual std::optional<TaskId> task_for(const kafka::TopicPartition& partition) const = 0;
  virtual std::unique_ptr<Task> create(const TaskId& id,
                                       std::vector<kafka::TopicPartition> partitions,
                                       const TaskServices& services) = 0;
};

}  // namespace eddy::runtime
