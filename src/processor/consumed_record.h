// ConsumedRecord: one input record as a task buffers and processes it — views of its topic,
// key, value and headers over bytes somebody else owns, plus the handle that keeps those bytes
// alive. On Kafka the owner is the librdkafka message itself (runtime/incoming_record.h), so
// nothing is copied between the consumer's fetch buffer and the source node's deserializer;
// the test driver owns a heap copy (owned()). The views are valid until the record is
// destroyed, which the task does right after processing it: whatever must outlive that (a
// record cache entry, a suppress or join buffer, a dead-letter record sent later) copies the
// bytes it keeps.
//
//   auto record = processor::ConsumedRecord::owned("clicks", 0, /*offset=*/7, /*timestamp=*/100,
//                                                  "k", "v", {{"trace-id", "abc"}});
//   task.add_record(std::move(record));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "eddy/headers.h"

namespace eddy::processor {

class ConsumedRecord {
 public:
  // How the bytes behind the views are released, and how the headers are read (on demand:
  // most records are processed without anyone asking for them).
  struct Owner {
    void (*release)(void* handle) noexcept = nullptr;
    // Appends the record's headers to `out`; false (and `out` untouched) when it has none.
    bool (*read_headers)(const void* handle, Headers& out) = nullptr;
  };

  ConsumedRecord() = default;
  ConsumedRecord(const Owner* owner, void* handle) : owner_(owner), handle_(handle) {}
  ConsumedRecord(ConsumedRecord&& other) noexcept { *this = std::move(other); }
  ConsumedRecord& operator=(ConsumedRecord&& other) noexcept {
    if (this != &other) {
      release();
      topic = other.topic;
      partition = other.partition;
      offset = other.offset;
      timestamp = other.timestamp;
      append_time_ms = other.append_time_ms;
      key = other.key;
      value = other.value;
      owner_ = other.owner_;
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  ConsumedRecord(const ConsumedRecord&) = delete;
  ConsumedRecord& operator=(const ConsumedRecord&) = delete;
  ~ConsumedRecord() { release(); }

  // A record that owns a copy of its bytes and headers (the test driver, tests, benchmarks).
  static ConsumedRecord owned(std::string topic, int32_t partition, int64_t offset,
                              int64_t timestamp, std::optional<std::string> key,
                              std::optional<std::string> value, Headers headers = {},
                              int64_t append_time_ms = -1);

  // Releases the bytes now (the views must not be used afterwards).
  void reset() noexcept { release(); }
  // Releases what the record held and takes `handle`, owned by `owner`: for a record filled
  // in place (RecordRing::emplace_back), whose caller then sets every field.
  void adopt(const Owner* owner, void* handle) noexcept {
    release();
    owner_ = owner;
    handle_ = handle;
  }

  // Reads the headers into `out` (cleared first); false when there are none.
  bool read_headers(Headers& out) const {
    out.clear();
    return owner_ != nullptr && owner_->read_headers != nullptr &&
           owner_->read_headers(handle_, out);
  }

  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;        // the record's (CreateTime or LogAppendTime), ms since epoch
  int64_t append_time_ms = -1;  // the timestamp again when it is a LogAppendTime one, else -1
  std::optional<std::string_view> key;    // nullopt: a Kafka null
  std::optional<std::string_view> value;  // nullopt: a Kafka null (tombstone)

 private:
  void release() noexcept {
    if (handle_ != nullptr && owner_ != nullptr && owner_->release != nullptr)
      owner_->release(handle_);
    handle_ = nullptr;
  }
  const Owner* owner_ = nullptr;
  void* handle_ = nullptr;
};

}  // namespace eddy::processor
