#include "runtime/streams_runtime.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "kafka/consumer.h"
#include "runtime/instance_metrics.h"
#include "runtime/state_dir_lock.h"
#include "state/memory_budget.h"
#include "state/restore/state_directory.h"

namespace eddy::runtime {
namespace {
using State = KafkaStreams::State;

std::string random_process_id() {
  std::random_device device;
  std::mt19937_64 rng(device());
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(rng()));
  return buffer;
}

// The instance's process id, kept in <state.dir>/<application.id>/process-id so a restarted
// instance reuses its transactional.id: its first init_transactions() then fences the dead
// instance's producer and aborts its open transaction at once, instead of read_committed
// consumers waiting for transaction.timeout.ms.
// The caller holds the folder's instance lock, so no other instance reads or writes the file.
std::string persistent_process_id(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  const fs::path file = dir / "process-id";
  if (std::ifstream in(file); in) {
    std::string id;
    if (std::getline(in, id) && id.size() == 16) return id;
  }
  std::string id = random_process_id();
  std::ofstream out(file, std::ios::trunc);
  out << id << "\n";
  if (!out) throw StateStoreError("cannot write " + file.string());
  return id;
}

bool valid_transition(State from, State to) {
  switch (from) {
    case State::kCreated:
      return to == State::kRebalancing || to == State::kPendingShutdown || to == State::kError;
    case State::kRebalancing:
    case State::kRunning:
      return to == State::kRebalancing || to == State::kRunning || to == State::kPendingShutdown ||
             to == State::kError;
    case State::kPendingShutdown:
      return to == State::kNotRunning;
    case State::kNotRunning:
      return false;
    case State::kError:
      return to == State::kPendingShutdown;
  }
  return false;
}
}  // namespace

StreamsRuntime::StreamsRuntime(std::shared_ptr<TaskFactory> factory, TopicPlanner plan_topics,
                               StreamsConfig config)
    : factory_(std::move(factory)),
      plan_topics_(std::move(plan_topics)),
      config_(std::move(config)) {
  register_instance_metrics(*registry_, records_total_,
                            [this] { return static_cast<double>(static_cast<int>(state())); });
  // The budget's one process-wide effect (mallopt) happens only when the user opted in.
  budget_ = std::make_unique<state::MemoryBudget>(
      state::MemoryBudgetOptions{.total_bytes = config_.memory_budget_bytes,
                                 .record_cache_bytes = config_.cache_max_bytes,
                                 .return_freed_memory_to_os = config_.malloc_return_freed_memory});
  register_memory_metrics(*registry_, *budget_);
  for (const auto& sink : factory_->feature_sinks()) register_sink_metrics(*registry_, sink);
  factory_->declare_stores(stores_);
  // As Kafka Streams: only a RUNNING instance answers; while partitions move (REBALANCING)
  // a task's store may be half-restored or about to be closed, so the caller retries.
  stores_.set_gate([this](const std::string& store) {
    const State now = state();
    if (now == State::kRunning) return;
    if (now == State::kRebalancing) {
      throw InvalidStateStoreError("cannot query store '" + store +
                                   "': the instance is REBALANCING, not RUNNING; retry once it "
                                   "is RUNNING");
    }
    throw InvalidStateStoreError("cannot query store '" + store + "': the instance is " +
                                 KafkaStreams::state_name(now) + " and its stores are closed");
  });
}

StreamsRuntime::~StreamsRuntime() {
  // KafkaStreams does not destroy a runtime whose threads are still running (it abandons
  // it); a thread that ended meanwhile is joined here.
  close(std::chrono::seconds(30));
  // Some metrics read this object when collected: a host that keeps metrics_source() (or the
  // collectable made from it) past this point collects nothing, rather than a dead instance.
  registry_->clear();
}

