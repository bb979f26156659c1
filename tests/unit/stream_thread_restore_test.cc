// The stream thread restores tasks a step at a time: one task's long restore does not hold
// up the thread's other tasks, and a shutdown during a restore finishes promptly. Runs on
// the embedded broker (and under TSan in CI).
#include <gtest/gtest.h>

#include <atomic>

#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "runtime/stream_thread.h"
#include "support/pipe_task.h"
#include "support/wait_until.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;

// A pipe task whose restore takes as long as the test wants: restore_step() returns false
// until `restored` is set.
class GatedRestoreTask final : public Task {
 public:
  GatedRestoreTask(std::unique_ptr<Task> inner, std::atomic<bool>* restored,
                   std::atomic<int>* steps, std::atomic<int>* closed)
      : inner_(std::move(inner)), restored_(restored), steps_(steps), closed_(closed) {}
  const TaskId& id() const override { return inner_->id(); }
  const std::vector<kafka::TopicPartition>& input_partitions() const override {
    return inner_->input_partitions();
  }
  void initialize() override { inner_->initialize(); }
  bool restore_step() override {
    ++*steps_;
    if (restored_ == nullptr) return true;
    std::this_thread::sleep_for(1ms);  // one "batch"
    return restored_->load();
  }
  void add_records(const kafka::TopicPartition& tp, std::span<kafka::Message> records) override {
    inner_->add_records(tp, records);
  }
  size_t buffered(const kafka::TopicPartition& tp) const override { return inner_->buffered(tp); }
  size_t process(size_t max, std::chrono::steady_clock::time_point now) override {
    return inner_->process(max, now);
  }
  bool punctuate_wall_clock(int64_t ms) override { return inner_->punctuate_wall_clock(ms); }
  void prepare_commit() override { inner_->prepare_commit(); }
  std::vector<kafka::TopicPartitionOffset> committable_offsets() const override {
    return inner_->committable_offsets();
  }
  void post_commit() override { inner_->post_commit(); }
  void close(bool clean) override {
    ++*closed_;
    inner_->close(clean);
  }

 private:
  std::unique_ptr<Task> inner_;
  std::atomic<bool>* restored_;
  std::atomic<int>* steps_;
  std::atomic<int>* closed_;
};

// Partition 0's task restores until `partition0_restored`; partition 1's is ready at once.
class GatedFactory final : public TaskFactory {
 public:
  explicit GatedFactory(std::string topic) : pipe_(topic), topic_(std::move(topic)) {}
  std::vector<std::string> source_topics() const override { return {topic_}; }
  std::optional<TaskId> task_for(const kafka::TopicPartition& tp) const override {
    return pipe_.task_for(tp);
  }
  std::unique_ptr<Task> create(const TaskId& id, std::vector<kafka::TopicPartition> partitions,
                               const TaskServices& services) override {
    auto inner = pipe_.create(id, std::move(partitions), services);
    return std::make_unique<GatedRestoreTask>(
        std::move(inner), id.partition == 0 ? &partition0_restored : nullptr,
        id.partition == 0 ? &partition0_steps : &partition1_steps, &closed);
  }
  std::atomic<bool> partition0_restored{false};
  std::atomic<int> partition0_steps{0};
  std::atomic<int> partition1_steps{0};
  std::atomic<int> closed{0};

 private:
  testing_support::PipeTaskFactory pipe_;
  std::string topic_;
};

StreamsConfig config_for(const std::string& app) {
  StreamsConfig config;
  config.application_id = app;
  config.commit_interval = 100ms;
  config.poll_interval = 20ms;
  config.client_properties = {{"consumer.fetch.wait.max.ms", "5"},
                              {"consumer.session.timeout.ms", "6000"}};
  return config;
}

void produce_per_partition(const std::string& topic, int per_partition) {
  Properties props{{"bootstrap.servers", kafka::resolve_bootstrap_servers("")}};
  kafka::Admin admin(props);
  admin.create_topics(
      {{.name = topic, .partitions = 2}, {.name = topic + ".out", .partitions = 2}});
  kafka::Producer producer({.properties = props});
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < per_partition; ++i) {
      producer.send({.topic = topic,
                     .partition = p,
                     .key = std::string_view("k"),
                     .value = std::string_view("v"),
                     .timestamp = 1000 + i});
    }
  }
  producer.flush(10s);
}

using testing_support::wait_until;

TEST(StreamThreadRestore, OneTasksRestoreDoesNotHoldUpTheOthers) {
  const std::string topic = "thread.restore.others";
  produce_per_partition(topic, 200);
  GatedFactory factory(topic);
  StreamThread thread({.config = config_for("thread-restore-others"),
                       .index = 0,
                       .process_id = "p1",
                       .factory = &factory});
  thread.start();
  // Partition 1's 200 records are processed while partition 0's task is still restoring.
  ASSERT_TRUE(wait_until([&] { return thread.stats().records_processed.load() >= 200; }));
  EXPECT_EQ(thread.stats().records_processed.load(), 200);
  const int steps_so_far = factory.partition0_steps.load();
  EXPECT_GT(steps_so_far, 1);
  EXPECT_EQ(factory.partition1_steps.load(), 1);  // restored in one step, then processing
  ASSERT_TRUE(wait_until([&] { return factory.partition0_steps.load() > steps_so_far + 10; }));
  EXPECT_EQ(thread.stats().records_processed.load(), 200);  // still restoring: nothing of p0

  // Once its restore completes, partition 0's task catches up.
  factory.partition0_restored = true;
  EXPECT_TRUE(wait_until([&] { return thread.stats().records_processed.load() >= 400; }));
  thread.request_shutdown();
  thread.join();
  EXPECT_EQ(thread.stats().records_processed.load(), 400);
  EXPECT_EQ(factory.closed.load(), 2);
}

TEST(StreamThreadRestore, ShutdownDuringARestoreClosesEveryTask) {
  const std::string topic = "thread.restore.shutdown";
  produce_per_partition(topic, 50);
  GatedFactory factory(topic);  // partition 0 never finishes restoring
  StreamThread thread({.config = config_for("thread-restore-shutdown"),
                       .index = 0,
                       .process_id = "p1",
                       .factory = &factory});
  thread.start();
  ASSERT_TRUE(wait_until([&] {
    return factory.partition0_steps.load() > 5 && thread.stats().records_processed.load() >= 50;
  }));
  thread.request_shutdown();
  // The thread notices between restore steps: it stops without waiting for the restore.
  EXPECT_TRUE(wait_until([&] { return !thread.alive(); }, 20s));
  thread.join();
  EXPECT_EQ(factory.closed.load(), 2);
  EXPECT_EQ(thread.stats().records_processed.load(), 50);
}

}  // namespace
}  // namespace eddy::runtime
