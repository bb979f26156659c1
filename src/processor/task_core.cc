#include "processor/task_core.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <typeinfo>
#include <utility>

#include "common/log.h"
#include "eddy/sink/feature_sink.h"
#include "state/decorators/ttl_key_value_store.h"
#include "state/erasure.h"
#include "state/key_schema.h"
#include "state/layered_store.h"
#include "state/store_factory.h"

namespace eddy::processor {
namespace {

// "eddy::SerdeError" for an exception of that type.
std::string type_name(const std::exception& e) {
  const char* mangled = typeid(e).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && demangled != nullptr ? demangled : mangled;
  std::free(demangled);
  return out;
}

// What a node threw, without the NodeFailure wrapper Output::forward put around it (for the
// entry points that run nodes outside a record's processing: flush, wall-clock sweeps).
[[noreturn]] void rethrow_unwrapped(const detail::NodeFailure& failure) {
  if (const auto* nested = dynamic_cast<const std::nested_exception*>(&failure);
      nested != nullptr && nested->nested_ptr()) {
    std::rethrow_exception(nested->nested_ptr());
  }
  throw Error("processor '" + failure.node() + "' failed");
}

const ErrorHandler& default_handler(ErrorKind kind) {
  static const ErrorHandler deserialization = error_handlers::log_and_continue();
  static const ErrorHandler fail = error_handlers::log_and_fail();
  return kind == ErrorKind::kDeserialization ? deserialization : fail;
}

std::string position_of(const ErrorContext& c) {
  if (c.topic.empty()) return "no source record";
  return std::string(c.topic) + "-" + std::to_string(c.partition) + "@" + std::to_string(c.offset);
}

}  // namespace

TaskCore::TaskCore(std::shared_ptr<const detail::TopologyPlan> plan, int subtopology,
                   int32_t partition, TaskEnvironment env)
    : plan_(std::move(plan)),
      subtopology_(subtopology),
      partition_(partition),
      env_(std::move(env)),
      budget_(env_.memory_budget != nullptr ? env_.memory_budget : &state::default_memory_budget()),
      group_(env_.max_task_idle_ms),
      wall_clock_(env_.wall_clock_ms) {
  task_id_ = subtopology_ < 0 ? std::string("global")
                              : std::to_string(subtopology_) + "_" + std::to_string(partition_);
  std::vector<int> ids;
  std::vector<std::string> store_names;
  if (subtopology_ < 0) {
    ids = plan_->global_nodes;
    for (const auto& [name, entry] : plan_->stores) {
      if (entry.global) store_names.push_back(name);
    }
  } else {
    const auto& sub = plan_->subtopologies.at(subtopology_);
    ids = sub.nodes;
    store_names.assign(sub.stores.begin(), sub.stores.end());
  }

  if (!store_names.empty() && !env_.store_provider) {
    throw TopologyError("task " + task_id_ +
                        " has stores and its TaskEnvironment no store_provider");
  }
  for (const auto& name : store_names) {
    stores_.emplace(name, env_.store_provider(plan_->stores.at(name).spec, *this));
  }

  for (const auto& [name, store] : stores_) {
    const auto& ttl = plan_->stores.at(name).spec.ttl;
    if (ttl && ttl->clock == TtlClock::kWallClock) wall_clock_ttl_stores_.push_back(store);
  }

  nodes_.resize(plan_->nodes.size());
  for (int id : ids) {
    const auto& pn = plan_->nodes[id];
    nodes_[id] = pn.node.factory(
        detail::ResolvedNode{pn.node.name, pn.node.sink_topic, pn.node.send_old_values});
  }
  for (int id : ids) {
    for (auto [child, port] : plan_->nodes[id].children) {
      nodes_[id]->connect(nodes_[child].get(), port);
    }
    const auto& n = plan_->nodes[id].node;
    if (n.role == detail::NodeRole::kSource) {
      auto* source = dynamic_cast<detail::SourceInstance*>(nodes_[id].get());
      for (const auto& topic : n.source_topics) sources_[topic] = source;
    }
  }
  for (const auto& [topic, p] : env_.input_partitions) queue_for(topic, p);
  node_ids_ = std::move(ids);
  if (!env_.init_processors_later) init_processors();
}

void TaskCore::init_processors() {
  if (processors_initialized_) return;
  processors_initialized_ = true;
  try {
    for (int id : node_ids_) {
      initializing_node_ = &nodes_[id]->name();
      nodes_[id]->init(*this);
    }
  } catch (const detail::NodeFailure& failure) {
    initializing_node_ = nullptr;
    rethrow_unwrapped(failure);
  }
  initializing_node_ = nullptr;
}

TaskCore::~TaskCore() {
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_ERROR("task {}: error while closing: {}", task_id_, e.what());
  }
}

