// eddy/detail/nodes/persisted_stream_time.h — a windowed or session aggregation's observed stream
// time, kept across crashes and moves (internal).
//
// The stream time that closes windows is the max timestamp of the records that reached the
// operator (window_nodes.h). Kafka Streams keeps it in memory only, so after a crash a task
// restarts it from nothing: records the run before the crash dropped as late are taken, and
// the updates (and whatever serves them) differ from a run without the crash. Eddy writes it,
// whenever it moves, to a small cached key-value store with a changelog
// (`<window store>-stream-time`, one entry): the record cache hands only its latest value to
// the store and changelog at each commit, so under exactly-once it commits atomically with the
// input offsets, and a restored task reprocesses the records after them with the stream time
// it had when they were first read. The same mechanism as the suppress buffer's stream time
// (suppress_node.h) and the emit strategy's progress (emit_progress.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "eddy/detail/task/task_context.h"
#include "eddy/errors.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

class PersistedStreamTime {
 public:
  static constexpr int64_t kNone = -1;

  PersistedStreamTime() = default;  // in memory only (a node built outside the DSL)
  explicit PersistedStreamTime(std::string store) : store_name_(std::move(store)) {}

  // Finds the store and reads the restored stream time (kNone when there is none). The
  // runtime initializes a task's nodes after it has restored their stores.
  void init(TaskContext& context, const std::string& node) {
    observed_ = kNone;
    store_ = nullptr;
    if (store_name_.empty()) return;
    store_ = dynamic_cast<BytesKeyValueStore*>(context.store(store_name_));
    if (store_ == nullptr) {
      throw TopologyError("node '" + node + "' needs key-value store '" + store_name_ +
                          "', which this task does not have");
    }
    if (auto bytes = store_->get(kKey)) {
      observed_ = static_cast<int64_t>(read_big_endian_u64(*bytes, "stream time"));
    }
  }

  int64_t get() const { return observed_; }

  // Moves the stream time to `timestamp` when that is later, writing it through; returns it.
  int64_t advance(int64_t timestamp) {
    if (timestamp <= observed_) return observed_;
    observed_ = timestamp;
    if (store_ != nullptr) {
      buf_.clear();
      append_big_endian_u64(static_cast<uint64_t>(observed_), buf_);
      store_->put(kKey, std::string_view(buf_));
    }
    return observed_;
  }

 private:
  static constexpr std::string_view kKey = "stream-time";

  std::string store_name_;
  BytesKeyValueStore* store_ = nullptr;
  int64_t observed_ = kNone;
  std::string buf_;
};

}  // namespace eddy::detail
