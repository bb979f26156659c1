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
