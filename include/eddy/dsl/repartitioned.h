// eddy/dsl/repartitioned.h — Repartitioned<K,V>: an explicit repartition topic.
//
//   stream.repartition(eddy::Repartitioned<std::string, Order>::as("orders-by-sku"));
//   // topic <application.id>-orders-by-sku-repartition
#pragma once

#include <string>

#include "eddy/serde/serde.h"

namespace eddy {

template <typename K, typename V>
struct Repartitioned {
  Serde<K> key_serde;    // empty: the stream's
  Serde<V> value_serde;  // empty: the stream's
  std::string name;      // empty: generated (KSTREAM-REPARTITION-000000000N)

  static Repartitioned as(std::string name) { return Repartitioned{.name = std::move(name)}; }
  static Repartitioned with(Serde<K> key_serde, Serde<V> value_serde) {
    return Repartitioned{std::move(key_serde), std::move(value_serde), {}};
  }
};

}  // namespace eddy
