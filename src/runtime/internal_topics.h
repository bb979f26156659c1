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
// the topic). An existing topic whose configs can lose data the application still needs is
// reported with a WARN naming the config and the command that fixes it (see
// risky_internal_topic_configs).
void ensure_internal_topics(kafka::Admin& admin, const std::vector<InternalTopic>& topics,
                            int replication_factor);

// What in the `actual` configs of an existing internal topic can lose data that its `wanted`
// configs keep: a finite retention.ms or retention.bytes where the topic should keep records
// longer (repartition topics: forever), compaction on a topic that must not be compacted
// (repartition records of one key are all needed), or none where a changelog needs it (a
// restore would miss keys). One sentence per finding; empty when the topic is safe.
std::vector<std::string> risky_internal_topic_configs(const Properties& wanted,
                                                      const Properties& actual);

// Throws TopologyError naming the topic when one of `topics` does not exist.
void require_source_topics(kafka::Admin& admin, const std::vector<std::string>& topics);

}  // namespace eddy::runtime
