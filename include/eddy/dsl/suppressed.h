// eddy/dsl/suppressed.h — Suppressed: hold a table's updates back and emit fewer of them.
//
//   // Exactly one final result per window, once stream time passes its end + grace:
//   counts.suppress(eddy::Suppressed::until_window_closes(eddy::BufferConfig::unbounded()))
//   // At most one update per key per minute of event time (the latest value wins):
//   totals.suppress(eddy::Suppressed::until_time_limit(std::chrono::minutes(1),
//                                                      eddy::BufferConfig::max_records(10'000)));
//   // Beyond Kafka Streams: also close windows when the operator sees no record for 5 minutes
//   // of wall-clock time (see docs/time-and-windows.md, "Idle close"):
//   counts.suppress(eddy::Suppressed::until_window_closes().with_idle_close(std::chrono::minutes(5)));
//
// The buffer is kept in a key-value store with a changelog (<app>-<name>-store-changelog), so
// a restart neither loses nor repeats results.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace eddy {

struct BufferConfig {
  enum class WhenFull {
    kShutDown,   // the task fails with an error naming the operator (default)
    kEmitEarly,  // the oldest entries are emitted before their time (until_time_limit only)
  };
  std::optional<int64_t> max_records;  // default: unbounded
  std::optional<int64_t> max_bytes;    // default: unbounded (key + value bytes)
  WhenFull when_full = WhenFull::kShutDown;

  static BufferConfig unbounded() { return {}; }
  static BufferConfig with_max_records(int64_t n) { return {.max_records = n}; }
  static BufferConfig with_max_bytes(int64_t n) { return {.max_bytes = n}; }
  BufferConfig& shut_down_when_full() {
    when_full = WhenFull::kShutDown;
    return *this;
  }
  BufferConfig& emit_early_when_full() {
    when_full = WhenFull::kEmitEarly;
    return *this;
  }
};

struct Suppressed {
  enum class Kind { kUntilWindowCloses, kUntilTimeLimit };
  Kind kind = Kind::kUntilWindowCloses;
  int64_t time_limit_ms = 0;
  BufferConfig buffer;
  std::string name;  // processor name; empty: KTABLE-SUPPRESS-<n>. Store: <name>-store
  // Idle close (beyond Kafka Streams): 0 = off (default).
  int64_t idle_close_after_ms = 0;

  // One final result per window of a windowed aggregation, when it closes. The buffer may
  // not emit early: with BufferConfig::emit_early_when_full build() fails.
  static Suppressed until_window_closes(BufferConfig buffer = BufferConfig::unbounded()) {
    return {.kind = Kind::kUntilWindowCloses, .buffer = buffer};
  }
  // The latest value of a key, `limit` of stream time after its first buffered update.
  static Suppressed until_time_limit(std::chrono::milliseconds limit,
                                     BufferConfig buffer = BufferConfig::unbounded()) {
    return {.kind = Kind::kUntilTimeLimit, .time_limit_ms = limit.count(), .buffer = buffer};
  }
  Suppressed& with_name(std::string n) {
    name = std::move(n);
    return *this;
  }
  // When no record reached the operator for `idle` of wall-clock time, its stream time (for
  // closing windows) advances with the wall clock from there. Checked every `idle` / 4
  // (at least 1 ms) by a wall-clock punctuator.
  Suppressed& with_idle_close(std::chrono::milliseconds idle) {
    idle_close_after_ms = idle.count();
    return *this;
  }
};

}  // namespace eddy
