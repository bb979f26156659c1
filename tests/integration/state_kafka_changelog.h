// The state layer's changelog interfaces implemented with Eddy's Kafka clients, as the
// runtime will: a writer over kafka::Producer (partition = the task's partition, offsets
// tracked from delivery reports for the checkpoint) and a reader over kafka::Consumer with
// assign() (no group membership), which counts the records it hands out.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "kafka/consumer.h"
#include "kafka/message.h"
#include "kafka/producer.h"
#include "state/changelog.h"
#include "state/restore/checkpoint_file.h"
#include "support/real_kafka.h"

namespace eddy::state::testing {

class KafkaChangelogWriter final : public ChangelogWriter {
 public:
  explicit KafkaChangelogWriter(Properties properties)
      : producer_({.properties = std::move(properties),
                   .on_delivery = [this](const kafka::DeliveryReport& report) {
                     if (report.error_code != 0) return;
                     std::lock_guard lock(mutex_);
                     auto& next = next_offsets_[{std::string(report.topic), report.partition}];
                     next = std::max(next, report.offset + 1);
                   }}) {}

  void log(const std::string& topic, int32_t partition, std::string_view key,
           std::optional<std::string_view> value, int64_t timestamp) override {
    producer_.send({.topic = topic,
                    .partition = partition,
                    .key = key,
                    .value = value,
                    .timestamp = timestamp > 0 ? timestamp : 0,
                    .opaque = this});  // reports come back only for records with an opaque
  }
  void log_erasure(const std::string& topic, int32_t partition, std::string_view key,
                   int64_t timestamp) override {
    static const Headers marker{{std::string(kErasureHeader), std::string(kErasureHeaderValue)}};
    producer_.send({.topic = topic,
                    .partition = partition,
                    .key = key,
                    .value = std::nullopt,
                    .timestamp = timestamp > 0 ? timestamp : 0,
                    .headers = &marker,
                    .opaque = this});
  }

  // Waits for every record; returns the next offset per changelog partition (for checkpoint).
  ChangelogOffsets flush() {
    producer_.flush(std::chrono::seconds(60));
    std::lock_guard lock(mutex_);
    return next_offsets_;
  }

 private:
  std::mutex mutex_;
  ChangelogOffsets next_offsets_;
  kafka::Producer producer_;
};

class KafkaChangelogReader final : public ChangelogReader {
 public:
  explicit KafkaChangelogReader(const Properties& properties)
      : consumer_({.properties = properties, .group_id = testing_support::unique_name("restore")}) {
  }

  void seek(const std::string& topic, int32_t partition, int64_t offset) override {
    consumer_.assign({{topic, partition, offset}});
  }
  int64_t end_offset(const std::string& topic, int32_t partition) override {
    return consumer_.watermarks({topic, partition}, std::chrono::seconds(10)).second;
  }
  std::span<const ChangelogRecord> poll(size_t max, std::chrono::milliseconds timeout) override {
    records_.clear();
    messages_ = consumer_.poll_batch(max, timeout);
    for (const auto& m : messages_) {
      if (m.error_code() != 0) continue;
      records_.push_back(
          {.key = m.key().value_or(std::string_view()),
           .value = m.value(),
           .timestamp = m.timestamp(),
           .offset = m.offset(),
           .erasure = !m.value() && eddy::header_value(m.headers(), kErasureHeader).has_value()});
    }
    records_read_ += static_cast<int64_t>(records_.size());
    return records_;
  }
  int64_t records_read() const { return records_read_; }

 private:
  // A restore reads a partition to its end as fast as it can: large fetches, and no long
  // broker-side wait when a fetch comes back short (the default 500 ms shows up as a
  // half-second stall per store after each assign()).
  static Properties restore_properties(Properties properties) {
    properties.try_emplace("fetch.wait.max.ms", "10");
    properties.try_emplace("fetch.max.bytes", "104857600");
    properties.try_emplace("max.partition.fetch.bytes", "16777216");
    return properties;
  }

  kafka::Consumer consumer_;
  std::vector<kafka::Message> messages_;
  std::vector<ChangelogRecord> records_;
  int64_t records_read_ = 0;
};

}  // namespace eddy::state::testing
