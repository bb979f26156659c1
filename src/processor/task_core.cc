#include "processor/task_core.h"

#include <algorithm>
#include <utility>

#include "common/log.h"
#include "state/decorators/ttl_key_value_store.h"
#include "state/key_schema.h"
#include "state/layered_store.h"
#include "state/store_factory.h"

namespace eddy::processor {

TaskCore::TaskCore(std::shared_ptr<const detail::TopologyPlan> plan, int subtopology,
                   int32_t partition, TaskEnvironment env)
    : plan_(std::move(plan)),
      subtopology_(subtopology),
      partition_(partition),
      env_(std::move(env)),
      budget_(env_.memory_budget != nullptr ? env_.memory_budget : &state::default_memory_budget()),
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

  for (const auto& name : store_names) {
    const auto& entry = plan_->stores.at(name);
    if (env_.store_provider) {
      stores_.emplace(name, env_.store_provider(entry.spec));
      continue;
    }
    auto context = std::make_unique<state::StoreContext>();
    context->application_id = plan_->application_id;
    context->task_id = task_id_;
    context->partition = partition_;
    context->task_dir = env_.state_dir / plan_->application_id / task_id_;
    context->changelog = entry.spec.logging ? env_.changelog : nullptr;
    context->record_timestamp = [this] { return current_timestamp(); };
    context->memory_budget = budget_;
    context->wall_clock_ms = [this] { return wall_clock_; };
    context->rocksdb_config_setter = env_.rocksdb_config_setter;
    context->store_registry = env_.store_registry;
    auto store = state::create_store(entry.spec, *context);
    stores_.emplace(name, store.get());
    owned_stores_.emplace(name, std::move(store));
    store_contexts_.push_back(std::move(context));
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
  node_ids_ = std::move(ids);
  if (!env_.init_processors_later) init_processors();
}

void TaskCore::init_processors() {
  if (processors_initialized_) return;
  processors_initialized_ = true;
  for (int id : node_ids_) nodes_[id]->init(*this);
}

TaskCore::~TaskCore() {
  try {
    close();
  } catch (const std::exception& e) {
    EDDY_LOG_ERROR("task {}: error while closing: {}", task_id_, e.what());
  }
}

void TaskCore::add_record(IncomingRecord record) {
  auto key = std::make_pair(record.topic, record.partition);
  queues_[key].push_back(std::move(record));
  ++buffered_;
}

bool TaskCore::process_one() {
  if (buffered_ == 0) return false;
  std::deque<IncomingRecord>* best = nullptr;
  for (auto& [tp, queue] : queues_) {
    if (queue.empty()) continue;
    if (best == nullptr || queue.front().timestamp < best->front().timestamp) best = &queue;
  }
  IncomingRecord record = std::move(best->front());
  best->pop_front();
  --buffered_;
  process(record);
  return true;
}

void TaskCore::process(const IncomingRecord& record) {
  auto it = sources_.find(record.topic);
  if (it == sources_.end()) {
    throw TopologyError("task " + task_id_ + " has no source for topic '" + record.topic + "'");
  }
  in_record_ = true;
  metadata_.topic = record.topic;
  metadata_.partition = record.partition;
  metadata_.offset = record.offset;
  metadata_.append_time_ms = record.append_time_ms;
  headers_ = record.headers;
  current_record_ = &record;
  current_timestamp_.store(record.timestamp, std::memory_order_relaxed);
  stream_time_ = std::max(stream_time_, record.timestamp);
  auto view = [](const std::optional<Bytes>& b) {
    return b ? std::optional<std::string_view>(*b) : std::nullopt;
  };
  try {
    it->second->process_raw(view(record.key), view(record.value), record.timestamp);
  } catch (const SerdeError&) {
    in_record_ = false;
    current_record_ = nullptr;
    throw;  // already handled by the source under its own handler
  } catch (const std::exception& e) {
    in_record_ = false;
    current_record_ = nullptr;
    if (env_.processing_errors == ErrorHandling::kLogAndFail) throw;
    ++metrics_.processing_errors;
    EDDY_LOG_WARN(
        "task {}: skipped a record whose processing failed: {} (topic {}, partition {}, "
        "offset {})",
        task_id_, e.what(), record.topic, record.partition, record.offset);
    if (env_.processing_errors == ErrorHandling::kDeadLetter && env_.dead_letter) {
      env_.dead_letter(record, std::string("processing failed: ") + e.what());
    }
    return;
  }
  in_record_ = false;
  current_record_ = nullptr;
  ++metrics_.processed;
  if (!schedules_.empty()) punctuate(PunctuationType::kStreamTime, stream_time_);
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
  const size_t expired = sweep_wall_clock_ttl();
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
      headers_.clear();
      current_timestamp_.store(now, std::memory_order_relaxed);
      ++metrics_.punctuations;
      fn(now);
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
  schedules_.push_back(Schedule{interval_ms, type, first, std::move(fn), cancelled});
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

void TaskCore::send(const std::string& topic, std::optional<int32_t> partition,
                    std::optional<std::string_view> key, std::optional<std::string_view> value,
                    int64_t timestamp) {
  if (env_.collector == nullptr) {
    throw TopologyError("task " + task_id_ + " has a sink to '" + topic +
                        "' but no record collector");
  }
  env_.collector->send(topic, partition, key, value, timestamp, headers_);
}

int32_t TaskCore::partition_count(const std::string& topic) {
  if (env_.collector == nullptr) {
    throw TopologyError("task " + task_id_ + " has a sink to '" + topic +
                        "' but no record collector");
  }
  return env_.collector->partition_count(topic);
}

void TaskCore::record_dropped(const std::string& node, const char* reason) {
  ++metrics_.dropped;
  EDDY_LOG_DEBUG("task {}: '{}' dropped a record ({}) from {}-{}@{}", task_id_, node, reason,
                 metadata_.topic, metadata_.partition, metadata_.offset);
}

void TaskCore::record_late(const std::string& node) {
  const int64_t n = ++metrics_.late_dropped;
  ++metrics_.late_dropped_by_node[node];
  if ((n & (n - 1)) == 0) {  // 1st, 2nd, 4th, 8th, ...: once in a while
    EDDY_LOG_WARN("task {}: '{}' dropped a record for a closed window ({} so far) from {}-{}@{}",
                  task_id_, node, n, metadata_.topic, metadata_.partition, metadata_.offset);
  }
}

void TaskCore::deserialization_failed(const std::string& node, const SerdeError& error) {
  ++metrics_.deserialization_errors;
  RecordPosition position{metadata_.topic, metadata_.partition, metadata_.offset};
  if (env_.deserialization_errors == ErrorHandling::kLogAndFail) {
    throw SerdeError("source '" + node + "': " + error.what(), position);
  }
  if (env_.deserialization_errors == ErrorHandling::kDeadLetter && env_.dead_letter &&
      current_record_ != nullptr) {
    env_.dead_letter(*current_record_,
                     "deserialization failed in source '" + node + "': " + error.what());
    return;
  }
  EDDY_LOG_WARN(
      "task {}: source '{}' skipped a record it could not deserialize: {} (topic {}, "
      "partition {}, offset {})",
      task_id_, node, error.what(), position.topic, position.partition, position.offset);
}

bool TaskCore::set_cache_flush_listener(const std::string& name, CacheFlushFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(
      *target,
      [fn = std::move(fn)](std::string_view key, std::optional<std::string_view> new_value,
                           std::optional<std::string_view> /*old_value*/,
                           int64_t timestamp) { fn(key, new_value, timestamp); },
      /*send_old_values=*/false);
}

bool TaskCore::set_cache_flush_listener_with_old_values(const std::string& name,
                                                        CacheFlushWithOldFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(*target, std::move(fn), /*send_old_values=*/true);
}

bool TaskCore::set_window_cache_flush_listener(const std::string& name, WindowCacheFlushFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(
      *target,
      [fn = std::move(fn)](std::string_view key, std::optional<std::string_view> new_value,
                           std::optional<std::string_view> /*old_value*/, int64_t timestamp) {
        fn(state::WindowKeySchema::key(key), state::WindowKeySchema::window_start(key), new_value,
           timestamp);
      },
      /*send_old_values=*/false);
}

bool TaskCore::set_session_cache_flush_listener(const std::string& name, SessionCacheFlushFn fn) {
  StateStore* target = store(name);
  if (target == nullptr) return false;
  return state::set_cache_flush_listener(
      *target,
      [fn = std::move(fn)](std::string_view key, std::optional<std::string_view> new_value,
                           std::optional<std::string_view> /*old_value*/, int64_t timestamp) {
        fn(state::SessionKeySchema::key(key), state::SessionKeySchema::window(key), new_value,
           timestamp);
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
      task->current_timestamp_.store(timestamp, std::memory_order_relaxed);
      task->in_record_ = in_record;
    }
  } restore{this, std::exchange(headers_, Headers{}),
            current_timestamp_.exchange(expiry_time, std::memory_order_relaxed),
            std::exchange(in_record_, false)};
  for (const auto& fn : expiry_listeners_.at(store)) fn(key, old_value, expiry_time);
}

void TaskCore::flush() {
  // Stores first: a cache flush forwards records downstream, possibly into sink nodes.
  for (auto& [name, store] : stores_) store->flush();
  if (!processors_initialized_) return;  // closed while restoring
  for (auto& node : nodes_) {
    if (node) node->flush();
  }
}

void TaskCore::close() {
  if (closed_) return;
  closed_ = true;
  for (auto& node : nodes_) {
    if (node && processors_initialized_) node->close();
  }
  // Stores from a store_provider are closed by their owner (after the final checkpoint).
  for (auto& [name, store] : owned_stores_) store->close();
}

}  // namespace eddy::processor
