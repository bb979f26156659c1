// TaskCore: one task's processor graph — the nodes of one sub-topology for one partition
// (or the global nodes), their stores, stream time and punctuation. Broker-free: records are
// handed in by the caller (test driver or runtime) and come out through a RecordCollector.
//
//   TaskEnvironment env{.collector = &collector, .changelog = &changelog};
//   TaskCore task(topology.shared_plan(), /*subtopology=*/0, /*partition=*/3, env);
//   task.add_record(IncomingRecord{...});   // buffered per input partition
//   while (task.process_one()) {}            // lowest timestamp first; stream punctuation
//   task.advance_wall_clock(now_ms);         // wall-clock punctuation
//   task.flush(); task.close();
#pragma once

#include <atomic>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "eddy/detail/node.h"
#include "processor/record_collector.h"
#include "state/store_context.h"
#include "topology/topology_plan.h"

namespace eddy::processor {

// A consumed record, as the runtime (or the test driver) hands it to a task.
struct IncomingRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  Headers headers;
  int64_t append_time_ms = -1;  // the record's timestamp when it is a LogAppendTime one
};

struct TaskEnvironment {
  RecordCollector* collector = nullptr;         // required when the task has sinks
  state::ChangelogWriter* changelog = nullptr;  // null: stores do not log
  std::filesystem::path state_dir = "/tmp/eddy";
  ErrorHandling deserialization_errors = ErrorHandling::kLogAndContinue;
  // An exception from a processor (user code): kLogAndFail rethrows it from process(),
  // kLogAndContinue logs, counts and moves on. kDeadLetter is treated as kLogAndContinue
  // until the runtime wires a dead-letter producer.
  ErrorHandling processing_errors = ErrorHandling::kLogAndFail;
  int64_t wall_clock_ms = 0;  // initial wall-clock time
  // The process memory budget (stores built here and suppress buffers count against it).
  // Null: state::default_memory_budget(), as stores given no budget.
  state::MemoryBudget* memory_budget = nullptr;
  // StreamsConfig::rocksdb_config_setter, for the RocksDB stores the task builds itself.
  RocksDbConfigSetter rocksdb_config_setter;
  // Global stores (by name), owned by the global task; looked up when a node asks for one.
  std::map<std::string, StateStore*> global_stores;
  // The stores this task builds itself get a locking layer, so another thread may query
  // them once the owner adds them to this registry (the runtime's global tables). Null: the
  // stores are used by the task's thread only.
  state::StoreRegistry* store_registry = nullptr;
  // Set by the runtime: builds (and owns) the task's stores, so it can restore and
  // checkpoint them. Unset: the task builds and owns them itself (test driver).
  std::function<StateStore*(const StoreSpec& spec)> store_provider;
  // Called when a handler is kDeadLetter (deserialization or processing): the record that
  // failed (raw bytes) and why. The runtime sends it to the dead-letter topic.
  std::function<void(const IncomingRecord& record, const std::string& error)> dead_letter;
  // Set by the runtime: the processors' init() waits for init_processors(), which it calls
  // once the stores are restored, as Kafka Streams initializes a task's topology only after
  // restoration (a processor reading its store in init(), like a suppress buffer or an
  // emit-progress mark, must see the restored state). Unset: init() runs at construction.
  bool init_processors_later = false;
};

struct TaskMetrics {
  int64_t processed = 0;
  int64_t dropped = 0;  // null keys/values dropped on purpose
  int64_t deserialization_errors = 0;
  int64_t processing_errors = 0;  // skipped under log_and_continue
  int64_t punctuations = 0;
  // Records dropped by windowed operators because their window was closed (one count per
  // record and window, as Kafka Streams' dropped-records sensor), in total and per node.
  int64_t late_dropped = 0;
  std::map<std::string, int64_t> late_dropped_by_node;
};

class TaskCore final : public detail::TaskContext {
 public:
  // `subtopology` -1 makes the global task (global tables' nodes and stores).
  TaskCore(std::shared_ptr<const detail::TopologyPlan> plan, int subtopology, int32_t partition,
           TaskEnvironment env);
  ~TaskCore() override;
  // Runs every processor's init() (once); see TaskEnvironment::init_processors_later.
  void init_processors();

