// eddy/detail/nodes/feature_sink_node.h — the node behind KStream::to_sink() (internal).
//
// It maps each record to a FeatureRow, versions it with the record's event time and source
// position, carries the record's headers, and hands it to the FeatureSink through the task
// (TaskContext::submit_feature). The node never blocks: when the sink pushes back the task
// stops taking input and the runtime pauses its partitions (polling, punctuating and
// committing go on) until the sink drains; nothing is dropped. A task commits its offsets
// only once the sink acknowledged every update it submitted.
#pragma once

#include <charconv>
#include <functional>
#include <memory>

#include "eddy/detail/nodes/node.h"
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
    // No LogAppendTime from the broker: the producer may have said when it produced the source
    // record (SinkOptions::produced_time_header), for the produced -> served freshness.
    if (append_time_ms < 0 && !produced_header_.empty()) {
      append_time_ms = produced_time(this->context_->headers());
    }
    FeatureUpdate update{std::move(row.key), std::move(row.fields), stamp.timestamp,
                         append_time_ms,     std::move(position),   {}};
    if (const Headers& headers = this->context_->headers(); !headers.empty())
      update.headers = headers;
    this->context_->submit_feature(*sink_, std::move(update));
  }

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
