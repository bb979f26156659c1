// Reliability under exactly-once, on the real broker: a zombie (an instance stopped past its
// session and transaction timeouts, then resumed) rejoins and the output stays exact; its
// close() is bounded; a ~30 s broker outage heals without a failed thread; an application
// reset with the old state directory reprocesses everything. The applications run as child
// processes (tests/apps/pipe_app.cc: session.timeout.ms 6 s, transaction.timeout.ms 10 s).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
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
using testing_support::run_command;
using testing_support::unique_name;

constexpr int kPartitions = 2;

std::string app_binary() {
  return std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app";
}

// Every record of `topic` (read_committed), value -> how many times it was seen, and the
// last value per key.
struct Output {
  std::map<std::string, int> values;
  std::map<std::string, std::string> latest;
};
Output read_output(const std::string& topic) {
  kafka::Consumer reader(
      {.properties = real_props(), .group_id = unique_name("rel-reader"), .read_committed = true});
  std::vector<kafka::TopicPartitionOffset> assignment;
  for (int p = 0; p < kPartitions; ++p) assignment.push_back({topic, p, kafka::kOffsetBeginning});
  reader.assign(assignment);
  Output out;
  int empty = 0;
  while (empty < 10) {  // 3 s of silence: drained
    auto batch = reader.poll_batch(2000, 300ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) {
      const std::string value(m.value().value_or(""));
      ++out.values[value];
      out.latest[std::string(m.key().value_or(""))] = value;
    }
  }
  return out;
}

int64_t big_endian(const std::string& bytes) {
  int64_t n = 0;
  for (char c : bytes) n = (n << 8) | static_cast<unsigned char>(c);
  return n;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Produces `records` values v0, v1, ... (key = value) at about `per_second`.
void produce(const std::string& topic, int records, int per_second, int first = 0) {
  kafka::Producer producer({.properties = real_props()});
  const int per_tick = std::max(1, per_second / 10);
  for (int i = first; i < first + records; ++i) {
    const std::string value = "v" + std::to_string(i);
    producer.send({.topic = topic, .key = value, .value = value});
    if (i % per_tick == per_tick - 1) std::this_thread::sleep_for(100ms);
  }
  producer.flush(180s);  // records queued during an outage are delivered after it
}

// Each input record's upper-cased copy exactly once, nothing else.
void expect_exact_pipe_output(const std::string& topic, int records, const std::string& logs) {
  const Output out = read_output(topic + ".out");
  int missing = 0;
  int duplicated = 0;
  for (int i = 0; i < records; ++i) {
    auto it = out.values.find("V" + std::to_string(i));
    if (it == out.values.end()) {
      ++missing;
    } else if (it->second > 1) {
      ++duplicated;
    }
  }
  EXPECT_EQ(missing, 0) << "logs: " << logs;
  EXPECT_EQ(duplicated, 0) << "logs: " << logs;
  EXPECT_EQ(out.values.size(), static_cast<size_t>(records)) << "logs: " << logs;
}

TEST(Reliability, FencedZombieRejoinsCarriesOnAndItsOutputIsExact) {
  constexpr int kRecords = 4000;
  const std::string topic = unique_name("it.zombie");
  const std::string app = unique_name("zombie");
  const auto dir = std::filesystem::temp_directory_path() / app;
  const std::string log_a = dir.string() + "-a.log";
  const std::string log_b = dir.string() + "-b.log";
  kafka::Admin(real_props())
      .create_topics({{.name = topic, .partitions = kPartitions},
                      {.name = topic + ".out", .partitions = kPartitions}});
  std::jthread producer([&] { produce(topic, kRecords, 200); });  // ~20 s of input
  auto argv = [&](const std::string& name) {
    return std::vector<std::string>{app_binary(),          real_bootstrap(),  app,    topic,
                                    (dir / name).string(), "exactly_once_v2", "pipe", name};
  };
  ChildProcess a(argv("a"), log_a);
  ChildProcess b(argv("b"), log_b);
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("zombie-probe")});
  const auto started = std::chrono::steady_clock::now();
  while (testing_support::output_end(probe, topic + ".out", kPartitions) == 0 &&
         std::chrono::steady_clock::now() - started < 30s) {
    std::this_thread::sleep_for(50ms);
  }
  std::this_thread::sleep_for(2s);  // both run, both have partitions

  // Stopped past the session timeout (6 s) and the transaction timeout (10 s): the group
  // hands its partitions to b and the coordinator aborts its open transaction, which fences
  // its producer. Resumed, it finds itself a zombie.
  a.pause();
  std::this_thread::sleep_for(14s);
  const size_t log_before = file_text(log_a).size();
  a.resume();

  // It rejoins and gets partitions back (the group rebalances them across a and b again)...
  const auto resumed = std::chrono::steady_clock::now();
  bool rejoined = false;
  while (!rejoined && std::chrono::steady_clock::now() - resumed < 40s) {
    const std::string since = file_text(log_a).substr(log_before);
    rejoined = since.find("rebalance: assigned [" + topic) != std::string::npos;
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(rejoined) << "the zombie did not rejoin; log: " << log_a;
  producer.join();
  testing_support::wait_until_drained(app, topic, topic + ".out", kPartitions);
  // ...still alive, not failed, and stops within its close() timeout (30 s).
  EXPECT_TRUE(a.running());
  const auto closing = std::chrono::steady_clock::now();
  EXPECT_EQ(a.terminate_within(40s), 0) << "log: " << log_a;
  EXPECT_LT(std::chrono::steady_clock::now() - closing, 35s);
  EXPECT_EQ(b.terminate_within(40s), 0) << "log: " << log_b;
  expect_exact_pipe_output(topic, kRecords, log_a + ", " + log_b);
  std::filesystem::remove_all(dir);
}

