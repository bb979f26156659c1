// The private side of KafkaStreams: the state machine and the stream threads.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include <nlohmann/json.hpp>

#include "eddy/kafka_streams.h"
#include "metrics/prometheus_endpoint.h"
#include "metrics/registry.h"
#include "runtime/internal_topics.h"
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
  void on_thread_error(int index, std::exception_ptr error);
  void on_thread_rebalance(int index, bool rebalancing);

  std::shared_ptr<TaskFactory> factory_;
  // Declared before the threads and the endpoint: both use it until they are gone.
  std::shared_ptr<metrics::Registry> registry_ = std::make_shared<metrics::Registry>();
  std::atomic<int64_t> records_total_{0};                  // every thread's processed records
  std::unique_ptr<metrics::PrometheusEndpoint> endpoint_;  // start() to close(), when a port is set
  TopicPlanner plan_topics_;
  StreamsConfig config_;
  // eddy.memory.budget.bytes with statestore.cache.max.bytes for record caches; before the
  // threads, whose tasks' stores and suppress buffers use it until they are gone.
  std::unique_ptr<state::MemoryBudget> budget_;
  // Every task's stores while it runs on this instance; before the threads, whose tasks
  // leave it when they close.
  state::StoreRegistry stores_;
  std::vector<std::unique_ptr<StreamThread>> threads_;
  std::vector<bool> thread_rebalancing_;
  mutable std::mutex mutex_;
  // Guards threads_ against records_processed() from other threads while close() clears it.
  mutable std::mutex threads_mutex_;
  int64_t records_processed_at_close_ = 0;  // kept when the threads are released
  KafkaStreams::State state_ = KafkaStreams::State::kCreated;
  KafkaStreams::StateListener listener_;
  KafkaStreams::UncaughtErrorHandler error_handler_;
};

}  // namespace eddy::runtime
