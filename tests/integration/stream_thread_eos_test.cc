// The stream thread on the real broker under exactly-once: output and offsets commit in one
// transaction, so a read_committed reader sees each input record's effect exactly once.
#include <gtest/gtest.h>

#include <map>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "runtime/stream_thread.h"
#include "support/pipe_task.h"
#include "support/real_kafka.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;
using testing_support::real_props;
using testing_support::unique_name;

int64_t run_pipe(const std::string& app, const std::string& topic, int64_t expect, bool eos,
                 std::chrono::seconds max_wait = 60s) {
  StreamsConfig config;
  config.application_id = app;
  config.bootstrap_servers = testing_support::real_bootstrap();
  config.processing_guarantee =
      eos ? ProcessingGuarantee::kExactlyOnceV2 : ProcessingGuarantee::kAtLeastOnce;
  config.commit_interval = 100ms;
  config.poll_interval = 20ms;
  testing_support::PipeTaskFactory factory(topic);
  StreamThread thread(
      {.config = config, .index = 0, .process_id = unique_name("p"), .factory = &factory});
  thread.start();
  const auto deadline = std::chrono::steady_clock::now() + max_wait;
  while (thread.stats().records_processed < expect && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  thread.request_shutdown();
  thread.join();
  return thread.stats().records_processed.load();
}

std::map<std::string, int> read_committed_output(const std::string& topic, int partitions,
                                                 int expect) {
  Properties props = real_props();
  kafka::Consumer reader(
      {.properties = props, .group_id = unique_name("reader"), .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < partitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::map<std::string, int> values;
  int read = 0;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto batch = reader.poll_batch(1000, 200ms);
    for (const auto& m : batch) {
      ++values[std::string(*m.value())];
      ++read;
    }
    if (read >= expect && batch.empty()) break;  // drained: nothing more is coming
  }
  return values;
}

TEST(StreamThreadExactlyOnce, OutputIsCommittedExactlyOnceWithTheOffsets) {
  const std::string topic = unique_name("it.eos.in");
  const std::string app = unique_name("it-eos-app");
  constexpr int kRecords = 5000;
  kafka::Admin admin(real_props());
  admin.create_topics(
      {{.name = topic, .partitions = 3}, {.name = topic + ".out", .partitions = 3}});
  kafka::Producer producer({.properties = real_props()});
  for (int i = 0; i < kRecords; ++i) {
    const std::string value = "v" + std::to_string(i);
    producer.send({.topic = topic, .key = value, .value = value});
  }
  producer.flush(30s);

  EXPECT_EQ(run_pipe(app, topic, kRecords, /*eos=*/true), kRecords);
  // A second run of the same application finds everything committed: nothing to redo.
  EXPECT_EQ(run_pipe(app, topic, 1, /*eos=*/true, 5s), 0);

  const auto values = read_committed_output(topic + ".out", 3, kRecords);
  ASSERT_EQ(values.size(), static_cast<size_t>(kRecords));
  for (const auto& [value, count] : values) EXPECT_EQ(count, 1) << value;
  EXPECT_EQ(values.count("V42"), 1u);
}

}  // namespace
}  // namespace eddy::runtime
