// eddy/detail/nodes/join_nodes.h — stream-table, stream-global-table and table-table joins
// (internal).
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "eddy/detail/nodes/change.h"
#include "eddy/detail/nodes/node.h"
#include "eddy/detail/nodes/timestamped_store.h"
#include "eddy/state/versioned_key_value_store.h"

namespace eddy::detail {

// Looks each stream record up in a table's store as of now (processing time). `KeyFn` maps
// the record to the table key (unset: the record's key, for a KTable; the key selector for a
// GlobalKTable, where std::nullopt is a null key). Kafka Streams' rules
// (KStreamKTableJoinProcessor, KIP-962): a record whose lookup key is null finds no row; an
// inner join drops it and counts the drop, a left join still calls the joiner with
// std::nullopt. A record with a key but no matching row is dropped silently by an inner join.
// A versioned table (versioned_key_value_store.h) is looked up as of the record's timestamp.
// With a grace period (versioned tables only) records wait in a buffer, time-ordered, until
// the buffer's stream time (its newest record's timestamp) passes theirs by the grace, so a
// table update that arrives a little late is still seen; a record already older than that
// is joined at once (Kafka Streams' TimeOrderedKeyValueBuffer in the join). Buffer store
// layout: [8 timestamp][key bytes][4 sequence] -> [headers][value bytes].
template <typename K, typename V, typename TK, typename TV, typename VR>
class StreamTableJoinNode final : public Node<K, V, K, VR> {
 public:
  using KeyFn = std::function<std::optional<TK>(const K&, const V&)>;
  using Joiner = std::function<VR(const K&, const V&, const std::optional<TV>&)>;
  struct Grace {
    int64_t grace_ms = 0;
    std::string buffer_store;
    Serde<K> key_serde;
    Serde<V> value_serde;
  };
  StreamTableJoinNode(std::string name, std::string store, Serde<TK> tks, Serde<TV> tvs,
                      KeyFn key_fn, Joiner joiner, bool left,
                      std::optional<Grace> grace = std::nullopt)
      : Node<K, V, K, VR>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(tks)),
        value_serde_(std::move(tvs)),
        key_fn_(std::move(key_fn)),
        joiner_(std::move(joiner)),
        left_(left),
        grace_(std::move(grace)) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    auto* store = lookup_kv_store(context, store_name_, this->name());
    table_ = TimestampedStore<TK, TV>(store, key_serde_, value_serde_);
    versioned_ = dynamic_cast<BytesVersionedKeyValueStore*>(store);
    if (grace_) {
      if (versioned_ == nullptr) {
        throw TopologyError("join '" + this->name() + "': a grace period needs a versioned table");
      }
      buffer_ = lookup_kv_store(context, grace_->buffer_store, this->name());
      // The buffer's stream time and next sequence survive restarts in the buffer itself.
      for (auto it = buffer_->all(); it->valid(); it->next()) {
        const auto k = it->key();
        if (k.size() < 12) continue;
        buffer_time_ =
            std::max(buffer_time_,
                     static_cast<int64_t>(read_big_endian_u64(k.substr(0, 8), "buffer timestamp")));
        std::string_view tail = k.substr(k.size() - 4);
        seq_ = std::max(seq_, static_cast<int32_t>(read_u32(tail) & 0x7FFFFFFF));
      }
    }
  }
  void process(const K& key, const V& value, Stamp stamp) override {
    std::optional<TK> lookup;
    if (key_fn_) {
      lookup = key_fn_(key, value);
    } else if constexpr (std::is_same_v<K, TK>) {
      if (!stamp.null_key) lookup = key;
    }
    if (!lookup && !left_) {
      this->context_->record_dropped(this->name(), "null join key");
      return;
    }
    // A record with no key cannot be buffered (it finds no row at any time): joined now.
    if (grace_ && lookup && buffer(key, value, stamp)) return;
    join(key, value, stamp, lookup);
  }

 private:
  void join(const K& key, const V& value, Stamp stamp, const std::optional<TK>& lookup) {
    std::optional<TV> other;
    if (lookup) {
      if (versioned_ != nullptr) {
        key_buf_.clear();
        key_serde_.serialize(*lookup, key_buf_);
        if (auto r = versioned_->get_as_of(key_buf_, stamp.timestamp)) {
          other = value_serde_.deserialize(r->value);
        }
      } else if (auto match = table_.get(*lookup)) {
        other = std::move(match->value);
      }
    }
    if (!other && !left_) return;
    this->out_.forward(key, joiner_(key, value, other), stamp);
  }

  // Puts the record in the buffer and emits the records whose time has come; false when the
  // record is too late to wait (the caller joins it now).
  bool buffer(const K& key, const V& value, Stamp stamp) {
    if (stamp.timestamp < buffer_time_ - grace_->grace_ms) return false;
    buffer_time_ = std::max(buffer_time_, stamp.timestamp);
    entry_key_.clear();
    append_big_endian_u64(static_cast<uint64_t>(stamp.timestamp), entry_key_);
    grace_->key_serde.serialize(key, entry_key_);
    seq_ = (seq_ + 1) & 0x7FFFFFFF;
    for (int shift = 24; shift >= 0; shift -= 8) {
      entry_key_.push_back(static_cast<char>(static_cast<uint32_t>(seq_) >> shift));
    }
    entry_value_.clear();
    const Headers& headers = this->context_->headers();
    append_u32(static_cast<uint32_t>(headers.size()), entry_value_);
    for (const auto& h : headers) {
      append_u32(static_cast<uint32_t>(h.key.size()), entry_value_);
      entry_value_ += h.key;
      entry_value_.push_back(h.value ? 1 : 0);
      if (h.value) {
        append_u32(static_cast<uint32_t>(h.value->size()), entry_value_);
        entry_value_ += *h.value;
      }
    }
    grace_->value_serde.serialize(value, entry_value_);
    buffer_->put(entry_key_, std::string_view(entry_value_));
    evict();
    return true;
  }

  void evict() {
    const int64_t until = buffer_time_ - grace_->grace_ms;
    if (until < 0) return;
    std::string hi;
    append_big_endian_u64(static_cast<uint64_t>(until) + 1, hi);  // keys are longer than 8
    std::vector<std::pair<std::string, std::string>> due;
    for (auto it = buffer_->range(std::nullopt, hi); it->valid(); it->next()) {
      if (it->key().size() >= 8 && it->key().substr(0, 8) == hi) break;
      due.emplace_back(std::string(it->key()), std::string(it->value()));
    }
    for (auto& [k, v] : due) {
      buffer_->put(k, std::nullopt);
      const auto ts = static_cast<int64_t>(read_big_endian_u64(k.substr(0, 8), "timestamp"));
      K key = grace_->key_serde.deserialize(std::string_view(k).substr(8, k.size() - 12));
      std::string_view rest = v;
      Headers headers(read_u32(rest));
      for (auto& h : headers) {
        h.key = std::string(take(rest, read_u32(rest)));
        if (take(rest, 1)[0] != 0) h.value = std::string(take(rest, read_u32(rest)));
      }
      V value = grace_->value_serde.deserialize(rest);
      Headers saved = std::exchange(this->context_->headers(), std::move(headers));
      std::optional<TK> lookup;
      if constexpr (std::is_same_v<K, TK>) lookup = key;
      join(key, value, Stamp{ts, false}, lookup);
      this->context_->headers() = std::move(saved);
    }
  }

  static void append_u32(uint32_t v, std::string& out) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
  }
  std::string_view take(std::string_view& bytes, size_t n) {
    if (bytes.size() < n) throw SerdeError("join '" + this->name() + "': buffer entry too short");
    auto out = bytes.substr(0, n);
    bytes.remove_prefix(n);
    return out;
  }
  uint32_t read_u32(std::string_view& bytes) {
    const auto b = take(bytes, 4);
    uint32_t v = 0;
    for (char c : b) v = (v << 8) | static_cast<uint8_t>(c);
    return v;
  }

  std::string store_name_;
  Serde<TK> key_serde_;
  Serde<TV> value_serde_;
  KeyFn key_fn_;
  Joiner joiner_;
  bool left_;
  std::optional<Grace> grace_;
  TimestampedStore<TK, TV> table_;
  BytesVersionedKeyValueStore* versioned_ = nullptr;
  BytesKeyValueStore* buffer_ = nullptr;
  int64_t buffer_time_ = -1;
  int32_t seq_ = 0;
  std::string key_buf_;
  std::string entry_key_;
  std::string entry_value_;
};

