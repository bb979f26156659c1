// Producer: RAII over a librdkafka producer, idempotent by default, Java-compatible key
// partitioning (murmur2), delivery failures surfaced with topic/partition/offset, and the
// transactional calls exactly-once needs.
//
//   Producer producer({.properties = kafka::client_properties(config, ClientKind::kProducer)});
//   producer.send({.topic = "out", .key = "k", .value = "v", .timestamp = ts});
//   producer.flush(std::chrono::seconds(10));   // throws if any record failed
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "eddy/config.h"
#include "kafka/handle.h"
#include "kafka/types.h"

struct rd_kafka_message_s;
struct rd_kafka_topic_s;

namespace eddy::kafka {

struct ProducerOptions {
  // librdkafka properties, bootstrap.servers included (see client_properties()).
  Properties properties;
  // Non-empty: a transactional producer with this id (exactly-once).
  std::string transactional_id;
  // Called for the delivery report of each record sent with an opaque, and of each record
  // that failed, on the thread that calls send()/poll()/flush().
  DeliveryCallback on_delivery;
};

struct OutgoingRecord {
  std::string_view topic;
  int32_t partition = kAnyPartition;  // kAnyPartition: murmur2(key), as the Java client
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;  // nullopt: a tombstone
  int64_t timestamp = 0;                  // ms since epoch; 0 = now
  const Headers* headers = nullptr;
  void* opaque = nullptr;  // handed back in the DeliveryReport (success or failure)
  // Handed back with the DeliveryFailure only, never on success (so a delivered record costs
  // no callback). Set at most one of `opaque` and `failure_tag`; it must be 2-byte aligned.
  const void* failure_tag = nullptr;
};

// A record that failed delivery for good (librdkafka's retries are over), with a copy of it.
struct DeliveryFailure {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int error_code = 0;
  std::string error;
  const void* failure_tag = nullptr;  // what the sender passed as OutgoingRecord::failure_tag
  bool had_opaque = false;            // sent with an OutgoingRecord::opaque
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;
  int64_t timestamp = -1;
};

class Producer {
 public:
  explicit Producer(ProducerOptions options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one record. When librdkafka's queue is full it serves delivery reports and
  // retries (backpressure), so it may block; it never drops the record. Throws KafkaError
  // when the record cannot be sent.
  void send(const OutgoingRecord& record);
  // send(), but a record librdkafka refuses at once (larger than message.max.bytes, an
  // unknown partition, an invalid argument) is not thrown: its error code is returned (and
  // `reason` set) and the record is not sent. 0 when it was queued. Other errors throw.
  int try_send(const OutgoingRecord& record, std::string* reason = nullptr);

  // Serves delivery reports; returns how many were served.
  int poll(std::chrono::milliseconds timeout);

  // Waits until every queued record is acknowledged. Throws KafkaError if that takes longer
  // than `timeout` or if any record failed since the last flush (the message names the
  // first failure's topic, partition and error; take_failures() has them all).
  void flush(std::chrono::milliseconds timeout);
  // Waits until every queued record is acknowledged or failed, without looking at failures
  // (the caller takes them with take_failures()). Throws KafkaError (retriable) on timeout.
  void wait_for_acknowledgements(std::chrono::milliseconds timeout);

  // Failures recorded since the last call, oldest first.
  std::vector<DeliveryFailure> take_failures();

  // librdkafka's out-queue length (rd_kafka_outq_len): records not yet acknowledged, plus
  // requests in flight and events not yet served (delivery reports, errors), so it is an
  // upper bound on the records still pending; no counting per record here.
  int64_t in_flight() const;

  // Metadata round trip: throws KafkaError when no broker answers within `timeout`.
  TopicPartitionCounts topic_partitions(std::chrono::milliseconds timeout);

  // Exactly-once calls (transactional producers only). Errors are thrown as KafkaError;
  // fatal() means the producer must be recreated, otherwise the transaction must be aborted.
  void init_transactions(std::chrono::milliseconds timeout);
  void begin_transaction();
  void send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                   const void* consumer_group_metadata,
                                   std::chrono::milliseconds timeout);
  void commit_transaction(std::chrono::milliseconds timeout);
  void abort_transaction(std::chrono::milliseconds timeout);

  const std::string& bootstrap() const { return bootstrap_; }

 private:
  static void on_delivery_report(rd_kafka_s* rk, const rd_kafka_message_s* message, void* opaque);
  void record_failure(const rd_kafka_message_s* message, const void* failure_tag, bool had_opaque);

  // Cached per topic: librdkafka then skips a topic lookup per record.
  rd_kafka_topic_s* topic_handle(std::string_view name);
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  static constexpr int kSendsPerPoll = 64;

  HandlePtr handle_;
  std::unordered_map<std::string, rd_kafka_topic_s*, StringHash, std::equal_to<>> topics_;
  // The last topic looked up: a sink sends to one topic record after record.
  std::string last_topic_name_;
  rd_kafka_topic_s* last_topic_ = nullptr;
  int sends_since_poll_ = 0;
  std::string bootstrap_;
  DeliveryCallback on_delivery_;
  std::mutex failures_mutex_;
  std::vector<DeliveryFailure> failures_;
  int64_t failures_logged_ = 0;
  int64_t failure_log_ms_ = 0;
  bool transactional_ = false;
};

}  // namespace eddy::kafka
