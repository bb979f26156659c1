#include "processor/task_store_context.h"

#include <utility>

#include "processor/task_core.h"

namespace eddy::processor {

state::StoreContext task_store_context(const TaskStoreSettings& settings,
                                       std::function<TaskCore*()> task) {
  state::StoreContext context;
  context.application_id = settings.application_id;
  context.task_id = settings.task_id;
  context.partition = settings.partition;
  context.task_dir = settings.task_dir;
  context.changelog = settings.changelog;
  context.memory_budget = settings.memory_budget;
  context.rocksdb_config_setter = settings.rocksdb_config_setter;
  context.store_registry = settings.store_registry;
  context.time_operations = settings.time_operations;
  if (!task) return context;
  context.record_timestamp = [task] {
    const TaskCore* core = task();
    return core != nullptr ? core->current_timestamp() : 0;
  };
  context.record_context = [task](state::RecordContext& into) {
    if (TaskCore* core = task()) core->capture_record_context(into);
  };
  context.expired_put = [task](const std::string& store) {
    if (TaskCore* core = task()) core->record_expired_put(store);
  };
  return context;
}

}  // namespace eddy::processor