  // Buffers a record of one of this task's input partitions.
  void add_record(IncomingRecord record);
  bool has_buffered() const { return buffered_ > 0; }
  // Processes the buffered record with the lowest timestamp; false when none is buffered.
  bool process_one();
  // Processes `record` now, bypassing the buffers (the caller keeps timestamp order).
  void process(const IncomingRecord& record);
  // Moves the wall clock to `now_ms`, fires wall-clock punctuators that are due and expires
  // the keys of wall-clock TTL stores that are due (an idle partition writes nothing that
  // would sweep them otherwise). True when a punctuator ran or a key expired.
  bool advance_wall_clock(int64_t now_ms);
  void flush();
  void close();

  StateStore* local_store(const std::string& name) const;
  const std::map<std::string, StateStore*>& stores() const { return stores_; }
  const TaskMetrics& metrics() const { return metrics_; }
  // Timestamp of the record being processed (or of the punctuation running). Any thread:
  // an event-time TTL store reads it to hide due keys, also for interactive queries.
  int64_t current_timestamp() const { return current_timestamp_.load(std::memory_order_relaxed); }
  int subtopology() const { return subtopology_; }

  // detail::TaskContext
  const std::string& application_id() const override { return plan_->application_id; }
  const std::string& task_id() const override { return task_id_; }
  int32_t partition() const override { return partition_; }
  const RecordMetadata* record_metadata() const override {
    return in_record_ ? &metadata_ : nullptr;
  }
  Headers& headers() override { return headers_; }
  int64_t stream_time() const override { return stream_time_; }
  int64_t wall_clock_time() const override { return wall_clock_; }
  StateStore* store(const std::string& name) override;
  Cancellable schedule(int64_t interval_ms, PunctuationType type, Punctuator fn) override;
  void send(const std::string& topic, std::optional<int32_t> partition,
            std::optional<std::string_view> key, std::optional<std::string_view> value,
            int64_t timestamp) override;
  int32_t partition_count(const std::string& topic) override;
  void record_dropped(const std::string& node, const char* reason) override;
  void record_late(const std::string& node) override;
  void deserialization_failed(const std::string& node, const SerdeError& error) override;
  bool set_cache_flush_listener(const std::string& name, CacheFlushFn fn) override;
  bool set_cache_flush_listener_with_old_values(const std::string& name,
                                                CacheFlushWithOldFn fn) override;
  bool add_expiry_listener(const std::string& name, ExpiryFn fn) override;
  bool set_window_cache_flush_listener(const std::string& name, WindowCacheFlushFn fn) override;
  bool set_session_cache_flush_listener(const std::string& name, SessionCacheFlushFn fn) override;
  void add_suppress_buffer_usage(int64_t delta) override {
    budget_->add_suppress_buffer_usage(delta);
  }
  bool suppress_buffers_over_budget() const override { return budget_->suppress_buffers_full(); }
  int64_t suppress_buffer_limit_bytes() const override { return budget_->suppress_buffer_limit(); }

 private:
  struct Schedule {
    int64_t interval;
    PunctuationType type;
    int64_t next;
    Punctuator fn;
    std::shared_ptr<bool> cancelled;
  };
  void punctuate(PunctuationType type, int64_t now);
  size_t sweep_wall_clock_ttl();
  void dispatch_expiry(const std::string& store, std::string_view key, std::string_view old_value,
                       int64_t expiry_time);

  std::shared_ptr<const detail::TopologyPlan> plan_;
  int subtopology_;
  int32_t partition_;
  TaskEnvironment env_;
  state::MemoryBudget* budget_;
  std::string task_id_;
  std::vector<std::unique_ptr<detail::NodeInstance>> nodes_;  // by plan node id (null: not ours)
  std::map<std::string, detail::SourceInstance*> sources_;    // by topic
  std::map<std::string, std::unique_ptr<StateStore>> owned_stores_;  // without a store_provider
  std::map<std::string, StateStore*> stores_;
  std::vector<std::unique_ptr<state::StoreContext>> store_contexts_;
  std::vector<StateStore*> wall_clock_ttl_stores_;
  std::map<std::string, std::vector<ExpiryFn>> expiry_listeners_;  // by store
  std::map<std::pair<std::string, int32_t>, std::deque<IncomingRecord>> queues_;
  size_t buffered_ = 0;
  std::vector<Schedule> schedules_;
  int64_t stream_time_ = -1;
  int64_t wall_clock_ = 0;
  std::atomic<int64_t> current_timestamp_{0};
  bool in_record_ = false;
  RecordMetadata metadata_;
  const IncomingRecord* current_record_ = nullptr;
  Headers headers_;
  TaskMetrics metrics_;
  bool closed_ = false;
  bool processors_initialized_ = false;
  std::vector<int> node_ids_;  // this task's nodes, in the order they are initialized
};

}  // namespace eddy::processor
