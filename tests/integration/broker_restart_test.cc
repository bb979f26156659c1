// Broker restart: the broker is stopped and started (on its data) mid-run; the application
// recovers by itself and loses nothing. Needs the broker of this checkout's scripts/kafka.sh.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <thread>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "support/child_process.h"
#include "support/real_kafka.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using testing_support::real_bootstrap;
using testing_support::real_props;
using testing_support::run_command;
using testing_support::unique_name;

TEST(BrokerRestart, ApplicationRecoversAndLosesNothing) {
  const std::string kafka_sh = std::string(EDDY_SOURCE_DIR) + "/scripts/kafka.sh";
  ASSERT_EQ(run_command(kafka_sh + " status >/dev/null 2>&1").first, 0)
      << "this test restarts the broker, so it needs the one started by " << kafka_sh;
  constexpr int kRecords = 4000;
  constexpr int kPartitions = 2;
  const std::string topic = unique_name("it.restart");
  const std::string app = unique_name("restart-app");
  const std::string state_dir = (std::filesystem::temp_directory_path() / app).string();
  const std::string log = state_dir + ".log";
  kafka::Admin(real_props())
      .create_topics({{.name = topic, .partitions = kPartitions},
                      {.name = topic + ".out", .partitions = kPartitions}});

  std::atomic<bool> restarted{false};
  std::jthread producer_thread([&] {
    kafka::Producer producer({.properties = real_props()});
    for (int i = 0; i < kRecords; ++i) {
      const std::string value = "v" + std::to_string(i);
      producer.send({.topic = topic, .key = value, .value = value});
      if (i % 50 == 49) std::this_thread::sleep_for(100ms);
    }
    producer.flush(120s);  // records queued during the outage are delivered after it
  });

  testing_support::ChildProcess app_process(
      {std::string(EDDY_TEST_APP_DIR) + "/eddy-test-pipe-app", real_bootstrap(), app, topic,
       state_dir, "at_least_once"},
      log);
  std::this_thread::sleep_for(3s);
  const auto [stop_status, stop_out] = run_command(kafka_sh + " stop 2>&1");
  ASSERT_EQ(stop_status, 0) << stop_out;
  std::this_thread::sleep_for(3s);  // the app and the producer see the broker gone
  const auto [start_status, start_out] = run_command(kafka_sh + " start --keep-data 2>&1");
  ASSERT_EQ(start_status, 0) << start_out;
  producer_thread.join();
  std::this_thread::sleep_for(15s);  // let the app catch up
  EXPECT_EQ(app_process.terminate(), 0) << "the app did not survive the restart; log: " << log;

  kafka::Consumer reader({.properties = real_props(), .group_id = unique_name("restart-reader")});
  reader.assign(
      {{topic + ".out", 0, kafka::kOffsetBeginning}, {topic + ".out", 1, kafka::kOffsetBeginning}});
  std::set<std::string> seen;
  int empty = 0;
  while (empty < 10) {
    auto batch = reader.poll_batch(2000, 300ms);
    empty = batch.empty() ? empty + 1 : 0;
    for (const auto& m : batch) seen.emplace(*m.value());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords)) << "log: " << log;
  std::filesystem::remove_all(state_dir);
}

}  // namespace
}  // namespace eddy
