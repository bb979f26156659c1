// eddy/sink/feature_sink.h — FeatureSink: the base of every serving sink (Redis, a Kafka
// topic, stdout). The runtime hands it (key, features, event time, source position); the
// base class keeps the invariants and a subclass implements one method, write_batch().
//
// Invariants the base class keeps (spdlog's base_sink pattern):
//   - Coalescing: pending updates are keyed; a newer version of a key replaces the pending
//     one (latest wins), an older one is ignored. Nothing is written twice per batch.
//   - Batching: a batch is written when max_batch updates are pending, or when the oldest
//     pending update has waited latency_budget (default 5 ms), or on flush().
//   - Retries: a failed batch (SinkError with retriable() == true, or any other exception)
//     is retried, whole, with exponential backoff, forever; writes must be idempotent (the
//     built-in sinks' writes are versioned). A non-retriable SinkError fails the sink:
//     flush() and submit() then throw it.
//   - Backpressure: submit() never drops and never blocks; when max_pending updates are
//     pending or in flight, paused() turns true until the backlog drains to resume_pending.
//     The runtime pauses its input partitions meanwhile (or calls wait_for_capacity()).
//   - At-least-once: flush() returns only when everything submitted before it is
//     acknowledged; the runtime calls it before every offset commit.
//   - Freshness: every acknowledged update's event-time (and append-time) freshness goes
//     into log-linear histograms, checked against the declared SLO (see freshness.h).
//
//   eddy::RedisSink sink({.sink = {.name = "features"}, .port = 6379, .key_prefix = "f:"});
//   sink.submit(eddy::FeatureUpdate::upsert("c-42", {{"views", "3"}}, ts, {"clicks", 0, 17}));
//   if (sink.paused()) consumer.pause(...);   // backpressure: stop feeding it
//   sink.flush();                             // before committing offsets
//   auto r = sink.freshness();                // r.event_time_window.p99_ms, r.slo_met
//
// Threading: submit(), paused(), stats(), freshness() are thread-safe. With
// background_flush (the default) a flush thread writes batches as they become due; without
// it the caller drives writes with maybe_flush(), deterministically (and an injected clock
// may be used, as the unit tests do). write_batch() is never called concurrently with itself.
//
// Writing a sink:
//   class MySink final : public eddy::FeatureSink {
//    public:
//     explicit MySink(eddy::SinkOptions o) : FeatureSink(std::move(o)) {}
//     ~MySink() override { stop_flushing(); }   // required: stops the flush thread first
//    protected:
//     void write_batch(std::span<const eddy::FeatureUpdate> batch,
//                      std::span<eddy::WriteOutcome> outcomes) override { ... }
//   };
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "eddy/errors.h"
#include "eddy/sink/feature_update.h"
#include "eddy/sink/freshness.h"

namespace eddy {

// A sink write failed. retriable(): the batch will be retried after a backoff; otherwise
// the sink has failed and the instance must stop (at-least-once: offsets stay uncommitted).
class SinkError : public Error {
 public:
  SinkError(const std::string& message, bool retriable) : Error(message), retriable_(retriable) {}
  bool retriable() const noexcept { return retriable_; }

 private:
  bool retriable_;
};

// Time source of a sink: steady time for budgets and backoff, wall time for freshness.
// Tests inject a manual clock (with background_flush off, where the caller drives time).
class SinkClock {
 public:
  virtual ~SinkClock() = default;
  virtual std::chrono::steady_clock::time_point steady_now() = 0;
  virtual std::chrono::system_clock::time_point wall_now() = 0;
  // Waits between retries when flush() drives a failing batch; a manual clock advances.
  virtual void sleep_for(std::chrono::nanoseconds duration) = 0;
};

// The real clocks (std::chrono::steady_clock, system_clock, std::this_thread::sleep_for).
std::shared_ptr<SinkClock> system_sink_clock();

struct SinkOptions {
  // Names the sink in logs and errors. Default: "sink".
  std::string name = "sink";
  // Longest an update waits in the sink before its batch is written. Lower is fresher and
  // makes smaller batches; under load batches still fill up while the previous one is being
  // written. Default: 5 ms (at 20 000 updates/s into Redis: p50 freshness 10 ms instead of
  // 25 ms with 50 ms, for the same CPU; docs/benchmarks.md). 0 writes whenever the writer is
  // idle.
  std::chrono::milliseconds latency_budget{5};
  // Most updates per write_batch() call; a full batch is written at once. Default: 500.
  std::size_t max_batch = 500;
  // Pending + in-flight updates at which paused() turns true (backpressure; nothing is
  // dropped). Bounds the sink's memory. Default: 100000.
  std::size_t max_pending = 100'000;
  // paused() turns false again once the backlog is at or below this; 0 = max_pending / 2.
  std::size_t resume_pending = 0;
  // Backoff between retries of a failed batch: doubles from initial up to max. Defaults:
  // 50 ms, 5 s.
  std::chrono::milliseconds retry_backoff_initial{50};
  std::chrono::milliseconds retry_backoff_max{5000};
  // true: a flush thread writes due batches. false: the caller calls maybe_flush() (from
  // the stream thread's loop, say; next_deadline() tells when). Default: true.
  bool background_flush = true;
  // Freshness objectives and the window they are checked over. Default: none, 60 s.
  FreshnessSlo slo;
  // The record header that says when the producer produced the source record (decimal ms
  // since the epoch), for topics that do not stamp LogAppendTime: to_sink() takes the
  // append-time freshness (FreshnessReport::append_time_*) from it when the broker gave no
  // append time. Empty: append time only. Default: "" (e.g. eddy-loadgen writes
  // "produced_at_ms").
  std::string produced_time_header;
  // Default (null): system_sink_clock().
  std::shared_ptr<SinkClock> clock;
};

// What write_batch() reports per update: written; rejected by the store as older than the
// version it holds (the built-in sinks' versioned writes); or skipped as invalid for this
// sink (e.g. no numeric score in sorted-set mode) when the sink's policy is to log and
// continue (the subclass logs it).
enum class WriteOutcome : uint8_t { kApplied, kStale, kInvalid };

// Counters since the sink started, and its current state.
struct SinkStats {
  uint64_t submitted = 0;          // submit() calls
  uint64_t coalesced = 0;          // replaced a pending update of the same key
  uint64_t ignored_older = 0;      // older than the pending update of the same key
  uint64_t acknowledged = 0;       // updates in successfully written batches
  uint64_t applied = 0;            // ... that the store applied (the rest of acknowledged)
  uint64_t rejected_stale = 0;     // ... that the store rejected as older than what it holds
  uint64_t skipped_invalid = 0;    // ... that were invalid for the sink and skipped
  uint64_t deletes = 0;            // applied deletes
  uint64_t batches = 0;            // successful write_batch() calls
  uint64_t failed_attempts = 0;    // write_batch() calls that failed
  uint64_t connection_losses = 0;  // reported by the subclass (e.g. Redis reconnects)
  uint64_t pause_events = 0;       // times paused() turned true
  std::size_t pending = 0;         // waiting to be written
  std::size_t in_flight = 0;       // being written or waiting for a retry
  bool paused = false;
  bool failed = false;  // a non-retriable error; last_error says which
  std::string last_error;
};

class FeatureSink {
 public:
  FeatureSink(const FeatureSink&) = delete;
  FeatureSink& operator=(const FeatureSink&) = delete;
  virtual ~FeatureSink();

