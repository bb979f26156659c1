// eddy/dsl/produced.h — Produced<K,V>: how records are written to a topic (serdes, sink name,
// partitioner).
//
//   stream.to("enriched", eddy::Produced<std::string, Enriched>::with(keys, enriched_serde));
#pragma once

#include <string>

#include "eddy/dsl/stream_partitioner.h"
#include "eddy/serde/serde.h"

namespace eddy {

template <typename K, typename V>
struct Produced {
  Serde<K> key_serde;    // empty: the stream's key serde (from upstream or default_serde<K>())
  Serde<V> value_serde;  // empty: the stream's value serde
  std::string name;      // sink node name; empty: generated
  // Chooses each record's partition; empty (or returning std::nullopt): Kafka's default
  // partitioner on the key bytes — on the key inside the window for windowed key serdes.
  StreamPartitioner<K, V> partitioner;

  static Produced with(Serde<K> key_serde, Serde<V> value_serde) {
    return Produced{std::move(key_serde), std::move(value_serde), {}, {}};
  }
  static Produced as(std::string name) { return Produced{.name = std::move(name)}; }
  Produced& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
  Produced& with_stream_partitioner(StreamPartitioner<K, V> p) {
    partitioner = std::move(p);
    return *this;
  }
};

}  // namespace eddy
