#include "runtime/topology_task_factory.h"

#include <algorithm>

#include "eddy/errors.h"
#include "runtime/stream_task.h"
#include "state/store_registry.h"

namespace eddy::runtime {

std::vector<std::string> TopologyTaskFactory::source_topics() const {
  std::vector<std::string> out;
  for (const auto& [topic, sub] : plan_->topic_to_subtopology) out.push_back(topic);
  return out;
}

bool TopologyTaskFactory::is_repartition_topic(const std::string& topic) const {
  return plan_->repartition_topics.contains(topic);
}

std::optional<TaskId> TopologyTaskFactory::task_for(const kafka::TopicPartition& partition) const {
  auto it = plan_->topic_to_subtopology.find(partition.topic);
  if (it == plan_->topic_to_subtopology.end()) return std::nullopt;
  return TaskId{it->second, partition.partition};
}

std::unique_ptr<Task> TopologyTaskFactory::create(const TaskId& id,
                                                  std::vector<kafka::TopicPartition> partitions,
                                                  const TaskServices& services) {
  return std::make_unique<StreamTask>(id, std::move(partitions), plan_, services);
}

std::vector<StoreSpec> TopologyTaskFactory::standby_stores(int subtopology) const {
  std::vector<StoreSpec> out;
  if (subtopology < 0 || static_cast<size_t>(subtopology) >= plan_->subtopologies.size())
    return out;
  for (const auto& name : plan_->subtopologies[static_cast<size_t>(subtopology)].stores) {
    const auto& spec = plan_->stores.at(name).spec;
    if (spec.persistent && plan_->changelogs.contains(name)) out.push_back(spec);
  }
  return out;
}

void TopologyTaskFactory::declare_stores(state::StoreRegistry& registry) const {
  for (const auto& [name, entry] : plan_->stores) {
    registry.declare(name, entry.spec.kind, entry.timestamped);
  }
}

Properties repartition_topic_configs() {
  // Kafka Streams' RepartitionTopicConfig: records stay until the application has committed
  // past them and purges them (repartition_purger.h), whatever their timestamps; a broker
  // retention would delete unread records of a backfill of old events.
  return {{"cleanup.policy", "delete"},
          {"retention.ms", "-1"},
          {"segment.bytes", "52428800"},
          {"message.timestamp.type", "CreateTime"}};
}

std::vector<InternalTopic> plan_internal_topics(const Topology& topology, kafka::Admin& admin) {
  const detail::TopologyPlan& plan = topology.plan();
  // Global tables' topics are among the external sources: they must exist too.
  const kafka::TopicPartitionCounts existing = admin.list_topics();
  std::map<std::string, int32_t> partitions;
  for (const auto& topic : topology.external_source_topics()) {
    auto it = existing.find(topic);
    if (it == existing.end()) {
      throw TopologyError("source topic '" + topic +
                          "' does not exist; create it before starting the application");
    }
    partitions[topic] = it->second;
  }
  // Repartition topics take the task count of the sub-topology that writes them, unless they
  // are co-partitioned with other topics (a join's repartition, a foreign-key join's
  // subscriptions and responses): then they take those topics' count. The test driver sizes
  // them the same way (Topology::repartition_partitions).
  for (const auto& [topic, n] : topology.repartition_partitions(partitions)) {
    partitions[topic] = n;
  }
  std::map<int, int32_t> tasks;  // sub-topology -> task count
  for (const auto& sub : plan.subtopologies) {
    int32_t n = 0;
    for (const auto& topic : sub.source_topics) {
      if (auto it = partitions.find(topic); it != partitions.end()) n = std::max(n, it->second);
    }
    tasks[sub.id] = n;
  }
  topology.validate_partitions(partitions);

  std::vector<InternalTopic> out;
  for (const auto& topic : plan.repartition_topics) {
    auto it = partitions.find(topic);
    if (it == partitions.end() || it->second <= 0) {
      throw TopologyError("cannot size repartition topic '" + topic +
                          "': no sub-topology with known inputs writes it");
    }
    out.push_back({topic, it->second, repartition_topic_configs()});
  }
  for (const auto& sub : plan.subtopologies) {
    for (const auto& store : sub.stores) {
      const auto& entry = plan.stores.at(store);
      auto changelog = plan.changelogs.find(store);
      if (changelog == plan.changelogs.end()) continue;
      out.push_back({changelog->second, tasks[sub.id], changelog_topic_configs(entry.spec)});
    }
  }
  // Late-record topics, with as many partitions as the operator's sub-topology has tasks.
  for (const auto& [topic, sub] : plan.side_topics) {
    out.push_back({.name = topic,
                   .partitions = std::max(1, tasks[sub]),
                   .configs = {{"cleanup.policy", "delete"}},
                   .partitions_must_match = false});
  }
  return out;
}

std::vector<std::shared_ptr<FeatureSink>> TopologyTaskFactory::feature_sinks() const {
  std::vector<std::shared_ptr<FeatureSink>> out;
  for (const auto& node : plan_->nodes) {
    const auto& sink = node.node.feature_sink;
    if (sink && std::find(out.begin(), out.end(), sink) == out.end()) out.push_back(sink);
  }
  return out;
}

}  // namespace eddy::runtime