PartitionGroup::Queue& TaskCore::queue_for(std::string_view topic, int32_t partition) {
  PartitionGroup::Queue& queue = group_.add_partition(topic, partition);
  if (queue.source == nullptr) {
    if (auto it = sources_.find(queue.topic); it != sources_.end()) queue.source = it->second;
  }
  return queue;
}

void TaskCore::add_record(ConsumedRecord record) {
  PartitionGroup::Queue* queue = last_queue_;
  if (queue == nullptr || queue->partition != record.partition || queue->topic != record.topic) {
    queue = &queue_for(record.topic, record.partition);
    last_queue_ = queue;
  }
  group_.push(*queue, std::move(record));
}

void TaskCore::add_record(const IncomingRecord& r) {
  add_record(ConsumedRecord::owned(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value,
                                   r.headers, r.append_time_ms));
}

size_t TaskCore::buffered(std::string_view topic, int32_t partition) const {
  const PartitionGroup::Queue* queue = group_.find(topic, partition);
  return queue == nullptr ? 0 : queue->records.size();
}

bool TaskCore::process_next(int64_t now_ms, int64_t* timestamp) {
  if (timestamp != nullptr) *timestamp = -1;
  if (group_.buffered() == 0) return false;
  bool skipped = false;
  PartitionGroup::Queue* queue =
      group_.next(now_ms, [&](PartitionGroup::Queue&, const ConsumedRecord& record) {
        invalid_timestamp(record);
        skipped = true;
      });
  if (queue == nullptr) return skipped;
  const ConsumedRecord& record = queue->records.front();
  process_in(*queue, record);
  if (timestamp != nullptr) *timestamp = record.timestamp;
  group_.pop(*queue);
  return true;
}

void TaskCore::process(const ConsumedRecord& record) {
  PartitionGroup::Queue& queue = queue_for(record.topic, record.partition);
  process_in(queue, record);
  queue.next_offset = record.offset + 1;
}

void TaskCore::process(const IncomingRecord& r) {
  // Views into `r` itself: nothing to own or release.
  static const ConsumedRecord::Owner kBorrowed{
      .release = nullptr,
      .read_headers =
          [](const void* handle, Headers& out) {
            const auto& headers = static_cast<const IncomingRecord*>(handle)->headers;
            if (headers.empty()) return false;
            out = headers;
            return true;
          },
  };
  ConsumedRecord record(&kBorrowed, const_cast<IncomingRecord*>(&r));
  record.topic = r.topic;
  record.partition = r.partition;
  record.offset = r.offset;
  record.timestamp = r.timestamp;
  record.append_time_ms = r.append_time_ms;
  if (r.key) record.key = *r.key;
  if (r.value) record.value = *r.value;
  process(record);
}

void TaskCore::begin_record(const ConsumedRecord& record, const RecordMetadata* metadata) {
  in_record_ = true;
  metadata_ = metadata;
  current_ = &record;
  headers_unread_ = true;
  current_timestamp_.store(record.timestamp, std::memory_order_relaxed);
  stream_time_ = std::max(stream_time_, record.timestamp);
}

void TaskCore::end_record() {
  in_record_ = false;
  current_ = nullptr;
  headers_unread_ = false;
  headers_.clear();
}

