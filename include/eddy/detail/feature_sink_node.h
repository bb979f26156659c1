// eddy/detail/feature_sink_node.h — the node behind KStream::to_sink() (internal).
//
// It maps each record to a FeatureRow, versions it with the record's event time and source
// position, and hands it to the FeatureSink. When the sink reports backpressure the node
// blocks the task's thread (so its input is not polled) until the sink has room: records
// are never dropped. At commit the task flushes the sink before offsets are committed.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "eddy/detail/node.h"
#include "eddy/sink/feature_sink.h"

namespace eddy::detail {

template <typename K, typename V>
class FeatureSinkNode final : public Input<K, V> {
 public:
  using Mapper = std::function<FeatureRow(const K&, const V&)>;
  FeatureSinkNode(std::string name, std::shared_ptr<FeatureSink> sink, Mapper mapper)
      : Input<K, V>(std::move(name)), sink_(std::move(sink)), mapper_(std::move(mapper)) {}

  void process(const K& key, const V& value, Stamp stamp) override {
    FeatureRow row = mapper_(key, value);
    SourcePosition position;
    int64_t append_time_ms = -1;
    if (const RecordMetadata* meta = this->context_->record_metadata()) {
      position = {meta->topic, meta->partition, meta->offset};
      append_time_ms = meta->append_time_ms;
    }
    while (sink_->paused()) sink_->wait_for_capacity(std::chrono::milliseconds(100));
    sink_->submit(FeatureUpdate{std::move(row.key), std::move(row.fields), stamp.timestamp,
                                append_time_ms, std::move(position)});
  }

  void flush() override { sink_->flush(); }

 private:
  std::shared_ptr<FeatureSink> sink_;
  Mapper mapper_;
};

}  // namespace eddy::detail
