// A consumed Kafka record: owns librdkafka's message and gives views into it.
// Every Message must be destroyed before the Consumer that returned it: librdkafka's
// rd_kafka_destroy() waits for all of its messages, so one that outlives the consumer makes
// the consumer's destructor block forever.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "eddy/headers.h"

struct rd_kafka_message_s;

namespace eddy::kafka {

class Message {
 public:
  explicit Message(rd_kafka_message_s* message) : message_(message) {}
  Message(Message&& other) noexcept : message_(std::exchange(other.message_, nullptr)) {}
  Message& operator=(Message&& other) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  ~Message();

  std::string_view topic() const;
  // Identifies the topic without reading its name: equal for messages of one topic (cheap
  // to compare record by record, unlike the name).
  const void* topic_id() const;
  int32_t partition() const;
  int64_t offset() const;
  // nullopt for a null key/value (a tombstone's value is null).
  std::optional<std::string_view> key() const;
  std::optional<std::string_view> value() const;
  // Milliseconds since the epoch; -1 when the record has none.
  int64_t timestamp() const;
  // True when the timestamp is the broker's log-append time rather than the producer's.
  bool log_append_time() const;
  // Both at once (one librdkafka call).
  int64_t timestamp(bool& log_append_time) const;
  // What a task reads of every consumed record, in one call: the accessors above each cost a
  // call per record. A null key or value has a null `data`.
  struct Fields {
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t timestamp = -1;
    bool log_append_time = false;
    const char* key = nullptr;
    size_t key_size = 0;
    const char* value = nullptr;
    size_t value_size = 0;
  };
  Fields fields() const;
  // Copies the headers out (only called when a processor asks for them).
  Headers headers() const;

  // Gives up ownership of librdkafka's message (to a processor::ConsumedRecord, which keeps
  // views into it); free it with destroy(). The Message is empty afterwards.
  rd_kafka_message_s* release() { return std::exchange(message_, nullptr); }
  static void destroy(rd_kafka_message_s* message) noexcept;
  // Appends the headers of `message` to `out`; false (and nothing appended) when it has none.
  static bool read_headers(const rd_kafka_message_s* message, Headers& out);
  // The same for a message this process consumed, skipping librdkafka's parse when the record
  // has none (see message.cc: that parse allocates even for none, ~100 ns a record).
  static bool read_consumed_headers(const rd_kafka_message_s* message, Headers& out);

  // A consumer may hand out an error event (e.g. partition EOF, broker down) as a message.
  int error_code() const;
  std::string_view error_text() const;

 private:
  rd_kafka_message_s* message_;
};

}  // namespace eddy::kafka
