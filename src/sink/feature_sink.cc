#include "eddy/sink/feature_sink.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/log_throttle.h"
#include "sink/freshness_tracker.h"

namespace eddy {

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

class SystemSinkClock final : public SinkClock {
 public:
  SteadyTime steady_now() override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point wall_now() override {
    return std::chrono::system_clock::now();
  }
  void sleep_for(std::chrono::nanoseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
};

}  // namespace

std::shared_ptr<SinkClock> system_sink_clock() {
  static const auto clock = std::make_shared<SystemSinkClock>();
  return clock;
}

struct FeatureSink::State {
  explicit State(const SinkOptions& options) : freshness(options.slo) {}

  struct Entry {
    FeatureUpdate update;
    SteadyTime first_pending_at;  // kept when coalescing, so the budget holds per key
    uint64_t seq = 0;             // submit sequence number when the key became pending
  };

  mutable std::mutex mutex;
  std::condition_variable work_cv;   // wakes the flush thread
  std::condition_variable state_cv;  // a batch finished / capacity freed / failure

  std::unordered_map<std::string, Entry> pending;
  std::deque<std::string> order;  // pending keys, oldest first

  // The batch being written, or the one waiting for its retry, and the smallest sequence
  // number among its entries (flush() waits for everything up to its call's sequence).
  std::vector<FeatureUpdate> batch;
  uint64_t batch_min_seq = 0;
  uint64_t next_seq = 0;
  bool writing = false;
  bool retry_waiting = false;
  SteadyTime next_attempt{};
  std::chrono::milliseconds backoff{0};

  bool paused = false;
  int64_t pause_log_ms = 0;  // rate-limits the pause WARN (common/log_throttle.h)
  bool pause_logged = false;
  bool closed = false;
  bool stop_thread = false;
  std::optional<std::string> fatal;
  SinkStats stats;
  std::thread thread;

