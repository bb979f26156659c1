// The stream thread on the embedded broker, with a pipe task (no topology needed).
#include <gtest/gtest.h>

#include <set>

#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "kafka/consumer.h"
#include "runtime/stream_thread.h"
#include "support/pipe_task.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;

StreamsConfig embedded_config(const std::string& app) {
  StreamsConfig config;
  config.application_id = app;
  config.commit_interval = 100ms;
  config.poll_interval = 20ms;
  config.buffered_records_per_partition = 50;  // small, so pausing is exercised
  config.client_properties = {{"consumer.fetch.wait.max.ms", "5"},
                              {"consumer.session.timeout.ms", "6000"}};
  return config;
}

TEST(StreamThread, ProcessesAllRecordsAndCommitsTheirOffsets) {
  const std::string topic = "thread.pipe";
  Properties props{{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}};
  kafka::Admin admin(props);
  admin.create_topics(
      {{.name = topic, .partitions = 2}, {.name = topic + ".out", .partitions = 2}});
  kafka::Producer producer({.properties = props});
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "k" + std::to_string(i % 10);
    producer.send(
        {.topic = topic, .key = key, .value = std::string_view("abc"), .timestamp = 1000 + i});
  }
  producer.flush(10s);

  testing_support::PipeTaskFactory factory(topic);
  StreamThread thread({.config = embedded_config("thread-pipe"),
                       .index = 0,
                       .process_id = "p1",
                       .factory = &factory});
  thread.start();
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (thread.stats().records_processed < 1000 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  thread.request_shutdown();
  thread.join();
  EXPECT_EQ(thread.stats().records_processed.load(), 1000);
  EXPECT_GE(thread.stats().commits.load(), 1);
  EXPECT_EQ(factory.created.load(), 2);  // one task per partition

  // Output: 1000 upper-cased records, same keys.
  Properties consumer_props = props;
  consumer_props["fetch.wait.max.ms"] = "5";
  kafka::Consumer reader({.properties = consumer_props, .group_id = "thread-pipe-reader"});
  reader.assign(
      {{topic + ".out", 0, kafka::kOffsetBeginning}, {topic + ".out", 1, kafka::kOffsetBeginning}});
  int read = 0;
  const auto read_deadline = std::chrono::steady_clock::now() + 10s;
  while (read < 1000 && std::chrono::steady_clock::now() < read_deadline) {
    for (const auto& m : reader.poll_batch(500, 100ms)) {
      EXPECT_EQ(m.value(), std::optional<std::string_view>("ABC"));
      ++read;
    }
  }
  EXPECT_EQ(read, 1000);

  // The group committed the end of both partitions: a restart would not re-read anything.
  kafka::Consumer group({.properties = consumer_props, .group_id = "thread-pipe"});
  const auto committed = group.committed({{topic, 0}, {topic, 1}}, 10s);
  int64_t total = 0;
  for (const auto& c : committed) total += c.offset;
  EXPECT_EQ(total, 1000);
}

}  // namespace
}  // namespace eddy::runtime
