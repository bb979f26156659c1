// eddy/detail/nodes/suppress_node.h — suppress(): a time-ordered buffer of a table's latest
// updates, emitted when their time comes (internal).
//
// Final results (until_window_closes): an update of window W is held until the node's stream
// time >= W.end + close_after (grace; gap + grace for sessions), then emitted; deletes
// (merged-away sessions) are dropped. An update that still arrives at stream time exactly
// W.end + close_after (sliding and session aggregations accept one then) is emitted again,
// as Kafka Streams does, so the last result of a window always carries its last value. Time limit:
// a key's latest value is emitted once stream time >= its first buffered update's timestamp +
// limit. The node's stream time is the max timestamp of the updates that reached it, as Kafka
// Streams.
//
// The buffer lives in memory, mirrored in a key-value store (with a changelog):
//   key bytes -> [8 buffer time][8 record timestamp][1 present][value bytes]
// and, under the empty key, the node's stream time as of its last emission, so a restart
// never reopens a window whose final result went out. The mirror is written at each commit
// (flush()): one batch of the keys changed since the last one, each with its state then, as
// Kafka Streams' buffer logs its dirty keys when it is flushed. A growing session replaces its
// key on every event; only what is left at the commit reaches RocksDB and the changelog. A
// crash before the commit loses nothing the uncommitted input does not bring back.
//
// Size: an entry counts its key bytes + stored value bytes + kEntryOverhead; the sum is
// what BufferConfig::max_bytes bounds and what the node reports to the process memory
// budget (the RocksDB block cache, then record caches give way to it; docs/state.md). When
// the suppress buffers alone exceed half the budget, the buffer that just grew applies its
// full behaviour, as for its own BufferConfig bounds.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/dsl/suppressed.h"
#include "eddy/dsl/windowed.h"

namespace eddy::detail {

template <typename T>
struct IsWindowed : std::false_type {};
template <typename T>
struct IsWindowed<Windowed<T>> : std::true_type {};

template <typename K, typename V>
class SuppressNode final : public Node<K, Change<V>, K, Change<V>> {
 public:
  SuppressNode(std::string name, std::string store, Suppressed config, int64_t duration_ms,
               Serde<K> ks, Serde<V> vs)
      : Node<K, Change<V>, K, Change<V>>(std::move(name)),
        store_name_(std::move(store)),
        config_(std::move(config)),
        duration_ms_(duration_ms),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = lookup_kv_store(context, store_name_, this->name());
    restore();
    last_record_wall_ = context.wall_clock_time();
    if (config_.idle_close_after_ms > 0) {
      const int64_t every = std::max<int64_t>(1, config_.idle_close_after_ms / 4);
      context.schedule(every, PunctuationType::kWallClockTime,
                       [this](int64_t now) { on_wall_clock(now); });
    }
  }

  void process(const K& key, const Change<V>& change, Stamp stamp) override {
    const std::optional<V>& value = change.new_value;
    last_record_wall_ = this->context_->wall_clock_time();
    const int64_t time = buffer_time(key, stamp);
    if (final_results() && observed_ >= 0 && time < observed_ - duration_ms_) {
      // A window the aggregation upstream could no longer update at this stream time: only
      // idle close or a restart of the aggregation (its stream time starts over) lets such an
      // update through, and its final result already went out, so it is dropped and counted.
      // An update at exactly end + close is not such a case: sliding and session aggregations
      // still accept their window then, after it was emitted, and Kafka Streams emits that
      // update again (docs/time-and-windows.md, "Emit final: suppress"). Deletes of merged-away
      // sessions are never emitted, so they are not counted.
      if (value) this->context_->record_late(this->name());
      return;
    }
    set_observed(std::max(observed_, stamp.timestamp));
    idle_base_ = observed_;
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    Entry entry{key, value, stamp.timestamp, time, 0, {}};
    if (auto it = index_.find(key_buf_); it != index_.end()) {
      entry.time = it->second;  // keeps its place (first update's time)
      Entry& old = buffer_.at({it->second, key_buf_});
      account(-old.bytes);
      entry.stored = std::move(old.stored);  // encode() reuses its buffer
      buffer_.erase({it->second, key_buf_});
    }
    encode(entry);
    dirty_.insert(key_buf_);
    entry.bytes = entry_bytes(key_buf_.size(), entry.stored.size());
    account(entry.bytes);
    index_[key_buf_] = entry.time;
    buffer_.emplace(std::make_pair(entry.time, key_buf_), std::move(entry));
    evict();
    enforce_capacity();
    if (dirty_.size() >= kDirtyKeysToWrite) flush();
  }

