// RecordCollector: where a task's sink nodes hand their serialized records. The test driver
// implements it in memory; the runtime implements it with the Kafka producer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/headers.h"

namespace eddy::processor {

enum class SendKind : uint8_t {
  kOutput,      // a sink node's record (output or repartition topic)
  kDeadLetter,  // a handler's dead-letter record (its own failure is never handled again)
};

// Why a record was refused at send time (it was not sent).
struct SendRefusal {
  int code = 0;  // the client's error code (librdkafka's on Kafka)
  std::string reason;
};

class RecordCollector {
 public:
  virtual ~RecordCollector() = default;
  // `partition` std::nullopt: the collector picks one (kafka::partition_for_key of the key
  // over the topic's partition count; any partition for a null key). A null `key` or `value`
  // is a Kafka null. The views are valid only during the call: copy what you keep. `node`
  // names the sink node (empty for dead-letter records). Returns why the record was refused
  // at once (for example larger than the producer's message.max.bytes), nullopt when it was
  // accepted; a failure Kafka reports later reaches the task through the runtime.
  virtual std::optional<SendRefusal> send(const std::string& topic,
                                          const std::optional<int32_t>& partition,
                                          const std::optional<std::string_view>& key,
                                          const std::optional<std::string_view>& value,
                                          int64_t timestamp, const Headers& headers, SendKind kind,
                                          std::string_view node) = 0;
  // The number of partitions of `topic` (asked by partitioners before send); throws Error
  // naming the topic when it does not exist.
  virtual int32_t partition_count(const std::string& topic) = 0;
};

}  // namespace eddy::processor
