// eddy/detail/dsl/table_old_values.h — Kafka Streams' old-value and materialization flags of the
// table nodes, kept on the logical graph as the DSL is called (internal).
//
// Every Eddy table keeps its rows in a store, but what a table operator forwards depends on
// flags Kafka Streams sets while the topology is written, in call order
// (KTableImpl.enableSendingOldValues and valueGetterSupplier):
// - a table source sends old values only once it is materialized (Materialized::as, or read
//   by a join, which materializes it) or forced to (then it becomes materialized);
// - filter and map_values send them when queryable, else when their parent does;
// - aggregations always can; a table-table join forces both tables; suppress asks its parent.
// A filter reads its parent's answer when it is created: a filter that does not send old
// values forwards a delete for every update it rejects, also of rows it never held; one that
// does sends nothing for a row that never matched (KTableFilter). The functions below mirror
// those rules; the result is GraphNode::send_old_values, which the node factories read.
#pragma once

#include "eddy/detail/dsl/graph.h"

namespace eddy::detail {

// KTableImpl.enableSendingOldValues(force) on the table of node `id`: true when it sends
// old values from now on. `force` materializes a source that is not yet.
inline bool enable_sending_old_values(LogicalGraph& graph, int id, bool force) {
  auto& node = graph.nodes[static_cast<size_t>(id)];
  switch (node.ks_table) {
    case KsTable::kAggregate:
      node.send_old_values = true;
      return true;
    case KsTable::kSource:
      if (!force && !node.ks_queryable) return false;
      node.ks_queryable = true;
      node.send_old_values = true;
      return true;
    case KsTable::kDerived: {
      if (node.ks_queryable) {
        node.send_old_values = true;
        return true;
      }
      const int parent = node.parents.front();
      if (enable_sending_old_values(graph, parent, force)) {
        graph.nodes[static_cast<size_t>(id)].send_old_values = true;
      }
      return graph.nodes[static_cast<size_t>(id)].send_old_values;
    }
    case KsTable::kJoinSide: {
      const int table = node.parents.front();
      const int other = node.ks_other_table;
      enable_sending_old_values(graph, table, true);
      enable_sending_old_values(graph, other, true);
      graph.nodes[static_cast<size_t>(id)].send_old_values = true;
      return true;
    }
    case KsTable::kMerge: {
      const auto sides = node.parents;
      for (int side : sides) enable_sending_old_values(graph, side, true);
      graph.nodes[static_cast<size_t>(id)].send_old_values = true;
      return true;
    }
    case KsTable::kSuppress: {
      const int parent = node.parents.front();
      const bool sends = enable_sending_old_values(graph, parent, force);
      if (sends) graph.nodes[static_cast<size_t>(id)].send_old_values = true;
      return sends;
    }
  }
  return false;
}

// KTableImpl.valueGetterSupplier() on the table of node `id` (a join reads the table): a
// source becomes materialized; a filter or map_values that is not queryable reads through
// its parent, so its parent's table is materialized.
inline void materialize_table_view(LogicalGraph& graph, int id) {
  auto& node = graph.nodes[static_cast<size_t>(id)];
  switch (node.ks_table) {
    case KsTable::kSource:
      node.ks_queryable = true;
      return;
    case KsTable::kDerived:
    case KsTable::kSuppress:
      if (!node.ks_queryable) materialize_table_view(graph, node.parents.front());
      return;
    case KsTable::kAggregate:
    case KsTable::kJoinSide:
    case KsTable::kMerge:
      return;
  }
}

// Whether node `id` outputs a versioned table (Kafka Streams'
// isVersionedOrVersionedUpstream): its own flag when set, else true when every parent's is
// (a source, with no parent, is not). Operators reading such a table use versioned
// semantics: joins and group_by skip out-of-order updates (Change::is_latest false), filter
// forwards every update.
inline bool output_versioned(const LogicalGraph& graph, int id) {
  const auto& node = graph.nodes[static_cast<size_t>(id)];
  if (node.output_versioned) return *node.output_versioned;
  if (node.parents.empty()) return false;
  for (int parent : node.parents) {
    if (!output_versioned(graph, parent)) return false;
  }
  return true;
}

// Marks the node just added for a table operator.
inline void set_table_kind(LogicalGraph& graph, int id, KsTable kind, bool queryable,
                           int other_table = -1) {
  auto& node = graph.nodes[static_cast<size_t>(id)];
  node.ks_table = kind;
  node.ks_queryable = queryable;
  node.ks_other_table = other_table;
}

}  // namespace eddy::detail
