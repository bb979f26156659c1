// TaskCore: one task's processor graph — the nodes of one sub-topology for one partition
// (or the global nodes), their stores, its input queues, stream time and punctuation.
// Broker-free: records are handed in by the caller (the runtime's StreamTask or the test
// driver, the same way) and come out through a RecordCollector.
//
//   LocalTaskStores stores({.changelog = &changelog});  // or a TaskStateManager's
//   TaskEnvironment env{.collector = &collector, .store_provider = stores.provider(),
//                       .input_partitions = {{"clicks", 3}}};
//   TaskCore task(topology.shared_plan(), /*subtopology=*/0, /*partition=*/3, env);
//   task.add_record(ConsumedRecord::owned("clicks", 3, offset, ts, key, value));
//   while (task.process_next(now_ms)) {}    // PartitionGroup's pick; stream punctuation
//   task.advance_wall_clock(now_ms);        // wall-clock punctuation
//   task.flush(); task.close();
//
// Every per-record failure goes to the environment's handlers (eddy/error_handlers.h) with the
// record's context: deserialization (the source), processing (the node that threw, a store's
// serde included), production (a sink's serializer, or Kafka refusing the record).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/log_throttle.h"
#include "eddy/config.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/error_handlers.h"
#include "processor/consumed_record.h"
#include "processor/partition_group.h"
#include "processor/record_collector.h"
#include "state/store_context.h"
#include "topology/topology_plan.h"

namespace eddy {
class FeatureSink;
}

namespace eddy::processor {

// A consumed record with owned bytes: a convenient form for tests and benchmarks
// (TaskCore::add_record and process copy it into a ConsumedRecord).
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

class TaskCore;

// Gives the task its store `spec` names (built, and owned, by the provider): a
// TaskStateManager's on Kafka (restored, checkpointed), a LocalTaskStores' in the test driver.
using StoreProvider = std::function<StateStore*(const StoreSpec& spec, TaskCore& task)>;

struct TaskEnvironment {
  RecordCollector* collector = nullptr;  // required when the task has sinks
  StoreProvider store_provider;          // required when the task has stores
  // The task's input partitions (topic, partition), in the order ties are broken. Empty: a
  // partition is added when its first record arrives (then max.task.idle.ms cannot wait for
  // a partition that never had one).
  std::vector<std::pair<std::string, int32_t>> input_partitions;
  // max.task.idle.ms, on the clock the caller passes to process_next(); <= 0: no waiting.
  int64_t max_task_idle_ms = 0;
  // Per-record error handlers; unset: the built-in defaults (deserialization
  // log_and_continue, processing and production log_and_fail).
  ErrorHandler deserialization_handler;
  ErrorHandler processing_handler;
  ErrorHandler production_handler;
  int64_t wall_clock_ms = 0;  // initial wall-clock time
  // StreamsConfig::outer_join_emit_interval (left/outer stream-stream joins).
  int64_t outer_join_emit_interval_ms = 1000;
  // The process memory budget (suppress buffers count against it). Null:
  // state::default_memory_budget(), as stores given no budget.
  state::MemoryBudget* memory_budget = nullptr;
  // Global stores (by name), owned by the global task; looked up when a node asks for one.
  std::map<std::string, StateStore*> global_stores;
  // Set by the runtime: the processors' init() waits for init_processors(), which it calls
  // once the stores are restored, as Kafka Streams initializes a task's topology only after
  // restoration (a processor reading its store in init(), like a suppress buffer or an
  // emit-progress mark, must see the restored state). Unset: init() runs at construction.
  bool init_processors_later = false;
};

struct TaskMetrics {
  int64_t processed = 0;
  // Records a node dropped on purpose (null key, null value, ...), in total and per node and
  // reason (reasons are the nodes' string literals).
  int64_t dropped = 0;
  struct Drop {
    std::string node;
    const char* reason;
    int64_t count = 0;
  };
  std::vector<Drop> dropped_by;
  // Records skipped by a handler that answered continue (dead-lettered ones included).
  int64_t deserialization_errors = 0;
  int64_t processing_errors = 0;
  int64_t production_errors = 0;
  int64_t invalid_timestamps = 0;  // skipped by the partition group (negative timestamp)
  int64_t dead_lettered = 0;       // dead-letter records sent
  int64_t punctuations = 0;
  // Records dropped by windowed operators because their window was closed (one count per
  // record and window, as Kafka Streams' dropped-records sensor), in total and per node.
  int64_t late_dropped = 0;
  std::map<std::string, int64_t> late_dropped_by_node;
  // Erasure requests applied (KStream::erase) and the store entries they removed.
  int64_t erasures = 0;
  int64_t erased_entries = 0;
};

// The next offset to read of one input partition (what a commit stores).
struct InputOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t next_offset = -1;
};

