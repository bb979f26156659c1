// eddy/detail/nodes/emit_progress.h — how far a windowed aggregation with the emit strategy
// on_window_close has emitted (internal), shared by time, sliding and session windows.
//
// Windows are placed on one time axis (time and sliding windows: their start; sessions: their
// end). A close step asks for the range of positions that closed since the last step; the
// emitter scans its store over that range and, when something goes out, persists how far it
// got in a small key-value store with a changelog (`<store>-emit-progress`), so a restart
// neither repeats nor loses a final result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "eddy/detail/task/task_context.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

class EmitProgress {
 public:
  struct Range {
    int64_t lower = 0;  // inclusive
    int64_t upper = 0;  // inclusive
  };

  EmitProgress() = default;  // the strategy on_window_update: never emits
  explicit EmitProgress(std::string store) : store_(std::move(store)) {}

  bool enabled() const { return !store_.empty(); }

  void init(TaskContext& context, const std::string& node) {
    if (!enabled()) return;
    progress_ = dynamic_cast<BytesKeyValueStore*>(context.store(store_));
    if (progress_ == nullptr) {
      throw TopologyError("node '" + node + "' needs key-value store '" + store_ +
                          "', which this task does not have");
    }
    loaded_ = false;
  }

  // Positions closed by `upper` (every position <= upper is closed) that were not emitted yet,
  // or nothing. Positions start at 0 (timestamps are not negative). Taking the range moves the
  // progress in memory; persist() makes it durable.
  std::optional<Range> take(int64_t upper) {
    if (!loaded_) load();
    const int64_t lower = emitted_through_ == kNothing ? 0 : emitted_through_ + 1;
    if (upper < 0 || upper < lower) return std::nullopt;
    emitted_through_ = upper;
    return Range{lower, upper};
  }

  // Called only when results go out: a close step that emitted nothing leaves no result a
  // restart could repeat, so it needs no write.
  void persist() {
    std::string bytes;
    append_big_endian_u64(static_cast<uint64_t>(emitted_through_), bytes);
    progress_->put(kKey, std::string_view(bytes));
  }

 private:
  static constexpr int64_t kNothing = -1;
  static constexpr std::string_view kKey = "emitted-through";

  // Read at the first close step. (The runtime initializes a task's nodes only after it has
  // restored their stores, so init() would see the restored mark too; reading it late keeps
  // this class correct for any caller that does not.)
  void load() {
    emitted_through_ = kNothing;
    if (auto bytes = progress_->get(kKey)) {
      emitted_through_ = static_cast<int64_t>(read_big_endian_u64(*bytes, "emitted-through"));
    }
    loaded_ = true;
  }

  std::string store_;
  BytesKeyValueStore* progress_ = nullptr;
  int64_t emitted_through_ = kNothing;
  bool loaded_ = false;
};

}  // namespace eddy::detail
