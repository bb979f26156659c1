// eddy/detail/feature_sink_node.h — the node behind KStream::to_sink() (internal).
//
// It maps each record to a FeatureRow, versions it with the record's event time and source
// position, and hands it to the FeatureSink. When the sink reports backpressure the node
// blocks the task's thread (so its input is not polled) until the sink has room: records
// are never dropped. At commit the task flushes the sink before offsets are committed.
#pragma once

#include <charconv>
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
      : Input<K, V>(std::move(name)),
        sink_(std::move(sink)),
        mapper_(std::move(mapper)),
        produced_header_(sink_->options().produced_time_header) {}

  void process(const K& key, const V& value, Stamp stamp) override {
    FeatureRow row = mapper_(key, value);
    SourcePosition position;
    int64_t append_time_ms = -1;
    if (const RecordMetadata* meta = this->context_->record_metadata()) {
      position = {meta->topic, meta->partition, meta->offset};
      append_time_ms = meta->append_time_ms;
    }
    if (append_time_ms < 0 && !produced_header_.empty()) {
      append_time_ms = produced_time(this->context_->headers());
    }
    while (sink_->paused()) sink_->wait_for_capacity(std::chrono::milliseconds(100));
    sink_->submit(FeatureUpdate{std::move(row.key), std::move(row.fields), stamp.timestamp,
                                append_time_ms, std::move(position)});
  }

  void flush() override { sink_->flush(); }

 private:
  // SinkOptions::produced_time_header's value in ms, or -1 when absent or not a number.
  int64_t produced_time(const Headers& headers) const {
    const auto value = header_value(headers, produced_header_);
    if (!value) return -1;
    int64_t ms = -1;
    const auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), ms);
    return ec == std::errc{} && end == value->data() + value->size() ? ms : -1;
  }

  std::shared_ptr<FeatureSink> sink_;
  Mapper mapper_;
  std::string produced_header_;
};

}  // namespace eddy::detail
