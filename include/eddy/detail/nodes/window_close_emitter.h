// eddy/detail/nodes/window_close_emitter.h — the emit strategy on_window_close for time and sliding
// window aggregations (internal): Kafka Streams' KIP-825 "emit final", read from the window
// store itself instead of a suppress buffer.
//
// Each time the operator's close time (stream time - grace) moves past windows that were not
// emitted yet, every window of the store with a start in (emitted through, greatest closed
// start] goes out once, in (start, key bytes) order — Kafka Streams' time-ordered store order.
// How far it got ("emitted through", a window start) is kept in a small key-value store with a
// changelog, so a restart neither repeats nor loses a final result.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "eddy/detail/nodes/emit_progress.h"
#include "eddy/detail/task/task_context.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

class WindowCloseEmitter {
 public:
  struct Closed {
    std::string key;  // serialized key
    int64_t start = 0;
    std::string value;  // the window store's value bytes
  };

  WindowCloseEmitter() = default;  // the strategy on_window_update: never emits
  // closed_offset: a window is closed once close time >= start + closed_offset (time windows:
  // size, end exclusive; sliding windows: diff + 1, end inclusive). advance: window starts are
  // multiples of it (sliding windows: 1), so a close step that passes no start scans nothing.
  WindowCloseEmitter(std::string progress_store, int64_t closed_offset, int64_t advance)
      : progress_(std::move(progress_store)),
        closed_offset_(closed_offset),
        advance_(std::max<int64_t>(1, advance)) {}

  bool enabled() const { return progress_.enabled(); }

  void init(TaskContext& context, BytesWindowStore* windows, const std::string& node) {
    if (!enabled()) return;
    windows_ = windows;
    progress_.init(context, node);
  }

  // Hands every window closed by close_time and not emitted before to emit(Closed&), oldest
  // start first. Call it before the current record's puts: the windows it reads close before
  // the record's windows, and the store still has its previous stream time, so its retention
  // clamp cannot hide a window that closes exactly now.
  template <typename Emit>
  void emit_closed(int64_t close_time, Emit&& emit) {
    if (!enabled()) return;
    const auto range = progress_.take(close_time - closed_offset_);
    if (!range) return;
    // No window start in [lower, upper] (time windows start at multiples of advance).
    if (range->upper / advance_ * advance_ < range->lower) return;
    closed_.clear();
    for (auto it = windows_->fetch_all(range->lower, range->upper); it->valid(); it->next()) {
      closed_.push_back({std::string(it->key()), it->window_start(), std::string(it->value())});
    }
    if (closed_.empty()) return;
    std::sort(closed_.begin(), closed_.end(), [](const Closed& a, const Closed& b) {
      return std::tie(a.start, a.key) < std::tie(b.start, b.key);
    });
    progress_.persist();
    for (const auto& c : closed_) emit(c);
  }

 private:
  EmitProgress progress_;
  int64_t closed_offset_ = 0;
  int64_t advance_ = 1;
  BytesWindowStore* windows_ = nullptr;
  std::vector<Closed> closed_;
};

}  // namespace eddy::detail