void TaskCore::process_in(PartitionGroup::Queue& queue, const ConsumedRecord& record) {
  if (queue.source == nullptr) {
    throw TopologyError("task " + task_id_ + " has no source for topic '" + queue.topic + "'");
  }
  queue.metadata.offset = record.offset;
  queue.metadata.append_time_ms = record.append_time_ms;
  begin_record(record, &queue.metadata);
  struct EndRecord {
    TaskCore* task;
    ~EndRecord() {
      task->end_record();
      task->failing_ = false;  // a handler's fail has left the task by now
    }
  } end_record_on_exit{this};
  try {
    queue.source->process_raw(record.key, record.value, record.timestamp);
  } catch (...) {
    // Which node threw (Output::forward wraps the exception of a child in a NodeFailure),
    // and the exception itself.
    std::exception_ptr error = std::current_exception();
    std::string node = queue.source->name();
    try {
      throw;
    } catch (const detail::NodeFailure& failure) {
      node = failure.node();
      if (const auto* nested = dynamic_cast<const std::nested_exception*>(&failure);
          nested != nullptr && nested->nested_ptr()) {
        error = nested->nested_ptr();
      }
    } catch (...) {
    }
    if (std::exchange(failing_, false)) std::rethrow_exception(error);  // a handler said fail
    try {
      std::rethrow_exception(error);
    } catch (const KafkaError&) {
      throw;  // the client failed, not the record: the thread recovers or fails
    } catch (const SinkError&) {
      throw;  // a feature sink failed for good
    } catch (const StateStoreError&) {
      throw;  // the store failed, not the record
    } catch (const TopologyError&) {
      throw;
    } catch (const std::exception& e) {
      ErrorContext context = context_for_current(ErrorKind::kProcessing, node);
      context.exception = error;
      handle_error(ErrorKind::kProcessing, context, e);
      return;
    }
  }
  ++metrics_.processed;
  if (!schedules_.empty()) {
    end_record();
    punctuate(PunctuationType::kStreamTime, stream_time_);
  }
}

std::vector<InputOffset> TaskCore::committable_offsets() const {
  std::vector<InputOffset> out;
  for (const auto& queue : group_.queues()) {
    if (queue->next_offset >= 0)
      out.push_back({queue->topic, queue->partition, queue->next_offset});
  }
  return out;
}

void TaskCore::invalid_timestamp(const ConsumedRecord& record) {
  const int64_t n = ++metrics_.invalid_timestamps;
  if (invalid_timestamp_log_.due(n)) {
    // Kafka Streams' default extractor fails on negative timestamps; Eddy skips them loudly.
    EDDY_LOG_WARN("task {}: skipped record {}-{}@{} with invalid timestamp {} ({} so far)",
                  task_id_, record.topic, record.partition, record.offset, record.timestamp, n);
  }
}

bool TaskCore::advance_wall_clock(int64_t now_ms) {
  wall_clock_ = std::max(wall_clock_, now_ms);
  // A wall-clock punctuator runs at wall-clock "time"; afterwards the task is back at its last
  // record's, which an event-time TTL store reads as event time (a wall-clock value there
  // would make every key look due to an interactive query).
  const int64_t record_timestamp = current_timestamp();
  const int64_t punctuations = metrics_.punctuations;
  punctuate(PunctuationType::kWallClockTime, wall_clock_);
  current_timestamp_.store(record_timestamp, std::memory_order_relaxed);
  size_t expired = 0;
  try {
    expired = sweep_wall_clock_ttl();
  } catch (const detail::NodeFailure& failure) {
    rethrow_unwrapped(failure);
  }
  return metrics_.punctuations != punctuations || expired > 0;
}

size_t TaskCore::sweep_wall_clock_ttl() {
  // Not before the processors listen: a sweep during restore would forward to no one.
  if (!processors_initialized_ || closed_) return 0;
  // dispatch_expiry() stamps what each expiry forwards; nothing else to set up.
  size_t expired = 0;
  for (StateStore* store : wall_clock_ttl_stores_) expired += state::expire_due_keys(*store);
  return expired;
}

