// TopologyPlan: the compiled form of the DSL's logical graph, shared read-only by all tasks.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "eddy/detail/dsl/graph.h"

namespace eddy::detail {

struct PlanNode {
  GraphNode node;                             // with internal topic names resolved to full names
  int subtopology = -1;                       // -1: global
  std::vector<std::pair<int, int>> children;  // (child id, port), in creation order
};

struct Subtopology {
  int id = 0;
  std::vector<int> nodes;               // ids, in creation order
  std::set<std::string> source_topics;  // full names
  std::set<std::string> sink_topics;
  std::set<std::string> stores;
};

struct TopologyPlan {
  std::string application_id;
  std::vector<PlanNode> nodes;
  std::vector<Subtopology> subtopologies;
  std::vector<int> global_nodes;
  std::map<std::string, StoreEntry> stores;         // by name
  std::map<std::string, std::string> changelogs;    // store -> changelog topic (logging ones)
  std::set<std::string> repartition_topics;         // full names
  std::map<std::string, int> side_topics;           // late-record topic -> writing sub-topology
  std::map<std::string, int> topic_to_subtopology;  // source topic -> sub-topology
  std::map<std::string, int> topic_to_source;       // source topic -> source node id
  std::set<std::string> global_topics;
  std::vector<CopartitionGroup> copartition_groups;  // full topic names
};

// Compiles `graph`; throws TopologyError for an invalid graph.
TopologyPlan compile(const LogicalGraph& graph, const std::string& application_id);

}  // namespace eddy::detail
