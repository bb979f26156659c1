#include <algorithm>
#include <functional>
#include <numeric>

#include "eddy/errors.h"
#include "topology/topology_plan.h"

namespace eddy::detail {
namespace {

std::string full_topic(const std::string& application_id, const std::string& name) {
  return application_id + "-" + name;
}

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  int find(int x) { return parent_[x] == x ? x : parent_[x] = find(parent_[x]); }
  void unite(int a, int b) {
    a = find(a);
    b = find(b);
    if (a != b) parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<int> parent_;
};

void check_names_and_stores(const LogicalGraph& graph) {
  if (!graph.errors.empty()) throw TopologyError(graph.errors.front());
  std::map<std::string, const GraphNode*> by_name;
  std::map<std::string, const GraphNode*> by_topic;
  for (const auto& node : graph.nodes) {
    auto [it, inserted] = by_name.emplace(node.name, &node);
    if (!inserted) {
      throw TopologyError("two operators are named '" + node.name + "' (a " +
                          it->second->operator_kind + " and a " + node.operator_kind +
                          "); names given with Named::as / Grouped / Materialized must be unique");
    }
    for (const auto& store : node.stores) {
      if (graph.stores.count(store) == 0) {
        throw TopologyError(node.operator_kind + " '" + node.name + "' uses state store '" + store +
                            "', which is not in the topology; add it with " +
                            "StreamsBuilder::add_state_store(...) or materialize the table " +
                            "it reads");
      }
    }
    for (const auto& topic : node.source_topics) {
      auto [t, fresh] = by_topic.emplace(topic, &node);
      if (!fresh) {
        throw TopologyError("topic '" + topic + "' is read by two sources ('" + t->second->name +
                            "' and '" + node.name +
                            "'); read it once and reuse the KStream/KTable");
      }
    }
  }
}

void check_acyclic(const std::vector<PlanNode>& nodes) {
  // 0 = unvisited, 1 = on the stack, 2 = done
  std::vector<int> state(nodes.size(), 0);
  std::function<void(int)> visit = [&](int id) {
    state[id] = 1;
    for (auto [child, port] : nodes[id].children) {
      (void)port;
      if (state[child] == 1) {
        throw TopologyError("cycle: '" + nodes[child].node.name + "' is its own ancestor (via '" +
                            nodes[id].node.name + "'); a topology must be a DAG");
      }
      if (state[child] == 0) visit(child);
    }
    state[id] = 2;
  };
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (state[i] == 0) visit(static_cast<int>(i));
  }
}

}  // namespace