// Which rules one side of a table-table join follows (Kafka Streams' KTableKTableInnerJoin,
// LeftJoin, RightJoin — the other side of a left join — and OuterJoin).
enum class TableJoinSide { kInner, kLeft, kRight, kOuter };

// A left or outer side tells a delete of a row from a delete of a row never held by the
// change's old value, so its input table must send old values.
constexpr bool table_join_needs_old_values(TableJoinSide side) {
  return side == TableJoinSide::kLeft || side == TableJoinSide::kOuter;
}

// One side of a KTable-KTable join: on a change of this side, looks up the other side's row
// and forwards the new result, joiner(this, other), as Kafka Streams does:
// - kInner: nothing while the other side has no row; else the result, or a delete when this
//   side's row is deleted (even one it never held);
// - kLeft: joiner(this, other or std::nullopt) while this side has a row; a delete when it
//   is deleted; nothing for a delete of a row neither side holds;
// - kRight (the other table of a left join): nothing while the left side has no row; else
//   joiner(this or std::nullopt, left row);
// - kOuter: joiner(this or std::nullopt, other or std::nullopt) while either side has a row;
//   a delete when neither has; nothing for a delete of a row neither side holds.
// Timestamp: the max of this change's and the other row's. Null keys are dropped and counted.
// The result's old value is not computed here: the merge node after both sides materializes
// the result and knows it.
template <typename K, typename VThis, typename VOther, typename VR>
class TableTableJoinNode final : public Node<K, Change<VThis>, K, Change<VR>> {
 public:
  using Joiner = std::function<VR(const std::optional<VThis>&, const std::optional<VOther>&)>;
  // `versioned`: this side reads a versioned table; its out-of-order updates are skipped and
  // counted as dropped (Kafka Streams' versioned semantics).
  TableTableJoinNode(std::string name, std::string other_store, Serde<K> ks, Serde<VOther> vs,
                     Joiner joiner, TableJoinSide side, bool versioned = false)
      : Node<K, Change<VThis>, K, Change<VR>>(std::move(name)),
        store_name_(std::move(other_store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        joiner_(std::move(joiner)),
        side_(side),
        versioned_(versioned) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    other_ = TimestampedStore<K, VOther>(lookup_kv_store(context, store_name_, this->name()),
                                         key_serde_, value_serde_);
  }
  void process(const K& key, const Change<VThis>& change, Stamp stamp) override {
    if (stamp.null_key) {
      this->context_->record_dropped(this->name(), "null key");
      return;
    }
    if (versioned_ && !change.is_latest) {
      this->context_->record_dropped(this->name(), "out-of-order update of a versioned table");
      return;
    }
    auto other = other_.get(key);
    std::optional<VOther> other_value;
    int64_t ts = stamp.timestamp;
    if (other) {
      ts = std::max(ts, other->timestamp);
      other_value = std::move(other->value);
    }
    const bool nothing_before = !change.new_value && !change.old_value;
    Change<VR> out;
    switch (side_) {
      case TableJoinSide::kInner:
        if (!other_value) return;
        if (change.new_value) out.new_value = joiner_(change.new_value, other_value);
        break;
      case TableJoinSide::kLeft:
        if (!other_value && nothing_before) return;
        if (change.new_value) out.new_value = joiner_(change.new_value, other_value);
        break;
      case TableJoinSide::kRight:
        if (!other_value) return;
        out.new_value = joiner_(change.new_value, other_value);
        break;
      case TableJoinSide::kOuter:
        if (!other_value && nothing_before) return;
        if (other_value || change.new_value) {
          out.new_value = joiner_(change.new_value, other_value);
        }
        break;
    }
    this->out_.forward(key, out, Stamp{ts, false});
  }

 private:
  std::string store_name_;
  Serde<K> key_serde_;
  Serde<VOther> value_serde_;
  Joiner joiner_;
  TableJoinSide side_;
  bool versioned_;
  TimestampedStore<K, VOther> other_;
};

}  // namespace eddy::detail
