// The application's global tables (GlobalKTable), as one stream thread keeps them for its
// tasks: every partition of every global topic, read from the beginning — the topic itself
// is the table's log, so global stores have no changelog and no checkpoint.
//
//   GlobalTables global(plan, config, thread_index);
//   global.bootstrap(stop_flag);   // at start: read every partition up to its end offset
//   services.global_stores = &global.stores();
//   ... each loop: global.poll();  // apply what arrived since, without blocking
//   global.close();
//
// Each stream thread keeps its own copy (Kafka Streams shares one, kept by a dedicated global
// thread). A copy per thread costs memory per thread but needs no locking between the thread
// that writes a global store and the tasks that read it; global tables are small reference
// data (products, inventory), and most deployments run one or two threads.
//
// The stores count against the instance's memory budget (null: the process default).
// Interactive queries: the copy built with a `queries` registry (the first thread's) is
// added to it once bootstrapped, as partition 0 of each global store, and removed before it
// closes; its stores then have a locking layer, like tasks' stores.
#pragma once

#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "eddy/config.h"
#include "kafka/consumer.h"
#include "processor/local_task_stores.h"
#include "processor/task_core.h"
#include "topology/topology_plan.h"

namespace eddy::runtime {

class GlobalTables {
 public:
  GlobalTables(std::shared_ptr<const detail::TopologyPlan> plan, const StreamsConfig& config,
               int thread_index, state::MemoryBudget* memory_budget = nullptr,
               state::StoreRegistry* queries = nullptr);
  ~GlobalTables();
  GlobalTables(const GlobalTables&) = delete;
  GlobalTables& operator=(const GlobalTables&) = delete;

  // Reads every partition of every global topic from the beginning up to the end offsets
  // taken now, so tasks see the whole table before their first record (as Kafka Streams).
  // Returns early (false) when `stop` turns true; throws KafkaError when a topic is missing.
  bool bootstrap(const std::atomic<bool>& stop);
  // Applies the records that arrived since, without waiting; returns how many.
  size_t poll();
  // The global stores by name, for TaskEnvironment::global_stores.
  const std::map<std::string, StateStore*>& stores() const { return core_->stores(); }
  int64_t records_applied() const { return records_applied_; }
  void close();

 private:
  size_t apply(std::vector<kafka::Message> batch);

  std::shared_ptr<const detail::TopologyPlan> plan_;
  std::filesystem::path state_dir_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::unique_ptr<processor::LocalTaskStores> stores_;  // outlives core_
  std::unique_ptr<processor::TaskCore> core_;
  state::StoreRegistry* queries_ = nullptr;
  bool queryable_ = false;  // added to queries_
  int64_t records_applied_ = 0;
  bool closed_ = false;
};

}  // namespace eddy::runtime