TopologyPlan compile(const LogicalGraph& graph, const std::string& application_id) {
  if (application_id.empty()) {
    throw ConfigError("application.id",
                      "required to name internal topics; set it in the StreamsConfig passed "
                      "to StreamsBuilder::build(config)");
  }
  check_names_and_stores(graph);

  TopologyPlan plan;
  plan.application_id = application_id;
  plan.stores = graph.stores;
  plan.nodes.resize(graph.nodes.size());
  for (const auto& node : graph.nodes) {
    auto& pn = plan.nodes[node.id];
    pn.node = node;
    if (node.internal_source) {
      for (auto& t : pn.node.source_topics) t = full_topic(application_id, t);
    }
    if (node.internal_sink) pn.node.sink_topic = full_topic(application_id, node.sink_topic);
  }
  for (const auto& node : graph.nodes) {
    for (size_t i = 0; i < node.parents.size(); ++i) {
      const int parent = node.parents[i];
      if (parent < 0 || parent >= static_cast<int>(graph.nodes.size())) {
        throw TopologyError(node.operator_kind + " '" + node.name + "' has an unknown parent");
      }
      plan.nodes[parent].children.emplace_back(node.id, i == 0 ? node.parent_port : 0);
    }
  }
  check_acyclic(plan.nodes);

  // Sub-topologies: nodes connected by edges or sharing a (task-local) store.
  UnionFind groups(graph.nodes.size());
  std::map<std::string, int> store_owner;
  for (const auto& node : graph.nodes) {
    for (int parent : node.parents) groups.unite(node.id, parent);
    for (const auto& store : node.stores) {
      if (graph.stores.at(store).global) continue;
      auto [it, fresh] = store_owner.emplace(store, node.id);
      if (!fresh) groups.unite(node.id, it->second);
    }
  }
  std::map<int, int> root_to_subtopology;
  for (const auto& node : graph.nodes) {
    if (node.global) {
      plan.global_nodes.push_back(node.id);
      continue;
    }
    const int root = groups.find(node.id);
    auto [it, fresh] =
        root_to_subtopology.emplace(root, static_cast<int>(plan.subtopologies.size()));
    if (fresh) plan.subtopologies.push_back(Subtopology{.id = it->second});
    auto& sub = plan.subtopologies[it->second];
    auto& pn = plan.nodes[node.id];
    pn.subtopology = sub.id;
    sub.nodes.push_back(node.id);
    for (const auto& t : pn.node.source_topics) {
      sub.source_topics.insert(t);
      plan.topic_to_subtopology[t] = sub.id;
      plan.topic_to_source[t] = node.id;
    }
    if (node.role == NodeRole::kSink) sub.sink_topics.insert(pn.node.sink_topic);
    for (const auto& s : node.stores) {
      if (!graph.stores.at(s).global) sub.stores.insert(s);
    }
    if (node.internal_sink) plan.repartition_topics.insert(pn.node.sink_topic);
    for (const auto& t : node.side_topics) plan.side_topics.emplace(t, sub.id);
  }
  for (int id : plan.global_nodes) {
    for (const auto& t : plan.nodes[id].node.source_topics) {
      plan.global_topics.insert(t);
      plan.topic_to_source[t] = id;
    }
  }
  // A sink that writes to a topic its own sub-topology reads would feed records back forever.
  for (const auto& sub : plan.subtopologies) {
    for (int id : sub.nodes) {
      const auto& n = plan.nodes[id].node;
      if (n.role == NodeRole::kSink && sub.source_topics.count(n.sink_topic) != 0) {
        throw TopologyError("cycle: sink '" + n.name + "' writes to topic '" + n.sink_topic +
                            "', which sub-topology " + std::to_string(sub.id) +
                            " that contains it also reads; write to another topic");
      }
    }
  }
  for (const auto& [name, entry] : plan.stores) {
    if (!entry.global && entry.spec.logging) {
      plan.changelogs[name] = full_topic(application_id, name + "-changelog");
    }
  }
  // Erasure (KStream::erase): its stores must be erasable, and its requests must reach the
  // task that owns each key, so its sub-topology's inputs must be co-partitioned.
  for (const auto& node : graph.nodes) {
    if (node.operator_kind != "erase") continue;
    for (const auto& s : node.stores) {
      const auto& entry = graph.stores.at(s);
      if (entry.global) {
        throw TopologyError("erase '" + node.name + "': store '" + s +
                            "' is a global table's; every instance loads it from its topic, so "
                            "erase the key there with a tombstone");
      }
    }
    const auto& sub = plan.subtopologies[static_cast<size_t>(plan.nodes[node.id].subtopology)];
    if (sub.source_topics.size() < 2) continue;
    CopartitionGroup group;
    group.operator_name = "erase '" + node.name + "'";
    for (const auto& t : sub.source_topics) {
      group.topics.push_back(t);
      group.internal.push_back(plan.repartition_topics.count(t) != 0);
    }
    plan.copartition_groups.push_back(std::move(group));
  }
  for (auto group : graph.copartition_groups) {
    for (size_t i = 0; i < group.topics.size(); ++i) {
      if (group.internal[i]) group.topics[i] = full_topic(application_id, group.topics[i]);
    }
    plan.copartition_groups.push_back(std::move(group));
  }
  return plan;
}

}  // namespace eddy::detail