  // Erasure: every buffered result of the key goes, from memory and from the store (each a
  // changelog tombstone); none is emitted.
  int64_t erase_key(const std::string& store, std::string_view key) override {
    if (store != store_name_) return -1;
    std::vector<std::pair<int64_t, Bytes>> matches;
    for (const auto& [bytes, time] : index_) {
      if (buffered_key_of(bytes, time, key)) matches.emplace_back(time, bytes);
    }
    for (const auto& position : matches) {
      auto it = buffer_.find(position);
      account(-it->second.bytes);
      buffer_.erase(it);
      index_.erase(position.second);
      dirty_.erase(position.second);
      store_->put(position.second, std::nullopt);
    }
    return static_cast<int64_t>(matches.size());
  }

  // Writes the keys changed since the last commit to the mirror store, in one batch.
  // Also called between commits once kDirtyKeysToWrite keys changed, so what waits (and the
  // batch copied for the store) stays small however long the commit interval: writing early
  // is what every update did before, and is always safe.
  void flush() override {
    if (dirty_.empty() && !dirty_stream_time_) return;
    std::vector<std::pair<Bytes, std::optional<Bytes>>> batch;
    batch.reserve(std::min(dirty_.size(), kDirtyKeysToWrite) + 1);
    if (dirty_stream_time_) {
      std::string bytes;
      append_big_endian_u64(static_cast<uint64_t>(*dirty_stream_time_), bytes);
      batch.emplace_back(Bytes(), std::move(bytes));
      dirty_stream_time_.reset();
    }
    for (const Bytes& key : dirty_) {
      auto it = index_.find(key);
      if (it == index_.end()) {
        batch.emplace_back(key, std::nullopt);  // emitted (or a delete dropped) since
      } else {
        batch.emplace_back(key, buffer_.at({it->second, key}).stored);
      }
      if (batch.size() >= kDirtyKeysToWrite) {
        store_->put_all(batch);
        batch.clear();
      }
    }
    dirty_.clear();
    if (!batch.empty()) store_->put_all(batch);
  }

  // The buffer's memory goes back to the budget when the task closes (revoked, shut down).
  // A clean close committed (flushed) before; a dirty one drops what changed since the last
  // commit, as the input it came from is processed again.
  void close() override {
    if (this->context_ != nullptr) this->context_->add_suppress_buffer_usage(-bytes_);
    bytes_ = 0;
    dirty_.clear();
    dirty_stream_time_.reset();
  }

  size_t buffered() const { return buffer_.size(); }
  int64_t buffered_bytes() const { return bytes_; }
  // Per entry, beyond its key and value bytes: the ordered buffer's node, the index entry
  // (a second copy of the key) and the decoded key and value.
  static constexpr int64_t kEntryOverhead = 64;
  // Changed keys written to the mirror store in one batch; more changes than this between two
  // commits are written as they reach it.
  static constexpr size_t kDirtyKeysToWrite = 50'000;

 private:
  struct Entry {
    K key;
    std::optional<V> value;
    int64_t timestamp;
    int64_t time;
    int64_t bytes;  // counted size (entry_bytes)
    Bytes stored;   // the mirror store's value (its bytes are what `bytes` counts)
  };

  // Whether the buffered key bytes `stored` (at buffer time `time`) are those of the erased
  // key bytes `key`: equal, or for a windowed table the key followed by its window's suffix
  // (windowed.h: 8-byte start for time windows, 8-byte end + 8-byte start for sessions),
  // checked against the decoded window so a longer key that merely starts with `key` is not.
  bool buffered_key_of(const Bytes& stored, int64_t time, std::string_view key) const {
    if (std::string_view(stored) == key) return true;
    if constexpr (IsWindowed<K>::value) {
      if (stored.size() <= key.size() || std::string_view(stored).substr(0, key.size()) != key) {
        return false;
      }
      const auto& window = buffer_.at({time, stored}).key;
      std::string suffix;
      const size_t extra = stored.size() - key.size();
      if (extra == 16) append_big_endian_u64(static_cast<uint64_t>(window.end), suffix);
      if (extra == 8 || extra == 16) {
        append_big_endian_u64(static_cast<uint64_t>(window.start), suffix);
      }
      return !suffix.empty() && std::string_view(stored).substr(key.size()) == suffix;
    } else {
      (void)time;
      return false;
    }
  }

  void account(int64_t delta) {
    bytes_ += delta;
    this->context_->add_suppress_buffer_usage(delta);
  }

  bool final_results() const { return config_.kind == Suppressed::Kind::kUntilWindowCloses; }

  int64_t buffer_time(const K& key, Stamp stamp) const {
    if constexpr (IsWindowed<K>::value) {
      if (final_results()) return key.end;
    }
    (void)key;
    return stamp.timestamp;
  }

  void on_wall_clock(int64_t now) {
    if (observed_ < 0) return;
    const int64_t idle = now - last_record_wall_;
    if (idle < config_.idle_close_after_ms) return;
    // Stream time advances with the wall clock since the last record.
    set_observed(std::max(observed_, idle_base_ + idle));
    evict();
  }

  void set_observed(int64_t t) { observed_ = t; }

