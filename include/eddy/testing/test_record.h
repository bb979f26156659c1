// eddy/testing/test_record.h — TestRecord<K,V> and KeyValue<K,V>, what test topics carry.
//
//   input.pipe_input(
//       eddy::TestRecord<std::string, int64_t>{.key = "a", .value = 1, .timestamp = 5});
//   auto r = output.read_record();   // r.key, r.value (std::nullopt: tombstone), r.timestamp

#pragma once

#include <cstdint>
#include <optional>

#include "eddy/headers.h"

namespace eddy {

template <typename K, typename V>
struct KeyValue {
  K key;
  V value;
  bool operator==(const KeyValue&) const = default;
};

template <typename K, typename V>
struct TestRecord {
  K key{};
  std::optional<V> value;  // std::nullopt: a Kafka null value (tombstone)
  int64_t timestamp = 0;
  Headers headers;
  bool null_key = false;  // the Kafka key was null (key is value-initialized)
  int32_t partition =
      -1;  // read: the partition it was written to; pipe: where it goes (-1: by key)
};

}  // namespace eddy
