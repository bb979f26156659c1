// KafkaStreams' lifecycle on the embedded broker, with a pipe task factory.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "eddy/dsl/streams_builder.h"
#include "eddy/errors.h"
#include "eddy/kafka_streams.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "kafka/producer.h"
#include "runtime/task_factory.h"
#include "support/pipe_task.h"
#include "support/wait_until.h"

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

using testing_support::wait_until;

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
  ASSERT_TRUE(wait_until([&] { return streams.state() == State::kRunning; }, 20s));
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
  ASSERT_TRUE(wait_until([&] { return first.state() == State::kRunning; }, 20s));

  // A second instance joins: the group rebalances, and it closes while that is under way. It
  // has a state folder of its own, as every instance must.
  StreamsConfig second_config = embedded_config("lifecycle-rebalance");
  second_config.state_dir =
      (std::filesystem::temp_directory_path() / "eddy-lifecycle-rebalance-second").string();
  KafkaStreams second(factory, second_config);
  second.start();
  ASSERT_TRUE(wait_until(
      [&] { return second.state() == State::kRebalancing || first.state() == State::kRebalancing; },
      20s));
  EXPECT_TRUE(second.close(20s));
  EXPECT_EQ(second.state(), State::kNotRunning);

  // The first instance gets every partition back and runs on; then it closes too.
  EXPECT_TRUE(wait_until([&] { return first.state() == State::kRunning; }, 30s));
  EXPECT_TRUE(first.close(20s));
  EXPECT_EQ(first.state(), State::kNotRunning);
}

