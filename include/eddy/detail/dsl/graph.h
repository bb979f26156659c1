// eddy/detail/dsl/graph.h — the logical graph the DSL builds (internal).
//
// StreamsBuilder owns one LogicalGraph; every DSL call appends nodes to it. build() compiles it
// into a Topology (src/topology/). Each node carries a factory that makes the node's typed
// instance for one task; the graph itself is type-free so the compiler can be plain code.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eddy/detail/nodes/node.h"
#include "eddy/state/stores.h"

namespace eddy {
class FeatureSink;
}

namespace eddy::detail {

enum class NodeRole { kSource, kProcessor, kSink };

// What a table node is to Kafka Streams' bookkeeping of old values and materialization
// (table_old_values.h): which of its processor suppliers it mirrors.
enum class KsTable {
  kAggregate,  // aggregations (and nodes that are no table): always can send old values
  kSource,     // KTableSource: table(), a foreign-key join's result
  kDerived,    // KTableFilter, KTableMapValues: asks its parent unless queryable
  kJoinSide,   // KTableKTable{Inner,Left,Right,Outer}Join: forces both joined tables
  kMerge,      // KTableKTableJoinMerger: forces both join sides
  kSuppress,   // KTableSuppressProcessorSupplier: asks its parent
};

struct GraphNode;
// Everything a factory may need that is only known once the topology is compiled.
struct ResolvedNode {
  std::string name;
  std::string sink_topic;        // full name (internal topics carry the application.id prefix)
  bool send_old_values = false;  // see GraphNode::send_old_values
};
using NodeFactory = std::function<std::unique_ptr<NodeInstance>(const ResolvedNode&)>;

struct GraphNode {
  int id = -1;
  std::string name;
  NodeRole role = NodeRole::kProcessor;
  std::string operator_kind;               // "filter", "join", ... (for messages)
  std::vector<int> parents;                // node ids
  int parent_port = 0;                     // output port of parents.front() (split)
  std::vector<std::string> stores;         // stores this node reads or writes
  std::vector<std::string> source_topics;  // sources; names of internal ones lack the prefix
  bool internal_source = false;
  std::string sink_topic;  // sinks
  bool internal_sink = false;
  // User topics the node writes besides a sink (a windowed operator's late-record topic); the
  // runtime creates them at start when missing.
  std::vector<std::string> side_topics;
  bool global = false;  // part of the global (non-task) graph
  // Table operators: a downstream operator needs the old value with each change (a left or
  // outer table-table join; Kafka Streams' enableSendingOldValues). Set after the node was
  // added, so factories read it from ResolvedNode.
  bool send_old_values = false;
  // Kafka Streams' flags for this node when it is a table (table_old_values.h): which
  // supplier it mirrors, whether Kafka Streams would materialize it ("queryable": named with
  // Materialized::as, or made so by a join or a forced enableSendingOldValues), and for a
  // join side the other joined table's node.
  KsTable ks_table = KsTable::kAggregate;
  bool ks_queryable = false;
  int ks_other_table = -1;
  // Whether the table this node outputs is versioned (materialized on a versioned store);
  // unset: as its parents (all of them versioned). Kafka Streams' GraphNode.isOutputVersioned.
  std::optional<bool> output_versioned;
  // to_sink nodes: the sink their instances write to (the runtime exports its metrics).
  std::shared_ptr<FeatureSink> feature_sink;
  NodeFactory factory;
};

struct StoreEntry {
  StoreSpec spec;
  bool timestamped = false;  // values are [8-byte timestamp][value] (tables, aggregations)
  bool global = false;
  std::string created_by;    // the operator that declared it (for messages)
  std::string source_topic;  // global stores: the topic they are loaded from
};

// Inputs that must be co-partitioned (same partition count), and the operator that joins them.
struct CopartitionGroup {
  std::string operator_name;
  std::vector<std::string> topics;  // internal ones without the prefix
  std::vector<bool> internal;
};

class LogicalGraph {
 public:
  // "KSTREAM-FILTER-0000000001": prefix plus the builder-wide counter, as Kafka Streams.
  std::string new_name(const std::string& prefix) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%010d", counter_++);
    return prefix + buf;
  }
  int add(GraphNode node) {
    node.id = static_cast<int>(nodes.size());
    nodes.push_back(std::move(node));
    return nodes.back().id;
  }
  void add_store(StoreEntry entry) {
    if (stores.count(entry.spec.name) != 0) {
      errors.push_back("store '" + entry.spec.name + "' is declared twice (by '" +
                       stores[entry.spec.name].created_by + "' and '" + entry.created_by +
                       "'); give one of them another name with Materialized::as(...)");
      return;
    }
    std::string name = entry.spec.name;
    stores.emplace(std::move(name), std::move(entry));
  }
  // A mistake found while the DSL was called; build() reports the first.
  void error(std::string message) { errors.push_back(std::move(message)); }

  std::vector<GraphNode> nodes;
  std::map<std::string, StoreEntry> stores;
  std::vector<CopartitionGroup> copartition_groups;
  std::vector<std::string> errors;
  // Windowed aggregations by node id: how long after a window's end its result is final
  // (grace for time windows, gap + grace for sessions). suppress(until_window_closes) reads it.
  std::map<int, int64_t> window_close_ms;
  // The windowed aggregations among them with the emit strategy on_window_close: their results
  // are final already, so suppress(until_window_closes) after them is refused.
  std::set<int> emits_on_close;
  // Repartitions made for stream-stream joins, by topic prefix: a re-keyed stream joined
  // twice reuses its repartition topic, as Kafka Streams.
  std::map<std::string, int> join_repartitions;

 private:
  int counter_ = 0;
};

}  // namespace eddy::detail
