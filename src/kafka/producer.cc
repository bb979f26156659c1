#include "kafka/producer.h"

#include <librdkafka/rdkafka.h>

#include "common/log.h"
#include "common/log_throttle.h"
#include "kafka/client_config.h"
#include "kafka/error.h"
#include "kafka/message.h"

namespace eddy::kafka {
namespace {

// Defaults Eddy needs from every producer; a user's explicit setting wins.
Properties with_producer_defaults(Properties properties, const std::string& transactional_id) {
  properties.try_emplace("enable.idempotence", "true");
  // Java's default partitioner for keyed records is murmur2; librdkafka's default is crc32.
  properties.try_emplace("partitioner", "murmur2_random");
  properties.try_emplace("linger.ms", "5");
  properties.try_emplace("compression.type", "lz4");
  if (!transactional_id.empty()) {
    properties["transactional.id"] = transactional_id;
    // A crashed instance's open transaction blocks read_committed readers until it times
    // out (unless the restarted instance fences it first); keep that bounded.
    properties.try_emplace("transaction.timeout.ms", "10000");
  }
  return properties;
}

rd_kafka_headers_t* to_rd_headers(const Headers& headers) {
  rd_kafka_headers_t* out = rd_kafka_headers_new(headers.size());
  for (const auto& header : headers) {
    rd_kafka_header_add(out, header.key.data(), static_cast<ssize_t>(header.key.size()),
                        header.value ? header.value->data() : nullptr,
                        header.value ? static_cast<ssize_t>(header.value->size()) : 0);
  }
  return out;
}

}  // namespace

Producer::Producer(ProducerOptions options) : on_delivery_(std::move(options.on_delivery)) {
  Properties properties =
      with_producer_defaults(std::move(options.properties), options.transactional_id);
  transactional_ = !options.transactional_id.empty();
  bootstrap_ = properties["bootstrap.servers"];
  ConfPtr conf = make_conf(properties);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::on_delivery_report);
  rd_kafka_conf_set_opaque(conf.get(), this);
  route_logs(conf.get());
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr);
  if (rk == nullptr) throw KafkaError(std::string("cannot create producer: ") + errstr);
  static_cast<void>(conf.release());  // rd_kafka_new took ownership
  handle_.reset(rk);
}

rd_kafka_topic_t* Producer::topic_handle(std::string_view name) {
  // Most sends go to the topic of the send before: a compare instead of a hash.
  if (last_topic_ != nullptr && name == last_topic_name_) return last_topic_;
  if (auto it = topics_.find(name); it != topics_.end()) {
    last_topic_name_ = name;
    last_topic_ = it->second;
    return it->second;
  }
  rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_.get(), std::string(name).c_str(), nullptr);
  if (handle == nullptr) throw_if_error(rd_kafka_last_error(), "topic '" + std::string(name) + "'");
  topics_.emplace(std::string(name), handle);
  return handle;
}

