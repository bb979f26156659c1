#include "runtime/standby_tasks.h"

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "kafka/group_description.h"
#include "metrics/registry.h"
#include "processor/task_store_context.h"
#include "runtime/kafka_changelog.h"
#include "runtime/standby_placement.h"
#include "state/restore/task_state_manager.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kReplanInterval = 10s;  // placement checked again even without a rebalance
constexpr auto kReplanRetry = 500ms;   // group not stable yet, or the broker away
constexpr auto kOpenRetry = 1s;        // the task folder still held (an active closing)
constexpr auto kFailureRetry = 5s;     // a standby that failed is opened again after this
constexpr auto kIdleWait = 100ms;      // nothing new in any changelog: look again after this
constexpr int kStepsPerLoop = 64;      // batches between two looks at the placement

std::string task_list(const std::set<TaskId>& tasks) {
  std::string out;
  for (const auto& id : tasks) out += (out.empty() ? "" : ", ") + id.str();
  return out;
}

// A standby never writes its stores through their logging layers: only restore writes them.
class NoChangelogWrites final : public state::ChangelogWriter {
 public:
  void log(const std::string& topic, int32_t /*partition*/, std::string_view /*key*/,
           std::optional<std::string_view> /*value*/, int64_t /*timestamp*/) override {
    throw StateStoreError("a standby task tried to write changelog " + topic);
  }
  void log_erasure(const std::string& topic, int32_t /*partition*/, std::string_view /*key*/,
                   int64_t /*timestamp*/) override {
    throw StateStoreError("a standby task tried to write changelog " + topic);
  }
};

}  // namespace

// One standby: the task's persistent logged stores, kept at their changelogs' ends in rounds
// (each from where the stores are to the end offset at the round's start).
class StandbyTask {
 public:
  StandbyTask(const TaskId& id, const std::vector<StoreSpec>& specs,
              const StandbyTasksOptions& options)
      : id_(id), registry_(options.metrics) {
    // No record is processed here: the stores' record hooks stay unset.
    state::StoreContext context = processor::task_store_context(
        {.application_id = options.config.application_id,
         .task_id = id.str(),
         .partition = id.partition,
         .changelog = &no_writes_,
         .memory_budget = options.memory_budget,
         .rocksdb_config_setter = options.config.rocksdb_config_setter},
        nullptr);
    // Throws StateStoreError while an active task of this instance holds the folder.
    state_ =
        std::make_unique<state::TaskStateManager>(options.config.state_dir, std::move(context));
    for (const auto& spec : specs) state_->register_store(spec);
    if (registry_ != nullptr) {
      owner_ = registry_->new_owner();
      for (const auto& spec : specs) {
        lag_[spec.name] = &registry_->gauge(
            "eddy_standby_lag_records",
            "Standby task: the changelog's end offset minus the offset the standby's store holds",
            {{"thread", "standby"}, {"task", id.str()}, {"store", spec.name}}, owner_);
      }
    }
  }
  ~StandbyTask() {
    if (registry_ != nullptr) registry_->remove_owner(owner_);
  }

  // Applies at most one changelog batch; true when this round is done (the stores are at the
  // end offsets taken when it began), with a checkpoint written when due.
  bool step(KafkaChangelogReader& reader) {
    if (!in_round_) {
      state::RestoreOptions options;
      if (restored_once_) {
        options.log_done = false;
        options.finish_target = false;
        state_->begin_catch_up(reader, options);
      } else {
        // The first round is a restore: from the checkpoint when the local state is valid,
        // else wiped and from the changelog's start.
        state_->begin_restore(reader, options);
      }
      in_round_ = true;
      round_applied_ = 0;
    }
    const bool done = state_->restore_step();
    int64_t applied = 0;
    for (const auto& p : state_->restore_progress()) {
      applied += p.records_restored;
      if (auto it = lag_.find(p.store); it != lag_.end())
        it->second->set(static_cast<double>(std::max<int64_t>(0, p.end_offset - p.next_offset)));
    }
    applied_ += applied - round_applied_;
    round_applied_ = applied;
    if (!done) return false;
    in_round_ = false;
    if (!restored_once_) {
      restored_once_ = true;
      EDDY_LOG_INFO("standby task {}: caught up with its changelogs ({} records applied)",
                    id_.str(), applied_);
    }
    state_->checkpoint();  // when the changelogs moved far enough since the last one
    return true;
  }
  int64_t round_applied() const { return round_applied_; }
  int64_t applied() const { return applied_; }
  // Flushes the stores, writes the checkpoint, releases the folder.
  void close() { state_->close(); }
  void close_dirty() { state_->close_dirty(); }

