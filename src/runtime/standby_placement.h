// Where standby replicas go (num.standby.replicas). Eddy cannot plug an assignor into
// librdkafka, so every instance computes the same placement from the group's membership
// (DescribeConsumerGroups: each member's client id and current assignment), after each
// rebalance:
//
//   auto members = group_members(kafka::describe_group(admin_properties, app_id, 10s));
//   std::set<TaskId> mine = standbys_of(place_standbys(members, task_for, replicas), my_instance);
//
// Rule (docs/runtime.md, "Standby replicas"): a member's instance is its client id without
// the thread suffix (stream threads of one instance share it). For a task whose active owner
// is instance A, the first standby goes to the instance that Kafka's range assignor would
// hand the task to if A left the group (members sorted by member id, each topic split in
// ranges, as the group leader's librdkafka computes it); the k-th standby to the instance
// that would get it if A and the first k-1 standby instances all left. So a standby is never
// on the active's instance, never two on one instance, and a failover of A lands the task
// where its state is warm (unless membership changes in between, see the docs).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/types.h"
#include "runtime/task.h"

namespace eddy::kafka {
struct GroupDescription;
}

namespace eddy::runtime {

struct StandbyMember {
  std::string member_id;
  std::string instance;  // member_instance(client id)
  std::vector<kafka::TopicPartition> assignment;
};

// The consumer client.id of stream thread `index` of the instance with `process_id`:
// <client.id>-consumer-<process id>-<index> (<client.id> defaults to the application id).
std::string member_client_id(const StreamsConfig& config, const std::string& process_id, int index);
// The instance a member's client id belongs to: the id without its "-<thread index>" suffix.
std::string member_instance(const std::string& client_id);

std::vector<StandbyMember> group_members(const kafka::GroupDescription& group);

// Kafka's range assignment of `partitions` (topic -> partition count) over `members`, every
// member subscribed to every topic: member id -> its partitions.
std::map<std::string, std::vector<kafka::TopicPartition>> range_assignment(
    std::vector<std::string> member_ids, const std::map<std::string, int32_t>& partitions);

using TaskOf = std::function<std::optional<TaskId>(const kafka::TopicPartition&)>;

// Every task active in `members`' assignments -> its standby instances, in order (at most
// `replicas`, fewer when there are not enough other instances).
std::map<TaskId, std::vector<std::string>> place_standbys(const std::vector<StandbyMember>& members,
                                                          const TaskOf& task_of, int replicas);

std::set<TaskId> standbys_of(const std::map<TaskId, std::vector<std::string>>& placement,
                             const std::string& instance);

}  // namespace eddy::runtime
