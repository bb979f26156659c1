#include "runtime/task_manager.h"

#include "common/heap.h"
#include "common/log.h"
#include "common/log_throttle.h"
#include "runtime/thread_metrics.h"

namespace eddy::runtime {

TaskManager::TaskManager(TaskFactory& factory, const TaskServices& services, ThreadMetrics* metrics,
                         ActiveTaskObserver* observer)
    : factory_(factory), services_(services), metrics_(metrics), observer_(observer) {}

TaskManager::~TaskManager() = default;

void TaskManager::create(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<TaskId, std::vector<kafka::TopicPartition>> by_task;
  for (const auto& tp : partitions) {
    if (auto id = factory_.task_for(tp)) by_task[*id].push_back(tp);
  }
  for (auto& [id, tps] : by_task) {
    if (!tasks_.contains(id)) add(id, std::move(tps));
  }
}

void TaskManager::add(const TaskId& id, std::vector<kafka::TopicPartition> partitions) {
  // A standby of this task on this instance closes first (with a checkpoint) and releases
  // the task folder: the active task opens it and restores only the changelog's tail.
  if (observer_ != nullptr) observer_->before_active(id);
  std::unique_ptr<Task> task;
  try {
    task = factory_.create(id, std::move(partitions), services_);
  } catch (...) {
    if (observer_ != nullptr) observer_->after_active(id);
    throw;
  }
  for (const auto& tp : task->input_partitions()) by_partition_[tp] = task.get();
  restoring_.emplace(id, std::nullopt);
  tasks_.emplace(id, std::move(task));
}

std::vector<kafka::TopicPartition> TaskManager::release(
    std::map<TaskId, std::unique_ptr<Task>>::iterator it, bool clean) {
  std::vector<kafka::TopicPartition> released = it->second->input_partitions();
  for (const auto& tp : released) {
    by_partition_.erase(tp);
    paused_.erase(tp);
  }
  restoring_.erase(it->first);
  blocked_.erase(it->first);
  // Out of every index first: a close that throws leaves no dangling pointer behind.
  const TaskId id = it->first;
  std::unique_ptr<Task> task = std::move(it->second);
  tasks_.erase(it);
  try {
    task->close(clean);
  } catch (...) {
    if (observer_ != nullptr) observer_->after_active(id);
    throw;
  }
  if (observer_ != nullptr) observer_->after_active(id);
  return released;
}

std::vector<kafka::TopicPartition> TaskManager::close(
    const std::vector<kafka::TopicPartition>& partitions, bool clean) {
  std::set<TaskId> ids;
  for (const auto& tp : partitions) {
    if (auto id = factory_.task_for(tp)) ids.insert(*id);
  }
  std::vector<kafka::TopicPartition> released;
  // As close_all(): one task's failing close must not leave the others open (holding their
  // folders' locks, which the member that gets them next would wait on).
  std::exception_ptr first_error;
  for (const auto& id : ids) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    try {
      auto tps = release(it, clean);
      released.insert(released.end(), tps.begin(), tps.end());
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
  return released;
}

std::vector<kafka::TopicPartition> TaskManager::close_all(bool clean) {
  std::vector<kafka::TopicPartition> released;
  // Every task is closed even when one's close throws; the first error is rethrown.
  std::exception_ptr first_error;
  while (!tasks_.empty()) {
    try {
      auto tps = release(tasks_.begin(), clean);
      released.insert(released.end(), tps.begin(), tps.end());
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  paused_.clear();
  blocked_.clear();
  if (first_error) std::rethrow_exception(first_error);
  return released;
}

Task* TaskManager::find(const TaskId& id) const {
  auto it = tasks_.find(id);
  return it == tasks_.end() ? nullptr : it->second.get();
}

Task* TaskManager::task_of(const kafka::TopicPartition& partition) const {
  auto it = by_partition_.find(partition);
  return it == by_partition_.end() ? nullptr : it->second;
}

std::vector<kafka::TopicPartition> TaskManager::input_partitions() const {
  std::vector<kafka::TopicPartition> out;
  out.reserve(by_partition_.size());
  for (const auto& [tp, task] : by_partition_) out.push_back(tp);
  return out;
}

void TaskManager::restore_step() {
  if (restoring_.empty()) return;
  size_t started = 0;
  bool finished = false;
  for (const auto& [id, since] : restoring_) started += since.has_value() ? 1 : 0;
  for (auto it = restoring_.begin(); it != restoring_.end();) {
    Task& task = *tasks_.at(it->first);
    if (!it->second) {
      if (started >= kConcurrentRestores && task.restores_state()) {
        ++it;  // its turn comes when one finishes
        continue;
      }
      ++started;
      it->second = Clock::now();
      task.initialize();
    }
    if (!task.restore_step()) {
      ++it;
      continue;
    }
    EDDY_LOG_INFO(
        "task {} initialized in {} ms", task.id().str(),
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *it->second).count());
    it = restoring_.erase(it);
    --started;
    finished = finished || task.restores_state();
  }
  // What a finished restore read (its consumer's fetch queue, its bulk-load buffers) is freed
  // now; hand it back before the next restore's consumer allocates in other arenas
  // (common/heap.h says why).
  if (finished) common::return_free_heap_memory();
}

bool TaskManager::has_work() const {
  for (const auto& [tp, task] : by_partition_) {
    if (task->buffered(tp) > 0 && !task->blocked()) return true;
  }
  return false;
}

size_t TaskManager::process(size_t max_per_task, Clock::duration budget) {
  // Drain what the last poll brought (round-robin over tasks, in slices so one task cannot
  // starve the others), within a time budget so commits and polls stay timely. Draining
  // before the next poll keeps buffers below the pause limit, so partitions are paused
  // only when a task really cannot keep up — pausing and resuming on every poll makes
  // librdkafka drop and re-fetch its prefetched data.
  size_t total = 0;
  const auto start = Clock::now();
  for (;;) {
    size_t round = 0;
    const auto now = Clock::now();
    for (auto& [id, task] : tasks_) {
      if (restoring_.contains(id)) continue;
      if (metrics_ == nullptr) {
        round += task->process(max_per_task, now);
        continue;
      }
      const auto task_start = Clock::now();
      const size_t n = task->process(max_per_task, now);
      metrics_->process_took(Clock::now() - task_start, n);
      round += n;
    }
    total += round;
    if (round == 0 || Clock::now() - start > budget) return total;
  }
}

bool TaskManager::punctuate_wall_clock(int64_t wall_clock_ms) {
  bool did_work = false;
  for (auto& [id, task] : tasks_) {
    if (!restoring_.contains(id) && task->punctuate_wall_clock(wall_clock_ms)) did_work = true;
  }
  return did_work;
}

void TaskManager::prepare_commit() {
  for (auto& [id, task] : tasks_) {
    if (!restoring_.contains(id)) task->prepare_commit();
  }
}

TaskManager::Committable TaskManager::committable(std::chrono::milliseconds sink_wait) {
  Committable out;
  for (auto& [id, task] : tasks_) {
    if (restoring_.contains(id)) continue;
    if (!task->effects_durable(sink_wait)) {
      out.held_back.push_back(id);
      continue;
    }
    for (auto& offset : task->committable_offsets()) out.offsets.push_back(std::move(offset));
  }
  return out;
}

void TaskManager::post_commit() {
  for (auto& [id, task] : tasks_) {
    if (!restoring_.contains(id)) task->post_commit();
  }
}

TaskManager::PauseChange TaskManager::update_pauses(
    size_t limit, const std::function<bool(const kafka::TopicPartition&)>& keep_paused) {
  PauseChange change;
  for (const auto& [tp, task] : by_partition_) {
    // Backpressure: a task whose feature sink pushes back takes no input, so its partitions
    // stay paused until the sink drains; the consumer keeps polling (the member stays in the
    // group) and the other tasks keep going.
    const bool blocked = task->blocked();
    if (blocked != blocked_.contains(task->id())) {
      if (blocked) {
        blocked_.insert(task->id());
        if (detail::log_due(++backpressure_pauses_, backpressure_log_ms_)) {
          EDDY_LOG_WARN("{}: task {} paused: its feature sink pushes back ({} task pauses so far)",
                        services_.thread_name, task->id().str(), backpressure_pauses_);
        }
      } else {
        blocked_.erase(task->id());
        EDDY_LOG_DEBUG("{}: task {} resumed: its feature sink drained", services_.thread_name,
                       task->id().str());
      }
    }
    const size_t buffered = task->buffered(tp);
    const bool paused = paused_.contains(tp);
    const bool want = blocked || (keep_paused && keep_paused(tp)) ||
                      (paused ? buffered > limit / 2 : buffered >= limit);
    if (want && !paused) {
      change.pause.push_back(tp);
    } else if (!want && paused) {
      change.resume.push_back(tp);
    }
  }
  paused_.insert(change.pause.begin(), change.pause.end());
  for (const auto& tp : change.resume) paused_.erase(tp);
  return change;
}

std::vector<kafka::TopicPartition> TaskManager::clear_pauses() {
  std::vector<kafka::TopicPartition> was(paused_.begin(), paused_.end());
  paused_.clear();
  blocked_.clear();
  return was;
}

}  // namespace eddy::runtime
