// eddy/detail/dsl/dsl_support.h — helpers the typed DSL classes share (internal).
#pragma once

#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "eddy/detail/dsl/graph.h"
#include "eddy/detail/nodes/io_nodes.h"
#include "eddy/detail/nodes/stateless_nodes.h"
#include "eddy/serde/serdes.h"

namespace eddy::detail {

// A topic feeding a stream or table (for co-partition checks); internal ones lack the prefix.
struct TopicRef {
  std::string name;
  bool internal = false;
};

inline std::string pick_name(LogicalGraph& graph, const std::string& given,
                             const std::string& prefix) {
  return given.empty() ? graph.new_name(prefix) : given;
}

// An operator that combines inputs (a join, a merge) may only take streams and tables of its
// own StreamsBuilder: another builder's nodes and stores are not in this graph, so the
// topology could not run. Records the mistake for build() to report. `op` names the operator
// ("join 'enrich'"), `input` the foreign input ("the KTable of store 'customers-store'").
inline void check_same_builder(LogicalGraph& graph, const LogicalGraph* input_graph,
                               const std::string& op, const std::string& input) {
  if (input_graph == &graph) return;
  graph.error(op + " reads " + input +
              ", which was made by another StreamsBuilder; create every stream and table of a "
              "topology with the same StreamsBuilder");
}

inline int add_processor(LogicalGraph& graph, std::string name, std::string kind,
                         std::vector<int> parents, NodeFactory factory,
                         std::vector<std::string> stores = {}, int port = 0) {
  GraphNode node;
  node.name = std::move(name);
  node.role = NodeRole::kProcessor;
  node.operator_kind = std::move(kind);
  node.parents = std::move(parents);
  node.parent_port = port;
  node.stores = std::move(stores);
  node.factory = std::move(factory);
  return graph.add(std::move(node));
}

template <typename T>
Serde<T> pick_serde(const Serde<T>& given, const Serde<T>& fallback) {
  return given ? given : fallback;
}

template <typename K, typename V>
int add_source(LogicalGraph& graph, std::string name, std::vector<std::string> topics,
               bool internal, Serde<K> ks, Serde<V> vs, bool global = false,
               typename SourceNode<K, V>::Extractor extractor = {}) {
  std::string topic_list;
  for (const auto& t : topics) topic_list += (topic_list.empty() ? "" : ", ") + t;
  if (!ks) {
    graph.error("source '" + name + "' (topics [" + topic_list +
                "]) has no key serde and its key type has no built-in one; pass "
                "Consumed<K, V>::with(key_serde, value_serde)");
  }
  if (!vs) {
    graph.error("source '" + name + "' (topics [" + topic_list +
                "]) has no value serde and its value type has no built-in one; pass "
                "Consumed<K, V>::with(key_serde, value_serde)");
  }
  GraphNode node;
  node.name = name;
  node.role = NodeRole::kSource;
  node.operator_kind = "source";
  node.source_topics = std::move(topics);
  node.internal_source = internal;
  node.global = global;
  node.factory = [name, ks, vs, extractor](const ResolvedNode&) {
    return std::make_unique<SourceNode<K, V>>(name, ks, vs, extractor);
  };
  return graph.add(std::move(node));
}

template <typename K, typename V>
int add_sink(LogicalGraph& graph, std::string name, int parent, std::string topic, bool internal,
             Serde<K> ks, Serde<V> vs, StreamPartitioner<K, V> partitioner = {}) {
  if (!ks || !vs) {
    graph.error("sink '" + name + "' (topic '" + topic + "') has no " + (ks ? "value" : "key") +
                " serde and the type has no built-in one; pass Produced<K, V>::with(key_serde, "
                "value_serde) (or Grouped/Repartitioned::with for a repartition)");
  }
  GraphNode node;
  node.name = name;
  node.role = NodeRole::kSink;
  node.operator_kind = "sink";
  node.parents = {parent};
  node.sink_topic = std::move(topic);
  node.internal_sink = internal;
  // Windowed keys go to the partition of their base key on user topics only: Kafka Streams
  // applies its WindowedStreamPartitioner in to()'s sink, not in repartition sinks.
  node.factory = [name, ks, vs, partitioner, internal](const ResolvedNode& resolved) {
    return std::make_unique<SinkNode<K, V>>(name, resolved.sink_topic, ks, vs, partitioner,
                                            /*by_base_key=*/!internal);
  };
  return graph.add(std::move(node));
}

// Sends the records of `parent` through the repartition topic "<prefix>-repartition"
// (nodes <prefix>-repartition-filter/-sink/-source) and returns the new source's id.
// `drop_null_keys` false passes records with a null key through (a left or outer
// stream-stream join emits them, as Kafka Streams' KIP-962).
template <typename K, typename V>
int add_repartition(LogicalGraph& graph, int parent, const std::string& prefix, Serde<K> ks,
                    Serde<V> vs, bool drop_null_keys = true) {
  const std::string topic = prefix + "-repartition";
  const std::string filter_name = prefix + "-repartition-filter";
  const int filter =
      add_processor(graph, filter_name, "repartition filter", {parent},
                    [filter_name, drop_null_keys](const ResolvedNode&) {
                      return std::make_unique<PassThroughNode<K, V>>(filter_name, drop_null_keys);
                    });
  add_sink<K, V>(graph, prefix + "-repartition-sink", filter, topic, true, ks, vs);
  return add_source<K, V>(graph, prefix + "-repartition-source", {topic}, true, ks, vs);
}

// `ttl`: Materialized::with_ttl of a key-value table (checked here so build() reports it).
inline void declare_kv_store(LogicalGraph& graph, const std::string& name, bool persistent,
                             bool logging, bool caching, const std::string& created_by,
                             const std::optional<TtlOptions>& ttl = std::nullopt) {
  if (ttl && ttl->ttl.count() <= 0) {
    graph.error("'" + created_by + "': the TTL of store '" + name +
                "' must be positive; pass Materialized::with_ttl({.ttl = ...})");
  }
  StoreEntry entry;
  entry.spec.name = name;
  entry.spec.kind = StoreKind::kKeyValue;
  entry.spec.persistent = persistent;
  entry.spec.logging = logging;
  entry.spec.caching = caching;
  entry.spec.ttl = ttl;
  entry.timestamped = true;
  entry.created_by = created_by;
  graph.add_store(std::move(entry));
}

inline void add_copartition(LogicalGraph& graph, const std::string& op,
                            const std::vector<TopicRef>& a, const std::vector<TopicRef>& b) {
  CopartitionGroup group;
  group.operator_name = op;
  for (const auto* side : {&a, &b}) {
    for (const auto& t : *side) {
      group.topics.push_back(t.name);
      group.internal.push_back(t.internal);
    }
  }
  graph.copartition_groups.push_back(std::move(group));
}

// Result type of a value mapper that takes (v) or (k, v).
template <typename Fn, typename K, typename V>
struct ValueMapperResult {
  static auto pick() {
    if constexpr (std::is_invocable_v<Fn&, const K&, const V&>) {
      return std::type_identity<std::decay_t<std::invoke_result_t<Fn&, const K&, const V&>>>{};
    } else {
      return std::type_identity<std::decay_t<std::invoke_result_t<Fn&, const V&>>>{};
    }
  }
  using type = typename decltype(pick())::type;
};

template <typename Range>
using RangeElement = std::decay_t<decltype(*std::begin(std::declval<Range&>()))>;

}  // namespace eddy::detail
