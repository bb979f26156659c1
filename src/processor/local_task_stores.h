// Stores a task builds and owns itself, with no changelog to restore them from: the test
// driver's tasks, the global tables' task (rebuilt from its topics at every start) and the
// micro benchmarks. An active task on Kafka gets its stores from a TaskStateManager instead
// (runtime/stream_task.cc); both build them through task_store_context().
//
//   LocalTaskStores stores({.state_dir = dir, .changelog = &writer});
//   TaskCore task(plan, 0, 3, {.collector = &collector, .store_provider = stores.provider()});
//   ...                       // task closes first (declared last), then its stores
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "eddy/state/rocksdb_config_setter.h"
#include "processor/task_core.h"
#include "state/changelog.h"
#include "state/memory_budget.h"
#include "state/store_context.h"

namespace eddy::processor {

class LocalTaskStores {
 public:
  struct Options {
    // Persistent stores live in <state_dir>/<application.id>/<task id>; empty: in memory.
    std::filesystem::path state_dir = "/tmp/eddy";
    state::ChangelogWriter* changelog = nullptr;  // null: the stores do not log
    // Null: state::default_memory_budget(), as TaskCore's suppress buffers.
    state::MemoryBudget* memory_budget = nullptr;
    RocksDbConfigSetter rocksdb_config_setter;
    // Set: the stores get a locking layer, so another thread may query them.
    state::StoreRegistry* store_registry = nullptr;
  };

  explicit LocalTaskStores(Options options) : options_(std::move(options)) {}
  ~LocalTaskStores();
  LocalTaskStores(const LocalTaskStores&) = delete;
  LocalTaskStores& operator=(const LocalTaskStores&) = delete;

  // For TaskEnvironment::store_provider of one task. That task stamps the stores' changes with
  // its current record, and its wall clock (which a test driver advances by hand) drives their
  // wall-clock TTL.
  StoreProvider provider() {
    return [this](const StoreSpec& spec, TaskCore& task) { return build(spec, task); };
  }
  // Closes the stores; call after the task's close() (a closing processor may still write).
  void close();

 private:
  StateStore* build(const StoreSpec& spec, TaskCore& task);

  Options options_;
  TaskCore* task_ = nullptr;
  // Built with the first store; the stores keep a reference to it.
  std::unique_ptr<state::StoreContext> context_;
  std::vector<std::unique_ptr<StateStore>> stores_;
  bool closed_ = false;
};

}  // namespace eddy::processor
