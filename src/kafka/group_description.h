// Describing a consumer group (DescribeConsumerGroups): its state and each member's ids and
// current assignment. The standby placement reads it after each rebalance.
//
//   GroupDescription group = describe_group(client_properties(config, ClientKind::kAdmin),
//                                           "shop-features", std::chrono::seconds(10));
//
// Real broker only: the embedded broker cannot describe groups (the call hangs librdkafka's
// client there), so describe_group() refuses it with a KafkaError.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "eddy/config.h"
#include "kafka/types.h"

namespace eddy::kafka {

struct GroupMember {
  std::string member_id;
  std::string client_id;
  std::string group_instance_id;  // empty for a dynamic member
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // "Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead"
  std::vector<GroupMember> members;
};

// Throws KafkaError when no broker answers within `timeout` or the group cannot be described.
GroupDescription describe_group(const Properties& admin_properties, const std::string& group_id,
                                std::chrono::milliseconds timeout);

}  // namespace eddy::kafka
