// StreamThread: one processing thread with its own consumer and producer. It polls in
// batches, routes records to the tasks of the assigned partitions, lets tasks process,
// pauses partitions whose buffers are full, and commits on commit.interval.ms:
//   at-least-once: tasks flush -> producer flush (all acknowledged) -> commit offsets ->
//   checkpoints exactly-once:  tasks flush -> offsets sent to the open transaction -> commit it ->
//   checkpoints
// A revoked task is committed before it is released; an assigned task is initialized
// (restored) before it processes.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eddy/config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "runtime/global_tables.h"
#include "runtime/repartition_purger.h"
#include "runtime/task_factory.h"
#include "runtime/thread_metrics.h"

namespace eddy::runtime {

struct StreamThreadOptions {
  StreamsConfig config;
  int index = 0;           // thread number within the instance
  std::string process_id;  // unique per instance run (EOS transactional.id)
  TaskFactory* factory = nullptr;
  // The thread died of `error`; it has released its tasks.
  std::function<void(int index, std::exception_ptr error)> on_error;
  // The thread's group membership changed: true while partitions move, false when it runs.
  std::function<void(int index, bool rebalancing)> on_rebalance;
  // The instance's metrics (null: none) and its count of processed records (may be null).
  metrics::Registry* metrics = nullptr;
  std::atomic<int64_t>* instance_records = nullptr;
  // The instance's memory budget, handed to every task (null: the process default).
  state::MemoryBudget* memory_budget = nullptr;
  // The instance's interactive-query registry, handed to every task (null: not queryable).
  state::StoreRegistry* store_registry = nullptr;
};

struct StreamThreadStats {
  std::atomic<int64_t> records_processed{0};
  std::atomic<int64_t> commits{0};
  std::atomic<int64_t> tasks{0};
  std::atomic<int64_t> last_commit_latency_us{0};
};

class StreamThread final : private kafka::RebalanceListener {
 public:
  explicit StreamThread(StreamThreadOptions options);
  ~StreamThread() override;
  StreamThread(const StreamThread&) = delete;
  StreamThread& operator=(const StreamThread&) = delete;

  void start();
  // Asks the thread to commit, release its tasks, leave the group and end. Non-blocking.
  void request_shutdown() { shutdown_requested_ = true; }
  // Waits until the thread ended.
  void join();
  // Commit as soon as possible (on demand), instead of waiting for the interval.
  void request_commit() { commit_requested_ = true; }

  const StreamThreadStats& stats() const { return stats_; }
  bool alive() const { return alive_; }

 private:
  void run();
  void fail(const std::string& name);  // from a catch block: release everything, report
  void discard_clients();              // abort, close tasks dirty, drop consumer and producer
  void create_clients();
  void run_once();
  void initialize_new_tasks();
  void route(std::vector<kafka::Message> records);
  size_t process_tasks();
  void update_pauses();
  void maybe_commit();
  // Commits every initialized task. `force` commits even when nothing was processed.
  void commit_all(bool force = true);
  void begin_transaction_if_needed();
  void close_tasks(const std::vector<kafka::TopicPartition>& partitions, bool clean);
  void close_all(bool clean);
  void forget_partitions(const std::vector<kafka::TopicPartition>& partitions);
  void tick_metrics(std::chrono::steady_clock::time_point now);

  void on_partitions_revoked(const std::vector<kafka::TopicPartition>& partitions) override;
  void on_partitions_assigned(const std::vector<kafka::TopicPartition>& partitions) override;
  void on_partitions_lost(const std::vector<kafka::TopicPartition>& partitions) override;

  StreamThreadOptions options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<GlobalTables> global_tables_;  // when the topology has global tables
  std::unique_ptr<RepartitionPurger> purger_;    // deletes committed repartition records
  TaskServices services_;
  std::map<TaskId, std::unique_ptr<Task>> tasks_;
  std::set<TaskId> uninitialized_;  // restoring: not processing yet
  std::map<TaskId, std::chrono::steady_clock::time_point> restore_started_;
  std::map<kafka::TopicPartition, Task*> task_by_partition_;
  std::map<std::pair<std::string, int32_t>, int64_t> acknowledged_;  // see TaskServices
  std::set<kafka::TopicPartition> paused_;
  bool in_transaction_ = false;
  // Records processed since the last commit (at least 1 after a wall-clock punctuation or TTL
  // expiry did something); 0: a due commit has nothing to do.
  int64_t processed_since_commit_ = 0;
  std::chrono::steady_clock::time_point last_commit_;
  std::atomic<bool> shutdown_requested_{false};
  std::atomic<bool> commit_requested_{false};
  std::atomic<bool> alive_{false};
  StreamThreadStats stats_;
  std::unique_ptr<ThreadMetrics> metrics_;  // null without a registry
  std::chrono::steady_clock::time_point last_metrics_tick_{};
  std::thread thread_;
};

}  // namespace eddy::runtime
