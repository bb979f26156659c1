#include "runtime/kafka_changelog.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;

// librdkafka prefetches up to queued.max.messages.kbytes (64 MiB by default) per consumer,
// outside the memory budget. A stream thread runs one restore consumer per restoring task and
// each instance one standby consumer, so a restore of grown changelogs could hold hundreds of
// MiB in fetch queues, which glibc then keeps in its arenas after the restore (the soak's
// restarted instances came back larger the later they restarted). 8 MiB still holds a few
// fetches of 1 MiB per partition (W6's restore speed under it is not yet measured); a user's
// consumer.* value wins.
constexpr std::string_view kRestoreQueueKbytes = "8192";

Properties bounded_prefetch(Properties properties) {
  properties.try_emplace("queued.max.messages.kbytes", kRestoreQueueKbytes);
  return properties;
}

// Whether a consumed changelog record is an erasure marker (ChangelogWriter::log_erasure).
// Only tombstones are looked at: reading a record's headers costs an allocation.
bool is_erasure_marker(const kafka::Message& m) {
  if (m.value()) return false;
  for (const auto& header : m.headers()) {
    if (header.key == state::kErasureHeader) return true;
  }
  return false;
}
}  // namespace

KafkaChangelogReader::KafkaChangelogReader(Properties properties, bool read_committed)
    : consumer_({.properties = bounded_prefetch(std::move(properties)),
                 .group_id = "eddy-restore",  // never joins: partitions are assigned, no commits
                 .read_committed = read_committed}),
      read_committed_(read_committed) {}

void KafkaChangelogReader::seek(const std::string& topic, int32_t partition, int64_t offset) {
  consumer_.assign({{topic, partition, offset}});
}

int64_t KafkaChangelogReader::end_offset(const std::string& topic, int32_t partition) {
  return consumer_.watermarks({topic, partition}, 30s).second;
}

std::span<const state::ChangelogRecord> KafkaChangelogReader::poll(
    size_t max, std::chrono::milliseconds timeout) {
  messages_ = consumer_.poll_batch(max, timeout);
  records_.clear();
  records_.reserve(messages_.size());
  for (const auto& m : messages_) {
    records_.push_back({.key = m.key().value_or(std::string_view{}),
                        .value = m.value(),
                        .timestamp = m.timestamp(),
                        .offset = m.offset(),
                        .erasure = is_erasure_marker(m)});
  }
  return records_;
}

int64_t KafkaChangelogReader::position(const std::string& topic, int32_t partition) {
  return consumer_.position({topic, partition});
}

}  // namespace eddy::runtime
