// eddy/sink/stdout_sink.h — StdoutSink: prints each written batch as JSON lines, for demos
// and debugging (same batching, coalescing and freshness as every FeatureSink).
//
//   eddy::StdoutSink sink({.sink = {.name = "demo", .latency_budget = std::chrono::seconds(1)}});
//   sink.submit(eddy::FeatureUpdate::upsert("c-42", {{"views", "3"}}, ts, {"clicks", 0, 7}));
//   // {"key":"c-42","fields":{"views":"3"},"event_time":1700000000000,"partition":0,"offset":7}
//   // a delete prints "fields":null
#pragma once

#include <iosfwd>

#include "eddy/sink/feature_sink.h"

namespace eddy {

struct StdoutSinkOptions {
  SinkOptions sink;
  // Where lines go; null = std::cout. Must outlive the sink.
  std::ostream* out = nullptr;
};

class StdoutSink final : public FeatureSink {
 public:
  explicit StdoutSink(StdoutSinkOptions options = {});
  ~StdoutSink() override;

 protected:
  void write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome> outcomes) override;

 private:
  std::ostream* out_;
};

}  // namespace eddy
