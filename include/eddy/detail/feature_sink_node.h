// eddy/detail/feature_sink_node.h — the node behind KStream::to_sink() (internal).
//
// It maps each record to a FeatureRow, versions it with the record's event time and source
// position, carries the record's headers, and hands it to the FeatureSink through the task
// (TaskContext::submit_feature). The node never blocks: when the sink pushes back the task
// stops taking input and the runtime pauses its partitions (polling, punctuating and
// committing go on) until the sink drains; nothing is dropped. A task commits its offsets
// only once the sink acknowledged every update it submitted.
#pragma once

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
    FeatureUpdate update{std::move(row.key), std::move(row.fields), stamp.timestamp,
                         append_time_ms,     std::move(position),   {}};
    if (const Headers& headers = this->context_->headers(); !headers.empty())
      update.headers = headers;
    this->context_->submit_feature(*sink_, std::move(update));
  }

 private:
  std::shared_ptr<FeatureSink> sink_;
  Mapper mapper_;
};

}  // namespace eddy::detail
