// The stream thread's task bookkeeping, without a consumer: creation, restore before
// processing, round-robin processing, the commit phases, pauses and closing.
#include "runtime/task_manager.h"

#include <gtest/gtest.h>

#include "eddy/errors.h"
#include "runtime/delivery_failures.h"

#include <stdexcept>

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;
using TP = kafka::TopicPartition;

// A task whose buffers are counters: process() takes from them, restore takes
// `restore_steps` calls, and every call the manager makes is counted.
class FakeTask final : public Task {
 public:
  FakeTask(TaskId id, std::vector<TP> partitions) : id_(id), partitions_(std::move(partitions)) {}
  const TaskId& id() const override { return id_; }
  const std::vector<TP>& input_partitions() const override { return partitions_; }
  void initialize() override { ++initialized; }
  bool restore_step() override { return ++restore_calls >= restore_steps; }
  bool restores_state() const override { return stateful; }
  void add_records(const TP& partition, std::span<kafka::Message> records) override {
    buffer[partition] += records.size();
  }
  size_t buffered(const TP& partition) const override {
    auto it = buffer.find(partition);
    return it == buffer.end() ? 0 : it->second;
  }
  size_t process(size_t max_records, std::chrono::steady_clock::time_point) override {
    if (blocked_now) return 0;
    size_t done = 0;
    for (auto& [tp, n] : buffer) {
      const size_t take = std::min(n, max_records - done);
      n -= take;
      done += take;
    }
    processed += done;
    ++process_calls;
    return done;
  }
  bool blocked() const override { return blocked_now; }
  bool punctuate_wall_clock(int64_t) override {
    ++punctuations;
    return punctuation_does_work;
  }
  void prepare_commit() override { ++prepared; }
  bool effects_durable(std::chrono::milliseconds) override { return durable; }
  std::vector<kafka::TopicPartitionOffset> committable_offsets() const override {
    std::vector<kafka::TopicPartitionOffset> out;
    for (const auto& tp : partitions_) out.push_back({tp.topic, tp.partition, 100 + id_.partition});
    return out;
  }
  void post_commit() override { ++post_commits; }
  void delivery_failed(const kafka::DeliveryFailure& failure, const std::string& node) override {
    refused.emplace_back(node, failure.topic);
  }
  void close(bool clean) override {
    if (closes != nullptr) (*closes)[id_] = clean;
    if (throw_on_close) throw std::runtime_error("close failed");
  }

  int restore_steps = 1;
  bool stateful = true;
  int restore_calls = 0;
  int initialized = 0;
  std::map<TP, size_t> buffer;
  size_t processed = 0;
  int process_calls = 0;
  bool blocked_now = false;
  int punctuations = 0;
  bool punctuation_does_work = false;
  int prepared = 0;
  bool durable = true;
  int post_commits = 0;
  std::vector<std::pair<std::string, std::string>> refused;  // (sink node, topic)
  std::map<TaskId, bool>* closes = nullptr;                  // the factory's: outlives the task
  bool throw_on_close = false;

 private:
  TaskId id_;
  std::vector<TP> partitions_;
};

// Sub-topology 0 reads "clicks" and "carts" (co-partitioned), 1 reads "orders"; nothing
// reads "other".
class FakeFactory final : public TaskFactory {
 public:
  std::vector<std::string> source_topics() const override { return {"clicks", "carts", "orders"}; }
  std::optional<TaskId> task_for(const TP& tp) const override {
    if (tp.topic == "clicks" || tp.topic == "carts") return TaskId{0, tp.partition};
    if (tp.topic == "orders") return TaskId{1, tp.partition};
    return std::nullopt;
  }
  std::unique_ptr<Task> create(const TaskId& id, std::vector<TP> partitions,
                               const TaskServices&) override {
    auto task = std::make_unique<FakeTask>(id, std::move(partitions));
    task->restore_steps = restore_steps;
    task->stateful = id.subtopology != stateless_subtopology;
    if (!task->stateful) task->restore_steps = 1;
    task->closes = &closes;
    made[id] = task.get();
    ++created;
    return task;
  }
  int restore_steps = 1;
  int stateless_subtopology = -1;  // its tasks have no changelog
  int created = 0;
  std::map<TaskId, FakeTask*> made;  // the last task made for each id (dangles once closed)
  std::map<TaskId, bool> closes;     // closed tasks: clean or not
};