void TaskCore::punctuate(PunctuationType type, int64_t now) {
  if (now < 0) return;
  struct ResetFailing {
    bool& failing;
    ~ResetFailing() { failing = false; }
  } reset_failing{failing_};
  // Punctuators may schedule more: iterate by index over the ones that exist now.
  const size_t count = schedules_.size();
  for (size_t i = 0; i < count; ++i) {
    if (schedules_[i].type != type) continue;
    while (!*schedules_[i].cancelled && schedules_[i].next <= now) {
      const int64_t scheduled = schedules_[i].next;
      const int64_t interval = schedules_[i].interval;
      int64_t next = scheduled + interval;
      if (now >= next) next = scheduled + ((now - scheduled) / interval + 1) * interval;
      schedules_[i].next = next;
      Punctuator fn = schedules_[i].fn;
      const std::string node = schedules_[i].node;
      headers_.clear();
      headers_unread_ = false;
      current_timestamp_.store(now, std::memory_order_relaxed);
      ++metrics_.punctuations;
      try {
        fn(now);
      } catch (...) {
        // As Kafka Streams (KIP-1033): a punctuator's exception goes to the processing
        // handler, with no source record.
        std::exception_ptr error = std::current_exception();
        std::string failed_node = node;
        try {
          throw;
        } catch (const detail::NodeFailure& failure) {
          failed_node = failure.node();
          if (const auto* nested = dynamic_cast<const std::nested_exception*>(&failure);
              nested != nullptr && nested->nested_ptr()) {
            error = nested->nested_ptr();
          }
        } catch (...) {
        }
        if (std::exchange(failing_, false)) std::rethrow_exception(error);
        try {
          std::rethrow_exception(error);
        } catch (const KafkaError&) {
          throw;
        } catch (const SinkError&) {
          throw;
        } catch (const StateStoreError&) {
          throw;
        } catch (const TopologyError&) {
          throw;
        } catch (const std::exception& e) {
          ErrorContext context = context_for_current(ErrorKind::kProcessing, failed_node);
          context.exception = error;
          handle_error(ErrorKind::kProcessing, context, e);
        }
      }
    }
  }
  schedules_.erase(std::remove_if(schedules_.begin(), schedules_.end(),
                                  [](const Schedule& s) { return *s.cancelled; }),
                   schedules_.end());
}

Cancellable TaskCore::schedule(int64_t interval_ms, PunctuationType type, Punctuator fn) {
  auto cancelled = std::make_shared<bool>(false);
  // As Kafka Streams: stream time aligned to 0 (fires as soon as there is data), wall clock
  // one interval from now.
  const int64_t first = type == PunctuationType::kStreamTime ? 0 : wall_clock_ + interval_ms;
  schedules_.push_back(Schedule{interval_ms, type, first, std::move(fn), cancelled,
                                initializing_node_ != nullptr ? *initializing_node_ : ""});
  return Cancellable(cancelled);
}

StateStore* TaskCore::store(const std::string& name) {
  if (auto it = stores_.find(name); it != stores_.end()) return it->second;
  if (auto it = env_.global_stores.find(name); it != env_.global_stores.end()) return it->second;
  return nullptr;
}

StateStore* TaskCore::local_store(const std::string& name) const {
  auto it = stores_.find(name);
  return it == stores_.end() ? nullptr : it->second;
}

void TaskCore::send(const std::string& topic, const std::optional<int32_t>& partition,
                    const std::optional<std::string_view>& key,
                    const std::optional<std::string_view>& value, int64_t timestamp,
                    std::string_view node) {
  if (env_.collector == nullptr) {
    throw TopologyError("task " + task_id_ + " has a sink to '" + topic +
                        "' but no record collector");
  }
  const Headers& record_headers = headers();
  auto refused = env_.collector->send(topic, partition, key, value, timestamp, record_headers,
                                      SendKind::kOutput, node);
  if (!refused) return;
  // Refused at send time (too large for the producer's message.max.bytes, say): the
  // production handler decides, and the record is not in any transaction.
  ErrorContext context = context_for_current(ErrorKind::kProduction, node);
  context.output = {.topic = topic,
                    .partition = partition.value_or(-1),
                    .key = key,
                    .value = value,
                    .headers = &record_headers,
                    .timestamp = timestamp};
  handle_error(ErrorKind::kProduction, context, KafkaError(refused->reason, refused->code));
}