TEST(KafkaStreamsLifecycle, SecondInstanceOnOneStateDirFailsStartUntilTheFirstCloses) {
  const std::string topic = "lifecycle.locked";
  kafka::Admin admin({{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}});
  admin.create_topics(
      {{.name = topic, .partitions = 2}, {.name = topic + ".out", .partitions = 2}});
  auto factory = std::make_shared<testing_support::PipeTaskFactory>(topic);
  StreamsConfig config = embedded_config("lifecycle-locked");
  config.state_dir = (std::filesystem::temp_directory_path() /
                      ("eddy-lifecycle-locked-" + std::to_string(::getpid())))
                         .string();
  const std::string folder = config.state_dir + "/lifecycle-locked";
  KafkaStreams first(factory, config);
  first.start();
  ASSERT_TRUE(wait_until([&] { return first.state() == State::kRunning; }, 20s));

  // Same application, same folder: refused before it touches the process-id or any topic.
  KafkaStreams second(factory, config);
  try {
    second.start();
    FAIL() << "a second instance started on a locked state directory";
  } catch (const StateStoreError& e) {
    EXPECT_NE(std::string(e.what()).find(folder), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(::getpid())), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(first.state(), State::kRunning);
  EXPECT_TRUE(second.close(5s));

  // close() releases the folder: the next instance on it starts.
  EXPECT_TRUE(first.close(10s));
  KafkaStreams third(factory, config);
  third.start();
  EXPECT_TRUE(wait_until([&] { return third.state() == State::kRunning; }, 30s));
  EXPECT_TRUE(third.close(10s));
  std::filesystem::remove_all(config.state_dir);
}

// A pipe task whose process() does not return while `hold` is set: a thread stuck in a call
// (as one waiting on a broker that does not answer).
class StuckTaskFactory final : public runtime::TaskFactory {
 public:
  explicit StuckTaskFactory(std::string topic) : pipe_(std::move(topic)) {}
  std::vector<std::string> source_topics() const override { return pipe_.source_topics(); }
  std::optional<runtime::TaskId> task_for(const kafka::TopicPartition& tp) const override {
    return pipe_.task_for(tp);
  }
  std::unique_ptr<runtime::Task> create(const runtime::TaskId& id,
                                        std::vector<kafka::TopicPartition> partitions,
                                        const runtime::TaskServices& services) override {
    class Stuck final : public runtime::Task {
     public:
      Stuck(std::unique_ptr<runtime::Task> inner, StuckTaskFactory* owner)
          : inner_(std::move(inner)), owner_(owner) {}
      const runtime::TaskId& id() const override { return inner_->id(); }
      const std::vector<kafka::TopicPartition>& input_partitions() const override {
        return inner_->input_partitions();
      }
      void initialize() override { inner_->initialize(); }
      void add_records(const kafka::TopicPartition& tp,
                       std::span<kafka::Message> records) override {
        inner_->add_records(tp, records);
      }
      size_t buffered(const kafka::TopicPartition& tp) const override {
        return inner_->buffered(tp);
      }
      size_t process(size_t max, std::chrono::steady_clock::time_point now) override {
        if (inner_->buffered(inner_->input_partitions().front()) > 0) {
          owner_->stuck = true;
          while (owner_->hold) std::this_thread::sleep_for(5ms);
        }
        return inner_->process(max, now);
      }
      bool punctuate_wall_clock(int64_t ms) override { return inner_->punctuate_wall_clock(ms); }
      void prepare_commit() override { inner_->prepare_commit(); }
      std::vector<kafka::TopicPartitionOffset> committable_offsets() const override {
        return inner_->committable_offsets();
      }
      void post_commit() override { inner_->post_commit(); }
      void close(bool clean) override { inner_->close(clean); }

     private:
      std::unique_ptr<runtime::Task> inner_;
      StuckTaskFactory* owner_;
    };
    return std::make_unique<Stuck>(pipe_.create(id, std::move(partitions), services), this);
  }
  std::atomic<bool> hold{true};
  std::atomic<bool> stuck{false};

 private:
  testing_support::PipeTaskFactory pipe_;
};

TEST(KafkaStreamsLifecycle, CloseReturnsByItsDeadlineWhenAThreadCannotStop) {
  const std::string topic = "lifecycle.stuck";
  const std::string bootstrap = kafka::resolve_bootstrap_servers("");
  kafka::Admin admin({{"bootstrap.servers", bootstrap}});
  admin.create_topics(
      {{.name = topic, .partitions = 1}, {.name = topic + ".out", .partitions = 1}});
  {
    kafka::Producer producer({.properties = {{"bootstrap.servers", bootstrap}}});
    producer.send({.topic = topic, .key = std::string_view("k"), .value = std::string_view("v")});
    producer.flush(10s);
  }
  auto factory = std::make_shared<StuckTaskFactory>(topic);
  KafkaStreams streams(factory, embedded_config("lifecycle-stuck"));
  streams.start();
  ASSERT_TRUE(wait_until([&] { return factory->stuck.load(); }, 20s));

  // As Kafka Streams: close(timeout) returns false by its deadline, the instance stays
  // PENDING_SHUTDOWN, and the thread is left to stop on its own.
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(streams.close(500ms));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 500ms);
  EXPECT_LT(took, 3s);
  EXPECT_EQ(streams.state(), State::kPendingShutdown);

  // Once the thread can stop, a second close() completes the shutdown.
  factory->hold = false;
  EXPECT_TRUE(streams.close(20s));
  EXPECT_EQ(streams.state(), State::kNotRunning);
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

double metric_sum(const nlohmann::json& metrics, const std::string& name) {
  double total = 0;
  for (const auto& m : metrics) {
    if (m["name"] == name && m.contains("value")) total += m["value"].get<double>();
  }
  return total;
}

// The value of metric `name` with label part=`part`; -1 when there is none.
double part_value(const nlohmann::json& metrics, const std::string& name, const std::string& part) {
  for (const auto& m : metrics) {
    if (m["name"] == name && m["labels"].value("part", "") == part) return m["value"].get<double>();
  }
  return -1;
}

bool has_metric(const nlohmann::json& metrics, const std::string& name) {
  for (const auto& m : metrics) {
    if (m["name"] == name) return true;
  }
  return false;
}

TEST(KafkaStreamsMetrics, JsonSnapshotHasLiveThreadMetricsWhileScrapedConcurrently) {
  const std::string topic = "metrics.in";
  Properties props{{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}};
  kafka::Admin admin(props);
  admin.create_topics(
      {{.name = topic, .partitions = 2}, {.name = topic + ".out", .partitions = 2}});
  kafka::Producer producer({.properties = props});
  for (int i = 0; i < 500; ++i) {
    producer.send({.topic = topic,
                   .key = "k" + std::to_string(i % 10),
                   .value = std::string_view("abc"),
                   .timestamp = 1000 + i});
  }
  producer.flush(10s);

  StreamsConfig config = embedded_config("metrics-json");
  config.metrics_log_interval = 200ms;  // the per-thread summary line runs too
  KafkaStreams streams(std::make_shared<testing_support::PipeTaskFactory>(topic), config);
  EXPECT_EQ(metric_sum(streams.metrics(), "eddy_state"), 0);  // CREATED, before start()
  streams.start();
  // A scraper reads the registry while the thread writes it (TSan checks the handover).
  std::atomic<bool> stop{false};
  std::thread scraper([&] {
    while (!stop) {
      (void)streams.metrics();
      std::this_thread::sleep_for(1ms);
    }
  });
  const bool settled = wait_until(
      [&] {
        const auto m = streams.metrics();
        return metric_sum(m, "eddy_records_processed_total") == 500 &&
               metric_sum(m, "eddy_commits_total") > 0 &&
               has_metric(m, "eddy_consumer_lag_records") &&
               metric_sum(m, "eddy_consumer_lag_records") == 0;
      },
      30s);
  stop = true;
  scraper.join();
  EXPECT_TRUE(settled);
  const auto m = streams.metrics();
  EXPECT_EQ(metric_sum(m, "eddy_records_processed_total"), 500);
  EXPECT_EQ(metric_sum(m, "eddy_state"), 2);  // RUNNING
  // The memory budget the tasks use (the process default: 256 MiB, 10 MiB record caches),
  // with no suppress buffer in this topology.
  EXPECT_EQ(part_value(m, "eddy_memory_budget_bytes", "total"), 256 << 20);
  EXPECT_EQ(part_value(m, "eddy_memory_budget_bytes", "record_caches"), 10 << 20);
  EXPECT_EQ(part_value(m, "eddy_memory_budget_bytes", "suppress_buffers"), 128 << 20);
  EXPECT_EQ(part_value(m, "eddy_memory_used_bytes", "suppress_buffers"), 0);
  EXPECT_GE(part_value(m, "eddy_memory_used_bytes", "record_caches"), 0);
  for (const auto& metric : m) {
    if (metric["name"] != "eddy_process_latency_seconds") continue;
    EXPECT_EQ(metric["count"], 500);
    EXPECT_FALSE(metric["buckets"].empty());
  }
  EXPECT_TRUE(streams.close(10s));
  // Thread metrics leave with the threads; the instance's stay.
  EXPECT_FALSE(has_metric(streams.metrics(), "eddy_records_processed_total"));
  EXPECT_EQ(metric_sum(streams.metrics(), "eddy_state"), 4);  // NOT_RUNNING
}

TEST(KafkaStreamsMetrics, MemoryBudgetComesFromTheConfig) {
  StreamsConfig config = embedded_config("metrics-budget");
  config.memory_budget_bytes = 64 << 20;
  config.cache_max_bytes = 1 << 20;
  KafkaStreams streams(std::make_shared<testing_support::PipeTaskFactory>("budget.in"), config);
  const auto m = streams.metrics();
  EXPECT_EQ(part_value(m, "eddy_memory_budget_bytes", "total"), 64 << 20);
  EXPECT_EQ(part_value(m, "eddy_memory_budget_bytes", "record_caches"), 1 << 20);
  EXPECT_EQ(part_value(m, "eddy_memory_budget_bytes", "suppress_buffers"), 32 << 20);
  EXPECT_EQ(part_value(m, "eddy_memory_budget_bytes", "rocksdb"), 63 << 20);
  EXPECT_EQ(part_value(m, "eddy_memory_used_bytes", "suppress_buffers"), 0);
}

TEST(KafkaStreamsMetrics, MetricsPortInUseFailsStartNamingTheKey) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(fd, 1), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  StreamsConfig config = embedded_config("metrics-port-taken");
  config.metrics_port = ntohs(addr.sin_port);
  KafkaStreams streams(std::make_shared<testing_support::PipeTaskFactory>("x"), config);
  try {
    streams.start();
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(e.key(), "metrics.port");
  }
  EXPECT_EQ(streams.state(), State::kCreated);
  close(fd);
}

