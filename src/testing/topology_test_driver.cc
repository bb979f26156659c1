#include "eddy/testing/topology_test_driver.h"

#include <unistd.h>
#include <atomic>
#include <filesystem>

#include "common/log.h"
#include "kafka/partitioner.h"
#include "processor/local_task_stores.h"
#include "processor/task_core.h"
#include "state/store_registry.h"
#include "topology/topology_plan.h"

namespace eddy {

struct TopologyTestDriver::Impl final : processor::RecordCollector, state::ChangelogWriter {
  struct TopicLog {
    std::vector<RawRecord> records;
    size_t read = 0;
    std::map<int32_t, int64_t> next_offset;
  };

  std::shared_ptr<const detail::TopologyPlan> plan;
  StreamsConfig config;
  // Before the tasks: their stores and suppress buffers report to it until they close.
  std::unique_ptr<state::MemoryBudget> budget;
  TestDriverOptions options;
  std::filesystem::path state_dir;
  bool keep_state_dir = false;
  int64_t wall_clock = 0;
  // Each task's stores (the global task's first), outliving the tasks.
  std::vector<std::unique_ptr<processor::LocalTaskStores>> task_stores;
  std::unique_ptr<processor::TaskCore> global_task;
  std::map<std::pair<int, int32_t>, std::unique_ptr<processor::TaskCore>> tasks;
  std::map<int, int32_t> task_counts;  // sub-topology -> partitions
  std::map<std::string, TopicLog> logs;
  // Every task's stores, for the read-only views (the test's thread only: no lock layer).
  state::StoreRegistry queries;
  std::map<std::string, int64_t> input_offsets;
  int32_t round_robin = 0;

  int32_t partitions(const std::string& topic) const {
    if (auto it = options.topic_partitions.find(topic); it != options.topic_partitions.end()) {
      return it->second;
    }
    return options.partitions_per_topic;
  }

  int32_t pick_partition(const std::string& topic, const std::optional<std::string_view>& key) {
    const int32_t n = partitions(topic);
    if (key) return kafka::partition_for_key(*key, n);
    return round_robin++ % n;
  }

  // RecordCollector
  int32_t partition_count(const std::string& topic) override { return partitions(topic); }
  std::optional<processor::SendRefusal> send(const std::string& topic,
                                             const std::optional<int32_t>& partition,
                                             const std::optional<std::string_view>& key,
                                             const std::optional<std::string_view>& value,
                                             int64_t timestamp, const Headers& headers,
                                             processor::SendKind /*kind*/,
                                             std::string_view /*node*/) override {
    const int32_t p = partition ? *partition : pick_partition(topic, key);
    auto& log = logs[topic];
    const int64_t offset = log.next_offset[p]++;
    RawRecord r{p, key ? std::optional<Bytes>(Bytes(*key)) : std::nullopt,
                value ? std::optional<Bytes>(Bytes(*value)) : std::nullopt, timestamp, headers};
    log.records.push_back(r);
    deliver(topic, p, offset, std::move(r));
    return std::nullopt;
  }

  // ChangelogWriter
  void log(const std::string& topic, int32_t partition, std::string_view key,
           std::optional<std::string_view> value, int64_t timestamp) override {
    auto& log = logs[topic];
    log.next_offset[partition]++;
    log.records.push_back(RawRecord{partition,
                                    Bytes(key),
                                    value ? std::optional<Bytes>(Bytes(*value)) : std::nullopt,
                                    timestamp,
                                    {}});
  }
  void log_erasure(const std::string& topic, int32_t partition, std::string_view key,
                   int64_t timestamp) override {
    auto& log = logs[topic];
    log.next_offset[partition]++;
    log.records.push_back(
        RawRecord{partition,
                  Bytes(key),
                  std::nullopt,
                  timestamp,
                  {{std::string(state::kErasureHeader), std::string(state::kErasureHeaderValue)}}});
  }

