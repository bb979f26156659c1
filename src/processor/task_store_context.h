// The StoreContext of one task's stores: the one place its fields are filled in, for an active
// task on Kafka (runtime/stream_task), a standby (runtime/standby_tasks) and a task that owns
// its stores (processor/local_task_stores: the test driver's and the global tables').
//
//   state::StoreContext context = task_store_context(
//       {.application_id = app, .task_id = "0_3", .partition = 3, .changelog = &writer},
//       [this] { return core_.get(); });
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "eddy/state/rocksdb_config_setter.h"
#include "state/changelog.h"
#include "state/memory_budget.h"
#include "state/store_context.h"

namespace eddy::processor {

class TaskCore;

struct TaskStoreSettings {
  std::string application_id;
  std::string task_id;  // "<subtopology>_<partition>", or "global"
  int32_t partition = 0;
  // Where persistent stores live; empty: set by the TaskStateManager (its locked folder).
  std::filesystem::path task_dir;
  state::ChangelogWriter* changelog = nullptr;  // null: the stores do not log
  state::MemoryBudget* memory_budget = nullptr;
  RocksDbConfigSetter rocksdb_config_setter;
  // Set: the stores get a locking layer, for interactive queries from other threads.
  state::StoreRegistry* store_registry = nullptr;
  bool time_operations = false;  // metrics.recording.level DEBUG
};

// `task` gives the task whose current record stamps the stores' changelog records and record
// cache entries, and whose late-record count an expired window put goes to; it may return
// null (before the task exists, or for a standby, which processes no records). The stores'
// wall clock is the system's unless the caller sets StoreContext::wall_clock_ms.
state::StoreContext task_store_context(const TaskStoreSettings& settings,
                                       std::function<TaskCore*()> task);

}  // namespace eddy::processor
