// eddy/dsl/topology.h — Topology: the compiled, immutable plan of a stream application.
//
// StreamsBuilder::build(config) compiles the DSL's logical graph into sub-topologies (split
// at repartition topics), names internal topics <application.id>-<name>-repartition and
// store changelogs <application.id>-<store>-changelog, and checks it. One Topology is shared
// by all tasks; each task owns its own processor instances and stores.
//
//   eddy::Topology topology = builder.build(config);
//   std::cout << topology.describe();                       // Kafka Streams' format
//   topology.validate_partitions({{"orders", 4}, {"customers", 4}});   // throws TopologyError
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace eddy {
namespace detail {
struct TopologyPlan;
}

class Topology {
 public:
  explicit Topology(std::shared_ptr<const detail::TopologyPlan> plan) : plan_(std::move(plan)) {}

  // The plan as Kafka Streams prints it ("Topologies:\n   Sub-topology: 0\n    Source: ...").
  std::string describe() const;

  // Checks that inputs which are joined (or otherwise must be co-partitioned) have the same
  // partition count. `partitions` maps topic -> partition count (internal topics under their
  // full name). Throws TopologyError naming the operator and both topics.
  void validate_partitions(const std::map<std::string, int32_t>& partitions) const;

  // Partition counts of the repartition topics, from those of the external source topics
  // (`external`: topic -> count), as Kafka Streams picks them: a repartition topic gets the
  // max count of the source topics of the sub-topology that writes it; one that is joined
  // (co-partitioned) with external topics gets theirs. Throws TopologyError when an external
  // topic's count is missing.
  std::map<std::string, int32_t> repartition_partitions(
      const std::map<std::string, int32_t>& external) const;

  const std::string& application_id() const;
  // Topics the application reads that it does not create (user topics, global topics).
  std::set<std::string> external_source_topics() const;
  // Repartition topics (full names) the application creates.
  std::set<std::string> repartition_topics() const;
  // Changelog topics (full names) of the stores that log.
  std::set<std::string> changelog_topics() const;

  // For the runtime and the test driver (src/), not for applications.
  const detail::TopologyPlan& plan() const { return *plan_; }
  std::shared_ptr<const detail::TopologyPlan> shared_plan() const { return plan_; }

 private:
  std::shared_ptr<const detail::TopologyPlan> plan_;
};

}  // namespace eddy
