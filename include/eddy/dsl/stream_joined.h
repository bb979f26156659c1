// eddy/dsl/stream_joined.h — StreamJoined<K,V,VO>: serdes, names and stores of a stream–stream
// join (Kafka Streams' StreamJoined).
//
//   purchases.join(exposures, joiner, windows,
//                  eddy::StreamJoined<std::string, Purchase, Exposure>::with(
//                      serdes::string(), purchase_serde(), exposure_serde())
//                      .with_name("attribute")          // processors attribute-this-join, ...
//                      .with_store_name("attribution")  // stores attribution-this-join-store, ...
//                      .with_logging_enabled({{"min.insync.replicas", "2"}}));
//
// A join keeps two window stores (each side's records, retention before + after + grace, one
// changelog each, cleanup.policy=delete) and, for left and outer joins, one key-value store of
// the records still waiting for a partner (the "shared outer join store", compacted
// changelog). Names without with_store_name are generated (KSTREAM-JOINTHIS-000000000N-store,
// KSTREAM-JOINOTHER-..., KSTREAM-OUTERSHARED-...), so they move when the topology changes:
// name the stores of an application that must keep its state.
#pragma once

#include <string>

#include "eddy/config.h"
#include "eddy/serde/serde.h"

namespace eddy {

template <typename K, typename V, typename VO>
struct StreamJoined {
  Serde<K> key_serde;           // empty: the left stream's
  Serde<V> value_serde;         // empty: the left stream's
  Serde<VO> other_value_serde;  // empty: the right stream's
  // Base of the processor names (<name>-this-join, <name>-merge, ...) and of repartition
  // topics (<name>-left-repartition, <name>-right-repartition); empty: generated.
  std::string name;
  // Base of the store names (<store_name>-this-join-store, ...); empty: generated.
  std::string store_name;
  bool logging = true;     // changelogs <application.id>-<store>-changelog
  Properties log_config;   // extra changelog topic configs
  bool persistent = true;  // RocksDB (default) or in memory

  static StreamJoined with(Serde<K> key_serde, Serde<V> value_serde, Serde<VO> other_value_serde) {
    StreamJoined out;
    out.key_serde = std::move(key_serde);
    out.value_serde = std::move(value_serde);
    out.other_value_serde = std::move(other_value_serde);
    return out;
  }
  static StreamJoined as(std::string store_name) {
    StreamJoined out;
    out.store_name = std::move(store_name);
    return out;
  }

  StreamJoined& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
  StreamJoined& with_store_name(std::string n) {
    store_name = std::move(n);
    return *this;
  }
  StreamJoined& with_key_serde(Serde<K> s) {
    key_serde = std::move(s);
    return *this;
  }
  StreamJoined& with_value_serde(Serde<V> s) {
    value_serde = std::move(s);
    return *this;
  }
  StreamJoined& with_other_value_serde(Serde<VO> s) {
    other_value_serde = std::move(s);
    return *this;
  }
  StreamJoined& with_logging_enabled(Properties configs = {}) {
    logging = true;
    log_config = std::move(configs);
    return *this;
  }
  StreamJoined& with_logging_disabled() {
    logging = false;
    return *this;
  }
  StreamJoined& with_in_memory() {
    persistent = false;
    return *this;
  }
};

}  // namespace eddy