void feed(Task& task, const TP& tp, size_t n) {
  // FakeTask counts the span's size: hand it n empty messages.
  std::vector<kafka::Message> none;
  for (size_t i = 0; i < n; ++i) none.emplace_back(nullptr);
  task.add_records(tp, none);
}

class TaskManagerTest : public ::testing::Test {
 protected:
  FakeFactory factory;
  TaskServices services{.thread_name = "stream-thread-0"};
  TaskManager tasks{factory, services, nullptr};
};

TEST_F(TaskManagerTest, CreatesOneTaskPerSubtopologyAndPartitionAndIgnoresUnknownTopics) {
  tasks.create({{"clicks", 0}, {"carts", 0}, {"clicks", 1}, {"orders", 0}, {"other", 0}});
  EXPECT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks.task_of({"carts", 0}), tasks.task_of({"clicks", 0}));
  EXPECT_EQ(tasks.task_of({"clicks", 0})->input_partitions().size(), 2u);
  EXPECT_EQ(tasks.task_of({"other", 0}), nullptr);
  EXPECT_EQ(tasks.by_partition().size(), 4u);

  tasks.create({{"clicks", 0}, {"orders", 1}});  // 0_0 is held already
  EXPECT_EQ(tasks.size(), 4u);
  EXPECT_EQ(factory.created, 4);
}

TEST_F(TaskManagerTest, ATaskRestoresBeforeItProcessesOrCommits) {
  factory.restore_steps = 3;
  tasks.create({{"orders", 0}});
  FakeTask& task = *factory.made.at({1, 0});
  feed(task, {"orders", 0}, 5);
  EXPECT_TRUE(tasks.restoring());
  EXPECT_FALSE(tasks.running({1, 0}));

  for (int step = 0; step < 2; ++step) {
    tasks.restore_step();
    EXPECT_EQ(tasks.process(100, 1s), 0u) << "processed while restoring";
    tasks.prepare_commit();
    EXPECT_TRUE(tasks.committable(0ms).offsets.empty());
    EXPECT_FALSE(tasks.punctuate_wall_clock(0));
  }
  EXPECT_EQ(task.prepared, 0);
  EXPECT_EQ(task.punctuations, 0);
  tasks.restore_step();
  EXPECT_FALSE(tasks.restoring());
  EXPECT_EQ(task.initialized, 1) << "initialize() runs once, before the first restore step";
  EXPECT_EQ(task.restore_calls, 3);
  EXPECT_EQ(tasks.process(100, 1s), 5u);
}

TEST_F(TaskManagerTest, AtMostAFewTasksRestoreAtOnceAndStatelessTasksDoNotWait) {
  constexpr int kCap = static_cast<int>(TaskManager::kConcurrentRestores);
  factory.restore_steps = 2;
  factory.stateless_subtopology = 1;
  std::vector<TP> partitions{{"orders", 0}};  // sub-topology 1: stateless
  for (int p = 0; p <= kCap; ++p) partitions.push_back({"clicks", p});
  tasks.create(partitions);
  const auto initialized = [&](int subtopology, int partition) {
    return factory.made.at({subtopology, partition})->initialized;
  };

  tasks.restore_step();
  for (int p = 0; p < kCap; ++p) EXPECT_EQ(initialized(0, p), 1) << "task 0_" << p;
  EXPECT_EQ(initialized(0, kCap), 0) << "one restore more than the cap waits for a turn";
  EXPECT_EQ(initialized(1, 0), 1) << "a task without changelogs never waits";
  EXPECT_TRUE(tasks.running({1, 0}));

  tasks.restore_step();  // the first ones finish, and the waiting one starts in the same step
  for (int p = 0; p < kCap; ++p) EXPECT_TRUE(tasks.running({0, p})) << "task 0_" << p;
  EXPECT_EQ(initialized(0, kCap), 1);
  EXPECT_TRUE(tasks.restoring());
  tasks.restore_step();
  EXPECT_FALSE(tasks.restoring());
}

