// Crash recovery: the application runs as a child process that is SIGKILLed at random
// moments (10 times) while input flows, and restarted each time. Under exactly-once every
// input record's output is committed exactly once; under at-least-once none is lost.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "eddy/errors.h"
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

constexpr int kRecords = 6000;
constexpr int kPartitions = 3;
constexpr int kKills = 10;

std::map<std::string, int> read_output(const std::string& topic, bool read_committed) {
  kafka::Consumer reader({.properties = real_props(),
                          .group_id = unique_name("crash-reader"),
                          .read_committed = read_committed});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::map<std::string, int> counts;
  int empty_polls = 0;
  while (empty_polls < 10) {  // 10 x 300 ms of silence: drained
    auto batch = reader.poll_batch(2000, 300ms);
    empty_polls = batch.empty() ? empty_polls + 1 : 0;
    for (const auto& m : batch) ++counts[std::string(*m.value())];
  }
  return counts;
}

int64_t output_end(kafka::Consumer& probe, const std::string& topic) {
  return testing_support::output_end(probe, topic, kPartitions);
}

void wait_until_drained(const std::string& app, const std::string& input,
                        const std::string& output) {
  testing_support::wait_until_drained(app, input, output, kPartitions);
}

void run_crash_test(const std::string& guarantee) {
  const bool eos = guarantee == "exactly_once_v2";
  const std::string topic = unique_name("it.crash." + guarantee);
  const std::string app = unique_name("crash-" + guarantee);
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  const std::string log = state_dir + ".log";
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = kPartitions},
                       {.name = topic + ".out", .partitions = kPartitions}});

  // Input flows during the whole run: ~400 records/s for ~15 s.
  std::atomic<bool> producing{true};
  std::jthread producer_thread([&] {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string value = "v" + std::to_string(i);
      producer.send({.topic = topic, .key = value, .value = value});
      if (i % 40 == 39) std::this_thread::sleep_for(100ms);
    }
    producer.flush(30s);
    producing = false;
  });

  const std::vector<std::string> argv = {std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app",
                                         real_bootstrap(),
                                         app,
                                         topic,
                                         state_dir,
                                         guarantee};
  std::mt19937 rng(42);
  std::uniform_int_distribution<int> run_ms(50, 700);
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("crash-probe")});
  int kills_during_progress = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    const int64_t before = output_end(probe, topic + ".out");
    ChildProcess child(argv, log);
    // Kill only once this run is producing output, at a random moment after that.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (output_end(probe, topic + ".out") == before &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    if (output_end(probe, topic + ".out") > before) ++kills_during_progress;
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
    child.kill_hard();
  }
  EXPECT_GE(kills_during_progress, kKills - 1)
      << "the app made no progress between kills; log: " << log;
  producer_thread.join();
  // A last, clean run drains the rest.
  {
    ChildProcess child(argv, log);
    wait_until_drained(app, topic, topic + ".out");
    EXPECT_EQ(child.terminate(), 0) << "see " << log;
  }

  const auto counts = read_output(topic + ".out", eos);
  int missing = 0;
  int duplicated = 0;
  for (int i = 0; i < kRecords; ++i) {
    std::string expect = "V" + std::to_string(i);
    auto it = counts.find(expect);
    if (it == counts.end()) {
      ++missing;
    } else if (it->second > 1) {
      ++duplicated;
    }
  }
  EXPECT_EQ(missing, 0) << "records lost; log: " << log;
  if (eos) {
    EXPECT_EQ(duplicated, 0) << "records doubled under exactly-once; log: " << log;
  }
  EXPECT_EQ(counts.size(), static_cast<size_t>(kRecords));
  std::printf(
      "%s: %d kills (%d while producing output), %zu distinct outputs, %d duplicated, %d missing\n",
      guarantee.c_str(), kKills, kills_during_progress, counts.size(), duplicated, missing);
  std::filesystem::remove_all(state_dir);
}

TEST(CrashRecovery, ExactlyOnceOutputIsExactAfterTenKills) {
  run_crash_test("exactly_once_v2");
}

TEST(CrashRecovery, AtLeastOnceLosesNothingAfterTenKills) {
  run_crash_test("at_least_once");
}

}  // namespace
}  // namespace eddy

namespace eddy {
namespace {

// The same with state: a count per value (repartition + RocksDB store + changelog). Under
// exactly-once the final counts are exact after ten kills; under at-least-once none is low.
void run_crash_count_test(const std::string& guarantee) {
  const bool eos = guarantee == "exactly_once_v2";
  constexpr int kValues = 20;
  const std::string topic = unique_name("it.crashcount." + guarantee);
  const std::string app = unique_name("crashcount-" + guarantee);
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  const std::string log = state_dir + ".log";
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = kPartitions},
                       {.name = topic + ".out", .partitions = kPartitions}});

  std::map<std::string, int64_t> expected;
  const int64_t base_ts = testing_support::recent_ms();
  std::jthread producer_thread([&] {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string value = "value-" + std::to_string(i % kValues);
      producer.send({.topic = topic,
                     .key = "k" + std::to_string(i),
                     .value = value,
                     .timestamp = base_ts + i});
      if (i % 40 == 39) std::this_thread::sleep_for(100ms);
    }
    producer.flush(30s);
  });
  for (int i = 0; i < kRecords; ++i) ++expected["value-" + std::to_string(i % kValues)];

  const std::vector<std::string> argv = {std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app",
                                         real_bootstrap(),
                                         app,
                                         topic,
                                         state_dir,
                                         guarantee,
                                         "count"};
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> run_ms(50, 700);
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("crash-probe")});
  int kills_during_progress = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    const int64_t before = output_end(probe, topic + ".out");
    ChildProcess child(argv, log);
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (output_end(probe, topic + ".out") == before &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    if (output_end(probe, topic + ".out") > before) ++kills_during_progress;
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
    child.kill_hard();
  }
  producer_thread.join();
  {
    ChildProcess child(argv, log);
    wait_until_drained(app, topic, topic + ".out");
    EXPECT_EQ(child.terminate(), 0) << "see " << log;
  }
  EXPECT_GE(kills_during_progress, kKills - 1) << "log: " << log;

  kafka::Consumer reader(
      {.properties = real_props(), .group_id = unique_name("crash-reader"), .read_committed = eos});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p)
    assignment.push_back({topic + ".out", p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  std::map<std::string, int64_t> latest;
  int empty = 0;
  while (empty < 10) {
    auto batch = reader.poll_batch(2000, 300ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      const std::string_view v = *m.value();
      int64_t n = 0;
      for (char c : v) n = (n << 8) | static_cast<unsigned char>(c);  // int64 big-endian
      latest[std::string(*m.key())] = n;
    }
  }
  ASSERT_EQ(latest.size(), expected.size()) << "log: " << log;
  for (const auto& [value, count] : expected) {
    if (eos) {
      EXPECT_EQ(latest[value], count) << value << "; log: " << log;
    } else {
      EXPECT_GE(latest[value], count) << value << "; log: " << log;
    }
  }
  std::printf("%s count: %d kills (%d while producing output), %zu keys\n", guarantee.c_str(),
              kKills, kills_during_progress, latest.size());
  std::filesystem::remove_all(state_dir);
}

TEST(CrashRecovery, ExactlyOnceCountsAreExactAfterTenKills) {
  run_crash_count_test("exactly_once_v2");
}

TEST(CrashRecovery, AtLeastOnceCountsLoseNothingAfterTenKills) {
  run_crash_count_test("at_least_once");
}

}  // namespace
}  // namespace eddy