void TaskCore::serialization_failed(const std::string& node, const std::string& topic,
                                    std::optional<std::string_view> key,
                                    std::optional<std::string_view> value, int64_t timestamp,
                                    const SerdeError& error) {
  ErrorContext context = context_for_current(ErrorKind::kProduction, node);
  context.output = {.topic = topic,
                    .key = key,
                    .value = value,
                    .headers = &headers(),
                    .timestamp = timestamp,
                    .serialization = true};
  handle_error(ErrorKind::kProduction, context, error);
}

void TaskCore::delivery_failed(const DeliveryFailure& failure) {
  // Reported by the producer after the fact: the source record is gone.
  static const Headers kNone;
  ErrorContext context;
  context.kind = ErrorKind::kProduction;
  context.headers = &kNone;
  context.task_id = task_id_;
  context.node = failure.node;
  context.output = {.topic = failure.topic,
                    .partition = failure.partition,
                    .key = failure.key,
                    .value = failure.value,
                    .headers = &failure.headers,
                    .timestamp = failure.timestamp};
  const KafkaError error(failure.error, failure.error_code);
  context.exception = std::make_exception_ptr(error);
  try {
    handle_error(ErrorKind::kProduction, context, error);
  } catch (...) {
    failing_ = false;
    throw;
  }
}

int32_t TaskCore::partition_count(const std::string& topic) {
  if (env_.collector == nullptr) {
    throw TopologyError("task " + task_id_ + " has a sink to '" + topic +
                        "' but no record collector");
  }
  return env_.collector->partition_count(topic);
}

int64_t TaskCore::erase_key(std::string_view key, const std::vector<std::string>& stores,
                            bool sinks) {
  int64_t erased = 0;
  for (const auto& name : stores) {
    auto it = stores_.find(name);
    if (it == stores_.end()) {
      throw StateStoreError("erasure: store '" + name + "' is not a store of task " + task_id_);
    }
    // A suppress buffer holds its entries in memory too: its node erases both.
    bool by_node = false;
    for (int id : node_ids_) {
      const int64_t n = nodes_[id]->erase_key(name, key);
      if (n >= 0) {
        erased += n;
        by_node = true;
      }
    }
    if (!by_node) erased += state::erase_key(*it->second, key);
  }
  if (sinks) {
    SourcePosition position;
    int64_t append_time_ms = -1;
    if (const RecordMetadata* meta = record_metadata()) {
      position = {meta->topic, meta->partition, meta->offset};
      append_time_ms = meta->append_time_ms;
    }
    std::vector<const FeatureSink*> done;
    for (int id : node_ids_) {
      const auto& sink = plan_->nodes[id].node.feature_sink;
      if (!sink || std::find(done.begin(), done.end(), sink.get()) != done.end()) continue;
      done.push_back(sink.get());
      submit_feature(*sink, FeatureUpdate::erase(std::string(key), current_timestamp(), position,
                                                 append_time_ms));
    }
  }
  ++metrics_.erasures;
  metrics_.erased_entries += erased;
  return erased;
}

void TaskCore::submit_feature(FeatureSink& sink, FeatureUpdate update) {
  const uint64_t seq = sink.submit(std::move(update));
  for (auto& progress : sinks_) {
    if (progress.sink == &sink) {
      progress.last_seq = seq;
      return;
    }
  }
  sinks_.push_back({&sink, seq});
}

bool TaskCore::any_sink_paused() const {
  for (const auto& progress : sinks_) {
    if (progress.sink->paused()) return true;
  }
  return false;
}

bool TaskCore::sinks_acknowledged(std::chrono::milliseconds timeout) {
  bool all = true;
  for (const auto& progress : sinks_) {
    if (!progress.sink->acknowledged(progress.last_seq, timeout)) all = false;
  }
  return all;
}

