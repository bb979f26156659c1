// eddy/detail/nodes/stream_join_nodes.h — the processor nodes of a KStream–KStream join (internal).
//
// The graph of one join, as Kafka Streams builds it (KStreamImplJoin):
//
//   left stream  -> JoinWindowNode (left store)  -> StreamJoinSideNode<left>  --+
//                                                                              merge -> out
//   right stream -> JoinWindowNode (right store) -> StreamJoinSideNode<right> --+
//
// A record is first forwarded to its side's join node, then put in its side's window store
// (so a self-join's right side finds the record itself). The join node looks the record's key
// up in the *other* side's store within [t - before, t + after] (the bounds of its side) and
// forwards one result per match, stamped max(t, partner's t). The two join nodes of a task
// share one time tracker: the join's stream time (max timestamp that reached either side).
//
// Left and outer joins (KIP-633): a record that found no partner is kept in the shared outer
// join store until its window closed (stream time > t + its look-ahead + grace) and no
// partner came; then it is forwarded with a missing partner (std::nullopt), stamped t. A
// partner arriving in time removes it (the inner result went out instead). The store is
// scanned in key order — [8-byte big-endian t][side: 1 left, 0 right][key bytes] — so
// non-joined results leave in timestamp order, a right record before a left one at the
// same t, and the scan stops at the first entry of each side whose window is still open. A
// scan runs at most once per `__emit.interval.ms.kstreams.outer.join.spurious.results.fix__`
// (StreamsConfig::outer_join_emit_interval) of wall-clock time, as Kafka Streams, and only
// when the record that triggers it carries the join's stream time.
//
// Late records follow Kafka Streams 4.4 exactly: a record older than its side's store
// retention (before + after + grace behind that store's stream time) is not kept (the store
// counts it as expired, and as a late record of its KSTREAM-WINDOWED- node where Kafka Streams'
// store counts it as dropped) but still probes the other side's store, which only returns what
// its own retention keeps; a left/outer record whose window already closed (t + after < stream
// time) is emitted as non-joined at once instead of waiting in the outer store.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/detail/nodes/window_nodes.h"
#include "eddy/serde/serdes.h"
#include "eddy/state/bytes_stores.h"

namespace eddy::detail {

// A value is Kafka's null when it is an empty std::optional (a tombstone).
template <typename V>
bool is_null_value(const V& value) {
  if constexpr (IsOptional<V>::value) {
    return !value.has_value();
  } else {
    (void)value;
    return false;
  }
}

// Java long arithmetic: wraps instead of overflowing (Kafka Streams' min time starts at
// Long.MAX_VALUE and is added to).
inline int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// Kafka Streams' KStreamImplJoin.TimeTracker: one per join and task, shared by both sides.
struct JoinTimeTracker {
  int64_t stream_time = -1;
  int64_t min_time = INT64_MAX;  // earliest timestamp put in the outer store since the last scan
  // Not in Kafka Streams: no live entry of the outer store is older than this, so a scan may
  // seek here instead of stepping over the deletions of earlier scans (RocksDB tombstones at
  // the front of the store). A scan deletes every closed entry before the first open one;
  // puts lower it again. 0 (at start, and after a restore): scan from the beginning.
  int64_t live_from = 0;
  int64_t next_time_to_emit = 0;
  int64_t emit_interval_ms = 1000;

  void advance_stream_time(int64_t ts) { stream_time = std::max(stream_time, ts); }
  void update_min_time(int64_t ts) { min_time = std::min(min_time, ts); }
};

// Hands the two side nodes of one join in one task the same tracker. A task makes its nodes
// one after the other, in node order, on one thread: the left side's node (made first) takes
// a new tracker and leaves it here for this thread; the right side's node, made next, picks
// it up. A task made on another thread meanwhile has its own slot.
class JoinTimeTrackers {
 public:
  std::shared_ptr<JoinTimeTracker> for_left_side() {
    auto tracker = std::make_shared<JoinTimeTracker>();
    handed_out()[this] = tracker;
    return tracker;
  }
  std::shared_ptr<JoinTimeTracker> for_right_side() {
    auto& slots = handed_out();
    auto it = slots.find(this);
    if (it == slots.end()) return std::make_shared<JoinTimeTracker>();
    auto tracker = std::move(it->second);
    slots.erase(it);
    return tracker;
  }

