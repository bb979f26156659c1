#include "runtime/stream_thread.h"

#include <algorithm>

#include "common/log.h"
#include "eddy/errors.h"
#include "kafka/client_config.h"
#include "kafka/error.h"

namespace eddy::runtime {
namespace {
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxPollRecords = 2000;
constexpr size_t kProcessBatchPerTask = 1000;
constexpr auto kProcessTimeBudget = 50ms;  // per loop turn, before polling again
constexpr auto kClientTimeout = 30s;
constexpr int kMaxRecoveries = 10;    // client re-creations before the thread gives up
constexpr auto kMetricsTick = 100ms;  // lag and CPU gauges refresh, summary log check

// "orders-0, orders-1" for rebalance log lines.
std::string partition_list(const std::vector<kafka::TopicPartition>& partitions) {
  std::string out;
  for (const auto& tp : partitions) {
    if (!out.empty()) out += ", ";
    out += tp.topic + "-" + std::to_string(tp.partition);
  }
  return out;
}

int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

StreamThread::StreamThread(StreamThreadOptions options) : options_(std::move(options)) {
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
  if (options_.metrics != nullptr) {
    services_.metrics = options_.metrics;
    metrics_ = std::make_unique<ThreadMetrics>(*options_.metrics, services_.thread_name,
                                               options_.config.metrics_log_interval,
                                               options_.instance_records);
  }
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
  const StreamsConfig& config = options_.config;
  kafka::ProducerOptions producer_options{
      .properties = kafka::client_properties(config, kafka::ClientKind::kProducer),
      .transactional_id = {},
      // Records sent with an acknowledged_slot as opaque (changelog records) advance it.
      .on_delivery = [](const kafka::DeliveryReport& report) {
        if (report.opaque != nullptr && report.error_code == 0) {
          auto* slot = static_cast<int64_t*>(report.opaque);
          *slot = std::max(*slot, report.offset + 1);
        }
      }};
  if (config.exactly_once()) {
    // One transactional producer per thread (EOS v2); fencing of zombies goes through the
    // consumer group metadata sent with the offsets.
    producer_options.transactional_id =
        config.application_id + "-" + options_.process_id + "-" + std::to_string(options_.index);
  }
  producer_ = std::make_unique<kafka::Producer>(std::move(producer_options));
  services_.producer = producer_.get();

  kafka::ConsumerOptions consumer_options{
      .properties = kafka::client_properties(config, kafka::ClientKind::kConsumer),
      .group_id = config.application_id,
      .cooperative = false,
      .read_committed = config.exactly_once(),
      .listener = this};
  if (!config.group_instance_id.empty()) {
    consumer_options.properties["group.instance.id"] =
        config.group_instance_id + "-" + std::to_string(options_.index);
  }
  consumer_ = std::make_unique<kafka::Consumer>(std::move(consumer_options));
  if (config.exactly_once()) producer_->init_transactions(kClientTimeout);
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
      EDDY_LOG_INFO("{}: shutting down: committing {} task(s)", name, tasks_.size());
      commit_all();
      close_all(/*clean=*/true);
      consumer_->close();
      if (global_tables_) global_tables_->close();
      EDDY_LOG_INFO("{}: stopped after {} records, {} commits", name,
                    stats_.records_processed.load(), stats_.commits.load());
      alive_ = false;
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
    if (in_transaction_ && producer_) producer_->abort_transaction(kClientTimeout);
  } catch (const std::exception& e) {
    EDDY_LOG_DEBUG("abort_transaction while discarding clients: {}", e.what());
  }
  in_transaction_ = false;
  try {
    close_all(/*clean=*/false);
  } catch (const std::exception& e) {
    EDDY_LOG_WARN("closing tasks dirty: {}", e.what());
  }
  consumer_.reset();
  producer_.reset();
  services_.producer = nullptr;
}

void StreamThread::run_once() {
  bool any_buffered = false;
  for (const auto& [tp, task] : task_by_partition_)
    any_buffered = any_buffered || task->buffered(tp) > 0;
  // Restoring tasks need the loop to come round again at once, as do buffered records.
  const auto poll_timeout =
      any_buffered || !uninitialized_.empty() ? 0ms : options_.config.poll_interval;
  const auto poll_start = Clock::now();
  auto polled = consumer_->poll_batch(kMaxPollRecords, poll_timeout);
  if (metrics_) metrics_->poll_took(Clock::now() - poll_start);
  route(std::move(polled));
  if (global_tables_) global_tables_->poll();
  initialize_new_tasks();
  begin_transaction_if_needed();
  const auto processed = static_cast<int64_t>(process_tasks());
  stats_.records_processed += processed;
  processed_since_commit_ += processed;
  if (metrics_) metrics_->records_processed(processed);
  const auto punctuate_start = Clock::now();
  const int64_t now_ms = wall_clock_ms();
  for (auto& [id, task] : tasks_) {
    // Work done without records (a punctuator's output, a TTL expiry on an idle partition)
    // must not wait for the next record to be committed: a cached expiry leaves its cache
    // only at a commit, and under exactly-once its tombstones sit in an open transaction.
    if (!uninitialized_.contains(id) && task->punctuate_wall_clock(now_ms))
      processed_since_commit_ = std::max<int64_t>(processed_since_commit_, 1);
  }
  if (metrics_) metrics_->punctuate_took(Clock::now() - punctuate_start);
  update_pauses();
  maybe_commit();
  tick_metrics(Clock::now());
}

void StreamThread::tick_metrics(Clock::time_point now) {
  if (!metrics_ || now - last_metrics_tick_ < kMetricsTick) return;
  last_metrics_tick_ = now;
  // Lag from the consumer's cached watermarks: no broker round trip.
  for (const auto& [tp, task] : task_by_partition_) metrics_->lag(tp, consumer_->lag(tp));
  metrics_->tick(now);
}

void StreamThread::route(std::vector<kafka::Message> records) {
  if (records.empty()) return;
  // Records of one partition arrive in offset order; group them per partition, keep order.
  std::map<kafka::TopicPartition, std::vector<kafka::Message>> grouped;
  for (auto& message : records) {
    kafka::TopicPartition tp{std::string(message.topic()), message.partition()};
    grouped[std::move(tp)].push_back(std::move(message));
  }
  for (auto& [tp, messages] : grouped) {
    auto it = task_by_partition_.find(tp);
    if (it == task_by_partition_.end()) {
      // A record of a partition no longer assigned (fetched before a revoke): drop it; it is
      // re-read by whoever owns the partition now, from the committed offset.
      continue;
    }
    it->second->add_records(tp, std::move(messages));
  }
}

void StreamThread::initialize_new_tasks() {
  // One restore step (about one changelog batch) per restoring task per loop: the thread's
  // other tasks keep processing, and a shutdown or rebalance is noticed between batches.
  for (auto it = uninitialized_.begin(); it != uninitialized_.end();) {
    Task& task = *tasks_.at(*it);
    auto started = restore_started_.find(*it);
    if (started == restore_started_.end()) {
      started = restore_started_.emplace(*it, Clock::now()).first;
      task.initialize();
    }
    if (!task.restore_step()) {
      ++it;
      continue;
    }
    EDDY_LOG_INFO(
        "task {} initialized in {} ms", task.id().str(),
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started->second)
            .count());
    restore_started_.erase(started);
    it = uninitialized_.erase(it);
  }
}

