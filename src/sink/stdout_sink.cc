#include "eddy/sink/stdout_sink.h"

#include <iostream>
#include <nlohmann/json.hpp>

namespace eddy {

StdoutSink::StdoutSink(StdoutSinkOptions options)
    : FeatureSink(std::move(options.sink)),
      out_(options.out != nullptr ? options.out : &std::cout) {}

StdoutSink::~StdoutSink() {
  stop_flushing();
}

void StdoutSink::write_batch(std::span<const FeatureUpdate> batch, std::span<WriteOutcome>) {
  std::string text;
  for (const FeatureUpdate& u : batch) {
    nlohmann::ordered_json line;
    line["key"] = u.key;
    if (u.fields) {
      nlohmann::ordered_json fields = nlohmann::ordered_json::object();
      for (const auto& [field, value] : *u.fields) fields[field] = value;
      line["fields"] = std::move(fields);
    } else {
      line["fields"] = nullptr;
    }
    line["event_time"] = u.event_time_ms;
    line["partition"] = u.source.partition;
    line["offset"] = u.source.offset;
    text += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    text += '\n';
  }
  *out_ << text << std::flush;
  if (!*out_) throw SinkError("stdout sink " + name() + ": the stream failed", true);
}

}  // namespace eddy
