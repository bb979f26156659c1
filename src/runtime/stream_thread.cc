#include "runtime/stream_thread.h"

#include <algorithm>

#include "common/heap.h"
#include "common/log.h"
#include "common/log_throttle.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "kafka/error.h"
#include "runtime/standby_placement.h"
#include "runtime/standby_tasks.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxPollRecords = 2000;
constexpr size_t kProcessBatchPerTask = 1000;
constexpr auto kProcessTimeBudget = 50ms;  // per loop turn, before polling again
constexpr auto kClientTimeout = 30s;
// Bounds on the exactly-once recovery path, which must never hold the poll loop for long:
// an abort, and a re-created producer's init_transactions() (retried a second later while
// the broker is away).
constexpr auto kAbortTimeout = 5s;
constexpr auto kProducerInitTimeout = 10s;
constexpr auto kRewindRetryDelay = 1s;
// How often the process hands freed heap back to the OS (common/heap.h): below a millisecond
// for an instance of tens of MiB, and a minute of steady-state frees is what it keeps.
constexpr auto kHeapTrimInterval = 60s;
constexpr int kMaxRecoveries = 10;        // client re-creations before the thread gives up
constexpr auto kMetricsTick = 100ms;      // lag and CPU gauges refresh, summary log check
constexpr auto kEndCheckInterval = 50ms;  // bounded runs: how often an idle thread looks

// "orders-0, orders-1" for rebalance log lines.
std::string partition_list(const std::vector<kafka::TopicPartition>& partitions) {
  std::string out;
  for (const auto& tp : partitions) {
    if (!out.empty()) out += ", ";
    out += tp.topic + "-" + std::to_string(tp.partition);
  }
  return out;
}

