#include "processor/partition_group.h"

namespace eddy::processor {
namespace {

// The bytes of an owned() record, on the heap so the views stay put when the record moves.
struct OwnedBytes {
  std::string topic;
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;
};

const ConsumedRecord::Owner kOwnedBytes{
    .release = [](void* handle) noexcept { delete static_cast<OwnedBytes*>(handle); },
    .read_headers =
        [](const void* handle, Headers& out) {
          const auto& headers = static_cast<const OwnedBytes*>(handle)->headers;
          if (headers.empty()) return false;
          out = headers;
          return true;
        },
};

}  // namespace

ConsumedRecord ConsumedRecord::owned(std::string topic, int32_t partition, int64_t offset,
                                     int64_t timestamp, std::optional<std::string> key,
                                     std::optional<std::string> value, Headers headers,
                                     int64_t append_time_ms) {
  auto* bytes =
      new OwnedBytes{std::move(topic), std::move(key), std::move(value), std::move(headers)};
  ConsumedRecord record(&kOwnedBytes, bytes);
  record.topic = bytes->topic;
  record.partition = partition;
  record.offset = offset;
  record.timestamp = timestamp;
  record.append_time_ms = append_time_ms;
  if (bytes->key) record.key = *bytes->key;
  if (bytes->value) record.value = *bytes->value;
  return record;
}

void RecordRing::grow() {
  std::vector<ConsumedRecord> bigger(slots_.empty() ? 64 : slots_.size() * 2);
  for (size_t i = 0; i < size_; ++i)
    bigger[i] = std::move(slots_[(head_ + i) & (slots_.size() - 1)]);
  slots_ = std::move(bigger);
  head_ = 0;
}

PartitionGroup::Queue& PartitionGroup::add_partition(std::string_view topic, int32_t partition) {
  if (Queue* existing = find(topic, partition)) return *existing;
  auto queue = std::make_unique<Queue>();
  queue->topic = std::string(topic);
  queue->partition = partition;
  queue->metadata.topic = queue->topic;
  queue->metadata.partition = partition;
  queues_.push_back(std::move(queue));
  return *queues_.back();
}

PartitionGroup::Queue* PartitionGroup::find(std::string_view topic, int32_t partition) {
  for (auto& queue : queues_) {
    if (queue->partition == partition && queue->topic == topic) return queue.get();
  }
  return nullptr;
}

const PartitionGroup::Queue* PartitionGroup::find(std::string_view topic, int32_t partition) const {
  for (const auto& queue : queues_) {
    if (queue->partition == partition && queue->topic == topic) return queue.get();
  }
  return nullptr;
}

void PartitionGroup::clear() {
  for (auto& queue : queues_) queue->records.clear();
  buffered_ = 0;
}

}  // namespace eddy::processor
