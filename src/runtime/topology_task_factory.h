// Turns a compiled Topology into what the runtime needs: the topics to subscribe, the task
// of each partition, StreamTasks, and the internal topics (repartition and changelog) with
// their partition counts and configs.
#pragma once

#include <memory>

#include "eddy/dsl/topology.h"
#include "kafka/admin.h"
#include "runtime/internal_topics.h"
#include "runtime/task_factory.h"
#include "topology/topology_plan.h"

namespace eddy::runtime {

class TopologyTaskFactory final : public TaskFactory {
 public:
  explicit TopologyTaskFactory(std::shared_ptr<const detail::TopologyPlan> plan)
      : plan_(std::move(plan)) {}

  std::vector<std::string> source_topics() const override;
  bool is_repartition_topic(const std::string& topic) const override;
  std::optional<TaskId> task_for(const kafka::TopicPartition& partition) const override;
  std::unique_ptr<Task> create(const TaskId& id, std::vector<kafka::TopicPartition> partitions,
                               const TaskServices& services) override;
  std::vector<StoreSpec> standby_stores(int subtopology) const override;
  std::vector<std::shared_ptr<FeatureSink>> feature_sinks() const override;
  std::shared_ptr<const detail::TopologyPlan> global_tables_plan() const override {
    return plan_->global_topics.empty() ? nullptr : plan_;
  }
  void declare_stores(state::StoreRegistry& registry) const override;

 private:
  std::shared_ptr<const detail::TopologyPlan> plan_;
};

// Partition counts follow Kafka Streams: a sub-topology has as many tasks as its widest
// source topic; a repartition topic gets the task count of the sub-topology writing it; a
// changelog the task count of the sub-topology owning the store. Checks that the user's
// source topics exist and that co-partitioned inputs agree (TopologyError otherwise).
std::vector<InternalTopic> plan_internal_topics(const Topology& topology, kafka::Admin& admin);

// The configs repartition topics are created with (Kafka Streams' RepartitionTopicConfig).
Properties repartition_topic_configs();

}  // namespace eddy::runtime