// A record the producer could not deliver (reported after send), as the runtime hands it
// back to the task that sent it.
struct DeliveryFailure {
  std::string node;  // the sink node that sent it
  std::string topic;
  int32_t partition = -1;
  std::optional<Bytes> key;
  std::optional<Bytes> value;
  Headers headers;
  int64_t timestamp = -1;
  int error_code = 0;  // librdkafka's
  std::string error;   // e.g. "Broker: Message size too large"
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
  void add_record(ConsumedRecord record);
  // The same, into a queue the caller looked up once for a run of records.
  PartitionGroup::Queue& input_queue(std::string_view topic, int32_t partition) {
    return queue_for(topic, partition);
  }
  void add_record(PartitionGroup::Queue& queue, ConsumedRecord&& record) {
    group_.push(queue, std::move(record));
  }
  // A record buffered at the back of `queue`, for the caller to fill in place (see
  // RecordRing::emplace_back): the runtime's way, one record per consumed message.
  ConsumedRecord& emplace_record(PartitionGroup::Queue& queue) { return group_.emplace(queue); }
  void add_record(const IncomingRecord& record);
  size_t buffered() const { return group_.buffered(); }
  size_t buffered(std::string_view topic, int32_t partition) const;
  bool has_buffered() const { return group_.buffered() > 0; }
  // Takes the next record off the input queues (PartitionGroup's rules) and processes it, at
  // `now_ms` on the max.task.idle.ms clock. False when no record was ready. When a record was
  // processed and `timestamp` is given, stores its timestamp there (-1 when only records with
  // invalid timestamps were taken off).
  bool process_next(int64_t now_ms, int64_t* timestamp = nullptr);
  // process_next() on the task's wall clock.
  bool process_one() { return process_next(wall_clock_); }
  // Processes `record` now, bypassing the queues (the global task; the caller keeps order).
  void process(const ConsumedRecord& record);
  void process(const IncomingRecord& record);
  // Where each input partition's next unprocessed record is (those with progress only).
  std::vector<InputOffset> committable_offsets() const;
  // Moves the wall clock to `now_ms`, fires wall-clock punctuators that are due and expires
  // the keys of wall-clock TTL stores that are due (an idle partition writes nothing that
  // would sweep them otherwise). True when a punctuator ran or a key expired.
  bool advance_wall_clock(int64_t now_ms);
  // Flushes the stores (caches forward) and the nodes. Feature sinks are not flushed here:
  // see sinks_acknowledged().
  void flush();
  void close();

  // Backpressure: true while one of the feature sinks this task writes to is paused; the
  // runtime then stops feeding it (and pauses its input partitions).
  bool blocked() const { return !sinks_.empty() && any_sink_paused(); }
  // True once every feature update this task submitted is acknowledged by its sink, after
  // trying to flush for up to `timeout` (std::chrono::milliseconds::max(): until done). A
  // task's offsets may be committed only then.
  bool sinks_acknowledged(std::chrono::milliseconds timeout);

  // A record the runtime's producer could not deliver: to the production handler. Throws when
  // the handler fails (or when dead-lettering is impossible).
  void delivery_failed(const DeliveryFailure& failure);

  StateStore* local_store(const std::string& name) const;
  const std::map<std::string, StateStore*>& stores() const { return stores_; }
  const TaskMetrics& metrics() const { return metrics_; }
  // Timestamp of the record being processed (or of the punctuation running). Any thread:
  // an event-time TTL store reads it to hide due keys, also for interactive queries.
  int64_t current_timestamp() const { return current_timestamp_.load(std::memory_order_relaxed); }
  // Fills `into` with the context of the record being processed (its headers, as processors
  // left them, and its topic, partition and offset; none in a punctuator): a record cache
  // keeps it beside a write, and its flush forwards the entry in it.
  void capture_record_context(state::RecordContext& into);
  int subtopology() const { return subtopology_; }