  // Queues one update (coalescing by key). Never blocks, never drops. Returns the update's
  // sequence number (for acknowledged()). Throws SinkError when the sink has failed or is
  // closed.
  uint64_t submit(FeatureUpdate update);

  // Backpressure: true while the backlog is above the limits in SinkOptions. Lock-free.
  bool paused() const;

  // True once every update submitted up to sequence number `seq` (as submit() returned it) is
  // acknowledged (or replaced by a newer update of its key that is). Writes due batches in
  // the caller's thread for up to `timeout` to get there, but does not wait out a retry
  // backoff: while the store is failing it answers false at once. Throws SinkError once the
  // sink has failed. The runtime asks it before committing a task's offsets.
  bool acknowledged(uint64_t seq, std::chrono::milliseconds timeout = std::chrono::milliseconds(0));
  // Waits until paused() is false (true) or `timeout` passes (false).
  bool wait_for_capacity(std::chrono::milliseconds timeout);

  // Writes every batch that is due at `now` (full, over budget, or a retry whose backoff
  // passed), in the caller's thread. Returns how many updates were acknowledged. Does
  // nothing while another thread is writing. Throws SinkError once the sink has failed.
  std::size_t maybe_flush(std::chrono::steady_clock::time_point now);
  std::size_t maybe_flush();
  // When the next batch falls due (nullopt: nothing pending), for the caller's poll timeout.
  std::optional<std::chrono::steady_clock::time_point> next_deadline() const;

  // Writes, in the caller's thread, everything submitted before this call (ignoring the
  // latency budget) and waits until it is acknowledged, retrying with backoff. Updates other
  // threads submit meanwhile do not hold it up. Call before committing offsets. Throws
  // SinkError if the sink failed, or (retriable) if `timeout` passed first; what was not
  // written stays pending, nothing is dropped.
  void flush(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  // flush(timeout), then stops the flush thread; later submits throw. Throws what flush()
  // throws (the thread is stopped regardless).
  void close(std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  SinkStats stats() const;
  FreshnessReport freshness() const;
  const SinkOptions& options() const { return options_; }
  const std::string& name() const { return options_.name; }

 protected:
  explicit FeatureSink(SinkOptions options);

  // Writes `batch` (distinct keys; deletes have no fields) and sets outcomes[i] to kStale
  // for updates the store rejected as older, kInvalid for ones skipped as invalid (outcomes
  // start as kApplied). Returns once the
  // store acknowledged every write. On failure throws: SinkError(retriable) or any exception
  // = retry the whole batch later; SinkError(!retriable) = fail the sink. Called from one
  // thread at a time, without the sink's lock held.
  virtual void write_batch(std::span<const FeatureUpdate> batch,
                           std::span<WriteOutcome> outcomes) = 0;

  // Stops the flush thread without flushing. A subclass destructor must call it first,
  // so the thread never calls write_batch() on a half-destroyed object. Idempotent.
  void stop_flushing() noexcept;

  // For subclasses: counts a lost connection in stats().connection_losses.
  void count_connection_loss();

  SinkClock& clock() const { return *clock_; }

 private:
  struct State;
  void run_flush_thread();
  std::optional<std::chrono::steady_clock::time_point> next_due_locked() const;
  bool due_locked(std::chrono::steady_clock::time_point now, bool force) const;
  std::size_t write_one_locked(std::unique_lock<std::mutex>& lock,
                               std::chrono::steady_clock::time_point now);

  SinkOptions options_;
  std::shared_ptr<SinkClock> clock_;
  std::unique_ptr<State> state_;
  std::atomic<bool> paused_{false};  // mirrors State::paused for lock-free paused()
};

}  // namespace eddy
