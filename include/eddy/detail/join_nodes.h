// eddy/detail/join_nodes.h — stream-table, stream-global-table and table-table joins (internal).
#pragma once

#include <algorithm>
#include <functional>
#include <optional>

#include "eddy/detail/change.h"
#include "eddy/detail/node.h"
#include "eddy/detail/timestamped_store.h"

namespace eddy::detail {

// Looks each stream record up in a table's store as of now (processing time). `KeyFn` maps
// the record to the table key (unset: the record's key, for a KTable; the key selector for a
// GlobalKTable, where std::nullopt is a null key). Kafka Streams' rules
// (KStreamKTableJoinProcessor, KIP-962): a record whose lookup key is null finds no row; an
// inner join drops it and counts the drop, a left join still calls the joiner with
// std::nullopt. A record with a key but no matching row is dropped silently by an inner join.
template <typename K, typename V, typename TK, typename TV, typename VR>
class StreamTableJoinNode final : public Node<K, V, K, VR> {
 public:
  using KeyFn = std::function<std::optional<TK>(const K&, const V&)>;
  using Joiner = std::function<VR(const K&, const V&, const std::optional<TV>&)>;
  StreamTableJoinNode(std::string name, std::string store, Serde<TK> tks, Serde<TV> tvs,
                      KeyFn key_fn, Joiner joiner, bool left)
      : Node<K, V, K, VR>(std::move(name)),
        store_name_(std::move(store)),
        key_serde_(std::move(tks)),
        value_serde_(std::move(tvs)),
        key_fn_(std::move(key_fn)),
        joiner_(std::move(joiner)),
        left_(left) {}

  void init(TaskContext& context) override {
    NodeInstance::init(context);
    table_ = TimestampedStore<TK, TV>(lookup_kv_store(context, store_name_, this->name()),
                                      key_serde_, value_serde_);
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
    std::optional<ValueAndTimestamp<TV>> match;
    if (lookup) match = table_.get(*lookup);
    if (!match && !left_) return;
    std::optional<TV> other;
    if (match) other = std::move(match->value);
    this->out_.forward(key, joiner_(key, value, other), stamp);
  }

 private:
  std::string store_name_;
  Serde<TK> key_serde_;
  Serde<TV> value_serde_;
  KeyFn key_fn_;
  Joiner joiner_;
  bool left_;
  TimestampedStore<TK, TV> table_;
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
  TableTableJoinNode(std::string name, std::string other_store, Serde<K> ks, Serde<VOther> vs,
                     Joiner joiner, TableJoinSide side)
      : Node<K, Change<VThis>, K, Change<VR>>(std::move(name)),
        store_name_(std::move(other_store)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        joiner_(std::move(joiner)),
        side_(side) {}

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
  TimestampedStore<K, VOther> other_;
};

}  // namespace eddy::detail