 private:
  static std::map<const JoinTimeTrackers*, std::shared_ptr<JoinTimeTracker>>& handed_out() {
    thread_local std::map<const JoinTimeTrackers*, std::shared_ptr<JoinTimeTracker>> slots;
    return slots;
  }
};

// The outer join store's layout: key [8-byte big-endian timestamp][1: left, 0: right][key],
// value: the records waiting under that key, each [4-byte big-endian length][1: left, 0:
// right][value bytes] (Kafka Streams' LeftOrRightValue in a list).
struct OuterJoinStoreCodec {
  static void encode_key(int64_t timestamp, bool left, std::string_view key, std::string& out) {
    out.clear();
    append_big_endian_u64(static_cast<uint64_t>(timestamp), out);
    out.push_back(left ? 1 : 0);
    out.append(key);
  }
  static int64_t timestamp(std::string_view key) {
    return static_cast<int64_t>(read_big_endian_u64(key.substr(0, 8), "outer join store key"));
  }
  static bool left(std::string_view key) { return key[8] != 0; }
  static std::string_view user_key(std::string_view key) { return key.substr(9); }
  static bool valid_key(std::string_view key) { return key.size() >= 9; }

  // Appends one element (side byte + value bytes) to a list value.
  static void append_element(bool left, std::string_view value, std::string& list) {
    const auto n = static_cast<uint32_t>(value.size() + 1);
    for (int shift = 24; shift >= 0; shift -= 8)
      list.push_back(static_cast<char>((n >> shift) & 0xFF));
    list.push_back(left ? 1 : 0);
    list.append(value);
  }
  // Calls fn(left, value bytes) for each element of a list value.
  template <typename Fn>
  static void for_each_element(std::string_view list, Fn&& fn) {
    size_t pos = 0;
    while (pos < list.size()) {
      if (list.size() - pos < 5) throw SerdeError("outer join store: truncated list value");
      uint32_t n = 0;
      for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<uint8_t>(list[pos + i]);
      pos += 4;
      if (n == 0 || list.size() - pos < n) throw SerdeError("outer join store: bad element length");
      fn(list[pos] != 0, list.substr(pos + 1, n - 1));
      pos += n;
    }
  }
};

// KStreamJoinWindow: forwards each record to its side's join node, then puts it in the side's
// window store (window start = its timestamp; the store keeps duplicates). Records with a null
// key or value are forwarded but not stored. A record older than the store's retention behind
// the side's stream time is not kept (reads never return it): the store counts it
// (StoreContext::expired_put, docs/dsl.md "Late records").
template <typename K, typename V>
class JoinWindowNode final : public Node<K, V, K, V> {
 public:
  JoinWindowNode(std::string name, std::string store, Serde<K> ks, Serde<V> vs)
      : Node<K, V, K, V>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    store_ = lookup_store_as<BytesWindowStore*>(context, store_name_, this->name(), "window");
  }

  void process(const K& key, const V& value, Stamp stamp) override {
    this->out_.forward(key, value, stamp);
    if (stamp.null_key || is_null_value(value)) return;
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    value_buf_.clear();
    value_serde_.serialize(value, value_buf_);
    store_->put(key_buf_, std::string_view(value_buf_), stamp.timestamp);
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<V> value_serde_;
  BytesWindowStore* store_ = nullptr;
  std::string key_buf_;
  std::string value_buf_;
};

// What one side's join node needs to know (Kafka Streams' KStreamKStreamJoin fields).
struct StreamJoinSideSpec {
  std::string other_store;     // the other side's window store
  std::string outer_store;     // the shared outer join store; empty for inner joins
  bool outer = false;          // this side emits records without a partner (left side of a
                               // left join, both sides of an outer join)
  int64_t join_before_ms = 0;  // this side's look-back into the other store
  int64_t join_after_ms = 0;   // this side's look-ahead
  int64_t windows_before_ms = 0;
  int64_t windows_after_ms = 0;
  int64_t grace_ms = 0;
};

// KStreamKStreamJoinLeftSide / RightSide. kLeft: this node receives the left stream's records.
// The joiner always takes (key, left or nullptr, right or nullptr), whichever side calls it.
template <typename K, typename VL, typename VR, typename VOut, bool kLeft>
class StreamJoinSideNode final : public Node<K, std::conditional_t<kLeft, VL, VR>, K, VOut> {
 public:
  using VThis = std::conditional_t<kLeft, VL, VR>;
  using VOther = std::conditional_t<kLeft, VR, VL>;
  using Joiner = std::function<VOut(const K&, const VL*, const VR*)>;

