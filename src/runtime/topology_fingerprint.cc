#include "runtime/topology_fingerprint.h"

#include <chrono>
#include <map>
#include <set>
#include <thread>
#include <tuple>

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"

namespace eddy::runtime {
namespace {
using json = nlohmann::json;
constexpr auto kTimeout = std::chrono::seconds(10);
constexpr std::string_view kKey = "topology";

std::set<std::string> internal_topics(const json& fingerprint) {
  std::set<std::string> out;
  const json repartition = fingerprint.value("repartition_topics", json::array());
  for (const auto& topic : repartition) out.insert(topic.get<std::string>());
  const json stores = fingerprint.value("stores", json::object());
  for (const auto& [name, store] : stores.items()) {
    const auto changelog = store.value("changelog", std::string());
    if (!changelog.empty()) out.insert(changelog);
  }
  return out;
}

std::string where(const json& store) {
  const json& id = store.at("subtopology");
  return id.is_string() ? "the global tables" : "sub-topology " + id.dump();
}

// The last fingerprint in the topic (nullopt: none yet).
std::optional<json> read_fingerprint(const StreamsConfig& config, const std::string& topic) {
  kafka::Consumer consumer(kafka::ConsumerOptions{
      .properties = kafka::client_properties(config, kafka::ClientKind::kConsumer),
      .group_id = config.application_id,
      .cooperative = false,
      .read_committed = false,
      .listener = nullptr});
  // A topic created a moment ago (by this start or another instance's) may have no leader
  // known yet: ask again for a while.
  int64_t low = -1;
  int64_t high = -1;
  for (const auto give_up = std::chrono::steady_clock::now() + kTimeout;;) {
    try {
      std::tie(low, high) = consumer.watermarks({topic, 0}, kTimeout);
      break;
    } catch (const KafkaError& e) {
      if (std::chrono::steady_clock::now() > give_up) throw;
      EDDY_LOG_DEBUG("topology-change check: {}; retrying", e.what());
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  if (high <= low) return std::nullopt;
  consumer.assign({{topic, 0, low}});
  std::optional<json> last;
  const auto deadline = std::chrono::steady_clock::now() + kTimeout;
  int64_t next = low;
  while (next < high) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw KafkaError("topology-change check: could not read " + topic + " to its end offset " +
                           std::to_string(high) + " within 10 s",
                       0);
    }
    for (const auto& m : consumer.poll_batch(100, std::chrono::milliseconds(200))) {
      next = m.offset() + 1;
      if (!m.key() || *m.key() != kKey) continue;
      if (!m.value()) {
        last.reset();  // a tombstone: forgotten
        continue;
      }
      try {
        last = json::parse(*m.value());
      } catch (const json::exception& e) {
        EDDY_LOG_WARN(
            "topology-change check: skipping an unreadable fingerprint in {} at offset {}: {}",
            topic, m.offset(), e.what());
      }
    }
  }
  consumer.close();
  return last;
}

void write_fingerprint(const StreamsConfig& config, const std::string& topic,
                       const json& fingerprint) {
  kafka::Producer producer(
      {.properties = kafka::client_properties(config, kafka::ClientKind::kProducer)});
  const std::string value = fingerprint.dump();
  producer.send({.topic = topic, .partition = 0, .key = kKey, .value = value});
  producer.flush(kTimeout);
}
}  // namespace

json topology_fingerprint(const detail::TopologyPlan& plan) {
  json stores = json::object();
  json subtopologies = json::array();
  for (const auto& sub : plan.subtopologies) {
    json sources = json::array();
    for (const auto& topic : sub.source_topics) sources.push_back(topic);
    json names = json::array();
    for (const auto& store : sub.stores) {
      names.push_back(store);
      stores[store] = {{"subtopology", sub.id}, {"changelog", ""}};
    }
    subtopologies.push_back({{"id", sub.id}, {"sources", sources}, {"stores", names}});
  }
  for (const auto& [name, entry] : plan.stores) {
    if (entry.global) stores[name] = {{"subtopology", "global"}, {"changelog", ""}};
  }
  for (const auto& [store, changelog] : plan.changelogs) {
    if (stores.contains(store)) stores[store]["changelog"] = changelog;
  }
  json repartition = json::array();
  for (const auto& topic : plan.repartition_topics) repartition.push_back(topic);
  return {{"version", 1},
          {"stores", stores},
          {"subtopologies", subtopologies},
          {"repartition_topics", repartition}};
}

std::vector<std::string> orphaned_state(const json& before, const json& after) {
  std::vector<std::string> out;
  const json old_stores = before.value("stores", json::object());
  const json new_stores = after.value("stores", json::object());
  for (const auto& [name, store] : old_stores.items()) {
    if (!new_stores.contains(name)) {
      const auto changelog = store.value("changelog", std::string());
      out.push_back("store '" + name + "' (" + where(store) + ") is gone" +
                    (changelog.empty() ? std::string()
                                       : "; its changelog '" + changelog + "' is no longer read"));
      continue;
    }
    const json& now = new_stores.at(name);
    if (now.at("subtopology") != store.at("subtopology")) {
      out.push_back("store '" + name + "' moved from " + where(store) + " to " + where(now) +
                    ": its local state under the old task folders is no longer read");
    }
  }
  const auto new_topics = internal_topics(after);
  for (const auto& topic : internal_topics(before)) {
    if (!new_topics.contains(topic)) {
      out.push_back("internal topic '" + topic + "' is no longer used");
    }
  }
  return out;
}

std::string topology_fingerprint_topic(const std::string& application_id) {
  return application_id + "-eddy-topology-changelog";
}

void check_topology_change(const detail::TopologyPlan& plan, const StreamsConfig& config,
                           kafka::Admin& admin) {
  if (config.topology_change_check == TopologyChangeCheck::kOff || admin.embedded()) return;
  const std::string topic = topology_fingerprint_topic(config.application_id);
  admin.create_topics({{.name = topic,
                        .partitions = 1,
                        .replication_factor = config.replication_factor,
                        .configs = {{"cleanup.policy", "compact"}}}},
                      /*ignore_existing=*/true);
  const json current = topology_fingerprint(plan);
  const std::optional<json> previous = read_fingerprint(config, topic);
  if (previous && *previous == current) return;
  if (previous) {
    const auto findings = orphaned_state(*previous, current);
    if (!findings.empty()) {
      std::string list;
      for (const auto& finding : findings) list += "\n  - " + finding;
      const std::string message =
          "the topology of application '" + config.application_id +
          "' changed since its last start in a way that orphans state (the last topology is "
          "kept in " +
          topic + "):" + list +
          "\nName stores and internal topics explicitly (Materialized::as, Grouped::with_name, "
          "...) so they keep their names, reset the application (docs/operations.md), or set "
          "eddy.topology.change.check=warn to start anyway";
      if (config.topology_change_check == TopologyChangeCheck::kFail) throw TopologyError(message);
      EDDY_LOG_WARN("{}", message);
    } else {
      EDDY_LOG_INFO("topology of '{}' changed without orphaning state (stores or topics added)",
                    config.application_id);
    }
  }
  write_fingerprint(config, topic, current);
}

}  // namespace eddy::runtime
