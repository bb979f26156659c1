// Standby tasks (num.standby.replicas): this instance's warm copies of other instances'
// tasks. One thread per instance (like Kafka Streams' state updater) places them from the
// group's membership after each rebalance (standby_placement.h), and keeps each one's
// persistent stores up to date from their changelogs with one assigned (never subscribed)
// consumer, read_committed under exactly-once, through the same restore path as an active
// task (TaskStateManager). A standby never processes input and never produces. It writes
// checkpoints of its own, so when its task becomes active here the active restore replays
// only the changelog's tail.
//
// Stream threads tell it when a task becomes active here (before_active(): the standby is
// closed with a checkpoint and its folder lock released, before the active opens it) and
// when it stops being (after_active()), and when a rebalance ended (membership_changed()).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "eddy/config.h"
#include "runtime/task_factory.h"
#include "runtime/task_manager.h"

namespace eddy::state {
class MemoryBudget;
}
namespace eddy::metrics {
class Registry;
}

namespace eddy::runtime {

class KafkaChangelogReader;
class StandbyTask;

struct StandbyTasksOptions {
  StreamsConfig config;
  std::string process_id;
  int replicas = 1;  // num.standby.replicas
  TaskFactory* factory = nullptr;
  metrics::Registry* metrics = nullptr;          // null: no metrics
  state::MemoryBudget* memory_budget = nullptr;  // null: the process default
};

class StandbyTasks final : public ActiveTaskObserver {
 public:
  explicit StandbyTasks(StandbyTasksOptions options);
  ~StandbyTasks() override;
  StandbyTasks(const StandbyTasks&) = delete;
  StandbyTasks& operator=(const StandbyTasks&) = delete;

  void start();
  // Closes every standby (with a checkpoint) and ends the thread.
  void stop();

  // From stream threads.
  void before_active(const TaskId& task) override;
  void after_active(const TaskId& task) override;
  void membership_changed();

  // The standby tasks held now (for tests and logs).
  std::set<TaskId> held() const;

 private:
  void run();
  // Describes the group and computes this instance's standbys; false when it must be tried
  // again soon (group not stable, broker away).
  bool replan();
  // Opens the wanted standbys that are not open yet, closes the unwanted ones.
  void reconcile();
  // One batch of the current standby's catch-up round: whether it applied records, and
  // whether every standby has had its round since the pass began.
  struct Step {
    bool applied = false;
    bool pass_done = false;
  };
  Step step();

  StandbyTasksOptions options_;
  std::string instance_;  // this instance's key in the placement
  std::unique_ptr<KafkaChangelogReader> reader_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> replan_requested_{true};
  mutable std::mutex mutex_;  // tasks_, wanted_, active_here_
  std::condition_variable wake_;
  std::map<TaskId, std::unique_ptr<StandbyTask>> tasks_;
  std::set<TaskId> wanted_;       // from the last placement
  std::set<TaskId> active_here_;  // active on a stream thread of this instance
  std::map<TaskId, std::chrono::steady_clock::time_point> retry_after_;  // open failed
  std::vector<TaskId> round_;  // the order of catch-up rounds
  size_t next_ = 0;
  std::thread thread_;
};

}  // namespace eddy::runtime