  detail::FreshnessTracker freshness;
};

FeatureSink::FeatureSink(SinkOptions options)
    : options_(std::move(options)),
      clock_(options_.clock ? options_.clock : system_sink_clock()),
      state_(std::make_unique<State>(options_)) {
  if (options_.max_batch == 0) throw ConfigError("sink " + options_.name, "max_batch must be > 0");
  if (options_.max_pending == 0) {
    throw ConfigError("sink " + options_.name, "max_pending must be > 0");
  }
  if (options_.latency_budget.count() < 0) {
    throw ConfigError("sink " + options_.name, "latency_budget must be >= 0");
  }
  for (const FreshnessObjective& objective : options_.slo.objectives) {
    if (!(objective.percentile > 0.0 && objective.percentile <= 100.0) ||
        objective.max.count() <= 0) {
      throw ConfigError("sink " + options_.name + " slo",
                        "each objective needs a percentile in (0, 100] and a max > 0, got p" +
                            std::to_string(objective.percentile) +
                            " <= " + std::to_string(objective.max.count()) + " ms");
    }
  }
  if (options_.slo.window.count() <= 0) {
    throw ConfigError("sink " + options_.name + " slo", "window must be > 0");
  }
  if (options_.resume_pending == 0 || options_.resume_pending >= options_.max_pending) {
    options_.resume_pending = options_.max_pending / 2;
  }
  if (options_.retry_backoff_initial.count() <= 0)
    options_.retry_backoff_initial = std::chrono::milliseconds(1);
  options_.retry_backoff_max = std::max(options_.retry_backoff_max, options_.retry_backoff_initial);
  state_->backoff = options_.retry_backoff_initial;
  // The flush thread starts on the first submit(), when the subclass is fully constructed.
}

FeatureSink::~FeatureSink() {
  stop_flushing();
}

void FeatureSink::stop_flushing() noexcept {
  std::thread thread;
  {
    std::lock_guard lock(state_->mutex);
    state_->stop_thread = true;
    thread = std::move(state_->thread);
  }
  state_->work_cv.notify_all();
  if (thread.joinable()) thread.join();
}

void FeatureSink::count_connection_loss() {
  std::lock_guard lock(state_->mutex);
  ++state_->stats.connection_losses;
}

uint64_t FeatureSink::submit(FeatureUpdate update) {
  State& s = *state_;
  bool wake = false;
  uint64_t seq = 0;
  {
    std::lock_guard lock(s.mutex);
    if (s.fatal) throw SinkError("sink " + options_.name + " failed: " + *s.fatal, false);
    if (s.closed) throw SinkError("sink " + options_.name + " is closed", false);
    ++s.stats.submitted;
    auto it = s.pending.find(update.key);
    if (it != s.pending.end()) {
      // The pending entry keeps its sequence number: acknowledging it acknowledges this one.
      if (update.version() >= it->second.update.version()) {
        it->second.update = std::move(update);
        ++s.stats.coalesced;
      } else {
        ++s.stats.ignored_older;
      }
      return s.next_seq;
    }
    std::string key = update.key;
    seq = ++s.next_seq;
    s.pending.emplace(key, State::Entry{std::move(update), clock_->steady_now(), seq});
    s.order.push_back(std::move(key));
    // Wake the flush thread when there is a new deadline or a full batch.
    wake = s.pending.size() == 1 || s.pending.size() == options_.max_batch;
    const std::size_t total = s.pending.size() + s.batch.size();
    if (!s.paused && total >= options_.max_pending) {
      s.paused = true;
      paused_.store(true, std::memory_order_relaxed);
      ++s.stats.pause_events;
      if (detail::log_due(static_cast<int64_t>(s.stats.pause_events), s.pause_log_ms)) {
        EDDY_LOG_WARN("sink {}: {} updates pending, pausing input (backpressure; {} times so far)",
                      options_.name, total, s.stats.pause_events);
        s.pause_logged = true;
      }
    }
    if (options_.background_flush && !s.thread.joinable() && !s.stop_thread) {
      s.thread = std::thread([this] { run_flush_thread(); });
    }
  }
  if (wake && options_.background_flush) s.work_cv.notify_one();
  return seq;
}

bool FeatureSink::paused() const {
  return paused_.load(std::memory_order_relaxed);
}

bool FeatureSink::acknowledged(uint64_t seq, std::chrono::milliseconds timeout) {
  State& s = *state_;
  const SteadyTime start = clock_->steady_now();
  std::unique_lock lock(s.mutex);
  while (true) {
    if (s.fatal) throw SinkError("sink " + options_.name + " failed: " + *s.fatal, false);
    // As flush(): entries are taken oldest first, so the oldest pending and in-flight ones say.
    const bool pending_done = s.order.empty() || s.pending.at(s.order.front()).seq > seq;
    const bool batch_done = s.batch.empty() || s.batch_min_seq > seq;
    if (pending_done && batch_done) return true;
    const SteadyTime now = clock_->steady_now();
    if (s.retry_waiting) return false;
    if (timeout != std::chrono::milliseconds::max() && now - start >= timeout) return false;
    if (s.writing) {
      std::chrono::nanoseconds wait = std::chrono::milliseconds(10);
      if (timeout != std::chrono::milliseconds::max())
        wait = std::min<std::chrono::nanoseconds>(wait, start + timeout - now);
      s.state_cv.wait_for(lock, wait);
    } else {
      write_one_locked(lock, now);
    }
  }
}

bool FeatureSink::wait_for_capacity(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->state_cv.wait_for(lock, timeout, [&] {
    return !state_->paused || state_->fatal.has_value();
  }) && !state_->paused;
}

SinkStats FeatureSink::stats() const {
  std::lock_guard lock(state_->mutex);
  SinkStats out = state_->stats;
  out.pending = state_->pending.size();
  out.in_flight = state_->batch.size();
  out.paused = state_->paused;
  out.failed = state_->fatal.has_value();
  if (state_->fatal) out.last_error = *state_->fatal;
  return out;
}

FreshnessReport FeatureSink::freshness() const {
  return state_->freshness.report(clock_->wall_now());
}

std::optional<SteadyTime> FeatureSink::next_deadline() const {
  std::lock_guard lock(state_->mutex);
  return next_due_locked();
}

std::optional<SteadyTime> FeatureSink::next_due_locked() const {
  const State& s = *state_;
  if (s.fatal) return std::nullopt;
  if (s.retry_waiting) return s.next_attempt;
  if (s.pending.empty()) return std::nullopt;
  if (s.pending.size() >= options_.max_batch) return SteadyTime::min();
  return s.pending.at(s.order.front()).first_pending_at + options_.latency_budget;
}

bool FeatureSink::due_locked(SteadyTime now, bool force) const {
  const State& s = *state_;
  if (s.fatal || s.writing) return false;
  if (s.retry_waiting) return now >= s.next_attempt;
  if (s.pending.empty()) return false;
  if (force) return true;
  const auto due = next_due_locked();
  return due && now >= *due;
}

// Writes one batch (the retry, or the oldest pending updates) at `now`. Called with the lock
// held through `lock`; releases it around write_batch(). Returns updates acknowledged.
std::size_t FeatureSink::write_one_locked(std::unique_lock<std::mutex>& lock, SteadyTime now) {
  State& s = *state_;
  if (!s.retry_waiting) {
    const std::size_t n = std::min(options_.max_batch, s.pending.size());
    s.batch.clear();
    s.batch.reserve(n);
    if (n > 0) s.batch_min_seq = s.pending.at(s.order.front()).seq;
    for (std::size_t i = 0; i < n; ++i) {
      auto it = s.pending.find(s.order.front());
      s.batch.push_back(std::move(it->second.update));
      s.pending.erase(it);
      s.order.pop_front();
    }
  }
  s.retry_waiting = false;
  s.writing = true;
  // Only this thread touches s.batch while `writing` is set (others read its size).
  const std::span<const FeatureUpdate> batch(s.batch);
  lock.unlock();

  std::vector<WriteOutcome> outcomes(batch.size(), WriteOutcome::kApplied);
  std::optional<std::string> error;
  bool retriable = true;
  try {
    write_batch(batch, outcomes);
  } catch (const SinkError& e) {
    error = e.what();
    retriable = e.retriable();
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  if (!error) state_->freshness.record_batch(clock_->wall_now(), batch, outcomes);

  lock.lock();
  s.writing = false;
  std::size_t acknowledged = 0;
  if (!error) {
    acknowledged = batch.size();
    ++s.stats.batches;
    s.stats.acknowledged += batch.size();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (outcomes[i] == WriteOutcome::kStale) {
        ++s.stats.rejected_stale;
      } else if (outcomes[i] == WriteOutcome::kInvalid) {
        ++s.stats.skipped_invalid;
      } else {
        ++s.stats.applied;
        if (batch[i].is_delete()) ++s.stats.deletes;
      }
    }
    s.batch.clear();
    if (s.backoff != options_.retry_backoff_initial) {
      EDDY_LOG_INFO("sink {}: writes succeed again", options_.name);
    }
    s.backoff = options_.retry_backoff_initial;
  } else {
    ++s.stats.failed_attempts;
    s.stats.last_error = *error;
    // The batch stays whole in s.batch for the retry (or for flush() to report).
    if (retriable) {
      s.retry_waiting = true;
      s.next_attempt = now + s.backoff;
      if (s.stats.failed_attempts % 20 == 1) {
        EDDY_LOG_WARN("sink {}: writing {} updates failed (retrying in {} ms): {}", options_.name,
                      s.batch.size(), s.backoff.count(), *error);
      }
      s.backoff = std::min(s.backoff * 2, options_.retry_backoff_max);
    } else {
      s.fatal = *error;
      EDDY_LOG_ERROR("sink {}: failed, {} updates not written: {}", options_.name,
                     s.batch.size() + s.pending.size(), *error);
    }
  }
  const std::size_t total = s.pending.size() + s.batch.size();
  if (s.paused && total <= options_.resume_pending) {
    s.paused = false;
    paused_.store(false, std::memory_order_relaxed);
    if (std::exchange(s.pause_logged, false)) {  // the pause was logged: the resume is too
      EDDY_LOG_INFO("sink {}: backlog down to {}, resuming input", options_.name, total);
    }
  }
  s.state_cv.notify_all();
  s.work_cv.notify_all();
  return acknowledged;
}

std::size_t FeatureSink::maybe_flush() {
  return maybe_flush(clock_->steady_now());
}

std::size_t FeatureSink::maybe_flush(SteadyTime now) {
  std::unique_lock lock(state_->mutex);
  std::size_t acknowledged = 0;
  while (due_locked(now, false)) acknowledged += write_one_locked(lock, now);
  if (state_->fatal) {
    throw SinkError("sink " + options_.name + " failed: " + *state_->fatal, false);
  }
  return acknowledged;
}

void FeatureSink::flush(std::chrono::milliseconds timeout) {
  State& s = *state_;
  const SteadyTime start = clock_->steady_now();
  const bool bounded = timeout != std::chrono::milliseconds::max();
  std::unique_lock lock(s.mutex);
  const uint64_t target = s.next_seq;
  while (true) {
    if (s.fatal) throw SinkError("sink " + options_.name + " failed: " + *s.fatal, false);
    // Done when every update submitted before this call is acknowledged: entries are
    // taken oldest first, so it is enough to look at the oldest pending and in-flight ones.
    // (Updates other threads submit meanwhile do not hold the flush up.)
    const bool pending_done = s.order.empty() || s.pending.at(s.order.front()).seq > target;
    const bool batch_done = s.batch.empty() || s.batch_min_seq > target;
    if (pending_done && batch_done) return;
    const SteadyTime now = clock_->steady_now();
    if (bounded && now - start >= timeout) {
      throw SinkError("sink " + options_.name + ": flush timed out after " +
                          std::to_string(timeout.count()) + " ms with " +
                          std::to_string(s.pending.size() + s.batch.size()) +
                          " updates unacknowledged",
                      true);
    }
    if (s.writing) {
      // The flush thread is writing; wait for it to finish (woken by state_cv).
      s.state_cv.wait_for(lock, std::chrono::milliseconds(10));
    } else if (s.retry_waiting && now < s.next_attempt) {
      auto wait = s.next_attempt - now;
      if (bounded) wait = std::min<std::chrono::nanoseconds>(wait, start + timeout - now);
      lock.unlock();
      clock_->sleep_for(wait);
      lock.lock();
    } else {
      write_one_locked(lock, now);
    }
  }
}

void FeatureSink::close(std::chrono::milliseconds timeout) {
  std::exception_ptr error;
  try {
    flush(timeout);
  } catch (...) {
    error = std::current_exception();
  }
  stop_flushing();
  {
    std::lock_guard lock(state_->mutex);
    state_->closed = true;
  }
  if (error) std::rethrow_exception(error);
}

void FeatureSink::run_flush_thread() {
  State& s = *state_;
  std::unique_lock lock(s.mutex);
  while (!s.stop_thread) {
    const SteadyTime now = clock_->steady_now();
    if (due_locked(now, false)) {
      write_one_locked(lock, now);
      continue;
    }
    const auto due = s.writing ? std::nullopt : next_due_locked();
    if (due) {
      s.work_cv.wait_until(lock, *due);
    } else {
      s.work_cv.wait(lock);
    }
  }
}

}  // namespace eddy