// A GlobalKTable's store answers queries from another thread while the table's updates
// are applied (the TSan run checks the locking), and lives in the instance's memory budget.
TEST(KafkaStreamsQueries, GlobalTableAnswersWhileItsUpdatesApply) {
  const std::string products = "queries.products";
  const std::string views = "queries.views";
  kafka::Admin admin({{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}});
  admin.create_topics({{.name = products, .partitions = 2},
                       {.name = views, .partitions = 1},
                       {.name = views + ".out", .partitions = 1}});
  kafka::Producer producer(
      {.properties = {{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}}});
  constexpr int kSkus = 50;
  constexpr int kRounds = 5;
  auto publish = [&](int round) {
    for (int i = 0; i < kSkus; ++i) {
      producer.send({.topic = products,
                     .key = "sku-" + std::to_string(i),
                     .value = "v" + std::to_string(round),
                     .timestamp = 1000 + round});
    }
    producer.flush(10s);
  };
  publish(0);

  StreamsConfig config = embedded_config("queries-global");
  config.state_dir = (std::filesystem::temp_directory_path() / "eddy-queries-global").string();
  config.memory_budget_bytes = 64 << 20;
  std::filesystem::remove_all(config.state_dir);
  StreamsBuilder builder;
  auto table = builder.global_table<std::string, std::string>(
      products, {}, Materialized<std::string, std::string>::as("products"));
  builder.stream<std::string, std::string>(views)
      .join(
          table, [](const std::string&, const std::string& sku) { return sku; },
          [](const std::string& sku, const std::string& version) { return sku + "@" + version; })
      .to(views + ".out");
  KafkaStreams streams(builder.build(config), config);
  streams.start();
  ASSERT_TRUE(wait_until([&] { return streams.state() == State::kRunning; }, 20s));
  auto queried = streams.key_value_store<std::string, std::string>("products");
  auto query = [](auto read) { return testing_support::retry_on<InvalidStateStoreError>(read); };
  ASSERT_EQ(query([&] { return queried.all(); }).size(), static_cast<size_t>(kSkus));
  EXPECT_EQ(query([&] { return queried.get("sku-7"); }), "v0");
  // The instance's budget holds the global store's memtable.
  EXPECT_GT(part_value(streams.metrics(), "eddy_memory_used_bytes", "rocksdb"), 0);

  // One key's versions arrive in order on one partition: a reader never sees one go back.
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0};
  std::atomic<int> regressions{0};
  std::thread reader([&] {
    std::string last = "v0";
    while (!stop) {
      try {
        const std::string now = queried.get("sku-7").value_or("missing");
        if (now < last) ++regressions;  // "v0" < "v1" < ... < "v5"; "missing" sorts last
        last = now;
        if (queried.all().size() != static_cast<size_t>(kSkus)) ++regressions;
        ++reads;
      } catch (const InvalidStateStoreError&) {  // a rebalance: retry, as callers do
      }
    }
  });
  for (int round = 1; round <= kRounds; ++round) publish(round);
  const std::string final_version = "v" + std::to_string(kRounds);
  EXPECT_TRUE(wait_until([&] {
    for (const auto& [sku, version] : query([&] { return queried.all(); })) {
      if (version != final_version) return false;
    }
    return true;
  }));
  stop = true;
  reader.join();
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(regressions.load(), 0);
  EXPECT_TRUE(streams.close(10s));
  EXPECT_THROW(queried.get("sku-7"), InvalidStateStoreError);
  std::filesystem::remove_all(config.state_dir);
}

}  // namespace
}  // namespace eddy
