// Exactly-once on a three-node cluster whose partition leaders die: an aggregation with a
// repartition topic (tests/apps/pipe_app.cc, mode "count") runs while the broker leading its
// input partition, then the one leading its changelog partition, then the one leading its
// output partition is SIGKILLed and, 10 s later, started again. Read read_committed, every
// count ends exact and no update is repeated or out of order: nothing lost, nothing twice.
//
// Needs the three-node cluster of `scripts/kafka.sh start --nodes 3` (RF 3,
// min.insync.replicas 2): scripts/test-cluster.sh starts it and runs the `cluster` label,
// which scripts/test.sh does not run (this test takes ~2-3 minutes).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/output_progress.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::ChildProcess;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::run_command;
using testing_support::unique_name;

constexpr int kPartitions = 2;

std::string kafka_sh() {
  return std::string(EDDY_SOURCE_DIR) + "/scripts/kafka.sh";
}

// The node id leading topic-partition, asked of the cluster now (a leader moves after a kill).
int leader_of(const std::string& topic, int partition) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    const auto [status, out] =
        run_command(kafka_sh() + " leader " + topic + " " + std::to_string(partition) + " 2>&1");
    if (status == 0) return std::stoi(out);
    std::this_thread::sleep_for(1s);  // e.g. the changelog is not created yet
  }
  ADD_FAILURE() << "no leader for " << topic << "-" << partition;
  return 0;
}

// SIGKILLs node `node`, keeps it down `down`, starts it again and waits until it rejoined.
void kill_and_restart(int node, std::chrono::seconds down) {
  const auto [kill_status, kill_out] =
      run_command(kafka_sh() + " kill-node " + std::to_string(node) + " 2>&1");
  ASSERT_EQ(kill_status, 0) << kill_out;
  std::this_thread::sleep_for(down);
  const auto [start_status, start_out] =
      run_command(kafka_sh() + " start-node " + std::to_string(node) + " 2>&1");
  ASSERT_EQ(start_status, 0) << start_out;
}

int64_t big_endian(const std::string& bytes) {
  int64_t n = 0;
  for (char c : bytes) n = (n << 8) | static_cast<unsigned char>(c);
  return n;
}

// Every count the output holds per value, in offset order (read_committed).
std::map<std::string, std::vector<int64_t>> read_counts(const std::string& topic) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("leader-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::map<std::string, std::vector<int64_t>> counts;
  int empty = 0;
  while (empty < 10) {  // 3 s of silence: drained
    auto batch = reader.poll_batch(2000, 300ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      counts[std::string(m.key().value_or(""))].push_back(
          big_endian(std::string(m.value().value_or(""))));
    }
  }
  return counts;
}

TEST(KilledLeader, ExactlyOnceAggregationLosesAndDuplicatesNothingOnThreeNodes) {
  const auto [status_code, status_out] = run_command(kafka_sh() + " status 2>&1");
  ASSERT_EQ(status_code, 0) << status_out;
  ASSERT_NE(status_out.find("node 3: running"), std::string::npos)
      << "needs the three-node cluster of scripts/kafka.sh start --nodes 3 "
         "(scripts/test-cluster.sh):\n"
      << status_out;
  constexpr int kRecords = 8000;
  constexpr int kValues = 20;
  const std::string topic = unique_name("it.leader");
  const std::string app = unique_name("leader");
  const std::string changelog = app + "-value-counts-changelog";
  const auto dir = std::filesystem::temp_directory_path() / app;
  const std::string log = dir.string() + ".log";
  // Replication factor 3 and min.insync.replicas 2: one broker down, every write still
  // needs two copies. Internal topics take the broker's default.replication.factor (3 here,
  // replication.factor = -1) and min.insync.replicas (2).
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = topic,
                        .partitions = kPartitions,
                        .replication_factor = 3,
                        .configs = {{"min.insync.replicas", "2"}}},
                       {.name = topic + ".out",
                        .partitions = kPartitions,
                        .replication_factor = 3,
                        .configs = {{"min.insync.replicas", "2"}}}});

  std::jthread producer([&] {  // ~200/s for ~40 s: before, during and after the kills
    kafka::Producer p({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      p.send({.topic = topic,
              .key = "k" + std::to_string(i),
              .value = "value-" + std::to_string(i % kValues)});
      if (i % 20 == 19) std::this_thread::sleep_for(100ms);
    }
    p.flush(180s);
  });
  ChildProcess a({std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app", real_bootstrap(), app,
                  topic, dir.string(), "exactly_once_v2", "count"},
                 log);
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("leader-probe")});
  const auto started = std::chrono::steady_clock::now();
  while (testing_support::output_end(probe, topic + ".out", kPartitions) == 0 &&
         std::chrono::steady_clock::now() - started < 60s) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_GT(testing_support::output_end(probe, topic + ".out", kPartitions), 0)
      << "no output before the kills; log: " << log;
  const auto changelog_description = admin.describe_topic(changelog);
  ASSERT_TRUE(changelog_description.has_value()) << changelog;
  EXPECT_EQ(changelog_description->replication_factor, 3);

  // The leader of each of input, changelog and output partition 0, in turn, mid-run.
  std::vector<int> killed;
  for (const std::string& t : {topic, changelog, topic + ".out"}) {
    const int node = leader_of(t, 0);
    ASSERT_GT(node, 0);
    std::printf("killing node %d, the leader of %s-0\n", node, t.c_str());
    std::fflush(stdout);
    kill_and_restart(node, 10s);
    killed.push_back(node);
    EXPECT_TRUE(a.running()) << "the app failed after node " << node << " died; log: " << log;
    std::this_thread::sleep_for(3s);
  }
  producer.join();
  testing_support::wait_until_drained(app, topic, topic + ".out", kPartitions, 240s);
  EXPECT_TRUE(a.running()) << "the app failed; log: " << log;
  EXPECT_EQ(a.terminate_within(40s), 0) << "log: " << log;

  const auto counts = read_counts(topic + ".out");
  ASSERT_EQ(counts.size(), static_cast<size_t>(kValues)) << "log: " << log;
  int64_t updates = 0;
  for (const auto& [value, seen] : counts) {
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back(), kRecords / kValues) << value << "; log: " << log;
    // A record counted twice (a replayed, uncommitted transaction made visible) would show
    // as a repeated or falling count; a lost one as a final count below the total.
    for (size_t i = 1; i < seen.size(); ++i)
      ASSERT_GT(seen[i], seen[i - 1]) << value << " update " << i << "; log: " << log;
    updates += static_cast<int64_t>(seen.size());
  }
  std::printf("killed nodes %d, %d, %d; %lld committed count updates, all exact\n", killed[0],
              killed[1], killed[2], static_cast<long long>(updates));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy
