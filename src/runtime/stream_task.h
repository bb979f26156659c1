// StreamTask: a Task (task.h) that runs one sub-topology's processor graph (TaskCore) for
// one partition on Kafka: records in from the thread's consumer, out through the thread's
// producer, stores built and restored by a TaskStateManager, offsets and checkpoints kept
// per commit, failed records sent to the configured handlers.
#pragma once

#include <deque>
#include <map>
#include <memory>

#include "metrics/histogram.h"
#include "processor/task_core.h"
#include "runtime/kafka_changelog.h"
#include "runtime/task_factory.h"
#include "runtime/task_metrics.h"
#include "state/restore/task_state_manager.h"
#include "topology/topology_plan.h"

namespace eddy::runtime {

// Sink records go out through the thread's producer; murmur2 picks the partition.
class KafkaRecordCollector final : public processor::RecordCollector {
 public:
  explicit KafkaRecordCollector(kafka::Producer& producer) : producer_(producer) {}
  void send(const std::string& topic, std::optional<int32_t> partition,
            std::optional<std::string_view> key, std::optional<std::string_view> value,
            int64_t timestamp, const Headers& headers) override {
    producer_.send({.topic = topic,
                    .partition = partition.value_or(kafka::kAnyPartition),
                    .key = key,
                    .value = value,
                    .timestamp = timestamp,
                    .headers = headers.empty() ? nullptr : &headers});
    ++sent_;
  }
  // From the producer's metadata, fetched again only for a topic not seen yet (a topic
  // grown later keeps its old count here until the task is recreated, e.g. by a rebalance).
  int32_t partition_count(const std::string& topic) override;
  int64_t sent() const { return sent_; }

 private:
  kafka::Producer& producer_;
  int64_t sent_ = 0;  // read by the task thread only (published through TaskMetrics)
  kafka::TopicPartitionCounts partition_counts_;
};

struct SkippedRecords {
  int64_t invalid_timestamp = 0;  // (deserialization and processing skips: TaskCore::metrics())
  int64_t dead_lettered = 0;
};

class StreamTask final : public Task {
 public:
  StreamTask(TaskId id, std::vector<kafka::TopicPartition> partitions,
             std::shared_ptr<const detail::TopologyPlan> plan, const TaskServices& services);
  ~StreamTask() override;

  const TaskId& id() const override { return id_; }
  const std::vector<kafka::TopicPartition>& input_partitions() const override {
    return partitions_;
  }
  void initialize() override;
  bool restore_step() override;
  void add_records(const kafka::TopicPartition& partition,
                   std::vector<kafka::Message> records) override;
  size_t buffered(const kafka::TopicPartition& partition) const override;
  size_t process(size_t max_records, std::chrono::steady_clock::time_point now) override;
  bool punctuate_wall_clock(int64_t wall_clock_ms) override;
  void prepare_commit() override;
  std::vector<kafka::TopicPartitionOffset> committable_offsets() const override;
  void post_commit() override;
  void close(bool clean) override;

  const SkippedRecords& skipped() const { return skipped_; }
  const processor::TaskCore& core() const { return *core_; }

 private:
  struct PartitionQueue {
    kafka::TopicPartition partition;
    std::deque<kafka::Message> records;
    int64_t next_offset = -1;  // to commit: one past the last processed record
  };
  PartitionQueue* next_queue(std::chrono::steady_clock::time_point now);
  void process_one(PartitionQueue& queue, int64_t wall_clock_ms);
  void publish_metrics();
  void send_to_dead_letter(const processor::IncomingRecord& record, const std::string& error);

  TaskId id_;
  std::vector<kafka::TopicPartition> partitions_;
  std::shared_ptr<const detail::TopologyPlan> plan_;
  TaskServices services_;
  KafkaRecordCollector collector_;
  std::unique_ptr<KafkaChangelogWriter> changelog_;
  std::unique_ptr<state::TaskStateManager> state_;
  std::unique_ptr<KafkaChangelogReader> restore_reader_;  // while restoring
  std::chrono::steady_clock::time_point restore_start_{};
  size_t logged_stores_ = 0;
  std::unique_ptr<processor::TaskCore> core_;
  std::deque<PartitionQueue> queues_;  // a deque: its elements never move
  std::optional<std::chrono::steady_clock::time_point> idle_since_;  // a partition ran empty
  SkippedRecords skipped_;
  // Declared after the stores' owner (state_) so it is destroyed first: its scrape-time
  // counters read the stores' atomics.
  std::unique_ptr<TaskMetrics> metrics_;
  metrics::Histogram e2e_latency_ms_;  // since the last publish_metrics()
  std::chrono::steady_clock::time_point last_publish_{};
  bool closed_ = false;
};

}  // namespace eddy::runtime
