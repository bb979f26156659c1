// eddy/detail/task/task_context.h — what a processor node sees of the task running it.
// Internal: implemented by the task core (src/processor/task_core.h); users never touch it.
#pragma once

#include <functional>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eddy/errors.h"
#include "eddy/headers.h"
#include "eddy/processor/punctuation.h"
#include "eddy/processor/record.h"
#include "eddy/sink/feature_update.h"
#include "eddy/state/state_store.h"

namespace eddy {
class FeatureSink;
}

namespace eddy::detail {

class TaskContext {
 public:
  virtual ~TaskContext() = default;
  virtual const std::string& application_id() const = 0;
  // "<sub-topology>_<partition>", e.g. "1_3"; "global" for the global task.
  virtual const std::string& task_id() const = 0;
  virtual int32_t partition() const = 0;
  // The input record being processed; nullptr while a punctuator runs.
  virtual const RecordMetadata* record_metadata() const = 0;
  // Headers of the record being processed (sinks write them; processors may change them).
  virtual Headers& headers() = 0;
  virtual int64_t stream_time() const = 0;
  virtual int64_t wall_clock_time() const = 0;
  // The store (task-local or global) named `name`; nullptr when there is none.
  virtual StateStore* store(const std::string& name) = 0;
  virtual Cancellable schedule(int64_t interval_ms, PunctuationType type, Punctuator fn) = 0;
  // Hands a serialized record to the record collector; `partition` std::nullopt: chosen by
  // Kafka's default partitioner on the key bytes. `node` names the sink node sending it (for
  // the production handler when Kafka refuses the record). The optionals go by reference: a
  // sink builds them just before the call, and a copy of one read back whole from the bytes
  // just stored stalls the CPU on every record.
  virtual void send(const std::string& topic, const std::optional<int32_t>& partition,
                    const std::optional<std::string_view>& key,
                    const std::optional<std::string_view>& value, int64_t timestamp,
                    std::string_view node = {}) = 0;
  // The number of partitions of `topic` (for partitioners); throws Error when the topic
  // does not exist.
  virtual int32_t partition_count(const std::string& topic) = 0;
  // A node dropped a record on purpose (null key, null value, ...): counted per node and
  // `reason` (a string literal; eddy_dropped_records_total), logged now and then.
  virtual void record_dropped(const std::string& node, const char* reason) = 0;
  // A windowed node dropped a record for a closed window (once per window): counted in
  // TaskMetrics::late_dropped and per node, logged once in a while.
  virtual void record_late(const std::string& node) = 0;
  // A source could not deserialize the current record: throws (log_and_fail) or logs and
  // returns (log_and_continue), per default.deserialization.exception.handler.
  virtual void deserialization_failed(const std::string& node, const SerdeError& error) = 0;
  // A sink could not serialize an output record: to the production handler (continue: the
  // record is not sent; fail: throws). `key`/`value` are what serialized so far (may be
  // nullopt).
  virtual void serialization_failed(const std::string& node, const std::string& /*topic*/,
                                    std::optional<std::string_view> /*key*/,
                                    std::optional<std::string_view> /*value*/,
                                    int64_t /*timestamp*/, const SerdeError& error) {
    throw SerdeError("sink '" + node + "': " + error.what());
  }
  // Hands a feature update to `sink` (a to_sink() node). The task remembers how far it
  // submitted, so it commits its offsets only once the sink acknowledged everything up to
  // there, and stops taking input while the sink pushes back.
  virtual void submit_feature(FeatureSink& sink, FeatureUpdate update) = 0;

  // Erasure (KStream::erase): forgets the key bytes `key` in the task's stores named in
  // `stores` (every entry, window and session of it, and what suppress buffers hold of it;
  // each removal a changelog tombstone, forwarded by no cache) and, when `sinks`, deletes it
  // in every feature sink of the task's sub-topology. Returns the store entries removed.
  virtual int64_t erase_key(std::string_view /*key*/, const std::vector<std::string>& /*stores*/,
                            bool /*sinks*/) {
    throw Error("this task cannot erase keys");
  }

  // The process memory budget (docs/state.md, "Memory budget"). A suppress buffer reports
  // each change of its size, and asks whether the suppress buffers of the process together
  // exceed what the budget lets them hold (suppress_buffer_limit_bytes()).
  virtual void add_suppress_buffer_usage(int64_t /*delta*/) {}
  virtual bool suppress_buffers_over_budget() const { return false; }
  virtual int64_t suppress_buffer_limit_bytes() const { return INT64_MAX; }

  // StreamsConfig::outer_join_emit_interval: how often (wall clock) a left or outer
  // stream-stream join looks for records whose window closed without a partner.
  virtual int64_t outer_join_emit_interval_ms() const { return 1000; }

  // Store bytes of the latest value per key, handed over when a record cache flushes.
  using CacheFlushFn = std::function<void(
      std::string_view key, std::optional<std::string_view> new_value, int64_t timestamp)>;
  // Registers `fn` with the record cache of store `name`; false when the store has no
  // cache (then the caller forwards every update itself, as Kafka Streams without caching).
  virtual bool set_cache_flush_listener(const std::string& /*name*/, CacheFlushFn /*fn*/) {
    return false;
  }
  // The same for a table that sends old values (Kafka Streams' sendOldValues): `old_value`
  // is the key's store bytes before the flushed writes (std::nullopt: none).
  using CacheFlushWithOldFn =
      std::function<void(std::string_view key, std::optional<std::string_view> new_value,
                         std::optional<std::string_view> old_value, int64_t timestamp)>;
  virtual bool set_cache_flush_listener_with_old_values(const std::string& /*name*/,
                                                        CacheFlushWithOldFn /*fn*/) {
    return false;
  }

  // Store bytes of a key that TTL expired, its value before (user bytes), and when it became
  // due (event or wall-clock ms, per the store's TtlClock). Called after the deletion went
  // through the store, so the changelog has the tombstone (with caching: once the cache
  // flushes). Runs inside another record's processing, a commit or a wall-clock sweep; the
  // task's headers are empty while it runs.
  using ExpiryFn =
      std::function<void(std::string_view key, std::string_view old_value, int64_t expiry_time)>;
  // Adds `fn` to the listeners of store `name`'s expiries; false when the store has no TTL.
  virtual bool add_expiry_listener(const std::string& /*name*/, ExpiryFn /*fn*/) { return false; }

  // The record cache of a window store hands over the latest value per window: the user
  // key's bytes, the window's start, the value bytes ([8-byte timestamp][aggregate]).
  using WindowCacheFlushFn =
      std::function<void(std::string_view key, int64_t window_start,
                         std::optional<std::string_view> new_value, int64_t timestamp)>;
  virtual bool set_window_cache_flush_listener(const std::string& /*name*/,
                                               WindowCacheFlushFn /*fn*/) {
    return false;
  }
  // The same for a session store: a session merged away arrives with no new value.
  using SessionCacheFlushFn =
      std::function<void(std::string_view key, SessionWindow window,
                         std::optional<std::string_view> new_value, int64_t timestamp)>;
  virtual bool set_session_cache_flush_listener(const std::string& /*name*/,
                                                SessionCacheFlushFn /*fn*/) {
    return false;
  }
};

}  // namespace eddy::detail
