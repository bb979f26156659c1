// The standby placement rule (runtime/standby_placement.h): computed by every instance from
// the group's membership, so it must be deterministic, never put a standby on the active's
// instance, and put the first standby where Kafka's range assignor moves the task when the
// active's instance leaves.
#include "runtime/standby_placement.h"

#include <gtest/gtest.h>

#include "eddy/config.h"

namespace eddy::runtime {
namespace {

using kafka::TopicPartition;

// One sub-topology reading "in"; task = (0, partition).
std::optional<TaskId> task_of(const TopicPartition& tp) {
  if (tp.topic != "in") return std::nullopt;
  return TaskId{0, tp.partition};
}

// Members as the range assignor would have assigned `partitions` of "in" to them.
std::vector<StandbyMember> members_of(
    const std::vector<std::pair<std::string, std::string>>& member_instances, int32_t partitions) {
  std::vector<std::string> ids;
  for (const auto& [member, instance] : member_instances) ids.push_back(member);
  const auto assignment = range_assignment(ids, {{"in", partitions}});
  std::vector<StandbyMember> out;
  for (const auto& [member, instance] : member_instances) {
    auto it = assignment.find(member);
    out.push_back(
        {member, instance, it == assignment.end() ? std::vector<TopicPartition>{} : it->second});
  }
  return out;
}

TEST(StandbyPlacement, RangeAssignmentSplitsEachTopicInRangesOverSortedMembers) {
  const auto a = range_assignment({"m3", "m1", "m2"}, {{"t", 7}});
  // 7 over 3: 3, 2, 2, in member-id order.
  EXPECT_EQ(a.at("m1"), (std::vector<TopicPartition>{{"t", 0}, {"t", 1}, {"t", 2}}));
  EXPECT_EQ(a.at("m2"), (std::vector<TopicPartition>{{"t", 3}, {"t", 4}}));
  EXPECT_EQ(a.at("m3"), (std::vector<TopicPartition>{{"t", 5}, {"t", 6}}));
}

TEST(StandbyPlacement, ThreadsOfOneInstanceAreOneInstance) {
  EXPECT_EQ(member_instance("app-consumer-0123456789abcdef-0"), "app-consumer-0123456789abcdef");
  EXPECT_EQ(member_instance("app-consumer-0123456789abcdef-11"), "app-consumer-0123456789abcdef");
  const auto config = StreamsConfig::from_properties({{"application.id", "shop"}});
  EXPECT_EQ(member_client_id(config, "0123456789abcdef", 2), "shop-consumer-0123456789abcdef-2");
  EXPECT_EQ(member_instance(member_client_id(config, "0123456789abcdef", 2)),
            member_instance(member_client_id(config, "0123456789abcdef", 0)));
}

TEST(StandbyPlacement, FirstStandbyGoesWhereTheTaskMovesWhenItsInstanceLeaves) {
  // Three instances, one thread each, 6 partitions: A has 0-1, B 2-3, C 4-5.
  const auto members = members_of({{"a-1", "A"}, {"b-1", "B"}, {"c-1", "C"}}, 6);
  const auto placement = place_standbys(members, task_of, 1);
  ASSERT_EQ(placement.size(), 6u);
  for (const auto& [task, standbys] : placement) {
    ASSERT_EQ(standbys.size(), 1u) << task.str();
    // Where the range assignor puts the partition once the active's instance is gone.
    std::string active;
    for (const auto& m : members)
      for (const auto& tp : m.assignment)
        if (tp.partition == task.partition) active = m.instance;
    std::vector<std::string> left;
    for (const auto& m : members)
      if (m.instance != active) left.push_back(m.member_id);
    std::string expected;
    for (const auto& [member, tps] : range_assignment(left, {{"in", 6}}))
      for (const auto& tp : tps)
        if (tp.partition == task.partition)
          expected = member.substr(0, 1) == "a" ? "A" : member.substr(0, 1) == "b" ? "B" : "C";
    EXPECT_EQ(standbys[0], expected) << task.str();
    EXPECT_NE(standbys[0], active) << task.str();
  }
  // Concretely: without A, B takes 0-2 and C 3-5; so A's tasks 0 and 1 have their standby on B.
  EXPECT_EQ(placement.at(TaskId{0, 0}), std::vector<std::string>{"B"});
  EXPECT_EQ(placement.at(TaskId{0, 1}), std::vector<std::string>{"B"});
  // Without C, A takes 0-2 and B 3-5: C's task 4 goes to B, task 5 too.
  EXPECT_EQ(placement.at(TaskId{0, 4}), std::vector<std::string>{"B"});
  // Without B, A takes 0-2 and C 3-5: B's task 2 to A, task 3 to C.
  EXPECT_EQ(placement.at(TaskId{0, 2}), std::vector<std::string>{"A"});
  EXPECT_EQ(placement.at(TaskId{0, 3}), std::vector<std::string>{"C"});
  EXPECT_EQ(standbys_of(placement, "B"), (std::set<TaskId>{{0, 0}, {0, 1}, {0, 4}, {0, 5}}));
}

TEST(StandbyPlacement, ReplicasAreDistinctInstancesAndCappedByTheOthers) {
  // Two threads on A, one on B and one on C.
  const auto members = members_of({{"a-1", "A"}, {"a-2", "A"}, {"b-1", "B"}, {"c-1", "C"}}, 8);
  const auto two = place_standbys(members, task_of, 2);
  const auto five = place_standbys(members, task_of, 5);
  for (const auto& m : members) {
    for (const auto& tp : m.assignment) {
      const TaskId task{0, tp.partition};
      const auto& standbys = two.at(task);
      ASSERT_EQ(standbys.size(), 2u);
      EXPECT_NE(standbys[0], m.instance);
      EXPECT_NE(standbys[1], m.instance);
      EXPECT_NE(standbys[0], standbys[1]);
      // Only two other instances exist: five replicas wanted, two placed.
      EXPECT_EQ(five.at(task), standbys);
    }
  }
}

TEST(StandbyPlacement, IsTheSameWhateverOrderTheMembersAreListedIn) {
  auto members = members_of({{"a-1", "A"}, {"b-1", "B"}, {"c-1", "C"}, {"d-1", "D"}}, 12);
  const auto first = place_standbys(members, task_of, 2);
  std::reverse(members.begin(), members.end());
  EXPECT_EQ(place_standbys(members, task_of, 2), first);
}

TEST(StandbyPlacement, OneInstanceHasNoStandbys) {
  const auto members = members_of({{"a-1", "A"}, {"a-2", "A"}}, 4);
  for (const auto& [task, standbys] : place_standbys(members, task_of, 1))
    EXPECT_TRUE(standbys.empty()) << task.str();
}

}  // namespace
}  // namespace eddy::runtime
