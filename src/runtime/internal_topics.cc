#include "runtime/internal_topics.h"

#include "common/log.h"
#include "eddy/errors.h"

namespace eddy::runtime {

void ensure_internal_topics(kafka::Admin& admin, const std::vector<InternalTopic>& topics,
                            int replication_factor) {
  const kafka::TopicPartitionCounts existing = admin.list_topics();
  std::vector<kafka::NewTopic> missing;
  for (const auto& topic : topics) {
    auto it = existing.find(topic.name);
    if (it == existing.end()) {
      missing.push_back({.name = topic.name,
                         .partitions = topic.partitions,
                         .replication_factor = replication_factor,
                         .configs = topic.configs});
      continue;
    }
    if (topic.partitions_must_match && it->second != topic.partitions) {
      throw TopologyError("internal topic '" + topic.name + "' has " + std::to_string(it->second) +
                          " partitions but the topology needs " + std::to_string(topic.partitions) +
                          "; the input topics changed size. Reset the application (delete its "
                          "internal topics and local state) or use a new application.id");
    }
  }
  if (missing.empty()) return;
  admin.create_topics(missing);
  for (const auto& topic : missing) {
    EDDY_LOG_INFO("created internal topic {} ({} partitions)", topic.name, topic.partitions);
  }
}

void require_source_topics(kafka::Admin& admin, const std::vector<std::string>& topics) {
  const kafka::TopicPartitionCounts existing = admin.list_topics();
  for (const auto& topic : topics) {
    if (!existing.contains(topic)) {
      throw TopologyError("source topic '" + topic +
                          "' does not exist; create it (scripts/kafka.sh topics --create --topic " +
                          topic + " --partitions N) before starting the application");
    }
  }
}

}  // namespace eddy::runtime
