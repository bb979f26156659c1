// Small value types of the Kafka client layer.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/headers.h"

namespace eddy::kafka {

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
};

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = -1;  // the next offset to read (Kafka's commit convention)
  bool operator==(const TopicPartitionOffset&) const = default;
};

inline constexpr int32_t kAnyPartition = -1;

// librdkafka's logical offsets, for seek() and assign().
inline constexpr int64_t kOffsetBeginning = -2;
inline constexpr int64_t kOffsetEnd = -1;
inline constexpr int64_t kOffsetStored = -1000;

// What a finished produce reports: where the record went, or why it did not.
struct DeliveryReport {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int error_code = 0;  // 0 = delivered
  std::string_view error;
  void* opaque = nullptr;  // what the sender passed with the record
};

using DeliveryCallback = std::function<void(const DeliveryReport&)>;

}  // namespace eddy::kafka
