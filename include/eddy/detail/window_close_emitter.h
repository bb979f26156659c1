// eddy/detail/window_close_emitter.h — the emit strategy on_window_close for time and sliding
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

#include "eddy/detail/task_context.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
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
      : progress_store_(std::move(progress_store)),
        closed_offset_(closed_offset),
        advance_(std::max<int64_t>(1, advance)) {}

  bool enabled() const { return !progress_store_.empty(); }

  void init(TaskContext& context, BytesWindowStore* windows, const std::string& node) {
    if (!enabled()) return;
    windows_ = windows;
    progress_ = dynamic_cast<BytesKeyValueStore*>(context.store(progress_store_));
    if (progress_ == nullptr) {
      throw TopologyError("node '" + node + "' needs key-value store '" + progress_store_ +
                          "', which this task does not have");
    }
    emitted_through_ = kNothing;
    if (auto bytes = progress_->get(kProgressKey)) {
      emitted_through_ = static_cast<int64_t>(read_big_endian_u64(*bytes, "emitted-through"));
    }
  }

  // Hands every window closed by close_time and not emitted before to emit(Closed&), oldest
  // start first. Call it before the current record's puts: the windows it reads close before
  // the record's windows, and the store still has its previous stream time, so its retention
  // clamp cannot hide a window that closes exactly now.
  template <typename Emit>
  void emit_closed(int64_t close_time, Emit&& emit) {
    if (!enabled()) return;
    const int64_t upper = close_time - closed_offset_;
    const int64_t lower = emitted_through_ == kNothing ? 0 : emitted_through_ + 1;
    if (upper < 0 || upper < lower) return;
    emitted_through_ = upper;
    // No window start in [lower, upper] (time windows start at multiples of advance).
    if (upper / advance_ * advance_ < lower) return;
    closed_.clear();
    for (auto it = windows_->fetch_all(lower, upper); it->valid(); it->next()) {
      closed_.push_back({std::string(it->key()), it->window_start(), std::string(it->value())});
    }
    if (closed_.empty()) return;
    std::sort(closed_.begin(), closed_.end(), [](const Closed& a, const Closed& b) {
      return std::tie(a.start, a.key) < std::tie(b.start, b.key);
    });
    // Persisted only when something goes out: a close step that emitted nothing leaves no
    // result a restart could repeat.
    std::string bytes;
    append_big_endian_u64(static_cast<uint64_t>(upper), bytes);
    progress_->put(kProgressKey, std::string_view(bytes));
    for (const auto& c : closed_) emit(c);
  }

 private:
  static constexpr int64_t kNothing = -1;
  static constexpr std::string_view kProgressKey = "emitted-through";

  std::string progress_store_;
  int64_t closed_offset_ = 0;
  int64_t advance_ = 1;
  BytesWindowStore* windows_ = nullptr;
  BytesKeyValueStore* progress_ = nullptr;
  int64_t emitted_through_ = kNothing;
  std::vector<Closed> closed_;
};

}  // namespace eddy::detail
