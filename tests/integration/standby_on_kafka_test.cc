// Standby replicas (num.standby.replicas) on the real broker. Two instances of a count
// (repartition + RocksDB store + changelog) run as child processes: the one that does not own
// the store's task keeps a standby of it warm; when the owner is SIGKILLed the task moves to
// the standby's instance, which restores only the changelog's tail and counts on from the
// state the standby kept.
//
// StandbyOnKafka.WarmStandbyTakesOverWithTheTailOnly is in the default suite (~25 s).
// StandbyFailoverLong.* (>= 1 M state entries, with and without a standby) runs only with
// EDDY_STANDBY_LONG=1: scripts/standby-failover.sh.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/loopback.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing_support::ChildProcess;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::unique_name;

// The value of the first sample of `name` whose line contains `having`.
std::optional<double> metric(int port, const std::string& name, const std::string& having) {
  const std::string body = testing_support::scrape_metrics(port);
  if (body.empty()) return std::nullopt;
  std::istringstream lines(body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + "{", 0) != 0 || line.find(having) == std::string::npos) continue;
    return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return std::nullopt;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// The numbers of every "<prefix><number>" in the log, in order.
std::vector<int64_t> numbers_after(const std::string& log, const std::string& prefix) {
  std::vector<int64_t> out;
  for (size_t at = log.find(prefix); at != std::string::npos; at = log.find(prefix, at + 1))
    out.push_back(std::stoll(log.substr(at + prefix.size())));
  return out;
}