  // Hands a record of `topic` to the task that reads that partition, if any: into its input
  // queues, from which the task picks records as the runtime does (PartitionGroup).
  void deliver(const std::string& topic, int32_t partition, int64_t offset, RawRecord r) {
    auto in =
        processor::ConsumedRecord::owned(topic, partition, offset, r.timestamp, std::move(r.key),
                                         std::move(r.value), std::move(r.headers));
    if (plan->global_topics.count(topic) != 0) {
      global_task->process(in);
      return;
    }
    auto sub = plan->topic_to_subtopology.find(topic);
    if (sub == plan->topic_to_subtopology.end()) return;
    auto task = tasks.find({sub->second, partition});
    if (task == tasks.end()) {
      throw Error("test driver: topic '" + topic + "' partition " + std::to_string(partition) +
                  " has no task (sub-topology " + std::to_string(sub->second) + " has " +
                  std::to_string(task_counts[sub->second]) + " partitions)");
    }
    task->second->add_record(std::move(in));
  }

  void run_until_quiescent() {
    bool progress = true;
    while (progress) {
      progress = false;
      for (auto& [id, task] : tasks) {
        while (task->process_next(wall_clock)) progress = true;
      }
    }
  }
};

TopologyTestDriver::TopologyTestDriver(const Topology& topology, StreamsConfig config,
                                       TestDriverOptions options)
    : impl_(std::make_unique<Impl>()) {
  static std::atomic<int> counter{0};
  impl_->plan = topology.shared_plan();
  impl_->config = std::move(config);
  // Its own budget, so a test sees its tasks' accounting alone (and can make it small).
  impl_->budget = std::make_unique<state::MemoryBudget>(
      state::MemoryBudgetOptions{.total_bytes = impl_->config.memory_budget_bytes,
                                 .record_cache_bytes = impl_->config.cache_max_bytes,
                                 .return_freed_memory_to_os = false});
  impl_->options = std::move(options);
  impl_->wall_clock = impl_->options.initial_wall_clock_ms;
  impl_->keep_state_dir = !impl_->options.state_dir.empty();
  impl_->state_dir = impl_->keep_state_dir ? std::filesystem::path(impl_->options.state_dir)
                                           : std::filesystem::temp_directory_path() /
                                                 ("eddy-test-driver-" + std::to_string(::getpid()) +
                                                  "-" + std::to_string(counter++));
  const auto& plan = *impl_->plan;

  // External topics: the options' counts; repartition topics: as Kafka Streams derives them
  // (unless the options name them).
  std::map<std::string, int32_t> counts;
  for (const auto& t : topology.external_source_topics()) counts[t] = impl_->partitions(t);
  for (const auto& [topic, n] : topology.repartition_partitions(counts)) {
    if (impl_->options.topic_partitions.count(topic) == 0)
      impl_->options.topic_partitions[topic] = n;
    counts[topic] = impl_->partitions(topic);
  }
  topology.validate_partitions(counts);

  // A task's own stores, logging to the driver's topics.
  const auto stores_for_a_task = [&] {
    return impl_->task_stores
        .emplace_back(
            std::make_unique<processor::LocalTaskStores>(processor::LocalTaskStores::Options{
                .state_dir = impl_->state_dir,
                .changelog = impl_.get(),
                .memory_budget = impl_->budget.get(),
                .rocksdb_config_setter = impl_->config.rocksdb_config_setter}))
        ->provider();
  };
  processor::TaskEnvironment env;
  env.collector = impl_.get();
  env.deserialization_handler = impl_->config.error_handler(ErrorKind::kDeserialization);
  env.processing_handler = impl_->config.error_handler(ErrorKind::kProcessing);
  env.production_handler = impl_->config.error_handler(ErrorKind::kProduction);
  env.max_task_idle_ms = impl_->config.max_task_idle.count();
  env.outer_join_emit_interval_ms = impl_->config.outer_join_emit_interval.count();
  env.wall_clock_ms = impl_->wall_clock;
  env.memory_budget = impl_->budget.get();
  if (!plan.global_nodes.empty()) {
    processor::TaskEnvironment global_env = env;
    global_env.store_provider = stores_for_a_task();
    impl_->global_task =
        std::make_unique<processor::TaskCore>(impl_->plan, -1, 0, std::move(global_env));
    for (const auto& [name, store] : impl_->global_task->stores()) {
      env.global_stores[name] = store;
    }
  }
  for (const auto& sub : plan.subtopologies) {
    int32_t n = 1;
    for (const auto& t : sub.source_topics) n = std::max(n, impl_->partitions(t));
    impl_->task_counts[sub.id] = n;
    for (int32_t p = 0; p < n; ++p) {
      // The task's input partitions, as the runtime's assignment gives them.
      processor::TaskEnvironment task_env = env;
      task_env.store_provider = stores_for_a_task();
      for (const auto& t : sub.source_topics) {
        if (p < impl_->partitions(t)) task_env.input_partitions.emplace_back(t, p);
      }
      impl_->tasks.emplace(
          std::make_pair(sub.id, p),
          std::make_unique<processor::TaskCore>(impl_->plan, sub.id, p, std::move(task_env)));
    }
  }
  for (const auto& [name, entry] : plan.stores) {
    impl_->queries.declare(name, entry.spec.kind, entry.timestamped);
  }
  auto add_stores = [&](processor::TaskCore& task, int32_t partition) {
    for (const auto& [name, entry] : plan.stores) {
      if (StateStore* store = task.local_store(name)) impl_->queries.add(name, partition, *store);
    }
  };
  if (impl_->global_task) add_stores(*impl_->global_task, 0);
  for (auto& [id, task] : impl_->tasks) add_stores(*task, id.second);
}

TopologyTestDriver::~TopologyTestDriver() {
  // A clean close, as the runtime's: a last commit empties the record caches while every
  // processor is open; then the tasks close (the global one last: the others read its
  // stores), then their stores. Nothing may escape a destructor: a failure is logged.
  const auto logged = [](const char* what, const auto& step) {
    try {
      step();
    } catch (const std::exception& e) {
      EDDY_LOG_ERROR("test driver: {} failed while closing: {}", what, e.what());
    } catch (...) {
      EDDY_LOG_ERROR("test driver: {} failed while closing (not a std::exception)", what);
    }
  };
  logged("the last commit", [&] { commit(); });
  for (auto& entry : impl_->tasks) logged("a task's close", [&] { entry.second->close(); });
  if (impl_->global_task) logged("the global task's close", [&] { impl_->global_task->close(); });
  for (auto& stores : impl_->task_stores) logged("a task's stores", [&] { stores->close(); });
  impl_->tasks.clear();
  impl_->global_task.reset();
  impl_->task_stores.clear();
  if (impl_->keep_state_dir) return;
  std::error_code ec;
  std::filesystem::remove_all(impl_->state_dir, ec);
}

void TopologyTestDriver::pipe_raw(const std::string& topic, std::optional<Bytes> key,
                                  std::optional<Bytes> value, int64_t timestamp, Headers headers,
                                  std::optional<int32_t> explicit_partition) {
  const auto& plan = *impl_->plan;
  if (plan.global_topics.count(topic) == 0 && plan.topic_to_subtopology.count(topic) == 0) {
    throw Error("test driver: the topology does not read topic '" + topic + "'");
  }
  const int32_t count = impl_->partitions(topic);
  if (explicit_partition && (*explicit_partition < 0 || *explicit_partition >= count)) {
    throw Error("test driver: partition " + std::to_string(*explicit_partition) + " of topic '" +
                topic + "' does not exist (it has " + std::to_string(count) + ")");
  }
  const int32_t partition =
      explicit_partition ? *explicit_partition
                         : impl_->pick_partition(
                               topic, key ? std::optional<std::string_view>(*key) : std::nullopt);
  const int64_t offset = impl_->input_offsets[topic + "#" + std::to_string(partition)]++;
  impl_->deliver(
      topic, partition, offset,
      RawRecord{partition, std::move(key), std::move(value), timestamp, std::move(headers)});
  impl_->run_until_quiescent();
}

std::optional<TopologyTestDriver::RawRecord> TopologyTestDriver::read_raw(
    const std::string& topic) {
  auto it = impl_->logs.find(topic);
  if (it == impl_->logs.end() || it->second.read >= it->second.records.size()) return std::nullopt;
  return it->second.records[it->second.read++];
}

size_t TopologyTestDriver::unread(const std::string& topic) const {
  auto it = impl_->logs.find(topic);
  return it == impl_->logs.end() ? 0 : it->second.records.size() - it->second.read;
}

void TopologyTestDriver::advance_wall_clock_time(std::chrono::milliseconds advance) {
  impl_->wall_clock += advance.count();
  if (impl_->global_task) impl_->global_task->advance_wall_clock(impl_->wall_clock);
  for (auto& [id, task] : impl_->tasks) task->advance_wall_clock(impl_->wall_clock);
  impl_->run_until_quiescent();
}

void TopologyTestDriver::commit() {
  // Upstream sub-topologies first, each followed by what its flush forwarded, so a
  // downstream cache holds those records before it flushes in turn.
  if (impl_->global_task) impl_->global_task->flush();
  for (auto& [id, task] : impl_->tasks) {
    task->flush();
    task->sinks_acknowledged(std::chrono::milliseconds::max());  // feature sinks flushed
    impl_->run_until_quiescent();
  }
}

int64_t TopologyTestDriver::wall_clock_time() const {
  return impl_->wall_clock;
}

QueryableStores& TopologyTestDriver::queryable_stores() {
  return impl_->queries;
}

int32_t TopologyTestDriver::partitions(const std::string& topic) const {
  return impl_->partitions(topic);
}

int64_t TopologyTestDriver::dropped_records() const {
  int64_t n = 0;
  for (auto& [id, task] : impl_->tasks) n += task->metrics().dropped;
  return n;
}

int64_t TopologyTestDriver::skipped_records() const {
  int64_t n = 0;
  auto add = [&n](const processor::TaskMetrics& m) {
    n +=
        m.deserialization_errors + m.processing_errors + m.production_errors + m.invalid_timestamps;
  };
  for (auto& [id, task] : impl_->tasks) add(task->metrics());
  if (impl_->global_task) add(impl_->global_task->metrics());
  return n;
}

int64_t TopologyTestDriver::skipped_records(ErrorKind kind) const {
  int64_t n = 0;
  auto add = [&](const processor::TaskMetrics& m) {
    switch (kind) {
      case ErrorKind::kDeserialization:
        n += m.deserialization_errors;
        break;
      case ErrorKind::kProcessing:
        n += m.processing_errors;
        break;
      case ErrorKind::kProduction:
        n += m.production_errors;
        break;
    }
  };
  for (auto& [id, task] : impl_->tasks) add(task->metrics());
  if (impl_->global_task) add(impl_->global_task->metrics());
  return n;
}

int64_t TopologyTestDriver::invalid_timestamp_records() const {
  int64_t n = 0;
  for (auto& [id, task] : impl_->tasks) n += task->metrics().invalid_timestamps;
  return n;
}

int64_t TopologyTestDriver::dead_lettered_records() const {
  int64_t n = 0;
  for (auto& [id, task] : impl_->tasks) n += task->metrics().dead_lettered;
  if (impl_->global_task) n += impl_->global_task->metrics().dead_lettered;
  return n;
}

int64_t TopologyTestDriver::dropped_records(const std::string& node,
                                            const std::string& reason) const {
  int64_t n = 0;
  for (auto& [id, task] : impl_->tasks) {
    for (const auto& drop : task->metrics().dropped_by) {
      if (drop.node == node && std::string_view(drop.reason).starts_with(reason)) n += drop.count;
    }
  }
  return n;
}

TopologyTestDriver::MemoryUsage TopologyTestDriver::memory_usage() const {
  const auto& b = *impl_->budget;
  return {.total = b.total_bytes(),
          .record_cache_budget = b.record_cache_bytes(),
          .suppress_buffer_limit = b.suppress_buffer_limit(),
          .rocksdb_capacity = b.rocksdb_capacity(),
          .record_caches = b.record_cache_usage(),
          .suppress_buffers = b.suppress_buffer_usage()};
}

int64_t TopologyTestDriver::late_dropped_records() const {
  int64_t n = 0;
  for (auto& [id, task] : impl_->tasks) n += task->metrics().late_dropped;
  return n;
}

int64_t TopologyTestDriver::late_dropped_records(const std::string& node) const {
  int64_t n = 0;
  for (auto& [id, task] : impl_->tasks) {
    const auto& by_node = task->metrics().late_dropped_by_node;
    if (auto it = by_node.find(node); it != by_node.end()) n += it->second;
  }
  return n;
}

}  // namespace eddy
