// FixedWindowKind<Windows>: what tumbling/hopping (TimeWindows) and sliding windows differ in
// for FixedWindowedKStream (eddy/dsl/fixed_windowed_kstream.h): retention, window size, when a
// window is final, whether a record cache is used, and the aggregate node.
#pragma once

#include <cstdint>
#include <string>

#include "eddy/detail/nodes/sliding_window_node.h"
#include "eddy/detail/nodes/window_close_emitter.h"
#include "eddy/detail/nodes/window_nodes.h"
#include "eddy/dsl/windows.h"

namespace eddy::detail {

template <typename Windows>
struct FixedWindowKind;

template <>
struct FixedWindowKind<TimeWindows> {
  // Kafka Streams' default retention: window size + grace.
  static int64_t retention_ms(const TimeWindows& w) { return w.size_ms() + w.grace_ms(); }
  static int64_t size_ms(const TimeWindows& w) { return w.size_ms(); }
  static WindowCloseEmitter emitter(std::string progress_store, const TimeWindows& w) {
    return WindowCloseEmitter(std::move(progress_store), w.size_ms(), w.advance_ms());
  }
  // A record cache when asked for, whatever the emit strategy (Kafka Streams'
  // WindowStoreMaterializer).
  static bool cached(bool asked, bool /*on_close*/) { return asked; }
  template <typename K, typename V, typename VA>
  using Node = TimeWindowAggregateNode<K, V, VA>;
};

template <>
struct FixedWindowKind<SlidingWindows> {
  // Kafka Streams' retention for sliding windows: 2 x time difference + grace.
  static int64_t retention_ms(const SlidingWindows& w) {
    return 2 * w.time_difference_ms() + w.grace_ms();
  }
  // A window [start, start + difference] holds both ends.
  static int64_t size_ms(const SlidingWindows& w) { return w.time_difference_ms(); }
  static WindowCloseEmitter emitter(std::string progress_store, const SlidingWindows& w) {
    return WindowCloseEmitter(std::move(progress_store), w.time_difference_ms() + 1, 1);
  }
  // No record cache under on_window_close (Kafka Streams' SlidingWindowStoreMaterializer).
  static bool cached(bool asked, bool on_close) { return asked && !on_close; }
  template <typename K, typename V, typename VA>
  using Node = SlidingWindowAggregateNode<K, V, VA>;
};

}  // namespace eddy::detail