size_t StreamThread::process_tasks() {
  // Drain what the last poll brought (round-robin over tasks, in slices so one task cannot
  // starve the others), within a time budget so commits and polls stay timely. Draining
  // before the next poll keeps buffers below the pause limit, so partitions are paused
  // only when a task really cannot keep up — pausing and resuming on every poll makes
  // librdkafka drop and re-fetch its prefetched data.
  size_t total = 0;
  const auto start = Clock::now();
  for (;;) {
    size_t round = 0;
    const auto now = Clock::now();
    for (auto& [id, task] : tasks_) {
      if (uninitialized_.contains(id)) continue;
      if (!metrics_) {
        round += task->process(kProcessBatchPerTask, now);
        continue;
      }
      const auto task_start = Clock::now();
      const size_t n = task->process(kProcessBatchPerTask, now);
      metrics_->process_took(Clock::now() - task_start, n);
      round += n;
    }
    total += round;
    if (round == 0 || Clock::now() - start > kProcessTimeBudget) return total;
  }
}

void StreamThread::update_pauses() {
  const auto limit = static_cast<size_t>(options_.config.buffered_records_per_partition);
  std::vector<kafka::TopicPartition> to_pause;
  std::vector<kafka::TopicPartition> to_resume;
  for (const auto& [tp, task] : task_by_partition_) {
    const size_t buffered = task->buffered(tp);
    if (!paused_.contains(tp) && buffered >= limit) {
      to_pause.push_back(tp);
    } else if (paused_.contains(tp) && buffered <= limit / 2) {
      to_resume.push_back(tp);
    }
  }
  if (!to_pause.empty()) {
    consumer_->pause(to_pause);
    paused_.insert(to_pause.begin(), to_pause.end());
  }
  if (!to_resume.empty()) {
    consumer_->resume(to_resume);
    for (const auto& tp : to_resume) paused_.erase(tp);
  }
}

void StreamThread::begin_transaction_if_needed() {
  if (!options_.config.exactly_once() || in_transaction_ || tasks_.empty()) return;
  producer_->begin_transaction();
  in_transaction_ = true;
}

void StreamThread::maybe_commit() {
  const bool due = Clock::now() - last_commit_ >= options_.config.effective_commit_interval();
  if (!due && !commit_requested_) return;
  commit_all(/*force=*/commit_requested_);
}