 private:
  TaskId id_;
  NoChangelogWrites no_writes_;
  std::unique_ptr<state::TaskStateManager> state_;
  metrics::Registry* registry_;
  metrics::OwnerId owner_ = 0;
  std::map<std::string, metrics::Gauge*> lag_;
  bool in_round_ = false;
  bool restored_once_ = false;
  int64_t round_applied_ = 0;  // records applied in the current round
  int64_t applied_ = 0;        // since the standby opened
};

StandbyTasks::StandbyTasks(StandbyTasksOptions options)
    : options_(std::move(options)),
      instance_(member_instance(member_client_id(options_.config, options_.process_id, 0))) {}

StandbyTasks::~StandbyTasks() {
  stop();
}

void StandbyTasks::start() {
  thread_ = std::thread([this] { run(); });
}

void StandbyTasks::stop() {
  stop_ = true;
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void StandbyTasks::before_active(const TaskId& task) {
  std::lock_guard lock(mutex_);
  active_here_.insert(task);
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return;
  // Closed with a checkpoint: the active task opening the folder next restores the tail only.
  EDDY_LOG_INFO("standby task {}: becomes active on this instance ({} records kept warm)",
                task.str(), it->second->applied());
  try {
    it->second->close();
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("standby task {}: close: {}", task.str(), e.what());
  }
  tasks_.erase(it);
}

void StandbyTasks::after_active(const TaskId& task) {
  std::lock_guard lock(mutex_);
  active_here_.erase(task);
}

void StandbyTasks::membership_changed() {
  replan_requested_ = true;
  wake_.notify_all();
}

std::set<TaskId> StandbyTasks::held() const {
  std::lock_guard lock(mutex_);
  std::set<TaskId> out;
  for (const auto& [id, task] : tasks_) out.insert(id);
  return out;
}

bool StandbyTasks::replan() {
  const kafka::GroupDescription group =
      kafka::describe_group(kafka::client_properties(options_.config, kafka::ClientKind::kAdmin),
                            options_.config.application_id, 10s);
  if (group.state != "Stable") return false;  // assignments still moving
  const auto placement = place_standbys(
      group_members(group),
      [this](const kafka::TopicPartition& tp) { return options_.factory->task_for(tp); },
      options_.replicas);
  std::set<TaskId> wanted;
  for (const auto& id : standbys_of(placement, instance_)) {
    if (!options_.factory->standby_stores(id.subtopology).empty()) wanted.insert(id);
  }
  std::lock_guard lock(mutex_);
  if (wanted != wanted_) {
    EDDY_LOG_INFO("standby tasks of this instance ({} member(s) in the group): [{}]",
                  group.members.size(), task_list(wanted));
  }
  wanted_ = std::move(wanted);
  return true;
}

void StandbyTasks::reconcile() {
  std::lock_guard lock(mutex_);
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    if (wanted_.contains(it->first) && !active_here_.contains(it->first)) {
      ++it;
      continue;
    }
    try {
      it->second->close();  // the local state stays, checkpointed, for a later return
    } catch (const std::exception& e) {
      EDDY_LOG_WARN("standby task {}: close: {}", it->first.str(), e.what());
    }
    EDDY_LOG_INFO("standby task {}: closed (no longer placed here)", it->first.str());
    it = tasks_.erase(it);
  }
  const auto now = Clock::now();
  for (const auto& id : wanted_) {
    if (tasks_.contains(id) || active_here_.contains(id)) continue;
    if (auto retry = retry_after_.find(id); retry != retry_after_.end() && now < retry->second)
      continue;
    try {
      tasks_.emplace(id, std::make_unique<StandbyTask>(
                             id, options_.factory->standby_stores(id.subtopology), options_));
      retry_after_.erase(id);
      EDDY_LOG_INFO("standby task {}: opened", id.str());
    } catch (const StateStoreError& e) {
      // Most likely a stream thread of this instance still closes the active task.
      EDDY_LOG_DEBUG("standby task {}: cannot open yet: {}", id.str(), e.what());
      retry_after_[id] = now + kOpenRetry;
    }
  }
}

