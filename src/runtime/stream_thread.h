// StreamThread: one processing thread with its own consumer and producer. It polls in
// batches, routes records to the tasks of the assigned partitions, lets tasks process,
// pauses partitions whose buffers are full or whose task's feature sink pushes back (and
// keeps polling, punctuating and committing meanwhile), hands records Kafka refused to the
// task that sent them (DeliveryFailures), and commits on commit.interval.ms:
//   at-least-once: tasks flush -> producer flush (all acknowledged) -> commit offsets ->
//                  checkpoints
//   exactly-once:  tasks flush -> offsets sent to the open transaction -> commit it ->
//                  checkpoints
// A revoked task is committed before it is released; an assigned task is initialized
// (restored) before it processes. Under exactly-once a transaction that cannot commit is
// aborted and every task rewound to its last commit, without leaving the group. The tasks
// themselves (by id and partition, their restore, pauses and closing) are its TaskManager's,
// the producer and its transaction its StreamsProducer's, a bounded run's end offsets its
// BoundedReading's.
#pragma once

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "eddy/config.h"
#include "kafka/consumer.h"
#include "runtime/bounded_reading.h"
#include "runtime/bounded_run.h"
#include "runtime/delivery_failures.h"
#include "runtime/global_tables.h"
#include "runtime/repartition_purger.h"
#include "runtime/streams_producer.h"
#include "runtime/task_factory.h"
#include "runtime/task_manager.h"
#include "runtime/thread_metrics.h"

namespace eddy::runtime {

class StandbyTasks;

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
  // A bounded run (eddy.run.until.end): the instance's end offsets and end rule (null: the
  // thread runs until it is shut down).
  BoundedRun* bounded = nullptr;
  // The instance's standby tasks (num.standby.replicas > 0; null: none): told before a task
  // becomes active here (its standby closes, checkpointed), after it closed, and after each
  // rebalance.
  StandbyTasks* standbys = nullptr;
  // The thread ended (after a clean shutdown or a failure), called on it as its last act.
  std::function<void(int index)> on_stopped;
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
  void route(std::vector<kafka::Message>& records);
  // Hands failed deliveries to their tasks' production handlers (throws when one fails, or
  // when a record that no handler may skip failed).
  void handle_delivery_failures();
  void update_pauses();
  void maybe_commit();
  // Commits every initialized task. `force` commits even when nothing was processed.
  // `releasing`: the tasks are about to be released (revocation, shutdown), so under
  // exactly-once a commit a feature sink holds back is aborted and rewound at once.
  void commit_all(bool force = true, bool releasing = false);
  void begin_transaction_if_needed();
  // Closes the tasks of `partitions` (all of them: close_all) and forgets what the thread
  // kept about their partitions.
  void close_tasks(const std::vector<kafka::TopicPartition>& partitions, bool clean);
  void close_all(bool clean);
  void forget_partitions(const std::vector<kafka::TopicPartition>& partitions);
  // Exactly-once: aborts the open transaction and rewinds every task to its last commit (closed
  // dirty, recreated, so its stores restore from their changelogs, and its partitions sought
  // back to their committed offsets), without leaving the group.
  void abort_and_rewind(const std::string& why);
  // Exactly-once: the open transaction cannot commit (an abortable error, a fenced or
  // fatally failed producer, an outage that outlived it, partitions lost). Never blocks for
  // long: aborts it (unless `producer_broken`; a failed abort makes it so), closes every task
  // dirty and leaves a rewind for finish_rewind(); the thread stays in the group.
  void abandon_transaction(const std::string& why, bool producer_broken);
  // Completes a rewind from the poll loop: recreates the producer if it is broken (its
  // init_transactions() fences the old one and aborts its transaction), seeks the assigned
  // partitions to their committed offsets and recreates their tasks. While the broker is
  // away it tries again a second later; the thread keeps polling meanwhile.
  void finish_rewind();
  // Exactly-once: true for an error after which a new transaction can go on (see
  // abandon_transaction); anything else ends the thread.
  bool recoverable_transaction_error(const KafkaError& error) const;
  // (Re)creates the producer (under exactly-once, init_transactions within `init_timeout`).
  void create_producer(std::chrono::milliseconds init_timeout);
  void create_tasks(const std::vector<kafka::TopicPartition>& partitions);
  void seek_to_committed(const std::vector<kafka::TopicPartition>& partitions);
  void tick_metrics(std::chrono::steady_clock::time_point now);
  // Bounded runs: tells the BoundedRun whether every partition of the thread is read to its
  // end (committing first what is left to commit).
  void check_bounded_end(int64_t processed);

  void on_partitions_revoked(const std::vector<kafka::TopicPartition>& partitions) override;
  void on_partitions_assigned(const std::vector<kafka::TopicPartition>& partitions) override;
  void on_partitions_lost(const std::vector<kafka::TopicPartition>& partitions) override;

  StreamThreadOptions options_;
  std::unique_ptr<kafka::Consumer> consumer_;
  StreamsProducer producer_;
  DeliveryFailures delivery_failures_;
  std::unique_ptr<BoundedReading> bounded_;      // a bounded run's (null: runs until shut down)
  std::unique_ptr<GlobalTables> global_tables_;  // when the topology has global tables
  std::unique_ptr<RepartitionPurger> purger_;    // deletes committed repartition records
  TaskServices services_;
  std::unique_ptr<TaskManager> tasks_;
  std::map<std::pair<std::string, int32_t>, int64_t> acknowledged_;  // see TaskServices
  // Whether the thread holds its assignment (false from a revocation to the next
  // assignment), and when a bounded run last looked whether it is read to its end.
  bool assigned_ = false;
  std::chrono::steady_clock::time_point last_end_check_{};
  std::vector<kafka::Message> poll_buffer_;  // reused by every poll
  int64_t commits_postponed_ = 0;            // task commits held back by a feature sink
  int64_t postponed_log_ms_ = 0;
  bool rewind_pending_ = false;          // abandon_transaction() ran; finish_rewind() to do
  bool producer_reset_pending_ = false;  // the producer must be recreated before the rewind
  std::chrono::steady_clock::time_point next_rewind_attempt_{};
  int64_t rewind_retries_ = 0;
  int64_t rewind_log_ms_ = 0;
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
