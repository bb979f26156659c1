// The topology-change check (eddy.topology.change.check): the parts of a topology that own
// state — each sub-topology's source topics and stores, every store's changelog, the
// repartition topics — as a fingerprint, stored with the application in the compacted
// internal topic <application.id>-eddy-topology-changelog, and compared at each start().
//
// Why a topic and not a local file: the state a change orphans lives in Kafka (changelogs,
// repartition topics, committed offsets) as much as on disk, and a new instance on a fresh
// machine (or after clean_up()) must catch the change too. The name ends in "-changelog", so
// Kafka's application-reset tool deletes it with the other internal topics: after a reset
// any topology is accepted.
//
//   auto before = topology_fingerprint(old_plan), after = topology_fingerprint(new_plan);
//   for (const auto& finding : orphaned_state(before, after)) ...  // "store 'x' is gone ..."
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eddy/config.h"
#include "kafka/admin.h"
#include "topology/topology_plan.h"

namespace eddy::runtime {

// {"version": 1, "stores": {name: {"subtopology": id or "global", "changelog": topic or ""}},
//  "subtopologies": [{"id", "sources": [...], "stores": [...]}], "repartition_topics": [...]}
nlohmann::json topology_fingerprint(const detail::TopologyPlan& plan);

// What a move from `before` to `after` leaves behind, one sentence each: a store gone (its
// changelog and local folders no longer read), a store moved to another sub-topology (its
// local folders no longer read), an internal topic no longer used. Empty: nothing orphaned
// (added stores and topics orphan nothing).
std::vector<std::string> orphaned_state(const nlohmann::json& before, const nlohmann::json& after);

// <application.id>-eddy-topology-changelog
std::string topology_fingerprint_topic(const std::string& application_id);

// At start(): reads the fingerprint the application last started with, compares, then
// (unless the check throws) records the current one. Throws TopologyError naming what would
// be orphaned when config.topology_change_check is kFail; logs it at WARN when kWarn. Does
// nothing when kOff or on the embedded broker (no topic configs, nothing kept across runs).
void check_topology_change(const detail::TopologyPlan& plan, const StreamsConfig& config,
                           kafka::Admin& admin);

}  // namespace eddy::runtime
