// eddy/detail/dsl/windowed_dsl.h — what the windowed DSL classes share: the (repartitioned if
// needed) input of a grouped stream, and window/session store declarations (internal).
#pragma once

#include <string>
#include <vector>

#include "eddy/detail/dsl/dsl_support.h"
#include "eddy/dsl/grouped.h"
#include "eddy/dsl/kstream.h"

namespace eddy::detail {

template <typename K, typename V>
struct GroupedInput {
  int node = -1;
  std::vector<TopicRef> topics;
  Serde<K> key_serde;
  Serde<V> value_serde;
};

// The node a windowed aggregation hangs off: the stream itself, or a repartition topic named
// after Grouped::with_name (else the store) when the key was changed upstream.
template <typename K, typename V>
GroupedInput<K, V> grouped_input(const KStream<K, V>& stream, const Grouped<K, V>& grouped,
                                 const std::string& store, const Serde<K>& materialized_ks) {
  GroupedInput<K, V> in;
  in.key_serde = pick_serde(materialized_ks, pick_serde(grouped.key_serde, stream.key_serde()));
  in.value_serde = pick_serde(grouped.value_serde, stream.value_serde());
  in.node = stream.node();
  in.topics = stream.topics();
  if (stream.repartition_required()) {
    const std::string repartition = grouped.name.empty() ? store : grouped.name;
    in.node =
        add_repartition<K, V>(*stream.graph(), in.node, repartition, in.key_serde, in.value_serde);
    in.topics = {{repartition + "-repartition", true}};
  }
  return in;
}

// `ttl_requested`: the Materialized asked for a TTL, which windowed stores do not take.
// `caching`: a record cache in front (updates then leave when it flushes).
inline void declare_windowed_store(LogicalGraph& graph, const std::string& name, StoreKind kind,
                                   bool persistent, bool logging, int64_t retention_ms,
                                   int64_t window_size_ms, const std::string& created_by,
                                   bool ttl_requested = false, bool time_ordered_reads = false,
                                   bool caching = false) {
  if (ttl_requested) {
    graph.error("'" + created_by + "': store '" + name +
                "' cannot have a TTL: window and session stores expire by retention (window "
                "size or gap, plus grace); drop Materialized::with_ttl or set the grace");
  }
  StoreEntry entry;
  entry.spec.name = name;
  entry.spec.kind = kind;
  entry.spec.persistent = persistent;
  entry.spec.logging = logging;
  entry.spec.caching = caching;
  entry.spec.retention_ms = retention_ms;
  entry.spec.window_size_ms = window_size_ms;
  entry.spec.time_ordered_reads = time_ordered_reads;
  entry.timestamped = kind == StoreKind::kWindow;
  entry.created_by = created_by;
  graph.add_store(std::move(entry));
}

// Declares the late-record topic of windowed operator `node` (if any) so it is created at start.
inline void declare_late_topic(LogicalGraph& graph, int node, const std::string& topic) {
  if (!topic.empty()) graph.nodes[static_cast<size_t>(node)].side_topics.push_back(topic);
}

// The key-value store in which the emit strategy on_window_close remembers which windows of
// `window_store` went out (raw bytes, one entry). Returns its name.
inline std::string declare_emit_progress_store(LogicalGraph& graph, const std::string& window_store,
                                               bool persistent, bool logging,
                                               const std::string& created_by) {
  std::string name = window_store + "-emit-progress";
  declare_kv_store(graph, name, persistent, logging, /*caching=*/false, created_by);
  graph.stores[name].timestamped = false;
  return name;
}

// The key-value store in which a windowed or session aggregation keeps its observed stream
// time across restarts (persisted_stream_time.h; cached, so one changelog record a commit).
// Returns its name.
inline std::string declare_stream_time_store(LogicalGraph& graph, const std::string& window_store,
                                             bool persistent, bool logging,
                                             const std::string& created_by) {
  std::string name = window_store + "-stream-time";
  declare_kv_store(graph, name, persistent, logging, /*caching=*/true, created_by);
  graph.stores[name].timestamped = false;
  return name;
}

}  // namespace eddy::detail
