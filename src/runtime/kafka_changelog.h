// The state layer's changelog interfaces implemented with Kafka: changes go out through the
// stream thread's producer (to the task's partition); restores read with an assigned
// consumer. Under exactly-once both are transactional / read_committed.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "eddy/config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "state/changelog.h"
#include "state/restore/checkpoint_file.h"

namespace eddy::runtime {

// Sends changes to the changelog; their acknowledged offsets feed the task's checkpoint.
class KafkaChangelogWriter final : public state::ChangelogWriter {
 public:
  using SlotFn = std::function<int64_t*(const std::string& topic, int32_t partition)>;
  KafkaChangelogWriter(kafka::Producer& producer, SlotFn slot)
      : producer_(producer), slot_(std::move(slot)) {}

  void log(const std::string& topic, int32_t partition, std::string_view key,
           std::optional<std::string_view> value, int64_t timestamp) override {
    producer_.send({.topic = topic,
                    .partition = partition,
                    .key = key,
                    .value = value,
                    .timestamp = timestamp,
                    .opaque = slot_for(topic, partition)});
  }
  void log_erasure(const std::string& topic, int32_t partition, std::string_view key,
                   int64_t timestamp) override {
    static const Headers marker{
        {std::string(state::kErasureHeader), std::string(state::kErasureHeaderValue)}};
    producer_.send({.topic = topic,
                    .partition = partition,
                    .key = key,
                    .value = std::nullopt,
                    .timestamp = timestamp,
                    .headers = &marker,
                    .opaque = slot_for(topic, partition)});
  }

  // Next offset after the last acknowledged change, per changelog partition written.
  state::ChangelogOffsets acknowledged() const {
    state::ChangelogOffsets out;
    for (const auto& [tp, slot] : slots_) {
      if (slot != nullptr && *slot >= 0) out[tp] = *slot;
    }
    return out;
  }

 private:
  kafka::Producer& producer_;
  SlotFn slot_;
  std::map<std::pair<std::string, int32_t>, int64_t*> slots_;

  // The partition's acknowledged-offset slot, asked of `slot_` on its first change.
  int64_t* slot_for(const std::string& topic, int32_t partition) {
    int64_t*& slot = slots_[{topic, partition}];
    if (slot == nullptr && slot_) slot = slot_(topic, partition);
    return slot;
  }
};

class KafkaChangelogReader final : public state::ChangelogReader {
 public:
  // `properties`: consumer properties (bootstrap included); read_committed under EOS.
  KafkaChangelogReader(Properties properties, bool read_committed);

  void seek(const std::string& topic, int32_t partition, int64_t offset) override;
  int64_t end_offset(const std::string& topic, int32_t partition) override;
  std::span<const state::ChangelogRecord> poll(size_t max,
                                               std::chrono::milliseconds timeout) override;
  // The consumer's position: past transaction markers at the end of a transactional changelog.
  int64_t position(const std::string& topic, int32_t partition) override;
  bool reads_committed() const override { return read_committed_; }

 private:
  kafka::Consumer consumer_;
  bool read_committed_;
  std::vector<kafka::Message> messages_;  // keep the records the views point into
  std::vector<state::ChangelogRecord> records_;
};

}  // namespace eddy::runtime