StandbyTasks::Step StandbyTasks::step() {
  std::lock_guard lock(mutex_);
  if (tasks_.empty()) return {.applied = false, .pass_done = true};
  if (round_.empty() || next_ >= round_.size()) {
    round_.clear();
    for (const auto& [id, task] : tasks_) round_.push_back(id);
    next_ = 0;
  }
  // The current task's round runs to its end before the next task's (they share the reader).
  while (next_ < round_.size() && !tasks_.contains(round_[next_])) ++next_;
  if (next_ >= round_.size()) return {.applied = false, .pass_done = true};
  const TaskId id = round_[next_];
  auto& task = tasks_.at(id);
  try {
    const int64_t before = task->round_applied();
    if (task->step(*reader_)) ++next_;
    return {.applied = task->round_applied() > before, .pass_done = next_ >= round_.size()};
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("standby task {}: {}; closed, opened again in {} s", id.str(), e.what(),
                  std::chrono::duration_cast<std::chrono::seconds>(kFailureRetry).count());
    try {
      task->close_dirty();  // a rebuild from the changelog next time
    } catch (const std::exception& close_error) {
      EDDY_LOG_WARN("standby task {}: close: {}", id.str(), close_error.what());
    }
    tasks_.erase(id);
    retry_after_[id] = Clock::now() + kFailureRetry;
    ++next_;
    return {.applied = false, .pass_done = next_ >= round_.size()};
  }
}

void StandbyTasks::run() {
  EDDY_LOG_INFO("standby tasks: {} replica(s) of each task, this instance is '{}'",
                options_.replicas, instance_);
  try {
    reader_ = std::make_unique<KafkaChangelogReader>(
        kafka::client_properties(options_.config, kafka::ClientKind::kConsumer),
        options_.config.exactly_once());
  } catch (const std::exception& e) {
    EDDY_LOG_ERROR("standby tasks: cannot create the changelog consumer: {}; no standbys",
                   e.what());
    return;
  }
  auto next_replan = Clock::now();
  int64_t failures = 0;
  while (!stop_) {
    const auto now = Clock::now();
    if (replan_requested_.exchange(false) || now >= next_replan) {
      try {
        next_replan = now + (replan() ? kReplanInterval : kReplanRetry);
        failures = 0;
      } catch (const KafkaError& e) {
        if (std::string_view(e.what()).find("embedded") != std::string_view::npos) {
          EDDY_LOG_WARN("standby tasks: {}: num.standby.replicas needs a real broker; none kept",
                        e.what());
          break;
        }
        if (++failures == 1 || failures % 20 == 0) {
          EDDY_LOG_WARN("standby tasks: cannot read the group's membership ({}); retrying",
                        e.what());
        }
        next_replan = now + kReplanRetry;
      }
    }
    reconcile();
    // Batches until every standby had its round (or a bounded number of them), then a look
    // at the placement; a pass that found nothing new waits a little.
    bool worked = false;
    for (int i = 0; i < kStepsPerLoop && !stop_ && !replan_requested_; ++i) {
      const Step done = step();
      worked = worked || done.applied;
      if (done.pass_done) break;
    }
    if (!worked) {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kIdleWait, [this] { return stop_.load() || replan_requested_.load(); });
    }
  }
  std::lock_guard lock(mutex_);
  for (auto& [id, task] : tasks_) {
    try {
      task->close();
    } catch (const std::exception& e) {
      EDDY_LOG_WARN("standby task {}: close: {}", id.str(), e.what());
    }
  }
  tasks_.clear();
  reader_.reset();
}

}  // namespace eddy::runtime