TEST(Reliability, CloseOfAFencedZombieReturnsWithinItsTimeout) {
  const std::string topic = unique_name("it.zombieclose");
  const std::string app = unique_name("zombieclose");
  const auto dir = std::filesystem::temp_directory_path() / app;
  const std::string log = dir.string() + ".log";
  kafka::Admin(real_props())
      .create_topics({{.name = topic, .partitions = kPartitions},
                      {.name = topic + ".out", .partitions = kPartitions}});
  std::atomic<bool> producing{true};
  std::jthread producer([&] {
    kafka::Producer p({.properties = real_props()});
    for (int i = 0; producing; ++i) {
      p.send({.topic = topic, .key = "k" + std::to_string(i), .value = "v"});
      std::this_thread::sleep_for(5ms);
    }
    p.flush(30s);
  });
  ChildProcess a({app_binary(), real_bootstrap(), app, topic, dir.string(), "exactly_once_v2"},
                 log);
  kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("zc-probe")});
  const auto started = std::chrono::steady_clock::now();
  while (testing_support::output_end(probe, topic + ".out", kPartitions) == 0 &&
         std::chrono::steady_clock::now() - started < 30s) {
    std::this_thread::sleep_for(50ms);
  }
  a.pause();  // mid-transaction, past the session and transaction timeouts
  std::this_thread::sleep_for(13s);
  a.resume();
  // SIGTERM at once, in the fenced state: close(30 s) must return by its deadline (before
  // the fix it waited for ever in rd_kafka_consumer_close).
  const auto closing = std::chrono::steady_clock::now();
  const int status = a.terminate_within(45s);
  const auto took = std::chrono::steady_clock::now() - closing;
  producing = false;
  // 0: a clean close; 3: close() returned false at its deadline, a thread abandoned (the
  // consumer's close may wait on a group join librdkafka sent before the SIGTERM). Either
  // way by the deadline, never a hang or a crash.
  EXPECT_NE(status, ChildProcess::kTimedOut) << "close() hung; log: " << log;
  EXPECT_TRUE(status == 0 || status == 3) << "status " << status << "; log: " << log;
  EXPECT_LT(took, 35s) << "log: " << log;
  std::printf(
      "fenced zombie closed in %lld ms (exit status %d)\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      status);
  std::filesystem::remove_all(dir);
}

