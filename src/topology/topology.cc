#include "eddy/dsl/topology.h"

#include <algorithm>
#include <functional>
#include <sstream>

#include "eddy/errors.h"
#include "topology/topology_plan.h"

namespace eddy {
namespace {

void describe_node(std::ostringstream& out, const detail::TopologyPlan& plan, int id) {
  const auto& pn = plan.nodes[id];
  const auto& n = pn.node;
  auto join_names = [&](auto begin, auto end, auto name_of) {
    std::string s;
    for (auto it = begin; it != end; ++it) {
      if (!s.empty()) s += ", ";
      s += name_of(*it);
    }
    return s.empty() ? std::string("none") : s;
  };
  auto join_list = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  const std::string children = join_names(pn.children.begin(), pn.children.end(),
                                          [&](auto c) { return plan.nodes[c.first].node.name; });
  const std::string parents = join_names(n.parents.begin(), n.parents.end(),
                                         [&](int p) { return plan.nodes[p].node.name; });
  switch (n.role) {
    case detail::NodeRole::kSource:
      out << "    Source: " << n.name << " (topics: [" << join_list(n.source_topics) << "])\n"
          << "      --> " << children << "\n";
      break;
    case detail::NodeRole::kProcessor:
      out << "    Processor: " << n.name << " (stores: [" << join_list(n.stores) << "])\n"
          << "      --> " << children << "\n"
          << "      <-- " << parents << "\n";
      break;
    case detail::NodeRole::kSink:
      out << "    Sink: " << n.name << " (topic: " << n.sink_topic << ")\n"
          << "      <-- " << parents << "\n";
      break;
  }
}

}  // namespace

std::string Topology::describe() const {
  std::ostringstream out;
  out << "Topologies:\n";
  for (const auto& sub : plan_->subtopologies) {
    out << "   Sub-topology: " << sub.id << "\n";
    for (int id : sub.nodes) describe_node(out, *plan_, id);
    out << "\n";
  }
  if (!plan_->global_nodes.empty()) {
    out << "   Sub-topology: " << plan_->subtopologies.size()
        << " for global store (will not generate tasks)\n";
    for (int id : plan_->global_nodes) describe_node(out, *plan_, id);
    out << "\n";
  }
  return out.str();
}

void Topology::validate_partitions(const std::map<std::string, int32_t>& partitions) const {
  for (const auto& group : plan_->copartition_groups) {
    std::string first_topic;
    int32_t first_count = -1;
    for (const auto& topic : group.topics) {
      auto it = partitions.find(topic);
      if (it == partitions.end()) {
        throw TopologyError("'" + group.operator_name + "' reads topic '" + topic +
                            "', whose partition count is unknown; create the topic first");
      }
      if (first_count < 0) {
        first_topic = topic;
        first_count = it->second;
      } else if (it->second != first_count) {
        throw TopologyError("'" + group.operator_name + "' joins topics that are not " +
                            "co-partitioned: '" + first_topic + "' has " +
                            std::to_string(first_count) + " partitions but '" + topic + "' has " +
                            std::to_string(it->second) +
                            "; give them the same partition count (or repartition one side)");
      }
    }
  }
}

std::map<std::string, int32_t> Topology::repartition_partitions(
    const std::map<std::string, int32_t>& external) const {
  std::map<std::string, int32_t> counts;
  // Which sub-topology writes each repartition topic.
  std::map<std::string, int> writer;
  for (const auto& sub : plan_->subtopologies) {
    for (const auto& t : sub.sink_topics) {
      if (plan_->repartition_topics.count(t) != 0) writer[t] = sub.id;
    }
  }
  std::function<int32_t(const std::string&, int)> count_of = [&](const std::string& topic,
                                                                 int depth) -> int32_t {
    if (plan_->repartition_topics.count(topic) == 0) {
      auto it = external.find(topic);
      if (it == external.end()) {
        throw TopologyError("the partition count of topic '" + topic +
                            "' is unknown; create the topic first");
      }
      return it->second;
    }
    if (auto it = counts.find(topic); it != counts.end()) return it->second;
    if (depth > static_cast<int>(plan_->subtopologies.size())) {
      throw TopologyError("repartition topics feed each other in a cycle at '" + topic + "'");
    }
    int32_t n = 1;
    for (const auto& t : plan_->subtopologies[writer.at(topic)].source_topics) {
      n = std::max(n, count_of(t, depth + 1));
    }
    counts[topic] = n;
    return n;
  };
  for (const auto& group : plan_->copartition_groups) {
    int32_t external_max = 0;
    for (const auto& t : group.topics) {
      if (plan_->repartition_topics.count(t) == 0)
        external_max = std::max(external_max, count_of(t, 0));
    }
    if (external_max == 0) {
      // Only internal topics (a foreign-key join's responses beside a primary table that is
      // itself repartitioned): all get the largest of their counts, as Kafka Streams'
      // co-partition enforcer does.
      int32_t internal_max = 1;
      for (const auto& t : group.topics) internal_max = std::max(internal_max, count_of(t, 0));
      for (const auto& t : group.topics) counts[t] = internal_max;
      continue;
    }
    for (const auto& t : group.topics) {
      if (plan_->repartition_topics.count(t) != 0) counts[t] = external_max;
    }
  }
  for (const auto& t : plan_->repartition_topics) count_of(t, 0);
  return counts;
}

const std::string& Topology::application_id() const {
  return plan_->application_id;
}

std::set<std::string> Topology::external_source_topics() const {
  std::set<std::string> out;
  for (const auto& [topic, sub] : plan_->topic_to_subtopology) {
    (void)sub;
    if (plan_->repartition_topics.count(topic) == 0) out.insert(topic);
  }
  out.insert(plan_->global_topics.begin(), plan_->global_topics.end());
  return out;
}

std::set<std::string> Topology::repartition_topics() const {
  return plan_->repartition_topics;
}

std::set<std::string> Topology::changelog_topics() const {
  std::set<std::string> out;
  for (const auto& [store, topic] : plan_->changelogs) out.insert(topic);
  return out;
}

}  // namespace eddy