// One transactional producer per thread (EOS v2); zombies are fenced through the consumer
// group metadata sent with the offsets. Empty under at-least-once.
std::string transactional_id(const StreamThreadOptions& options) {
  if (!options.config.exactly_once()) return {};
  return options.config.application_id + "-" + options.process_id + "-" +
         std::to_string(options.index);
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

StreamThread::StreamThread(StreamThreadOptions options)
    : options_(std::move(options)),
      producer_(options_.config, transactional_id(options_)),
      delivery_failures_(options_.config.exactly_once(), options_.index) {
  purger_ = std::make_unique<RepartitionPurger>(options_.config,
                                                [factory = options_.factory](const std::string& t) {
                                                  return factory->is_repartition_topic(t);
                                                });
  services_.config = &options_.config;
  services_.application_id = options_.config.application_id;
  services_.acknowledged_slot = [this](const std::string& topic, int32_t partition) {
    return &acknowledged_.try_emplace({topic, partition}, -1).first->second;
  };
  services_.state_dir = options_.config.state_dir;
  services_.exactly_once = options_.config.exactly_once();
  services_.thread_name = "stream-thread-" + std::to_string(options_.index);
  services_.memory_budget = options_.memory_budget;
  services_.store_registry = options_.store_registry;
  services_.deserialization_handler = options_.config.error_handler(ErrorKind::kDeserialization);
  services_.processing_handler = options_.config.error_handler(ErrorKind::kProcessing);
  services_.production_handler = options_.config.error_handler(ErrorKind::kProduction);
  services_.delivery_tag = [this](const TaskId& task, const std::string* node) {
    return delivery_failures_.tag(task, node);
  };
  if (options_.bounded != nullptr) {
    bounded_ = std::make_unique<BoundedReading>(*options_.bounded, options_.config);
  }
  if (options_.metrics != nullptr) {
    services_.metrics = options_.metrics;
    metrics_ = std::make_unique<ThreadMetrics>(*options_.metrics, services_.thread_name,
                                               options_.config.metrics_log_interval,
                                               options_.instance_records);
  }
  tasks_ = std::make_unique<TaskManager>(*options_.factory, services_, metrics_.get(),
                                         options_.standbys);
}

StreamThread::~StreamThread() {
  request_shutdown();
  join();
}

void StreamThread::start() {
  alive_ = true;
  thread_ = std::thread([this] { run(); });
}

void StreamThread::join() {
  if (thread_.joinable()) thread_.join();
}

void StreamThread::create_clients() {
  create_producer(kClientTimeout);
  const StreamsConfig& config = options_.config;
  kafka::ConsumerOptions consumer_options{
      .properties = kafka::client_properties(config, kafka::ClientKind::kConsumer),
      .group_id = config.application_id,
      .cooperative = false,
      .read_committed = config.exactly_once(),
      .listener = this};
  // The process id in the member's client id tells the standby placement which members are
  // threads of one instance (standby_placement.h).
  consumer_options.properties["client.id"] =
      member_client_id(config, options_.process_id, options_.index);
  if (!config.group_instance_id.empty()) {
    consumer_options.properties["group.instance.id"] =
        config.group_instance_id + "-" + std::to_string(options_.index);
  }
  consumer_ = std::make_unique<kafka::Consumer>(std::move(consumer_options));
}

void StreamThread::create_producer(std::chrono::milliseconds init_timeout) {
  services_.producer = nullptr;
  producer_.create(init_timeout);
  services_.producer = producer_.get();
}

void StreamThread::run() {
  const std::string name = "stream-thread-" + std::to_string(options_.index);
  int recoveries = 0;
  for (;;) {
    try {
      if (!global_tables_ && options_.factory->global_tables_plan()) {
        // The first thread's copy answers interactive queries.
        auto global = std::make_unique<GlobalTables>(
            options_.factory->global_tables_plan(), options_.config, options_.index,
            options_.memory_budget, options_.index == 0 ? options_.store_registry : nullptr);
        // Tasks see the whole of every global table before their first record.
        if (!global->bootstrap(shutdown_requested_)) {
          alive_ = false;  // shut down while loading: nothing else was started
          return;
        }
        global_tables_ = std::move(global);
        services_.global_stores = &global_tables_->stores();
      }
      if (!consumer_) {
        create_clients();
        consumer_->subscribe(options_.factory->source_topics());
        last_commit_ = Clock::now();
        EDDY_LOG_INFO("{}: running, subscribed to {} topic(s)", name,
                      options_.factory->source_topics().size());
      }
      while (!shutdown_requested_) run_once();
      EDDY_LOG_INFO("{}: shutting down: committing {} task(s)", name, tasks_->size());
      commit_all(/*force=*/true, /*releasing=*/true);
      close_all(/*clean=*/true);
      consumer_->close();
      if (global_tables_) global_tables_->close();
      EDDY_LOG_INFO("{}: stopped after {} records, {} commits", name,
                    stats_.records_processed.load(), stats_.commits.load());
      alive_ = false;
      if (options_.on_stopped) options_.on_stopped(options_.index);
      return;
    } catch (const KafkaError& e) {
      // A fenced or fatally failed client (e.g. a static member fenced after a broker outage
      // outlasted its session) cannot go on, but a new one can: as Kafka Streams replaces a
      // dead thread, the tasks are closed dirty (rebuilt from their changelogs) and the
      // clients recreated. Retriable errors that escaped the commit path are treated alike.
      if (shutdown_requested_ || ++recoveries > kMaxRecoveries || !(e.fatal() || e.retriable())) {
        fail(name);
        return;
      }
      EDDY_LOG_WARN("{}: {}; recovering (attempt {} of {}): tasks closed dirty, clients recreated",
                    name, e.what(), recoveries, kMaxRecoveries);
      discard_clients();
      std::this_thread::sleep_for(std::chrono::seconds(1));
    } catch (...) {
      fail(name);
      return;
    }
  }
}

void StreamThread::fail(const std::string& name) {
  EDDY_LOG_ERROR("{}: failed; releasing its tasks", name);
  const std::exception_ptr error = std::current_exception();
  discard_clients();
  alive_ = false;
  if (options_.on_error) options_.on_error(options_.index, error);
}

void StreamThread::discard_clients() {
  try {
    producer_.abort(kAbortTimeout);
  } catch (const std::exception& e) {
    EDDY_LOG_DEBUG("abort_transaction while discarding clients: {}", e.what());
  }
  try {
    close_all(/*clean=*/false);
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("closing tasks dirty: {}", e.what());
  }
  consumer_.reset();
  services_.producer = nullptr;
  producer_.reset();
  assigned_ = false;
}

void StreamThread::handle_delivery_failures() {
  if (producer_.get() != nullptr) delivery_failures_.handle(producer_->take_failures(), *tasks_);
}

void StreamThread::run_once() {
  // Restoring tasks need the loop to come round again at once, as do buffered records.
  const auto poll_timeout =
      tasks_->has_work() || tasks_->restoring() ? 0ms : options_.config.poll_interval;
  const auto poll_start = Clock::now();
  consumer_->poll_batch(kMaxPollRecords, poll_timeout, poll_buffer_);
  if (metrics_) metrics_->poll_took(Clock::now() - poll_start);
  if (rewind_pending_) finish_rewind();
  route(poll_buffer_);
  if (global_tables_) global_tables_->poll();
  try {
    tasks_->restore_step();
    begin_transaction_if_needed();
    const auto processed =
        static_cast<int64_t>(tasks_->process(kProcessBatchPerTask, kProcessTimeBudget));
    stats_.records_processed += processed;
    processed_since_commit_ += processed;
    if (metrics_) metrics_->records_processed(processed);
    handle_delivery_failures();
    const auto punctuate_start = Clock::now();
    const int64_t now_ms = wall_clock_ms();
    // Work done without records (a punctuator's output, a TTL expiry on an idle partition)
    // must not wait for the next record to be committed: a cached expiry leaves its cache
    // only at a commit, and under exactly-once its tombstones sit in an open transaction.
    if (tasks_->punctuate_wall_clock(now_ms)) {
      processed_since_commit_ = std::max<int64_t>(processed_since_commit_, 1);
    }
    if (metrics_) metrics_->punctuate_took(Clock::now() - punctuate_start);
    update_pauses();
    maybe_commit();
    check_bounded_end(processed);
  } catch (const KafkaError& e) {
    // Exactly-once: a send refused because the transaction became abortable (a delivery
    // timed out in an outage) or the producer was fenced: redo the work in a new one.
    if (!recoverable_transaction_error(e)) throw;
    abandon_transaction(e.what(), e.fatal());
  }
  tick_metrics(Clock::now());
}

void StreamThread::check_bounded_end(int64_t processed) {
  BoundedRun* run = options_.bounded;
  if (run == nullptr || shutdown_requested_) return;
  if (processed > 0) {
    run->touched();
    return;
  }
  const auto now = Clock::now();
  if (now - last_end_check_ < kEndCheckInterval) return;
  last_end_check_ = now;
  const int64_t seen = run->activity();
  // Mid-rewind (exactly-once recovery) the thread holds no tasks for a while: not at its end.
  const bool at_end = assigned_ && !rewind_pending_ && !tasks_->restoring() &&
                      bounded_->read_to_end(*consumer_, *tasks_);
  if (at_end && processed_since_commit_ > 0) {
    commit_all(/*force=*/true);  // touches the run: every thread looks again after it
    return;
  }
  run->report(options_.index, at_end, seen);
}

void StreamThread::tick_metrics(Clock::time_point now) {
  if (!metrics_ || now - last_metrics_tick_ < kMetricsTick) return;
  last_metrics_tick_ = now;
  // Lag from the consumer's cached watermarks: no broker round trip.
  for (const auto& [tp, task] : tasks_->by_partition()) metrics_->lag(tp, consumer_->lag(tp));
  metrics_->group_generation(consumer_->group_generation());
  metrics_->tick(now);
}

void StreamThread::route(std::vector<kafka::Message>& records) {
  // Records of one partition arrive in offset order and mostly in runs: hand each run to its
  // task in one call, looking the task up once per run.
  size_t start = 0;
  while (start < records.size()) {
    const void* topic_id = records[start].topic_id();
    const int32_t partition = records[start].partition();
    size_t end = start + 1;
    while (end < records.size() && records[end].partition() == partition &&
           records[end].topic_id() == topic_id) {
      ++end;
    }
    const std::string_view topic = records[start].topic();
    kafka::TopicPartition tp{std::string(topic), partition};
    if (Task* task = tasks_->task_of(tp)) {
      std::span<kafka::Message> run(records.data() + start, end - start);
      if (bounded_) bounded_->drop_past_end(tp, run);
      if (!run.empty()) task->add_records(tp, run);
    }
    // Else a record of a partition no longer assigned (fetched before a revoke): dropped;
    // it is re-read by whoever owns the partition now, from the committed offset.
    start = end;
  }
  records.clear();
}

void StreamThread::update_pauses() {
  const auto limit = static_cast<size_t>(options_.config.buffered_records_per_partition);
  // A bounded run's partition read to its end offset stays paused: nothing past it is wanted.
  const auto change = tasks_->update_pauses(
      limit, [this](const kafka::TopicPartition& tp) { return bounded_ && bounded_->at_end(tp); });
  if (!change.pause.empty()) consumer_->pause(change.pause);
  if (!change.resume.empty()) consumer_->resume(change.resume);
}

void StreamThread::begin_transaction_if_needed() {
  if (!tasks_->empty()) producer_.begin_if_needed();
}

void StreamThread::maybe_commit() {
  const bool due = Clock::now() - last_commit_ >= options_.config.effective_commit_interval();
  if (!due && !commit_requested_) return;
  commit_all(/*force=*/commit_requested_);
  common::return_free_heap_memory_at_most_every(kHeapTrimInterval);
}

void StreamThread::commit_all(bool force, bool releasing) {
  const auto start = Clock::now();
  last_commit_ = start;
  commit_requested_ = false;
  if (tasks_->empty() || (!force && processed_since_commit_ == 0)) return;
  const int64_t processed = std::exchange(processed_since_commit_, 0);
  tasks_->prepare_commit();
  // A task's feature-sink updates must be acknowledged before its offsets commit. Wait a
  // little for a healthy sink; one that is down answers at once (and the task keeps its
  // last committed offsets, so nothing is lost: its records are re-read after a crash).
  const auto sink_wait =
      std::clamp<std::chrono::milliseconds>(options_.config.effective_commit_interval() / 2,
                                            std::chrono::milliseconds(10), std::chrono::seconds(5));
  auto [offsets, held_back] = tasks_->committable(sink_wait);
  if (!held_back.empty()) {
    commits_postponed_ += static_cast<int64_t>(held_back.size());
    if (detail::log_due(commits_postponed_, postponed_log_ms_)) {
      EDDY_LOG_WARN(
          "stream-thread-{}: {} task(s) keep their last committed offsets: their feature sink "
          "has not acknowledged their updates yet ({} task commits held back so far)",
          options_.index, held_back.size(), commits_postponed_);
    }
  }
  if (options_.config.exactly_once()) {
    if (!held_back.empty()) {
      // The open transaction spans every task: it commits once the sinks caught up (the
      // tasks whose sink pushes back take no input meanwhile). Before the broker would abort
      // it (transaction.timeout.ms), abort it here and rewind the tasks: their sink updates
      // stay queued in the sink, and the records are processed again once it drains.
      processed_since_commit_ = std::max<int64_t>(processed, 1);
      if (producer_.in_transaction() && (releasing || producer_.transaction_half_expired())) {
        abort_and_rewind("a feature sink has not acknowledged the updates of " +
                         std::to_string(held_back.size()) +
                         " task(s) within half of "
                         "transaction.timeout.ms");
      }
      return;
    }
    begin_transaction_if_needed();
    handle_delivery_failures();
    try {
      producer_.commit(offsets, consumer_->group_metadata().get(), kClientTimeout);
    } catch (const KafkaError& e) {
      // A clearer error when a record Kafka refused is why (its report may still be queued).
      producer_->poll(std::chrono::milliseconds(200));
      try {
        handle_delivery_failures();
      } catch (const KafkaError& refused) {
        if (!recoverable_transaction_error(refused)) throw;
      }
      // An abortable error (a delivery timed out, the group generation moved on), a fenced
      // producer, an outage: nothing of this transaction commits; abort it and redo its work
      // from the last commit (Kafka Streams: a TaskMigratedException or a
      // TransactionAbortableException, handled the same way), instead of failing.
      if (!recoverable_transaction_error(e)) throw;
      abandon_transaction(std::string("commit failed: ") + e.what(), e.fatal());
      return;
    }
  } else {
    // At-least-once: every effect acknowledged before the offsets that caused it commit.
    // Records Kafka refused go to their task's production handler first (a dead-letter
    // record it sends is then flushed too).
    if (!held_back.empty()) processed_since_commit_ = std::max<int64_t>(processed, 1);
    try {
      producer_->wait_for_acknowledgements(kClientTimeout);
      handle_delivery_failures();
      producer_->wait_for_acknowledgements(kClientTimeout);
      handle_delivery_failures();
      consumer_->commit(offsets);
    } catch (const KafkaError& e) {
      if (kafka::group_membership_lost(e)) {
        // The group moved on without this member (its session expired, say while the broker
        // was away and this commit waited): the partitions may be someone else's now, so
        // nothing may be committed. As Kafka Streams does on a migrated task: close the tasks
        // dirty; the consumer rejoins on its next poll and their records are re-read from
        // the last committed offsets (at-least-once).
        EDDY_LOG_WARN(
            "stream-thread-{}: commit refused ({}): membership lost; {} task(s) closed "
            "dirty, rejoining",
            options_.index, e.what(), tasks_->size());
        close_all(/*clean=*/false);
        processed_since_commit_ = 0;
        return;
      }
      if (!e.retriable() || e.fatal()) throw;
      // Broker unreachable for now: keep the work; the next commit covers these offsets too.
      EDDY_LOG_WARN("stream-thread-{}: commit postponed: {}", options_.index, e.what());
      processed_since_commit_ = std::max<int64_t>(processed_since_commit_, 1);
      return;
    }
  }
  tasks_->post_commit();
  purger_->committed(offsets);
  // What was committed may be another thread's input (a repartition topic): it looks again.
  if (options_.bounded != nullptr && processed > 0) options_.bounded->touched();
  ++stats_.commits;
  const auto took = Clock::now() - start;
  stats_.last_commit_latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  if (metrics_) metrics_->committed(took);
}

void StreamThread::close_tasks(const std::vector<kafka::TopicPartition>& partitions, bool clean) {
  forget_partitions(tasks_->close(partitions, clean));
  stats_.tasks = static_cast<int64_t>(tasks_->size());
}

void StreamThread::close_all(bool clean) {
  forget_partitions(tasks_->close_all(clean));
  if (bounded_) bounded_->forget_all();
  stats_.tasks = 0;
}

void StreamThread::forget_partitions(const std::vector<kafka::TopicPartition>& partitions) {
  for (const auto& tp : partitions) {
    if (bounded_) bounded_->forget(tp);
    if (metrics_) metrics_->forget_partition(tp);
  }
}

void StreamThread::abort_and_rewind(const std::string& why) {
  EDDY_LOG_WARN(
      "stream-thread-{}: {}: aborting the transaction and rewinding {} task(s) to their "
      "last commit",
      options_.index, why, tasks_->size());
  try {
    producer_.abort(kClientTimeout);
  } catch (const KafkaError& e) {
    // The abort did not finish (timed out, fenced): the producer may still be aborting, so a
    // new transaction on it would fail. Recreate it (its init_transactions() aborts what is
    // left) and rewind from the poll loop.
    abandon_transaction(why + "; the abort failed: " + e.what(), /*producer_broken=*/true);
    return;
  }
  producer_->take_failures();  // of the aborted transaction
  const std::vector<kafka::TopicPartition> partitions = tasks_->input_partitions();
  const std::vector<kafka::TopicPartition> paused = tasks_->clear_pauses();
  close_all(/*clean=*/false);  // stores rebuilt from their changelogs
  if (!paused.empty()) consumer_->resume(paused);
  seek_to_committed(partitions);
  create_tasks(partitions);
  processed_since_commit_ = 0;
}

void StreamThread::seek_to_committed(const std::vector<kafka::TopicPartition>& partitions) {
  if (partitions.empty()) return;
  // Re-read every input from its last committed offset (none: where auto.offset.reset says).
  const bool latest = kafka::consumer_starts_at_latest(options_.config);
  for (const auto& committed : consumer_->committed(partitions, kClientTimeout)) {
    const int64_t offset = committed.offset >= 0
                               ? committed.offset
                               : (latest ? kafka::kOffsetEnd : kafka::kOffsetBeginning);
    consumer_->seek({committed.topic, committed.partition}, offset, kClientTimeout);
  }
}

bool StreamThread::recoverable_transaction_error(const KafkaError& error) const {
  if (!options_.config.exactly_once()) return false;
  return dynamic_cast<const kafka::TransactionAbortableError*>(&error) != nullptr ||
         error.fatal() || error.retriable() || kafka::group_membership_lost(error) ||
         kafka::delivery_error_is_transient(error.code());
}

void StreamThread::abandon_transaction(const std::string& why, bool producer_broken) {
  EDDY_LOG_WARN(
      "stream-thread-{}: {}: the open transaction cannot commit; aborting it{} and rewinding {} "
      "task(s) to their last commit",
      options_.index, why, producer_broken ? " (the producer is recreated)" : "", tasks_->size());
  if (!producer_broken) {
    try {
      producer_.abort(kAbortTimeout);
    } catch (const KafkaError& e) {
      // Fenced, fatal, or the broker away: a new producer's init_transactions() aborts it.
      EDDY_LOG_WARN("stream-thread-{}: abort failed ({}); recreating the producer", options_.index,
                    e.what());
      producer_broken = true;
    }
  }
  // A broken producer is not asked to abort (discard_clients() would otherwise wait on it):
  // the new one's init_transactions() does.
  if (producer_broken) producer_.forget_transaction();
  if (producer_.get() != nullptr) producer_->take_failures();  // of the abandoned transaction
  if (const auto paused = tasks_->clear_pauses(); !paused.empty()) {
    try {
      consumer_->resume(paused);
    } catch (const KafkaError& e) {
      EDDY_LOG_DEBUG("resume while rewinding: {}", e.what());
    }
  }
  close_all(/*clean=*/false);  // stores rebuilt from their changelogs
  processed_since_commit_ = 0;
  rewind_pending_ = true;
  producer_reset_pending_ = producer_reset_pending_ || producer_broken;
  next_rewind_attempt_ = Clock::now();
}

void StreamThread::finish_rewind() {
  if (Clock::now() < next_rewind_attempt_) return;
  try {
    if (producer_reset_pending_) {
      // Its init_transactions() bumps the epoch of this transactional.id: fences what is
      // left of the old producer and aborts its open transaction, if the coordinator has not.
      create_producer(kProducerInitTimeout);
      producer_reset_pending_ = false;
    }
    const std::vector<kafka::TopicPartition> assigned = consumer_->assignment();
    seek_to_committed(assigned);
    create_tasks(assigned);
  } catch (const KafkaError& e) {
    if (!e.retriable()) throw;  // e.g. not authorized: the thread cannot go on
    next_rewind_attempt_ = Clock::now() + kRewindRetryDelay;
    if (detail::log_due(++rewind_retries_, rewind_log_ms_)) {
      EDDY_LOG_WARN("stream-thread-{}: cannot resume yet ({}); retrying ({} attempts so far)",
                    options_.index, e.what(), rewind_retries_);
    }
    return;
  }
  rewind_pending_ = false;
  EDDY_LOG_INFO("stream-thread-{}: resumed {} task(s) from their last commit{}", options_.index,
                tasks_->size(),
                rewind_retries_ > 0 ? " after " + std::to_string(rewind_retries_) + " retries"
                                    : std::string());
  rewind_retries_ = 0;
}

void StreamThread::on_partitions_revoked(const std::vector<kafka::TopicPartition>& partitions) {
  assigned_ = false;
  if (options_.on_rebalance) options_.on_rebalance(options_.index, true);
  if (partitions.empty()) return;
  // The revoked tasks' work must be committed while this member still owns them. Under
  // exactly-once the open transaction spans all tasks, so it commits them all.
  commit_all(/*force=*/true, /*releasing=*/true);
  close_tasks(partitions, /*clean=*/true);
  EDDY_LOG_INFO("stream-thread-{}: rebalance: revoked [{}], {} task(s) remain", options_.index,
                partition_list(partitions), tasks_->size());
}

void StreamThread::on_partitions_lost(const std::vector<kafka::TopicPartition>& partitions) {
  assigned_ = false;
  if (options_.on_rebalance) options_.on_rebalance(options_.index, true);
  EDDY_LOG_WARN("stream-thread-{}: rebalance: lost [{}]", options_.index,
                partition_list(partitions));
  // Another member may own them already: nothing may be committed; state is dirty.
  if (options_.config.exactly_once()) {
    // The open transaction spans every task and its producer may be fenced already (the
    // coordinator aborted the transaction when it timed out, say while this process was
    // stopped): nothing here waits on it. As Kafka Streams does for exactly_once_v2, the
    // producer is recreated (its init_transactions() aborts whatever was open), every task
    // is closed dirty and the thread rejoins with what it is assigned next.
    abandon_transaction("partitions lost", /*producer_broken=*/true);
    return;
  }
  close_tasks(partitions, /*clean=*/false);
}

void StreamThread::create_tasks(const std::vector<kafka::TopicPartition>& partitions) {
  tasks_->create(partitions);
  stats_.tasks = static_cast<int64_t>(tasks_->size());
}

void StreamThread::on_partitions_assigned(const std::vector<kafka::TopicPartition>& partitions) {
  // During a rewind the tasks are created by finish_rewind(), once the producer is back, for
  // the whole assignment (this poll's included).
  if (!rewind_pending_) create_tasks(partitions);
  EDDY_LOG_INFO("stream-thread-{}: rebalance: assigned [{}], {} task(s)", options_.index,
                partition_list(partitions), tasks_->size());
  assigned_ = true;
  if (options_.standbys != nullptr) options_.standbys->membership_changed();
  if (options_.on_rebalance) options_.on_rebalance(options_.index, false);
}

}  // namespace eddy::runtime