void StreamThread::commit_all(bool force) {
  const auto start = Clock::now();
  last_commit_ = start;
  commit_requested_ = false;
  if (tasks_.empty() || (!force && processed_since_commit_ == 0)) return;
  processed_since_commit_ = 0;
  std::vector<kafka::TopicPartitionOffset> offsets;
  for (auto& [id, task] : tasks_) {
    if (uninitialized_.contains(id)) continue;
    task->prepare_commit();
    for (auto& offset : task->committable_offsets()) offsets.push_back(std::move(offset));
  }
  if (options_.config.exactly_once()) {
    begin_transaction_if_needed();
    if (!offsets.empty()) {
      producer_->send_offsets_to_transaction(offsets, consumer_->group_metadata().get(),
                                             kClientTimeout);
    }
    producer_->commit_transaction(kClientTimeout);
    in_transaction_ = false;
  } else {
    // At-least-once: every effect acknowledged before the offsets that caused it commit.
    try {
      producer_->flush(kClientTimeout);
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
            options_.index, e.what(), tasks_.size());
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
  for (auto& [id, task] : tasks_) {
    if (!uninitialized_.contains(id)) task->post_commit();
  }
  purger_->committed(offsets);
  ++stats_.commits;
  const auto took = Clock::now() - start;
  stats_.last_commit_latency_us =
      std::chrono::duration_cast<std::chrono::microseconds>(took).count();
  if (metrics_) metrics_->committed(took);
}

void StreamThread::close_tasks(const std::vector<kafka::TopicPartition>& partitions, bool clean) {
  std::set<TaskId> ids;
  for (const auto& tp : partitions) {
    if (auto task_id = options_.factory->task_for(tp)) ids.insert(*task_id);
  }
  for (const auto& id : ids) {
    auto it = tasks_.find(id);
    if (it == tasks_.end()) continue;
    for (const auto& tp : it->second->input_partitions()) {
      task_by_partition_.erase(tp);
      paused_.erase(tp);
    }
    forget_partitions(it->second->input_partitions());
    it->second->close(clean);
    uninitialized_.erase(id);
    restore_started_.erase(id);
    tasks_.erase(it);
  }
  stats_.tasks = static_cast<int64_t>(tasks_.size());
}

void StreamThread::forget_partitions(const std::vector<kafka::TopicPartition>& partitions) {
  if (!metrics_) return;
  for (const auto& tp : partitions) metrics_->forget_partition(tp);
}

void StreamThread::close_all(bool clean) {
  for (auto& [id, task] : tasks_) {
    forget_partitions(task->input_partitions());
    task->close(clean);
  }
  tasks_.clear();
  uninitialized_.clear();
  restore_started_.clear();
  task_by_partition_.clear();
  paused_.clear();
  stats_.tasks = 0;
}

void StreamThread::on_partitions_revoked(const std::vector<kafka::TopicPartition>& partitions) {
  if (options_.on_rebalance) options_.on_rebalance(options_.index, true);
  if (partitions.empty()) return;
  // The revoked tasks' work must be committed while this member still owns them. Under
  // exactly-once the open transaction spans all tasks, so it commits them all.
  commit_all();
  close_tasks(partitions, /*clean=*/true);
  EDDY_LOG_INFO("stream-thread-{}: rebalance: revoked [{}], {} task(s) remain", options_.index,
                partition_list(partitions), tasks_.size());
}

void StreamThread::on_partitions_lost(const std::vector<kafka::TopicPartition>& partitions) {
  if (options_.on_rebalance) options_.on_rebalance(options_.index, true);
  // Another member may own them already: nothing may be committed; state is dirty.
  if (in_transaction_) {
    producer_->abort_transaction(kClientTimeout);
    in_transaction_ = false;
  }
  close_tasks(partitions, /*clean=*/false);
  EDDY_LOG_WARN("stream-thread-{}: rebalance: lost [{}]", options_.index,
                partition_list(partitions));
}

void StreamThread::on_partitions_assigned(const std::vector<kafka::TopicPartition>& partitions) {
  std::map<TaskId, std::vector<kafka::TopicPartition>> by_task;
  for (const auto& tp : partitions) {
    if (auto id = options_.factory->task_for(tp)) by_task[*id].push_back(tp);
  }
  for (auto& [id, tps] : by_task) {
    if (tasks_.contains(id)) continue;
    auto task = options_.factory->create(id, tps, services_);
    for (const auto& tp : task->input_partitions()) task_by_partition_[tp] = task.get();
    uninitialized_.insert(id);
    tasks_.emplace(id, std::move(task));
  }
  stats_.tasks = static_cast<int64_t>(tasks_.size());
  EDDY_LOG_INFO("stream-thread-{}: rebalance: assigned [{}], {} task(s)", options_.index,
                partition_list(partitions), tasks_.size());
  if (options_.on_rebalance) options_.on_rebalance(options_.index, false);
}

}  // namespace eddy::runtime