  // Emits what is due. The stream time is persisted only when something is emitted: what a
  // restart must know is that emitted windows are closed, and it then knows at least that.
  void evict() {
    const int64_t expiry = observed_ - duration_ms_;
    if (buffer_.empty() || buffer_.begin()->first.first > expiry) return;
    dirty_stream_time_ = observed_;
    while (!buffer_.empty() && buffer_.begin()->first.first <= expiry) emit_oldest();
  }

  void enforce_capacity() {
    const auto& b = config_.buffer;
    auto over = [&] {
      return (b.max_records && static_cast<int64_t>(buffer_.size()) > *b.max_records) ||
             (b.max_bytes && bytes_ > *b.max_bytes);
    };
    const bool emit_early = b.when_full == BufferConfig::WhenFull::kEmitEarly;
    if (over()) {
      if (!emit_early) {
        throw Error("suppress '" + this->name() + "': buffer full (" +
                    std::to_string(buffer_.size()) + " records, " + std::to_string(bytes_) +
                    " bytes); raise BufferConfig max_records/max_bytes or let stream time advance");
      }
      while (over() && !buffer_.empty()) emit_oldest();
    }
    // The process memory budget: the record caches and the RocksDB block cache have given
    // way already, so what is over is suppress buffers alone.
    auto& context = *this->context_;
    if (!context.suppress_buffers_over_budget()) return;
    if (!emit_early) {
      throw Error("suppress '" + this->name() + "': the memory budget is exhausted (suppress " +
                  "buffers over their limit of " +
                  std::to_string(context.suppress_buffer_limit_bytes()) +
                  " bytes, half of eddy.memory.budget.bytes; this buffer holds " +
                  std::to_string(buffer_.size()) + " records, " + std::to_string(bytes_) +
                  " bytes); raise eddy.memory.budget.bytes, bound the buffer with " +
                  "BufferConfig, or let stream time advance");
    }
    while (context.suppress_buffers_over_budget() && !buffer_.empty()) emit_oldest();
  }

  void emit_oldest() {
    auto it = buffer_.begin();
    Entry entry = std::move(it->second);
    const Bytes key_bytes = it->first.second;
    account(-entry.bytes);
    buffer_.erase(it);
    index_.erase(key_bytes);
    dirty_.insert(key_bytes);
    if (final_results() && !entry.value) return;  // deletes of final results are not emitted
    this->out_.forward(entry.key, Change<V>{std::move(entry.value), std::nullopt},
                       Stamp{entry.timestamp, false});
  }

  static int64_t entry_bytes(size_t key_bytes, size_t stored_value_bytes) {
    return static_cast<int64_t>(key_bytes + stored_value_bytes) + kEntryOverhead;
  }

  // The entry's bytes in the mirror store.
  void encode(Entry& e) const {
    e.stored.clear();
    append_big_endian_u64(static_cast<uint64_t>(e.time), e.stored);
    append_big_endian_u64(static_cast<uint64_t>(e.timestamp), e.stored);
    e.stored.push_back(e.value ? '\1' : '\0');
    if (e.value) value_serde_.serialize(*e.value, e.stored);
  }

  void restore() {
    for (auto it = store_->all(); it->valid(); it->next()) {
      const std::string_view k = it->key();
      const std::string_view v = it->value();
      if (k.empty()) {
        observed_ = static_cast<int64_t>(read_big_endian_u64(v, "suppress stream time"));
        idle_base_ = observed_;
        continue;
      }
      Entry e{key_serde_.deserialize(k),
              std::nullopt,
              static_cast<int64_t>(read_big_endian_u64(v.substr(8, 8), "timestamp")),
              static_cast<int64_t>(read_big_endian_u64(v.substr(0, 8), "buffer time")),
              entry_bytes(k.size(), v.size()),
              Bytes(v)};
      if (v[16] != '\0') e.value = value_serde_.deserialize(v.substr(17));
      Bytes kb(k);
      account(e.bytes);
      index_[kb] = e.time;
      buffer_.emplace(std::make_pair(e.time, kb), std::move(e));
    }
  }

  std::string store_name_;
  Suppressed config_;
  int64_t duration_ms_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  BytesKeyValueStore* store_ = nullptr;
  std::map<std::pair<int64_t, Bytes>, Entry> buffer_;  // by (buffer time, key bytes)
  std::unordered_map<Bytes, int64_t> index_;           // key bytes -> buffer time
  // Keys whose mirror value changed since the last flush() (a few dozen bytes each, outside
  // the buffer's count), and the stream time to persist with them.
  std::unordered_set<Bytes> dirty_;
  std::optional<int64_t> dirty_stream_time_;
  int64_t bytes_ = 0;
  int64_t observed_ = -1;
  int64_t idle_base_ = -1;  // stream time when the node last saw a record
  int64_t last_record_wall_ = 0;
  std::string key_buf_;
};

}  // namespace eddy::detail