void TaskCore::record_dropped(const std::string& node, const char* reason) {
  ++metrics_.dropped;
  TaskMetrics::Drop* drop = nullptr;
  for (auto& d : metrics_.dropped_by) {
    if (d.node == node && (d.reason == reason || std::strcmp(d.reason, reason) == 0)) {
      drop = &d;
      break;
    }
  }
  if (drop == nullptr) drop = &metrics_.dropped_by.emplace_back(TaskMetrics::Drop{node, reason});
  ++drop->count;
  if (dropped_log_.due(metrics_.dropped)) {
    EDDY_LOG_WARN("task {}: '{}' dropped a record ({}; {} dropped for this reason so far) from {}",
                  task_id_, node, reason, drop->count,
                  metadata_ != nullptr && in_record_
                      ? metadata_->topic + "-" + std::to_string(metadata_->partition) + "@" +
                            std::to_string(metadata_->offset)
                      : std::string("a punctuation"));
  }
}

void TaskCore::record_late(const std::string& node) {
  const int64_t n = ++metrics_.late_dropped;
  ++metrics_.late_dropped_by_node[node];
  if ((n & (n - 1)) == 0) {  // 1st, 2nd, 4th, 8th, ...: once in a while
    EDDY_LOG_WARN("task {}: '{}' dropped a record for a closed window ({} so far) from {}-{}@{}",
                  task_id_, node, n, metadata_ != nullptr ? metadata_->topic : std::string(),
                  metadata_ != nullptr ? metadata_->partition : -1,
                  metadata_ != nullptr ? metadata_->offset : -1);
  }
}

void TaskCore::record_expired_put(const std::string& store) {
  // The first of the task's nodes connected to the store writes it (a windowed aggregation,
  // a stream-stream join's KSTREAM-WINDOWED- node); the store's name if none is.
  for (int id : node_ids_) {
    const auto& stores = plan_->nodes[id].node.stores;
    if (std::find(stores.begin(), stores.end(), store) != stores.end()) {
      record_late(plan_->nodes[id].node.name);
      return;
    }
  }
  record_late(store);
}

void TaskCore::deserialization_failed(const std::string& node, const SerdeError& error) {
  ErrorContext context = context_for_current(ErrorKind::kDeserialization, node);
  context.exception = std::make_exception_ptr(error);
  handle_error(ErrorKind::kDeserialization, context, error);
}

ErrorContext TaskCore::context_for_current(ErrorKind kind, std::string_view node) {
  static const Headers kNone;
  ErrorContext context;
  context.kind = kind;
  context.task_id = task_id_;
  context.node = node;
  context.headers = &kNone;
  if (in_record_ && current_ != nullptr) {
    context.topic = current_->topic;
    context.partition = current_->partition;
    context.offset = current_->offset;
    context.timestamp = current_->timestamp;
    context.raw_key = current_->key;
    context.raw_value = current_->value;
    // The source record's own headers (processors may have changed the task's copy).
    if (current_->read_headers(error_headers_)) context.headers = &error_headers_;
  } else if (in_record_ && metadata_ != nullptr) {
    // A cache flush forwarding an entry in the context of the record that wrote it.
    context.topic = metadata_->topic;
    context.partition = metadata_->partition;
    context.offset = metadata_->offset;
    context.timestamp = current_timestamp();
    context.headers = &headers_;
  }
  return context;
}

void TaskCore::handle_error(ErrorKind kind, ErrorContext& context, const std::exception& error) {
  const std::string type = type_name(error);
  context.error_type = type;
  context.message = error.what();
  if (!context.exception)
    context.exception = std::make_exception_ptr(std::runtime_error(error.what()));
  const ErrorHandler* handler = nullptr;
  switch (kind) {
    case ErrorKind::kDeserialization:
      handler = &env_.deserialization_handler;
      break;
    case ErrorKind::kProcessing:
      handler = &env_.processing_handler;
      break;
    case ErrorKind::kProduction:
      handler = &env_.production_handler;
      break;
  }
  if (!*handler) handler = &default_handler(kind);
  const std::string where = "task " + task_id_ + ": " + error_kind_name(kind) + " error in '" +
                            std::string(context.node) + "' (" + position_of(context) + ")";
  HandlerResponse response;
  try {
    response = (*handler)(context);
  } catch (const std::exception& e) {
    failing_ = true;
    throw Error(where + ": the " + error_kind_name(kind) + " handler threw: " + e.what() +
                " (while handling: " + error.what() + ")");
  }
  for (const auto& record : response.dead_letters) send_dead_letter(record);
  if (response.result == HandlerResponse::Result::kFail) {
    failing_ = true;
    if (kind == ErrorKind::kDeserialization) {
      throw SerdeError(
          where + ": " + error.what(),
          RecordPosition{std::string(context.topic), context.partition, context.offset});
    }
    throw Error(where + " and its handler said fail: " + error.what());
  }
  switch (kind) {
    case ErrorKind::kDeserialization:
      ++metrics_.deserialization_errors;
      break;
    case ErrorKind::kProcessing:
      ++metrics_.processing_errors;
      break;
    case ErrorKind::kProduction:
      ++metrics_.production_errors;
      break;
  }
}