Producer::~Producer() {
  if (in_flight() > 0) {
    EDDY_LOG_WARN("producer closed with {} records or events not acknowledged; they are failed",
                  in_flight());
    rd_kafka_purge(handle_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(handle_.get(), 0);
  }
  for (auto& [name, topic] : topics_) rd_kafka_topic_destroy(topic);
}

void Producer::send(const OutgoingRecord& record) {
  std::string reason;
  if (const int err = try_send(record, &reason); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw_if_error(err, "cannot produce to topic '" + std::string(record.topic) + "'");
  }
}

int Producer::try_send(const OutgoingRecord& record, std::string* reason) {
  // librdkafka's varargs macros cast their arguments unparenthesized: pass plain locals.
  rd_kafka_topic_t* topic = topic_handle(record.topic);
  // A present but empty key or value may be a std::string_view with no data pointer; librdkafka
  // reads a null pointer as "no key" (which a compacted topic rejects, failing the whole batch)
  // or as a tombstone. Point it at an empty string instead: empty stays empty.
  static char kEmpty[] = "";
  const char* key =
      record.key ? (record.key->data() != nullptr ? record.key->data() : kEmpty) : nullptr;
  const size_t key_size = record.key ? record.key->size() : 0;
  char* value =
      record.value
          ? (record.value->data() != nullptr ? const_cast<char*>(record.value->data()) : kEmpty)
          : nullptr;
  const size_t value_size = record.value ? record.value->size() : 0;
  void* opaque = record.opaque;
  if (record.failure_tag != nullptr) {
    // The low bit tags a failure tag (pointers are aligned): one opaque carries either.
    opaque = reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
        reinterpret_cast<uintptr_t>(record.failure_tag) | 1U);
  }
  for (;;) {
    rd_kafka_headers_t* headers = record.headers != nullptr && !record.headers->empty()
                                      ? to_rd_headers(*record.headers)
                                      : nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        handle_.get(), RD_KAFKA_V_RKT(topic), RD_KAFKA_V_PARTITION(record.partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key_size),
        RD_KAFKA_V_VALUE(value, value_size), RD_KAFKA_V_TIMESTAMP(record.timestamp),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Serve delivery reports as we go, once per batch of sends (a poll per record costs
      // more than the send itself).
      if (++sends_since_poll_ >= kSendsPerPoll) {
        sends_since_poll_ = 0;
        rd_kafka_poll(handle_.get(), 0);
      }
      return RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    if (headers != nullptr) rd_kafka_headers_destroy(headers);  // not taken on failure
    if (err == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ||
        err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || err == RD_KAFKA_RESP_ERR__INVALID_ARG) {
      if (reason != nullptr) {
        *reason = "cannot produce to topic '" + std::string(record.topic) +
                  "': " + rd_kafka_err2str(err) + " (" + rd_kafka_err2name(err) + ")";
      }
      return err;
    }
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      throw_if_error(err, "cannot produce to topic '" + std::string(record.topic) + "'");
    }
    rd_kafka_poll(handle_.get(), 10);  // queue full: wait for acknowledgements, then retry
  }
}

int64_t Producer::in_flight() const {
  return rd_kafka_outq_len(handle_.get());
}

int Producer::poll(std::chrono::milliseconds timeout) {
  return rd_kafka_poll(handle_.get(), static_cast<int>(timeout.count()));
}

void Producer::flush(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    throw KafkaError("producer flush: " + std::to_string(in_flight()) +
                         " records not acknowledged within " + std::to_string(timeout.count()) +
                         " ms by " + bootstrap_,
                     err, /*retriable=*/true);
  }
  std::vector<DeliveryFailure> failed;
  {
    std::lock_guard lock(failures_mutex_);
    failed = std::exchange(failures_, {});
  }
  if (!failed.empty()) {
    const DeliveryFailure& first = failed.front();
    throw KafkaError(std::to_string(failed.size()) + " record(s) failed delivery; first: topic " +
                         first.topic + " partition " + std::to_string(first.partition) + ": " +
                         first.error,
                     first.error_code, false, first.error_code == RD_KAFKA_RESP_ERR__FATAL);
  }
}

void Producer::wait_for_acknowledgements(std::chrono::milliseconds timeout) {
  const rd_kafka_resp_err_t err = rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
  if (err == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    throw KafkaError("producer flush: " + std::to_string(in_flight()) +
                         " records not acknowledged within " + std::to_string(timeout.count()) +
                         " ms by " + bootstrap_,
                     err, /*retriable=*/true);
  }
}

std::vector<DeliveryFailure> Producer::take_failures() {
  std::lock_guard lock(failures_mutex_);
  return std::exchange(failures_, {});
}

TopicPartitionCounts Producer::topic_partitions(std::chrono::milliseconds timeout) {
  return fetch_topic_partitions(handle_.get(), bootstrap_, timeout);
}

