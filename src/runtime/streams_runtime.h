// The private side of KafkaStreams: the state machine and the stream threads.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "eddy/kafka_streams.h"
#include "metrics/prometheus_endpoint.h"
#include "metrics/registry.h"
#include "runtime/bounded_run.h"
#include "runtime/internal_topics.h"
#include "runtime/standby_tasks.h"
#include "runtime/state_dir_lock.h"
#include "runtime/stream_thread.h"
#include "state/memory_budget.h"
#include "state/store_registry.h"

namespace eddy::runtime {

class StreamsRuntime {
 public:
  // `plan_topics` runs at start(), with a connected admin client: it checks the source topics
  // and says which internal topics to create.
  using TopicPlanner = std::function<std::vector<InternalTopic>(kafka::Admin& admin)>;
  StreamsRuntime(std::shared_ptr<TaskFactory> factory, TopicPlanner plan_topics,
                 StreamsConfig config);
  ~StreamsRuntime();

  void set_state_listener(KafkaStreams::StateListener listener);
  void set_uncaught_error_handler(KafkaStreams::UncaughtErrorHandler handler);
  void start();
  bool close(std::chrono::milliseconds timeout);
  KafkaStreams::State state() const;
  bool wait_until_stopped(std::chrono::milliseconds timeout) const;
  void clean_up();
  int64_t records_processed() const;
  nlohmann::json metrics() const { return registry_->to_json(); }
  MetricsSource metrics_source() const {
    return [registry = registry_] { return registry->samples(); };
  }
  // The query surface for a view of store `name` of `kind`, as KafkaStreams#store(): throws
  // UnknownStateStoreError for a name the topology lacks (or of another kind), StateStoreError
  // before start() and after close(). Reads through it refuse (InvalidStateStoreError) while
  // the instance is not RUNNING.
  QueryableStores& queryable_stores(const std::string& name, StoreKind kind);

 private:
  void transition(KafkaStreams::State to);
  void on_thread_error(int index, const std::exception_ptr& error);
  void on_thread_rebalance(int index, bool rebalancing);
  void on_thread_stopped(int index);
  // eddy.run.until.end: the end offsets of the external source partitions, now.
  std::map<kafka::TopicPartition, int64_t> source_end_offsets();
  void on_bounded_end();

  std::shared_ptr<TaskFactory> factory_;
  // Declared before the threads and the endpoint: both use it until they are gone.
  std::shared_ptr<metrics::Registry> registry_ = std::make_shared<metrics::Registry>();
  std::atomic<int64_t> records_total_{0};                  // every thread's processed records
  std::unique_ptr<metrics::PrometheusEndpoint> endpoint_;  // start() to close(), when a port is set
  // The instance lock on <state.dir>/<application.id>, from start() to close().
  std::unique_ptr<StateDirLock> state_dir_lock_;
  TopicPlanner plan_topics_;
  StreamsConfig config_;
  // eddy.memory.budget.bytes with statestore.cache.max.bytes for record caches; before the
  // threads, whose tasks' stores and suppress buffers use it until they are gone.
  std::unique_ptr<state::MemoryBudget> budget_;
  // Every task's stores while it runs on this instance; before the threads, whose tasks
  // leave it when they close.
  state::StoreRegistry stores_;
  // num.standby.replicas > 0: the instance's standby tasks; before the threads, which tell
  // it about their tasks until they are gone, and stopped after them.
  std::unique_ptr<StandbyTasks> standbys_;
  std::vector<std::unique_ptr<StreamThread>> threads_;
  std::vector<bool> thread_rebalancing_;
  std::unique_ptr<BoundedRun> bounded_;  // eddy.run.until.end only; outlives the threads
  mutable std::mutex mutex_;
  mutable std::condition_variable state_changed_;
  std::mutex close_mutex_;  // one close() at a time
  // Guards threads_ against records_processed() from other threads while close() clears it.
  mutable std::mutex threads_mutex_;
  int64_t records_processed_at_close_ = 0;  // kept when the threads are released
  KafkaStreams::State state_ = KafkaStreams::State::kCreated;
  KafkaStreams::StateListener listener_;
  KafkaStreams::UncaughtErrorHandler error_handler_;
};

}  // namespace eddy::runtime
