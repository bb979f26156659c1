// The task core below the test driver: timestamp-ordered picking, stream time, punctuation.
#include <gtest/gtest.h>

#include "dsl_test_support.h"
#include "processor/local_task_stores.h"
#include "processor/task_core.h"

namespace eddy {
namespace {

class MemoryCollector final : public processor::RecordCollector {
 public:
  std::optional<processor::SendRefusal> send(const std::string& topic,
                                             const std::optional<int32_t>&,
                                             const std::optional<std::string_view>& key,
                                             const std::optional<std::string_view>& value,
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

Topology counting_topology() {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("a").group_by_key().count().to_stream().to("out");
  return builder.build(test::test_config());
}

TEST(TaskCore, TaskWithStoresAndNoStoreProviderFailsAtConstruction) {
  const auto topology = counting_topology();
  MemoryCollector collector;
  test::expect_error<TopologyError>(
      [&] { processor::TaskCore task(topology.shared_plan(), 0, 0, {.collector = &collector}); },
      "task 0_0 has stores and its TaskEnvironment no store_provider");
}

// Records the changelog writes it is given: topic, partition and timestamp.
class ChangelogTimestamps final : public state::ChangelogWriter {
 public:
  void log(const std::string& topic, int32_t partition, std::string_view,
           std::optional<std::string_view>, int64_t timestamp) override {
    logged.push_back(topic + "-" + std::to_string(partition) + "@" + std::to_string(timestamp));
  }
  void log_erasure(const std::string&, int32_t, std::string_view, int64_t) override {}
  std::vector<std::string> logged;
};

TEST(TaskCore, LocalStoresLogWithTheTaskRecordTimestampAndServeOneTaskOnly) {
  const auto topology = counting_topology();
  MemoryCollector collector;
  ChangelogTimestamps changelog;
  processor::LocalTaskStores stores({.state_dir = "", .changelog = &changelog});
  processor::TaskCore task(topology.shared_plan(), 0, 2,
                           {.collector = &collector, .store_provider = stores.provider()});
  task.process(record("a", 0, 70, "k", "v"));
  task.process(record("a", 1, 90, "j", "v"));
  task.flush();
  const std::string changelog_topic = std::string(test::test_config().application_id) + "-" +
                                      task.stores().begin()->first + "-changelog";
  EXPECT_EQ(changelog.logged,
            (std::vector<std::string>{changelog_topic + "-2@70", changelog_topic + "-2@90"}));
  // The same stores cannot serve a second task.
  const auto stateless = merged_topology();
  processor::TaskCore other(stateless.shared_plan(), 0, 1, {.collector = &collector});
  const StoreSpec& spec = topology.shared_plan()->stores.begin()->second.spec;
  test::expect_error<StateStoreError>([&] { stores.provider()(spec, other); },
                                      "serve one task, not two");
}

// Stores may outlive their task (the runtime closes them after the final checkpoint, the
// driver after every task): a cache flushed then must not forward into the closed task.
TEST(TaskCore, ClosingTheTaskTakesItsListenersOffTheStoresThatOutliveIt) {
  StreamsBuilder builder;
  builder.stream<std::string, std::string>("a")
      .group_by_key()
      .count(Materialized<std::string, int64_t>::as("counts").with_caching_enabled())
      .to_stream()
      .to("out");
  const auto topology = builder.build(test::test_config());
  MemoryCollector collector;
  ChangelogTimestamps changelog;
  processor::LocalTaskStores stores({.state_dir = "", .changelog = &changelog});
  processor::TaskCore task(topology.shared_plan(), 0, 0,
                           {.collector = &collector, .store_provider = stores.provider()});
  task.process(record("a", 0, 70, "k", "v"));
  task.process(record("a", 1, 90, "j", "v"));
  ASSERT_TRUE(collector.sent.empty()) << "the cache holds both counts";
  task.close();
  stores.close();  // flushes the cache: written down and logged, forwarded nowhere
  EXPECT_TRUE(collector.sent.empty());
  EXPECT_EQ(changelog.logged.size(), 2u);
}

TEST(TestDriver, PipingIntoATopicTheTopologyDoesNotReadFails) {
  TopologyTestDriver driver(merged_topology(), test::test_config());
  auto in = driver.create_input_topic<std::string, std::string>("nope");
  test::expect_error<Error>([&] { in.pipe_input("k", "v"); }, "does not read topic 'nope'");
}

}  // namespace
}  // namespace eddy
