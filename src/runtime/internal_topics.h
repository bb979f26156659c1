// Creating and checking the topics an application owns (repartition and changelog topics)
// at start, so a missing topic is created with the right partitions and configs and an
// existing one that does not match fails clearly instead of corrupting co-partitioning.
#pragma once

#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/admin.h"

namespace eddy::runtime {

struct InternalTopic {
  std::string name;  // full name, e.g. "<application.id>-counts-changelog"
  int partitions = 1;
  Properties configs;  // cleanup.policy=compact for changelogs, etc.
  // false: a topic the user may have created with any partition count (a late-record topic);
  // it is only created when missing, never checked.
  bool partitions_must_match = true;
};

// Creates missing topics; throws TopologyError naming the topic when an existing one that
// must match has a different partition count (say how to fix: reset the application or delete
// the topic).
void ensure_internal_topics(kafka::Admin& admin, const std::vector<InternalTopic>& topics,
                            int replication_factor);

// Throws TopologyError naming the topic when one of `topics` does not exist.
void require_source_topics(kafka::Admin& admin, const std::vector<std::string>& topics);

}  // namespace eddy::runtime
