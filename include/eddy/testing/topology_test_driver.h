// eddy/testing/topology_test_driver.h — TopologyTestDriver: run a Topology without Kafka.
//
// The driver runs the real processor nodes and stores of a Topology, in process and
// deterministically. Pipe records into input topics; each piped record is processed at once,
// together with everything it causes (records written to repartition topics, or to any topic
// the topology also reads, are routed to the task owning that partition and processed too)
// until nothing is left to do. Then read what the sinks wrote and what the stores hold.
//
// Records reach each task through the same input queues as on Kafka (lowest timestamp first
// across its partitions, max.task.idle.ms against the driver's wall clock, negative
// timestamps skipped), and failures go to the configured handlers; a dead-letter topic is an
// output topic like any other.
//
// Unlike Kafka Streams' driver it runs topics with several partitions: set
// TestDriverOptions::partitions_per_topic (default 1) or per-topic counts. Records are routed
// with Kafka's default partitioner (murmur2 of the key bytes), and there is one task per
// sub-topology and partition, so repartitioning and co-partitioning are exercised for real.
//
//   eddy::StreamsBuilder builder;
//   builder.stream<std::string, std::string>("words")
//       .group_by([](auto&, const std::string& w) { return w; })
//       .count(eddy::Materialized<std::string, int64_t>::as("counts"))
//       .to_stream().to("word-counts");
//   eddy::StreamsConfig config;
//   config.application_id = "word-count";
//   eddy::TopologyTestDriver driver(builder.build(config), config, {.partitions_per_topic = 4});
//
//   auto words = driver.create_input_topic<std::string, std::string>("words");
//   auto counts = driver.create_output_topic<std::string, std::optional<int64_t>>("word-counts");
//   words.pipe_input("k1", "apple", /*timestamp=*/10);
//   words.pipe_input("k2", "apple", 20);
//   counts.read_key_values_to_map();                  // {"apple": 2}
//   driver.key_value_store<std::string, int64_t>("counts").get("apple");   // 2
//
//   driver.advance_wall_clock_time(std::chrono::seconds(10));   // fires wall-clock punctuators
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "eddy/dsl/topology.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/key_value_store.h"
#include "eddy/state/queryable_store.h"
#include "eddy/state/stores.h"
#include "eddy/testing/test_input_topic.h"
#include "eddy/testing/test_output_topic.h"

namespace eddy {

struct TestDriverOptions {
  // Partitions of every topic the topology reads or writes, unless `topic_partitions` names it.
  int32_t partitions_per_topic = 1;
  // Per-topic partition counts (internal topics under their full name <app>-<name>-repartition).
  std::map<std::string, int32_t> topic_partitions;
  // The wall clock at start, in ms since the epoch.
  int64_t initial_wall_clock_ms = 0;
  // Where persistent (RocksDB) stores live. Empty (default): a fresh temporary directory,
  // deleted when the driver closes. Set: kept, so a second driver over the same directory
  // reopens the stores as a restarted application would.
  std::string state_dir;
};

class TopologyTestDriver {
 public:
  // Throws TopologyError when co-partitioned inputs get different partition counts.
  explicit TopologyTestDriver(const Topology& topology, StreamsConfig config = {},
                              TestDriverOptions options = {});
  // Closes as a clean runtime close does: a last commit() (caches flushed, what they forward
  // processed) while every processor is still open, then the tasks and their stores.
  ~TopologyTestDriver();
  TopologyTestDriver(const TopologyTestDriver&) = delete;
  TopologyTestDriver& operator=(const TopologyTestDriver&) = delete;

  template <typename K, typename V>
  TestInputTopic<K, V> create_input_topic(const std::string& topic,
                                          Serde<K> key_serde = default_serde<K>(),
                                          Serde<V> value_serde = default_serde<V>(),
                                          int64_t start_timestamp = 0,
                                          std::chrono::milliseconds auto_advance = {}) {
    return TestInputTopic<K, V>(this, topic, std::move(key_serde), std::move(value_serde),
                                start_timestamp, auto_advance.count());
  }

  template <typename K, typename V>
  TestOutputTopic<K, V> create_output_topic(const std::string& topic,
                                            Serde<K> key_serde = default_serde<K>(),
                                            Serde<V> value_serde = default_serde<V>()) {
    return TestOutputTopic<K, V>(this, topic, std::move(key_serde), std::move(value_serde));
  }

