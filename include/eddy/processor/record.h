// eddy/processor/record.h — Record<K,V>: what a custom Processor receives and forwards.
//
//   void process(const eddy::Record<std::string, int64_t>& r) override {
//     context_->forward(r.with_value(r.value * 2));            // same key, timestamp, headers
//     context_->forward(eddy::Record<std::string, int64_t>{"total", 1, r.timestamp});
//   }
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "eddy/headers.h"

namespace eddy {

template <typename K, typename V>
struct Record {
  K key{};
  V value{};
  int64_t timestamp = 0;
  Headers headers;

  template <typename VR>
  Record<K, VR> with_value(VR v) const {
    return Record<K, VR>{key, std::move(v), timestamp, headers};
  }
  template <typename KR>
  Record<KR, V> with_key(KR k) const {
    return Record<KR, V>{std::move(k), value, timestamp, headers};
  }
  Record with_timestamp(int64_t ts) const { return Record{key, value, ts, headers}; }
};

// Where the record being processed came from. Absent (std::nullopt) inside a punctuator.
struct RecordMetadata {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  // When the broker appended it (ms since the epoch) if the topic stamps records with
  // message.timestamp.type=LogAppendTime, else -1. Feature sinks measure freshness from it.
  int64_t append_time_ms = -1;
};

}  // namespace eddy