void Producer::on_delivery_report(rd_kafka_s* /*rk*/, const rd_kafka_message_s* message,
                                  void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  // A failure tag is the sender's pointer with the low bit set; it is reported with a failure
  // only. An untagged opaque is reported either way.
  const auto bits = reinterpret_cast<uintptr_t>(message->_private);
  const void* failure_tag =
      (bits & 1U) != 0 ? reinterpret_cast<const void*>(  // NOLINT(performance-no-int-to-ptr)
                             bits & ~uintptr_t{1})
                       : nullptr;
  void* sender_opaque = failure_tag != nullptr ? nullptr : message->_private;
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR)
    self->record_failure(message, failure_tag, sender_opaque != nullptr);
  // Only records sent with an opaque, or that failed, are reported: the common case (an
  // output record delivered) costs nothing here.
  if (self->on_delivery_ &&
      (sender_opaque != nullptr || message->err != RD_KAFKA_RESP_ERR_NO_ERROR)) {
    // Runs inside librdkafka's C frames: an exception must not escape.
    DeliveryReport report;
    report.topic = rd_kafka_topic_name(message->rkt);
    report.partition = message->partition;
    report.offset = message->offset;
    report.error_code = message->err;
    report.error = message->err != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_err2str(message->err) : "";
    report.opaque = sender_opaque;
    try {
      self->on_delivery_(report);
    } catch (const std::exception& e) {
      EDDY_LOG_ERROR("delivery callback threw: {}", e.what());
    }
  }
}

void Producer::record_failure(const rd_kafka_message_s* message, const void* failure_tag,
                              bool had_opaque) {
  DeliveryFailure failure{rd_kafka_topic_name(message->rkt), message->partition, message->offset,
                          message->err, rd_kafka_err2str(message->err)};
  if (message->err == RD_KAFKA_RESP_ERR__FATAL) {
    char reason[512];
    rd_kafka_fatal_error(handle_.get(), reason, sizeof reason);
    failure.error = std::string("fatal producer error: ") + reason;
  }
  failure.failure_tag = failure_tag;
  failure.had_opaque = had_opaque;
  // A copy of the record, for the production handler and a dead-letter record.
  if (message->key != nullptr)
    failure.key.emplace(static_cast<const char*>(message->key), message->key_len);
  if (message->payload != nullptr)
    failure.value.emplace(static_cast<const char*>(message->payload), message->len);
  Message::read_headers(message, failure.headers);
  rd_kafka_timestamp_type_t type;
  failure.timestamp = rd_kafka_message_timestamp(message, &type);
  std::lock_guard lock(failures_mutex_);
  // Rate-limited: a handler that skips 10 000 refused records logs them itself.
  if (detail::log_due(++failures_logged_, failure_log_ms_)) {
    EDDY_LOG_ERROR("delivery failed: topic {} partition {}: {} ({} failed so far)", failure.topic,
                   failure.partition, failure.error, failures_logged_);
  }
  failures_.push_back(std::move(failure));
}

void Producer::init_transactions(std::chrono::milliseconds timeout) {
  throw_if_error(rd_kafka_init_transactions(handle_.get(), static_cast<int>(timeout.count())),
                 "init_transactions");
}

void Producer::begin_transaction() {
  throw_if_error(rd_kafka_begin_transaction(handle_.get()), "begin_transaction");
}

void Producer::send_offsets_to_transaction(const std::vector<TopicPartitionOffset>& offsets,
                                           const void* consumer_group_metadata,
                                           std::chrono::milliseconds timeout) {
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& tpo : offsets) {
    rd_kafka_topic_partition_list_add(list, tpo.topic.c_str(), tpo.partition)->offset = tpo.offset;
  }
  rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(
      handle_.get(), list,
      static_cast<const rd_kafka_consumer_group_metadata_t*>(consumer_group_metadata),
      static_cast<int>(timeout.count()));
  rd_kafka_topic_partition_list_destroy(list);
  throw_if_error(error, "send_offsets_to_transaction");
}

void Producer::commit_transaction(std::chrono::milliseconds timeout) {
  throw_if_error(rd_kafka_commit_transaction(handle_.get(), static_cast<int>(timeout.count())),
                 "commit_transaction");
}

void Producer::abort_transaction(std::chrono::milliseconds timeout) {
  throw_if_error(rd_kafka_abort_transaction(handle_.get(), static_cast<int>(timeout.count())),
                 "abort_transaction");
}

}  // namespace eddy::kafka
