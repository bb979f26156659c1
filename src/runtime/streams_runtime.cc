#include "runtime/streams_runtime.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "runtime/instance_metrics.h"
#include "state/memory_budget.h"

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
std::string persistent_process_id(const StreamsConfig& config) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(config.state_dir) / config.application_id;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    throw StateStoreError("cannot create state directory " + dir.string() + ": " + ec.message());
  fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
  const fs::path file = dir / "process-id";
  if (std::ifstream in(file); in) {
    std::string id;
    if (std::getline(in, id) && id.size() == 16) return id;
  }
  const std::string id = random_process_id();
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
  for (auto& sink : factory_->feature_sinks()) register_sink_metrics(*registry_, std::move(sink));
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
  const std::string process_id = persistent_process_id(config_);
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
  thread_rebalancing_.assign(static_cast<size_t>(config_.num_stream_threads), true);
  transition(State::kRebalancing);
  std::lock_guard threads_lock(threads_mutex_);
  for (int i = 0; i < config_.num_stream_threads; ++i) {
    threads_.push_back(std::make_unique<StreamThread>(StreamThreadOptions{
        .config = config_,
        .index = i,
        .process_id = process_id,
        .factory = factory_.get(),
        .on_error = [this](int index, std::exception_ptr error) { on_thread_error(index, error); },
        .on_rebalance = [this](int index,
                               bool rebalancing) { on_thread_rebalance(index, rebalancing); },
        .metrics = registry_.get(),
        .instance_records = &records_total_,
        .memory_budget = budget_.get(),
        .store_registry = &stores_}));
  }
  for (auto& thread : threads_) thread->start();
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

void StreamsRuntime::on_thread_error(int index, std::exception_ptr error) {
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
  const State current = state();
  if (current == State::kNotRunning) return true;
  transition(State::kPendingShutdown);
  for (auto& thread : threads_) thread->request_shutdown();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool finished = true;
  for (auto& thread : threads_) {
    while (thread->alive() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    finished = finished && !thread->alive();
  }
  if (!finished) {
    EDDY_LOG_WARN("close: threads still running after {} ms; waiting for them", timeout.count());
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
  endpoint_.reset();
  transition(State::kNotRunning);
  return finished;
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