TEST_F(TaskManagerTest, ProcessesEveryTaskRoundRobinInSlicesUntilTheBuffersAreEmpty) {
  tasks.create({{"clicks", 0}, {"orders", 0}});
  tasks.restore_step();
  feed(*factory.made.at({0, 0}), {"clicks", 0}, 25);
  feed(*factory.made.at({1, 0}), {"orders", 0}, 7);
  EXPECT_TRUE(tasks.has_work());
  EXPECT_EQ(tasks.process(10, 1s), 32u);
  EXPECT_FALSE(tasks.has_work());
  // 0_0 needs three slices of 10 and an empty one; 1_0 gets a turn in each round.
  EXPECT_EQ(factory.made.at({0, 0})->process_calls, 4);
  EXPECT_EQ(factory.made.at({1, 0})->process_calls, 4);
}

TEST_F(TaskManagerTest, ABlockedTaskHasNoWorkForThePoll) {
  tasks.create({{"orders", 0}});
  tasks.restore_step();
  FakeTask& task = *factory.made.at({1, 0});
  feed(task, {"orders", 0}, 3);
  task.blocked_now = true;
  EXPECT_FALSE(tasks.has_work());
  task.blocked_now = false;
  EXPECT_TRUE(tasks.has_work());
}

TEST_F(TaskManagerTest, CommitHoldsBackATaskWhoseSinkHasNotAcknowledged) {
  tasks.create({{"clicks", 0}, {"clicks", 1}});
  tasks.restore_step();
  factory.made.at({0, 1})->durable = false;
  tasks.prepare_commit();
  auto [offsets, held_back] = tasks.committable(0ms);
  ASSERT_EQ(offsets.size(), 1u);
  EXPECT_EQ(offsets[0].partition, 0);
  EXPECT_EQ(offsets[0].offset, 100);
  ASSERT_EQ(held_back.size(), 1u);
  EXPECT_EQ(held_back[0], (TaskId{0, 1}));
  tasks.post_commit();
  EXPECT_EQ(factory.made.at({0, 0})->prepared, 1);
  EXPECT_EQ(factory.made.at({0, 0})->post_commits, 1);
}

TEST_F(TaskManagerTest, PunctuationReportsWhetherAnyTaskDidWork) {
  tasks.create({{"clicks", 0}, {"orders", 0}});
  tasks.restore_step();
  EXPECT_FALSE(tasks.punctuate_wall_clock(1000));
  factory.made.at({1, 0})->punctuation_does_work = true;
  EXPECT_TRUE(tasks.punctuate_wall_clock(2000));
  EXPECT_EQ(factory.made.at({0, 0})->punctuations, 2) << "every task punctuates";
}

TEST_F(TaskManagerTest, PausesAtTheBufferLimitAndResumesBelowHalfOfIt) {
  tasks.create({{"orders", 0}});
  tasks.restore_step();
  FakeTask& task = *factory.made.at({1, 0});
  const TP tp{"orders", 0};
  const auto never = [](const TP&) { return false; };

  feed(task, tp, 99);
  EXPECT_TRUE(tasks.update_pauses(100, never).pause.empty());
  feed(task, tp, 1);
  auto change = tasks.update_pauses(100, never);
  ASSERT_EQ(change.pause.size(), 1u);
  EXPECT_TRUE(tasks.update_pauses(100, never).pause.empty()) << "paused once, not again";

  task.buffer[tp] = 51;  // above half: stays paused (no pause/resume on every poll)
  change = tasks.update_pauses(100, never);
  EXPECT_TRUE(change.pause.empty() && change.resume.empty());
  task.buffer[tp] = 50;
  change = tasks.update_pauses(100, never);
  ASSERT_EQ(change.resume.size(), 1u);
  EXPECT_EQ(change.resume[0], tp);
}

