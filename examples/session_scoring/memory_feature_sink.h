// MemoryFeatureSink: a FeatureSink that serves from this process's memory, for running
// without Redis (the demo on a bare machine) and for tests. It applies writes with the same
// rule as RedisSink (the newer version wins, see FeatureVersion), and, like every sink,
// measures freshness, so the demo reports the hot path's p99 with or without Redis.
//
//   auto live = std::make_shared<MemoryFeatureSink>(eddy::SinkOptions{.name = "live"});
//   ... to_sink(live, mapper) ...
//   live->get("customer-42");   // the latest fields, or nullopt
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "eddy/sink/feature_sink.h"

namespace eddy::examples {

class MemoryFeatureSink final : public FeatureSink {
 public:
  explicit MemoryFeatureSink(SinkOptions options = {}) : FeatureSink(std::move(options)) {}
  ~MemoryFeatureSink() override { stop_flushing(); }

  // The fields written last (by version) for `key`; nullopt when none or deleted.
  std::optional<FeatureFields> get(const std::string& key) const {
    std::lock_guard lock(mutex_);
    const auto it = rows_.find(key);
    if (it == rows_.end() || !it->second.fields) return std::nullopt;
    return it->second.fields;
  }
  // Every key that holds fields, with them.
  std::map<std::string, FeatureFields> all() const {
    std::lock_guard lock(mutex_);
    std::map<std::string, FeatureFields> out;
    for (const auto& [key, row] : rows_) {
      if (row.fields) out.emplace(key, *row.fields);
    }
    return out;
  }

 protected:
  void write_batch(std::span<const FeatureUpdate> batch,
                   std::span<WriteOutcome> outcomes) override {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < batch.size(); ++i) {
      const FeatureUpdate& update = batch[i];
      auto [it, inserted] = rows_.try_emplace(update.key);
      if (!inserted && update.version() < it->second.version) {
        outcomes[i] = WriteOutcome::kStale;  // a deleted key keeps its version as a tombstone
        continue;
      }
      it->second = {update.version(), update.fields};
    }
  }

 private:
  struct Row {
    FeatureVersion version;
    std::optional<FeatureFields> fields;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Row> rows_;
};

}  // namespace eddy::examples
