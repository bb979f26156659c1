// An in-memory changelog: a ChangelogWriter and ChangelogReader over vectors, for unit tests,
// benchmarks and the test driver (no broker). Offsets are indexes into each partition.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/serde/serde.h"
#include "state/changelog.h"

namespace eddy::state {

class MemoryChangelog final : public ChangelogWriter, public ChangelogReader {
 public:
  struct Entry {
    Bytes key;
    std::optional<Bytes> value;
    int64_t timestamp = 0;
    bool erasure = false;  // an erasure marker (ChangelogWriter::log_erasure)
  };

  void log(const std::string& topic, int32_t partition, std::string_view key,
           std::optional<std::string_view> value, int64_t timestamp) override {
    partitions_[{topic, partition}].push_back(
        {Bytes(key), value ? std::optional<Bytes>(Bytes(*value)) : std::nullopt, timestamp});
  }
  void log_erasure(const std::string& topic, int32_t partition, std::string_view key,
                   int64_t timestamp) override {
    partitions_[{topic, partition}].push_back({Bytes(key), std::nullopt, timestamp, true});
  }

  void seek(const std::string& topic, int32_t partition, int64_t offset) override {
    current_ = {topic, partition};
    position_ = offset;
  }
  int64_t end_offset(const std::string& topic, int32_t partition) override {
    auto it = partitions_.find({topic, partition});
    return it == partitions_.end() ? 0 : static_cast<int64_t>(it->second.size());
  }
  std::span<const ChangelogRecord> poll(size_t max,
                                        std::chrono::milliseconds /*timeout*/) override {
    batch_.clear();
    auto it = partitions_.find(current_);
    if (it == partitions_.end()) return {};
    const auto& entries = it->second;
    while (batch_.size() < max && position_ < static_cast<int64_t>(entries.size())) {
      const Entry& e = entries[static_cast<size_t>(position_)];
      batch_.push_back({.key = e.key,
                        .value = e.value ? std::optional<std::string_view>(*e.value) : std::nullopt,
                        .timestamp = e.timestamp,
                        .offset = position_,
                        .erasure = e.erasure});
      ++position_;
      ++records_read_;
    }
    return batch_;
  }

  const std::vector<Entry>& entries(const std::string& topic, int32_t partition) {
    return partitions_[{topic, partition}];
  }
  // Records handed out by poll() since construction (tests count replayed records).
  int64_t records_read() const { return records_read_; }

 private:
  std::map<std::pair<std::string, int32_t>, std::vector<Entry>> partitions_;
  std::pair<std::string, int32_t> current_;
  int64_t position_ = 0;
  int64_t records_read_ = 0;
  std::vector<ChangelogRecord> batch_;
};

}  // namespace eddy::state
