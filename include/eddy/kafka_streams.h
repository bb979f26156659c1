// eddy/kafka_streams.h — KafkaStreams: runs a topology against Kafka.
//
// Instances started with the same application.id form one consumer group; Kafka spreads the
// partitions, and so the tasks, across them. Each instance runs num.stream.threads threads,
// each with its own consumer and producer.
//
//   auto topology = builder.build(config);
//   eddy::KafkaStreams streams(topology, config);
//   streams.set_state_listener([](auto from, auto to) { ... });
//   streams.start();                               // throws ConfigError / TopologyError /
//   KafkaError
//   ...                                            // on SIGTERM:
//   streams.close(std::chrono::seconds(30));       // commits and releases everything
//
// Interactive queries (from any thread; see eddy/state/queryable_store.h and docs/state.md):
//   auto counts = streams.key_value_store<std::string, int64_t>("counts");
//   std::optional<int64_t> n = counts.get("sku-1");  // InvalidStateStoreError: retry later
#pragma once

#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "eddy/config.h"
#include "eddy/metrics.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/queryable_store.h"
#include "eddy/state/stores.h"

namespace eddy {

class Topology;
namespace runtime {
class StreamsRuntime;
class TaskFactory;
}  // namespace runtime

class KafkaStreams {
 public:
  // As in Kafka Streams: CREATED -> REBALANCING <-> RUNNING -> PENDING_SHUTDOWN -> NOT_RUNNING;
  // any state -> ERROR when a stream thread dies and the error handler says so.
  enum class State { kCreated, kRebalancing, kRunning, kPendingShutdown, kNotRunning, kError };

  using StateListener = std::function<void(State old_state, State new_state)>;
  // Called on the dying thread; return true to keep the other threads running (the failed
  // thread's tasks move to them at the next rebalance), false to shut the instance down
  // (state ERROR). Default: shut down.
  using UncaughtErrorHandler = std::function<bool(std::exception_ptr error)>;

  KafkaStreams(const Topology& topology, StreamsConfig config);
  // close() with a 30 s timeout if still running; threads still running after it are
  // abandoned (with what they use, deliberately leaked) rather than waited for.
  ~KafkaStreams();
  KafkaStreams(const KafkaStreams&) = delete;
  KafkaStreams& operator=(const KafkaStreams&) = delete;

  void set_state_listener(StateListener listener);
  void set_uncaught_error_handler(UncaughtErrorHandler handler);

  // Validates the config, creates internal topics, starts the threads. Throws on a bad
  // config, a missing source topic or an unreachable broker.
  void start();
  // Commits in-flight work and releases everything; true when it finished within `timeout`.
  // Returns by the deadline either way (as Kafka Streams): false leaves the threads that could
  // not stop running, asked to stop, and the instance PENDING_SHUTDOWN; close() again waits
  // for them once more.
  bool close(std::chrono::milliseconds timeout = std::chrono::seconds(30));

  State state() const;
  static const char* state_name(State state);

  // As Kafka Streams' cleanUp(): deletes this application's local state — every task folder
  // (stores, checkpoints) and the global tables' folder under <state.dir>/<application.id> —
  // so the next start() rebuilds every store from its changelog, or from nothing after a
  // reset (docs/operations.md). Only before start() or after close(): throws Error while the
  // instance runs, and StateStoreError when a task folder is locked by another instance.
  // Keeps the process-id file (the instance's transactional.id).
  void clean_up();

  // Blocks until the instance is NOT_RUNNING or ERROR, at most `timeout`; true when it is.
  // For a bounded run (eddy.run.until.end), which stops by itself once its input is read to
  // the end offsets of start() and committed:
  //   streams.start();
  //   streams.wait_until_stopped(std::chrono::hours(1));
  //   streams.close();  // joins the ended threads; returns at once
  bool wait_until_stopped(std::chrono::milliseconds timeout) const;

  // Records processed by all threads so far (after close(): the final total).
  int64_t records_processed() const;

  // A snapshot of every metric (the same the Prometheus endpoint at metrics.port serves; see
  // docs/metrics.md), as an array of {"name", "type", "labels", "value"} objects; histograms
  // carry "count", "sum" (seconds) and "buckets" ([upper bound in seconds, cumulative count]).
  // Callable from any thread, in any state.
  //   for (const auto& m : streams.metrics())
  //     if (m["name"] == "eddy_consumer_lag_records") total_lag += m["value"].get<double>();
  nlohmann::json metrics() const;

  // The same metrics as typed samples, through a function that may outlive this object (it
  // then returns nothing): for a host exporting them itself, e.g. on its own prometheus-cpp
  // Exposer (eddy/metrics_prometheus.h) instead of a second endpoint at metrics.port.
  MetricsSource metrics_source() const;

  // Read-only views of store `name` over all of this instance's local tasks (partitions), as
  // Kafka Streams' store(StoreQueryParameters). Callable from any thread while the instance
  // runs; a view must not outlive this object. Pass the serdes the store was materialized
  // with (the defaults are the DSL's). Throws UnknownStateStoreError (naming the store and
  // listing the topology's stores) for a name that is no store of that kind, StateStoreError
  // before start() and after close(). Every read through a view throws InvalidStateStoreError
  // while the instance is not RUNNING or holds none of the store's partitions: retry later.
  // A GlobalKTable's store answers with the whole table (the first stream thread's copy).
  template <typename K, typename V>
  QueryableKeyValueStore<K, V> key_value_store(const std::string& name,
                                               Serde<K> key_serde = default_serde<K>(),
                                               Serde<V> value_serde = default_serde<V>()) {
    return QueryableKeyValueStore<K, V>(queryable_stores(name, StoreKind::kKeyValue), name,
                                        std::move(key_serde), std::move(value_serde));
  }
  // Time and sliding windows' stores: fetch a key's windows by start time.
  template <typename K, typename V>
  QueryableWindowStore<K, V> window_store(const std::string& name,
                                          Serde<K> key_serde = default_serde<K>(),
                                          Serde<V> value_serde = default_serde<V>()) {
    return QueryableWindowStore<K, V>(queryable_stores(name, StoreKind::kWindow), name,
                                      std::move(key_serde), std::move(value_serde));
  }
  template <typename K, typename V>
  QueryableSessionStore<K, V> session_store(const std::string& name,
                                            Serde<K> key_serde = default_serde<K>(),
                                            Serde<V> value_serde = default_serde<V>()) {
    return QueryableSessionStore<K, V>(queryable_stores(name, StoreKind::kSession), name,
                                       std::move(key_serde), std::move(value_serde));
  }

  // For tests of the runtime without a DSL topology.
  KafkaStreams(std::shared_ptr<runtime::TaskFactory> factory, StreamsConfig config);

 private:
  QueryableStores& queryable_stores(const std::string& name, StoreKind kind);

  std::unique_ptr<runtime::StreamsRuntime> runtime_;
};

}  // namespace eddy