bool wait_for_log(const std::string& path, const std::string& text, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (read_file(path).find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Latest count per key of the app's output (read_committed under exactly-once).
class OutputCounts {
 public:
  OutputCounts(const std::string& topic, bool read_committed)
      : reader_({.properties = real_props(),
                 .group_id = unique_name("standby-reader"),
                 .read_committed = read_committed}) {
    reader_.assign({{topic, 0, kafka::kOffsetBeginning}});
  }
  // Polls until `done(counts)` or the timeout; false on timeout.
  template <typename Fn>
  bool wait(Fn done, std::chrono::seconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!done(counts_)) {
      if (Clock::now() > deadline) return false;
      for (const auto& m : reader_.poll_batch(5000, 100ms)) {
        const auto v = *m.value();
        int64_t n = 0;
        for (char c : v) n = (n << 8) | static_cast<unsigned char>(c);  // int64 big-endian
        counts_[std::string(*m.key())] = n;
      }
    }
    return true;
  }
  const std::map<std::string, int64_t>& counts() const { return counts_; }

 private:
  kafka::Consumer reader_;
  std::map<std::string, int64_t> counts_;
};

void produce_values(const std::string& topic, const std::string& prefix, int from, int to) {
  kafka::Producer producer({.properties = real_props()});
  const int64_t ts = testing_support::recent_ms();
  for (int i = from; i < to; ++i) {
    const std::string value = prefix + std::to_string(i);
    producer.send({.topic = topic, .key = value, .value = value, .timestamp = ts + i});
  }
  producer.flush(60s);
}

struct Failover {
  int64_t restored = -1;           // records the new owner restored for the store's task
  int64_t changelog_records = 0;   // what a full restore would have read
  double seconds_to_process = -1;  // SIGKILL -> the first new record counted by the survivor
  bool counts_exact = false;       // the survivor counted on from the state it took over
};

// One input partition: task 0_0 re-keys, task 1_0 holds the store. Instance "a" starts first
// and owns both; "b" joins (its member id sorts after a's), so it owns nothing and, with
// `standbys` = 1, keeps task 1_0's standby. a is SIGKILLed; after its session (6 s) b takes
// every task.
Failover run_failover(const std::string& guarantee, int values, int tail, int standbys,
                      int metrics_port = 0) {
  const bool eos = guarantee == "exactly_once_v2";
  const std::string topic = unique_name("it.standby");
  const std::string app = unique_name("standby");
  const std::string dir = (std::filesystem::temp_directory_path() / app).string();
  kafka::Admin admin(real_props());
  admin.create_topics(
      {{.name = topic, .partitions = 1}, {.name = topic + ".out", .partitions = 1}});
  const auto argv = [&](const std::string& instance) {
    return std::vector<std::string>{std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app",
                                    real_bootstrap(),
                                    app,
                                    topic,
                                    dir + "/" + instance,
                                    guarantee,
                                    "count",
                                    instance,
                                    std::to_string(standbys)};
  };
  const std::string log_a = dir + "-a.log";
  const std::string log_b = dir + "-b.log";
  OutputCounts output(topic + ".out", eos);
  Failover result;

  ChildProcess a(argv("a"), log_a);
  produce_values(topic, "v", 0, values);
  EXPECT_TRUE(output.wait([&](const auto& c) { return c.size() >= static_cast<size_t>(values); },
                          values >= 1'000'000 ? 600s : 60s))
      << "a did not count the first records; see " << log_a;
  if (metrics_port > 0) setenv("EDDY_TEST_METRICS_PORT", std::to_string(metrics_port).c_str(), 1);
  ChildProcess b(argv("b"), log_b);
  unsetenv("EDDY_TEST_METRICS_PORT");
  if (standbys > 0) {
    EXPECT_TRUE(
        wait_for_log(log_b, "standby task 1_0: caught up", values >= 1'000'000 ? 300s : 60s))
        << "no standby of task 1_0 on b; see " << log_b;
  } else {
    EXPECT_TRUE(wait_for_log(log_b, "rebalance: assigned", 60s)) << "see " << log_b;
  }
  // The tail: records the standby follows while it runs.
  produce_values(topic, "w", 0, tail);
  EXPECT_TRUE(output.wait(
      [&](const auto& c) { return c.size() >= static_cast<size_t>(values + tail); }, 60s))
      << "see " << log_a;
  if (standbys > 0 && metrics_port > 0) {
    // The standby follows the changelog: its lag metric comes down to 0.
    std::optional<double> lag;
    const auto deadline = Clock::now() + 20s;
    while (Clock::now() < deadline) {
      lag = metric(metrics_port, "eddy_standby_lag_records", "task=\"1_0\"");
      if (lag && *lag == 0) break;
      std::this_thread::sleep_for(200ms);
    }
    EXPECT_EQ(lag, std::optional<double>(0)) << "standby lag metric; see " << log_b;
  }
  {
    kafka::Consumer probe({.properties = real_props(), .group_id = unique_name("standby-probe")});
    const auto [low, high] = probe.watermarks({app + "-value-counts-changelog", 0}, 10s);
    result.changelog_records = high - low;
  }

  a.kill_hard();
  const auto killed = Clock::now();
  // Values counted before are counted again: each must come out as 2 (the state survived).
  const int recount = std::min(values, 200);
  std::jthread producer([&] { produce_values(topic, "v", 0, recount); });
  const bool recounted = output.wait(
      [&](const auto& c) {
        for (int i = 0; i < recount; ++i) {
          auto it = c.find("v" + std::to_string(i));
          if (it == c.end() || it->second < 2) return false;
          if (result.seconds_to_process < 0)
            result.seconds_to_process =
                std::chrono::duration<double>(Clock::now() - killed).count();
        }
        return true;
      },
      values >= 1'000'000 ? 600s : 60s);
  EXPECT_TRUE(recounted) << "b did not count on after the kill; see " << log_b;
  result.counts_exact = recounted;
  for (int i = 0; i < recount; ++i) {
    auto it = output.counts().find("v" + std::to_string(i));
    result.counts_exact = result.counts_exact && it != output.counts().end() && it->second == 2;
  }
  EXPECT_TRUE(result.counts_exact) << "see " << log_b;
  const auto restored = numbers_after(read_file(log_b), "task 1_0: restore finished: ");
  EXPECT_FALSE(restored.empty()) << "b never restored task 1_0; see " << log_b;
  if (!restored.empty()) result.restored = restored.back();
  EXPECT_EQ(b.terminate(), 0) << "see " << log_b;
  std::filesystem::remove_all(dir);
  return result;
}

TEST(StandbyOnKafka, WarmStandbyTakesOverWithTheTailOnly) {
  constexpr int kValues = 20'000;
  constexpr int kTail = 500;
  const Failover f =
      run_failover("exactly_once_v2", kValues, kTail, 1, testing_support::free_port());
  std::printf(
      "standby failover (exactly_once_v2): %lld of %lld changelog records restored, "
      "processing again %.1f s after SIGKILL (session timeout 6 s)\n",
      static_cast<long long>(f.restored), static_cast<long long>(f.changelog_records),
      f.seconds_to_process);
  EXPECT_GE(f.changelog_records, kValues);
  // Only what the standby had not applied when it handed over: far less than the 20 500
  // records a full restore reads (typically 0).
  EXPECT_GE(f.restored, 0);
  EXPECT_LE(f.restored, kTail);
}

// The long proof: a task with >= 1 M state entries, SIGKILL of its owner, with and without a
// standby on the survivor. Prints the time until its partitions process again and the
// records restored. scripts/standby-failover.sh runs it.
class StandbyFailoverLong : public ::testing::TestWithParam<std::string> {};

TEST_P(StandbyFailoverLong, MillionEntriesWithAndWithoutStandby) {
  if (std::getenv("EDDY_STANDBY_LONG") == nullptr)
    GTEST_SKIP() << "set EDDY_STANDBY_LONG=1 (scripts/standby-failover.sh)";
  constexpr int kValues = 1'000'000;
  constexpr int kTail = 5'000;
  const Failover without = run_failover(GetParam(), kValues, kTail, 0);
  const Failover with = run_failover(GetParam(), kValues, kTail, 1);
  for (const auto& [name, f] : {std::pair{"no standby", without}, std::pair{"standby=1", with}}) {
    std::printf(
        "STANDBY-FAILOVER %s %s: %lld of %lld changelog records restored, processing "
        "again %.1f s after SIGKILL (session timeout 6 s), counts exact: %s\n",
        GetParam().c_str(), name, static_cast<long long>(f.restored),
        static_cast<long long>(f.changelog_records), f.seconds_to_process,
        f.counts_exact ? "yes" : "no");
  }
  EXPECT_GE(without.restored, kValues);
  EXPECT_LE(with.restored, kTail);
}

INSTANTIATE_TEST_SUITE_P(Guarantees, StandbyFailoverLong,
                         ::testing::Values("at_least_once", "exactly_once_v2"));

}  // namespace
}  // namespace eddy
