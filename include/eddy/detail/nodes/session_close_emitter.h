// eddy/detail/nodes/session_close_emitter.h — the emit strategy on_window_close for session
// aggregations (internal): Kafka Streams' KStreamSessionWindowAggregate with
// EmitStrategy.onWindowClose(), read from the session store itself.
//
// A session [start, end] is closed once end < close time = stream time - gap - grace (the rule
// that makes a record joining it late). Each time the close time moves, every session of the
// store, of every key, with an end in [emitted through + 1, close time - 1] goes out once, in
// (end, start, key bytes) order — the order of Kafka Streams' time-ordered session store.
// Sessions merged away before they closed are gone from the store, so they never go out.
// Progress ("emitted through", a session end) is kept as for time windows (emit_progress.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "eddy/detail/nodes/emit_progress.h"
#include "eddy/detail/task/task_context.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

class SessionCloseEmitter {
 public:
  struct Closed {
    std::string key;  // serialized key
    SessionWindow window;
    std::string value;  // the session store's value bytes
  };

  SessionCloseEmitter() = default;  // the strategy on_window_update: never emits
  explicit SessionCloseEmitter(std::string progress_store) : progress_(std::move(progress_store)) {}

  bool enabled() const { return progress_.enabled(); }

  void init(TaskContext& context, BytesSessionStore* sessions, const std::string& node) {
    if (!enabled()) return;
    sessions_ = sessions;
    progress_.init(context, node);
    min_pending_end_ = kUnknown;
  }

  // The node reports every session it writes, so that a close step passing no session end
  // skips the store scan (the store is key-ordered: a scan by end reads whole segments).
  void on_put(const SessionWindow& window) {
    min_pending_end_ = std::min(min_pending_end_, window.end);
  }

  // Hands every session closed by close_time and not emitted before to emit(Closed&).
  template <typename Emit>
  void emit_closed(int64_t close_time, Emit&& emit) {
    if (!enabled()) return;
    // Session ends are inclusive: a session ending at close_time - 1 is the last one closed.
    const auto range = progress_.take(close_time - 1);
    if (!range || range->upper < min_pending_end_) return;
    closed_.clear();
    int64_t next_pending = std::numeric_limits<int64_t>::max();
    auto it = sessions_->fetch_all(range->lower, std::numeric_limits<int64_t>::max());
    for (; it->valid(); it->next()) {
      const SessionWindow window = it->window();
      if (window.end > range->upper) {  // ascending by end: the earliest session still open
        next_pending = window.end;
        break;
      }
      closed_.push_back({std::string(it->key()), window, std::string(it->value())});
    }
    min_pending_end_ = next_pending;
    if (closed_.empty()) return;
    progress_.persist();
    for (const auto& c : closed_) emit(c);
  }

 private:
  // A lower bound of the end of every session in the store not emitted yet; unknown (so the
  // next close step scans) until the first scan after init.
  static constexpr int64_t kUnknown = std::numeric_limits<int64_t>::min();

  EmitProgress progress_;
  BytesSessionStore* sessions_ = nullptr;
  int64_t min_pending_end_ = kUnknown;
  std::vector<Closed> closed_;
};

}  // namespace eddy::detail
