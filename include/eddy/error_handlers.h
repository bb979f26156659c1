// eddy/error_handlers.h — what happens to a record that fails: callbacks for deserialization,
// processing and production errors (Kafka Streams' DeserializationExceptionHandler,
// ProcessingExceptionHandler (KIP-1033) and ProductionExceptionHandler, with KIP-1034's
// dead-letter records), and the built-in handlers.
//
// A handler sees where the record came from and where it failed (ErrorContext) and answers
// continue or fail, optionally with records to send to a dead-letter topic. Continue skips
// the record (counted in eddy_skipped_records_total{handler=...}); fail stops the stream
// thread (the instance goes to ERROR unless the uncaught-error handler says otherwise); the
// dead-letter records are sent either way, before the thread fails.
//
//   config.processing_exception_handler = [](const eddy::ErrorContext& context) {
//     if (context.error_type == "eddy::SerdeError")   // a bad amount in the store's value
//       return eddy::HandlerResponse::resume(
//           {eddy::error_handlers::dead_letter_record("orders.dlq", context)});
//     return eddy::HandlerResponse::fail();
//   };
//
// Handlers run on the stream thread that met the error, one call at a time per thread; with
// num.stream.threads > 1 the same handler may be called from several threads at once.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/headers.h"

namespace eddy {

enum class ErrorKind {
  kDeserialization,  // a source could not deserialize the record (or extract its timestamp)
  kProcessing,       // a processor (or a store's serde, or a punctuator) threw
  kProduction,       // a sink could not serialize an output record, or Kafka refused it
};

// Where a record failed. The views are valid during the handler call only: copy what you keep.
struct ErrorContext {
  ErrorKind kind = ErrorKind::kProcessing;

  // The source record being processed (Kafka Streams' ErrorHandlerContext). Unknown (empty
  // topic, -1 partition and offset, no raw bytes) in a punctuator, and for a production error
  // Kafka reports after the source record was released (see `output` below).
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  int64_t timestamp = -1;
  const Headers* headers = nullptr;           // never null in a handler call; empty when unknown
  std::optional<std::string_view> raw_key;    // the source record's bytes (sourceRawKey)
  std::optional<std::string_view> raw_value;  // (sourceRawValue)
  std::string_view task_id;                   // "<sub-topology>_<partition>", e.g. "1_3"; "global"
  std::string_view node;  // the processor node where it failed (processorNodeId)

  // The error: its C++ type (demangled, e.g. "eddy::SerdeError"), its what(), and the
  // exception itself (rethrow it to inspect it).
  std::string_view error_type;
  std::string_view message;
  std::exception_ptr exception;

  // Production errors only: the output record that could not be produced. `serialization`
  // says it failed in the sink's serializer (Kafka Streams' handleSerializationError) rather
  // than in Kafka (a record too large for the topic, a null key for a compacted topic, ...).
  struct OutputRecord {
    std::string_view topic;
    int32_t partition = -1;  // -1: not chosen yet
    std::optional<std::string_view> key;
    std::optional<std::string_view> value;
    const Headers* headers = nullptr;
    int64_t timestamp = -1;
    bool serialization = false;
  };
  OutputRecord output;
};

// A record a handler asks to send to a dead-letter topic (by the thread's producer, inside
// the open transaction under exactly-once).
struct DeadLetterRecord {
  std::string topic;
  std::optional<int32_t> partition;  // nullopt: Kafka's default partitioner on the key
  std::optional<std::string> key;
  std::optional<std::string> value;
  Headers headers;
  int64_t timestamp = 0;
};

struct HandlerResponse {
  enum class Result {
    kContinue,  // skip the record and go on (Kafka Streams' RESUME)
    kFail,      // stop the stream thread
  };
  Result result = Result::kFail;
  std::vector<DeadLetterRecord> dead_letters;

  static HandlerResponse resume(std::vector<DeadLetterRecord> dead_letters = {}) {
    return {Result::kContinue, std::move(dead_letters)};
  }
  static HandlerResponse fail(std::vector<DeadLetterRecord> dead_letters = {}) {
    return {Result::kFail, std::move(dead_letters)};
  }
};

using ErrorHandler = std::function<HandlerResponse(const ErrorContext& context)>;

// The headers a dead-letter record carries (KIP-1034's names), besides the source record's own.
namespace error_headers {
inline constexpr std::string_view kException = "__streams.errors.exception";  // error type
inline constexpr std::string_view kMessage = "__streams.errors.message";      // what()
inline constexpr std::string_view kTopic = "__streams.errors.topic";          // source topic
inline constexpr std::string_view kPartition = "__streams.errors.partition";  // decimal
inline constexpr std::string_view kOffset = "__streams.errors.offset";        // decimal
// Eddy's own, for what KIP-1034 has no header for. (C++ exceptions carry no stack trace, so
// Kafka Streams' __streams.errors.stacktrace is not written.)
inline constexpr std::string_view kTask = "eddy.errors.task";
inline constexpr std::string_view kNode = "eddy.errors.node";
inline constexpr std::string_view kKind =
    "eddy.errors.kind";  // deserialization|processing|production
}  // namespace error_headers

namespace error_handlers {

// The dead-letter record Kafka Streams builds: the source record's raw key and value, its
// timestamp and headers, plus the error_headers above. For a production error Kafka reported
// after the source record was released, it carries the output record that was refused
// instead (and the source position headers say -1).
DeadLetterRecord dead_letter_record(std::string topic, const ErrorContext& context);

// Logs a WARN (rate-limited: the 1st, 2nd, 4th, 8th, ... error of a task, with the count) and
// continues. With a non-empty `dead_letter_topic` the record is also sent there, as Kafka
// Streams' built-in handlers do once errors.dead.letter.queue.topic.name is set.
ErrorHandler log_and_continue(std::string dead_letter_topic = "");
// Logs an ERROR and fails (after dead-lettering the record when a topic is given).
ErrorHandler log_and_fail(std::string dead_letter_topic = "");
// log_and_continue to `topic` (which must not be empty).
ErrorHandler dead_letter(std::string topic);

}  // namespace error_handlers

const char* error_kind_name(ErrorKind kind);

}  // namespace eddy