void TaskCore::send_dead_letter(const DeadLetterRecord& record) {
  if (env_.collector == nullptr) {
    // The global task has no producer (global tables are read-only copies).
    EDDY_LOG_WARN("task {}: a dead-letter record for '{}' is not sent: this task writes nothing",
                  task_id_, record.topic);
    return;
  }
  auto view = [](const std::optional<std::string>& b) {
    return b ? std::optional<std::string_view>(*b) : std::nullopt;
  };
  auto refused =
      env_.collector->send(record.topic, record.partition, view(record.key), view(record.value),
                           record.timestamp, record.headers, SendKind::kDeadLetter, {});
  if (refused) {
    failing_ = true;
    throw Error("task " + task_id_ + ": the dead-letter topic '" + record.topic +
                "' refused a record: " + refused->reason);
  }
  ++metrics_.dead_lettered;
}

void TaskCore::capture_record_context(state::RecordContext& into) {
  into.from_record = in_record_ && metadata_ != nullptr;
  if (into.from_record) {
    into.topic = metadata_->topic;  // assigns: a hot entry reuses its buffers
    into.partition = metadata_->partition;
    into.offset = metadata_->offset;
    into.append_time_ms = metadata_->append_time_ms;
  } else {
    into.topic.clear();
    into.partition = -1;
    into.offset = -1;
    into.append_time_ms = -1;
  }
  into.headers = headers();
}

void TaskCore::in_record_context(const state::RecordContext& context, int64_t timestamp,
                                 const std::function<void()>& fn) {
  RecordMetadata metadata;
  if (context.from_record) {
    metadata.topic = context.topic;
    metadata.partition = context.partition;
    metadata.offset = context.offset;
    metadata.append_time_ms = context.append_time_ms;
  }
  struct Restore {
    TaskCore* task;
    bool in_record;
    const RecordMetadata* metadata;
    const ConsumedRecord* current;
    Headers headers;
    bool headers_unread;
    int64_t timestamp;
    ~Restore() {
      task->in_record_ = in_record;
      task->metadata_ = metadata;
      task->current_ = current;
      task->headers_ = std::move(headers);
      task->headers_unread_ = headers_unread;
      task->current_timestamp_.store(timestamp, std::memory_order_relaxed);
    }
  } restore{this,
            std::exchange(in_record_, context.from_record),
            std::exchange(metadata_, context.from_record ? &metadata : nullptr),
            std::exchange(current_, nullptr),
            std::exchange(headers_, context.headers),
            std::exchange(headers_unread_, false),
            current_timestamp_.exchange(timestamp, std::memory_order_relaxed)};
  fn();
}

bool TaskCore::set_cache_flush_listener(const std::string& name, CacheFlushFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(
      *target,
      [this, fn = std::move(fn)](std::string_view key, std::optional<std::string_view> new_value,
                                 std::optional<std::string_view> /*old_value*/, int64_t timestamp,
                                 const state::RecordContext& context) {
        in_record_context(context, timestamp, [&] { fn(key, new_value, timestamp); });
      },
      /*send_old_values=*/false);
}