TEST_F(TaskManagerTest, ABlockedTaskAndAPartitionAtItsEndStayPaused) {
  tasks.create({{"clicks", 0}, {"orders", 0}});
  tasks.restore_step();
  factory.made.at({0, 0})->blocked_now = true;
  auto change = tasks.update_pauses(100, [](const TP& tp) { return tp.topic == "orders"; });
  EXPECT_EQ(change.pause.size(), 2u);
  factory.made.at({0, 0})->blocked_now = false;
  change = tasks.update_pauses(100, [](const TP&) { return false; });
  EXPECT_EQ(change.resume.size(), 2u);
}

TEST_F(TaskManagerTest, CloseReleasesOnlyTheTasksOfThePartitionsGiven) {
  tasks.create({{"clicks", 0}, {"carts", 0}, {"orders", 0}});
  tasks.restore_step();
  // Revoking one partition of a task releases the whole task, and all its partitions.
  auto released = tasks.close({{"carts", 0}}, /*clean=*/true);
  EXPECT_EQ(released.size(), 2u);
  ASSERT_EQ(factory.closes.size(), 1u);
  EXPECT_TRUE(factory.closes.at({0, 0})) << "closed clean";
  EXPECT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks.task_of({"clicks", 0}), nullptr);
  EXPECT_NE(tasks.task_of({"orders", 0}), nullptr);
}

TEST_F(TaskManagerTest, AClosedTaskForgetsItsPauses) {
  tasks.create({{"orders", 0}});
  tasks.restore_step();
  feed(*factory.made.at({1, 0}), {"orders", 0}, 200);
  ASSERT_EQ(tasks.update_pauses(100, nullptr).pause.size(), 1u);
  tasks.close({{"orders", 0}}, /*clean=*/false);
  EXPECT_TRUE(tasks.clear_pauses().empty());
}

TEST_F(TaskManagerTest, CloseAllClosesEveryTaskWhenOneThrowsAndRethrows) {
  tasks.create({{"clicks", 0}, {"orders", 0}, {"orders", 1}});
  factory.made.at({0, 0})->throw_on_close = true;
  EXPECT_THROW(tasks.close_all(/*clean=*/false), std::runtime_error);
  EXPECT_EQ(factory.closes.size(), 3u);
  for (const auto& [id, clean] : factory.closes) EXPECT_FALSE(clean) << id.str();
  EXPECT_TRUE(tasks.empty());
  EXPECT_TRUE(tasks.by_partition().empty());
  EXPECT_FALSE(tasks.restoring());
}

TEST_F(TaskManagerTest, ClearPausesReturnsWhatWasPaused) {
  tasks.create({{"clicks", 0}, {"orders", 0}});
  tasks.restore_step();
  feed(*factory.made.at({1, 0}), {"orders", 0}, 100);
  tasks.update_pauses(100, nullptr);
  const auto was = tasks.clear_pauses();
  ASSERT_EQ(was.size(), 1u);
  EXPECT_EQ(was[0], (TP{"orders", 0}));
  EXPECT_TRUE(tasks.clear_pauses().empty());
}

// Records the order of the observer's calls against the factory's creations and closes.
class RecordingObserver final : public ActiveTaskObserver {
 public:
  explicit RecordingObserver(std::vector<std::string>& log) : log_(log) {}
  void before_active(const TaskId& id) override { log_.push_back("before " + id.str()); }
  void after_active(const TaskId& id) override { log_.push_back("after " + id.str()); }

 private:
  std::vector<std::string>& log_;
};

TEST(TaskManagerObserver, IsToldBeforeATaskIsCreatedAndAfterItClosedEvenWhenCloseThrows) {
  FakeFactory factory;
  TaskServices services{.thread_name = "stream-thread-0"};
  std::vector<std::string> log;
  RecordingObserver observer(log);
  TaskManager tasks(factory, services, nullptr, &observer);
  tasks.create({{"orders", 0}, {"orders", 1}});
  ASSERT_EQ(log, (std::vector<std::string>{"before 1_0", "before 1_1"}));
  EXPECT_EQ(factory.created, 2);
  tasks.close({{"orders", 0}}, /*clean=*/true);
  EXPECT_EQ(log.back(), "after 1_0");
  factory.made.at({1, 1})->throw_on_close = true;
  EXPECT_THROW(tasks.close_all(/*clean=*/false), std::runtime_error);
  EXPECT_EQ(log.back(), "after 1_1") << "a failed close still hands the folder back";
}

