#include "runtime/stream_task.h"

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "processor/task_store_context.h"
#include "runtime/incoming_record.h"
#include "state/store_factory.h"

namespace eddy::runtime {
namespace {

using namespace std::chrono_literals;
constexpr auto kPublishInterval = 100ms;  // how stale a scrape of task metrics may be

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

const void* KafkaRecordCollector::tag_for(processor::SendKind kind, std::string_view node) {
  if (!tags_) return nullptr;
  if (kind == processor::SendKind::kDeadLetter) {
    if (dead_letter_tag_ == nullptr) dead_letter_tag_ = tags_(task_id_, nullptr);
    return dead_letter_tag_;
  }
  // A sink node passes its own (stable) name: the pointer says it, mostly.
  for (const auto& entry : node_tags_) {
    if (entry.seen == node.data() || entry.name == node) return entry.tag;
  }
  std::string name(node);
  const void* tag = tags_(task_id_, &name);
  node_tags_.push_back({std::move(name), node.data(), tag});
  return tag;
}

std::optional<processor::SendRefusal> KafkaRecordCollector::send(
    const std::string& topic, const std::optional<int32_t>& partition,
    const std::optional<std::string_view>& key, const std::optional<std::string_view>& value,
    int64_t timestamp, const Headers& headers, processor::SendKind kind, std::string_view node) {
  std::string reason;
  const int err = producer_.try_send({.topic = topic,
                                      .partition = partition.value_or(kafka::kAnyPartition),
                                      .key = key,
                                      .value = value,
                                      .timestamp = timestamp,
                                      .headers = headers.empty() ? nullptr : &headers,
                                      .failure_tag = tag_for(kind, node)},
                                     &reason);
  if (err != 0) return processor::SendRefusal{err, std::move(reason)};
  ++sent_;
  return std::nullopt;
}

int32_t KafkaRecordCollector::partition_count(const std::string& topic) {
  auto it = partition_counts_.find(topic);
  if (it == partition_counts_.end()) {
    partition_counts_ = producer_.topic_partitions(std::chrono::seconds(10));
    it = partition_counts_.find(topic);
  }
  if (it == partition_counts_.end() || it->second <= 0) {
    throw Error("output topic '" + topic +
                "' does not exist, so its partition count is unknown to the partitioner; "
                "create it before starting the application");
  }
  return it->second;
}

StreamTask::StreamTask(TaskId id, std::vector<kafka::TopicPartition> partitions,
                       std::shared_ptr<const detail::TopologyPlan> plan,
                       const TaskServices& services)
    : id_(id),
      partitions_(std::move(partitions)),
      plan_(std::move(plan)),
      services_(services),
      collector_(*services.producer, id, services.delivery_tag) {
  if (services_.metrics != nullptr) {
    metrics_ = std::make_unique<TaskMetrics>(
        *services_.metrics, services_.thread_name, id_.str(),
        services_.config->metrics_recording_level == MetricsRecordingLevel::kDebug);
  }
  changelog_ =
      std::make_unique<KafkaChangelogWriter>(*services_.producer, services_.acknowledged_slot);

  state::StoreContext context = processor::task_store_context(
      {.application_id = plan_->application_id,
       .task_id = id_.str(),
       .partition = id_.partition,
       .changelog = changelog_.get(),
       .memory_budget = services_.memory_budget,
       .rocksdb_config_setter = services_.config->rocksdb_config_setter,
       .store_registry = services_.store_registry,
       .time_operations =
           services_.config->metrics_recording_level == MetricsRecordingLevel::kDebug},
      [this] { return core_.get(); });
  state_ = std::make_unique<state::TaskStateManager>(services_.state_dir, std::move(context));

  processor::TaskEnvironment env;
  env.collector = &collector_;
  env.memory_budget = services_.memory_budget;
  for (const auto& tp : partitions_) env.input_partitions.emplace_back(tp.topic, tp.partition);
  env.max_task_idle_ms = services_.config->max_task_idle.count();
  env.deserialization_handler = services_.deserialization_handler;
  env.processing_handler = services_.processing_handler;
  env.production_handler = services_.production_handler;
  env.outer_join_emit_interval_ms = services_.config->outer_join_emit_interval.count();
  env.wall_clock_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  env.store_provider = [this](const StoreSpec& spec, processor::TaskCore&) {
    StateStore& store = state_->register_store(spec);
    const state::BuiltStore* built = state_->built_store(spec.name);
    if (metrics_ && built != nullptr && built->metrics != nullptr)
      metrics_->add_store(spec.name, *built->metrics, &store);
    return &store;
  };
  if (services_.global_stores != nullptr) env.global_stores = *services_.global_stores;
  env.init_processors_later = true;  // once restore_step() finished
  core_ =
      std::make_unique<processor::TaskCore>(plan_, id_.subtopology, id_.partition, std::move(env));
}

StreamTask::~StreamTask() {
  try {
    close(/*clean=*/false);
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("task {}: close: {}", id_.str(), e.what());
  }
}

void StreamTask::initialize() {
  Properties props = kafka::client_properties(*services_.config, kafka::ClientKind::kConsumer);
  restore_reader_ =
      std::make_unique<KafkaChangelogReader>(std::move(props), services_.exactly_once);
  state::RestoreOptions options;
  options.on_progress = [this](const state::RestoreProgress& p) {
    EDDY_LOG_DEBUG("task {}: restoring {}: {} of {} ({} records)", id_.str(), p.store,
                   p.next_offset, p.end_offset, p.records_restored);
    if (metrics_)
      metrics_->restore_remaining(p.store, std::max<int64_t>(0, p.end_offset - p.next_offset));
  };
  restore_start_ = std::chrono::steady_clock::now();
  // Only tasks with logged stores restore anything worth a log line.
  logged_stores_ = logged_store_count();
  if (logged_stores_ > 0)
    EDDY_LOG_INFO("task {}: restore started ({} logged store(s))", id_.str(), logged_stores_);
  state_->begin_restore(*restore_reader_, options);
}

size_t StreamTask::logged_store_count() const {
  size_t logged = 0;
  for (const auto& store : plan_->subtopologies.at(static_cast<size_t>(id_.subtopology)).stores)
    logged += plan_->changelogs.count(store);
  return logged;
}

bool StreamTask::restores_state() const {
  return logged_store_count() > 0;
}

bool StreamTask::restore_step() {
  if (restore_reader_ == nullptr) return true;
  if (!state_->restore_step()) return false;
  int64_t restored = 0;
  for (const auto& progress : state_->restore_progress()) {
    restored += progress.records_restored;
    if (metrics_) metrics_->restore_remaining(progress.store, 0);
    if (progress.records_restored > 0) {
      EDDY_LOG_INFO("task {}: store '{}' restored {} records from {}", id_.str(), progress.store,
                    progress.records_restored, progress.topic);
    }
  }
  if (logged_stores_ > 0)
    EDDY_LOG_INFO("task {}: restore finished: {} records in {} ms", id_.str(), restored,
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - restore_start_)
                      .count());
  restore_reader_.reset();
  core_->init_processors();
  // Under exactly-once, local state may soon hold changes of a transaction that is later
  // aborted; without a checkpoint a crash then forces a full restore (Kafka Streams does the
  // same). The checkpoint is written again on a clean close.
  if (services_.exactly_once) state_->invalidate_checkpoint_until_commit();
  return true;
}

void StreamTask::add_records(const kafka::TopicPartition& partition,
                             std::span<kafka::Message> records) {
  if (records.empty()) return;
  // One partition's run: its queue is looked up once, its topic name read once (the name
  // lives with librdkafka's topic object as long as any of its messages).
  const std::string_view topic = records.front().topic();
  auto& queue = core_->input_queue(partition.topic, partition.partition);
  for (auto& m : records) fill_consumed(core_->emplace_record(queue), std::move(m), topic);
}

size_t StreamTask::buffered(const kafka::TopicPartition& partition) const {
  return core_->buffered(partition.topic, partition.partition);
}

size_t StreamTask::process(size_t max_records, std::chrono::steady_clock::time_point now) {
  // The max.task.idle.ms clock: steady milliseconds. One wall-clock read per batch: end-to-end
  // latency is measured against the batch start.
  const int64_t now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const int64_t wall_ms = metrics_ ? wall_clock_ms() : 0;
  size_t done = 0;
  int64_t timestamp = -1;
  // PartitionGroup's pick (lowest timestamp, max.task.idle.ms, invalid timestamps skipped) and
  // the handlers are the core's; a record a handler fails on throws from here.
  while (done < max_records && !core_->blocked()) {
    if (!core_->process_next(now_ms, &timestamp)) break;
    ++done;
    if (metrics_ && timestamp >= 0) e2e_latency_ms_.record(wall_ms - timestamp);
  }
  if (done > 0) worked_since_flush_ = true;
  if (metrics_) {
    if (done > 0) metrics_->records_in(static_cast<int64_t>(done));
    if (now - last_publish_ >= kPublishInterval) {
      last_publish_ = now;
      publish_metrics();
    }
  }
  return done;
}

void StreamTask::publish_metrics() {
  if (!metrics_) return;
  const processor::TaskMetrics& core = core_->metrics();
  metrics_->publish({.records_out = collector_.sent(),
                     .deserialization_errors = core.deserialization_errors,
                     .processing_errors = core.processing_errors,
                     .production_errors = core.production_errors,
                     .invalid_timestamps = core.invalid_timestamps,
                     .dead_lettered = core.dead_lettered,
                     .late_dropped_by_node = &core.late_dropped_by_node,
                     .dropped_by = &core.dropped_by},
                    e2e_latency_ms_);
}

void StreamTask::delivery_failed(const kafka::DeliveryFailure& failure, const std::string& node) {
  core_->delivery_failed({.node = node,
                          .topic = failure.topic,
                          .partition = failure.partition,
                          .key = failure.key,
                          .value = failure.value,
                          .headers = failure.headers,
                          .timestamp = failure.timestamp,
                          .error_code = failure.error_code,
                          .error = failure.error});
}

bool StreamTask::punctuate_wall_clock(int64_t wall_clock_ms) {
  const bool punctuated = core_->advance_wall_clock(wall_clock_ms);
  if (punctuated) worked_since_flush_ = true;
  return punctuated;
}

void StreamTask::prepare_commit() {
  core_->flush();  // stores (caches forward, changelogs written), then the nodes
  publish_metrics();
}

bool StreamTask::effects_durable(std::chrono::milliseconds timeout) {
  return core_->sinks_acknowledged(timeout);
}

std::vector<kafka::TopicPartitionOffset> StreamTask::committable_offsets() const {
  std::vector<kafka::TopicPartitionOffset> out;
  for (auto& offset : core_->committable_offsets())
    out.push_back({std::move(offset.topic), offset.partition, offset.next_offset});
  return out;
}

void StreamTask::post_commit() {
  // In the background: a commit must not stall every record behind it for a memtable flush.
  if (!services_.exactly_once) {
    state_->checkpoint_in_background(changelog_->acknowledged());
    return;
  }
  // Exactly-once commits every 100 ms and writes no checkpoint while running; its memtables
  // are flushed at the pace at-least-once commits by default, so what they hold is bounded by
  // recent writes, not by how long the process has run.
  // Only after work: an idle windowed store would otherwise write a one-key SST (its stream
  // time) every interval.
  const auto now = std::chrono::steady_clock::now();
  if (!worked_since_flush_ || now - last_memtable_flush_ < kExactlyOnceFlushInterval) return;
  last_memtable_flush_ = now;
  worked_since_flush_ = false;
  state_->flush_in_background();
}

void StreamTask::close(bool clean) {
  if (closed_) return;
  closed_ = true;
  metrics_.reset();  // before the stores close: its counters read their atomics
  core_->close();
  if (clean) {
    // The thread committed (flushed the producer) just before: the acknowledged offsets are
    // complete, and the checkpoint lets a return of this task replay only the tail.
    state_->close(changelog_->acknowledged());
  } else {
    state_->close_dirty();
  }
}

}  // namespace eddy::runtime
