// eddy/dsl/produced.h — Produced<K,V>: how records are written to a topic (serdes, sink name).
//
//   stream.to("enriched", eddy::Produced<std::string, Enriched>::with(keys, enriched_serde));
#pragma once

#include <string>

#include "eddy/serde/serde.h"

namespace eddy {

template <typename K, typename V>
struct Produced {
  Serde<K> key_serde;    // empty: the stream's key serde (from upstream or default_serde<K>())
  Serde<V> value_serde;  // empty: the stream's value serde
  std::string name;      // sink node name; empty: generated

  static Produced with(Serde<K> key_serde, Serde<V> value_serde) {
    return Produced{std::move(key_serde), std::move(value_serde), {}};
  }
  static Produced as(std::string name) { return Produced{.name = std::move(name)}; }
  Produced& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
};

}  // namespace eddy