  // `tracker`: shared with the other side's node of the same task (JoinTimeTrackers).
  StreamJoinSideNode(std::string name, StreamJoinSideSpec spec, Serde<K> ks, Serde<VL> left_serde,
                     Serde<VR> right_serde, Joiner joiner, std::shared_ptr<JoinTimeTracker> tracker)
      : Node<K, VThis, K, VOut>(std::move(name)),
        spec_(std::move(spec)),
        key_serde_(std::move(ks)),
        left_serde_(std::move(left_serde)),
        right_serde_(std::move(right_serde)),
        joiner_(std::move(joiner)),
        tracker_(std::move(tracker)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    other_ = lookup_store_as<BytesWindowStore*>(context, spec_.other_store, this->name(), "window");
    if (!spec_.outer_store.empty())
      outer_store_ = lookup_kv_store(context, spec_.outer_store, this->name());
    tracker_->emit_interval_ms = context.outer_join_emit_interval_ms();
  }

  void process(const K& key, const VThis& value, Stamp stamp) override {
    const int64_t ts = stamp.timestamp;
    JoinTimeTracker& tracker = *tracker_;
    tracker.advance_stream_time(ts);
    if (spec_.outer && stamp.null_key && !is_null_value(value)) {
      this->out_.forward(key, join(key, &value, nullptr), stamp);
      return;
    }
    if (stamp.null_key || is_null_value(value)) {
      this->context_->record_dropped(this->name(), "null key or value");
      return;
    }
    if (ts == tracker.stream_time && outer_store_ != nullptr) emit_non_joined(stamp);

    const int64_t time_from = std::max<int64_t>(0, ts - spec_.join_before_ms);
    const int64_t time_to = std::max<int64_t>(0, ts + spec_.join_after_ms);
    key_buf_.clear();
    key_serde_.serialize(key, key_buf_);
    auto it = other_->fetch(key_buf_, time_from, time_to);
    const bool need_outer = spec_.outer && !it->valid();
    for (; it->valid(); it->next()) {
      const int64_t other_ts = it->window_start();
      const VOther other = other_serde().deserialize(it->value());
      if (outer_store_ != nullptr) {
        // The partner no longer waits for one: drop it from the outer store, if it is there.
        OuterJoinStoreCodec::encode_key(other_ts, !kLeft, key_buf_, outer_key_buf_);
        if (outer_store_->get(outer_key_buf_)) outer_store_->put(outer_key_buf_, std::nullopt);
      }
      Stamp out = stamp;
      out.timestamp = std::max(ts, other_ts);
      this->out_.forward(key, join(key, &value, &other), out);
    }
    if (!need_outer) return;
    if (outer_store_ != nullptr && time_to >= tracker.stream_time) {
      tracker.update_min_time(ts);
      tracker.live_from = std::min(tracker.live_from, ts);
      OuterJoinStoreCodec::encode_key(ts, kLeft, key_buf_, outer_key_buf_);
      std::string list;
      if (auto existing = outer_store_->get(outer_key_buf_)) list = std::move(*existing);
      value_buf_.clear();
      this_serde().serialize(value, value_buf_);
      OuterJoinStoreCodec::append_element(kLeft, value_buf_, list);
      outer_store_->put(outer_key_buf_, std::string_view(list));
    } else {
      this->out_.forward(key, join(key, &value, nullptr), stamp);
    }
  }

