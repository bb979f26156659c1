// How a stream thread turns assigned partitions into tasks: the compiled topology says which
// source topics each sub-topology reads, and builds a task for (sub-topology, partition).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/producer.h"
#include "kafka/types.h"
#include "runtime/task.h"
#include "topology/topology_plan.h"

namespace eddy::state {
class MemoryBudget;
class StoreRegistry;
}  // namespace eddy::state

namespace eddy {
class FeatureSink;
namespace metrics {
class Registry;
}
}  // namespace eddy

namespace eddy::runtime {

// What a task may use of the thread that runs it.
struct TaskServices {
  kafka::Producer* producer = nullptr;  // output, repartition and changelog records
  const StreamsConfig* config = nullptr;
  std::string application_id;
  std::string state_dir;
  bool exactly_once = false;
  // A slot that the thread's delivery reports keep at "next offset after the last
  // acknowledged record" of (topic, partition), for records sent with the slot as opaque.
  // Slots live as long as the thread, so late reports never dangle.
  std::function<int64_t*(const std::string& topic, int32_t partition)> acknowledged_slot;
  // The instance's metrics registry (null: no metrics) and the running thread's name, the
  // `thread` label of the task's metrics.
  metrics::Registry* metrics = nullptr;
  std::string thread_name;
  // The thread's global stores (GlobalKTable), by name; null when the topology has none.
  const std::map<std::string, StateStore*>* global_stores = nullptr;
  // The instance's memory budget (stores, record caches, suppress buffers); null: the
  // process default.
  state::MemoryBudget* memory_budget = nullptr;
  // The instance's interactive-query registry: the task's stores join it once restored and
  // leave it before they close. Null: the stores are not queryable (and not locked).
  state::StoreRegistry* store_registry = nullptr;
  // The thread's error handlers (resolved once from the config, so a built-in handler's
  // rate-limited log counts across the thread's tasks).
  ErrorHandler deserialization_handler;
  ErrorHandler processing_handler;
  ErrorHandler production_handler;
  // The tag the producer hands back with a failed record of (task, sink node); tags live as
  // long as the thread, so a failure reported after its task closed never dangles. A null
  // `node` tags the task's dead-letter records.
  std::function<const void*(const TaskId& task, const std::string* node)> delivery_tag;
};

class TaskFactory {
 public:
  virtual ~TaskFactory() = default;
  // Every topic the application consumes (sources and repartition topics).
  virtual std::vector<std::string> source_topics() const = 0;
  // A repartition topic of the application (its committed records may be purged).
  virtual bool is_repartition_topic(const std::string& /*topic*/) const { return false; }
  // The task a partition belongs to; nullopt for a partition no sub-topology reads.
  virtual std::optional<TaskId> task_for(const kafka::TopicPartition& partition) const = 0;
  virtual std::unique_ptr<Task> create(const TaskId& id,
                                       std::vector<kafka::TopicPartition> partitions,
                                       const TaskServices& services) = 0;
  // The stores a standby of a task of `subtopology` keeps warm: its persistent stores that
  // have a changelog (an in-memory store could not be handed to the active task).
  virtual std::vector<StoreSpec> standby_stores(int /*subtopology*/) const { return {}; }
  // Every feature sink the tasks write to, once each, so the runtime can export its metrics.
  virtual std::vector<std::shared_ptr<FeatureSink>> feature_sinks() const { return {}; }
  // The compiled topology when it has global tables (each thread then keeps them, see
  // global_tables.h); null otherwise.
  virtual std::shared_ptr<const detail::TopologyPlan> global_tables_plan() const { return nullptr; }
  // Tells `registry` every store the tasks may have (name, kind, timestamped values), so
  // queries can tell an unknown name from a store that is not local now.
  virtual void declare_stores(state::StoreRegistry& /*registry*/) const {}
};

}  // namespace eddy::runtime