  // detail::TaskContext
  const std::string& application_id() const override { return plan_->application_id; }
  const std::string& task_id() const override { return task_id_; }
  int32_t partition() const override { return partition_; }
  const RecordMetadata* record_metadata() const override {
    return in_record_ ? metadata_ : nullptr;
  }
  Headers& headers() override {
    if (headers_unread_) {
      headers_unread_ = false;
      if (current_ != nullptr) {
        current_->read_headers(headers_);
      } else {
        headers_.clear();
      }
    }
    return headers_;
  }
  int64_t stream_time() const override { return stream_time_; }
  int64_t wall_clock_time() const override { return wall_clock_; }
  int64_t outer_join_emit_interval_ms() const override { return env_.outer_join_emit_interval_ms; }
  StateStore* store(const std::string& name) override;
  Cancellable schedule(int64_t interval_ms, PunctuationType type, Punctuator fn) override;
  void send(const std::string& topic, const std::optional<int32_t>& partition,
            const std::optional<std::string_view>& key,
            const std::optional<std::string_view>& value, int64_t timestamp,
            std::string_view node) override;
  int32_t partition_count(const std::string& topic) override;
  void record_dropped(const std::string& node, const char* reason) override;
  void record_late(const std::string& node) override;
  // A window store dropped a put as expired (StoreContext::expired_put): a late record of
  // the processor that writes the store, as Kafka Streams counts it in dropped-records.
  void record_expired_put(const std::string& store);
  void deserialization_failed(const std::string& node, const SerdeError& error) override;
  void serialization_failed(const std::string& node, const std::string& topic,
                            std::optional<std::string_view> key,
                            std::optional<std::string_view> value, int64_t timestamp,
                            const SerdeError& error) override;
  void submit_feature(FeatureSink& sink, FeatureUpdate update) override;
  int64_t erase_key(std::string_view key, const std::vector<std::string>& stores,
                    bool sinks) override;
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
    std::string node;  // the node that scheduled it (for the processing handler)
  };
  // The feature sinks this task submitted to, and the last sequence number it got from each.
  struct SinkProgress {
    FeatureSink* sink;
    uint64_t last_seq;
  };
  PartitionGroup::Queue& queue_for(std::string_view topic, int32_t partition);
  bool any_sink_paused() const;
  void process_in(PartitionGroup::Queue& queue, const ConsumedRecord& record);
  void begin_record(const ConsumedRecord& record, const RecordMetadata* metadata);
  void end_record();
  void invalid_timestamp(const ConsumedRecord& record);
  void punctuate(PunctuationType type, int64_t now);
  size_t sweep_wall_clock_ttl();
  void dispatch_expiry(const std::string& store, std::string_view key, std::string_view old_value,
                       int64_t expiry_time);
  // Runs `fn` as if the record of `context` (stamped `timestamp`) were being processed, then
  // puts back the task's current record: what a cache flush forwards carries the context of
  // the write that made the entry, as Kafka Streams' caching stores set it.
  void in_record_context(const state::RecordContext& context, int64_t timestamp,
                         const std::function<void()>& fn);
  // Runs `handler` for a failure of `kind` (context filled from the current record), sends its
  // dead-letter records and counts; throws (after logging) when it answers fail.
  void handle_error(ErrorKind kind, ErrorContext& context, const std::exception& error);
  ErrorContext context_for_current(ErrorKind kind, std::string_view node);
  void send_dead_letter(const DeadLetterRecord& record);

  std::shared_ptr<const detail::TopologyPlan> plan_;
  int subtopology_;
  int32_t partition_;
  TaskEnvironment env_;
  state::MemoryBudget* budget_;
  std::string task_id_;
  std::vector<std::unique_ptr<detail::NodeInstance>> nodes_;  // by plan node id (null: not ours)
  std::map<std::string, detail::SourceInstance*> sources_;    // by topic
  std::map<std::string, StateStore*> stores_;
  std::vector<StateStore*> wall_clock_ttl_stores_;
  std::map<std::string, std::vector<ExpiryFn>> expiry_listeners_;  // by store
  PartitionGroup group_;
  PartitionGroup::Queue* last_queue_ = nullptr;  // add_record's cache: records come in runs
  std::vector<Schedule> schedules_;
  std::vector<SinkProgress> sinks_;
  int64_t stream_time_ = -1;
  int64_t wall_clock_ = 0;
  std::atomic<int64_t> current_timestamp_{0};
  bool in_record_ = false;
  const RecordMetadata* metadata_ = nullptr;
  RecordMetadata direct_metadata_;  // for process() (no queue)
  const ConsumedRecord* current_ = nullptr;
  Headers headers_;
  bool headers_unread_ = false;
  Headers error_headers_;  // the failed record's own headers, for an ErrorContext
  // A handler answered fail: the exception on its way out must not be handled again.
  bool failing_ = false;
  const std::string* initializing_node_ = nullptr;
  TaskMetrics metrics_;
  detail::LogThrottle invalid_timestamp_log_;
  detail::LogThrottle dropped_log_;
  bool closed_ = false;
  bool processors_initialized_ = false;
  std::vector<int> node_ids_;  // this task's nodes, in the order they are initialized
};

}  // namespace eddy::processor
