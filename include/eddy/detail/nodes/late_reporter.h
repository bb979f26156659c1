// eddy/detail/nodes/late_reporter.h — how a windowed node reports a record it dropped because its
// window was closed: the task's late-drop metric, then the optional handler and topic
// (internal).
#pragma once

#include <optional>
#include <string>

#include "eddy/detail/task/task_context.h"
#include "eddy/dsl/late_records.h"
#include "eddy/serde/serde.h"

namespace eddy::detail {

template <typename K, typename V>
class LateReporter {
 public:
  LateReporter() = default;
  LateReporter(LateRecords options, Serde<K> ks, Serde<V> vs)
      : options_(std::move(options)), key_serde_(std::move(ks)), value_serde_(std::move(vs)) {}

  // Counts one dropped (record, window) pair: Kafka Streams' dropped-records sensor.
  void count(TaskContext& context, const std::string& node) const { context.record_late(node); }

  // Hands the dropped record to the handler and topic (once per record).
  void offer(TaskContext& context, const std::string& node, const K& key, const V& value,
             int64_t timestamp, int64_t stream_time, std::string reason) const {
    if (!options_.handler && options_.topic.empty()) return;
    LateRecord r;
    r.node = node;
    r.reason = std::move(reason);
    if (key_serde_) r.key = key_serde_.to_bytes(key);
    if (value_serde_) r.value = value_serde_.to_bytes(value);
    r.timestamp = timestamp;
    r.stream_time = stream_time;
    if (const auto* meta = context.record_metadata()) {
      r.topic = meta->topic;
      r.partition = meta->partition;
      r.offset = meta->offset;
    }
    if (!options_.topic.empty()) {
      Headers saved = context.headers();
      context.headers().push_back({"eddy.late.reason", r.reason});
      auto view = [](const std::optional<Bytes>& b) {
        return b ? std::optional<std::string_view>(*b) : std::nullopt;
      };
      context.send(options_.topic, std::nullopt, view(r.key), view(r.value), timestamp);
      context.headers() = std::move(saved);
    }
    if (options_.handler) options_.handler(r);
  }

 private:
  LateRecords options_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
};

}  // namespace eddy::detail
