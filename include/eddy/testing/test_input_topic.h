// eddy/testing/test_input_topic.h — TestInputTopic<K,V>: pipes records into a topic of a
// TopologyTestDriver; each is processed (with all it causes) before pipe_input returns.
//
//   auto orders = driver.create_input_topic<std::string, int64_t>("orders");
//   orders.pipe_input("alice", 3, /*timestamp=*/1000);
//   orders.pipe_input("bob", 5);                 // timestamp: the topic's current time
//   orders.pipe_tombstone("alice", 2000);        // null value
//   orders.pipe_value_list({1, 2, 3});           // null keys
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "eddy/errors.h"
#include "eddy/serde/serde.h"
#include "eddy/testing/test_record.h"

namespace eddy {

class TopologyTestDriver;

template <typename K, typename V>
class TestInputTopic {
 public:
  TestInputTopic(TopologyTestDriver* driver, std::string topic, Serde<K> key_serde,
                 Serde<V> value_serde, int64_t start_timestamp, int64_t auto_advance_ms)
      : driver_(driver),
        topic_(std::move(topic)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        time_(start_timestamp),
        advance_(auto_advance_ms) {
    if (!key_serde_ || !value_serde_) {
      throw Error("test input topic '" + topic_ +
                  "': no serde for the key or value type; pass "
                  "serdes to create_input_topic");
    }
  }

  void pipe_input(const K& key, const V& value, std::optional<int64_t> timestamp = std::nullopt,
                  Headers headers = {}) {
    pipe(key_serde_.to_bytes(key), value_serde_.to_bytes(value), timestamp, std::move(headers));
  }
  // A record with a null key.
  void pipe_input(const V& value, std::optional<int64_t> timestamp = std::nullopt) {
    pipe(std::nullopt, value_serde_.to_bytes(value), timestamp, {});
  }
  // A record with all its fields; `partition` >= 0 sends it to that partition.
  void pipe_input(const TestRecord<K, V>& r) {
    pipe(r.null_key ? std::nullopt : std::optional<Bytes>(key_serde_.to_bytes(r.key)),
         r.value ? std::optional<Bytes>(value_serde_.to_bytes(*r.value)) : std::nullopt,
         r.timestamp, r.headers,
         r.partition >= 0 ? std::optional<int32_t>(r.partition) : std::nullopt);
  }
  // A record with a null value (deletes the key in a table).
  void pipe_tombstone(const K& key, std::optional<int64_t> timestamp = std::nullopt) {
    pipe(key_serde_.to_bytes(key), std::nullopt, timestamp, {});
  }
  void pipe_key_value_list(const std::vector<KeyValue<K, V>>& records) {
    for (const auto& kv : records) pipe_input(kv.key, kv.value);
  }
  void pipe_value_list(const std::vector<V>& values) {
    for (const auto& v : values) pipe_input(v);
  }
  // Moves this topic's current time (used when pipe_input gets no timestamp).
  void advance_time(int64_t ms) { time_ += ms; }

 private:
  void pipe(std::optional<Bytes> key, std::optional<Bytes> value, std::optional<int64_t> ts,
            Headers headers, std::optional<int32_t> partition = std::nullopt);

  TopologyTestDriver* driver_;
  std::string topic_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  int64_t time_;
  int64_t advance_;
};

}  // namespace eddy