TEST(Reliability, BrokerOutageOfThirtySecondsUnderExactlyOnceIsExact) {
  const std::string kafka_sh = std::string(EDDY_SOURCE_DIR) + "/scripts/kafka.sh";
  ASSERT_EQ(run_command(kafka_sh + " status >/dev/null 2>&1").first, 0)
      << "this test stops the broker, so it needs the one started by " << kafka_sh;
  constexpr int kRecords = 3000;
  constexpr int kValues = 20;
  const std::string topic = unique_name("it.outage");
  const std::string app = unique_name("outage");
  const auto dir = std::filesystem::temp_directory_path() / app;
  const std::string log = dir.string() + ".log";
  kafka::Admin(real_props())
      .create_topics({{.name = topic, .partitions = kPartitions},
                      {.name = topic + ".out", .partitions = kPartitions}});
  // Counts per value (repartition topic, RocksDB store, changelog: every part of a
  // transaction), fed before, during and after the outage.
  std::jthread producer([&] {
    kafka::Producer p({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string value = "value-" + std::to_string(i % kValues);
      p.send({.topic = topic, .key = "k" + std::to_string(i), .value = value});
      if (i % 20 == 19) std::this_thread::sleep_for(100ms);  // ~200/s for ~15 s
    }
    p.flush(180s);
  });
  ChildProcess a(
      {app_binary(), real_bootstrap(), app, topic, dir.string(), "exactly_once_v2", "count"}, log);
  std::this_thread::sleep_for(5s);
  const auto [stop_status, stop_out] = run_command(kafka_sh + " stop 2>&1");
  ASSERT_EQ(stop_status, 0) << stop_out;
  const auto stopped = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(20s);
  const auto [start_status, start_out] = run_command(kafka_sh + " start --keep-data 2>&1");
  ASSERT_EQ(start_status, 0) << start_out;
  const auto outage = std::chrono::steady_clock::now() - stopped;
  producer.join();
  testing_support::wait_until_drained(app, topic, topic + ".out", kPartitions,
                                      std::chrono::seconds(180));
  EXPECT_TRUE(a.running()) << "the app failed during the outage; log: " << log;
  EXPECT_EQ(a.terminate_within(40s), 0) << "log: " << log;

  const Output out = read_output(topic + ".out");
  ASSERT_EQ(out.latest.size(), static_cast<size_t>(kValues)) << "log: " << log;
  for (const auto& [value, count] : out.latest)
    EXPECT_EQ(big_endian(count), kRecords / kValues) << value << "; log: " << log;
  std::printf(
      "broker away for %lld s\n",
      static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(outage).count()));
  std::filesystem::remove_all(dir);
}

TEST(Reliability, ResetWithTheOldStateDirectoryReprocessesEverything) {
  constexpr int kRecords = 2000;
  constexpr int kValues = 10;
  const std::string topic = unique_name("it.reset");
  const std::string app = unique_name("reset");
  const auto dir = std::filesystem::temp_directory_path() / app;
  const std::string log = dir.string() + ".log";
  kafka::Admin(real_props())
      .create_topics({{.name = topic, .partitions = kPartitions},
                      {.name = topic + ".out", .partitions = kPartitions}});
  {
    kafka::Producer p({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      p.send({.topic = topic,
              .key = "k" + std::to_string(i),
              .value = "value-" + std::to_string(i % kValues)});
    }
    p.flush(30s);
  }
  const std::vector<std::string> argv = {app_binary(), real_bootstrap(),  app,    topic,
                                         dir.string(), "exactly_once_v2", "count"};
  {
    ChildProcess run(argv, log);
    testing_support::wait_until_drained(app, topic, topic + ".out", kPartitions);
    ASSERT_EQ(run.terminate_within(40s), 0) << "log: " << log;
  }
  // Kafka's own reset tool: input offsets back to the start, internal topics (changelog,
  // repartition) deleted. --force removes the stopped static member from the group.
  const std::string kafka_sh = std::string(EDDY_SOURCE_DIR) + "/scripts/kafka.sh";
  const auto [reset_status, reset_out] =
      run_command(kafka_sh + " java org.apache.kafka.tools.StreamsResetter --bootstrap-server " +
                  real_bootstrap() + " --application-id " + app + " --input-topics " + topic +
                  " --to-earliest --force 2>&1");
  ASSERT_EQ(reset_status, 0) << reset_out;
  ASSERT_NE(reset_out.find("-changelog"), std::string::npos) << reset_out;

  // Restarted with the old state directory: its checkpoints are ahead of the recreated
  // changelog, so the stores are wiped and every record counted once more from zero.
  const size_t log_before = file_text(log).size();
  {
    ChildProcess run(argv, log);
    testing_support::wait_until_drained(app, topic, topic + ".out", kPartitions);
    ASSERT_EQ(run.terminate_within(40s), 0) << "log: " << log;
  }
  const std::string second_run = file_text(log).substr(log_before);
  EXPECT_NE(second_run.find("wiping the local state"), std::string::npos) << "log: " << log;
  const Output out = read_output(topic + ".out");
  ASSERT_EQ(out.latest.size(), static_cast<size_t>(kValues)) << "log: " << log;
  for (const auto& [value, count] : out.latest)
    EXPECT_EQ(big_endian(count), kRecords / kValues) << value << "; log: " << log;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace eddy
