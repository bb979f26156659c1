// The built-in error handlers (eddy/error_handlers.h).
#include "eddy/error_handlers.h"

#include <atomic>
#include <memory>

#include "common/log.h"
#include "common/log_throttle.h"
#include "eddy/errors.h"

namespace eddy {

const char* error_kind_name(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kDeserialization:
      return "deserialization";
    case ErrorKind::kProcessing:
      return "processing";
    case ErrorKind::kProduction:
      return "production";
  }
  return "unknown";
}

namespace error_handlers {
namespace {

std::string describe(const ErrorContext& c) {
  std::string out = "task " + std::string(c.task_id) + ", node '" + std::string(c.node) + "'";
  if (!c.topic.empty()) {
    out += ", source " + std::string(c.topic) + "-" + std::to_string(c.partition) + "@" +
           std::to_string(c.offset);
  }
  if (c.kind == ErrorKind::kProduction && !c.output.topic.empty()) {
    out += ", output topic " + std::string(c.output.topic);
    if (c.output.serialization) out += " (serialization)";
  }
  return out;
}

std::optional<std::string> copy(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

}  // namespace

DeadLetterRecord dead_letter_record(std::string topic, const ErrorContext& context) {
  DeadLetterRecord record;
  record.topic = std::move(topic);
  const bool source_known = !context.topic.empty();
  if (source_known || context.kind != ErrorKind::kProduction) {
    record.key = copy(context.raw_key);
    record.value = copy(context.raw_value);
    record.timestamp = context.timestamp;
    if (context.headers != nullptr) record.headers = *context.headers;
  } else {
    // A production failure Kafka reported after the source record was released: the record
    // that was refused is all there is.
    record.key = copy(context.output.key);
    record.value = copy(context.output.value);
    record.timestamp = context.output.timestamp;
    if (context.output.headers != nullptr) record.headers = *context.output.headers;
  }
  if (record.timestamp < 0) record.timestamp = 0;  // 0: the producer stamps it now
  auto add = [&](std::string_view name, std::string value) {
    record.headers.push_back({std::string(name), std::move(value)});
  };
  add(error_headers::kException, std::string(context.error_type));
  add(error_headers::kMessage, std::string(context.message));
  add(error_headers::kTopic, std::string(context.topic));
  add(error_headers::kPartition, std::to_string(context.partition));
  add(error_headers::kOffset, std::to_string(context.offset));
  add(error_headers::kTask, std::string(context.task_id));
  add(error_headers::kNode, std::string(context.node));
  add(error_headers::kKind, error_kind_name(context.kind));
  return record;
}

ErrorHandler log_and_continue(std::string dead_letter_topic) {
  // One throttle per handler: 50 000 bad records write ~16 WARN lines, not 50 000.
  auto seen = std::make_shared<std::atomic<int64_t>>(0);
  auto throttle = std::make_shared<detail::LogThrottle>();
  return [topic = std::move(dead_letter_topic), seen, throttle](const ErrorContext& context) {
    const int64_t n = ++*seen;
    if (throttle->due(n)) {
      EDDY_LOG_WARN("{} error skipped a record ({} so far{}): {}: {} ({})",
                    error_kind_name(context.kind), n,
                    topic.empty() ? "" : ", sent to dead-letter topic " + topic, context.error_type,
                    context.message, describe(context));
    }
    if (topic.empty()) return HandlerResponse::resume();
    return HandlerResponse::resume({dead_letter_record(topic, context)});
  };
}

ErrorHandler log_and_fail(std::string dead_letter_topic) {
  return [topic = std::move(dead_letter_topic)](const ErrorContext& context) {
    EDDY_LOG_ERROR("{} error{}: {}: {} ({}); failing", error_kind_name(context.kind),
                   topic.empty() ? "" : " (record sent to dead-letter topic " + topic + ")",
                   context.error_type, context.message, describe(context));
    if (topic.empty()) return HandlerResponse::fail();
    return HandlerResponse::fail({dead_letter_record(topic, context)});
  };
}

ErrorHandler dead_letter(std::string topic) {
  if (topic.empty()) {
    throw ConfigError("errors.dead.letter.queue.topic.name",
                      "the dead_letter handler needs a topic to send records to");
  }
  return log_and_continue(std::move(topic));
}

}  // namespace error_handlers
}  // namespace eddy
