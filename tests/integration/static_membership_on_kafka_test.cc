// Static membership (group.instance.id) on the real broker: three instances, each restarted in
// turn (close, then a new KafkaStreams with the same instance id and state folder) within the
// session timeout, cause no rebalance — the group generation every member sees is unchanged
// and the members that stay never leave RUNNING — and no restore: each restarted instance gets
// its own tasks back and restores zero changelog records (its checkpoints are current).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>

#include "eddy/dsl/streams_builder.h"
#include "eddy/kafka_streams.h"
#include "kafka/admin.h"
#include "kafka/producer.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

constexpr int kPartitions = 6;
constexpr int kRecords = 30'000;

double metric_sum(const KafkaStreams& streams, const std::string& name) {
  double sum = 0;
  for (const auto& m : streams.metrics())
    if (m["name"] == name) sum += m["value"].get<double>();
  return sum;
}

struct Instance {
  std::unique_ptr<KafkaStreams> streams;
  std::atomic<int> rebalances{0};  // transitions to REBALANCING after the first RUNNING
  std::atomic<bool> was_running{false};
};

TEST(StaticMembershipOnKafka, RollingRestartOfThreeInstancesMovesNothingAndRestoresNothing) {
  const std::string input = unique_name("it.static");
  const std::string app = unique_name("static-app");
  const std::string base_dir = (std::filesystem::temp_directory_path() / app).string();
  {
    kafka::Admin admin(real_props());
    admin.create_topics({{.name = input, .partitions = kPartitions},
                         {.name = input + ".counts", .partitions = kPartitions}});
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      producer.send({.topic = input,
                     .key = "user-" + std::to_string(i % 500),
                     .value = "1",
                     .timestamp = testing_support::recent_ms() + i});
    }
    producer.flush(30s);
  }
  const auto config_for = [&](const std::string& id) {
    return StreamsConfig::from_properties({{"application.id", app},
                                           {"bootstrap.servers", real_bootstrap()},
                                           {"state.dir", base_dir + "/" + id},
                                           {"group.instance.id", id},
                                           {"consumer.session.timeout.ms", "30000"},
                                           {"commit.interval.ms", "200"},
                                           {"poll.ms", "20"}});
  };
  const auto topology_for = [&](const StreamsConfig& config) {
    StreamsBuilder builder;
    builder.stream<std::string, std::string>(input)
        .group_by_key()
        .count(Materialized<std::string, int64_t>::as("counts"))
        .to_stream()
        .to(input + ".counts");
    return builder.build(config);
  };
  const std::vector<std::string> ids = {"instance-a", "instance-b", "instance-c"};
  std::vector<Instance> instances(ids.size());
  const auto start = [&](size_t i) {
    const auto config = config_for(ids[i]);
    Instance& instance = instances[i];
    instance.was_running = false;
    instance.streams = std::make_unique<KafkaStreams>(topology_for(config), config);
    instance.streams->set_state_listener([&instance](auto, KafkaStreams::State to) {
      if (to == KafkaStreams::State::kRunning) instance.was_running = true;
      if (to == KafkaStreams::State::kRebalancing && instance.was_running) ++instance.rebalances;
    });
    instance.streams->start();
  };
  const auto all_running = [&] {
    for (auto& instance : instances)
      if (instance.streams->state() != KafkaStreams::State::kRunning) return false;
    return true;
  };
  const auto wait_for = [](auto condition, std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(50ms);
    return condition();
  };

  for (size_t i = 0; i < ids.size(); ++i) start(i);
  // Settled: every instance RUNNING with the same generation, and the input processed.
  const auto generation = [&](size_t i) {
    return metric_sum(*instances[i].streams, "eddy_consumer_group_generation");
  };
  ASSERT_TRUE(wait_for(
      [&] {
        if (!all_running()) return false;
        double processed = 0;
        for (auto& instance : instances) processed += instance.streams->records_processed();
        return processed >= kRecords && generation(0) == generation(1) &&
               generation(1) == generation(2) && generation(0) > 0;
      },
      90s));
  const double settled = generation(0);
  for (auto& instance : instances) instance.rebalances = 0;

  for (size_t i = 0; i < ids.size(); ++i) {
    SCOPED_TRACE("restarting " + ids[i]);
    ASSERT_TRUE(instances[i].streams->close(30s));
    instances[i].streams.reset();
    start(i);  // same instance id, same state folder, well within session.timeout.ms
    ASSERT_TRUE(wait_for([&] { return all_running() && generation(i) > 0; }, 60s));
    std::this_thread::sleep_for(1s);  // a rebalance the restart caused would show by now
    EXPECT_EQ(metric_sum(*instances[i].streams, "eddy_restore_records_total"), 0)
        << "the restarted instance restored state: its tasks moved";
    for (size_t j = 0; j < ids.size(); ++j) {
      EXPECT_EQ(generation(j), settled) << ids[j] << " saw a new group generation";
      if (j != i) {
        EXPECT_EQ(instances[j].rebalances.load(), 0) << ids[j] << " rebalanced";
      }
    }
  }
  for (auto& instance : instances) EXPECT_TRUE(instance.streams->close(30s));
  std::filesystem::remove_all(base_dir);
}

}  // namespace
}  // namespace eddy