void StreamsRuntime::set_state_listener(KafkaStreams::StateListener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

void StreamsRuntime::set_uncaught_error_handler(KafkaStreams::UncaughtErrorHandler handler) {
  std::lock_guard lock(mutex_);
  error_handler_ = std::move(handler);
}

void StreamsRuntime::transition(State to) {
  KafkaStreams::StateListener listener;
  State from;
  {
    std::lock_guard lock(mutex_);
    from = state_;
    if (from == to || !valid_transition(from, to)) return;
    state_ = to;
    listener = listener_;
  }
  state_changed_.notify_all();
  EDDY_LOG_INFO("state {} -> {}", KafkaStreams::state_name(from), KafkaStreams::state_name(to));
  if (listener) listener(from, to);
}

void StreamsRuntime::start() {
  if (state() != State::kCreated)
    throw Error("KafkaStreams::start() may be called once, in state CREATED");
  config_.validate();
  {
    std::string values;
    for (const auto& [key, value] : config_.redacted_properties()) {
      values += "\n\t" + key + " = " + value;
    }
    EDDY_LOG_INFO("StreamsConfig values:{}", values);
  }
  // The state folder first: an instance that cannot keep state must not create the internal
  // topics of an application that will not run.
  const std::filesystem::path state_folder =
      std::filesystem::path(config_.state_dir) / config_.application_id;
  {
    std::error_code ec;
    std::filesystem::create_directories(state_folder, ec);
    if (ec) {
      throw StateStoreError("cannot create state directory " + state_folder.string() + ": " +
                            ec.message());
    }
    std::filesystem::permissions(state_folder, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  // Locked before the process-id is read: two instances on one folder would share it, so a
  // transactional.id, and fence each other. Held until close().
  state_dir_lock_ = std::make_unique<StateDirLock>(state_folder.string());
  const std::string process_id = persistent_process_id(state_folder);
  {
    kafka::Admin admin(kafka::client_properties(config_, kafka::ClientKind::kAdmin),
                       std::chrono::seconds(10));
    admin.list_topics();  // fails fast, with the bootstrap servers named, when no broker answers
    if (plan_topics_)
      ensure_internal_topics(admin, plan_topics_(admin), config_.replication_factor);
  }
  if (config_.metrics_port > 0) {
    endpoint_ = std::make_unique<metrics::PrometheusEndpoint>(registry_, config_.metrics_host,
                                                              config_.metrics_port);
    EDDY_LOG_INFO("metrics: serving Prometheus text on http://{}:{}/metrics", config_.metrics_host,
                  config_.metrics_port);
  }
  if (config_.run_until_end) {
    auto ends = source_end_offsets();
    int64_t records = 0;
    for (const auto& [tp, end] : ends) records += end;
    EDDY_LOG_INFO(
        "bounded run: reading {} source partition(s) up to their end offsets now ({} "
        "offsets in all), then stopping",
        ends.size(), records);
    bounded_ = std::make_unique<BoundedRun>(std::move(ends), config_.num_stream_threads,
                                            [this] { on_bounded_end(); });
  }
  if (const int replicas = config_.num_standby_replicas; replicas > 0) {
    standbys_ = std::make_unique<StandbyTasks>(StandbyTasksOptions{.config = config_,
                                                                   .process_id = process_id,
                                                                   .replicas = replicas,
                                                                   .factory = factory_.get(),
                                                                   .metrics = registry_.get(),
                                                                   .memory_budget = budget_.get()});
  }
  thread_rebalancing_.assign(static_cast<size_t>(config_.num_stream_threads), true);
  transition(State::kRebalancing);
  std::lock_guard threads_lock(threads_mutex_);
  for (int i = 0; i < config_.num_stream_threads; ++i) {
    threads_.push_back(std::make_unique<StreamThread>(StreamThreadOptions{
        .config = config_,
        .index = i,
        .process_id = process_id,
        .factory = factory_.get(),
        .on_error = [this](int index,
                           const std::exception_ptr& error) { on_thread_error(index, error); },
        .on_rebalance = [this](int index,
                               bool rebalancing) { on_thread_rebalance(index, rebalancing); },
        .metrics = registry_.get(),
        .instance_records = &records_total_,
        .memory_budget = budget_.get(),
        .store_registry = &stores_,
        .bounded = bounded_.get(),
        .standbys = standbys_.get(),
        .on_stopped = [this](int index) { on_thread_stopped(index); }}));
  }
  for (auto& thread : threads_) thread->start();
  if (standbys_) standbys_->start();
}

std::map<kafka::TopicPartition, int64_t> StreamsRuntime::source_end_offsets() {
  // A consumer that never subscribes joins no group: it only asks for watermarks.
  kafka::Consumer consumer(kafka::ConsumerOptions{
      .properties = kafka::client_properties(config_, kafka::ClientKind::kConsumer),
      .group_id = config_.application_id,
      .cooperative = false,
      .read_committed = config_.exactly_once(),
      .listener = nullptr});
  const auto counts = consumer.topic_partitions(std::chrono::seconds(10));
  std::map<kafka::TopicPartition, int64_t> ends;
  for (const auto& topic : factory_->source_topics()) {
    if (factory_->is_repartition_topic(topic)) continue;
    auto it = counts.find(topic);
    if (it == counts.end()) continue;  // start() checked the source topics already
    for (int32_t p = 0; p < it->second; ++p) {
      kafka::TopicPartition tp{topic, p};
      ends[tp] = consumer.watermarks(tp, std::chrono::seconds(10)).second;
    }
  }
  consumer.close();
  return ends;
}

void StreamsRuntime::on_bounded_end() {
  EDDY_LOG_INFO(
      "bounded run: every source partition read to its end offset and committed; "
      "shutting down");
  transition(State::kPendingShutdown);
  std::lock_guard threads_lock(threads_mutex_);
  for (auto& thread : threads_) thread->request_shutdown();
}

void StreamsRuntime::on_thread_stopped(int /*index*/) {
  // A bounded run ends on its own: NOT_RUNNING once every thread stopped (close() still joins
  // them). A thread stopped by close() leaves the transition to close().
  if (!bounded_ || !bounded_->ended()) return;
  {
    std::lock_guard threads_lock(threads_mutex_);
    for (const auto& thread : threads_)
      if (thread->alive()) return;
  }
  transition(State::kNotRunning);
}

void StreamsRuntime::clean_up() {
  const State now = state();
  if (now != State::kCreated && now != State::kNotRunning) {
    throw Error(std::string("KafkaStreams::clean_up() may be called only before start() or after "
                            "close(); the instance is ") +
                KafkaStreams::state_name(now));
  }
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(config_.state_dir) / config_.application_id;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return;
  // Another instance running on this folder (another process) is refused, naming its pid.
  const StateDirLock instance_lock(dir.string());
  int removed = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    // Kept, as Kafka Streams keeps its process file: the transactional.id, and instance locks.
    if (name == "process-id" || name.ends_with(".lock")) continue;
    if (entry.is_directory()) {
      // A task folder another instance on this state.dir holds is refused (StateStoreError),
      // not deleted under it; the lock is held while the folder goes.
      auto lock =
          state::TaskDirectoryLock::acquire(config_.state_dir, config_.application_id, name);
      fs::remove_all(entry.path(), ec);
    } else {
      fs::remove(entry.path(), ec);
    }
    if (ec)
      throw StateStoreError("clean_up: cannot delete " + entry.path().string() + ": " +
                            ec.message());
    ++removed;
  }
  EDDY_LOG_INFO("clean_up: deleted {} local state folder(s) and file(s) of '{}' under {}", removed,
                config_.application_id, dir.string());
}

bool StreamsRuntime::wait_until_stopped(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return state_changed_.wait_for(
      lock, timeout, [this] { return state_ == State::kNotRunning || state_ == State::kError; });
}

void StreamsRuntime::on_thread_rebalance(int index, bool rebalancing) {
  bool all_running = true;
  {
    std::lock_guard lock(mutex_);
    thread_rebalancing_[static_cast<size_t>(index)] = rebalancing;
    for (bool r : thread_rebalancing_) all_running = all_running && !r;
  }
  transition(all_running ? State::kRunning : State::kRebalancing);
}

void StreamsRuntime::on_thread_error(int index, const std::exception_ptr& error) {
  std::string what = "unknown error";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
  }
  EDDY_LOG_ERROR("stream-thread-{} died: {}", index, what);
  KafkaStreams::UncaughtErrorHandler handler;
  {
    std::lock_guard lock(mutex_);
    handler = error_handler_;
  }
  const bool keep_running = handler ? handler(error) : false;
  if (keep_running) return;
  transition(State::kError);
  for (auto& thread : threads_) thread->request_shutdown();
}

bool StreamsRuntime::close(std::chrono::milliseconds timeout) {
  std::lock_guard close_lock(close_mutex_);
  {
    // A bounded run may be NOT_RUNNING with its (ended) threads still to be joined.
    std::lock_guard threads_lock(threads_mutex_);
    if (state() == State::kNotRunning && threads_.empty()) return true;
  }
  transition(State::kPendingShutdown);
  for (auto& thread : threads_) thread->request_shutdown();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<int> stuck;
  for (size_t i = 0; i < threads_.size(); ++i) {
    while (threads_[i]->alive() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (threads_[i]->alive()) stuck.push_back(static_cast<int>(i));
  }
  if (!stuck.empty()) {
    // As Kafka Streams: close(timeout) returns by its deadline. The threads that could not
    // stop (e.g. a call into Kafka that waits for a broker) are left running and asked to
    // stop; the instance stays PENDING_SHUTDOWN, and a later close() waits for them again.
    std::string names;
    for (int i : stuck)
      names += (names.empty() ? "" : ", ") + ("stream-thread-" + std::to_string(i));
    EDDY_LOG_ERROR(
        "close: {} still running after {} ms; returning without them (they stop on their own "
        "or are abandoned with the process)",
        names, timeout.count());
    return false;
  }
  for (auto& thread : threads_) thread->join();
  {
    // records_processed() may be reading the threads: keep their final count for it.
    std::lock_guard lock(threads_mutex_);
    for (const auto& thread : threads_) {
      records_processed_at_close_ += thread->stats().records_processed.load();
    }
    threads_.clear();
  }
  if (standbys_) standbys_->stop();  // closes the standbys with their checkpoints
  endpoint_.reset();
  state_dir_lock_.reset();  // after the threads: their stores and checkpoints are closed
  transition(State::kNotRunning);
  return true;
}

QueryableStores& StreamsRuntime::queryable_stores(const std::string& name, StoreKind kind) {
  stores_.check_store(name, kind);  // an unknown name first, whatever the state (as Kafka)
  const State now = state();
  if (now == State::kCreated) {
    throw StateStoreError("cannot query store '" + name +
                          "': the instance has not been started; call start() first");
  }
  if (now != State::kRunning && now != State::kRebalancing) {
    throw StateStoreError("cannot query store '" + name + "': the instance is " +
                          KafkaStreams::state_name(now) + " and its stores are closed");
  }
  return stores_;
}

State StreamsRuntime::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

int64_t StreamsRuntime::records_processed() const {
  std::lock_guard lock(threads_mutex_);
  int64_t total = records_processed_at_close_;
  for (const auto& thread : threads_) total += thread->stats().records_processed.load();
  return total;
}

}  // namespace eddy::runtime
