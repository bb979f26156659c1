// A consumed Kafka message as the processor layer takes it: the ConsumedRecord keeps
// librdkafka's message (and so the fetched bytes) alive and gives the task views into it —
// topic, key and value are never copied on the way in; headers are read only if a node asks.
#pragma once

#include "kafka/message.h"
#include "processor/consumed_record.h"

namespace eddy::runtime {

inline const processor::ConsumedRecord::Owner& kafka_message_owner() {
  static const processor::ConsumedRecord::Owner owner{
      .release =
          [](void* handle) noexcept {
            kafka::Message::destroy(static_cast<rd_kafka_message_s*>(handle));
          },
      .read_headers =
          [](const void* handle, Headers& out) {
            return kafka::Message::read_consumed_headers(
                static_cast<const rd_kafka_message_s*>(handle), out);
          },
  };
  return owner;
}

// `topic`: the message's topic name when the caller knows it (records come in runs of one
// partition; reading the name costs a strlen).
inline processor::ConsumedRecord to_consumed(kafka::Message&& m, std::string_view topic = {}) {
  // Read the views first: the bytes stay where they are when the message changes hands.
  if (topic.empty()) topic = m.topic();
  const int32_t partition = m.partition();
  const int64_t offset = m.offset();
  bool log_append_time = false;
  const int64_t timestamp = m.timestamp(log_append_time);
  const auto key = m.key();
  const auto value = m.value();
  processor::ConsumedRecord record(&kafka_message_owner(), m.release());
  record.topic = topic;
  record.partition = partition;
  record.offset = offset;
  record.timestamp = timestamp;
  if (log_append_time) record.append_time_ms = timestamp;
  record.key = key;
  record.value = value;
  return record;
}

}  // namespace eddy::runtime
