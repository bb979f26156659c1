// Consumer: RAII over a librdkafka group consumer with batched polls, manual commits and a
// rebalance listener that sees partitions before they are handed over or after they arrive.
//
//   Consumer consumer({.properties = props, .group_id = "app", .listener = &tasks});
//   consumer.subscribe({"retail.events"});
//   for (auto& m : consumer.poll_batch(500, 100ms)) ...
//   consumer.commit({{"retail.events", 0, next_offset}});
#pragma once

#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/handle.h"
#include "kafka/message.h"
#include "kafka/types.h"

struct rd_kafka_topic_partition_list_s;
struct rd_kafka_queue_s;
struct rd_kafka_message_s;

namespace eddy::kafka {

// Told about assignment changes, on the thread that calls poll_batch().
class RebalanceListener {
 public:
  virtual ~RebalanceListener() = default;
  // Before `partitions` are taken away: flush and commit their work now.
  virtual void on_partitions_revoked(const std::vector<TopicPartition>& partitions) = 0;
  // After `partitions` were added to this consumer's assignment.
  virtual void on_partitions_assigned(const std::vector<TopicPartition>& partitions) = 0;
  // `partitions` were lost (session timed out): their work cannot be committed any more.
  virtual void on_partitions_lost(const std::vector<TopicPartition>& partitions) {
    on_partitions_revoked(partitions);
  }
};

struct ConsumerOptions {
  Properties properties;  // bootstrap.servers included (see client_properties())
  std::string group_id;
  // cooperative-sticky (incremental) instead of eager range assignment.
  bool cooperative = false;
  // Read only committed records of transactional producers (exactly-once).
  bool read_committed = false;
  RebalanceListener* listener = nullptr;
};

class Consumer {
 public:
  explicit Consumer(ConsumerOptions options);
  ~Consumer();  // leaves the group (close()) if not yet done
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  void subscribe(const std::vector<std::string>& topics);
  // Manual assignment (no group rebalancing), e.g. for restoring a changelog.
  void assign(const std::vector<TopicPartitionOffset>& partitions);

  // Up to `max` records, waiting at most `timeout` for the first one. Error events (other
  // than partition EOF) are logged; a fatal consumer error is thrown as KafkaError.
  std::vector<Message> poll_batch(size_t max, std::chrono::milliseconds timeout);
  // The same, appending to `out` (a buffer the caller reuses from poll to poll).
  void poll_batch(size_t max, std::chrono::milliseconds timeout, std::vector<Message>& out);

  // Commits `offsets` (next offset to read) synchronously. Throws KafkaError.
  void commit(const std::vector<TopicPartitionOffset>& offsets);
  // Committed offsets of `partitions` (-1001 when none). Throws KafkaError on timeout.
  std::vector<TopicPartitionOffset> committed(const std::vector<TopicPartition>& partitions,
                                              std::chrono::milliseconds timeout);
  // Low and high watermark of one partition, asking the broker.
  std::pair<int64_t, int64_t> watermarks(const TopicPartition& partition,
                                         std::chrono::milliseconds timeout);

  // The next offset this consumer will read of `partition` (-1001 when unknown). Advances
  // past transaction markers and compacted gaps, unlike the offsets of returned records.
  int64_t position(const TopicPartition& partition);
  // Records between this consumer's position and the end of `partition`, from cached
  // watermarks (no broker round trip); -1 when unknown.
  int64_t lag(const TopicPartition& partition);

  void pause(const std::vector<TopicPartition>& partitions);
  void resume(const std::vector<TopicPartition>& partitions);
  void seek(const TopicPartition& partition, int64_t offset, std::chrono::milliseconds timeout);
  std::vector<TopicPartition> assignment();

  // The generation of the group this member last joined (-1 before the first join, or when
  // librdkafka does not say). Unchanged while the member stays in the group: a rebalance, or
  // being kicked out for exceeding max.poll.interval.ms, moves it.
  int32_t group_generation();

  // Opaque rd_kafka_consumer_group_metadata_t* for Producer::send_offsets_to_transaction;
  // owned by the caller through the returned handle.
  std::shared_ptr<void> group_metadata();

  // Metadata round trip: throws KafkaError when no broker answers within `timeout`.
  TopicPartitionCounts topic_partitions(std::chrono::milliseconds timeout);

  // Leaves the group (revoking partitions through the listener). Idempotent.
  void close();

  // Internal: librdkafka's rebalance callback lands here (see consumer.cc).
  void on_rebalance_event(int err, rd_kafka_topic_partition_list_s* partitions) noexcept;

 private:
  void handle_rebalance(int err, rd_kafka_topic_partition_list_s* partitions);
  void rethrow_callback_error();

  HandlePtr handle_;
  rd_kafka_queue_s* queue_ = nullptr;
  std::string bootstrap_;
  RebalanceListener* listener_;
  bool cooperative_;
  bool closed_ = false;
  std::vector<rd_kafka_message_s*> raw_;  // poll_batch's scratch space
  // An exception thrown inside librdkafka's rebalance callback cannot cross its C frames;
  // it is kept here and rethrown by the call that served the callback.
  std::exception_ptr callback_error_;
};

}  // namespace eddy::kafka
