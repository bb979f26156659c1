// TaskManager: a stream thread's tasks, by id and by input partition, from creation through
// restore to close, the commit phases they take part in, and which of their partitions are
// paused. It holds no Kafka client: the thread polls, talks to the producer and consumer,
// and applies the pauses this class decides, so every rule here is tested without a broker
// (tests/unit/task_manager_test.cc).
//
//   TaskManager tasks(factory, services, metrics);
//   tasks.create(assigned_partitions);          // restoring until restore_step() says done
//   tasks.restore_step();                       // one changelog batch per restoring task
//   tasks.process(max_per_task, budget);        // running tasks, round robin
//   PauseChange change = tasks.update_pauses(limit, at_end);  // consumer.pause/resume
//   tasks.close(revoked_partitions, /*clean=*/true);
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kafka/types.h"
#include "runtime/task.h"
#include "runtime/task_factory.h"

namespace eddy::runtime {

class ThreadMetrics;

// Told before a task becomes active on this instance and after it closed here (the
// instance's standby tasks hand the task's state folder over and take it back).
class ActiveTaskObserver {
 public:
  virtual ~ActiveTaskObserver() = default;
  virtual void before_active(const TaskId& id) = 0;
  virtual void after_active(const TaskId& id) = 0;
};

class TaskManager {
 public:
  using Clock = std::chrono::steady_clock;

  // `services`, `metrics` and `observer` (null: none) outlive the manager; tasks see the
  // services as they are when each is created (the thread swaps the producer on recovery).
  TaskManager(TaskFactory& factory, const TaskServices& services, ThreadMetrics* metrics,
              ActiveTaskObserver* observer = nullptr);
  ~TaskManager();
  TaskManager(const TaskManager&) = delete;
  TaskManager& operator=(const TaskManager&) = delete;

  // --- Membership -------------------------------------------------------------------------
  // Creates the tasks of `partitions` that are not held yet (partitions no sub-topology
  // reads are ignored). A new task restores before it processes.
  void create(const std::vector<kafka::TopicPartition>& partitions);
  // Closes the tasks owning `partitions` (`clean` false: their state may hold uncommitted
  // effects and is rebuilt from the changelogs). Returns the input partitions released.
  std::vector<kafka::TopicPartition> close(const std::vector<kafka::TopicPartition>& partitions,
                                           bool clean);
  std::vector<kafka::TopicPartition> close_all(bool clean);

  size_t size() const { return tasks_.size(); }
  bool empty() const { return tasks_.empty(); }
  Task* find(const TaskId& id) const;
  // The task reading `partition`, null when none is held.
  Task* task_of(const kafka::TopicPartition& partition) const;
  // Every held input partition and its task, in partition order.
  const std::map<kafka::TopicPartition, Task*>& by_partition() const { return by_partition_; }
  // Every held input partition (a rewind seeks them back and recreates their tasks).
  std::vector<kafka::TopicPartition> input_partitions() const;

  // --- Restore ----------------------------------------------------------------------------
  // One restore step (about one changelog batch) per restoring task: the other tasks keep
  // processing between steps, and a shutdown or rebalance is noticed between batches.
  // At most kConcurrentRestores tasks restore at once; the others wait their turn (a task
  // without changelogs never waits).
  void restore_step();
  // Each restoring task has its own changelog consumer, and librdkafka queues a whole fetch
  // response per partition (up to max.partition.fetch.bytes, ~160 B of overhead per record
  // besides the record) outside the memory budget. Session scoring restoring 8 tasks of 1.6 M
  // changelog records on one thread: all at once peaked at 625 MiB RSS in 15.0 s, four at
  // a time at 333 MiB in 13.6 s, two at a time at 272 MiB in 20.2 s (the thread then waits
  // for fetches: W6 restored 35 % slower).
  static constexpr size_t kConcurrentRestores = 4;
  bool restoring() const { return !restoring_.empty(); }
  bool running(const TaskId& id) const { return tasks_.contains(id) && !restoring_.contains(id); }

  // --- Processing -------------------------------------------------------------------------
  // True when a running, unblocked task has records buffered (the thread polls without
  // waiting then).
  bool has_work() const;
  // Drains buffered records round robin over the running tasks, `max_per_task` at a time,
  // until nothing is left or `budget` has passed. Returns the records processed.
  size_t process(size_t max_per_task, Clock::duration budget);
  // Wall-clock punctuation of the running tasks; true when any of them did something that
  // needs a commit (a punctuator's output, a TTL expiry).
  bool punctuate_wall_clock(int64_t wall_clock_ms);

  // --- Commit (the thread runs phase 2 between these) -------------------------------------
  void prepare_commit();
  struct Committable {
    std::vector<kafka::TopicPartitionOffset> offsets;  // of tasks whose effects are durable
    std::vector<TaskId> held_back;                     // tasks whose feature sink lags
  };
  // Each running task's offsets once its effects outside Kafka are acknowledged (waiting
  // up to `sink_wait` per task); the others keep their last committed offsets.
  Committable committable(std::chrono::milliseconds sink_wait);
  void post_commit();

  // --- Pauses -----------------------------------------------------------------------------
  struct PauseChange {
    std::vector<kafka::TopicPartition> pause;
    std::vector<kafka::TopicPartition> resume;
  };
  // What to pause and resume, recorded as done: a partition is paused while its task is
  // blocked (its feature sink pushes back), while `keep_paused` says so (a bounded run's
  // partition read to its end), or while `limit` records are buffered (resumed below half).
  PauseChange update_pauses(size_t limit,
                            const std::function<bool(const kafka::TopicPartition&)>& keep_paused);
  // Forgets every pause and block (the consumer resumed them); returns what was paused.
  std::vector<kafka::TopicPartition> clear_pauses();

 private:
  void add(const TaskId& id, std::vector<kafka::TopicPartition> partitions);
  // Removes one task from every index; returns its input partitions.
  std::vector<kafka::TopicPartition> release(std::map<TaskId, std::unique_ptr<Task>>::iterator it,
                                             bool clean);

  TaskFactory& factory_;
  const TaskServices& services_;
  ThreadMetrics* metrics_;
  ActiveTaskObserver* observer_;
  std::map<TaskId, std::unique_ptr<Task>> tasks_;
  std::map<kafka::TopicPartition, Task*> by_partition_;
  // Tasks not processing yet: when their restore started (nullopt: initialize() not run yet).
  std::map<TaskId, std::optional<Clock::time_point>> restoring_;
  std::set<kafka::TopicPartition> paused_;
  std::set<TaskId> blocked_;  // tasks whose feature sink pushes back (logged once per episode)
  int64_t backpressure_pauses_ = 0;
  int64_t backpressure_log_ms_ = 0;
};

}  // namespace eddy::runtime
