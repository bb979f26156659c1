// eddy/dsl/consumed.h — Consumed<K,V>: how a source topic is read (serdes, source name).
//
//   builder.stream<std::string, Order>("orders",
//       eddy::Consumed<std::string, Order>::with(eddy::serdes::string(), order_serde)
//           .with_name("orders-source"));
#pragma once

#include <string>

#include "eddy/serde/serdes.h"

namespace eddy {

template <typename K, typename V>
struct Consumed {
  Serde<K> key_serde = default_serde<K>();    // default: default_serde<K>()
  Serde<V> value_serde = default_serde<V>();  // default: default_serde<V>()
  std::string name;                           // source node name; empty: generated

  static Consumed with(Serde<K> key_serde, Serde<V> value_serde) {
    return Consumed{std::move(key_serde), std::move(value_serde), {}};
  }
  static Consumed as(std::string name) { return Consumed{.name = std::move(name)}; }
  Consumed& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
};

}  // namespace eddy
