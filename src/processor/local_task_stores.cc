#include "processor/local_task_stores.h"

#include <exception>

#include "common/log.h"
#include "eddy/errors.h"
#include "processor/task_store_context.h"
#include "state/store_factory.h"

namespace eddy::processor {

LocalTaskStores::~LocalTaskStores() {
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_ERROR("task {}: error while closing its stores: {}",
                   context_ ? context_->task_id : std::string("?"), e.what());
  }
}

StateStore* LocalTaskStores::build(const StoreSpec& spec, TaskCore& task) {
  if (task_ == nullptr) {
    task_ = &task;
    state::MemoryBudget* budget = options_.memory_budget != nullptr
                                      ? options_.memory_budget
                                      : &state::default_memory_budget();
    context_ = std::make_unique<state::StoreContext>(task_store_context(
        {.application_id = task.application_id(),
         .task_id = task.task_id(),
         .partition = task.partition(),
         .task_dir = options_.state_dir.empty()
                         ? std::filesystem::path()
                         : options_.state_dir / task.application_id() / task.task_id(),
         .changelog = options_.changelog,
         .memory_budget = budget,
         .rocksdb_config_setter = options_.rocksdb_config_setter,
         .store_registry = options_.store_registry},
        [this] { return task_; }));
    context_->wall_clock_ms = [this] { return task_->wall_clock_time(); };
  } else if (task_ != &task) {
    throw StateStoreError("store '" + spec.name + "': LocalTaskStores serve one task, not two");
  }
  stores_.push_back(state::create_store(spec, *context_));
  return stores_.back().get();
}

void LocalTaskStores::close() {
  if (closed_) return;
  closed_ = true;
  // Every store closes even when one fails (a RocksDB store left open keeps its files); the
  // first failure is rethrown.
  std::exception_ptr first;
  for (auto& store : stores_) {
    try {
      store->close();
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

}  // namespace eddy::processor
