// eddy/testing/test_output_topic.h — TestOutputTopic<K,V>: reads what the topology wrote to a
// topic, in write order across partitions. Each read consumes.
//
//   auto out = driver.create_output_topic<std::string, double>("totals");
//   EXPECT_EQ(out.read_key_value(), (eddy::KeyValue<std::string, double>{"alice", 3.0}));
//   auto r = out.read_record();        // key, value, timestamp, headers, partition
//   auto all = out.read_key_values_to_map();   // last value per key; tombstones remove
//   EXPECT_TRUE(out.is_empty());
// Declare V as std::optional<T> to read tombstones as std::nullopt from read_value().
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
#include "eddy/testing/test_record.h"

namespace eddy {

class TopologyTestDriver;

template <typename K, typename V>
class TestOutputTopic {
 public:
  TestOutputTopic(TopologyTestDriver* driver, std::string topic, Serde<K> key_serde,
                  Serde<V> value_serde)
      : driver_(driver),
        topic_(std::move(topic)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {
    if (!key_serde_ || !value_serde_) {
      throw Error("test output topic '" + topic_ +
                  "': no serde for the key or value type; pass "
                  "serdes to create_output_topic");
    }
  }

  // Throws eddy::Error when the topic has no unread record.
  TestRecord<K, V> read_record();
  V read_value() {
    auto r = read_record();
    if (r.value) return std::move(*r.value);
    if constexpr (detail::IsOptional<V>::value) {
      return V{};
    } else {
      throw Error("topic '" + topic_ +
                  "': the next record is a tombstone; read it with "
                  "read_record() or declare the value type std::optional<V>");
    }
  }
  KeyValue<K, V> read_key_value() {
    K key = peek_key();
    return KeyValue<K, V>{std::move(key), read_value()};
  }
  std::vector<V> read_values_to_list() {
    std::vector<V> out;
    while (!is_empty()) out.push_back(read_value());
    return out;
  }
  std::vector<KeyValue<K, V>> read_key_values_to_list() {
    std::vector<KeyValue<K, V>> out;
    while (!is_empty()) out.push_back(read_key_value());
    return out;
  }
  std::vector<TestRecord<K, V>> read_records_to_list() {
    std::vector<TestRecord<K, V>> out;
    while (!is_empty()) out.push_back(read_record());
    return out;
  }
  // Last value per key; a tombstone removes the key.
  std::map<K, V> read_key_values_to_map() {
    std::map<K, V> out;
    while (!is_empty()) {
      auto r = read_record();
      if (r.value) {
        out.insert_or_assign(r.key, std::move(*r.value));
      } else {
        out.erase(r.key);
      }
    }
    return out;
  }
  bool is_empty() const;
  size_t queue_size() const;

 private:
  K peek_key();

  TopologyTestDriver* driver_;
  std::string topic_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  std::optional<TestRecord<K, V>> peeked_;
};

}  // namespace eddy
