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

// Fills `record` (every field) with views into `m` and takes its librdkafka message.
// `topic`: the message's topic name (records come in runs of one partition: the caller reads
// the name once, it costs a strlen).
inline void fill_consumed(processor::ConsumedRecord& record, kafka::Message&& m,
                          std::string_view topic) {
  // Read the views first: the bytes stay where they are when the message changes hands.
  const kafka::Message::Fields f = m.fields();
  record.adopt(&kafka_message_owner(), m.release());
  record.topic = topic;
  record.partition = f.partition;
  record.offset = f.offset;
  record.timestamp = f.timestamp;
  record.append_time_ms = f.log_append_time ? f.timestamp : -1;
  record.key = f.key != nullptr ? std::optional<std::string_view>(std::in_place, f.key, f.key_size)
                                : std::nullopt;
  record.value = f.value != nullptr
                     ? std::optional<std::string_view>(std::in_place, f.value, f.value_size)
                     : std::nullopt;
}

inline processor::ConsumedRecord to_consumed(kafka::Message&& m) {
  const std::string_view topic = m.topic();
  processor::ConsumedRecord record;
  fill_consumed(record, std::move(m), topic);
  return record;
}

}  // namespace eddy::runtime
