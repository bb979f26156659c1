// eddy/dsl/materialized.h — Materialized<K,V>: the store behind a table or an aggregation.
//
//   stream.group_by_key().count(eddy::Materialized<std::string, int64_t>::as("counts"));
//   // store "counts", changelog <application.id>-counts-changelog
//   table.map_values(f, eddy::Materialized<std::string, double>::as("prices").with_in_memory());
//   // keys unseen for a day leave the table: downstream gets a deletion (docs/state.md, "TTL")
//   stream.group_by_key().count(eddy::Materialized<std::string, int64_t>::as("recent")
//                                   .with_ttl({.ttl = std::chrono::hours(24),
//                                              .clock = eddy::TtlClock::kEventTime}));
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "eddy/serde/serde.h"
#include "eddy/state/stores.h"

namespace eddy {

template <typename K, typename V>
struct Materialized {
  std::string store_name;  // empty: generated (e.g. KSTREAM-AGGREGATE-STATE-STORE-0000000003)
  Serde<K> key_serde;      // empty: the upstream key serde (or default_serde<K>())
  Serde<V> value_serde;    // empty: default_serde<V>()
  bool logging = true;     // changelog <application.id>-<store>-changelog; default on
  bool caching = false;    // record cache in front (default off, so every update is emitted)
  bool persistent = true;  // RocksDB (default) or in memory
  // Key-value tables only (aggregations of grouped streams, table(), filter/map_values):
  // a key expires `ttl` after its last write, and the table forwards its deletion downstream
  // (a tombstone to a topic, a delete to a serving sink). Windowed and session stores reject
  // it at build(): they expire by retention. Default: no TTL, keys live forever.
  std::optional<TtlOptions> ttl;
  // Set: a versioned store (eddy/state/versioned_key_value_store.h) keeping each key's older
  // values this long behind stream time. StreamsBuilder::table only; see docs/dsl.md,
  // "Versioned tables".
  std::optional<std::chrono::milliseconds> history_retention;

  // A versioned table store named `store_name` (Kafka Streams'
  // Materialized.as(Stores.persistentVersionedKeyValueStore(name, history_retention))).
  static Materialized as_versioned(std::string store_name,
                                   std::chrono::milliseconds history_retention) {
    Materialized m = as(std::move(store_name));
    m.history_retention = history_retention;
    return m;
  }
  static Materialized as(std::string store_name) {
    Materialized m;
    m.store_name = std::move(store_name);
    return m;
  }
  static Materialized with(Serde<K> key_serde, Serde<V> value_serde) {
    Materialized m;
    m.key_serde = std::move(key_serde);
    m.value_serde = std::move(value_serde);
    return m;
  }
  Materialized& with_key_serde(Serde<K> s) {
    key_serde = std::move(s);
    return *this;
  }
  Materialized& with_value_serde(Serde<V> s) {
    value_serde = std::move(s);
    return *this;
  }
  Materialized& with_logging_disabled() {
    logging = false;
    return *this;
  }
  Materialized& with_caching_enabled() {
    caching = true;
    return *this;
  }
  Materialized& with_in_memory() {
    persistent = false;
    return *this;
  }
  Materialized& with_ttl(TtlOptions options) {
    ttl = options;
    return *this;
  }
};

}  // namespace eddy
