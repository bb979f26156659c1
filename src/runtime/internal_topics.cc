#include "runtime/internal_topics.h"

#include <set>
#include <sstream>

#include "common/log.h"
#include "eddy/errors.h"

namespace eddy::runtime {
namespace {

std::set<std::string> policies(const std::string& value) {
  std::set<std::string> out;
  std::stringstream words(value);
  for (std::string w; std::getline(words, w, ',');) {
    w.erase(0, w.find_first_not_of(' '));
    w.erase(w.find_last_not_of(' ') + 1);
    if (!w.empty()) out.insert(w);
  }
  return out;
}

// -1 (or a missing value) is "forever".
int64_t limit(const Properties& configs, const std::string& key) {
  auto it = configs.find(key);
  if (it == configs.end() || it->second.empty()) return -1;
  try {
    return std::stoll(it->second);
  } catch (const std::exception&) {
    return -1;
  }
}

}  // namespace

std::vector<std::string> risky_internal_topic_configs(const Properties& wanted,
                                                      const Properties& actual) {
  std::vector<std::string> out;
  for (const char* key : {"retention.ms", "retention.bytes"}) {
    if (!wanted.contains(key)) continue;
    const int64_t want = limit(wanted, key);
    const int64_t have = limit(actual, key);
    if (have >= 0 && (want < 0 || have < want)) {
      out.push_back(std::string(key) + "=" + std::to_string(have) + " (wanted " +
                    (want < 0 ? std::string("-1, keep forever") : std::to_string(want)) +
                    "): the broker may delete records the application has not read or needs "
                    "to restore");
    }
  }
  if (auto it = wanted.find("cleanup.policy"); it != wanted.end()) {
    const auto want = policies(it->second);
    const auto have = policies(actual.contains("cleanup.policy") ? actual.at("cleanup.policy")
                                                                 : std::string("delete"));
    if (want.contains("compact") && !have.contains("compact")) {
      out.push_back("cleanup.policy=" + actual.at("cleanup.policy") + " (wanted " + it->second +
                    "): without compaction a restore misses keys last written before the "
                    "retention");
    } else if (!want.contains("compact") && have.contains("compact")) {
      out.push_back("cleanup.policy=" + actual.at("cleanup.policy") + " (wanted " + it->second +
                    "): compaction deletes records of a key before they are processed");
    }
  }
  return out;
}

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
    if (!topic.partitions_must_match || admin.embedded()) continue;  // user-owned, or no configs
    for (const auto& finding :
         risky_internal_topic_configs(topic.configs, admin.describe_topic_configs(topic.name))) {
      EDDY_LOG_WARN(
          "internal topic {} has {}; fix it with kafka-configs.sh --bootstrap-server ... --alter "
          "--entity-type topics --entity-name {} --add-config <the wanted value>",
          topic.name, finding, topic.name);
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
