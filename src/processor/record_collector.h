// RecordCollector: where a task's sink nodes hand their serialized records. The test driver
// implements it in memory; the runtime implements it with the Kafka producer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/headers.h"

namespace eddy::processor {

class RecordCollector {
 public:
  virtual ~RecordCollector() = default;
  // `partition` std::nullopt: the collector picks one (kafka::partition_for_key of the key
  // over the topic's partition count; any partition for a null key). A null `key` or `value`
  // is a Kafka null. The views are valid only during the call: copy what you keep.
  virtual void send(const std::string& topic, std::optional<int32_t> partition,
                    std::optional<std::string_view> key, std::optional<std::string_view> value,
                    int64_t timestamp, const Headers& headers) = 0;
  // The number of partitions of `topic` (asked by partitioners before send); throws Error
  // naming the topic when it does not exist.
  virtual int32_t partition_count(const std::string& topic) = 0;
};

}  // namespace eddy::processor