  // Read-only views of store `name` across all partitions' tasks: the same views, errors and
  // results as KafkaStreams' interactive queries (eddy/state/queryable_store.h), so a test
  // can check what a running application would answer. Tables' and aggregations' stores show
  // plain values. Unlike KafkaStreams, use them from the test's thread only (between pipes),
  // and global tables' stores are queryable too. A view must not outlive the driver.
  template <typename K, typename V>
  QueryableKeyValueStore<K, V> key_value_store(const std::string& name,
                                               Serde<K> key_serde = default_serde<K>(),
                                               Serde<V> value_serde = default_serde<V>()) {
    return QueryableKeyValueStore<K, V>(queryable_stores(), name, std::move(key_serde),
                                        std::move(value_serde));
  }
  template <typename K, typename V>
  QueryableWindowStore<K, V> window_store(const std::string& name,
                                          Serde<K> key_serde = default_serde<K>(),
                                          Serde<V> value_serde = default_serde<V>()) {
    return QueryableWindowStore<K, V>(queryable_stores(), name, std::move(key_serde),
                                      std::move(value_serde));
  }
  template <typename K, typename V>
  QueryableSessionStore<K, V> session_store(const std::string& name,
                                            Serde<K> key_serde = default_serde<K>(),
                                            Serde<V> value_serde = default_serde<V>()) {
    return QueryableSessionStore<K, V>(queryable_stores(), name, std::move(key_serde),
                                       std::move(value_serde));
  }
  // The former name (Kafka Streams' getKeyValueStore), kept so tests written against it still
  // compile; it returns the read-only view now (it used to be writable; no test wrote).
  template <typename K, typename V>
  QueryableKeyValueStore<K, V> get_key_value_store(const std::string& name,
                                                   Serde<K> key_serde = default_serde<K>(),
                                                   Serde<V> value_serde = default_serde<V>()) {
    return key_value_store<K, V>(name, std::move(key_serde), std::move(value_serde));
  }

  // Moves the wall clock forward; fires due wall-clock punctuators in every task.
  // Moves the wall clock: fires wall-clock punctuators and expires the keys of wall-clock
  // TTL stores that became due (no input needed), then processes what they forwarded.
  void advance_wall_clock_time(std::chrono::milliseconds advance);
  // Does what the runtime does at each commit: flushes every task's stores (record caches
  // forward the latest value per key, TTL stores sweep due keys), then processes what that
  // forwarded. The driver never commits on its own, so with caching on nothing leaves a
  // cache until its share of the budget fills or this is called.
  void commit();
  int64_t wall_clock_time() const;

  // Byte-level access, used by the test topics.
  // `partition`: where the record goes; std::nullopt routes it as a producer would (murmur2 of
  // the key bytes; round robin for null keys).
  void pipe_raw(const std::string& topic, std::optional<Bytes> key, std::optional<Bytes> value,
                int64_t timestamp, Headers headers, std::optional<int32_t> partition = {});
  struct RawRecord {
    int32_t partition = 0;
    std::optional<Bytes> key;
    std::optional<Bytes> value;
    int64_t timestamp = 0;
    Headers headers;
  };
  // The next unread record written to `topic` (in write order across partitions).
  std::optional<RawRecord> read_raw(const std::string& topic);
  size_t unread(const std::string& topic) const;
  // The byte-level query surface behind the views.
  QueryableStores& queryable_stores();
  int32_t partitions(const std::string& topic) const;
  // Records dropped on purpose (null keys, ...), and records skipped because they could not be
  // deserialized, their processing threw or Kafka refused their output (handlers that said
  // continue), or their timestamp was negative, all tasks.
  int64_t dropped_records() const;
  int64_t skipped_records() const;
  // Dropped by processor `node` for a reason starting with `reason` ("null key", "null value").
  int64_t dropped_records(const std::string& node, const std::string& reason) const;
  // Skipped by the handler of one kind; skipped for a negative timestamp (never processed,
  // as the runtime does: see docs/runtime.md); dead-letter records the handlers sent.
  int64_t skipped_records(ErrorKind kind) const;
  int64_t invalid_timestamp_records() const;
  int64_t dead_lettered_records() const;
  // Records windowed operators dropped because their window was closed (one per record and
  // window), all tasks; and per operator name.
  int64_t late_dropped_records() const;
  int64_t late_dropped_records(const std::string& node) const;

  // The driver's own memory budget (from its config: eddy.memory.budget.bytes, record caches'
  // part statestore.cache.max.bytes) and what its tasks' record caches and suppress buffers
  // hold now (docs/state.md, "Memory budget").
  struct MemoryUsage {
    int64_t total = 0;
    int64_t record_cache_budget = 0;    // statestore.cache.max.bytes (docs/state.md)
    int64_t suppress_buffer_limit = 0;  // half the total: beyond it suppress buffers are full
    int64_t rocksdb_capacity = 0;       // block cache now (less what suppress buffers took)
    int64_t record_caches = 0;
    int64_t suppress_buffers = 0;
  };
  MemoryUsage memory_usage() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace eddy

#include "eddy/detail/dsl/test_topics_impl.h"
