// eddy/errors.h — the exception types Eddy throws.
//
// Mistakes a user can fix before running (a bad config, an invalid topology) are thrown
// from build()/start() as ConfigError / TopologyError with a message naming the key or
// operator and how to fix it. Faults from Kafka are KafkaError, translated once at the
// client adapter. Per-record failures are not thrown past the runtime: they go to the
// configured handlers (see config.h), carrying a SerdeError or ProcessingError.
//
//   try {
//     auto topology = builder.build();
//   } catch (const eddy::TopologyError& e) {
//     std::cerr << e.what() << "\n";   // "join 'KSTREAM-JOIN-0000000004': ..."
//   }
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace eddy {

// Base of every exception Eddy throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A configuration key is unknown, missing or has an invalid value. `key()` names it.
class ConfigError : public Error {
 public:
  ConfigError(std::string key, std::string reason)
      : Error("config '" + key + "': " + reason),
        key_(std::move(key)),
        reason_(std::move(reason)) {}
  const std::string& key() const noexcept { return key_; }
  // The message without the "config '<key>': " prefix.
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string key_;
  std::string reason_;
};

// The topology is invalid (duplicate name, missing serde, co-partitioning, cycle, ...).
class TopologyError : public Error {
 public:
  using Error::Error;
};

// A Kafka operation failed. `code()` is librdkafka's error code (rd_kafka_resp_err_t), kept
// as an int so this header does not include librdkafka; `retriable()` and `fatal()` say
// what the caller may do about it.
class KafkaError : public Error {
 public:
  KafkaError(const std::string& message, int code = -1, bool retriable = false, bool fatal = false)
      : Error(message), code_(code), retriable_(retriable), fatal_(fatal) {}
  int code() const noexcept { return code_; }
  bool retriable() const noexcept { return retriable_; }
  bool fatal() const noexcept { return fatal_; }

 private:
  int code_;
  bool retriable_;
  bool fatal_;
};

// Where a record came from; carried by per-record errors so a handler can say which one.
struct RecordPosition {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
};

// A key or value could not be (de)serialized.
class SerdeError : public Error {
 public:
  SerdeError(const std::string& message, RecordPosition position = {})
      : Error(describe(message, position)), position_(std::move(position)) {}
  const RecordPosition& position() const noexcept { return position_; }

 private:
  static std::string describe(const std::string& message, const RecordPosition& p) {
    if (p.topic.empty()) return message;
    return message + " (topic " + p.topic + ", partition " + std::to_string(p.partition) +
           ", offset " + std::to_string(p.offset) + ")";
  }
  RecordPosition position_;
};

// A state store operation failed (RocksDB status, corrupt checkpoint, locked state dir).
class StateStoreError : public Error {
 public:
  using Error::Error;
};

}  // namespace eddy