 private:
  const Serde<VThis>& this_serde() const {
    if constexpr (kLeft) {
      return left_serde_;
    } else {
      return right_serde_;
    }
  }
  const Serde<VOther>& other_serde() const {
    if constexpr (kLeft) {
      return right_serde_;
    } else {
      return left_serde_;
    }
  }
  VOut join(const K& key, const VThis* self, const VOther* other) const {
    if constexpr (kLeft) {
      return joiner_(key, self, other);
    } else {
      return joiner_(key, other, self);
    }
  }

  // Kafka Streams' emitNonJoinedOuterRecords.
  void emit_non_joined(const Stamp& stamp) {
    JoinTimeTracker& tracker = *tracker_;
    const int64_t after = spec_.join_after_ms;
    if (!(wrapping_add(wrapping_add(tracker.min_time, after), spec_.grace_ms) <
          tracker.stream_time)) {
      return;
    }
    const int64_t now = this->context_->wall_clock_time();
    if (now < tracker.next_time_to_emit) return;
    tracker.next_time_to_emit = wrapping_add(now, tracker.emit_interval_ms);
    tracker.min_time = INT64_MAX;

    struct Pending {
      std::string key;  // store key
      bool left;
      std::string value;
    };
    std::vector<Pending> closed;
    bool left_open = false;
    bool right_open = false;
    bool stop = false;
    int64_t first_open = INT64_MAX;
    // Seek to the oldest entry that can still be live: [live_from][right side, 0].
    OuterJoinStoreCodec::encode_key(tracker.live_from, false, {}, scan_from_);
    for (auto it = outer_store_->range(scan_from_, std::nullopt); it->valid() && !stop;
         it->next()) {
      const std::string_view store_key = it->key();
      if (!OuterJoinStoreCodec::valid_key(store_key)) continue;
      const int64_t ts = OuterJoinStoreCodec::timestamp(store_key);
      const bool left_key = OuterJoinStoreCodec::left(store_key);
      OuterJoinStoreCodec::for_each_element(it->value(), [&](bool left, std::string_view bytes) {
        if (stop) return;
        tracker.min_time = ts;
        if (left_open && right_open) {
          stop = true;
          return;
        }
        const int64_t look_ahead = left_key ? spec_.windows_after_ms : spec_.windows_before_ms;
        if (ts + look_ahead + spec_.grace_ms >= tracker.stream_time) {
          (left_key ? left_open : right_open) = true;
          first_open = std::min(first_open, ts);
          return;
        }
        closed.push_back({std::string(store_key), left, std::string(bytes)});
      });
    }
    // Every closed entry before the first open one is deleted below; later ones were not seen.
    tracker.live_from = first_open;
    const std::string* last_deleted = nullptr;
    for (const auto& p : closed) {
      const int64_t ts = OuterJoinStoreCodec::timestamp(p.key);
      const K key = key_serde_.deserialize(OuterJoinStoreCodec::user_key(p.key));
      Stamp out = stamp;
      out.timestamp = ts;
      out.null_key = false;
      if (p.left) {
        const VL left = left_serde_.deserialize(p.value);
        this->out_.forward(key, joiner_(key, &left, nullptr), out);
      } else {
        const VR right = right_serde_.deserialize(p.value);
        this->out_.forward(key, joiner_(key, nullptr, &right), out);
      }
      if (last_deleted == nullptr || *last_deleted != p.key) {
        outer_store_->put(p.key, std::nullopt);
        last_deleted = &p.key;
      }
    }
  }

  StreamJoinSideSpec spec_;
  Serde<K> key_serde_;
  Serde<VL> left_serde_;
  Serde<VR> right_serde_;
  Joiner joiner_;
  std::shared_ptr<JoinTimeTracker> tracker_;
  BytesWindowStore* other_ = nullptr;
  BytesKeyValueStore* outer_store_ = nullptr;
  std::string key_buf_;
  std::string value_buf_;
  std::string outer_key_buf_;
  std::string scan_from_;
};

}  // namespace eddy::detail
