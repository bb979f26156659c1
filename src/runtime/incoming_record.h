// A consumed Kafka message as the processor layer takes it.
#pragma once

#include "kafka/message.h"
#include "processor/task_core.h"

namespace eddy::runtime {

inline processor::IncomingRecord to_incoming(const kafka::Message& m) {
  processor::IncomingRecord record;
  record.topic = std::string(m.topic());
  record.partition = m.partition();
  record.offset = m.offset();
  record.timestamp = m.timestamp();
  if (m.log_append_time()) record.append_time_ms = m.timestamp();
  if (auto key = m.key()) record.key.emplace(*key);
  if (auto value = m.value()) record.value.emplace(*value);
  record.headers = m.headers();  // headers travel with the record (sinks, to_sink freshness)
  return record;
}

}  // namespace eddy::runtime
