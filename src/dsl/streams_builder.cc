#include "eddy/dsl/streams_builder.h"

#include "topology/topology_plan.h"

namespace eddy {

Topology StreamsBuilder::build(const StreamsConfig& config) const {
  return Topology(std::make_shared<const detail::TopologyPlan>(
      detail::compile(*graph_, config.application_id)));
}

}  // namespace eddy