bool TaskCore::set_cache_flush_listener_with_old_values(const std::string& name,
                                                        CacheFlushWithOldFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(
      *target,
      [this, fn = std::move(fn)](std::string_view key, std::optional<std::string_view> new_value,
                                 std::optional<std::string_view> old_value, int64_t timestamp,
                                 const state::RecordContext& context) {
        in_record_context(context, timestamp, [&] { fn(key, new_value, old_value, timestamp); });
      },
      /*send_old_values=*/true);
}

bool TaskCore::set_window_cache_flush_listener(const std::string& name, WindowCacheFlushFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(
      *target,
      [this, fn = std::move(fn)](std::string_view key, std::optional<std::string_view> new_value,
                                 std::optional<std::string_view> /*old_value*/, int64_t timestamp,
                                 const state::RecordContext& context) {
        in_record_context(context, timestamp, [&] {
          fn(state::WindowKeySchema::key(key), state::WindowKeySchema::window_start(key), new_value,
             timestamp);
        });
      },
      /*send_old_values=*/false);
}

bool TaskCore::set_session_cache_flush_listener(const std::string& name, SessionCacheFlushFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(
      *target,
      [this, fn = std::move(fn)](std::string_view key, std::optional<std::string_view> new_value,
                                 std::optional<std::string_view> /*old_value*/, int64_t timestamp,
                                 const state::RecordContext& context) {
        in_record_context(context, timestamp, [&] {
          fn(state::SessionKeySchema::key(key), state::SessionKeySchema::window(key), new_value,
             timestamp);
        });
      },
      /*send_old_values=*/false);
}

bool TaskCore::add_expiry_listener(const std::string& name, ExpiryFn fn) {
  StateStore* target = local_store(name);
  if (target == nullptr) return false;
  auto& listeners = expiry_listeners_[name];
  // The store has one listener slot: the task fans out to every processor that asked.
  if (listeners.empty() &&
      !state::set_expiry_listener(
          *target,
          [this, name](std::string_view key, std::string_view old_value, int64_t expiry_time) {
            dispatch_expiry(name, key, old_value, expiry_time);
          })) {
    expiry_listeners_.erase(name);
    return false;
  }
  listeners.push_back(std::move(fn));
  return true;
}

void TaskCore::dispatch_expiry(const std::string& store, std::string_view key,
                               std::string_view old_value, int64_t expiry_time) {
  // An expiry may run inside another record's processing: what it forwards must carry
  // neither that record's headers, nor its position (a feature sink versions writes by it),
  // nor its timestamp (downstream stores and changelogs stamp their writes with
  // current_timestamp_). It is the store's own change, as from a punctuator.
  struct Restore {
    TaskCore* task;
    Headers headers;
    int64_t timestamp;
    bool in_record;
    ~Restore() {
      task->headers_ = std::move(headers);
      task->headers_unread_ = false;
      task->current_timestamp_.store(timestamp, std::memory_order_relaxed);
      task->in_record_ = in_record;
    }
  } restore{this, std::exchange(headers(), Headers{}),
            current_timestamp_.exchange(expiry_time, std::memory_order_relaxed),
            std::exchange(in_record_, false)};
  for (const auto& fn : expiry_listeners_.at(store)) fn(key, old_value, expiry_time);
}

void TaskCore::flush() {
  try {
    // Stores first: a cache flush forwards records downstream, possibly into sink nodes.
    for (auto& [name, store] : stores_) store->flush();
    if (!processors_initialized_) return;  // closed while restoring
    for (auto& node : nodes_) {
      if (node) node->flush();
    }
  } catch (const detail::NodeFailure& failure) {
    rethrow_unwrapped(failure);
  }
}

void TaskCore::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& node : nodes_) {
    if (node && processors_initialized_) node->close();
  }
  // The stores are closed by their provider (the runtime's after the final checkpoint), and
  // may outlive this task: what a cache flushes or a TTL store expires from now on has no
  // processor to go to, so the listeners that lead into this task are taken off.
  for (auto& [name, store] : stores_) {
    state::set_cache_flush_listener(*store, {}, /*send_old_values=*/false);
    if (expiry_listeners_.contains(name)) state::set_expiry_listener(*store, {});
  }
  group_.clear();
}

}  // namespace eddy::processor
