// The task core below the test driver: timestamp-ordered picking, stream time, punctuation.
#include <gtest/gtest.h>

#include "dsl_test_support.h"
#include "processor/task_core.h"

namespace eddy {
namespace {

class MemoryCollector final : public processor::RecordCollector {
 public:
  std::optional<processor::SendRefusal> send(const std::string& topic, std::optional<int32_t>,
                                             std::optional<std::string_view> key,
                                             std::optional<std::string_view> value,
                                             int64_t timestamp, const Headers&, processor::SendKind,
                                             std::string_view) override {
    sent.push_back(topic + ":" + std::string(key.value_or("null")) + "=" +
                   std::string(value.value_or("null")) + "@" + std::to_string(timestamp));
    return std::nullopt;
  }
  int32_t partition_count(const std::string&) override { return 1; }
  std::vector<std::string> sent;
};

processor::IncomingRecord record(const std::string& topic, int64_t offset, int64_t ts,
                                 const std::string& key, const std::string& value) {
  return {topic, 0, offset, ts, key, value, {}};
}

Topology merged_topology() {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("a")
      .merge(builder.stream<std::string, std::string>("b"))
      .to("out");
  return builder.build(test::test_config());
}

TEST(TaskCore, ProcessesBufferedRecordsLowestTimestampFirstAcrossPartitions) {
  const auto topology = merged_topology();
  MemoryCollector collector;
  processor::TaskCore task(topology.shared_plan(), 0, 0, {.collector = &collector});
  task.add_record(record("a", 0, 30, "a0", "x"));
  task.add_record(record("a", 1, 40, "a1", "x"));
  task.add_record(record("b", 0, 10, "b0", "y"));
  task.add_record(record("b", 1, 35, "b1", "y"));
  while (task.process_one()) {
  }
  EXPECT_EQ(collector.sent,
            (std::vector<std::string>{"out:b0=y@10", "out:a0=x@30", "out:b1=y@35", "out:a1=x@40"}));
  EXPECT_EQ(task.stream_time(), 40);
  EXPECT_EQ(task.task_id(), "0_0");
}

TEST(TaskCore, StreamTimeNeverDecreases) {
  const auto topology = merged_topology();
  MemoryCollector collector;
  processor::TaskCore task(topology.shared_plan(), 0, 0, {.collector = &collector});
  task.process(record("a", 0, 100, "k", "v"));
  task.process(record("a", 1, 50, "k", "v"));
  EXPECT_EQ(task.stream_time(), 100);
  EXPECT_EQ(collector.sent.back(), "out:k=v@50");  // the record keeps its own timestamp
}

TEST(TaskCore, UnknownTopicIsAnError) {
  const auto topology = merged_topology();
  MemoryCollector collector;
  processor::TaskCore task(topology.shared_plan(), 0, 0, {.collector = &collector});
  test::expect_error<TopologyError>([&] { task.process(record("zzz", 0, 1, "k", "v")); },
                                    "no source for topic 'zzz'");
}

TEST(TestDriver, PipingIntoATopicTheTopologyDoesNotReadFails) {
  TopologyTestDriver driver(merged_topology(), test::test_config());
  auto in = driver.create_input_topic<std::string, std::string>("nope");
  test::expect_error<Error>([&] { in.pipe_input("k", "v"); }, "does not read topic 'nope'");
}

}  // namespace
}  // namespace eddy