// DeliveryFailures: a refused record reaches the task and sink that sent it, or ends the
// processing when no handler may skip it.
namespace delivery {
constexpr int kMessageTooLarge = 10;  // RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE: for good
constexpr int kTimedOut = -192;       // RD_KAFKA_RESP_ERR__MSG_TIMED_OUT: may pass

kafka::DeliveryFailure refused(const void* tag, int code, std::string topic = "out") {
  return kafka::DeliveryFailure{.topic = std::move(topic),
                                .partition = 0,
                                .error_code = code,
                                .error = "refused",
                                .failure_tag = tag};
}
}  // namespace delivery

TEST_F(TaskManagerTest, ARefusedRecordReachesTheTaskAndSinkThatSentIt) {
  tasks.create({{"clicks", 0}, {"orders", 1}});
  DeliveryFailures failures(/*exactly_once=*/false, 0);
  const std::string sink = "to-out";
  const void* tag = failures.tag({1, 1}, &sink);
  EXPECT_EQ(failures.tag({1, 1}, &sink), tag);  // one tag per task and node, kept
  EXPECT_NE(failures.tag({0, 0}, &sink), tag);

  failures.handle({delivery::refused(tag, delivery::kMessageTooLarge, "big")}, tasks);
  EXPECT_EQ(factory.made.at({1, 1})->refused,
            (std::vector<std::pair<std::string, std::string>>{{"to-out", "big"}}));
  EXPECT_TRUE(factory.made.at({0, 0})->refused.empty());
}

TEST_F(TaskManagerTest, ARefusedRecordOfATaskClosedSinceIsDroppedItsInputIsReadAgain) {
  tasks.create({{"orders", 0}});
  DeliveryFailures failures(/*exactly_once=*/false, 0);
  const std::string sink = "to-out";
  const void* tag = failures.tag({1, 0}, &sink);
  tasks.close({{"orders", 0}}, /*clean=*/false);
  EXPECT_NO_THROW(failures.handle({delivery::refused(tag, delivery::kMessageTooLarge)}, tasks));
}

TEST_F(TaskManagerTest, NoHandlerMaySkipAChangelogOrDeadLetterRecord) {
  tasks.create({{"orders", 0}});
  DeliveryFailures failures(/*exactly_once=*/false, 0);
  const void* dead_letter = failures.tag({1, 0}, nullptr);
  for (const void* tag : {static_cast<const void*>(nullptr), dead_letter}) {
    try {
      failures.handle({delivery::refused(tag, delivery::kMessageTooLarge)}, tasks);
      ADD_FAILURE() << "a record no handler may skip was skipped";
    } catch (const KafkaError& e) {
      EXPECT_FALSE(e.retriable());
      EXPECT_EQ(e.code(), delivery::kMessageTooLarge);
    }
  }
  EXPECT_TRUE(factory.made.at({1, 0})->refused.empty());
}

TEST_F(TaskManagerTest,
       UnderExactlyOnceARefusedRecordFailsTheTransactionRetriablyIfTheCauseMayPass) {
  tasks.create({{"orders", 0}});
  DeliveryFailures failures(/*exactly_once=*/true, 0);
  const std::string sink = "to-out";
  const void* tag = failures.tag({1, 0}, &sink);
  for (const auto& [code, retriable] :
       {std::pair{delivery::kTimedOut, true}, std::pair{delivery::kMessageTooLarge, false}}) {
    try {
      failures.handle({delivery::refused(tag, code)}, tasks);
      ADD_FAILURE() << "code " << code << ": the transaction would have committed";
    } catch (const KafkaError& e) {
      EXPECT_EQ(e.retriable(), retriable) << "code " << code << ": " << e.what();
    }
  }
  // The production handler is not asked: nothing of the transaction can commit.
  EXPECT_TRUE(factory.made.at({1, 0})->refused.empty());
}

}  // namespace
}  // namespace eddy::runtime
