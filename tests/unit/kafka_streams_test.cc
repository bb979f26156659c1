// KafkaStreams' lifecycle on the embedded broker, with a pipe task factory.
#include <gtest/gtest.h>

#include <mutex>

#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "support/pipe_task.h"

namespace eddy {
namespace {
using namespace std::chrono_literals;
using State = KafkaStreams::State;

StreamsConfig embedded_config(const std::string& app) {
  StreamsConfig config;
  config.application_id = app;
  config.commit_interval = 100ms;
  config.poll_interval = 20ms;
  config.client_properties = {{"consumer.fetch.wait.max.ms", "5"},
                              {"consumer.session.timeout.ms", "6000"}};
  return config;
}

template <typename Pred>
bool wait_for(Pred pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

TEST(KafkaStreamsLifecycle, GoesThroughTheKafkaStreamsStates) {
  const std::string topic = "lifecycle.in";
  kafka::Admin admin({{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}});
  admin.create_topics(
      {{.name = topic, .partitions = 2}, {.name = topic + ".out", .partitions = 2}});

  auto factory = std::make_shared<testing_support::PipeTaskFactory>(topic);
  KafkaStreams streams(factory, embedded_config("lifecycle"));
  std::mutex mutex;
  std::vector<State> seen;
  streams.set_state_listener([&](State, State to) {
    std::lock_guard lock(mutex);
    seen.push_back(to);
  });
  EXPECT_EQ(streams.state(), State::kCreated);
  streams.start();
  ASSERT_TRUE(wait_for([&] { return streams.state() == State::kRunning; }, 20s));
  EXPECT_THROW(streams.start(), Error);
  EXPECT_TRUE(streams.close(10s));
  EXPECT_EQ(streams.state(), State::kNotRunning);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen, (std::vector<State>{State::kRebalancing, State::kRunning, State::kPendingShutdown,
                                      State::kNotRunning}));
}

TEST(KafkaStreamsLifecycle, CloseDuringARebalanceFinishesCleanly) {
  const std::string topic = "lifecycle.rebalance";
  kafka::Admin admin({{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}});
  admin.create_topics(
      {{.name = topic, .partitions = 4}, {.name = topic + ".out", .partitions = 4}});
  auto factory = std::make_shared<testing_support::PipeTaskFactory>(topic);
  KafkaStreams first(factory, embedded_config("lifecycle-rebalance"));
  first.start();
  ASSERT_TRUE(wait_for([&] { return first.state() == State::kRunning; }, 20s));

  // A second instance joins: the group rebalances, and it closes while that is under way.
  KafkaStreams second(factory, embedded_config("lifecycle-rebalance"));
  second.start();
  ASSERT_TRUE(wait_for(
      [&] { return second.state() == State::kRebalancing || first.state() == State::kRebalancing; },
      20s));
  EXPECT_TRUE(second.close(20s));
  EXPECT_EQ(second.state(), State::kNotRunning);

  // The first instance gets every partition back and runs on; then it closes too.
  EXPECT_TRUE(wait_for([&] { return first.state() == State::kRunning; }, 30s));
  EXPECT_TRUE(first.close(20s));
  EXPECT_EQ(first.state(), State::kNotRunning);
}

TEST(KafkaStreamsLifecycle, UnreachableBrokerFailsStartWithinBoundedTime) {
  StreamsConfig config = embedded_config("unreachable");
  config.bootstrap_servers = "127.0.0.1:1";
  KafkaStreams streams(std::make_shared<testing_support::PipeTaskFactory>("x"), config);
  const auto start = std::chrono::steady_clock::now();
  try {
    streams.start();
    FAIL() << "expected KafkaError";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("127.0.0.1:1"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  EXPECT_EQ(streams.state(), State::kCreated);
}

TEST(KafkaStreamsLifecycle, InvalidConfigFailsStart) {
  StreamsConfig config = embedded_config("bad-config");
  config.client_properties["linger.ms"] = "forever";
  KafkaStreams streams(std::make_shared<testing_support::PipeTaskFactory>("x"), config);
  try {
    streams.start();
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "linger.ms");
  }
}

}  // namespace
}  // namespace eddy
