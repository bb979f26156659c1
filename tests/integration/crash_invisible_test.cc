// Crash-invisible exactly-once (beyond Kafka Streams): a session count and a tumbling-window
// count, every update forwarded, on seeded input with many late records. One application runs
// while the input is produced and is SIGKILLed 10 times; a second, with a fresh application
// id, runs once over the same input without a kill. Each windowed aggregation's observed stream
// time is committed with the offsets and restored (docs/time-and-windows.md), so both runs'
// committed output is the same, record for record, for every window key: a restarted task drops
// exactly the records the uninterrupted run dropped as late.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
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
using testing_support::unique_name;

constexpr int kPartitions = 3;
constexpr int kRecords = 4000;
constexpr int kKills = 10;

// Per output key (window key bytes): its values in offset order ("" for a delete).
using Updates = std::map<std::string, std::vector<std::string>>;

Updates read_committed(const std::string& topic) {
  kafka::Consumer reader(
      {.properties = real_props(), .group_id = unique_name("ci-reader"), .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  Updates out;
  int empty = 0;
  while (empty < 10) {
    auto batch = reader.poll_batch(2000, 300ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      out[std::string(m.key().value_or(""))].push_back(std::string(m.value().value_or("")));
    }
  }
  return out;
}

struct InputRecord {
  std::string key;
  std::string value;
  int64_t timestamp;
};

std::vector<InputRecord> seeded_input(int64_t base_ts) {
  std::mt19937 rng(2323);
  std::uniform_int_distribution<int> customer(0, 23);
  std::uniform_int_distribution<int> step(0, 80);
  std::uniform_int_distribution<int> late_by(3000, 8000);
  std::vector<InputRecord> input;
  int64_t now = base_ts;
  for (int i = 0; i < kRecords; ++i) {
    now += step(rng);
    const bool late = i % 4 == 3;
    const int64_t ts = late ? now - late_by(rng) : now;
    input.push_back({"customer-" + std::to_string(customer(rng)), "e" + std::to_string(i), ts});
  }
  return input;
}

size_t count_records(const Updates& updates) {
  size_t n = 0;
  for (const auto& [key, values] : updates) n += values.size();
  return n;
}

// Lists the first keys whose updates differ, for the failure message.
std::string first_differences(const Updates& with_kills, const Updates& without) {
  std::string text;
  int shown = 0;
  for (const auto& [key, values] : without) {
    auto it = with_kills.find(key);
    const size_t got = it == with_kills.end() ? 0 : it->second.size();
    if (it == with_kills.end() || it->second != values) {
      text += "\n  key of " + std::to_string(key.size()) +
              " bytes: " + std::to_string(values.size()) + " updates without kills, " +
              std::to_string(got) + " with";
      if (++shown == 5) break;
    }
  }
  for (const auto& [key, values] : with_kills) {
    if (!without.contains(key) && shown++ < 10) {
      text += "\n  a window only the run with kills has (" + std::to_string(values.size()) +
              " updates)";
    }
  }
  return text;
}

TEST(CrashInvisibleExactlyOnce, OutputWithTenKillsEqualsOutputWithoutLateRecordsIncluded) {
  const std::string topic = unique_name("it.crashinvisible");
  const std::string killed_app = unique_name("ci-killed");
  const std::string clean_app = unique_name("ci-clean");
  const auto tmp = std::filesystem::temp_directory_path();
  const std::string killed_dir = (tmp / killed_app).string();
  const std::string clean_dir = (tmp / clean_app).string();
  const std::string log = killed_dir + ".log";
  kafka::Admin admin(real_props());
  admin.create_topics({{.name = topic, .partitions = kPartitions},
                       {.name = topic + ".sessions", .partitions = kPartitions},
                       {.name = topic + ".windows", .partitions = kPartitions}});

  // Seeded input: 24 customers, event time moving ~40 ms a record; one record in four is 3 to
  // 8 s old, past every window's close (gap 2 s; window 1 s + grace 500 ms) by the time it
  // arrives, unless the operator forgot how far its stream time had got.
  const std::vector<InputRecord> input = seeded_input(testing_support::recent_ms() - 3'600'000);

  // Each of the runs that get killed has its own slice of the input, produced while it runs
  // (~400 records/s): a run always has work, so a kill lands while output is being written
  // however long the restarts take on a loaded machine (one input produced up front ran out
  // before the last kills there).
  kafka::Producer producer({.properties = real_props()});
  const auto produce_slice = [&](int slice) {
    const size_t from = input.size() * slice / kKills;
    const size_t to = input.size() * (slice + 1) / kKills;
    for (size_t i = from; i < to; ++i) {
      producer.send({.topic = topic,
                     .key = input[i].key,
                     .value = input[i].value,
                     .timestamp = input[i].timestamp});
      if (i % 40 == 39) std::this_thread::sleep_for(100ms);
    }
    producer.flush(30s);
  };

  const std::string app_binary = std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app";
  const std::vector<std::string> killed_argv = {app_binary, real_bootstrap(),  killed_app, topic,
                                                killed_dir, "exactly_once_v2", "windows"};
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> run_ms(100, 900);
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("ci-probe")});
  int kills_during_progress = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    const int64_t before = testing_support::output_end(probe, topic + ".sessions", kPartitions);
    ChildProcess child(killed_argv, log);
    std::jthread slice_producer([&, kill] { produce_slice(kill); });
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (testing_support::output_end(probe, topic + ".sessions", kPartitions) == before &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    if (testing_support::output_end(probe, topic + ".sessions", kPartitions) > before) {
      ++kills_during_progress;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(run_ms(rng)));
    child.kill_hard();
  }
  {
    ChildProcess child(killed_argv, log);
    testing_support::wait_until_drained(killed_app, topic, topic + ".sessions", kPartitions);
    EXPECT_EQ(child.terminate(), 0) << "see " << log;
  }
  // The kills land while output is being written: what makes the comparison below a test.
  EXPECT_GE(kills_during_progress, kKills - 1) << "log: " << log;
  const Updates sessions_killed = read_committed(topic + ".sessions");
  const Updates windows_killed = read_committed(topic + ".windows");

  // The same input, once, without a kill. Its output goes to the same topics after the first
  // run's: a fresh application id starts from the earliest offset.
  {
    ChildProcess child(
        {app_binary, real_bootstrap(), clean_app, topic, clean_dir, "exactly_once_v2", "windows"},
        clean_dir + ".log");
    testing_support::wait_until_drained(clean_app, topic, topic + ".sessions", kPartitions);
    EXPECT_EQ(child.terminate(), 0) << "see " << clean_dir << ".log";
  }
  // Both applications wrote to <topic>.sessions / .windows, the second after the first had
  // stopped: what each key got beyond the first run's updates is the second run's.
  Updates sessions_all = read_committed(topic + ".sessions");
  Updates windows_all = read_committed(topic + ".windows");
  const auto minus = [](Updates all, const Updates& first) {
    for (const auto& [key, values] : first) {
      auto& rest = all[key];
      rest.erase(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(values.size()));
      if (rest.empty()) all.erase(key);
    }
    return all;
  };
  const Updates sessions_clean = minus(sessions_all, sessions_killed);
  const Updates windows_clean = minus(windows_all, windows_killed);

  ASSERT_GT(count_records(sessions_clean), 1000u);
  EXPECT_EQ(count_records(sessions_killed), count_records(sessions_clean));
  EXPECT_TRUE(sessions_killed == sessions_clean)
      << "session updates differ after kills:" << first_differences(sessions_killed, sessions_clean)
      << "\nlog: " << log;
  ASSERT_GT(count_records(windows_clean), 1000u);
  EXPECT_EQ(count_records(windows_killed), count_records(windows_clean));
  EXPECT_TRUE(windows_killed == windows_clean)
      << "window updates differ after kills:" << first_differences(windows_killed, windows_clean)
      << "\nlog: " << log;
  std::printf(
      "crash-invisible: %d kills (%d while producing output); %zu session and %zu window "
      "updates, identical with and without kills\n",
      kKills, kills_during_progress, count_records(sessions_clean), count_records(windows_clean));
  std::filesystem::remove_all(killed_dir);
  std::filesystem::remove_all(clean_dir);
}

}  // namespace
}  // namespace eddy
