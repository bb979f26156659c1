// Scale-out on the real broker: instances of one application form one consumer group and
// split its tasks. Two instances start, a third joins and one leaves while input flows; the
// tasks that move restore their counts from the changelog, and under exactly-once the final
// counts are exact.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

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
using testing_support::unique_name;

constexpr int kPartitions = 6;
constexpr int kRecords = 12000;
constexpr int kValues = 24;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Records restored into stores, summed over the "store '...' restored N records" log lines.
int64_t restored_records(const std::string& log) {
  static const std::regex line(R"(restored (\d+) records)");
  int64_t total = 0;
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it) {
    total += std::stoll((*it)[1].str());
  }
  return total;
}

// The latest committed count per value on the output topic (int64 big-endian values).
std::map<std::string, int64_t> latest_counts(const std::string& topic) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("scale-reader"),
                          .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::map<std::string, int64_t> latest;
  for (int empty = 0; empty < 10;) {
    auto batch = reader.poll_batch(2000, 300ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      const std::string value(m.value().value_or(std::string_view()));
      int64_t n = 0;
      for (char c : value) n = (n << 8) | static_cast<unsigned char>(c);
      latest[std::string(*m.key())] = n;
    }
  }
  reader.close();
  return latest;
}

TEST(ScaleOut, ThirdJoinsOneLeavesTasksRestoreAndCountsAreExactUnderExactlyOnce) {
  const std::string topic = unique_name("it.scale");
  const std::string app = unique_name("scale-eos");
  const auto work_dir = std::filesystem::temp_directory_path() / app;
  std::filesystem::create_directories(work_dir);
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = kPartitions},
                       {.name = topic + ".out", .partitions = kPartitions}});

  // Input flows during the whole run: ~400 records/s for ~30 s.
  std::map<std::string, int64_t> expected;
  for (int i = 0; i < kRecords; ++i) ++expected["value-" + std::to_string(i % kValues)];
  const int64_t base_ts = testing_support::recent_ms();
  std::jthread producer_thread([&] {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string key = "k" + std::to_string(i);
      const std::string value = "value-" + std::to_string(i % kValues);
      producer.send({.topic = topic, .key = key, .value = value, .timestamp = base_ts + i});
      if (i % 40 == 39) std::this_thread::sleep_for(100ms);
    }
    producer.flush(30s);
  });

  auto instance = [&](const std::string& name) {
    const std::string log = (work_dir / (name + ".log")).string();
    return std::make_unique<ChildProcess>(
        std::vector<std::string>{std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app",
                                 real_bootstrap(), app, topic, (work_dir / name).string(),
                                 "exactly_once_v2", "count", name},
        log);
  };
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("scale-probe")});
  auto wait_for_progress = [&](std::chrono::seconds at_least) {
    const int64_t before = testing_support::output_end(probe, topic + ".out", kPartitions);
    std::this_thread::sleep_for(at_least);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (testing_support::output_end(probe, topic + ".out", kPartitions) == before &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
    }
    return testing_support::output_end(probe, topic + ".out", kPartitions) > before;
  };

  auto a = instance("a");
  auto b = instance("b");
  EXPECT_TRUE(wait_for_progress(5s)) << "two instances made no progress";
  auto c = instance("c");  // joins: the group rebalances and some tasks move to c
  EXPECT_TRUE(wait_for_progress(8s)) << "no progress after the third instance joined";
  // a leaves cleanly; as a static member it is replaced once its session (6 s) expires.
  EXPECT_EQ(a->terminate(), 0) << "see " << (work_dir / "a.log");
  EXPECT_TRUE(wait_for_progress(10s)) << "no progress after an instance left";
  producer_thread.join();
  testing_support::wait_until_drained(app, topic, topic + ".out", kPartitions, 180s);
  EXPECT_EQ(b->terminate(), 0) << "see " << (work_dir / "b.log");
  EXPECT_EQ(c->terminate(), 0) << "see " << (work_dir / "c.log");

  // Tasks really moved: the joiner restored state that others had built.
  const std::string c_log = read_file((work_dir / "c.log").string());
  EXPECT_GT(restored_records(c_log), 0) << c_log;
  EXPECT_NE(c_log.find("rebalance: assigned ["), std::string::npos) << c_log;

  const auto latest = latest_counts(topic + ".out");
  ASSERT_EQ(latest.size(), expected.size());
  for (const auto& [value, count] : expected) {
    EXPECT_EQ(latest.at(value), count) << value << "; logs in " << work_dir;
  }
  if (!HasFailure()) std::filesystem::remove_all(work_dir);
}

}  // namespace
}  // namespace eddy
