// eddy/dsl/grouped.h — Grouped<K,V>: serdes and name of a grouping (and its repartition topic).
//
//   orders.group_by(by_customer, eddy::Grouped<std::string, Order>::with_name("by-customer"))
//   // repartition topic: <application.id>-by-customer-repartition
#pragma once

#include <string>

#include "eddy/serde/serde.h"

namespace eddy {

template <typename K, typename V>
struct Grouped {
  Serde<K> key_serde;    // empty: the stream's (or default_serde<K>())
  Serde<V> value_serde;  // empty: the stream's (or default_serde<V>())
  std::string name;      // names the repartition topic and its nodes; empty: generated

  static Grouped with(Serde<K> key_serde, Serde<V> value_serde) {
    return Grouped{std::move(key_serde), std::move(value_serde), {}};
  }
  static Grouped with_name(std::string name) { return Grouped{.name = std::move(name)}; }
};

}  // namespace eddy
