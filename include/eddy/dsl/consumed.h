// eddy/dsl/consumed.h — Consumed<K,V>: how a source topic is read (serdes, source name,
// event time).
//
//   builder.stream<std::string, Order>("orders",
//       eddy::Consumed<std::string, Order>::with(eddy::serdes::string(), order_serde)
//           .with_name("orders-source"));
//   // Event time from a JSON field instead of the Kafka record's timestamp:
//   builder.stream<std::string, nlohmann::json>("clicks",
//       eddy::Consumed<std::string, nlohmann::json>{}.with_timestamp_extractor(
//           [](const std::string&, const nlohmann::json& v, int64_t) { return
//           v["ts"].get<int64_t>(); }));
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "eddy/serde/serdes.h"

namespace eddy {

template <typename K, typename V>
struct Consumed {
  Serde<K> key_serde = default_serde<K>();    // default: default_serde<K>()
  Serde<V> value_serde = default_serde<V>();  // default: default_serde<V>()
  std::string name;                           // source node name; empty: generated
  // The record's event time: extractor(key, value, kafka_record_timestamp). Default (empty):
  // the Kafka record's timestamp. A negative result, or an exception from the extractor,
  // goes to default.deserialization.exception.handler (log and continue skips the record).
  std::function<int64_t(const K&, const V&, int64_t)> timestamp_extractor;

  static Consumed with(Serde<K> key_serde, Serde<V> value_serde) {
    return Consumed{std::move(key_serde), std::move(value_serde), {}};
  }
  static Consumed as(std::string name) { return Consumed{.name = std::move(name)}; }
  Consumed& with_timestamp_extractor(std::function<int64_t(const K&, const V&, int64_t)> fn) {
    timestamp_extractor = std::move(fn);
    return *this;
  }
  Consumed& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
};

}  // namespace eddy
