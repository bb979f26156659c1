#include "runtime/stream_task.h"

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
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
      collector_(*services.producer) {
  for (const auto& tp : partitions_) queues_.emplace_back().partition = tp;
  if (services_.metrics != nullptr) {
    metrics_ = std::make_unique<TaskMetrics>(
        *services_.metrics, services_.thread_name, id_.str(),
        services_.config->metrics_recording_level == MetricsRecordingLevel::kDebug);
  }
  changelog_ =
      std::make_unique<KafkaChangelogWriter>(*services_.producer, services_.acknowledged_slot);

  state::StoreContext context;
  context.application_id = plan_->application_id;
  context.task_id = id_.str();
  context.partition = id_.partition;
  context.changelog = changelog_.get();
  context.record_timestamp = [this] { return core_ ? core_->current_timestamp() : 0; };
  context.expired_put = [this](const std::string& store) {
    if (core_) core_->record_expired_put(store);
  };
  context.memory_budget = services_.memory_budget;
  context.rocksdb_config_setter = services_.config->rocksdb_config_setter;
  context.store_registry = services_.store_registry;
  state_ = std::make_unique<state::TaskStateManager>(services_.state_dir, std::move(context));

  processor::TaskEnvironment env;
  env.collector = &collector_;
  env.memory_budget = services_.memory_budget;
  env.changelog = changelog_.get();
  env.state_dir = services_.state_dir;
  env.deserialization_errors = services_.config->deserialization_error_handling;
  env.processing_errors = services_.config->processing_error_handling;
  env.outer_join_emit_interval_ms = services_.config->outer_join_emit_interval.count();
  env.wall_clock_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  env.store_provider = [this](const StoreSpec& spec) {
    StateStore& store = state_->register_store(spec);
    const state::BuiltStore* built = state_->built_store(spec.name);
    if (metrics_ && built != nullptr && built->metrics != nullptr)
      metrics_->add_store(spec.name, *built->metrics, &store);
    return &store;
  };
  env.dead_letter = [this](const processor::IncomingRecord& record, const std::string& error) {
    send_to_dead_letter(record, error);
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
  logged_stores_ = 0;
  for (const auto& store : plan_->subtopologies.at(static_cast<size_t>(id_.subtopology)).stores)
    logged_stores_ += plan_->changelogs.count(store);
  if (logged_stores_ > 0)
    EDDY_LOG_INFO("task {}: restore started ({} logged store(s))", id_.str(), logged_stores_);
  state_->begin_restore(*restore_reader_, options);
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
                             std::vector<kafka::Message> records) {
  for (auto& queue : queues_) {
    if (queue.partition == partition) {
      for (auto& m : records) queue.records.push_back(std::move(m));
      return;
    }
  }
}

size_t StreamTask::buffered(const kafka::TopicPartition& partition) const {
  for (const auto& queue : queues_) {
    if (queue.partition == partition) return queue.records.size();
  }
  return 0;
}

StreamTask::PartitionQueue* StreamTask::next_queue(std::chrono::steady_clock::time_point now) {
  PartitionQueue* best = nullptr;
  bool some_empty = false;
  for (auto& queue : queues_) {
    if (queue.records.empty()) {
      some_empty = true;
      continue;
    }
    if (best == nullptr || queue.records.front().timestamp() < best->records.front().timestamp())
      best = &queue;
  }
  if (best == nullptr) return nullptr;
  // max.task.idle.ms: with an input partition empty, wait that long for it before processing
  // the others out of timestamp order (0: do not wait).
  const auto idle = services_.config->max_task_idle;
  if (some_empty && idle.count() > 0) {
    if (!idle_since_) idle_since_ = now;
    if (now - *idle_since_ < idle) return nullptr;
  } else {
    idle_since_.reset();
  }
  return best;
}

size_t StreamTask::process(size_t max_records, std::chrono::steady_clock::time_point now) {
  // One wall-clock read per batch: end-to-end latency is measured against the batch start.
  const int64_t now_ms = metrics_ ? wall_clock_ms() : 0;
  size_t done = 0;
  while (done < max_records) {
    PartitionQueue* queue = next_queue(now);
    if (queue == nullptr) break;
    process_one(*queue, now_ms);
    ++done;
  }
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
                     .invalid_timestamps = skipped_.invalid_timestamp,
                     .dead_lettered = skipped_.dead_lettered,
                     .late_dropped_by_node = &core.late_dropped_by_node},
                    e2e_latency_ms_);
}

void StreamTask::process_one(PartitionQueue& queue, int64_t wall_clock_ms) {
  const kafka::Message& message = queue.records.front();
  const int64_t offset = message.offset();
  processor::IncomingRecord record = to_incoming(message);
  if (record.timestamp < 0) {
    // Kafka Streams' default extractor fails on negative timestamps; Eddy skips them loudly.
    ++skipped_.invalid_timestamp;
    EDDY_LOG_WARN("task {}: skipped record {}-{}@{} with invalid timestamp {}", id_.str(),
                  record.topic, record.partition, offset, record.timestamp);
  } else {
    if (metrics_) e2e_latency_ms_.record(wall_clock_ms - record.timestamp);
    try {
      core_->process(record);  // the core applies the deserialization and processing handlers
    } catch (const SerdeError&) {
      throw;  // log_and_fail: the thread dies and the instance goes to ERROR
    } catch (const std::exception& e) {
      throw Error("task " + id_.str() + ": processing " + record.topic + "-" +
                  std::to_string(record.partition) + "@" + std::to_string(offset) +
                  " failed: " + e.what());
    }
  }
  queue.next_offset = offset + 1;
  queue.records.pop_front();
}

void StreamTask::send_to_dead_letter(const processor::IncomingRecord& record,
                                     const std::string& error) {
  const std::string& topic = services_.config->dead_letter_topic;
  if (topic.empty()) return;
  Headers headers = record.headers;
  headers.push_back({"eddy.error", error});
  headers.push_back({"eddy.source.topic", record.topic});
  headers.push_back({"eddy.source.partition", std::to_string(record.partition)});
  headers.push_back({"eddy.source.offset", std::to_string(record.offset)});
  headers.push_back({"eddy.task", id_.str()});
  auto view = [](const std::optional<Bytes>& b) {
    return b ? std::optional<std::string_view>(*b) : std::nullopt;
  };
  services_.producer->send({.topic = topic,
                            .key = view(record.key),
                            .value = view(record.value),
                            .timestamp = record.timestamp,
                            .headers = &headers});
  ++skipped_.dead_lettered;
}

bool StreamTask::punctuate_wall_clock(int64_t wall_clock_ms) {
  return core_->advance_wall_clock(wall_clock_ms);
}

void StreamTask::prepare_commit() {
  core_->flush();  // stores (caches forward, changelogs written), then feature sinks
  publish_metrics();
}

std::vector<kafka::TopicPartitionOffset> StreamTask::committable_offsets() const {
  std::vector<kafka::TopicPartitionOffset> out;
  for (const auto& queue : queues_) {
    if (queue.next_offset >= 0)
      out.push_back({queue.partition.topic, queue.partition.partition, queue.next_offset});
  }
  return out;
}

void StreamTask::post_commit() {
  // In the background: a commit must not stall every record behind it for a memtable flush.
  if (!services_.exactly_once) state_->checkpoint_in_background(changelog_->acknowledged());
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
