#include "runtime/standby_placement.h"

#include <algorithm>

#include "kafka/client_config.h"
#include "kafka/group_description.h"

namespace eddy::runtime {

std::string member_client_id(const StreamsConfig& config, const std::string& process_id,
                             int index) {
  const Properties props = kafka::client_properties(config, kafka::ClientKind::kConsumer);
  const auto it = props.find("client.id");
  const std::string base = it != props.end() ? it->second : config.application_id + "-consumer";
  return base + "-" + process_id + "-" + std::to_string(index);
}

std::string member_instance(const std::string& client_id) {
  const auto dash = client_id.rfind('-');
  return dash == std::string::npos ? client_id : client_id.substr(0, dash);
}

std::vector<StandbyMember> group_members(const kafka::GroupDescription& group) {
  std::vector<StandbyMember> out;
  out.reserve(group.members.size());
  for (const auto& m : group.members) {
    out.push_back({.member_id = m.member_id,
                   .instance = member_instance(m.client_id),
                   .assignment = m.assignment});
  }
  return out;
}

std::map<std::string, std::vector<kafka::TopicPartition>> range_assignment(
    std::vector<std::string> member_ids, const std::map<std::string, int32_t>& partitions) {
  std::map<std::string, std::vector<kafka::TopicPartition>> out;
  if (member_ids.empty()) return out;
  std::sort(member_ids.begin(), member_ids.end());
  const auto members = static_cast<int32_t>(member_ids.size());
  for (const auto& [topic, count] : partitions) {
    // Each member gets count / members partitions in one range; the first count % members
    // members get one more.
    const int32_t per = count / members;
    const int32_t extra = count % members;
    for (int32_t i = 0; i < members; ++i) {
      const int32_t start = per * i + std::min(i, extra);
      const int32_t length = per + (i < extra ? 1 : 0);
      auto& mine = out[member_ids[static_cast<size_t>(i)]];
      for (int32_t p = start; p < start + length; ++p) mine.push_back({topic, p});
    }
  }
  return out;
}

std::map<TaskId, std::vector<std::string>> place_standbys(const std::vector<StandbyMember>& members,
                                                          const TaskOf& task_of, int replicas) {
  // The topics and partition counts the group consumes, and each task's active instance and
  // one of its partitions (co-partitioned topics put the others with it).
  std::map<std::string, int32_t> partitions;
  std::map<TaskId, std::pair<std::string, kafka::TopicPartition>> active;
  std::map<std::string, std::string> instance_of;  // member id -> instance
  for (const auto& m : members) {
    instance_of[m.member_id] = m.instance;
    for (const auto& tp : m.assignment) {
      auto& count = partitions[tp.topic];
      count = std::max(count, tp.partition + 1);
      if (auto id = task_of(tp)) active.try_emplace(*id, m.instance, tp);
    }
  }
  std::map<TaskId, std::vector<std::string>> out;
  // One simulated assignment per set of departed instances, shared by the tasks that ask.
  std::map<std::set<std::string>, std::map<kafka::TopicPartition, std::string>> simulated;
  const auto owner_without = [&](const std::set<std::string>& gone,
                                 const kafka::TopicPartition& tp) -> std::optional<std::string> {
    auto it = simulated.find(gone);
    if (it == simulated.end()) {
      std::vector<std::string> left;
      for (const auto& [member, instance] : instance_of)
        if (!gone.contains(instance)) left.push_back(member);
      std::map<kafka::TopicPartition, std::string> owners;
      for (const auto& [member, tps] : range_assignment(left, partitions))
        for (const auto& p : tps) owners[p] = instance_of.at(member);
      it = simulated.emplace(gone, std::move(owners)).first;
    }
    auto owner = it->second.find(tp);
    if (owner == it->second.end()) return std::nullopt;
    return owner->second;
  };
  for (const auto& [task, where] : active) {
    const auto& [instance, tp] = where;
    std::set<std::string> gone{instance};
    auto& standbys = out[task];
    for (int k = 0; k < replicas; ++k) {
      auto next = owner_without(gone, tp);
      if (!next) break;  // no instance left
      standbys.push_back(*next);
      gone.insert(*next);
    }
  }
  return out;
}

std::set<TaskId> standbys_of(const std::map<TaskId, std::vector<std::string>>& placement,
                             const std::string& instance) {
  std::set<TaskId> out;
  for (const auto& [task, instances] : placement) {
    if (std::find(instances.begin(), instances.end(), instance) != instances.end())
      out.insert(task);
  }
  return out;
}

}  // namespace eddy::runtime
