// StreamTask: a Task (task.h) that runs one sub-topology's processor graph (TaskCore) for
// one partition on Kafka: records in from the thread's consumer, out through the thread's
// producer, stores built and restored by a TaskStateManager, offsets and checkpoints kept
// per commit, failed records sent to the configured handlers.
#pragma once

#include <chrono>
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

// Sink records go out through the thread's producer; murmur2 picks the partition. A record
// librdkafka refuses at once comes back to the task (SendRefusal); one Kafka refuses later is
// tagged (TaskServices::delivery_tag) so the thread can hand it to the task that sent it.
class KafkaRecordCollector final : public processor::RecordCollector {
 public:
  KafkaRecordCollector(kafka::Producer& producer, TaskId task_id,
                       std::function<const void*(const TaskId&, const std::string*)> tags)
      : producer_(producer), task_id_(task_id), tags_(std::move(tags)) {}
  std::optional<processor::SendRefusal> send(const std::string& topic,
                                             const std::optional<int32_t>& partition,
                                             const std::optional<std::string_view>& key,
                                             const std::optional<std::string_view>& value,
                                             int64_t timestamp, const Headers& headers,
                                             processor::SendKind kind,
                                             std::string_view node) override;
  // From the producer's metadata, fetched again only for a topic not seen yet (a topic
  // grown later keeps its old count here until the task is recreated, e.g. by a rebalance).
  int32_t partition_count(const std::string& topic) override;
  int64_t sent() const { return sent_; }

 private:
  const void* tag_for(processor::SendKind kind, std::string_view node);

  kafka::Producer& producer_;
  TaskId task_id_;
  std::function<const void*(const TaskId&, const std::string*)> tags_;
  struct NodeTag {
    std::string name;
    const char* seen;  // the name's address as the node passed it
    const void* tag;
  };
  std::vector<NodeTag> node_tags_;  // a task has few sinks
  const void* dead_letter_tag_ = nullptr;
  int64_t sent_ = 0;  // read by the task thread only (published through TaskMetrics)
  kafka::TopicPartitionCounts partition_counts_;
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
  bool restores_state() const override;
  void add_records(const kafka::TopicPartition& partition,
                   std::span<kafka::Message> records) override;
  size_t buffered(const kafka::TopicPartition& partition) const override;
  size_t process(size_t max_records, std::chrono::steady_clock::time_point now) override;
  bool blocked() const override { return core_->blocked(); }
  bool punctuate_wall_clock(int64_t wall_clock_ms) override;
  void prepare_commit() override;
  bool effects_durable(std::chrono::milliseconds timeout) override;
  std::vector<kafka::TopicPartitionOffset> committable_offsets() const override;
  void delivery_failed(const kafka::DeliveryFailure& failure, const std::string& node) override;
  void post_commit() override;
  void close(bool clean) override;

  const processor::TaskCore& core() const { return *core_; }

 private:
  void publish_metrics();
  size_t logged_store_count() const;  // of its sub-topology's stores, those with a changelog

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
  // Exactly-once: when post_commit() last started a memtable flush (the interval is
  // at-least-once's default commit interval).
  static constexpr std::chrono::seconds kExactlyOnceFlushInterval{30};
  std::chrono::steady_clock::time_point last_memtable_flush_ = std::chrono::steady_clock::now();
  bool worked_since_flush_ = false;  // records processed or punctuations since that flush
  std::unique_ptr<processor::TaskCore> core_;
  // Declared after the stores' owner (state_) so it is destroyed first: its scrape-time
  // counters read the stores' atomics.
  std::unique_ptr<TaskMetrics> metrics_;
  metrics::Histogram e2e_latency_ms_;  // since the last publish_metrics()
  std::chrono::steady_clock::time_point last_publish_{};
  bool closed_ = false;
};

}  // namespace eddy::runtime
