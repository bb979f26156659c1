#include "kafka/message.h"

#include <librdkafka/rdkafka.h>

namespace eddy::kafka {

Message& Message::operator=(Message&& other) noexcept {
  if (this != &other) {
    if (message_ != nullptr) rd_kafka_message_destroy(message_);
    message_ = std::exchange(other.message_, nullptr);
  }
  return *this;
}

Message::~Message() {
  if (message_ != nullptr) rd_kafka_message_destroy(message_);
}

std::string_view Message::topic() const {
  return message_->rkt != nullptr ? rd_kafka_topic_name(message_->rkt) : std::string_view{};
}

const void* Message::topic_id() const {
  return message_->rkt;
}

int64_t Message::timestamp(bool& log_append_time) const {
  rd_kafka_timestamp_type_t type;
  const int64_t ts = rd_kafka_message_timestamp(message_, &type);
  log_append_time = type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
  return ts;
}

Message::Fields Message::fields() const {
  Fields out;
  out.partition = message_->partition;
  out.offset = message_->offset;
  rd_kafka_timestamp_type_t type;
  out.timestamp = rd_kafka_message_timestamp(message_, &type);
  out.log_append_time = type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
  out.key = static_cast<const char*>(message_->key);
  out.key_size = message_->key_len;
  out.value = static_cast<const char*>(message_->payload);
  out.value_size = message_->len;
  return out;
}

int32_t Message::partition() const {
  return message_->partition;
}

int64_t Message::offset() const {
  return message_->offset;
}

std::optional<std::string_view> Message::key() const {
  if (message_->key == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(message_->key), message_->key_len);
}

std::optional<std::string_view> Message::value() const {
  if (message_->payload == nullptr) return std::nullopt;
  return std::string_view(static_cast<const char*>(message_->payload), message_->len);
}

int64_t Message::timestamp() const {
  rd_kafka_timestamp_type_t type;
  return rd_kafka_message_timestamp(message_, &type);
}

bool Message::log_append_time() const {
  rd_kafka_timestamp_type_t type;
  rd_kafka_message_timestamp(message_, &type);
  return type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
}

Headers Message::headers() const {
  Headers out;
  read_headers(message_, out);
  return out;
}

void Message::destroy(rd_kafka_message_s* message) noexcept {
  if (message != nullptr) rd_kafka_message_destroy(message);
}

namespace {

// Whether a consumed record may carry headers, without asking librdkafka. Asking it is not
// cheap: rd_kafka_message_headers() builds a parse buffer (calloc, memset, free) each time it
// is called on a record without headers, which made reading them a fifth of the stream
// thread's time in the pass-through benchmark (docs/benchmarks-profile.md).
//
// A record of Kafka's v2 format (the only one Kafka 4 brokers serve; v0/v1 records have no
// headers at all) stores its header count as a zigzag varint right after its value: one 0x00
// byte for none. librdkafka 2.x's consumer leaves the value in place in the fetch (or
// decompression) buffer and points the message's payload at it, so that byte is payload[len].
// Only a 0x00 there says "none"; anything else, a null value, or another librdkafka major
// version falls back to librdkafka's parse (record_path_on_kafka_test and
// embedded_broker_test check both ways).
bool may_have_headers(const rd_kafka_message_t* message) {
  static const bool peek_supported = (rd_kafka_version() >> 24) == 2;
  if (!peek_supported || message->payload == nullptr) return true;
  return static_cast<const unsigned char*>(message->payload)[message->len] != 0;
}

}  // namespace

bool Message::read_consumed_headers(const rd_kafka_message_s* message, Headers& out) {
  if (!may_have_headers(message)) return false;
  return read_headers(message, out);
}

bool Message::read_headers(const rd_kafka_message_s* message, Headers& out) {
  rd_kafka_headers_t* hdrs = nullptr;
  // librdkafka parses a consumed message's headers on first access (and caches them);
  // const_cast: the C API takes a non-const message but does not change what we read.
  if (rd_kafka_message_headers(const_cast<rd_kafka_message_s*>(message), &hdrs) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return false;
  }
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  const size_t before = out.size();
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    Header header{name, std::nullopt};
    if (value != nullptr) header.value.emplace(static_cast<const char*>(value), size);
    out.push_back(std::move(header));
  }
  return out.size() > before;
}

int Message::error_code() const {
  return message_->err;
}

std::string_view Message::error_text() const {
  return message_->err != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_message_errstr(message_)
                                                     : std::string_view{};
}

}  // namespace eddy::kafka
